/* The health checker's configuration file: defaults, options, defaults
 * lines, and refusals as FILE:LINE: reason; the dialogue state machine fed
 * lines directly; DNS wire format. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "health_conf.h"
#include "health_dns.h"
#include "health_proto.h"

static int t_conf(const char *text, struct mxlb_health_conf *c, char *err, size_t len)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	cr_assert_not_null(f);
	ret = mxlb_health_conf_read(f, "health.conf", c, err, len);
	fclose(f);
	return ret;
}

static void t_refused(const char *text, const char *want)
{
	struct mxlb_health_conf c;
	char err[1024];

	cr_expect_eq(t_conf(text, &c, err, sizeof(err)), -1, "accepted: %s", text);
	cr_expect_str_eq(err, want);
}

Test(health_conf, defaults_and_options)
{
	static const char text[] =
	    "# member  protocol port options\n"
	    "MX1.isp.example.  smtp 25 interval=2s timeout=1s fall=3 rise=2\n"
	    "198.51.100.21  pop3 110\n"
	    "\n"
	    "interval=500ms timeout=400ms fall=5 resolver=198.18.0.1\n"
	    "mx2.isp.example smtp starttls tls-verify=name helo=checker.isp\n"
	    "2001:DB8::25 imaps timeout=250ms   # a comment\n"
	    "mx3.isp.example submission addr=198.18.2.13,2001:db8::13\n";
	struct mxlb_health_conf c;
	char err[1024], a[64];

	cr_assert_eq(t_conf(text, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(c.n, 5);
	cr_expect_str_eq(c.checks[0].member, "mx1.isp.example");
	cr_expect_eq(c.checks[0].proto, MXLB_HEALTH_SMTP);
	cr_expect_eq(c.checks[0].port, 25);
	cr_expect_eq(c.checks[0].interval_ms, 2000);
	cr_expect_eq(c.checks[0].timeout_ms, 1000);
	cr_expect_eq(c.checks[0].naddrs, 0);
	cr_expect_eq(c.checks[0].line, 2);
	cr_expect(c.checks[1].is_addr);
	cr_expect_eq(c.checks[1].naddrs, 1);
	cr_expect_eq(c.checks[1].fall, 3);
	/* after the defaults line */
	cr_expect_eq(c.checks[2].interval_ms, 500);
	cr_expect_eq(c.checks[2].fall, 5);
	cr_expect_eq(c.checks[2].port, 25);
	cr_expect(c.checks[2].starttls);
	cr_expect_eq(c.checks[2].verify, MXLB_HEALTH_VERIFY_NAME);
	cr_expect_str_eq(c.checks[2].helo, "checker.isp");
	cr_expect_str_eq(c.checks[3].member, "2001:db8::25");
	cr_expect_eq(c.checks[3].port, 993);
	cr_expect_eq(c.checks[3].timeout_ms, 250);
	cr_expect_eq(c.checks[4].port, 587);
	cr_expect_eq(c.checks[4].naddrs, 2);
	mxlb_health_conf_addr_text(&c.checks[4].addrs[1], 587, a, sizeof(a));
	cr_expect_str_eq(a, "[2001:db8::13]:587");
	cr_expect(c.have_resolver);
	mxlb_health_conf_addr_text(&c.resolver, 53, a, sizeof(a));
	cr_expect_str_eq(a, "198.18.0.1:53");
	mxlb_health_conf_free(&c);
}

Test(health_conf, refusals_name_file_and_line)
{
	t_refused("mx1 smtp\nmx2 smtpx 25\n",
		  "health.conf:2: unknown protocol 'smtpx' (tcp, smtp, submission, smtps, pop3, "
		  "pop3s, imap, imaps)");
	t_refused("mx1 tcp\n", "health.conf:1: tcp needs a PORT");
	t_refused("mx1 smtp 70000\n", "health.conf:1: port '70000': 1 to 65535");
	t_refused("mx1 smtp 25 fall=0\n", "health.conf:1: fall=0: a count from 1 to 100");
	t_refused("mx1 smtp 25 interval=2x\n",
		  "health.conf:1: interval=2x: a duration from 100ms to 1h (like 2s, 500ms, 1m)");
	t_refused("mx1 smtp 25 interval=1s timeout=2s\n",
		  "health.conf:1: timeout (2000 ms) is longer than interval (1000 ms)");
	t_refused("mx1 smtps starttls\n",
		  "health.conf:1: starttls: smtps has no STARTTLS (it is for smtp, submission, "
		  "pop3 and imap)");
	t_refused("mx1 pop3 tls-verify=name\n",
		  "health.conf:1: tls-* options need TLS: a TLS protocol (smtps, pop3s, imaps) or "
		  "starttls");
	t_refused("mx1 imap helo=x\n", "health.conf:1: helo= is for smtp, submission and smtps");
	t_refused("bad_name!.example smtp\n",
		  "health.conf:1: 'bad_name!.example' is neither a host name nor an address");
	t_refused("mx1 smtp colour=red\n", "health.conf:1: unknown option 'colour'");
	t_refused("mx1 smtp addr=198.18.2.300\n",
		  "health.conf:1: addr=198.18.2.300: '198.18.2.300' is not an IPv4 or IPv6 "
		  "address");
	t_refused("198.18.2.1 smtp addr=198.18.2.2\n",
		  "health.conf:1: addr= is for host names; 198.18.2.1 is an address");
	t_refused("mx1 smtp resolver=1.2.3.4\n",
		  "health.conf:1: resolver= is a global setting: put it on a line of its own");
	t_refused("mx1 smtp\n\nmx1 smtp 25\n",
		  "health.conf:3: mx1 smtp 25 is already checked on line 1");
	t_refused("198.18.2.1 smtps tls-verify=name\n",
		  "health.conf:1: tls-verify=name of an address member needs tls-name=");
	t_refused("mx1\n", "health.conf:1: 'mx1': a line is MEMBER PROTOCOL [PORT] "
			   "[OPTION=VALUE ...]");
	t_refused("# nothing\n", "health.conf: no member to check");
	t_refused("fall=2 starttls\nmx1 smtp\n",
		  "health.conf:1: starttls belongs on a member's line");
}

Test(health_conf, missing_file)
{
	struct mxlb_health_conf c;
	char err[256];

	cr_expect_eq(mxlb_health_conf_load("/nonexistent/health.conf", &c, err, sizeof(err)), -1);
	cr_expect_str_eq(err, "/nonexistent/health.conf: No such file or directory");
}

/* ---- the dialogue, line by line */

Test(health_proto, smtp_steps)
{
	struct mxlb_health_proto p;

	mxlb_health_proto_init(&p, MXLB_HEALTH_SMTP, true, "c.test");
	cr_expect_eq(mxlb_health_proto_start(&p), MXLB_HEALTH_PROTO_MORE);
	cr_expect_str_eq(mxlb_health_proto_waiting(&p), "the greeting");
	cr_expect_eq(mxlb_health_proto_line(&p, "220-hello", 9), MXLB_HEALTH_PROTO_MORE);
	cr_expect_eq(mxlb_health_proto_line(&p, "220 ready", 9), MXLB_HEALTH_PROTO_SEND);
	cr_expect_eq(p.outlen, 13);
	cr_expect(memcmp(p.out, "EHLO c.test\r\n", 13) == 0);
	cr_expect_eq(mxlb_health_proto_line(&p, "250-mx", 6), MXLB_HEALTH_PROTO_MORE);
	cr_expect_eq(mxlb_health_proto_line(&p, "250-starttls", 12), MXLB_HEALTH_PROTO_MORE);
	cr_expect_eq(mxlb_health_proto_line(&p, "250 SIZE 100", 12), MXLB_HEALTH_PROTO_SEND);
	cr_expect(memcmp(p.out, "STARTTLS\r\n", 10) == 0);
	cr_expect_eq(mxlb_health_proto_line(&p, "220 go", 6), MXLB_HEALTH_PROTO_TLS);
	cr_expect_eq(mxlb_health_proto_tls_up(&p), MXLB_HEALTH_PROTO_SEND);
	cr_expect_eq(mxlb_health_proto_line(&p, "421 bye", 7), MXLB_HEALTH_PROTO_FAIL);
	cr_expect_str_eq(p.why, "EHLO after STARTTLS 421");
}

Test(health_proto, tcp_passes_at_once)
{
	struct mxlb_health_proto p;

	mxlb_health_proto_init(&p, MXLB_HEALTH_TCP, false, NULL);
	cr_expect_eq(mxlb_health_proto_start(&p), MXLB_HEALTH_PROTO_OK);
	cr_expect_eq(p.outlen, 0);
}

/* ---- DNS wire format */

Test(health_dns, query_and_reply)
{
	/* The reply to A mx1.t.: CNAME to x.t., then x.t. A 198.18.2.11 */
	static const uint8_t reply[] = {
	    0x12, 0x34, 0x85, 0x00, 0,	  1,  0, 2, 0, 0, 0,  0, 3, 'm', 'x', '1', 1, 't', 0,
	    0,	  1,	0,    1,    0xc0, 12, 0, 5, 0, 1, 0,  0, 0, 60,	 0,   4,   1, 'x', 0xc0,
	    16,	  0xc0, 35,   0,    1,	  0,  1, 0, 0, 0, 60, 0, 4, 198, 18,  2,   11};
	struct sockaddr_storage a[4];
	uint8_t q[512];
	unsigned n = 0;
	char text[64];

	cr_expect_eq(mxlb_health_dns_query("mx1.t.", 1, 0x1234, q, sizeof(q)), 12 + 7 + 4);
	cr_expect_eq(q[12], 3);
	cr_expect_eq(mxlb_health_dns_query("a..b", 1, 1, q, sizeof(q)), -1);
	cr_expect_eq(mxlb_health_dns_parse(reply, sizeof(reply), 0x1234, 1, a, 4, &n), 0);
	cr_assert_eq(n, 1);
	mxlb_health_conf_addr_text(&a[0], 25, text, sizeof(text));
	cr_expect_str_eq(text, "198.18.2.11:25");
	cr_expect_eq(mxlb_health_dns_parse(reply, sizeof(reply), 0x9999, 1, a, 4, &n), -1);
	cr_expect_eq(mxlb_health_dns_parse(reply, sizeof(reply) - 3, 0x1234, 1, a, 4, &n), -1);
}
