/* The dialogues of the checks (health_proto.h). Replies are judged by their
 * status alone: SMTP's three digits (RFC 5321 §4.2), POP3's +OK / -ERR
 * (RFC 1939 §3), IMAP's untagged greeting and tagged completion
 * (RFC 9051 §7.1); STARTTLS per RFC 3207, RFC 2595 and RFC 9051 §6.2.1. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "health_proto.h"

enum {
	MXLB_HEALTH_PROTO_GREET, /* the greeting */
	MXLB_HEALTH_PROTO_EHLO,	 /* the reply to EHLO */
	MXLB_HEALTH_PROTO_STLS,	 /* the reply to STARTTLS / STLS */
	MXLB_HEALTH_PROTO_EHLO2, /* the reply to EHLO after STARTTLS */
	MXLB_HEALTH_PROTO_END,	 /* decided */
};

static const char *const mxlb_health_proto_waits[] = {
    [MXLB_HEALTH_PROTO_GREET] = "the greeting",
    [MXLB_HEALTH_PROTO_EHLO] = "the EHLO reply",
    [MXLB_HEALTH_PROTO_STLS] = "the STARTTLS reply",
    [MXLB_HEALTH_PROTO_EHLO2] = "the EHLO reply after STARTTLS",
    [MXLB_HEALTH_PROTO_END] = "the end",
};

void mxlb_health_proto_init(struct mxlb_health_proto *p, enum mxlb_health_conf_proto proto,
			    bool starttls, const char *helo)
{
	memset(p, 0, sizeof(*p));
	p->proto = proto;
	p->starttls = starttls;
	p->helo = helo != NULL && helo[0] != '\0' ? helo : "localhost";
}

const char *mxlb_health_proto_waiting(const struct mxlb_health_proto *p)
{
	if (p->step == MXLB_HEALTH_PROTO_STLS && p->proto != MXLB_HEALTH_SMTP &&
	    p->proto != MXLB_HEALTH_SUBMISSION)
		return p->proto == MXLB_HEALTH_IMAP ? "the STARTTLS reply" : "the STLS reply";
	return mxlb_health_proto_waits[p->step];
}

static enum mxlb_health_proto_act mxlb_health_proto_send(struct mxlb_health_proto *p,
							 enum mxlb_health_proto_act act,
							 const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum mxlb_health_proto_act mxlb_health_proto_send(struct mxlb_health_proto *p,
							 enum mxlb_health_proto_act act,
							 const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(p->out, sizeof(p->out), fmt, ap);
	va_end(ap);
	p->outlen = n < 0 ? 0 : (size_t)n < sizeof(p->out) ? (size_t)n : sizeof(p->out) - 1;
	if (act == MXLB_HEALTH_PROTO_OK)
		p->step = MXLB_HEALTH_PROTO_END;
	return act;
}

static enum mxlb_health_proto_act mxlb_health_proto_fail(struct mxlb_health_proto *p,
							 const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static enum mxlb_health_proto_act mxlb_health_proto_fail(struct mxlb_health_proto *p,
							 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->why, sizeof(p->why), fmt, ap);
	va_end(ap);
	p->outlen = 0;
	p->step = MXLB_HEALTH_PROTO_END;
	return MXLB_HEALTH_PROTO_FAIL;
}

/* LINE as a short printable quote for a reason. */
static void mxlb_health_proto_quote(const char *line, size_t len, char *out, size_t outlen)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 4 < outlen && o < 40; i++)
		out[o++] = isprint((unsigned char)line[i]) ? line[i] : '?';
	if (i < len && o + 4 < outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

enum mxlb_health_proto_act mxlb_health_proto_start(struct mxlb_health_proto *p)
{
	p->step = MXLB_HEALTH_PROTO_GREET;
	if (p->proto == MXLB_HEALTH_TCP)
		return mxlb_health_proto_send(p, MXLB_HEALTH_PROTO_OK, "%s", "");
	return MXLB_HEALTH_PROTO_MORE;
}

static bool mxlb_health_proto_is_smtp(const struct mxlb_health_proto *p)
{
	return p->proto == MXLB_HEALTH_SMTP || p->proto == MXLB_HEALTH_SUBMISSION ||
	       p->proto == MXLB_HEALTH_SMTPS;
}

/* An SMTP reply line: "DDD text", "DDD-text" (more lines follow) or
 * "DDD". */
static enum mxlb_health_proto_act mxlb_health_proto_smtp(struct mxlb_health_proto *p,
							 const char *line, size_t len)
{
	static const char *const what[] = {
	    [MXLB_HEALTH_PROTO_GREET] = "greeting",
	    [MXLB_HEALTH_PROTO_EHLO] = "EHLO",
	    [MXLB_HEALTH_PROTO_STLS] = "STARTTLS",
	    [MXLB_HEALTH_PROTO_EHLO2] = "EHLO after STARTTLS",
	};
	char q[64];
	int code;

	if (len < 3 || !isdigit((unsigned char)line[0]) || !isdigit((unsigned char)line[1]) ||
	    !isdigit((unsigned char)line[2]) || (len > 3 && line[3] != ' ' && line[3] != '-')) {
		mxlb_health_proto_quote(line, len, q, sizeof(q));
		return mxlb_health_proto_fail(p, "%s: not an SMTP reply: '%s'", what[p->step], q);
	}
	code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (p->step == MXLB_HEALTH_PROTO_EHLO && code == 250 && len >= 12 &&
	    strncasecmp(line + 4, "STARTTLS", 8) == 0 && (len == 12 || line[12] == ' '))
		p->ext_starttls = true;
	if (len > 3 && line[3] == '-')
		return MXLB_HEALTH_PROTO_MORE; /* a multiline reply goes on */
	switch (p->step) {
	case MXLB_HEALTH_PROTO_GREET:
		if (code != 220)
			return mxlb_health_proto_fail(p, "greeting %d", code);
		p->step = MXLB_HEALTH_PROTO_EHLO;
		return mxlb_health_proto_send(p, MXLB_HEALTH_PROTO_SEND, "EHLO %s\r\n", p->helo);
	case MXLB_HEALTH_PROTO_EHLO:
		if (code != 250)
			return mxlb_health_proto_fail(p, "EHLO %d", code);
		if (!p->starttls || p->proto == MXLB_HEALTH_SMTPS)
			return mxlb_health_proto_send(p, MXLB_HEALTH_PROTO_OK, "QUIT\r\n");
		if (!p->ext_starttls)
			return mxlb_health_proto_fail(p, "EHLO: STARTTLS not offered");
		p->step = MXLB_HEALTH_PROTO_STLS;
		return mxlb_health_proto_send(p, MXLB_HEALTH_PROTO_SEND, "STARTTLS\r\n");
	case MXLB_HEALTH_PROTO_STLS:
		if (code != 220)
			return mxlb_health_proto_fail(p, "STARTTLS %d", code);
		return MXLB_HEALTH_PROTO_TLS;
	case MXLB_HEALTH_PROTO_EHLO2:
		if (code != 250)
			return mxlb_health_proto_fail(p, "EHLO after STARTTLS %d", code);
		return mxlb_health_proto_send(p, MXLB_HEALTH_PROTO_OK, "QUIT\r\n");
	default:
		return MXLB_HEALTH_PROTO_MORE;
	}
}

/* A POP3 status line: "+OK ..." or "-ERR ...". */
static enum mxlb_health_proto_act mxlb_health_proto_pop3(struct mxlb_health_proto *p,
							 const char *line, size_t len)
{
	bool ok = len >= 3 && strncmp(line, "+OK", 3) == 0 && (len == 3 || line[3] == ' ');
	bool err = len >= 4 && strncmp(line, "-ERR", 4) == 0 && (len == 4 || line[4] == ' ');
	const char *what = p->step == MXLB_HEALTH_PROTO_GREET ? "greeting" : "STLS";
	char q[64];

	mxlb_health_proto_quote(line, len, q, sizeof(q));
	if (!ok && !err)
		return mxlb_health_proto_fail(p, "%s: not a POP3 reply: '%s'", what, q);
	if (err)
		return mxlb_health_proto_fail(p, "%s -ERR", what);
	if (p->step == MXLB_HEALTH_PROTO_GREET && p->starttls && !p->tls_done) {
		p->step = MXLB_HEALTH_PROTO_STLS;
		return mxlb_health_proto_send(p, MXLB_HEALTH_PROTO_SEND, "STLS\r\n");
	}
	if (p->step == MXLB_HEALTH_PROTO_STLS)
		return MXLB_HEALTH_PROTO_TLS;
	return mxlb_health_proto_send(p, MXLB_HEALTH_PROTO_OK, "QUIT\r\n");
}

/* IMAP: the untagged greeting, then "a1 OK" to STARTTLS (untagged lines
 * before it are skipped). */
static enum mxlb_health_proto_act mxlb_health_proto_imap(struct mxlb_health_proto *p,
							 const char *line, size_t len)
{
	char q[64];

	mxlb_health_proto_quote(line, len, q, sizeof(q));
	if (p->step == MXLB_HEALTH_PROTO_GREET) {
		if (len >= 4 && (strncasecmp(line, "* OK", 4) == 0) && (len == 4 || line[4] == ' '))
			;
		else if (len >= 9 && strncasecmp(line, "* PREAUTH", 9) == 0)
			;
		else if (len >= 5 && strncasecmp(line, "* BYE", 5) == 0)
			return mxlb_health_proto_fail(p, "greeting * BYE");
		else
			return mxlb_health_proto_fail(p, "greeting: not an IMAP greeting: '%s'", q);
		if (p->starttls && !p->tls_done) {
			p->step = MXLB_HEALTH_PROTO_STLS;
			return mxlb_health_proto_send(p, MXLB_HEALTH_PROTO_SEND, "a1 STARTTLS\r\n");
		}
		return mxlb_health_proto_send(p, MXLB_HEALTH_PROTO_OK, "a1 LOGOUT\r\n");
	}
	if (len >= 1 && line[0] == '*')
		return MXLB_HEALTH_PROTO_MORE; /* untagged data before the completion */
	if (len >= 6 && strncasecmp(line, "a1 OK", 5) == 0 && line[5] == ' ')
		return MXLB_HEALTH_PROTO_TLS;
	if (len == 5 && strncasecmp(line, "a1 OK", 5) == 0)
		return MXLB_HEALTH_PROTO_TLS;
	if (len >= 5 && strncasecmp(line, "a1 NO", 5) == 0)
		return mxlb_health_proto_fail(p, "STARTTLS NO");
	if (len >= 6 && strncasecmp(line, "a1 BAD", 6) == 0)
		return mxlb_health_proto_fail(p, "STARTTLS BAD");
	return mxlb_health_proto_fail(p, "STARTTLS: not an IMAP completion: '%s'", q);
}

enum mxlb_health_proto_act mxlb_health_proto_line(struct mxlb_health_proto *p, const char *line,
						  size_t len)
{
	if (p->step == MXLB_HEALTH_PROTO_END)
		return MXLB_HEALTH_PROTO_MORE;
	if (mxlb_health_proto_is_smtp(p))
		return mxlb_health_proto_smtp(p, line, len);
	if (p->proto == MXLB_HEALTH_POP3 || p->proto == MXLB_HEALTH_POP3S)
		return mxlb_health_proto_pop3(p, line, len);
	if (p->proto == MXLB_HEALTH_IMAP || p->proto == MXLB_HEALTH_IMAPS)
		return mxlb_health_proto_imap(p, line, len);
	return MXLB_HEALTH_PROTO_MORE;
}

enum mxlb_health_proto_act mxlb_health_proto_tls_up(struct mxlb_health_proto *p)
{
	p->tls_done = true;
	if (mxlb_health_proto_is_smtp(p)) {
		p->step = MXLB_HEALTH_PROTO_EHLO2;
		return mxlb_health_proto_send(p, MXLB_HEALTH_PROTO_SEND, "EHLO %s\r\n", p->helo);
	}
	if (p->proto == MXLB_HEALTH_IMAP)
		return mxlb_health_proto_send(p, MXLB_HEALTH_PROTO_OK, "a2 LOGOUT\r\n");
	return mxlb_health_proto_send(p, MXLB_HEALTH_PROTO_OK, "QUIT\r\n");
}
