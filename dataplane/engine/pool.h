/* Pools: RRsets of type MX, SRV, A or AAAA with two or more records, their
 * preference groups and the smooth weighted round-robin schedule that the
 * workers step through (DESIGN §2-3). */
#ifndef MXLB_POOL_H
#define MXLB_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "image.h"

#define MXLB_POOL_WEIGHT_MAX 1000  /* per member */
#define MXLB_POOL_SCHED_MAX  65536 /* sum of weights of the rotating members */

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
size_t mxlb_pool_swrr(const uint16_t *weights, size_t n, uint32_t *out);

#endif
