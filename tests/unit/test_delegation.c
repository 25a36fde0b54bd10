/* Delegations and wildcards. DESIGN is silent on both; these tests follow
 * what an operator of Knot DNS or NSD expects (DESIGN preamble): a referral
 * for names at or below a zone cut (RFC 1034 §4.3.2 step 3b), answers
 * synthesised from a wildcard (RFC 4592 §3.3). */
#include <criterion/criterion.h>

#include "helpers.h"

static struct mxlb_image *img;
static struct mxlb_worker *w;

static void setup(void)
{
	img = t_load("deleg.zone");
	w = t_worker(img, 0, 1);
}

static void teardown(void)
{
	t_worker_free(w);
	t_image_free(img);
}

TestSuite(delegation, .init = setup, .fini = teardown);

static void ask(struct t_resp *r, const char *name, uint16_t type)
{
	struct t_query q = {.name = name, .type = type, .rd = true};
	t_ask(r, w, img, &q);
}

static const struct t_rr soa = {"deleg.test.", LDNS_RR_TYPE_SOA, 300,
				"ns.deleg.test. admin.deleg.test. 1 3600 600 86400 300"};

/* Referral: NOERROR, AA clear, empty answer, the cut's NS in authority and
 * the in-bailiwick glue in additional. */
static void expect_referral(const struct t_resp *r)
{
	static const struct t_rr ns[] = {
	    {"sub.deleg.test.", LDNS_RR_TYPE_NS, 600, "ns.sub.deleg.test."},
	    {"sub.deleg.test.", LDNS_RR_TYPE_NS, 600, "ns.elsewhere.test."},
	};
	static const struct t_rr glue[] = {
	    {"ns.sub.deleg.test.", LDNS_RR_TYPE_A, 600, "192.0.2.9"}};
	t_expect_header(r, LDNS_RCODE_NOERROR, false, false);
	t_expect_question(r);
	cr_assert_eq(r->an, 0, "ANCOUNT %u", r->an);
	t_expect_section_set(r, LDNS_SECTION_AUTHORITY, ns, T_N(ns));
	t_expect_section(r, LDNS_SECTION_ADDITIONAL, glue, T_N(glue));
}

Test(delegation, below_cut_is_referral)
{
	struct t_resp r;
	ask(&r, "www.sub.deleg.test.", LDNS_RR_TYPE_A);
	expect_referral(&r);
	t_free(&r);
	ask(&r, "a.b.c.sub.deleg.test.", LDNS_RR_TYPE_MX);
	expect_referral(&r);
	t_free(&r);
}

Test(delegation, at_cut_is_referral)
{
	struct t_resp r;
	ask(&r, "sub.deleg.test.", LDNS_RR_TYPE_NS);
	expect_referral(&r);
	t_free(&r);
	ask(&r, "sub.deleg.test.", LDNS_RR_TYPE_A);
	expect_referral(&r);
	t_free(&r);
}

/* Glue is not authoritative data: a query for it is referred too. */
Test(delegation, glue_name_is_referral)
{
	struct t_resp r;
	ask(&r, "ns.sub.deleg.test.", LDNS_RR_TYPE_A);
	expect_referral(&r);
	t_free(&r);
}

/* The zone's own data around the cut is unaffected. */
Test(delegation, apex_unaffected)
{
	struct t_resp r;
	static const struct t_rr an[] = {{"ns.deleg.test.", LDNS_RR_TYPE_A, 300, "192.0.2.1"}};
	ask(&r, "ns.deleg.test.", LDNS_RR_TYPE_A);
	t_expect_answer(&r, an, 1, NULL, 0);
	t_free(&r);
	ask(&r, "nosub.deleg.test.", LDNS_RR_TYPE_A);
	t_expect_header(&r, LDNS_RCODE_NXDOMAIN, true, false);
	t_expect_section(&r, LDNS_SECTION_AUTHORITY, &soa, 1);
	t_free(&r);
}

Test(delegation, wildcard_synthesised)
{
	static const char *const names[] = {"x.wild.deleg.test.", "a.b.wild.deleg.test.",
					    "X.Wild.Deleg.Test."};
	for (size_t i = 0; i < T_N(names); i++) {
		struct t_resp r;
		struct t_rr an = {names[i], LDNS_RR_TYPE_A, 300, "192.0.2.10"};
		ask(&r, names[i], LDNS_RR_TYPE_A);
		t_expect_answer(&r, &an, 1, NULL, 0);
		t_free(&r);
	}
}

Test(delegation, wildcard_mx_with_additional)
{
	struct t_resp r;
	struct t_rr an = {"m.wild.deleg.test.", LDNS_RR_TYPE_MX, 300, "10 ns.deleg.test."};
	struct t_rr ad = {"ns.deleg.test.", LDNS_RR_TYPE_A, 300, "192.0.2.1"};
	ask(&r, "m.wild.deleg.test.", LDNS_RR_TYPE_MX);
	t_expect_answer(&r, &an, 1, &ad, 1);
	t_free(&r);
}

/* A type the wildcard lacks: NODATA; the wildcard's parent is an empty
 * non-terminal. */
Test(delegation, wildcard_nodata)
{
	struct t_resp r;
	ask(&r, "x.wild.deleg.test.", LDNS_RR_TYPE_AAAA);
	t_expect_header(&r, LDNS_RCODE_NOERROR, true, false);
	t_expect_question(&r);
	cr_assert_eq(r.an, 0);
	t_expect_section(&r, LDNS_SECTION_AUTHORITY, &soa, 1);
	t_free(&r);
	ask(&r, "wild.deleg.test.", LDNS_RR_TYPE_A);
	t_expect_header(&r, LDNS_RCODE_NOERROR, true, false);
	cr_assert_eq(r.an, 0);
	t_expect_section(&r, LDNS_SECTION_AUTHORITY, &soa, 1);
	t_free(&r);
}
