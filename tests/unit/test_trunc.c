/* Size limits (DESIGN §4): 512 octets without EDNS, the client's size with
 * EDNS but at most 1232 and at least 512. Additional records are dropped
 * whole from the end, TC clear; an answer RRset that does not fit sets TC with
 * an empty answer. big.zone's sizes are chosen so that every verdict below
 * holds whatever name compression the engine does (see the zone's comment). */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "helpers.h"

static struct mxlb_image *img;
static struct mxlb_worker *w;

static void setup(void)
{
	img = t_load("big.zone");
	w = t_worker(img, 0, 1);
}

static void teardown(void)
{
	t_worker_free(w);
	t_image_free(img);
}

TestSuite(trunc, .init = setup, .fini = teardown);

/* Targets of five.big.test: "m1xxx...x.big.test." (first label 45 octets). */
static char five_name[5][64];
static char five_rdata[5][80];
static char five_aaaa[5][32];
static char five_a[5][32];

static void five_names(void)
{
	for (int i = 0; i < 5; i++) {
		char label[46];
		int n = snprintf(label, sizeof(label), "m%d", i + 1);
		memset(label + n, 'x', 45 - (size_t)n);
		label[45] = 0;
		snprintf(five_name[i], sizeof(five_name[i]), "%s.big.test.", label);
		snprintf(five_a[i], sizeof(five_a[i]), "192.0.2.%d", 101 + i);
		snprintf(five_aaaa[i], sizeof(five_aaaa[i]), "2001:db8::1:%d", i + 1);
	}
}

/* The first answer from five.big.test (prefer mode, m1 selected): m1 10,
 * m2..m5 11; additional A then AAAA of m1..m5. */
static void five_expect(struct t_rr *an, struct t_rr *ad)
{
	five_names();
	for (int i = 0; i < 5; i++) {
		snprintf(five_rdata[i], sizeof(five_rdata[i]), "%d %s", i ? 11 : 10, five_name[i]);
		an[i] = (struct t_rr){"five.big.test.", LDNS_RR_TYPE_MX, 300, five_rdata[i]};
		ad[2 * i] = (struct t_rr){five_name[i], LDNS_RR_TYPE_A, 300, five_a[i]};
		ad[2 * i + 1] = (struct t_rr){five_name[i], LDNS_RR_TYPE_AAAA, 300, five_aaaa[i]};
	}
}

static void ask(struct t_resp *r, const char *name, uint16_t type, uint16_t edns)
{
	struct t_query q = {.name = name, .type = type, .edns = edns, .rd = true};
	t_ask(r, w, img, &q);
}

/* The answer fits, not all of the additional: some dropped from the end. */
static size_t expect_partial_additional(const struct t_resp *r, size_t limit, bool edns)
{
	struct t_rr an[5], ad[10];
	five_expect(an, ad);
	cr_assert_leq(r->len, limit, "response of %zu octets exceeds %zu", r->len, limit);
	t_expect_header(r, LDNS_RCODE_NOERROR, true, false);
	t_expect_question(r);
	cr_assert_eq(r->an, 5);
	cr_assert_eq(r->ns, 0);
	t_expect_section(r, LDNS_SECTION_ANSWER, an, 5);
	size_t k = t_expect_section_prefix(r, LDNS_SECTION_ADDITIONAL, ad, 10);
	cr_assert_eq(r->ar, k + edns);
	t_expect_edns(r, edns, false, 0);
	return k;
}

Test(trunc, no_edns_drops_additional)
{
	struct t_resp r;
	ask(&r, "five.big.test.", LDNS_RR_TYPE_MX, T_NOEDNS);
	size_t k = expect_partial_additional(&r, 512, false);
	cr_assert_lt(k, 10, "all 10 additional records in %zu octets", r.len);
	cr_assert_eq(w->stats.truncated, 0);
	t_free(&r);
}

Test(trunc, edns_1232_keeps_additional)
{
	static const uint16_t sizes[] = {1232, 4096, 65535};
	for (size_t i = 0; i < T_N(sizes); i++) {
		t_worker_free(w);
		w = t_worker(img, 0, 1); /* m1 selected again */
		struct t_rr an[5], ad[10];
		five_expect(an, ad);
		struct t_resp r;
		ask(&r, "five.big.test.", LDNS_RR_TYPE_MX, sizes[i]);
		cr_assert_leq(r.len, MXLB_UDP_MAX);
		t_expect_answer(&r, an, 5, ad, 10);
		t_free(&r);
	}
}

/* A size under 512 counts as 512: the answer (> 256 octets) still fits. */
Test(trunc, edns_under_512_is_512)
{
	static const uint16_t sizes[] = {256, 0, 511};
	for (size_t i = 0; i < T_N(sizes); i++) {
		t_worker_free(w);
		w = t_worker(img, 0, 1);
		struct t_resp r;
		struct t_query q = {.name = "five.big.test.", .type = LDNS_RR_TYPE_MX, .rd = true};
		size_t qlen;
		uint8_t *wire = t_query_wire(&q, &qlen);
		/* OPT appended by hand: ldns omits an OPT of size 0 */
		uint8_t *buf = malloc(qlen + 11);
		memcpy(buf, wire, qlen);
		free(wire);
		buf[11] = 1; /* ARCOUNT */
		static const uint8_t opt[] = {0, 0, 41, 0, 0, 0, 0, 0, 0, 0, 0};
		memcpy(buf + qlen, opt, sizeof(opt));
		buf[qlen + 3] = (uint8_t)(sizes[i] >> 8);
		buf[qlen + 4] = (uint8_t)sizes[i];
		t_send(&r, w, img, buf, qlen + 11, T_CAP);
		free(buf);
		cr_assert_gt(r.len, 256);
		size_t k = expect_partial_additional(&r, 512, true);
		cr_assert_lt(k, 10);
		t_free(&r);
	}
}

/* Between 512 and 1232 the client's size is the limit. */
Test(trunc, edns_600)
{
	struct t_resp r;
	ask(&r, "five.big.test.", LDNS_RR_TYPE_MX, 600);
	expect_partial_additional(&r, 600, true);
	t_free(&r);
}

/* TC: empty answer (and authority, additional), question echoed, OPT kept. */
static void expect_tc(const struct t_resp *r, size_t limit, bool edns)
{
	cr_assert_leq(r->len, limit, "response of %zu octets exceeds %zu", r->len, limit);
	t_expect_header(r, LDNS_RCODE_NOERROR, true, true);
	t_expect_question(r);
	cr_assert_eq(r->an, 0, "ANCOUNT %u with TC", r->an);
	cr_assert_eq(r->ns, 0, "NSCOUNT %u with TC", r->ns);
	cr_assert_eq(r->ar, edns, "ARCOUNT %u with TC", r->ar);
	t_expect_edns(r, edns, false, 0);
}

Test(trunc, txt_over_512_sets_tc)
{
	struct t_resp r;
	ask(&r, "bigtxt.big.test.", LDNS_RR_TYPE_TXT, T_NOEDNS);
	expect_tc(&r, 512, false);
	cr_assert_eq(w->stats.truncated, 1);
	cr_assert_eq(w->stats.rcode[LDNS_RCODE_NOERROR], 1);
	t_free(&r);
	ask(&r, "bigtxt.big.test.", LDNS_RR_TYPE_TXT, 512);
	expect_tc(&r, 512, true);
	cr_assert_eq(w->stats.truncated, 2);
	t_free(&r);
}

Test(trunc, txt_fits_with_edns)
{
	char txt[3][210];
	struct t_rr an[3];
	for (int i = 0; i < 3; i++) {
		txt[i][0] = '"';
		memset(txt[i] + 1, 'a' + i, 200);
		txt[i][201] = '"';
		txt[i][202] = 0;
		an[i] = (struct t_rr){"bigtxt.big.test.", LDNS_RR_TYPE_TXT, 300, txt[i]};
	}
	struct t_resp r;
	ask(&r, "bigtxt.big.test.", LDNS_RR_TYPE_TXT, 4096);
	cr_assert_gt(r.len, 512);
	cr_assert_leq(r.len, MXLB_UDP_MAX);
	t_expect_header(&r, LDNS_RCODE_NOERROR, true, false);
	t_expect_question(&r);
	cr_assert_eq(r.an, 3);
	cr_assert_eq(r.ns, 0);
	cr_assert_eq(r.ar, 1);
	t_expect_section_set(&r, LDNS_SECTION_ANSWER, an, 3);
	t_expect_edns(&r, true, false, 0);
	cr_assert_eq(w->stats.truncated, 0);
	t_free(&r);
}

Test(trunc, txt_over_1232_sets_tc)
{
	static const uint16_t sizes[] = {1232, 4096, 65535};
	for (size_t i = 0; i < T_N(sizes); i++) {
		struct t_resp r;
		ask(&r, "hugetxt.big.test.", LDNS_RR_TYPE_TXT, sizes[i]);
		expect_tc(&r, MXLB_UDP_MAX, true);
		t_free(&r);
	}
	struct t_resp r;
	ask(&r, "hugetxt.big.test.", LDNS_RR_TYPE_TXT, T_NOEDNS);
	expect_tc(&r, 512, false);
	t_free(&r);
	cr_assert_eq(w->stats.truncated, 4);
}

/* A pool of 40 long names does not fit even in 1232 octets. */
Test(trunc, big_mx_pool_sets_tc)
{
	struct t_resp r;
	ask(&r, "bigmx.big.test.", LDNS_RR_TYPE_MX, T_NOEDNS);
	expect_tc(&r, 512, false);
	t_free(&r);
	ask(&r, "bigmx.big.test.", LDNS_RR_TYPE_MX, 4096);
	expect_tc(&r, MXLB_UDP_MAX, true);
	t_free(&r);
	cr_assert_eq(w->stats.truncated, 2);
}

/* In single mode the same pool's answer is one record: it fits. */
Test(trunc, big_mx_pool_single_mode_fits)
{
	struct mxlb_image_opts opts;
	t_opts(&opts);
	opts.mx_mode = MXLB_MODE_SINGLE;
	const char *file = "big.zone";
	struct mxlb_image *simg = t_load_opts(&file, 1, &opts);
	struct mxlb_worker *sw = t_worker(simg, 0, 1);
	for (int k = 0; k < 3; k++) {
		char rdata[80], label[46];
		int n = snprintf(label, sizeof(label), "t%d", k + 1);
		memset(label + n, 'y', 45 - (size_t)n);
		label[45] = 0;
		snprintf(rdata, sizeof(rdata), "10 %s.big.test.", label);
		struct t_rr an = {"bigmx.big.test.", LDNS_RR_TYPE_MX, 300, rdata};
		struct t_resp r;
		struct t_query q = {.name = "bigmx.big.test.", .type = LDNS_RR_TYPE_MX};
		t_ask(&r, sw, simg, &q);
		cr_assert_leq(r.len, 512);
		t_expect_answer(&r, &an, 1, NULL, 0);
		t_free(&r);
	}
	t_worker_free(sw);
	t_image_free(simg);
}

/* A response buffer smaller than the size limit: never written past, and
 * whatever comes back is a well-formed reply. */
Test(trunc, small_cap_respected)
{
	static const size_t caps[] = {64, 100, 200, 300, 400, 600};
	for (size_t i = 0; i < T_N(caps); i++) {
		struct t_query q = {
		    .name = "five.big.test.", .type = LDNS_RR_TYPE_MX, .edns = 1232};
		size_t qlen;
		uint8_t *wire = t_query_wire(&q, &qlen);
		struct t_resp r;
		t_send(&r, w, img, wire, qlen, caps[i]); /* asserts len <= cap, parses */
		free(wire);
		if (r.len) {
			cr_assert(r.flags & 0x8000);
			cr_assert_eq(r.id, T_ID);
		}
		t_free(&r);
	}
	/* and exactly the query's own size */
	struct t_query q = {.name = "bigtxt.big.test.", .type = LDNS_RR_TYPE_TXT};
	size_t qlen;
	uint8_t *wire = t_query_wire(&q, &qlen);
	struct t_resp r;
	t_send(&r, w, img, wire, qlen, qlen);
	free(wire);
	if (r.len) {
		cr_assert(r.flags & 0x8000);
		cr_assert_eq(r.id, T_ID);
	}
	t_free(&r);
}
