/* The engine alone on one core: fixed query mixes through mxlb_respond.
 *
 *   micro ZONE                 ns per query from the TSC, for every mix
 *   micro ZONE --count MIX N   answers MIX N times and nothing else, so
 *                              that callgrind's instruction count of two
 *                              runs gives the cost of one query
 *
 * Queries are built with ldns, once, before timing. */
#include <ldns/ldns.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include "image.h"
#include "respond.h"
#include "worker.h"

#define QMAX 64

struct mix {
	const char *name;
	uint8_t q[QMAX][512];
	size_t len[QMAX];
	unsigned n;
};

static void add(struct mix *m, const char *name, ldns_rr_type type, int edns)
{
	ldns_pkt *p = NULL;
	uint8_t *wire;
	size_t len;
	if (ldns_pkt_query_new_frm_str(&p, name, type, LDNS_RR_CLASS_IN, LDNS_RD) != LDNS_STATUS_OK)
		abort();
	ldns_pkt_set_id(p, (uint16_t)(0x1000 + m->n));
	if (edns)
		ldns_pkt_set_edns_udp_size(p, 1232);
	if (ldns_pkt2wire(&wire, p, &len) != LDNS_STATUS_OK || len > 512)
		abort();
	memcpy(m->q[m->n], wire, len);
	m->len[m->n++] = len;
	free(wire);
	ldns_pkt_free(p);
}

static struct mix mixes[5];

static void build(void)
{
	char name[128];
	mixes[0].name = "mx";
	add(&mixes[0], "example.net.", LDNS_RR_TYPE_MX, 1);
	mixes[1].name = "a";
	add(&mixes[1], "www.example.net.", LDNS_RR_TYPE_A, 1);
	mixes[2].name = "nxdomain";
	for (unsigned i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), "nx%u-%08x.example.net.", i, i * 2654435761u);
		add(&mixes[2], name, LDNS_RR_TYPE_A, 1);
	}
	mixes[3].name = "nodata";
	add(&mixes[3], "example.net.", LDNS_RR_TYPE_AAAA, 1);
	mixes[4].name = "formerr";
	add(&mixes[4], "example.net.", LDNS_RR_TYPE_MX, 1);
	mixes[4].q[0][5] = 2; /* QDCOUNT 2: FORMERR (RFC 9619) */
}

static uint64_t run(struct mxlb_worker *w, const struct mxlb_image *img, const struct mix *m,
		    uint64_t iters)
{
	static uint8_t buf[2048];
	uint64_t sum = 0;
	for (uint64_t i = 0; i < iters; i++) {
		unsigned k = (unsigned)(i % m->n);
		memcpy(buf, m->q[k], m->len[k]);
		sum += mxlb_respond(w, img, buf, m->len[k], sizeof(buf));
	}
	return sum;
}

static double tsc_ghz(void)
{
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	uint64_t t0 = __rdtsc();
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 200000000L);
	uint64_t t1 = __rdtsc();
	double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
	return (double)(t1 - t0) / ns;
}

int main(int argc, char **argv)
{
	const char *files[1];
	struct mxlb_image *img;
	struct mxlb_image_opts o;
	char err[512];

	if (argc != 2 && !(argc == 5 && strcmp(argv[2], "--count") == 0)) {
		fprintf(stderr, "usage: micro ZONE [--count MIX N]\n");
		return 2;
	}
	files[0] = argv[1];
	mxlb_image_opts_init(&o);
	o.nworkers = 1;
	if (mxlb_image_load(&img, files, 1, &o, err, sizeof(err)) < 0) {
		fprintf(stderr, "micro: %s\n", err);
		return 1;
	}
	struct mxlb_worker *w = mxlb_worker_new(0, 1, img);
	build();
	if (argc == 5) {
		for (size_t i = 0; i < sizeof(mixes) / sizeof(mixes[0]); i++)
			if (strcmp(mixes[i].name, argv[3]) == 0)
				return run(w, img, &mixes[i], strtoull(argv[4], NULL, 10)) ? 0 : 1;
		fprintf(stderr, "micro: no mix %s\n", argv[3]);
		return 2;
	}
	double ghz = tsc_ghz();
	for (size_t i = 0; i < sizeof(mixes) / sizeof(mixes[0]); i++) {
		const uint64_t iters = 2000000;
		run(w, img, &mixes[i], iters / 10); /* warm caches and branch predictors */
		uint64_t best = UINT64_MAX;
		for (int rep = 0; rep < 5; rep++) {
			uint64_t t0 = __rdtsc();
			run(w, img, &mixes[i], iters);
			uint64_t t = __rdtsc() - t0;
			if (t < best)
				best = t;
		}
		printf("BENCH micro_%s_ns %.1f ns\n", mixes[i].name,
		       (double)best / ghz / (double)iters);
	}
	mxlb_worker_free(w);
	mxlb_image_free(img);
	return 0;
}
