/* CNAME chains (RFC 1034 §4.3.2 step 3a, RFC 6604), wildcards holding pools
 * or CNAMEs (RFC 4592), DS at a zone cut (RFC 4035 §3.1.4.1), meta query
 * types and ANY (RFC 8482), and the CHAOS class, over chain.zone. */
#include <string.h>

#include <criterion/criterion.h>

#include "helpers.h"

static struct mxlb_image *img;
static struct mxlb_worker *w;

static void setup(void)
{
	img = t_load("chain.zone");
	w = t_worker(img, 0, 1);
}

static void teardown(void)
{
	t_worker_free(w);
	t_image_free(img);
}

TestSuite(chain, .init = setup, .fini = teardown);

static const struct t_rr soa = {"chain.test.", LDNS_RR_TYPE_SOA, 120,
				"ns.chain.test. admin.chain.test. 1 3600 600 86400 120"};

static void ask(struct t_resp *r, const char *name, uint16_t type)
{
	struct t_query q = {.name = name, .type = type};
	t_ask(r, w, img, &q);
}

/* Header, question, exact answer, authority and additional sections. */
static void expect_full(const struct t_resp *r, ldns_pkt_rcode rcode, const struct t_rr *an,
			size_t nan, const struct t_rr *ns, size_t nns, const struct t_rr *ad,
			size_t nad)
{
	t_expect_header(r, rcode, true, false);
	t_expect_question(r);
	cr_assert_eq(r->an, nan, "ANCOUNT %u, expected %zu", r->an, nan);
	cr_assert_eq(r->ns, nns, "NSCOUNT %u, expected %zu", r->ns, nns);
	cr_assert_eq(r->ar, nad, "ARCOUNT %u, expected %zu", r->ar, nad);
	t_expect_section(r, LDNS_SECTION_ANSWER, an, nan);
	t_expect_section(r, LDNS_SECTION_AUTHORITY, ns, nns);
	t_expect_section(r, LDNS_SECTION_ADDITIONAL, ad, nad);
}

Test(chain, cname_then_target)
{
	static const struct t_rr an[] = {
	    {"toone.chain.test.", LDNS_RR_TYPE_CNAME, 500, "one.chain.test."},
	    {"one.chain.test.", LDNS_RR_TYPE_AAAA, 400, "2001:db8::1"},
	};
	struct t_resp r;
	ask(&r, "toone.chain.test.", LDNS_RR_TYPE_AAAA);
	expect_full(&r, LDNS_RCODE_NOERROR, an, 2, NULL, 0, NULL, 0);
	t_free(&r);
}

Test(chain, two_links)
{
	static const struct t_rr an[] = {
	    {"c1.chain.test.", LDNS_RR_TYPE_CNAME, 501, "c2.chain.test."},
	    {"c2.chain.test.", LDNS_RR_TYPE_CNAME, 502, "one.chain.test."},
	    {"one.chain.test.", LDNS_RR_TYPE_A, 300, "192.0.2.1"},
	};
	struct t_resp r;
	ask(&r, "C1.Chain.Test.", LDNS_RR_TYPE_A);
	expect_full(&r, LDNS_RCODE_NOERROR, an, 3, NULL, 0, NULL, 0);
	t_free(&r);
}

/* The CNAME is the answer to a CNAME query: no chasing. */
Test(chain, cname_query_not_chased)
{
	static const struct t_rr an[] = {
	    {"toone.chain.test.", LDNS_RR_TYPE_CNAME, 500, "one.chain.test."}};
	struct t_resp r;
	ask(&r, "toone.chain.test.", LDNS_RR_TYPE_CNAME);
	expect_full(&r, LDNS_RCODE_NOERROR, an, 1, NULL, 0, NULL, 0);
	t_free(&r);
}

/* The target lacks the type: NODATA for the target, the CNAME kept. */
Test(chain, target_nodata)
{
	static const struct t_rr an[] = {
	    {"toone.chain.test.", LDNS_RR_TYPE_CNAME, 500, "one.chain.test."}};
	struct t_resp r;
	ask(&r, "toone.chain.test.", LDNS_RR_TYPE_MX);
	expect_full(&r, LDNS_RCODE_NOERROR, an, 1, &soa, 1, NULL, 0);
	t_free(&r);
}

/* RFC 6604 §2.1: the RCODE is that of the last name in the chain. */
Test(chain, target_nxdomain)
{
	static const struct t_rr an[] = {
	    {"tomissing.chain.test.", LDNS_RR_TYPE_CNAME, 503, "missing.chain.test."}};
	struct t_resp r;
	ask(&r, "tomissing.chain.test.", LDNS_RR_TYPE_A);
	expect_full(&r, LDNS_RCODE_NXDOMAIN, an, 1, &soa, 1, NULL, 0);
	t_free(&r);
}

Test(chain, target_out_of_zone)
{
	static const struct t_rr an[] = {
	    {"toext.chain.test.", LDNS_RR_TYPE_CNAME, 509, "www.elsewhere.test."}};
	struct t_resp r;
	ask(&r, "toext.chain.test.", LDNS_RR_TYPE_A);
	expect_full(&r, LDNS_RCODE_NOERROR, an, 1, NULL, 0, NULL, 0);
	t_free(&r);
}

/* Loops end: a bounded answer of CNAMEs, no hang. */
Test(chain, loops_end, .timeout = 10)
{
	static const char *const names[] = {"loop1.chain.test.", "self.chain.test."};
	for (size_t i = 0; i < T_N(names); i++) {
		struct t_resp r;
		ask(&r, names[i], LDNS_RR_TYPE_A);
		t_expect_header(&r, LDNS_RCODE_NOERROR, true, false);
		t_expect_question(&r);
		cr_assert_geq(r.an, 1);
		cr_assert_leq(r.an, 16, "%u CNAMEs", r.an);
		ldns_rr_list *l = ldns_pkt_answer(r.pkt);
		for (size_t k = 0; k < ldns_rr_list_rr_count(l); k++)
			cr_assert_eq(ldns_rr_get_type(ldns_rr_list_rr(l, k)), LDNS_RR_TYPE_CNAME);
		t_free(&r);
	}
}

/* A chain into an address pool takes the pool's next turn; the counter is
 * the pool's, shared with direct queries. */
Test(chain, target_pool_rotates)
{
	static const char *const a[] = {"198.51.100.1", "198.51.100.2", "198.51.100.3"};
	for (size_t k = 0; k < 6; k++) {
		bool direct = k % 3 == 1;
		struct t_rr an[4];
		size_t n = 0;
		if (!direct)
			an[n++] = (struct t_rr){"topool.chain.test.", LDNS_RR_TYPE_CNAME, 507,
						"pool.chain.test."};
		for (size_t i = 0; i < 3; i++)
			an[n++] =
			    (struct t_rr){"pool.chain.test.", LDNS_RR_TYPE_A, 60, a[(k + i) % 3]};
		struct t_resp r;
		ask(&r, direct ? "pool.chain.test." : "topool.chain.test.", LDNS_RR_TYPE_A);
		expect_full(&r, LDNS_RCODE_NOERROR, an, n, NULL, 0, NULL, 0);
		t_free(&r);
	}
}

/* A chain into an MX pool: prefer mode, the target's additional records. */
Test(chain, target_mx_pool)
{
	static const char *const m[] = {"m1.chain.test.", "m2.chain.test."};
	static const char *const a[] = {"192.0.2.21", "192.0.2.22"};
	for (size_t k = 0; k < 4; k++) {
		char rd0[64], rd1[64];
		snprintf(rd0, sizeof(rd0), "10 %s", m[k % 2]);
		snprintf(rd1, sizeof(rd1), "11 %s", m[(k + 1) % 2]);
		struct t_rr an[] = {
		    {"tomail.chain.test.", LDNS_RR_TYPE_CNAME, 508, "mail.chain.test."},
		    {"mail.chain.test.", LDNS_RR_TYPE_MX, 300, rd0},
		    {"mail.chain.test.", LDNS_RR_TYPE_MX, 300, rd1},
		};
		struct t_rr ad[] = {
		    {m[k % 2], LDNS_RR_TYPE_A, 300, a[k % 2]},
		    {m[(k + 1) % 2], LDNS_RR_TYPE_A, 300, a[(k + 1) % 2]},
		};
		struct t_resp r;
		ask(&r, "tomail.chain.test.", LDNS_RR_TYPE_MX);
		expect_full(&r, LDNS_RCODE_NOERROR, an, 3, NULL, 0, ad, 2);
		t_free(&r);
	}
}

/* A CNAME to a name below a zone cut: the resolver follows it to the child;
 * the parent must not claim the target does not exist. */
Test(chain, target_below_cut_not_nxdomain)
{
	static const struct t_rr an[] = {
	    {"tocut.chain.test.", LDNS_RR_TYPE_CNAME, 511, "www.sub.chain.test."}};
	struct t_resp r;
	ask(&r, "tocut.chain.test.", LDNS_RR_TYPE_A);
	t_expect_header(&r, LDNS_RCODE_NOERROR, true, false);
	t_expect_question(&r);
	cr_assert_eq(r.an, 1, "ANCOUNT %u", r.an);
	t_expect_section(&r, LDNS_SECTION_ANSWER, an, 1);
	/* authority: nothing, or the referral to sub; never the SOA */
	ldns_rr_list *ns = ldns_pkt_authority(r.pkt);
	for (size_t i = 0; i < ldns_rr_list_rr_count(ns); i++)
		cr_assert_eq(ldns_rr_get_type(ldns_rr_list_rr(ns, i)), LDNS_RR_TYPE_NS,
			     "authority[%zu] is not the cut's NS", i);
	t_free(&r);
}

/* A CNAME to a name a wildcard covers: the target exists (RFC 4592 §3.3.3),
 * so no NXDOMAIN. */
Test(chain, target_behind_wildcard_not_nxdomain)
{
	static const struct t_rr an[] = {
	    {"towild.chain.test.", LDNS_RR_TYPE_CNAME, 512, "z.wp.chain.test."}};
	struct t_resp r;
	ask(&r, "towild.chain.test.", LDNS_RR_TYPE_MX);
	t_expect_header(&r, LDNS_RCODE_NOERROR, true, false);
	t_expect_question(&r);
	cr_assert_geq(r.an, 1, "ANCOUNT %u", r.an);
	t_expect_rr(ldns_rr_list_rr(ldns_pkt_answer(r.pkt), 0), &an[0], "answer", 0);
	ldns_rr_list *l = ldns_pkt_answer(r.pkt);
	for (size_t i = 1; i < ldns_rr_list_rr_count(l); i++) {
		ldns_rr *rr = ldns_rr_list_rr(l, i);
		cr_assert_eq(ldns_rr_get_type(rr), LDNS_RR_TYPE_MX);
		cr_assert_eq(
		    ldns_dname_compare(ldns_rr_owner(rr), ldns_rr_rdf(ldns_rr_list_rr(l, 0), 0)), 0,
		    "answer[%zu] owner is not z.wp.chain.test.", i);
	}
	cr_assert_eq(r.ns, 0, "NSCOUNT %u (SOA of a NXDOMAIN?)", r.ns);
	t_free(&r);
}

/* ---- wildcards ---- */

/* A wildcard CNAME: the synthesised owner is the query name. */
Test(chain, wildcard_cname)
{
	static const struct t_rr an[] = {
	    {"x.wc.chain.test.", LDNS_RR_TYPE_CNAME, 510, "one.chain.test."},
	    {"one.chain.test.", LDNS_RR_TYPE_AAAA, 400, "2001:db8::1"},
	};
	struct t_resp r;
	ask(&r, "x.wc.chain.test.", LDNS_RR_TYPE_AAAA);
	expect_full(&r, LDNS_RCODE_NOERROR, an, 2, NULL, 0, NULL, 0);
	t_free(&r);
}

/* A wildcard MX pool is one pool: every synthesised name takes its turn. */
Test(chain, wildcard_pool_one_counter)
{
	static const char *const names[] = {"a.wp.chain.test.", "b.wp.chain.test.",
					    "A.B.wp.chain.test.", "*.wp.chain.test."};
	static const char *const m[] = {"m1.chain.test.", "m2.chain.test."};
	static const char *const a[] = {"192.0.2.21", "192.0.2.22"};
	for (size_t k = 0; k < T_N(names); k++) {
		char rd0[64], rd1[64];
		snprintf(rd0, sizeof(rd0), "10 %s", m[k % 2]);
		snprintf(rd1, sizeof(rd1), "11 %s", m[(k + 1) % 2]);
		struct t_rr an[] = {
		    {names[k], LDNS_RR_TYPE_MX, 300, rd0},
		    {names[k], LDNS_RR_TYPE_MX, 300, rd1},
		    {names[k], LDNS_RR_TYPE_MX, 300, "20 m3.chain.test."},
		};
		struct t_rr ad[] = {
		    {m[k % 2], LDNS_RR_TYPE_A, 300, a[k % 2]},
		    {m[(k + 1) % 2], LDNS_RR_TYPE_A, 300, a[(k + 1) % 2]},
		    {"m3.chain.test.", LDNS_RR_TYPE_A, 300, "192.0.2.23"},
		};
		struct t_resp r;
		ask(&r, names[k], LDNS_RR_TYPE_MX);
		expect_full(&r, LDNS_RCODE_NOERROR, an, 3, NULL, 0, ad, 3);
		t_free(&r);
	}
}

/* An existing name blocks the wildcard at and below it (RFC 4592 §2.2.1). */
Test(chain, wildcard_blocked_by_existing_name)
{
	struct t_resp r;
	ask(&r, "exists.wp.chain.test.", LDNS_RR_TYPE_MX);
	expect_full(&r, LDNS_RCODE_NOERROR, NULL, 0, &soa, 1, NULL, 0);
	t_free(&r);
	ask(&r, "x.exists.wp.chain.test.", LDNS_RR_TYPE_MX);
	expect_full(&r, LDNS_RCODE_NXDOMAIN, NULL, 0, &soa, 1, NULL, 0);
	t_free(&r);
}

/* ---- zone cut ---- */

/* DS at the cut is the parent's: NODATA here (RFC 4035 §3.1.4.1); any
 * other type at or below it is a referral. */
Test(chain, ds_at_cut_from_parent)
{
	struct t_resp r;
	ask(&r, "sub.chain.test.", LDNS_RR_TYPE_DS);
	expect_full(&r, LDNS_RCODE_NOERROR, NULL, 0, &soa, 1, NULL, 0);
	t_free(&r);
	static const struct t_rr ns = {"sub.chain.test.", LDNS_RR_TYPE_NS, 600,
				       "ns.sub.chain.test."};
	ask(&r, "www.sub.chain.test.", LDNS_RR_TYPE_DS);
	t_expect_header(&r, LDNS_RCODE_NOERROR, false, false);
	cr_assert_eq(r.an, 0);
	t_expect_section(&r, LDNS_SECTION_AUTHORITY, &ns, 1);
	t_free(&r);
}

/* ---- query types ---- */

/* ANY: one RRset of the name (RFC 8482 §4.2). */
Test(chain, any_gets_one_rrset)
{
	static const struct t_rr one_a = {"one.chain.test.", LDNS_RR_TYPE_A, 300, "192.0.2.1"};
	static const struct t_rr one_aaaa = {"one.chain.test.", LDNS_RR_TYPE_AAAA, 400,
					     "2001:db8::1"};
	struct t_resp r;
	ask(&r, "one.chain.test.", LDNS_RR_TYPE_ANY);
	t_expect_header(&r, LDNS_RCODE_NOERROR, true, false);
	t_expect_question(&r);
	cr_assert_eq(r.an, 1, "ANCOUNT %u: more than one RRset?", r.an);
	ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(r.pkt), 0);
	t_expect_rr(rr, ldns_rr_get_type(rr) == LDNS_RR_TYPE_A ? &one_a : &one_aaaa, "answer", 0);
	t_free(&r);
}

/* Zone transfers need TCP and type 0 is no type: NOTIMP with the question,
 * AA clear, OPT when the query had one. */
Test(chain, meta_types_notimp)
{
	static const uint16_t types[] = {LDNS_RR_TYPE_AXFR, LDNS_RR_TYPE_IXFR, 0};
	for (size_t i = 0; i < T_N(types); i++) {
		for (int edns = 0; edns <= 1; edns++) {
			struct t_buf b = {.n = 0};
			tb_header(&b, T_ID, 0x0100, 1, 0, 0, (uint16_t)edns);
			tb_name(&b, "chain.test.");
			tb_u16(&b, types[i]);
			tb_u16(&b, LDNS_RR_CLASS_IN);
			if (edns)
				tb_opt(&b, 1232, 0, 0, 0);
			struct t_resp r;
			t_send(&r, w, img, b.b, b.n, T_CAP);
			t_expect_header(&r, LDNS_RCODE_NOTIMPL, false, false);
			t_expect_question(&r);
			cr_assert_eq(r.an, 0);
			cr_assert_eq(r.ns, 0);
			cr_assert_eq(r.ar, edns);
			t_expect_edns(&r, edns, false, 0);
			t_free(&r);
		}
	}
	cr_assert_eq(w->stats.rcode[LDNS_RCODE_NOTIMPL], 6);
}

/* ---- CHAOS ---- */

static void expect_chaos_txt(const struct t_resp *r, const char *owner, const char *text)
{
	t_expect_header(r, LDNS_RCODE_NOERROR, true, false);
	t_expect_question(r);
	cr_assert_eq(r->an, 1);
	cr_assert_eq(r->ns, 0);
	ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(r->pkt), 0);
	ldns_rdf *o = ldns_dname_new_frm_str(owner);
	cr_assert_eq(ldns_dname_compare(ldns_rr_owner(rr), o), 0, "CHAOS owner");
	ldns_rdf_deep_free(o);
	cr_assert_eq(ldns_rr_get_type(rr), LDNS_RR_TYPE_TXT);
	cr_assert_eq(ldns_rr_get_class(rr), LDNS_RR_CLASS_CH);
	cr_assert_str_eq(t_rdata_str(rr), text);
}

Test(chain, chaos_identity_and_version)
{
	struct mxlb_image_opts opts;
	t_opts(&opts);
	opts.identity = "ns1.mxlb.test";
	opts.version = "mxlb 0.1";
	const char *file = "chain.zone";
	struct mxlb_image *cimg = t_load_opts(&file, 1, &opts);
	struct mxlb_worker *cw = t_worker(cimg, 0, 1);
	static const struct {
		const char *name;
		const char *text;
	} c[] = {
	    {"id.server.", "\"ns1.mxlb.test\""},
	    {"HOSTNAME.BIND.", "\"ns1.mxlb.test\""},
	    {"version.bind.", "\"mxlb 0.1\""},
	    {"version.server.", "\"mxlb 0.1\""},
	};
	for (size_t i = 0; i < T_N(c); i++) {
		struct t_resp r;
		struct t_query q = {
		    .name = c[i].name, .type = LDNS_RR_TYPE_TXT, .qclass = LDNS_RR_CLASS_CH};
		t_ask(&r, cw, cimg, &q);
		expect_chaos_txt(&r, c[i].name, c[i].text);
		t_free(&r);
	}
	/* other CHAOS names and types: REFUSED */
	struct t_resp r;
	struct t_query q = {.name = "authors.bind.", .type = LDNS_RR_TYPE_TXT, .qclass = 3};
	t_ask(&r, cw, cimg, &q);
	t_expect_header(&r, LDNS_RCODE_REFUSED, false, false);
	t_free(&r);
	q.name = "version.bind.";
	q.type = LDNS_RR_TYPE_A;
	t_ask(&r, cw, cimg, &q);
	t_expect_header(&r, LDNS_RCODE_REFUSED, false, false);
	t_free(&r);
	t_worker_free(cw);
	t_image_free(cimg);
}

/* Without identity or version configured, CHAOS gets REFUSED. */
Test(chain, chaos_refused_by_default)
{
	struct t_resp r;
	struct t_query q = {
	    .name = "version.bind.", .type = LDNS_RR_TYPE_TXT, .qclass = LDNS_RR_CLASS_CH};
	t_ask(&r, w, img, &q);
	t_expect_header(&r, LDNS_RCODE_REFUSED, false, false);
	t_expect_question(&r);
	cr_assert_eq(r.an, 0);
	t_free(&r);
}
