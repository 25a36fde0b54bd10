/* The stats memzone: mxlbd's identity and the workers' counters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_memzone.h>

#include "stats.h"

static const struct rte_memzone *mxlb_stats_mz;

struct mxlb_shared_stats *mxlb_stats_create(const unsigned *lcores, unsigned nworkers)
{
	struct mxlb_shared_stats *s;
	unsigned k;

	if (nworkers > MXLB_SHARED_WORKERS_MAX) {
		fprintf(stderr, "mxlbd: stats memzone: room for %u workers, not %u\n",
			MXLB_SHARED_WORKERS_MAX, nworkers);
		return NULL;
	}
	mxlb_stats_mz = rte_memzone_reserve_aligned(MXLB_SHARED_STATS, sizeof(*s), SOCKET_ID_ANY, 0,
						    RTE_CACHE_LINE_SIZE);
	if (mxlb_stats_mz == NULL) {
		fprintf(stderr, "mxlbd: stats memzone %s: rte_memzone_reserve: %s\n",
			MXLB_SHARED_STATS, rte_strerror(rte_errno));
		return NULL;
	}
	s = mxlb_stats_mz->addr;
	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	s->pid = (int32_t)getpid();
	s->start_time = (uint64_t)time(NULL);
	s->nworkers = nworkers;
	for (k = 0; k < nworkers; k++)
		s->workers[k].lcore = lcores[k];
	return s;
}

struct mxlb_worker *mxlb_stats_adopt(struct mxlb_shared_stats *s, unsigned k, struct mxlb_worker *w)
{
	struct mxlb_worker *in = &s->workers[k].eng;

	*in = *w;
	/* What W owns belongs to the copy now: free W alone. */
	memset(w, 0, sizeof(*w));
	mxlb_worker_free(w);
	return in;
}

int mxlb_stats_release(struct mxlb_shared_stats *s, unsigned k)
{
	struct mxlb_worker *w = aligned_alloc(RTE_CACHE_LINE_SIZE, sizeof(*w));

	if (w == NULL)
		return -ENOMEM;
	*w = s->workers[k].eng;
	memset(&s->workers[k].eng, 0, sizeof(s->workers[k].eng));
	mxlb_worker_free(w);
	return 0;
}

void mxlb_stats_set_version(struct mxlb_shared_stats *s, uint64_t version)
{
	__atomic_store_n(&s->version, version, __ATOMIC_RELEASE);
}

void mxlb_stats_ready(struct mxlb_shared_stats *s)
{
	__atomic_store_n(&s->layout, MXLB_SHARED_STATS_LAYOUT, __ATOMIC_RELEASE);
}

void mxlb_stats_free(struct mxlb_shared_stats *s)
{
	if (s == NULL || mxlb_stats_mz == NULL)
		return;
	__atomic_store_n(&s->layout, 0, __ATOMIC_RELEASE);
	rte_memzone_free(mxlb_stats_mz);
	mxlb_stats_mz = NULL;
}
