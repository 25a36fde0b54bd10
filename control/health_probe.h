/* One probe: a check of one address, from connect to verdict, on a
 * non-blocking socket driven by the caller's epoll loop (events on the
 * socket come back through mxlb_health_probe_event with the probe as the
 * epoll data pointer). DPDK-free. */
#ifndef MXLB_HEALTH_PROBE_H
#define MXLB_HEALTH_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "health_conf.h"
#include "health_proto.h"

#define MXLB_HEALTH_PROBE_IN	 2048
#define MXLB_HEALTH_PROBE_WHY	 240
#define MXLB_HEALTH_PROBE_NOTE	 96
#define MXLB_HEALTH_PROBE_LINGER 500 /* ms after the verdict for the goodbye */

/* The first field of everything registered with the loop's epoll. */
enum mxlb_health_probe_kind {
	MXLB_HEALTH_KIND_PROBE = 1,
	MXLB_HEALTH_KIND_DNS,
	MXLB_HEALTH_KIND_WAKE,
};

enum mxlb_health_probe_phase {
	MXLB_HEALTH_PROBE_IDLE,
	MXLB_HEALTH_PROBE_CONNECT,
	MXLB_HEALTH_PROBE_HANDSHAKE,
	MXLB_HEALTH_PROBE_DIALOGUE,
	MXLB_HEALTH_PROBE_BYE, /* decided; sending the goodbye, waiting for its reply */
};

struct mxlb_health_probe {
	int kind; /* MXLB_HEALTH_KIND_PROBE */
	const struct mxlb_health_conf_check *c;
	struct sockaddr_storage addr;
	int fd, epfd;
	SSL *ssl;
	enum mxlb_health_probe_phase phase;
	uint32_t events; /* registered epoll interest */
	uint32_t want;	 /* what a blocked TLS call waits for; 0: use the phase's */
	bool starttls;	 /* the handshake is STARTTLS, not implicit */
	struct mxlb_health_proto dlg;
	char in[MXLB_HEALTH_PROBE_IN];
	size_t inlen;
	const char *out; /* pending output */
	size_t outlen, outoff;
	int64_t started_ms, deadline_ms;
	/* the verdict */
	bool decided, ok;
	int64_t decided_ms;
	char why[MXLB_HEALTH_PROBE_WHY];   /* failure: the reason */
	char note[MXLB_HEALTH_PROBE_NOTE]; /* TLS: the certificate's expiry */
};

/* Starts probing ADDR (its port set from C) for C at NOW_MS, registering
 * the socket with EPFD. Returns 0; a probe that fails at once is decided
 * and closed on return. */
int mxlb_health_probe_start(struct mxlb_health_probe *p, const struct mxlb_health_conf_check *c,
			    const struct sockaddr_storage *addr, int epfd, int64_t now_ms);
/* EVENTS (EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP) on the probe's socket. */
void mxlb_health_probe_event(struct mxlb_health_probe *p, uint32_t events, int64_t now_ms);
/* The deadline has passed: an undecided probe fails with a timeout. */
void mxlb_health_probe_expire(struct mxlb_health_probe *p, int64_t now_ms);
/* Whether the probe has let go of its socket (decided and closed). */
bool mxlb_health_probe_idle(const struct mxlb_health_probe *p);
/* When the probe must hear something by (its deadline). */
int64_t mxlb_health_probe_deadline(const struct mxlb_health_probe *p);
/* Closes the socket whatever the phase (an undecided probe stays so). */
void mxlb_health_probe_close(struct mxlb_health_probe *p);
/* Runs one probe of C on ADDR to its end on an epoll of its own; for tests
 * and one-off checks. Returns 1 passed, 0 failed (WHY has the reason). */
int mxlb_health_probe_run(const struct mxlb_health_conf_check *c,
			  const struct sockaddr_storage *addr, char *why, size_t whylen, char *note,
			  size_t notelen);
/* Monotonic milliseconds. */
int64_t mxlb_health_probe_now_ms(void);

#endif
