/* EDNS(0) (RFC 6891, DESIGN §4): OPT in every reply to a query with OPT and
 * in none other; our payload 1232, version 0, DO copied, unknown flags and
 * options never echoed; version > 0 gets BADVERS. */
#include <string.h>

#include <criterion/criterion.h>

#include "helpers.h"

static struct mxlb_image *img;
static struct mxlb_worker *w;

static void setup(void)
{
	img = t_load("mail.zone");
	w = t_worker(img, 0, 1);
}

static void teardown(void)
{
	t_worker_free(w);
	t_image_free(img);
}

TestSuite(edns, .init = setup, .fini = teardown);

static const struct t_rr one_a = {"one.example.net.", LDNS_RR_TYPE_A, 300, "192.0.2.1"};

Test(edns, no_opt_without_edns)
{
	struct t_resp r;
	struct t_query q = {.name = "one.example.net.", .type = LDNS_RR_TYPE_A};
	t_ask(&r, w, img, &q);
	t_expect_answer(&r, &one_a, 1, NULL, 0);
	t_expect_edns(&r, false, false, 0);
	cr_assert_eq(r.ar, 0);
	t_free(&r);
}

Test(edns, opt_in_reply)
{
	static const uint16_t sizes[] = {512, 1232, 1400, 4096, 65535, 100, 1};
	for (size_t i = 0; i < T_N(sizes); i++) {
		struct t_resp r;
		struct t_query q = {
		    .name = "one.example.net.", .type = LDNS_RR_TYPE_A, .edns = sizes[i]};
		t_ask(&r, w, img, &q);
		t_expect_answer(&r, &one_a, 1, NULL, 0); /* OPT checked there */
		cr_assert_eq(r.ar, 1, "ARCOUNT %u for size %u", r.ar, sizes[i]);
		t_expect_edns(&r, true, false, 0);
		t_free(&r);
	}
}

Test(edns, do_bit_copied)
{
	for (int d = 0; d <= 1; d++) {
		struct t_resp r;
		struct t_query q = {
		    .name = "one.example.net.", .type = LDNS_RR_TYPE_A, .edns = 4096, .do_bit = d};
		t_ask(&r, w, img, &q);
		t_expect_answer(&r, &one_a, 1, NULL, 0);
		t_expect_edns(&r, true, d, 0);
		t_free(&r);
	}
}

/* Negative answers and refusals carry OPT too. */
Test(edns, opt_on_every_rcode)
{
	static const struct {
		const char *name;
		uint16_t type;
		ldns_pkt_rcode rcode;
		bool aa;
		uint16_t ns;
	} c[] = {
	    {"nope.example.net.", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, true, 1},
	    {"mx1.example.net.", LDNS_RR_TYPE_MX, LDNS_RCODE_NOERROR, true, 1},
	    {"www.example.com.", LDNS_RR_TYPE_A, LDNS_RCODE_REFUSED, false, 0},
	};
	for (size_t i = 0; i < T_N(c); i++) {
		struct t_resp r;
		struct t_query q = {
		    .name = c[i].name, .type = c[i].type, .edns = 1232, .do_bit = true, .rd = true};
		t_ask(&r, w, img, &q);
		t_expect_header(&r, c[i].rcode, c[i].aa, false);
		t_expect_question(&r);
		cr_assert_eq(r.an, 0);
		cr_assert_eq(r.ns, c[i].ns, "%s: NSCOUNT %u", c[i].name, r.ns);
		cr_assert_eq(r.ar, 1, "%s: ARCOUNT %u", c[i].name, r.ar);
		t_expect_edns(&r, true, true, 0);
		t_free(&r);
	}
}

static void expect_badvers(const struct t_resp *r, bool do_bit)
{
	cr_assert_gt(r->len, 0);
	cr_assert_eq(r->id, T_ID);
	cr_assert(r->flags & 0x8000, "QR clear");
	cr_assert_eq((r->flags >> 11) & 0xf, 0, "opcode");
	cr_assert_eq(r->flags & 0x0200, 0, "TC set");
	cr_assert_eq(r->flags & 0x0080, 0, "RA set");
	cr_assert_eq(!!(r->flags & 0x0100), !!(r->query[2] & 1), "RD not copied");
	cr_assert_eq(r->flags & 0xf, 0, "header RCODE %u, expected 0 (BADVERS = 16)",
		     r->flags & 0xf);
	t_expect_question(r);
	cr_assert_eq(r->an, 0, "ANCOUNT %u", r->an);
	cr_assert_eq(r->ns, 0, "NSCOUNT %u", r->ns);
	cr_assert_eq(r->ar, 1, "ARCOUNT %u", r->ar);
	t_expect_edns(r, true, do_bit, 1); /* 16 >> 4 */
}

Test(edns, badvers)
{
	static const uint8_t versions[] = {1, 2, 255};
	for (size_t i = 0; i < T_N(versions); i++) {
		struct t_resp r;
		struct t_query q = {.name = "example.net.",
				    .type = LDNS_RR_TYPE_MX,
				    .edns = 4096,
				    .edns_version = versions[i],
				    .rd = true,
				    .do_bit = i == 1};
		t_ask(&r, w, img, &q);
		expect_badvers(&r, i == 1);
		t_free(&r);
	}
	cr_assert_eq(w->stats.badvers, 3);
	cr_assert_eq(w->stats.queries, 3);
}

/* BADVERS does not depend on the name being ours. */
Test(edns, badvers_nxdomain_name)
{
	struct t_resp r;
	struct t_query q = {
	    .name = "nope.example.net.", .type = LDNS_RR_TYPE_A, .edns = 1232, .edns_version = 1};
	t_ask(&r, w, img, &q);
	expect_badvers(&r, false);
	t_free(&r);
}

/* BADVERS does not take an answer from the pool. */
Test(edns, badvers_does_not_advance_pool)
{
	struct t_resp r;
	struct t_query bad = {
	    .name = "quad.example.net.", .type = LDNS_RR_TYPE_A, .edns = 1232, .edns_version = 1};
	struct t_query good = {.name = "quad.example.net.", .type = LDNS_RR_TYPE_A, .edns = 1232};
	t_ask(&r, w, img, &bad);
	expect_badvers(&r, false);
	t_free(&r);
	t_ask(&r, w, img, &good);
	t_expect_header(&r, LDNS_RCODE_NOERROR, true, false);
	cr_assert_eq(r.an, 4);
	t_expect_rr(ldns_rr_list_rr(ldns_pkt_answer(r.pkt), 0),
		    &(struct t_rr){"quad.example.net.", LDNS_RR_TYPE_A, 60, "198.51.100.41"},
		    "answer", 0);
	t_free(&r);
}

/* A query with OPT options (an unknown one and a client cookie) and every
 * flag bit set: answered normally; neither options nor unknown flags echoed. */
Test(edns, options_and_flags_not_echoed)
{
	static const uint16_t flags[] = {0x7fff, 0xffff, 0x0001, 0x8000};
	for (size_t i = 0; i < T_N(flags); i++) {
		struct t_buf b = {.n = 0};
		tb_header(&b, T_ID, 0x0100, 1, 0, 0, 1);
		tb_name(&b, "one.example.net.");
		tb_u16(&b, LDNS_RR_TYPE_A);
		tb_u16(&b, LDNS_RR_CLASS_IN);
		tb_u8(&b, 0);
		tb_u16(&b, LDNS_RR_TYPE_OPT);
		tb_u16(&b, 4096);
		tb_u8(&b, 0);
		tb_u8(&b, 0);
		tb_u16(&b, flags[i]);
		tb_u16(&b, 8 + 12);
		tb_u16(&b, 65001); /* unknown option */
		tb_u16(&b, 4);
		tb_bytes(&b, "\xde\xad\xbe\xef", 4);
		tb_u16(&b, 10); /* COOKIE, client part only */
		tb_u16(&b, 8);
		tb_bytes(&b, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
		struct t_resp r;
		t_send(&r, w, img, b.b, b.n, T_CAP);
		t_expect_answer(&r, &one_a, 1, NULL, 0);
		t_expect_edns(&r, true, (flags[i] & 0x8000) != 0, 0);
		t_free(&r);
	}
}

/* OPT with a nonzero extended RCODE in a query: ignored. */
Test(edns, query_extended_rcode_ignored)
{
	struct t_buf b = {.n = 0};
	tb_header(&b, T_ID, 0x0000, 1, 0, 0, 1);
	tb_name(&b, "one.example.net.");
	tb_u16(&b, LDNS_RR_TYPE_A);
	tb_u16(&b, LDNS_RR_CLASS_IN);
	tb_opt(&b, 1232, 0x05, 0, 0);
	struct t_resp r;
	t_send(&r, w, img, b.b, b.n, T_CAP);
	t_expect_answer(&r, &one_a, 1, NULL, 0);
	t_expect_edns(&r, true, false, 0);
	t_free(&r);
}

/* An MX answer with EDNS: additional records, then OPT. */
Test(edns, mx_answer_with_opt)
{
	struct t_resp r;
	struct t_query q = {.name = "solo.example.net.", .type = LDNS_RR_TYPE_MX, .edns = 1232};
	t_ask(&r, w, img, &q);
	static const struct t_rr an[] = {
	    {"solo.example.net.", LDNS_RR_TYPE_MX, 300, "10 mx1.example.net."}};
	static const struct t_rr ad[] = {
	    {"mx1.example.net.", LDNS_RR_TYPE_A, 600, "198.51.100.11"},
	    {"mx1.example.net.", LDNS_RR_TYPE_AAAA, 700, "2001:db8::11"},
	};
	t_expect_answer(&r, an, 1, ad, 2);
	cr_assert_eq(r.ar, 3);
	t_free(&r);
}
