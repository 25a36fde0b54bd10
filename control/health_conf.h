/* The health checker's configuration file (mxlbctl health --config FILE):
 * one check per line, `#` starts a comment.
 *
 *   MEMBER PROTOCOL [PORT] [OPTION=VALUE | FLAG ...]
 *   OPTION=VALUE ...          (a line whose first word holds '=': defaults
 *                              for the lines below it, and global settings)
 *
 * MEMBER is a host name (an MX exchange or SRV target) or an IPv4/IPv6
 * address (an A/AAAA member). DPDK-free: the unit tests link it. */
#ifndef MXLB_HEALTH_CONF_H
#define MXLB_HEALTH_CONF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#define MXLB_HEALTH_CONF_NAME_MAX  256 /* host names, with the NUL */
#define MXLB_HEALTH_CONF_ADDRS_MAX 8   /* addresses probed per member */
#define MXLB_HEALTH_CONF_PATH_MAX  512

enum mxlb_health_conf_proto {
	MXLB_HEALTH_TCP,
	MXLB_HEALTH_SMTP,
	MXLB_HEALTH_SUBMISSION,
	MXLB_HEALTH_SMTPS,
	MXLB_HEALTH_POP3,
	MXLB_HEALTH_POP3S,
	MXLB_HEALTH_IMAP,
	MXLB_HEALTH_IMAPS,
	MXLB_HEALTH_PROTOS
};

/* What the TLS handshake must also prove (tls-verify=). */
enum mxlb_health_conf_verify {
	MXLB_HEALTH_VERIFY_NONE,   /* handshake only; expiry reported */
	MXLB_HEALTH_VERIFY_EXPIRY, /* and the certificate is within its dates */
	MXLB_HEALTH_VERIFY_NAME,   /* and it names the member (tls-name=) */
	MXLB_HEALTH_VERIFY_CHAIN,  /* and it chains to a trusted CA (tls-ca=) */
};

/* One check: a line of the file. */
struct mxlb_health_conf_check {
	char member[MXLB_HEALTH_CONF_NAME_MAX]; /* lower case, no trailing dot */
	bool is_addr;				/* MEMBER is an address */
	enum mxlb_health_conf_proto proto;
	uint16_t port;
	unsigned interval_ms, timeout_ms, fall, rise;
	bool starttls;
	enum mxlb_health_conf_verify verify;
	char tls_name[MXLB_HEALTH_CONF_NAME_MAX]; /* SNI and name checked; "" none */
	char tls_ca[MXLB_HEALTH_CONF_PATH_MAX];	  /* "" : the system's CA store */
	char helo[MXLB_HEALTH_CONF_NAME_MAX];	  /* EHLO name */
	/* addr= (or the member itself when it is an address); a host name
	 * without addr= is resolved at run time (naddrs 0 here). */
	struct sockaddr_storage addrs[MXLB_HEALTH_CONF_ADDRS_MAX];
	unsigned naddrs;
	unsigned line;
};

struct mxlb_health_conf {
	struct mxlb_health_conf_check *checks;
	unsigned n, cap;
	/* resolver=: where host names without addr= are resolved (A and
	 * AAAA, over UDP); default the first nameserver of /etc/resolv.conf. */
	struct sockaddr_storage resolver;
	bool have_resolver;
	unsigned resolve_ms; /* resolve-interval= */
};

/* Defaults (documented in README.md, section "Health checks: `mxlbctl
 * health`", "The configuration file"). */
#define MXLB_HEALTH_CONF_INTERVAL_MS 2000
#define MXLB_HEALTH_CONF_TIMEOUT_MS  1000
#define MXLB_HEALTH_CONF_FALL	     3
#define MXLB_HEALTH_CONF_RISE	     2
#define MXLB_HEALTH_CONF_RESOLVE_MS  60000

/* Reads the configuration from F (named NAME in messages). Returns 0, or
 * -1 with "NAME:LINE: reason" in ERR. The caller frees C with _free. */
int mxlb_health_conf_read(FILE *f, const char *name, struct mxlb_health_conf *c, char *err,
			  size_t errlen);
int mxlb_health_conf_load(const char *path, struct mxlb_health_conf *c, char *err, size_t errlen);
void mxlb_health_conf_free(struct mxlb_health_conf *c);

/* "smtp", "imaps", ... */
const char *mxlb_health_conf_proto_name(enum mxlb_health_conf_proto p);
/* Whether P starts with TLS (smtps, pop3s, imaps). */
bool mxlb_health_conf_implicit_tls(enum mxlb_health_conf_proto p);
/* "198.18.2.11:25", "[2001:db8::1]:25" */
void mxlb_health_conf_addr_text(const struct sockaddr_storage *a, uint16_t port, char *out,
				size_t len);
/* Parses "2s", "500ms", "1m", "3" (seconds) into milliseconds. */
int mxlb_health_conf_duration(const char *text, unsigned *ms);
/* Parses an IPv4 or IPv6 address (IPv6 optionally in brackets) with an
 * optional ":PORT" (IPv6 then in brackets). */
int mxlb_health_conf_addr(const char *text, uint16_t port, struct sockaddr_storage *out);

#endif
