/* Pools: RRsets of type MX, SRV, A or AAAA with two or more records, their
 * preference groups and the smooth weighted round-robin schedule that the
 * workers step through (DESIGN §2-3). The same machinery answers glue-only
 * pools (mxlb_cpool.glue_only): one-record MX and SRV RRsets kept as
 * one-member pools for their additional section's sake (glue.h). */
#ifndef MXLB_POOL_H
#define MXLB_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "image.h"

#define MXLB_POOL_WEIGHT_MAX 1000 /* per member */
/* block_member of the all-down Null MX / null SRV block: no member */
#define MXLB_POOL_NULL_MEMBER 0xFFFF

static inline int mxlb_pool_type(uint16_t type)
{
	return type == 15 /* MX */ || type == 33 /* SRV */ || type == 1 /* A */ ||
	       type == 28 /* AAAA */;
}

/* Smooth weighted round-robin (the sequence nginx made known): at each turn
 * every member gains its weight, the largest total (lowest index on ties) is
 * chosen and loses the sum of weights. With equal weights the sequence is
 * 0, 1, ..., n-1. Writes sum(WEIGHTS) member positions into OUT and returns
 * that count; OUT must have room for it. */
size_t mxlb_pool_swrr(const uint16_t *weights, size_t n, uint16_t *out);

void mxlb_pool_free(struct mxlb_cpool *p);

/* Stripe of worker W. */
static inline struct mxlb_stripe *mxlb_pool_stripe(const struct mxlb_cpool *p, uint32_t w)
{
	return (struct mxlb_stripe *)(p->stripes + (size_t)w * p->stride);
}

/* Answers given with member M selected, over every worker and every earlier
 * version of the pool (racy read of the workers' counters: a lower bound). */
uint64_t mxlb_pool_served(const struct mxlb_cpool *p, uint16_t m);

/* Once no worker answers from OLD any more: recounts NEW's carried answer
 * counts from OLD's final counters. */
void mxlb_pool_settle(struct mxlb_cpool *new, const struct mxlb_cpool *old);

/* Equality of two RDATA of pool type TYPE: the MX exchange or SRV target
 * without case (RFC 4343), every other octet exactly. */
int mxlb_pool_rdata_equal(uint16_t type, const uint8_t *x, uint16_t xl, const uint8_t *y,
			  uint16_t yl);

/* Index of the member with RDATA (mxlb_pool_rdata_equal), or -1. */
int mxlb_pool_member_find(const struct mxlb_cpool *p, const uint8_t *rdata, uint16_t rdlen);

/* The members an answer of address pool P lists, in the order the additional
 * section of MX and SRV answers shows them (glue.h): the up members, then the
 * drained ones, each in member order; every member when none is up (an
 * address pool fails open whatever its all-down policy). Down members are
 * left out. Writes member indexes into OUT (room for nmembers) and returns
 * their count. */
size_t mxlb_pool_listed(const struct mxlb_cpool *p, uint16_t *out);

/* The members that worker W of NWORKERS will select in its next N answers
 * from P, into OUT (member indexes). Reads the worker's counter racily. */
void mxlb_pool_preview(const struct mxlb_cpool *p, uint32_t w, uint32_t nworkers, uint32_t n,
		       uint16_t *out);

#endif
