/* The dialogue of one check, as a state machine over reply lines: what to
 * send, when to start TLS, and the verdict with its reason. No I/O: the
 * probe (health_probe.c) feeds it lines and carries out what it says.
 *
 *   smtp, submission   220 greeting, EHLO -> 250, [STARTTLS -> 220, TLS,
 *                      EHLO -> 250], QUIT
 *   smtps              TLS, then the same without STARTTLS
 *   pop3 (pop3s)       +OK greeting, [STLS -> +OK, TLS], QUIT
 *   imap (imaps)       * OK (or * PREAUTH) greeting, [a1 STARTTLS -> a1 OK,
 *                      TLS], aN LOGOUT
 *   tcp                the connection alone */
#ifndef MXLB_HEALTH_PROTO_H
#define MXLB_HEALTH_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#include "health_conf.h"

#define MXLB_HEALTH_PROTO_OUT 600
#define MXLB_HEALTH_PROTO_WHY 200

/* What the probe does next. */
enum mxlb_health_proto_act {
	MXLB_HEALTH_PROTO_MORE, /* wait for the next line */
	MXLB_HEALTH_PROTO_SEND, /* send OUT, then wait for the next line */
	MXLB_HEALTH_PROTO_TLS,	/* drop what else was read, start the TLS handshake */
	MXLB_HEALTH_PROTO_OK,	/* passed: send OUT (the goodbye) and close */
	MXLB_HEALTH_PROTO_FAIL, /* failed: WHY says why; close */
};

struct mxlb_health_proto {
	enum mxlb_health_conf_proto proto;
	bool starttls;
	bool tls_done; /* STARTTLS handshake completed */
	const char *helo;
	int step;
	bool ext_starttls; /* the EHLO reply offered STARTTLS */
	char out[MXLB_HEALTH_PROTO_OUT];
	size_t outlen;
	char why[MXLB_HEALTH_PROTO_WHY];
};

void mxlb_health_proto_init(struct mxlb_health_proto *p, enum mxlb_health_conf_proto proto,
			    bool starttls, const char *helo);
/* Once connected (and, for smtps, pop3s and imaps, after the handshake). */
enum mxlb_health_proto_act mxlb_health_proto_start(struct mxlb_health_proto *p);
/* One reply line LINE of LEN octets, without its line end. */
enum mxlb_health_proto_act mxlb_health_proto_line(struct mxlb_health_proto *p, const char *line,
						  size_t len);
/* The STARTTLS handshake succeeded. */
enum mxlb_health_proto_act mxlb_health_proto_tls_up(struct mxlb_health_proto *p);
/* What the dialogue waits for: "greeting", "EHLO reply", ... */
const char *mxlb_health_proto_waiting(const struct mxlb_health_proto *p);

#endif
