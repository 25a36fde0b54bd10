/* Latency histogram: 10 ns buckets up to 100 us, 1 us buckets up to 10 ms,
 * one bucket above. Percentiles are read from it; the non-empty buckets are
 * written out for the plot. DPDK-free. */
#ifndef MXGEN_HIST_H
#define MXGEN_HIST_H

#include <stdint.h>
#include <stdio.h>

#define MXGEN_HIST_FINE_NS   10
#define MXGEN_HIST_FINE_N    10000 /* up to 100 us */
#define MXGEN_HIST_COARSE_NS 1000
#define MXGEN_HIST_COARSE_N  9900 /* 100 us up to 10 ms */
#define MXGEN_HIST_FINE_END  ((uint64_t)MXGEN_HIST_FINE_NS * MXGEN_HIST_FINE_N)
#define MXGEN_HIST_END	     (MXGEN_HIST_FINE_END + (uint64_t)MXGEN_HIST_COARSE_NS * MXGEN_HIST_COARSE_N)
#define MXGEN_HIST_BUCKETS   (MXGEN_HIST_FINE_N + MXGEN_HIST_COARSE_N + 1)

struct mxgen_hist {
	uint64_t n;
	uint64_t sum_ns;
	uint64_t min_ns, max_ns;
	uint64_t b[MXGEN_HIST_BUCKETS];
};

void mxgen_hist_init(struct mxgen_hist *h);

static inline void mxgen_hist_add(struct mxgen_hist *h, uint64_t ns)
{
	uint32_t i;

	if (ns < MXGEN_HIST_FINE_END)
		i = (uint32_t)(ns / MXGEN_HIST_FINE_NS);
	else if (ns < MXGEN_HIST_END)
		i = MXGEN_HIST_FINE_N +
		    (uint32_t)((ns - MXGEN_HIST_FINE_END) / MXGEN_HIST_COARSE_NS);
	else
		i = MXGEN_HIST_BUCKETS - 1;
	h->b[i]++;
	h->n++;
	h->sum_ns += ns;
	if (ns < h->min_ns)
		h->min_ns = ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
}

/* The latency in ns below which the fraction P (0..1) of the samples lies:
 * the upper edge of the bucket that holds it (the largest sample for the
 * overflow bucket). 0 without samples. */
uint64_t mxgen_hist_pct(const struct mxgen_hist *h, double p);

/* Writes "upper_edge_us count fraction cumulative" for every non-empty
 * bucket, after a comment line naming LABEL. */
void mxgen_hist_write(const struct mxgen_hist *h, FILE *out, const char *label);

#endif
