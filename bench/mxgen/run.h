/* The send and receive loop of one phase on one core: queries from the
 * templates in file order, from the flows in turn, as fast as the port takes
 * them or at a given rate; every frame received is checked and matched to
 * its query through a table indexed by DNS ID and flow, which holds the TSC
 * of the send for the latency. */
#ifndef MXGEN_RUN_H
#define MXGEN_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>

#include "cache.h"
#include "check.h"
#include "frame.h"
#include "hist.h"
#include "query.h"
#include "sched.h"

/* Outstanding-query table: query SEQ goes out from flow SEQ mod flows with
 * DNS ID (SEQ / flows) mod 65536, so that (ID, flow) names SEQ modulo
 * 65536 x flows, and takes slot SEQ mod MXGEN_RUN_SLOTS. A query still
 * unanswered when its slot comes round again is lost. */
#define MXGEN_RUN_SLOTS	 (1u << 16)
#define MXGEN_RUN_PHASES 8
#define MXGEN_RUN_DUMPS	 5 /* bad frames printed in hex, at most */

enum mxgen_slot_state {
	MXGEN_SLOT_FREE = 0,
	MXGEN_SLOT_OUT,	 /* sent, not answered */
	MXGEN_SLOT_DONE, /* answered */
	MXGEN_SLOT_LOST, /* counted lost at the end of its phase */
};

struct mxgen_slot {
	uint64_t tsc; /* when the port took the query */
	uint32_t seq;
	uint32_t qi; /* query line */
	uint8_t phase;
	uint8_t state;
};

struct mxgen_stats {
	uint64_t sent;		       /* queries the port took */
	uint64_t answered;	       /* answers to this phase's queries, good or bad */
	uint64_t good;		       /* of those, passing every check */
	uint64_t lost;		       /* queries of this phase never answered */
	uint64_t rx;		       /* frames received while the phase sent */
	uint64_t rx_good;	       /* good answers received while the phase sent */
	uint64_t bad[MXGEN_CHECK_MAX]; /* frames received in the phase, by verdict */
	uint64_t late;		       /* answers to queries already counted lost */
	uint64_t tx_bursts, tx_full;   /* TX bursts, and those the port took only in part */
	uint64_t alloc_fail;
	uint64_t rate_skip;	   /* queries dropped from the schedule after falling behind */
	uint64_t stalls, stall_ns; /* gaps over 20 us in the loop: the core was taken */
	double seconds;		   /* time spent sending */
	struct mxgen_sched self;   /* our CPU time while sending */
	struct mxgen_sched peer;   /* the peer's (with mxgen_run.peer_sched) */
};

struct mxgen_phase {
	const char *name;
	uint8_t id;	 /* index into mxgen_run.st */
	double rate;	 /* queries per second; 0: as fast as the port takes them */
	uint32_t window; /* most queries outstanding; 0: no limit */
	uint64_t count;	 /* queries to send; 0: no limit. The phase ends once all are answered */
	double seconds;	 /* how long to send (with COUNT: the timeout) */
	bool record;	 /* latency of this phase's answers into the histogram */
	double drain_s;	 /* then receive only, up to this long, and count the lost */
};

struct mxgen_run {
	uint16_t port;
	struct rte_mempool *pool;
	const struct mxgen_queries *qs;
	const struct mxgen_frames *fs;
	struct mxgen_check_ctx ctx;
	bool echo;
	uint32_t flow_bits;
	uint32_t burst;
	struct mxgen_expect *expect; /* per distinct query (class) */
	struct mxgen_cache cache;
	struct mxgen_slot *slots;
	struct mxgen_hist *hist;
	const volatile bool *quit;
	const char *peer_sched; /* schedstat of the peer's packet thread, or NULL */
	uint32_t seq;
	uint32_t qi;
	uint64_t hz;
	double ns_per_cycle;
	uint8_t cur;	/* phase running */
	bool record;	/* its answers go into the histogram */
	bool sending;	/* not draining */
	uint32_t dumps; /* bad frames printed */
	struct mxgen_stats st[MXGEN_RUN_PHASES];
};

/* Sets up R for the port, pool, queries and templates (R's other fields
 * given by the caller). Returns 0 or -ENOMEM. */
int mxgen_run_init(struct mxgen_run *r);
void mxgen_run_fini(struct mxgen_run *r);

/* Runs phase P. Returns 0, or -EINTR when *R->quit was set. */
int mxgen_run_phase(struct mxgen_run *r, const struct mxgen_phase *p);

/* Frames received in phase ID that failed a check. */
uint64_t mxgen_run_bad(const struct mxgen_run *r, uint8_t id);

#endif
