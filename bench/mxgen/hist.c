/* Latency histogram. */
#include <inttypes.h>
#include <string.h>

#include "hist.h"

void mxgen_hist_init(struct mxgen_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min_ns = UINT64_MAX;
}

/* Upper edge of bucket I in ns. */
static uint64_t mxgen_hist_edge(const struct mxgen_hist *h, uint32_t i)
{
	if (i < MXGEN_HIST_FINE_N)
		return (uint64_t)(i + 1) * MXGEN_HIST_FINE_NS;
	if (i < MXGEN_HIST_BUCKETS - 1)
		return MXGEN_HIST_FINE_END +
		       (uint64_t)(i - MXGEN_HIST_FINE_N + 1) * MXGEN_HIST_COARSE_NS;
	return h->max_ns;
}

uint64_t mxgen_hist_pct(const struct mxgen_hist *h, double p)
{
	uint64_t want, acc = 0;
	uint32_t i;

	if (h->n == 0)
		return 0;
	want = (uint64_t)(p * (double)h->n);
	if (want >= h->n)
		want = h->n - 1;
	for (i = 0; i < MXGEN_HIST_BUCKETS; i++) {
		acc += h->b[i];
		if (acc > want) {
			uint64_t e = mxgen_hist_edge(h, i);

			return e < h->max_ns ? e : h->max_ns;
		}
	}
	return h->max_ns;
}

void mxgen_hist_write(const struct mxgen_hist *h, FILE *out, const char *label)
{
	uint64_t acc = 0;
	uint32_t i;

	fprintf(out, "# %s: %" PRIu64 " samples; latency_us count fraction cumulative\n", label,
		h->n);
	for (i = 0; i < MXGEN_HIST_BUCKETS; i++) {
		if (h->b[i] == 0)
			continue;
		acc += h->b[i];
		fprintf(out, "%.3f %" PRIu64 " %.9f %.9f\n", (double)mxgen_hist_edge(h, i) / 1000.0,
			h->b[i], (double)h->b[i] / (double)h->n, (double)acc / (double)h->n);
	}
}
