/* Deterministic fuzz loops: random buffers and mutated valid queries, each in
 * a heap buffer of exactly its size (ASan catches any stray access). Every
 * nonzero return must be a reply (QR set, ID copied) that ldns parses. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "helpers.h"

static struct mxlb_image *img;
static struct mxlb_worker *w;

static void setup(void)
{
	static const char *const files[] = {"mail.zone", "big.zone", "remap.zone"};
	img = t_load_opts(files, 3, NULL);
	w = t_worker(img, 0, 1);
}

static void teardown(void)
{
	t_worker_free(w);
	t_image_free(img);
}

TestSuite(fuzz, .init = setup, .fini = teardown);

/* xorshift64*: the same sequence on every platform */
static uint64_t rng_state;

static uint32_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

/* Runs LEN octets of DATA in a buffer of CAP (>= LEN) octets. */
static void run(const uint8_t *data, size_t len, size_t cap, uint64_t iter)
{
	uint8_t *buf = malloc(cap);
	cr_assert(cap == 0 || buf);
	if (len)
		memcpy(buf, data, len);
	size_t n = mxlb_respond(w, img, buf, len, cap);
	cr_assert_leq(n, cap, "iteration %llu: returned %zu > cap %zu", (unsigned long long)iter, n,
		      cap);
	if (n) {
		cr_assert_geq(n, 12, "iteration %llu: %zu-octet reply", (unsigned long long)iter,
			      n);
		cr_assert_geq(len, 12);
		cr_assert(buf[2] & 0x80, "iteration %llu: QR clear", (unsigned long long)iter);
		cr_assert(buf[0] == data[0] && buf[1] == data[1], "iteration %llu: ID changed",
			  (unsigned long long)iter);
		ldns_pkt *p = NULL;
		ldns_status st = ldns_wire2pkt(&p, buf, n);
		cr_assert(st == LDNS_STATUS_OK || n == 12, "iteration %llu: unparsable reply: %s",
			  (unsigned long long)iter, ldns_get_errorstr_by_id(st));
		if (p)
			ldns_pkt_free(p);
	}
	free(buf);
}

Test(fuzz, random_buffers)
{
	rng_state = 0x6d786c62u; /* "mxlb" */
	static uint8_t data[600];
	for (uint64_t i = 0; i < 5000; i++) {
		size_t len = rng() % 601;
		for (size_t j = 0; j < len; j++)
			data[j] = (uint8_t)rng();
		/* half of them look like queries, to get past the header checks */
		if (len >= 12 && (i & 1)) {
			data[2] &= 0x07; /* QR 0, opcode 0 */
			data[4] = 0;
			data[5] = 1; /* QDCOUNT 1 */
			data[6] = data[7] = data[8] = data[9] = 0;
			data[10] = 0;
			data[11] &= 1;
		}
		run(data, len, len, i);
	}
	cr_assert_eq(w->stats.queries, 5000);
}

/* Valid queries, then one to four octets changed, or cut, or extended. */
Test(fuzz, mutated_queries)
{
	static const struct t_query seeds[] = {
	    {.name = "example.net.", .type = LDNS_RR_TYPE_MX, .edns = 1232},
	    {.name = "example.net.", .type = LDNS_RR_TYPE_MX},
	    {.name = "www.example.net.", .type = LDNS_RR_TYPE_A, .rd = true},
	    {.name = "_submission._tcp.example.net.", .type = LDNS_RR_TYPE_SRV, .edns = 4096},
	    {.name = "nope.example.net.", .type = LDNS_RR_TYPE_A, .edns = 512, .do_bit = true},
	    {.name = "five.big.test.", .type = LDNS_RR_TYPE_MX},
	    {.name = "bigmx.big.test.", .type = LDNS_RR_TYPE_MX, .edns = 4096},
	    {.name = "hugetxt.big.test.", .type = LDNS_RR_TYPE_TXT, .edns = 1232},
	    {.name = "tight.remap.test.", .type = LDNS_RR_TYPE_MX},
	    {.name = "txt.example.net.", .type = LDNS_RR_TYPE_TXT, .edns = 1232, .edns_version = 1},
	    {.name = "www.example.com.", .type = LDNS_RR_TYPE_A},
	};
	uint8_t *wire[T_N(seeds)];
	size_t wlen[T_N(seeds)];
	for (size_t i = 0; i < T_N(seeds); i++)
		wire[i] = t_query_wire(&seeds[i], &wlen[i]);
	rng_state = 0x5eed5eedu;
	static uint8_t data[700];
	for (uint64_t i = 0; i < 20000; i++) {
		size_t s = rng() % T_N(seeds);
		size_t len = wlen[s];
		memcpy(data, wire[s], len);
		unsigned kind = rng() % 4;
		if (kind == 0 || kind == 3) {
			unsigned k = 1 + rng() % 4;
			for (unsigned j = 0; j < k; j++)
				data[12 + rng() % (len - 12)] ^= (uint8_t)(1u << (rng() % 8));
		} else if (kind == 1) {
			len = rng() % (len + 1);
		} else {
			size_t extra = rng() % 64;
			for (size_t j = 0; j < extra; j++)
				data[len + j] = (uint8_t)rng();
			len += extra;
		}
		if (kind == 3 && len >= 12)
			data[rng() % 12] = (uint8_t)rng(); /* the header too */
		/* exact room, or room for a full-size reply */
		size_t cap = (i & 1) ? len : (len > MXLB_UDP_MAX ? len : MXLB_UDP_MAX);
		run(data, len, cap, i);
	}
	for (size_t i = 0; i < T_N(seeds); i++)
		free(wire[i]);
	cr_assert_eq(w->stats.queries, 20000);
}

/* The unmutated seeds answer, whatever the room, without error. */
Test(fuzz, every_cap)
{
	struct t_query q = {.name = "example.net.", .type = LDNS_RR_TYPE_MX, .edns = 1232};
	size_t qlen;
	uint8_t *wire = t_query_wire(&q, &qlen);
	for (size_t cap = qlen; cap <= 700; cap++)
		run(wire, qlen, cap, cap);
	free(wire);
}
