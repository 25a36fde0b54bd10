/* The stats memzone (struct mxlb_shared_stats in shared.h): created by mxlbd
 * at start, before the workers, which then write their counters in place;
 * mxlbctl reads it without a round trip through the main lcore. */
#ifndef MXLB_STATS_H
#define MXLB_STATS_H

#include <stdint.h>

#include "shared.h"
#include "worker.h"

/* Reserves and zeroes the memzone for the NWORKERS workers on LCORES, with
 * mxlbd's pid and start time. Returns NULL after printing what failed. */
struct mxlb_shared_stats *mxlb_stats_create(const unsigned *lcores, unsigned nworkers);

/* Moves the engine state W of worker K (from mxlb_worker_new, which it
 * frees) into the memzone and returns its new place. */
struct mxlb_worker *mxlb_stats_adopt(struct mxlb_shared_stats *s, unsigned k,
				     struct mxlb_worker *w);

/* Frees what the engine state of worker K owns (mxlb_worker_free), once
 * the worker has stopped; its counters stay readable. Returns 0 or
 * -ENOMEM. */
int mxlb_stats_release(struct mxlb_shared_stats *s, unsigned k);

/* Records VERSION as the image the workers answer from. */
void mxlb_stats_set_version(struct mxlb_shared_stats *s, uint64_t version);

/* Marks the memzone ready for mxlbctl: every shared object exists. */
void mxlb_stats_ready(struct mxlb_shared_stats *s);

/* Frees the memzone once no worker writes it any more. */
void mxlb_stats_free(struct mxlb_shared_stats *s);

#endif
