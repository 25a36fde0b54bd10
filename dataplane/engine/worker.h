/* Per-worker engine state: one round-robin counter per pool and the DNS-level
 * counters. Owned and written by exactly one lcore; never shared. */
#ifndef MXLB_WORKER_H
#define MXLB_WORKER_H

#include <stdint.h>

#include "image.h"
#include "rrl.h"

/* Why a query got no answer at all. Each dropped query bumps one of these. */
enum mxlb_drop {
	MXLB_DROP_SHORT = 0, /* shorter than a DNS header */
	MXLB_DROP_RESPONSE,  /* QR set: a response, not a query */
	MXLB_DROP_NOROOM,    /* buffer too small for even a header-only reply */
	MXLB_DROP_RRL,	     /* over the response rate limit, not slipped */
	MXLB_DROP_MAX
};

/* Response codes counted separately (index = RCODE, 0..15; BADVERS counted in
 * MXLB_STAT_BADVERS). */
struct mxlb_worker_stats {
	uint64_t queries;   /* every call of mxlb_respond */
	uint64_t rcode[16]; /* answers sent, by RCODE in the header */
	uint64_t badvers;   /* answers with extended RCODE BADVERS */
	uint64_t truncated; /* answers sent with TC set */
	uint64_t drop[MXLB_DROP_MAX];
};

/* The round-robin counters live in the pools themselves, one stripe per
 * worker (struct mxlb_stripe), so that they survive new image versions. */
struct mxlb_worker {
	uint32_t index; /* 0 .. nworkers-1: the worker's stripe in every pool */
	uint32_t nworkers;
	struct mxlb_rrl *rrl; /* response rate limiting, NULL when off */
	struct mxlb_worker_stats stats;
} __attribute__((aligned(64)));

/* Allocates worker INDEX of NWORKERS and starts its counters afresh in every
 * pool of IMG: its first answer from a pool of len turns is turn
 * (INDEX * len) / NWORKERS, so that workers interleave. Returns NULL on
 * allocation failure, or when IMG was built for fewer than NWORKERS workers
 * (mxlb_image_opts.nworkers). */
struct mxlb_worker *mxlb_worker_new(uint32_t index, uint32_t nworkers,
				    const struct mxlb_image *img);
void mxlb_worker_free(struct mxlb_worker *w);

#endif
