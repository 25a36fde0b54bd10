/* A request and its reply over the control rings (exchange.h). */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exchange.h"
#include "lock.h"

/* Pause between two polls of the rings and the pool. */
#define MXLB_EXCHANGE_POLL_NS 100000L

static int64_t mxlb_exchange_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void mxlb_exchange_pause(void)
{
	const struct timespec ts = {.tv_sec = 0, .tv_nsec = MXLB_EXCHANGE_POLL_NS};

	nanosleep(&ts, NULL);
}

/* Gives every message in the response ring back to the pool. */
static void mxlb_exchange_drain(const struct mxlb_exchange *x)
{
	void *m;

	while (rte_ring_dequeue(x->rsp, &m) == 0)
		rte_mempool_put(x->pool, m);
}

int mxlb_exchange_run(const struct mxlb_exchange *x, uint32_t seq, int argc,
		      const char *const *argv, mxlb_exchange_sink sink, void *arg, int *status)
{
	int64_t deadline = mxlb_exchange_ms() + x->timeout_ms;
	struct mxlb_shared_msg *m;
	size_t off = 0;
	void *obj;
	int i, rc;

	for (i = 0; i < argc; i++)
		off += strlen(argv[i]) + 1;
	if (argc > MXLB_SHARED_ARGS_MAX || off > MXLB_SHARED_MSG_TEXT)
		return -E2BIG;
	mxlb_exchange_drain(x);
	while (rte_mempool_get(x->pool, &obj) != 0) {
		if (mxlb_exchange_ms() > deadline)
			return -ETIMEDOUT;
		mxlb_exchange_drain(x);
		mxlb_exchange_pause();
	}
	m = obj;
	memset(m, 0, MXLB_SHARED_MSG_HDR);
	m->seq = seq;
	m->kind = MXLB_SHARED_MSG_REQUEST;
	m->pid = (int32_t)getpid();
	m->argc = (uint16_t)argc;
	for (i = 0, off = 0; i < argc; i++) {
		size_t l = strlen(argv[i]) + 1;

		memcpy(m->text + off, argv[i], l);
		off += l;
	}
	m->len = (uint16_t)off;
	while (rte_ring_enqueue(x->req, m) != 0) {
		if (mxlb_exchange_ms() > deadline) {
			rte_mempool_put(x->pool, m);
			return -ETIMEDOUT;
		}
		mxlb_exchange_pause();
	}
	for (;;) {
		if (rte_ring_dequeue(x->rsp, &obj) != 0) {
			if (mxlb_exchange_ms() > deadline)
				return -ETIMEDOUT;
			if (!mxlb_lock_alive((pid_t)x->shm->pid))
				return -ESRCH;
			mxlb_exchange_pause();
			continue;
		}
		m = obj;
		if (m->seq != seq || m->kind != MXLB_SHARED_MSG_REPLY) {
			rte_mempool_put(x->pool, m); /* another sender's, or stale */
			continue;
		}
		rc = sink(arg, m->text,
			  m->len < MXLB_SHARED_MSG_TEXT ? m->len : MXLB_SHARED_MSG_TEXT);
		if (rc != 0) {
			rte_mempool_put(x->pool, m);
			return rc;
		}
		deadline = mxlb_exchange_ms() + x->timeout_ms;
		if ((m->flags & MXLB_SHARED_MSG_MORE) == 0) {
			*status = m->status;
			rte_mempool_put(x->pool, m);
			return 0;
		}
		rte_mempool_put(x->pool, m);
	}
}
