/* The health checker's sender: a thread that pushes `down MEMBER` and
 * `up MEMBER` to mxlbd, so that the probing loop never waits for mxlbd
 * (nor for the control lock, which the send operation holds only for the
 * exchange). Each member has a wanted state; the thread sends the latest
 * wanted state of each member whose state mxlbd has not acknowledged,
 * retrying after failures. DPDK-free: the exchange itself is the caller's
 * SEND operation. */
#ifndef MXLB_HEALTH_SEND_H
#define MXLB_HEALTH_SEND_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* What a send operation returns. */
enum mxlb_health_send_status {
	MXLB_HEALTH_SEND_OK = 0,	  /* applied, or nothing to change */
	MXLB_HEALTH_SEND_REFUSED = 1,	  /* mxlbd refused it (e.g. no pool has it) */
	MXLB_HEALTH_SEND_UNREACHABLE = 2, /* no answer, lock busy: try again */
	MXLB_HEALTH_SEND_GONE = 3,	  /* mxlbd has exited: stop */
};

/* Sends "VERB MEMBER" (VERB "down" or "up"); REPLY gets mxlbd's reply or
 * the reason it failed. Called on the sender thread. */
typedef enum mxlb_health_send_status (*mxlb_health_send_fn)(void *ctx, const char *verb,
							    const char *member, char *reply,
							    size_t len);

#define MXLB_HEALTH_SEND_RETRY_MS   1000  /* first retry after a failure ... */
#define MXLB_HEALTH_SEND_BACKOFF_MS 10000 /* ... doubling up to this */
#define MXLB_HEALTH_SEND_REFUSED_MS 30000 /* a refusal is tried again after this */

struct mxlb_health_send_member {
	const char *name;
	int wanted; /* MXLB_HEALTH_STATE_* (health_table.h); UNKNOWN: nothing */
	int acked;  /* what mxlbd acknowledged */
	unsigned failures;
	int64_t retry_ms; /* not before */
};

struct mxlb_health_send {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool started, stop, gone;
	struct mxlb_health_send_member *m;
	unsigned n;
	mxlb_health_send_fn fn;
	void *ctx;
	FILE *log;
	uint64_t sent, failed; /* counts, for the log and the tests */
};

/* Sets up S for the N member NAMES (which outlive it). */
int mxlb_health_send_init(struct mxlb_health_send *s, const char *const *names, unsigned n,
			  mxlb_health_send_fn fn, void *ctx, FILE *log);
int mxlb_health_send_start(struct mxlb_health_send *s);
/* Member I should be in STATE (UP or DOWN) at mxlbd. */
void mxlb_health_send_want(struct mxlb_health_send *s, unsigned i, int state);
/* Whether every wanted state has been acknowledged. */
bool mxlb_health_send_idle(struct mxlb_health_send *s);
/* Whether a send found mxlbd gone. */
bool mxlb_health_send_gone(struct mxlb_health_send *s);
/* Stops the thread (after the send in progress) and frees S. */
void mxlb_health_send_fini(struct mxlb_health_send *s);

#endif
