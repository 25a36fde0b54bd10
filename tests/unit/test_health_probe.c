/* Health check dialogues against scripted peers on 127.0.0.1 (one probe
 * each, through mxlb_health_probe_run): good, wrong and slow greetings,
 * early close, 4xx and 5xx replies, STARTTLS and implicit TLS with a
 * certificate made in the test, TLS failures (a plain-text peer, an expired
 * certificate, a name mismatch), connect refused. */
#include <criterion/criterion.h>
#include <string.h>

#include "health_probe.h"
#include "health_tls.h"
#include "test_health_peer.h"

struct t_run {
	int ok;
	char why[256], note[128], seen[1024], failure[256];
};

/* Generous: OpenSSL's first handshake in a process is slow under ASan. */
static unsigned t_probe_timeout_ms = 3000;

static struct t_run t_probe(const struct t_peer_step *script, SSL_CTX *tls,
			    enum mxlb_health_conf_proto proto, bool starttls,
			    enum mxlb_health_conf_verify verify)
{
	struct mxlb_health_conf_check c;
	struct t_peer peer;
	struct t_run r;

	t_peer_start(&peer, script, tls);
	t_peer_check(&c, proto, peer.port);
	c.starttls = starttls;
	c.verify = verify;
	c.timeout_ms = t_probe_timeout_ms;
	c.interval_ms = 2 * t_probe_timeout_ms;
	if (mxlb_health_conf_implicit_tls(proto) || starttls)
		cr_assert_eq(mxlb_health_tls_prepare(&c, r.why, sizeof(r.why)), 0, "%s", r.why);
	r.ok = mxlb_health_probe_run(&c, &c.addrs[0], r.why, sizeof(r.why), r.note, sizeof(r.note));
	t_peer_stop(&peer);
	memcpy(r.seen, peer.seen, sizeof(r.seen));
	memcpy(r.failure, peer.failure, sizeof(r.failure));
	return r;
}

#define T_SMTP_GOOD                                                                                \
	{T_SEND, "220 mx1.test ESMTP\r\n", 0}, {T_EXPECT, "EHLO checker.test", 0},                 \
	    {T_SEND, "250-mx1.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n", 0},                     \
	    {T_EXPECT, "QUIT", 0}, {T_SEND, "221 bye\r\n", 0},                                     \
	{                                                                                          \
		T_CLOSE, NULL, 0                                                                   \
	}

Test(health_probe, smtp_good)
{
	static const struct t_peer_step s[] = {T_SMTP_GOOD};
	struct t_run r = t_probe(s, NULL, MXLB_HEALTH_SMTP, false, MXLB_HEALTH_VERIFY_NONE);

	cr_expect_eq(r.ok, 1, "why: %s", r.why);
	cr_expect_str_eq(r.failure, "");
	cr_expect_str_eq(r.seen, "EHLO checker.test|QUIT|");
}

Test(health_probe, smtp_greeting_421)
{
	static const struct t_peer_step s[] = {{T_SEND, "421 mx1.test busy\r\n", 0}, {T_END, 0, 0}};
	struct t_run r = t_probe(s, NULL, MXLB_HEALTH_SMTP, false, MXLB_HEALTH_VERIFY_NONE);

	cr_expect_eq(r.ok, 0);
	cr_expect_str_eq(r.why, "greeting 421");
}

Test(health_probe, smtp_greeting_554_multiline)
{
	static const struct t_peer_step s[] = {{T_SEND, "554-mx1.test\r\n554 no service\r\n", 0},
					       {T_END, 0, 0}};
	struct t_run r = t_probe(s, NULL, MXLB_HEALTH_SMTP, false, MXLB_HEALTH_VERIFY_NONE);

	cr_expect_str_eq(r.why, "greeting 554");
}

Test(health_probe, smtp_wrong_greeting)
{
	static const struct t_peer_step s[] = {{T_SEND, "SSH-2.0-OpenSSH_9.2\r\n", 0},
					       {T_END, 0, 0}};
	struct t_run r = t_probe(s, NULL, MXLB_HEALTH_SUBMISSION, false, MXLB_HEALTH_VERIFY_NONE);

	cr_expect_eq(r.ok, 0);
	cr_expect_str_eq(r.why, "greeting: not an SMTP reply: 'SSH-2.0-OpenSSH_9.2'");
}

Test(health_probe, smtp_slow_greeting)
{
	static const struct t_peer_step s[] = {
	    {T_SLEEP, NULL, 800}, {T_SEND, "220 late\r\n", 0}, {T_CLOSE, 0, 0}};
	struct t_run r;

	t_probe_timeout_ms = 500;
	r = t_probe(s, NULL, MXLB_HEALTH_SMTP, false, MXLB_HEALTH_VERIFY_NONE);

	cr_expect_eq(r.ok, 0);
	cr_expect_str_eq(r.why, "timeout after 500 ms waiting for the greeting");
}

Test(health_probe, smtp_early_close)
{
	static const struct t_peer_step s[] = {{T_CLOSE, 0, 0}};
	struct t_run r = t_probe(s, NULL, MXLB_HEALTH_SMTP, false, MXLB_HEALTH_VERIFY_NONE);

	cr_expect_str_eq(r.why, "connection closed before the greeting");
}

Test(health_probe, smtp_close_after_ehlo)
{
	static const struct t_peer_step s[] = {
	    {T_SEND, "220 ok\r\n", 0}, {T_EXPECT, "EHLO", 0}, {T_CLOSE, 0, 0}};
	struct t_run r = t_probe(s, NULL, MXLB_HEALTH_SMTP, false, MXLB_HEALTH_VERIFY_NONE);

	cr_expect_str_eq(r.why, "connection closed before the EHLO reply");
}

Test(health_probe, smtp_ehlo_451_and_550)
{
	static const struct t_peer_step s4[] = {{T_SEND, "220 ok\r\n", 0},
						{T_EXPECT, "EHLO", 0},
						{T_SEND, "451 later\r\n", 0},
						{T_END, 0, 0}};
	static const struct t_peer_step s5[] = {{T_SEND, "220 ok\r\n", 0},
						{T_EXPECT, "EHLO", 0},
						{T_SEND, "550 no\r\n", 0},
						{T_END, 0, 0}};
	struct t_run r = t_probe(s4, NULL, MXLB_HEALTH_SMTP, false, MXLB_HEALTH_VERIFY_NONE);

	cr_expect_str_eq(r.why, "EHLO 451");
	r = t_probe(s5, NULL, MXLB_HEALTH_SMTP, false, MXLB_HEALTH_VERIFY_NONE);
	cr_expect_str_eq(r.why, "EHLO 550");
}

Test(health_probe, smtp_starttls)
{
	static const struct t_peer_step s[] = {{T_SEND, "220 ok\r\n", 0},
					       {T_EXPECT, "EHLO checker.test", 0},
					       {T_SEND, "250-mx1.test\r\n250 STARTTLS\r\n", 0},
					       {T_EXPECT, "STARTTLS", 0},
					       {T_SEND, "220 go ahead\r\n", 0},
					       {T_TLS, 0, 0},
					       {T_EXPECT, "EHLO checker.test", 0},
					       {T_SEND, "250 mx1.test\r\n", 0},
					       {T_EXPECT, "QUIT", 0},
					       {T_SEND, "221 bye\r\n", 0},
					       {T_CLOSE, 0, 0}};
	struct t_run r = t_probe(s, t_peer_tls("mx1.test", -1, 30), MXLB_HEALTH_SMTP, true,
				 MXLB_HEALTH_VERIFY_NAME);

	cr_expect_eq(r.ok, 1, "why: %s (peer: %s)", r.why, r.failure);
	cr_expect(strstr(r.note, "certificate expires ") == r.note, "note: %s", r.note);
	cr_expect(strstr(r.note, "(30 days)") != NULL || strstr(r.note, "(29 days)") != NULL,
		  "note: %s", r.note);
}

Test(health_probe, smtp_starttls_not_offered)
{
	static const struct t_peer_step s[] = {{T_SEND, "220 ok\r\n", 0},
					       {T_EXPECT, "EHLO", 0},
					       {T_SEND, "250 mx1.test\r\n", 0},
					       {T_END, 0, 0}};
	struct t_run r = t_probe(s, NULL, MXLB_HEALTH_SMTP, true, MXLB_HEALTH_VERIFY_NONE);

	cr_expect_str_eq(r.why, "EHLO: STARTTLS not offered");
}

Test(health_probe, smtp_starttls_454)
{
	static const struct t_peer_step s[] = {{T_SEND, "220 ok\r\n", 0},
					       {T_EXPECT, "EHLO", 0},
					       {T_SEND, "250 STARTTLS\r\n", 0},
					       {T_EXPECT, "STARTTLS", 0},
					       {T_SEND, "454 TLS not available\r\n", 0},
					       {T_END, 0, 0}};
	struct t_run r = t_probe(s, NULL, MXLB_HEALTH_SMTP, true, MXLB_HEALTH_VERIFY_NONE);

	cr_expect_str_eq(r.why, "STARTTLS 454");
}

Test(health_probe, smtps_plain_text_peer)
{
	/* A plain SMTP server where TLS is expected answers the ClientHello
	 * with its greeting: the handshake fails, and says so. */
	static const struct t_peer_step s[] = {{T_SEND, "220 plain text here\r\n", 0},
					       {T_END, 0, 0}};
	struct t_run r = t_probe(s, NULL, MXLB_HEALTH_SMTPS, false, MXLB_HEALTH_VERIFY_NONE);

	cr_expect_eq(r.ok, 0);
	cr_expect(strncmp(r.why, "tls: handshake: ", 16) == 0, "why: %s", r.why);
}

Test(health_probe, smtps_good)
{
	static const struct t_peer_step s[] = {{T_TLS, 0, 0}, T_SMTP_GOOD};
	struct t_run r = t_probe(s, t_peer_tls("mx1.test", -1, 400), MXLB_HEALTH_SMTPS, false,
				 MXLB_HEALTH_VERIFY_EXPIRY);

	cr_expect_eq(r.ok, 1, "why: %s (peer: %s)", r.why, r.failure);
}

Test(health_probe, imaps_expired_certificate)
{
	static const struct t_peer_step s[] = {
	    {T_TLS, 0, 0}, {T_SEND, "* OK ready\r\n", 0}, {T_END, 0, 0}};
	struct t_run r = t_probe(s, t_peer_tls("mx1.test", -30, -1), MXLB_HEALTH_IMAPS, false,
				 MXLB_HEALTH_VERIFY_EXPIRY);

	cr_expect_eq(r.ok, 0);
	cr_expect(strncmp(r.why, "tls: certificate expired ", 25) == 0, "why: %s", r.why);
	/* Without verification it passes, and the expiry is reported. */
	r = t_probe(s, t_peer_tls("mx1.test", -30, -1), MXLB_HEALTH_IMAPS, false,
		    MXLB_HEALTH_VERIFY_NONE);
	cr_expect_eq(r.ok, 1, "why: %s", r.why);
	cr_expect(strstr(r.note, "(-1 day)") != NULL || strstr(r.note, "(0 days)") != NULL,
		  "note: %s", r.note);
}

Test(health_probe, pop3s_name_mismatch)
{
	static const struct t_peer_step s[] = {
	    {T_TLS, 0, 0}, {T_SEND, "+OK ready\r\n", 0}, {T_END, 0, 0}};
	struct t_run r = t_probe(s, t_peer_tls("other.test", -1, 30), MXLB_HEALTH_POP3S, false,
				 MXLB_HEALTH_VERIFY_NAME);

	cr_expect_str_eq(r.why, "tls: certificate does not name mx1.test");
}

Test(health_probe, chain_untrusted)
{
	static const struct t_peer_step s[] = {
	    {T_TLS, 0, 0}, {T_SEND, "+OK ready\r\n", 0}, {T_END, 0, 0}};
	struct t_run r = t_probe(s, t_peer_tls("mx1.test", -1, 30), MXLB_HEALTH_POP3S, false,
				 MXLB_HEALTH_VERIFY_CHAIN);

	cr_expect(strncmp(r.why, "tls: certificate not trusted: ", 30) == 0, "why: %s", r.why);
}

Test(health_probe, pop3_good_err_and_stls)
{
	static const struct t_peer_step good[] = {{T_SEND, "+OK POP3 ready\r\n", 0},
						  {T_EXPECT, "QUIT", 0},
						  {T_SEND, "+OK\r\n", 0},
						  {T_CLOSE, 0, 0}};
	static const struct t_peer_step err[] = {{T_SEND, "-ERR too many\r\n", 0}, {T_END, 0, 0}};
	static const struct t_peer_step stls[] = {{T_SEND, "+OK POP3 ready\r\n", 0},
						  {T_EXPECT, "STLS", 0},
						  {T_SEND, "+OK begin TLS\r\n", 0},
						  {T_TLS, 0, 0},
						  {T_EXPECT, "QUIT", 0},
						  {T_SEND, "+OK\r\n", 0},
						  {T_CLOSE, 0, 0}};
	struct t_run r = t_probe(good, NULL, MXLB_HEALTH_POP3, false, MXLB_HEALTH_VERIFY_NONE);

	cr_expect_eq(r.ok, 1, "why: %s", r.why);
	r = t_probe(err, NULL, MXLB_HEALTH_POP3, false, MXLB_HEALTH_VERIFY_NONE);
	cr_expect_str_eq(r.why, "greeting -ERR");
	r = t_probe(stls, t_peer_tls("mx1.test", -1, 30), MXLB_HEALTH_POP3, true,
		    MXLB_HEALTH_VERIFY_NONE);
	cr_expect_eq(r.ok, 1, "why: %s (peer: %s)", r.why, r.failure);
	cr_expect_str_eq(r.seen, "STLS|QUIT|");
}

Test(health_probe, imap_good_bye_and_starttls)
{
	static const struct t_peer_step good[] = {
	    {T_SEND, "* OK [CAPABILITY IMAP4rev1] ready\r\n", 0},
	    {T_EXPECT, "a1 LOGOUT", 0},
	    {T_SEND, "* BYE\r\na1 OK done\r\n", 0},
	    {T_CLOSE, 0, 0}};
	static const struct t_peer_step bye[] = {{T_SEND, "* BYE overloaded\r\n", 0},
						 {T_END, 0, 0}};
	static const struct t_peer_step stls[] = {{T_SEND, "* OK ready\r\n", 0},
						  {T_EXPECT, "a1 STARTTLS", 0},
						  {T_SEND, "* note\r\na1 OK begin\r\n", 0},
						  {T_TLS, 0, 0},
						  {T_EXPECT, "a2 LOGOUT", 0},
						  {T_SEND, "* BYE\r\na2 OK\r\n", 0},
						  {T_CLOSE, 0, 0}};
	static const struct t_peer_step no[] = {{T_SEND, "* OK ready\r\n", 0},
						{T_EXPECT, "a1 STARTTLS", 0},
						{T_SEND, "a1 NO not now\r\n", 0},
						{T_END, 0, 0}};
	struct t_run r = t_probe(good, NULL, MXLB_HEALTH_IMAP, false, MXLB_HEALTH_VERIFY_NONE);

	cr_expect_eq(r.ok, 1, "why: %s", r.why);
	r = t_probe(bye, NULL, MXLB_HEALTH_IMAP, false, MXLB_HEALTH_VERIFY_NONE);
	cr_expect_str_eq(r.why, "greeting * BYE");
	r = t_probe(stls, t_peer_tls("mx1.test", -1, 30), MXLB_HEALTH_IMAP, true,
		    MXLB_HEALTH_VERIFY_NAME);
	cr_expect_eq(r.ok, 1, "why: %s (peer: %s)", r.why, r.failure);
	r = t_probe(no, NULL, MXLB_HEALTH_IMAP, true, MXLB_HEALTH_VERIFY_NONE);
	cr_expect_str_eq(r.why, "STARTTLS NO");
}

Test(health_probe, tcp_connect_and_refused)
{
	static const struct t_peer_step s[] = {{T_END, 0, 0}};
	struct mxlb_health_conf_check c;
	struct t_run r = t_probe(s, NULL, MXLB_HEALTH_TCP, false, MXLB_HEALTH_VERIFY_NONE);
	struct t_peer peer;
	char why[256];

	cr_expect_eq(r.ok, 1, "why: %s", r.why);
	/* A port nobody listens on: that of a peer just stopped. */
	t_peer_start(&peer, s, NULL);
	t_peer_stop(&peer);
	t_peer_check(&c, MXLB_HEALTH_SMTP, peer.port);
	cr_expect_eq(mxlb_health_probe_run(&c, &c.addrs[0], why, sizeof(why), NULL, 0), 0);
	cr_expect_str_eq(why, "connect: Connection refused");
}
