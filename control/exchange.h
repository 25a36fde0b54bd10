/* One request and its reply over mxlbd's control rings (shared.h), as
 * mxlbctl and its health checker send them: a message from the shared pool
 * with the request words, enqueued on the request ring; the reply, in one or
 * more messages marked MXLB_SHARED_MSG_MORE but the last, read back from the
 * response ring. The caller holds the control lock (lock.h). */
#ifndef MXLB_EXCHANGE_H
#define MXLB_EXCHANGE_H

#include <stddef.h>
#include <stdint.h>

#include <rte_mempool.h>
#include <rte_ring.h>

#include "shared.h"

struct mxlb_exchange {
	struct rte_ring *req;
	struct rte_ring *rsp;
	struct rte_mempool *pool;
	const struct mxlb_shared_stats *shm; /* mxlbd's pid, to notice it exit */
	unsigned timeout_ms; /* for each step: a message, room, the next reply part */
};

/* Receives one part of the reply (N octets at TEXT, not NUL-ended); returns
 * 0, or a negative errno that ends the exchange. */
typedef int (*mxlb_exchange_sink)(void *arg, const char *text, size_t n);

/* Sends request SEQ with the ARGC words ARGV and hands every part of its
 * reply to SINK. Replies left in the response ring from earlier requests
 * (whose sender gave up) are given back to the pool first. Returns 0 with
 * the reply's status (MXLB_SHARED_STATUS_*) in *STATUS; -E2BIG when the
 * words do not fit in one message; -ETIMEDOUT when no room, no message or no
 * next part came within the timeout; -ESRCH when mxlbd exited; or SINK's
 * error. */
int mxlb_exchange_run(const struct mxlb_exchange *x, uint32_t seq, int argc,
		      const char *const *argv, mxlb_exchange_sink sink, void *arg, int *status);

#endif
