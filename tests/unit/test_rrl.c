/* Response rate limiting (issue 5, rrl.h): token buckets per client prefix
 * (/24 for IPv4, /56 for IPv6) and response identity (query name, type and
 * rcode; for NXDOMAIN the zone), RATE responses per bucket per second, every
 * SLIP-th limited response sent truncated (TC, no records, question echoed,
 * our OPT kept), the others dropped and counted. Off by default.
 *
 * Every test drives mxlb_respond_from and writes the verdict of each query
 * as one letter (P passed, S slipped, D dropped), compared as a string with
 * the sequence the rules give, so that a failure shows the whole run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "helpers.h"

static struct mxlb_image *img;
static struct mxlb_worker *w;

/* Buffers of the responses of the running test, freed by teardown (also
 * when an assertion ends the test). */
static void *live[512];
static size_t nlive;
static ldns_pkt *live_pkt[512];
static size_t nlive_pkt;

static void *keep(void *p)
{
	cr_assert_not_null(p);
	cr_assert_lt(nlive, T_N(live), "test bug: too many live buffers");
	live[nlive++] = p;
	return p;
}

static void release(void)
{
	for (size_t i = 0; i < nlive; i++)
		free(live[i]);
	nlive = 0;
	for (size_t i = 0; i < nlive_pkt; i++)
		ldns_pkt_free(live_pkt[i]);
	nlive_pkt = 0;
}

static void setup(void)
{
	static const char *const files[] = {"mail.zone", "other.zone"};
	img = t_load_opts(files, 2, NULL);
	w = t_worker(img, 0, 1);
}

static void teardown(void)
{
	release();
	if (w) {
		mxlb_rrl_free(w->rrl);
		w->rrl = NULL;
	}
	t_worker_free(w);
	t_image_free(img);
}

TestSuite(rrl, .init = setup, .fini = teardown);

/* ---- clients ---- */

struct client {
	uint8_t addr[16];
	uint8_t len;
};

static struct client v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct client k = {.addr = {a, b, c, d}, .len = 4};
	return k;
}

/* IPv6 address from eight 16-bit groups. */
static struct client v6(const uint16_t g[8])
{
	struct client k = {.len = 16};
	for (int i = 0; i < 8; i++) {
		k.addr[2 * i] = (uint8_t)(g[i] >> 8);
		k.addr[2 * i + 1] = (uint8_t)g[i];
	}
	return k;
}

/* ---- rate limiting on the worker ---- */

static void rrl_on(uint32_t rate, uint32_t slip, uint32_t nworkers)
{
	struct mxlb_rrl_opts o;
	mxlb_rrl_opts_init(&o);
	o.rate = rate;
	o.slip = slip;
	int err = 0;
	mxlb_rrl_free(w->rrl);
	w->rrl = mxlb_rrl_new(&o, nworkers, &err);
	cr_assert_not_null(w->rrl, "mxlb_rrl_new(rate %u, slip %u, %u workers): err %d", rate, slip,
			   nworkers, err);
}

/* ---- queries ---- */

struct resp {
	uint8_t *query;
	size_t qlen;
	uint8_t *buf; /* exactly T_CAP octets */
	size_t len;
	ldns_pkt *pkt; /* NULL when dropped */
};

/* QUERY from client K at second NOW, through mxlb_respond_from. */
static void send_wire(struct resp *r, const uint8_t *query, size_t qlen, const struct client *k,
		      uint32_t now)
{
	memset(r, 0, sizeof(*r));
	r->query = keep(malloc(qlen));
	memcpy(r->query, query, qlen);
	r->qlen = qlen;
	r->buf = keep(malloc(T_CAP)); /* exactly T_CAP: ASan reports any access beyond */
	memcpy(r->buf, query, qlen);
	struct mxlb_client c = {.addr = k ? k->addr : NULL, .len = k ? k->len : 0, .now = now};
	r->len = mxlb_respond_from(w, img, r->buf, qlen, T_CAP, k ? &c : NULL);
	cr_assert_leq(r->len, T_CAP);
	if (r->len == 0)
		return;
	cr_assert_geq(r->len, 12, "response of %zu octets", r->len);
	ldns_status st = ldns_wire2pkt(&r->pkt, r->buf, r->len);
	cr_assert_eq(st, LDNS_STATUS_OK, "ldns cannot parse the %zu-octet response: %s", r->len,
		     ldns_get_errorstr_by_id(st));
	cr_assert_lt(nlive_pkt, T_N(live_pkt));
	live_pkt[nlive_pkt++] = r->pkt;
}

static void send_q(struct resp *r, const struct t_query *q, const struct client *k, uint32_t now)
{
	size_t qlen = 0;
	uint8_t *wire = keep(t_query_wire(q, &qlen));
	send_wire(r, wire, qlen, k, now);
}

/* Verdict letter of a response: P full answer, S slipped (TC), D dropped. */
static char verdict(const struct resp *r)
{
	if (r->len == 0)
		return 'D';
	return (r->buf[2] & 0x02) ? 'S' : 'P';
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The response that QUERY gets without rate limiting, from a worker of its
 * own: the answers compared here are single RRsets and negative answers,
 * which no pool counter changes. */
static size_t reference(const struct t_query *q, uint8_t *out, size_t cap)
{
	size_t qlen = 0;
	uint8_t *wire = keep(t_query_wire(q, &qlen));
	cr_assert_leq(qlen, cap);
	memcpy(out, wire, qlen);
	struct mxlb_worker *ref = t_worker(img, 0, 1);
	size_t n = mxlb_respond(ref, img, out, qlen, cap);
	t_worker_free(ref);
	cr_assert_gt(n, 0);
	return n;
}

/* Expected letters of N identical responses in one fresh second of a
 * bucket with RATE tokens, the limited ones slipped every SLIP-th by the
 * table's slip counter *CTR (shared by all buckets). */
static void expect_run(char *out, size_t n, uint32_t rate, uint32_t slip, uint32_t *ctr)
{
	for (size_t i = 0; i < n; i++) {
		if (i < rate) {
			out[i] = 'P';
			continue;
		}
		if (slip && ++*ctr >= slip) {
			*ctr = 0;
			out[i] = 'S';
		} else {
			out[i] = 'D';
		}
	}
	out[n] = 0;
}

static void expect_stats(uint64_t limited, uint64_t slipped, uint64_t dropped)
{
	const struct mxlb_rrl_stats *s = &w->rrl->stats;
	cr_assert_eq(s->limited, limited, "rrl limited %lu, expected %lu",
		     (unsigned long)s->limited, (unsigned long)limited);
	cr_assert_eq(s->slipped, slipped, "rrl slipped %lu, expected %lu",
		     (unsigned long)s->slipped, (unsigned long)slipped);
	cr_assert_eq(s->dropped, dropped, "rrl dropped %lu, expected %lu",
		     (unsigned long)s->dropped, (unsigned long)dropped);
	cr_assert_eq(w->stats.drop[MXLB_DROP_RRL], dropped, "drop[MXLB_DROP_RRL] %lu, expected %lu",
		     (unsigned long)w->stats.drop[MXLB_DROP_RRL], (unsigned long)dropped);
}

static const struct t_query q_one = {.name = "one.example.net.", .type = LDNS_RR_TYPE_A};
static const struct t_query q_one_edns = {
    .name = "one.example.net.", .type = LDNS_RR_TYPE_A, .edns = 1232};

/* ---- off ---- */

Test(rrl, defaults_and_off_by_default)
{
	struct mxlb_rrl_opts o;
	memset(&o, 0xA5, sizeof(o));
	mxlb_rrl_opts_init(&o);
	cr_assert_eq(o.rate, 0, "default rate %u: RRL must be off unless a rate is set", o.rate);
	cr_assert_eq(o.slip, 2);
	cr_assert_eq(o.v4_prefix, 24);
	cr_assert_eq(o.v6_prefix, 56);
	int err = 12345;
	cr_assert_null(mxlb_rrl_new(&o, 1, &err), "a table with rate 0");
	cr_assert_eq(err, 12345, "rate 0 is not an error");
	cr_assert_null(w->rrl, "a new worker limits nothing");

	uint8_t ref[T_CAP];
	size_t reflen = reference(&q_one, ref, sizeof(ref));
	struct client k = v4(198, 51, 100, 7);
	for (int i = 0; i < 300; i++) {
		struct resp r;
		send_q(&r, &q_one, &k, 1000);
		cr_assert_eq(r.len, reflen, "query %d: %zu octets, expected %zu", i, r.len, reflen);
		cr_assert_eq(memcmp(r.buf, ref, reflen), 0, "query %d differs from mxlb_respond's",
			     i);
		if (nlive > 400)
			release();
	}
	cr_assert_eq(w->stats.drop[MXLB_DROP_RRL], 0);
	cr_assert_eq(w->stats.queries, 300);
	cr_assert_eq(w->stats.rcode[LDNS_RCODE_NOERROR], 300);
}

/* A response with no client (the TCP path, say) is never charged. */
Test(rrl, no_client_not_charged)
{
	rrl_on(1, 2, 1);
	for (int i = 0; i < 20; i++) {
		struct resp r;
		send_q(&r, &q_one, NULL, 1000);
		cr_assert_eq(verdict(&r), 'P', "query %d without a client", i);
	}
	expect_stats(0, 0, 0);
	struct client k = v4(198, 51, 100, 7);
	struct resp r;
	send_q(&r, &q_one, &k, 1000);
	cr_assert_eq(verdict(&r), 'P', "the bucket was charged by queries without a client");
}

/* ---- the rate in one second ---- */

Test(rrl, first_rate_pass_then_drop_and_slip)
{
	enum { RATE = 5, N = 40 };
	rrl_on(RATE, 2, 1);
	uint8_t ref[T_CAP];
	size_t reflen = reference(&q_one, ref, sizeof(ref));
	struct client k = v4(198, 51, 100, 7);
	char got[N + 1], want[N + 1];
	uint32_t ctr = 0;
	for (int i = 0; i < N; i++) {
		struct resp r;
		send_q(&r, &q_one, &k, 1000);
		got[i] = verdict(&r);
		if (got[i] == 'P') {
			cr_assert_eq(r.len, reflen, "passed response %d: %zu octets, expected %zu",
				     i, r.len, reflen);
			cr_assert_eq(memcmp(r.buf, ref, reflen), 0,
				     "passed response %d differs from the unlimited one", i);
		}
	}
	got[N] = 0;
	expect_run(want, N, RATE, 2, &ctr);
	cr_assert_str_eq(got, want);
	cr_assert_str_eq(want, "PPPPPDSDSDSDSDSDSDSDSDSDSDSDSDSDSDSDSDSD"); /* the model */
	expect_stats(N - RATE, (N - RATE) / 2, (N - RATE + 1) / 2);
	cr_assert_eq(w->stats.queries, N);
}

Test(rrl, slip_every_third_one_and_none)
{
	static const uint32_t slips[] = {3, 1, 0};
	static const char *const runs[] = {"PPPDDSDDSDDS", "PPPSSSSSSSSS", "PPPDDDDDDDDD"};
	static const uint64_t nslipped[] = {3, 9, 0};
	for (size_t s = 0; s < T_N(slips); s++) {
		rrl_on(3, slips[s], 1);
		uint64_t drops0 = w->stats.drop[MXLB_DROP_RRL];
		struct client k = v4(198, 51, 100, 7);
		char got[13];
		for (int i = 0; i < 12; i++) {
			struct resp r;
			send_q(&r, &q_one, &k, 50);
			got[i] = verdict(&r);
		}
		got[12] = 0;
		cr_assert_str_eq(got, runs[s], "slip %u: %s, expected %s", slips[s], got, runs[s]);
		const struct mxlb_rrl_stats *st = &w->rrl->stats;
		uint64_t slipped = nslipped[s];
		cr_assert_eq(st->limited, 9, "slip %u: limited %lu", slips[s],
			     (unsigned long)st->limited);
		cr_assert_eq(st->slipped, slipped, "slip %u: slipped %lu", slips[s],
			     (unsigned long)st->slipped);
		cr_assert_eq(st->dropped, 9 - slipped, "slip %u: dropped %lu", slips[s],
			     (unsigned long)st->dropped);
		cr_assert_eq(w->stats.drop[MXLB_DROP_RRL] - drops0, 9 - slipped,
			     "slip %u: drop[MXLB_DROP_RRL] grew by %lu", slips[s],
			     (unsigned long)(w->stats.drop[MXLB_DROP_RRL] - drops0));
		release();
	}
}

/* ---- what a slipped response looks like ---- */

/* TC set, AA and RCODE of the response it replaces, RD copied, ID kept, the
 * question echoed byte for byte, no records, and our OPT (payload 1232,
 * version 0, DO copied, no options) exactly when the query had one. */
static void expect_slip(const struct resp *r, ldns_pkt_rcode rcode, bool aa)
{
	cr_assert_eq(verdict(r), 'S', "expected a slipped response, got %c", verdict(r));
	size_t ql = t_question_len(r->query, r->qlen);
	ldns_pkt *q = NULL;
	cr_assert_eq(ldns_wire2pkt(&q, r->query, r->qlen), LDNS_STATUS_OK);
	bool edns = ldns_pkt_edns(q), do_bit = ldns_pkt_edns_do(q);
	ldns_pkt_free(q);

	cr_assert_eq(rd16(r->buf), rd16(r->query), "ID not kept");
	cr_assert(r->buf[2] & 0x80, "QR clear");
	cr_assert_eq((r->buf[2] >> 3) & 0xF, 0, "opcode %u", (r->buf[2] >> 3) & 0xF);
	cr_assert_eq(!!(r->buf[2] & 0x04), aa, "AA %d, expected %d", !!(r->buf[2] & 0x04), aa);
	cr_assert_eq(r->buf[2] & 0x01, r->query[2] & 0x01, "RD not copied");
	cr_assert_eq(r->buf[3] & 0x80, 0, "RA set");
	cr_assert_eq(r->buf[3] & 0x20, 0, "AD set");
	cr_assert_eq(r->buf[3] & 0xF, (unsigned)rcode, "RCODE %u, expected %u", r->buf[3] & 0xF,
		     (unsigned)rcode);
	cr_assert_eq(ldns_pkt_get_rcode(r->pkt), rcode);
	cr_assert_eq(rd16(r->buf + 4), 1, "QDCOUNT %u", rd16(r->buf + 4));
	cr_assert_eq(memcmp(r->buf + 12, r->query + 12, ql), 0, "question not echoed");
	cr_assert_eq(rd16(r->buf + 6), 0, "ANCOUNT %u", rd16(r->buf + 6));
	cr_assert_eq(rd16(r->buf + 8), 0, "NSCOUNT %u", rd16(r->buf + 8));
	cr_assert_eq(rd16(r->buf + 10), edns ? 1 : 0, "ARCOUNT %u, query %s EDNS",
		     rd16(r->buf + 10), edns ? "with" : "without");
	cr_assert_eq(r->len, 12 + ql + (edns ? 11 : 0),
		     "slipped response of %zu octets, expected %zu", r->len,
		     12 + ql + (edns ? 11 : 0));
	cr_assert_eq(ldns_rr_list_rr_count(ldns_pkt_answer(r->pkt)), 0);
	cr_assert_eq(ldns_rr_list_rr_count(ldns_pkt_authority(r->pkt)), 0);
	cr_assert_eq(ldns_rr_list_rr_count(ldns_pkt_additional(r->pkt)), 0,
		     "records other than OPT in the additional section");
	cr_assert_eq(ldns_pkt_edns(r->pkt), edns, "OPT %s, query %s EDNS",
		     ldns_pkt_edns(r->pkt) ? "present" : "absent", edns ? "with" : "without");
	if (!edns)
		return;
	cr_assert_eq(ldns_pkt_edns_udp_size(r->pkt), MXLB_EDNS_PAYLOAD, "OPT payload %u",
		     ldns_pkt_edns_udp_size(r->pkt));
	cr_assert_eq(ldns_pkt_edns_version(r->pkt), 0);
	cr_assert_eq(ldns_pkt_edns_extended_rcode(r->pkt), 0);
	cr_assert_eq(ldns_pkt_edns_z(r->pkt), do_bit ? 0x8000 : 0, "OPT flags 0x%04x",
		     ldns_pkt_edns_z(r->pkt));
	ldns_rdf *data = ldns_pkt_edns_data(r->pkt);
	cr_assert(data == NULL || ldns_rdf_size(data) == 0, "options in the OPT");
}

Test(rrl, slipped_response_shape)
{
	static const struct {
		struct t_query q;
		ldns_pkt_rcode rcode;
		bool aa;
	} c[] = {
	    {{.name = "one.example.net.", .type = LDNS_RR_TYPE_A}, LDNS_RCODE_NOERROR, true},
	    {{.name = "One.Example.NET.", .type = LDNS_RR_TYPE_A, .rd = true, .id = 0x1234},
	     LDNS_RCODE_NOERROR,
	     true},
	    {{.name = "one.example.net.", .type = LDNS_RR_TYPE_A, .edns = 4096, .do_bit = true},
	     LDNS_RCODE_NOERROR,
	     true},
	    {{.name = "one.example.net.", .type = LDNS_RR_TYPE_A, .edns = 1400},
	     LDNS_RCODE_NOERROR,
	     true},
	    /* a pool with additional records: only the OPT stays */
	    {{.name = "example.net.", .type = LDNS_RR_TYPE_MX, .edns = 1232, .do_bit = true},
	     LDNS_RCODE_NOERROR,
	     true},
	    {{.name = "example.net.", .type = LDNS_RR_TYPE_MX}, LDNS_RCODE_NOERROR, true},
	    /* negative answers: the SOA goes, the rcode stays */
	    {{.name = "nope.example.net.", .type = LDNS_RR_TYPE_A, .edns = 512},
	     LDNS_RCODE_NXDOMAIN,
	     true},
	    {{.name = "mx1.example.net.", .type = LDNS_RR_TYPE_TXT}, LDNS_RCODE_NOERROR, true},
	    {{.name = "www.example.com.", .type = LDNS_RR_TYPE_A, .edns = 1232},
	     LDNS_RCODE_REFUSED,
	     false},
	};
	for (size_t i = 0; i < T_N(c); i++) {
		rrl_on(1, 1, 1); /* one token, every limited response slipped */
		struct client k = v4(198, 51, 100, 7);
		struct resp r;
		send_q(&r, &c[i].q, &k, 1000);
		cr_assert_eq(verdict(&r), 'P', "case %zu (%s): first response not passed", i,
			     c[i].q.name);
		cr_assert_eq(r.buf[3] & 0xF, (unsigned)c[i].rcode, "case %zu: test bug, rcode %u",
			     i, r.buf[3] & 0xF);
		send_q(&r, &c[i].q, &k, 1000);
		expect_slip(&r, c[i].rcode, c[i].aa);
		expect_stats(1, 1, 0);
		release();
	}
}

/* ---- seconds ---- */

Test(rrl, new_second_refills)
{
	rrl_on(3, 0, 1);
	struct client k = v4(198, 51, 100, 7);
	static const uint32_t seconds[] = {100, 101, 105, 4000000000u};
	for (size_t s = 0; s < T_N(seconds); s++) {
		char got[8];
		for (int i = 0; i < 7; i++) {
			struct resp r;
			send_q(&r, &q_one, &k, seconds[s]);
			got[i] = verdict(&r);
		}
		got[7] = 0;
		cr_assert_str_eq(got, "PPPDDDD", "second %u", seconds[s]);
		release();
	}
	expect_stats(16, 0, 16);
}

/* ---- buckets: client prefixes ---- */

/* One query for each client in turn, ROUNDS times, all in one second;
 * returns the letters client by client ("PPD PPD ..."). */
static void rounds(char *out, const struct client *ks, size_t nk, int nrounds,
		   const struct t_query *q)
{
	char v[16][16];
	cr_assert_leq(nk, 16);
	cr_assert_lt(nrounds, 16);
	for (int i = 0; i < nrounds; i++) {
		for (size_t j = 0; j < nk; j++) {
			struct resp r;
			send_q(&r, q, &ks[j], 1000);
			v[j][i] = verdict(&r);
		}
	}
	size_t n = 0;
	for (size_t j = 0; j < nk; j++) {
		memcpy(out + n, v[j], (size_t)nrounds);
		n += (size_t)nrounds;
		out[n++] = j + 1 < nk ? ' ' : 0;
	}
}

Test(rrl, ipv4_one_bucket_per_24)
{
	rrl_on(2, 0, 1);
	/* three addresses of one /24 share two tokens */
	const struct client same[] = {v4(198, 51, 100, 1), v4(198, 51, 100, 77),
				      v4(198, 51, 100, 255)};
	char got[64];
	rounds(got, same, T_N(same), 2, &q_one);
	cr_assert_str_eq(got, "PD PD DD", "one /24");
	/* neighbouring /24s and other addresses each have their own */
	const struct client other[] = {v4(198, 51, 101, 1), v4(198, 51, 99, 1), v4(198, 50, 100, 1),
				       v4(199, 51, 100, 1), v4(0, 0, 0, 0)};
	rounds(got, other, T_N(other), 3, &q_one);
	cr_assert_str_eq(got, "PPD PPD PPD PPD PPD", "other /24s");
	expect_stats(4 + 5, 0, 4 + 5);
}

Test(rrl, ipv6_one_bucket_per_56)
{
	rrl_on(2, 0, 1);
	static const uint16_t a[8] = {0x2001, 0xdb8, 0, 0, 0, 0, 0, 1};
	static const uint16_t b[8] = {0x2001, 0xdb8, 0, 0xff, 0xffff, 0xffff, 0xffff, 0xffff};
	static const uint16_t c[8] = {0x2001, 0xdb8, 0, 0x80, 0x1234, 0, 0, 0x53};
	const struct client same[] = {v6(a), v6(b), v6(c)};
	char got[64];
	rounds(got, same, T_N(same), 2, &q_one);
	cr_assert_str_eq(got, "PD PD DD", "one /56");

	static const uint16_t d[8] = {0x2001, 0xdb8, 0, 0x100, 0, 0, 0, 1}; /* next /56 */
	static const uint16_t e[8] = {0x2001, 0xdb8, 1, 0, 0, 0, 0, 1};
	static const uint16_t f[8] = {0x2001, 0xdb9, 0, 0, 0, 0, 0, 1};
	static const uint16_t g[8] = {0x3001, 0xdb8, 0, 0, 0, 0, 0, 1};
	/* an IPv4 client with the same leading octets as a */
	const struct client other[] = {v6(d), v6(e), v6(f), v6(g), v4(0x20, 0x01, 0x0d, 0xb8)};
	rounds(got, other, T_N(other), 3, &q_one);
	cr_assert_str_eq(got, "PPD PPD PPD PPD PPD", "other /56s");
	expect_stats(4 + 5, 0, 4 + 5);
}

Test(rrl, prefix_lengths_configurable)
{
	struct mxlb_rrl_opts o;
	mxlb_rrl_opts_init(&o);
	o.rate = 1;
	o.slip = 0;
	o.v4_prefix = 32;
	o.v6_prefix = 64;
	int err = 0;
	w->rrl = mxlb_rrl_new(&o, 1, &err);
	cr_assert_not_null(w->rrl);
	static const uint16_t a[8] = {0x2001, 0xdb8, 0, 0x1, 0, 0, 0, 1};
	static const uint16_t b[8] = {0x2001, 0xdb8, 0, 0x1, 0xffff, 0, 0, 2}; /* same /64 */
	static const uint16_t c[8] = {0x2001, 0xdb8, 0, 0x2, 0, 0, 0, 1};      /* same /56 */
	const struct client ks[] = {
	    v4(198, 51, 100, 1), v4(198, 51, 100, 2), v4(198, 51, 100, 1), v6(a), v6(b), v6(c)};
	char got[64];
	rounds(got, ks, T_N(ks), 1, &q_one);
	cr_assert_str_eq(got, "P P D P D P");
}

/* ---- buckets: response identity ---- */

Test(rrl, qnames_and_types_have_own_buckets)
{
	rrl_on(2, 0, 1);
	struct client k = v4(198, 51, 100, 7);
	const struct t_query qs[] = {
	    {.name = "one.example.net.", .type = LDNS_RR_TYPE_A},
	    {.name = "ns1.example.net.", .type = LDNS_RR_TYPE_A},
	    {.name = "ns2.example.net.", .type = LDNS_RR_TYPE_A},
	    {.name = "mx1.example.net.", .type = LDNS_RR_TYPE_A},
	    {.name = "mx1.example.net.", .type = LDNS_RR_TYPE_AAAA},
	    {.name = "mx1.example.net.", .type = LDNS_RR_TYPE_TXT}, /* NODATA */
	    {.name = "txt.example.net.", .type = LDNS_RR_TYPE_TXT},
	    {.name = "ns.example.org.", .type = LDNS_RR_TYPE_A},
	};
	char v[T_N(qs)][4];
	for (int i = 0; i < 3; i++) {
		for (size_t j = 0; j < T_N(qs); j++) {
			struct resp r;
			send_q(&r, &qs[j], &k, 1000);
			v[j][i] = verdict(&r);
		}
	}
	for (size_t j = 0; j < T_N(qs); j++) {
		v[j][3] = 0;
		cr_assert_str_eq(v[j], "PPD", "%s type %u: %s, expected PPD", qs[j].name,
				 qs[j].type, v[j]);
	}
	expect_stats(T_N(qs), 0, T_N(qs));
}

/* Lookups are case-insensitive, and so is the response identity. */
Test(rrl, qname_case_shares_bucket)
{
	rrl_on(3, 0, 1);
	struct client k = v4(198, 51, 100, 7);
	static const char *const names[] = {"one.example.net.", "ONE.EXAMPLE.NET.",
					    "One.Example.Net.", "oNe.eXaMpLe.nEt.",
					    "one.example.NET."};
	char got[T_N(names) + 1];
	for (size_t i = 0; i < T_N(names); i++) {
		struct t_query q = {.name = names[i], .type = LDNS_RR_TYPE_A};
		struct resp r;
		send_q(&r, &q, &k, 1000);
		got[i] = verdict(&r);
	}
	got[T_N(names)] = 0;
	cr_assert_str_eq(got, "PPPDD");
}

/* NXDOMAIN for random names under one zone: one bucket, the zone's (what a
 * random-subdomain flood looks like). */
Test(rrl, nxdomain_random_names_share_zone_bucket)
{
	enum { RATE = 4, N = 60 };
	rrl_on(RATE, 0, 1);
	struct client k = v4(198, 51, 100, 7);
	char got[N + 1], want[N + 1], name[300];
	uint32_t ctr = 0;
	srand(5);
	for (int i = 0; i < N; i++) {
		/* random labels of 1..40 octets, one to four of them */
		size_t n = 0;
		int labels = 1 + rand() % 4;
		for (int l = 0; l < labels; l++) {
			int len = 1 + rand() % 40;
			for (int j = 0; j < len; j++)
				name[n++] = "abcdefghijklmnopqrstuvwxyzQXZ0123456789-"[rand() % 40];
			name[n++] = '.';
		}
		snprintf(name + n, sizeof(name) - n, "%s", i % 3 ? "example.net." : "EXAMPLE.net.");
		struct t_query q = {.name = name, .type = LDNS_RR_TYPE_A, .edns = i % 2 ? 1232 : 0};
		struct resp r;
		send_q(&r, &q, &k, 1000);
		if (i < RATE)
			cr_assert_eq(ldns_pkt_get_rcode(r.pkt), LDNS_RCODE_NXDOMAIN, "%s", name);
		got[i] = verdict(&r);
		if (got[i] != 'P' && got[i] != 'D')
			cr_assert_fail("query %d: %c", i, got[i]);
		if (nlive > 400)
			release();
	}
	got[N] = 0;
	expect_run(want, N, RATE, 0, &ctr);
	cr_assert_str_eq(got, want, "random names under example.net.");
}

Test(rrl, nxdomain_buckets_per_zone_and_apart_from_answers)
{
	rrl_on(2, 0, 1);
	struct client k = v4(198, 51, 100, 7);
	/* per query: its bucket's letters so far */
	static const struct {
		const char *name;
		uint16_t type;
		char bucket; /* which bucket it charges */
	} qs[] = {
	    {"a.example.net.", LDNS_RR_TYPE_A, 'n'},
	    {"b.example.org.", LDNS_RR_TYPE_A, 'o'},
	    {"one.example.net.", LDNS_RR_TYPE_A, '1'},
	    {"much-longer-random-label.example.net.", LDNS_RR_TYPE_A, 'n'},
	    {"x.y.z.example.org.", LDNS_RR_TYPE_A, 'o'},
	    {"one.example.net.", LDNS_RR_TYPE_A, '1'},
	    {"c.example.net.", LDNS_RR_TYPE_A, 'n'},
	    {"q.example.org.", LDNS_RR_TYPE_A, 'o'},
	    {"one.example.net.", LDNS_RR_TYPE_A, '1'},
	};
	char got[T_N(qs) + 1];
	for (size_t i = 0; i < T_N(qs); i++) {
		struct t_query q = {.name = qs[i].name, .type = qs[i].type};
		struct resp r;
		send_q(&r, &q, &k, 1000);
		got[i] = verdict(&r);
	}
	got[T_N(qs)] = 0;
	/* each bucket: P P D */
	cr_assert_str_eq(got, "PPPPPPDDD");
	expect_stats(3, 0, 3);
}

/* ---- per worker ---- */

Test(rrl, rate_divided_among_workers)
{
	static const struct {
		uint32_t rate, nworkers;
		const char *run;
	} c[] = {
	    {10, 2, "PPPPPDDD"},
	    {12, 4, "PPPDDDDD"},
	    {3, 4, "PDDDDDDD"}, /* never under one */
	    {7, 0, "PPPPPPPD"}, /* 0 workers counts as one */
	};
	for (size_t i = 0; i < T_N(c); i++) {
		rrl_on(c[i].rate, 0, c[i].nworkers);
		struct client k = v4(198, 51, 100, 7);
		char got[9];
		for (int j = 0; j < 8; j++) {
			struct resp r;
			send_q(&r, &q_one, &k, 1000);
			got[j] = verdict(&r);
		}
		got[8] = 0;
		cr_assert_str_eq(got, c[i].run, "rate %u over %u workers", c[i].rate,
				 c[i].nworkers);
		release();
	}
}

/* ---- counters ---- */

/* Queries that get no response at all are not charged. */
Test(rrl, dropped_queries_not_charged)
{
	rrl_on(2, 0, 1);
	struct client k = v4(198, 51, 100, 7);
	struct t_buf b = {.n = 0};
	tb_header(&b, 1, 0x8000, 1, 0, 0, 0); /* a response: dropped */
	tb_name(&b, "one.example.net.");
	tb_u16(&b, LDNS_RR_TYPE_A);
	tb_u16(&b, LDNS_RR_CLASS_IN);
	for (int i = 0; i < 5; i++) {
		struct resp r;
		send_wire(&r, b.b, b.n, &k, 1000);
		cr_assert_eq(r.len, 0);
	}
	cr_assert_eq(w->stats.drop[MXLB_DROP_RESPONSE], 5);
	char got[4];
	for (int i = 0; i < 3; i++) {
		struct resp r;
		send_q(&r, &q_one, &k, 1000);
		got[i] = verdict(&r);
	}
	got[3] = 0;
	cr_assert_str_eq(got, "PPD");
	expect_stats(1, 0, 1);
}

/* Every query ends in one verdict that bumps one counter (DESIGN §7): the
 * rcode counters count answers sent (worker.h), so a response that RRL
 * drops is counted in drop[MXLB_DROP_RRL] alone, and a slipped response is
 * an answer sent with TC set. */
Test(rrl, one_counter_per_query)
{
	rrl_on(5, 2, 1);
	struct client k = v4(198, 51, 100, 7);
	for (int i = 0; i < 20; i++) {
		struct resp r;
		send_q(&r, &q_one_edns, &k, 1000);
	}
	expect_stats(15, 7, 8);
	uint64_t answered = 0;
	for (int i = 0; i < 16; i++)
		answered += w->stats.rcode[i];
	cr_assert_eq(w->stats.queries, 20);
	cr_assert_eq(w->stats.rcode[LDNS_RCODE_NOERROR], 12,
		     "rcode[NOERROR] %lu: 12 answers were sent (5 passed, 7 slipped)",
		     (unsigned long)w->stats.rcode[LDNS_RCODE_NOERROR]);
	cr_assert_eq(w->stats.truncated, 7, "truncated %lu: 7 answers were sent with TC",
		     (unsigned long)w->stats.truncated);
	cr_assert_eq(answered + w->stats.drop[MXLB_DROP_RRL], w->stats.queries,
		     "%lu answers + %lu RRL drops for %lu queries", (unsigned long)answered,
		     (unsigned long)w->stats.drop[MXLB_DROP_RRL], (unsigned long)w->stats.queries);
}
