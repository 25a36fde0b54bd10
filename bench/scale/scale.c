/* bench-scale: loads the generated zone set into an image and answers MX
 * queries for random names of it on one core.
 *
 *   scale NAMES ZONE...
 *
 * Prints the load time, the peak resident memory of the load, and the
 * queries per second over random names (each query built beforehand). */
#include <ldns/ldns.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <x86intrin.h>

#include "image.h"
#include "respond.h"
#include "worker.h"

#define NQ 65536

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: scale NAMES ZONE...\n");
		return 2;
	}
	struct mxlb_image_opts o;
	struct mxlb_image *img;
	char err[512];
	mxlb_image_opts_init(&o);
	o.nworkers = 1;
	double t0 = now();
	if (mxlb_image_load(&img, (const char *const *)argv + 2, (size_t)argc - 2, &o, err,
			    sizeof(err)) < 0) {
		fprintf(stderr, "scale: %s\n", err);
		return 1;
	}
	double load = now() - t0;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("BENCH scale_load_s %.2f s\n", load);
	printf("BENCH scale_peak_rss_mib %.0f MiB\n", (double)ru.ru_maxrss / 1024.0);
	printf("BENCH scale_names %llu names\n", (unsigned long long)mxlb_image_name_count(img));
	printf("BENCH scale_pools %u pools\n", mxlb_image_pool_count(img));

	/* random queries over the names */
	FILE *f = fopen(argv[1], "r");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	size_t cap = 1 << 20, n = 0;
	char **names = malloc(cap * sizeof(*names)), line[300];
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (n == cap)
			names = realloc(names, (cap *= 2) * sizeof(*names));
		names[n++] = strdup(line);
	}
	fclose(f);
	static uint8_t q[NQ][128];
	static uint16_t qlen[NQ];
	srandom(1);
	for (unsigned i = 0; i < NQ; i++) {
		ldns_pkt *p;
		uint8_t *wire;
		size_t len;
		ldns_pkt_query_new_frm_str(&p, names[(size_t)random() % n], LDNS_RR_TYPE_MX,
					   LDNS_RR_CLASS_IN, LDNS_RD);
		ldns_pkt_set_edns_udp_size(p, 1232);
		ldns_pkt2wire(&wire, p, &len);
		memcpy(q[i], wire, len);
		qlen[i] = (uint16_t)len;
		free(wire);
		ldns_pkt_free(p);
	}
	struct mxlb_worker *w = mxlb_worker_new(0, 1, img);
	static uint8_t buf[2048];
	uint64_t answered = 0, iters = 4000000;
	double t1 = now();
	for (uint64_t i = 0; i < iters; i++) {
		unsigned k = (unsigned)(i & (NQ - 1));
		memcpy(buf, q[k], qlen[k]);
		answered += mxlb_respond(w, img, buf, qlen[k], sizeof(buf)) > 0;
	}
	double t = now() - t1;
	printf("BENCH scale_random_qps %.2f Mqps\n", (double)iters / t / 1e6);
	if (answered != iters || w->stats.rcode[0] != iters) {
		fprintf(stderr, "scale: %llu of %llu answered NOERROR\n",
			(unsigned long long)w->stats.rcode[0], (unsigned long long)iters);
		return 1;
	}
	return 0;
}
