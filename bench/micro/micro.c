/* The engine alone on one core: fixed query mixes through mxlb_respond.
 *
 *   micro ZONE                 ns per query from the TSC, for every mix
 *   micro ZONE --count MIX N   answers MIX N times and nothing else, so
 *                              that callgrind's instruction count of two
 *                              runs gives the cost of one query
 *
 * Queries are built with ldns, once, before timing. The mix "frame" is the
 * worker's whole frame path but the PMD for the MX query of "mx" in an
 * Ethernet/IPv4/UDP frame: classification with the checksums verified in
 * software, mxlb_respond_from, and the reply with its checksums computed in
 * software, as on a port with no checksum offload (net_memif). */
#include <ldns/ldns.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include "image.h"
#include "pkt.h"
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

static struct mix mixes[6];

/* The frame mix: mixes[5].q[0] holds the frame, built by frame(). */
#define FRAME_MIX 5
static const uint8_t our_mac[6] = {0x02, 0, 0, 0, 0, 0x01};
static struct mxlb_addr_set addrs;

static uint16_t cksum16(const uint8_t *p, size_t n, uint32_t acc)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		acc += (uint32_t)(p[n - 1] << 8);
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The MX query of mixes[0] from 198.18.0.2:40000 to 198.18.0.1:53, with its
 * IPv4 header and UDP checksums. */
static void frame(void)
{
	struct mix *m = &mixes[FRAME_MIX];
	uint8_t *f = m->q[0], *ip = f + 14, *udp = ip + 20;
	const size_t dns = mixes[0].len[0], ulen = 8 + dns;
	struct mxlb_addr a;
	uint8_t ph[4];

	if (mxlb_addr_parse(&a, "198.18.0.1") != 0 || mxlb_addr_set_add(&addrs, &a) != 0 ||
	    14 + 20 + ulen > sizeof(m->q[0]))
		abort();
	m->name = "frame";
	memset(f, 0, 14 + 20 + 8);
	memcpy(f, our_mac, 6);
	memcpy(f + 6, (const uint8_t[]){0x02, 0, 0, 0, 0, 0x02}, 6);
	put16(f + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + ulen));
	put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, (const uint8_t[]){198, 18, 0, 2}, 4);
	memcpy(ip + 16, a.v4, 4);
	put16(ip + 10, (uint16_t)~cksum16(ip, 20, 0));
	put16(udp, 40000);
	put16(udp + 2, 53);
	put16(udp + 4, (uint16_t)ulen);
	memcpy(udp + 8, mixes[0].q[0], dns);
	ph[0] = 0;
	ph[1] = 17;
	put16(ph + 2, (uint16_t)ulen);
	uint32_t acc = cksum16(ip + 12, 8, 0);
	acc = cksum16(ph, 4, acc);
	uint16_t c = (uint16_t)~cksum16(udp, ulen, acc);
	put16(udp + 6, c != 0 ? c : 0xffff);
	m->len[0] = 14 + 20 + ulen;
	m->n = 1;
}

/* One frame through the worker's path: 0 when it is not answered. */
static size_t frame_once(struct mxlb_worker *w, const struct mxlb_image *img, uint8_t *buf,
			 size_t cap, size_t len)
{
	struct mxlb_pkt pkt;

	if (mxlb_pkt_classify(buf, (uint32_t)len, our_mac, &addrs, 0, &pkt) != MXLB_PKT_DNS)
		return 0;
	const struct mxlb_client client = {.addr = buf + pkt.l2_len + 12, .len = 4, .now = 0};
	size_t n =
	    mxlb_respond_from(w, img, buf + pkt.dns_off, pkt.dns_len, cap - pkt.dns_off, &client);
	return n == 0 ? 0 : mxlb_pkt_reply_udp(buf, &pkt, our_mac, (uint16_t)n);
}

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
		if (m == &mixes[FRAME_MIX])
			sum += frame_once(w, img, buf, sizeof(buf), m->len[k]);
		else
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
	frame();
	{
		static uint8_t b[2048];
		memcpy(b, mixes[FRAME_MIX].q[0], mixes[FRAME_MIX].len[0]);
		if (frame_once(w, img, b, sizeof(b), mixes[FRAME_MIX].len[0]) == 0) {
			fprintf(stderr, "micro: the query frame is not answered\n");
			return 1;
		}
	}
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
