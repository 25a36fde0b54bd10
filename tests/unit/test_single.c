/* The additional section of one-record MX and SRV RRsets follows run-time
 * edits of their exchange's or target's address pools (glue.h: glue-only
 * pools): members added and removed, down members left out, drained ones
 * listed after the up ones, all of them when none is up; owners with the
 * same single MX share one rebuild; pools, preview and edits still see
 * one-record RRsets (member add makes a real pool, weight and all-down are
 * refused, state edits skip them); journal replay gives the same answers.
 *
 * Zone: written by make_zone below, into a directory of its own. Every
 * response is parsed with ldns and checked record by record. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "edit.h"
#include "helpers.h"
#include "journal.h"
#include "show.h"
#include "text.h"

#define MX   LDNS_RR_TYPE_MX
#define SRV  LDNS_RR_TYPE_SRV
#define A    LDNS_RR_TYPE_A
#define AAAA LDNS_RR_TYPE_AAAA

#define S(h)	  h ".single.test."
#define SRVNAME	  "_smtp._tcp.single.test."
#define ADDR_TTL  600
#define MX_TTL	  300
#define NCUST	  2000 /* customer domains with the same single MX as the apex */
#define ARGV(...) ((const char *const[]){__VA_ARGS__})
#define NARG(...) ((int)T_N(ARGV(__VA_ARGS__)))

/* The RRsets:
 *   single.test., c0 .. c1999  MX   10 mx1        (one record, identical)
 *   _smtp._tcp                 SRV  10 0 25 mx2   (one record)
 *   pool                       MX   10 mx1, 20 mx2 (a pool)
 *   plain                      MX   10 mx3        (one record; mx3 has one A)
 *   mx1  A 198.51.100.11, .12 (pool); AAAA 2001:db8::11, ::12 (pool)
 *   mx2  A 198.51.100.21, .22 (pool); AAAA 2001:db8::21 (one record)
 *   mx3  A 198.51.100.31 (one record) */
static char zdir[64], zpath[128];

static void make_zone(void)
{
	snprintf(zdir, sizeof(zdir), "/tmp/mxlb-single-XXXXXX");
	cr_assert_not_null(mkdtemp(zdir));
	snprintf(zpath, sizeof(zpath), "%s/single.zone", zdir);
	FILE *f = fopen(zpath, "w");
	cr_assert_not_null(f);
	fprintf(f,
		"$ORIGIN single.test.\n$TTL %d\n"
		"@ IN SOA ns1 admin 1 3600 600 86400 300\n"
		"@ IN NS ns1\nns1 IN A 192.0.2.1\n"
		"@ IN MX 10 mx1\n"
		"_smtp._tcp IN SRV 10 0 25 mx2\n"
		"pool IN MX 10 mx1\npool IN MX 20 mx2\n"
		"plain IN MX 10 mx3\n",
		MX_TTL);
	for (int i = 0; i < NCUST; i++)
		fprintf(f, "c%d IN MX 10 mx1\n", i);
	fprintf(f,
		"mx1 %d IN A 198.51.100.11\nmx1 %d IN A 198.51.100.12\n"
		"mx1 %d IN AAAA 2001:db8::11\nmx1 %d IN AAAA 2001:db8::12\n"
		"mx2 %d IN A 198.51.100.21\nmx2 %d IN A 198.51.100.22\n"
		"mx2 %d IN AAAA 2001:db8::21\n"
		"mx3 %d IN A 198.51.100.31\n",
		ADDR_TTL, ADDR_TTL, ADDR_TTL, ADDR_TTL, ADDR_TTL, ADDR_TTL, ADDR_TTL, ADDR_TTL);
	cr_assert_eq(fclose(f), 0);
}

static void drop_zone(void)
{
	unlink(zpath);
	rmdir(zdir);
}

static struct mxlb_image *load(void)
{
	struct mxlb_image_opts opts;
	struct mxlb_image *img = NULL;
	char err[512] = "";
	const char *files[1] = {zpath};
	t_opts(&opts);
	int rc = mxlb_image_load(&img, files, 1, &opts, err, sizeof(err));
	cr_assert_eq(rc, 0, "mxlb_image_load = %d: %s", rc, err);
	t_image_track(img, NULL);
	return img;
}

static void free_image(struct mxlb_image *img)
{
	t_image_untrack(img);
	mxlb_image_free(img);
}

static char msg[512];

/* Applies a change that must be accepted and publishes it (what mxlbd does
 * once no worker reads the old version). */
static void step_at(int line, struct mxlb_image **img, int argc, const char *const *argv)
{
	struct mxlb_image *next = NULL;
	int rc = mxlb_edit_apply(*img, argc, argv, &next, msg, sizeof(msg));
	cr_assert_eq(rc, MXLB_EDIT_APPLIED, "line %d: %s: rc %d: %s", line, argv[0], rc, msg);
	mxlb_image_commit(next);
	t_image_untrack(*img);
	mxlb_image_retire(*img, next);
	t_image_track(next, NULL);
	*img = next;
}

/* A change that must be refused with RC; MSG receives the reason. */
static void refused_at(int line, const struct mxlb_image *img, int want, int argc,
		       const char *const *argv)
{
	struct mxlb_image *next = NULL;
	int rc = mxlb_edit_apply(img, argc, argv, &next, msg, sizeof(msg));
	cr_assert_eq(rc, want, "line %d: %s: rc %d: %s", line, argv[0], rc, msg);
	cr_assert_null(next);
}

#define STEP(img, ...)	      step_at(__LINE__, img, NARG(__VA_ARGS__), ARGV(__VA_ARGS__))
#define REFUSED(img, rc, ...) refused_at(__LINE__, img, rc, NARG(__VA_ARGS__), ARGV(__VA_ARGS__))

/* The ref value answering OWNER TYPE in IMG. */
static uint32_t ref_of(const struct mxlb_image *img, const char *owner, uint16_t type)
{
	ldns_rdf *d = ldns_dname_new_frm_str(owner);
	cr_assert_not_null(d);
	ldns_dname2canonical(d);
	const struct mxlb_node *n = NULL;
	for (uint32_t i = 0; i < img->base->nnodes && !n; i++)
		if (img->nodes[i].name_len == ldns_rdf_size(d) &&
		    memcmp(img->names + img->nodes[i].name, ldns_rdf_data(d), ldns_rdf_size(d)) ==
			0)
			n = &img->nodes[i];
	ldns_rdf_deep_free(d);
	cr_assert_not_null(n, "no node %s", owner);
	for (uint16_t i = 0; i < n->nrefs; i++)
		if (img->refs[n->refs + i].type == type)
			return img->refs[n->refs + i].val;
	cr_assert_fail("%s has no type %u", owner, type);
	return 0;
}

/* The pool answering OWNER TYPE, NULL for a fixed block. */
static const struct mxlb_cpool *pool_of(const struct mxlb_image *img, const char *owner,
					uint16_t type)
{
	uint32_t val = ref_of(img, owner, type);
	return val & MXLB_REF_POOL ? img->pools[val & MXLB_REF_IDX] : NULL;
}

/* ---- expected additional sections ---- */

/* The addresses an A and an AAAA query of the exchange answer, in the order
 * the additional section lists them. */
struct addrs {
	const char *host;
	const char *a[8], *aaaa[8];
	size_t na, naaaa;
};

static size_t glue_of(const struct addrs *x, struct t_rr *ad, size_t nad)
{
	for (size_t i = 0; i < x->na; i++)
		ad[nad++] = (struct t_rr){x->host, A, ADDR_TTL, x->a[i]};
	for (size_t i = 0; i < x->naaaa; i++)
		ad[nad++] = (struct t_rr){x->host, AAAA, ADDR_TTL, x->aaaa[i]};
	return nad;
}

/* Asks OWNER TYPE and checks the whole response: the one record RDATA in
 * the answer, nothing in authority, exactly X's glue in the additional
 * section; then that the glue is what the address queries answer. */
static void check_at(int line, struct mxlb_worker *w, const struct mxlb_image *img,
		     const char *owner, uint16_t type, const char *rdata, const struct addrs *x)
{
	struct t_query q = {.name = owner, .type = type};
	struct t_resp r;
	struct t_rr an = {owner, type, MX_TTL, rdata}, ad[16];
	size_t nad = glue_of(x, ad, 0);

	t_ask(&r, w, img, &q);
	cr_assert_eq(r.ar, nad, "line %d: %s: ARCOUNT %u, expected %zu", line, owner, r.ar, nad);
	t_expect_answer(&r, &an, 1, ad, nad);
	t_free(&r);
	static const uint16_t types[] = {A, AAAA};
	for (size_t t = 0; t < 2; t++) {
		struct t_query qa = {.name = x->host, .type = types[t]};
		size_t lo = t == 0 ? 0 : x->na, n = t == 0 ? x->na : x->naaaa;
		t_ask(&r, w, img, &qa);
		cr_assert_eq(r.an, n, "line %d: %s type %u: %u answers, glue has %zu", line,
			     x->host, types[t], r.an, n);
		t_expect_section_set(&r, LDNS_SECTION_ANSWER, ad + lo, n);
		t_free(&r);
	}
}

#define CHECK(w, img, owner, type, rdata, x) check_at(__LINE__, w, img, owner, type, rdata, x)

/* The apex, a few customer domains and the SRV. */
static void check_all(int line, struct mxlb_worker *w, const struct mxlb_image *img,
		      const struct addrs *mx1, const struct addrs *mx2)
{
	static const char *const owners[] = {"single.test.", S("c0"), S("c999"), S("c1999")};
	for (size_t i = 0; i < T_N(owners); i++)
		check_at(line, w, img, owners[i], MX, "10 mx1.single.test.", mx1);
	check_at(line, w, img, SRVNAME, SRV, "10 0 25 mx2.single.test.", mx2);
}

#define CHECK_ALL(w, img, mx1, mx2) check_all(__LINE__, w, img, mx1, mx2)

static const struct addrs mx1_zone = {S("mx1"),
				      {"198.51.100.11", "198.51.100.12"},
				      {"2001:db8::11", "2001:db8::12"},
				      2,
				      2},
			  mx2_zone = {
			      S("mx2"), {"198.51.100.21", "198.51.100.22"}, {"2001:db8::21"}, 2, 1};

TestSuite(single_glue, .init = make_zone, .fini = drop_zone);

/* ======================================================================
 * Load: one shared glue-only pool for the identical single MX, one for the
 * SRV; the single MX whose exchange has one address stays a fixed block.
 * ====================================================================== */

Test(single_glue, load)
{
	struct mxlb_image *img = load();
	struct mxlb_worker *w = t_worker(img, 0, 1);

	const struct mxlb_cpool *apex = pool_of(img, "single.test.", MX);
	cr_assert_not_null(apex);
	cr_assert(apex->glue_only);
	cr_assert_eq(apex->nmembers, 1);
	cr_assert_eq(apex->sharers, NCUST + 1);
	for (int i = 0; i < NCUST; i += 97) {
		char owner[64];
		snprintf(owner, sizeof(owner), "c%d.single.test.", i);
		cr_assert_eq(pool_of(img, owner, MX), apex, "%s", owner);
	}
	const struct mxlb_cpool *srv = pool_of(img, SRVNAME, SRV);
	cr_assert(srv && srv->glue_only && srv != apex);
	cr_assert_null(pool_of(img, S("plain"), MX));
	cr_assert(!pool_of(img, S("pool"), MX)->glue_only);
	/* pool MX, mx1 A, mx1 AAAA, mx2 A; and the two glue-only ones */
	cr_assert_eq(mxlb_image_pool_count(img), 4);
	cr_assert_eq(img->npools, 6);
	cr_assert(strstr(t_log_text(), "2002 one-record MX/SRV RRsets (2 distinct) take their "
				       "additional section from address pools"),
		  "%s", t_log_text());
	CHECK_ALL(w, img, &mx1_zone, &mx2_zone);
	t_worker_free(w);
	free_image(img);
}

/* ======================================================================
 * Edits of the address pools
 * ====================================================================== */

Test(single_glue, member_add_del)
{
	struct mxlb_image *img = load();
	struct mxlb_worker *w = t_worker(img, 0, 1);
	const struct mxlb_cpool *before = pool_of(img, "single.test.", MX);

	STEP(&img, "member", "add", S("mx1"), "A", "198.51.100.13");
	cr_assert_str_eq(msg, "version 2: added to mx1.single.test. A 198.51.100.13: 3 members; "
			      "additional section updated in 1 MX/SRV pool and 1 one-record "
			      "MX/SRV answer");
	/* one rebuild for every owner: still one shared pool */
	const struct mxlb_cpool *apex = pool_of(img, "single.test.", MX);
	cr_assert_neq(apex, before);
	cr_assert(apex->glue_only);
	cr_assert_eq(pool_of(img, S("c1234"), MX), apex);
	struct addrs mx1 = {S("mx1"),
			    {"198.51.100.11", "198.51.100.12", "198.51.100.13"},
			    {"2001:db8::11", "2001:db8::12"},
			    3,
			    2};
	CHECK_ALL(w, img, &mx1, &mx2_zone);

	STEP(&img, "member", "add", S("mx1"), "AAAA", "2001:db8::13");
	mx1.aaaa[2] = "2001:db8::13";
	mx1.naaaa = 3;
	CHECK_ALL(w, img, &mx1, &mx2_zone);

	STEP(&img, "member", "del", S("mx1"), "A", "198.51.100.11");
	mx1.a[0] = "198.51.100.12", mx1.a[1] = "198.51.100.13", mx1.na = 2;
	CHECK_ALL(w, img, &mx1, &mx2_zone);

	/* the SRV target's AAAA is one record: it grows into a pool */
	STEP(&img, "member", "add", S("mx2"), "AAAA", "2001:db8::22");
	cr_assert(strstr(msg, "; additional section updated in 1 MX/SRV pool and 1 one-record "
			      "MX/SRV answer"),
		  "%s", msg);
	struct addrs mx2 = mx2_zone;
	mx2.aaaa[1] = "2001:db8::22", mx2.naaaa = 2;
	CHECK_ALL(w, img, &mx1, &mx2);
	t_worker_free(w);
	free_image(img);
}

Test(single_glue, member_states)
{
	struct mxlb_image *img = load();
	struct mxlb_worker *w = t_worker(img, 0, 1);
	struct addrs mx1 = mx1_zone, mx2 = mx2_zone;

	STEP(&img, "down", "198.51.100.11");
	cr_assert_str_eq(msg, "version 2: down 198.51.100.11: 1 member in 1 pool; additional "
			      "section updated in 1 MX/SRV pool and 1 one-record MX/SRV answer");
	mx1.a[0] = "198.51.100.12", mx1.na = 1;
	CHECK_ALL(w, img, &mx1, &mx2);

	/* drained: after the up members */
	STEP(&img, "up", "198.51.100.11");
	STEP(&img, "drain", "198.51.100.11");
	mx1.a[0] = "198.51.100.12", mx1.a[1] = "198.51.100.11", mx1.na = 2;
	CHECK_ALL(w, img, &mx1, &mx2);

	/* none up: all of them, in member order */
	STEP(&img, "down", "198.51.100.12");
	mx1.a[0] = "198.51.100.11", mx1.a[1] = "198.51.100.12";
	CHECK_ALL(w, img, &mx1, &mx2);
	STEP(&img, "up", "198.51.100.12");
	STEP(&img, "undrain", "198.51.100.11");
	CHECK_ALL(w, img, &mx1_zone, &mx2);

	/* AAAA, and the SRV's target */
	STEP(&img, "down", "2001:db8::11");
	mx1 = mx1_zone;
	mx1.aaaa[0] = "2001:db8::12", mx1.naaaa = 1;
	STEP(&img, "drain", "198.51.100.21");
	cr_assert_str_eq(msg, "version 9: drain 198.51.100.21: 1 member in 1 pool; additional "
			      "section updated in 1 MX/SRV pool and 1 one-record MX/SRV answer");
	mx2.a[0] = "198.51.100.22", mx2.a[1] = "198.51.100.21";
	CHECK_ALL(w, img, &mx1, &mx2);

	/* a change that leaves the listings as they were rebuilds nothing */
	const struct mxlb_cpool *apex = pool_of(img, "single.test.", MX);
	STEP(&img, "weight", S("mx1"), "A", "198.51.100.11", "3");
	cr_assert_str_eq(msg, "version 10: weight set in mx1.single.test. A 198.51.100.11: 2 "
			      "members");
	cr_assert_eq(pool_of(img, "single.test.", MX), apex);
	CHECK_ALL(w, img, &mx1, &mx2);
	t_worker_free(w);
	free_image(img);
}

/* A single MX whose exchange has one address in the zone file stays a
 * fixed block: it keeps that address when the RRset grows into a pool. */
Test(single_glue, one_address_stays_fixed)
{
	struct mxlb_image *img = load();
	struct mxlb_worker *w = t_worker(img, 0, 1);
	const struct addrs mx3 = {S("mx3"), {"198.51.100.31"}, {NULL}, 1, 0};

	STEP(&img, "member", "add", S("mx3"), "A", "198.51.100.32");
	cr_assert_str_eq(msg, "version 2: added to mx3.single.test. A 198.51.100.32: 2 members");
	cr_assert_null(pool_of(img, S("plain"), MX));
	struct t_query q = {.name = S("plain"), .type = MX};
	struct t_resp r;
	struct t_rr an = {S("plain"), MX, MX_TTL, "10 mx3.single.test."}, ad[4];
	t_ask(&r, w, img, &q);
	t_expect_answer(&r, &an, 1, ad, glue_of(&mx3, ad, 0));
	t_free(&r);
	t_worker_free(w);
	free_image(img);
}

/* ======================================================================
 * What pools, preview and edits see: one-record RRsets
 * ====================================================================== */

Test(single_glue, hidden_from_pools)
{
	struct mxlb_image *img = load();
	struct mxlb_text t = {0};
	static const unsigned lcores[] = {1};

	cr_assert_eq(mxlb_show_pools(&t, img, 0, NULL, false), 0);
	const char *s = mxlb_text_str(&t);
	cr_assert(strncmp(s, "version 1: 4 pools\n", 19) == 0, "%s", s);
	for (unsigned k = 0; k < 4; k++) {
		char head[16];
		snprintf(head, sizeof(head), "pool %u: ", k);
		cr_assert(strstr(s, head), "no %s in %s", head, s);
	}
	cr_assert_null(strstr(s, "pool 4: "), "%s", s);
	cr_assert_null(strstr(s, "c0.single.test."), "%s", s);
	cr_assert_null(strstr(s, "_smtp"), "%s", s);
	mxlb_text_reset(&t);
	cr_assert_eq(mxlb_show_pools(&t, img, 0, NULL, true), 0);
	cr_assert_null(strstr(mxlb_text_str(&t), "\"id\":4"), "%s", mxlb_text_str(&t));
	cr_assert_null(strstr(mxlb_text_str(&t), "_smtp"), "%s", mxlb_text_str(&t));

	mxlb_text_reset(&t);
	cr_assert_eq(mxlb_show_pools(&t, img, 2, ARGV("single.test.", "MX"), false), -ENOENT);
	cr_assert_str_eq(mxlb_text_str(&t), "single.test. has no MX pool (no such RRset of two "
					    "or more records)");
	mxlb_text_reset(&t);
	cr_assert_eq(mxlb_show_pools(&t, img, 1, ARGV(SRVNAME), false), -ENOENT);
	mxlb_text_reset(&t);
	cr_assert_eq(mxlb_show_preview(&t, img, lcores, 1, 2, ARGV(S("c7"), "MX"), false), -ENOENT);

	/* edits: one record */
	REFUSED(img, -EINVAL, "weight", S("c7"), "MX", "10 mx1", "2");
	cr_assert_str_eq(msg, "c7.single.test. MX has one record: weights apply to pools");
	REFUSED(img, -EINVAL, "all-down", S("c7"), "MX", "null");
	cr_assert_str_eq(msg, "c7.single.test. MX has one record: the all-down policy is a "
			      "pool's");
	REFUSED(img, -EPERM, "member", "del", S("c7"), "MX", "10 mx1");
	/* state edits skip them: the exchange is in the one real pool only */
	STEP(&img, "down", S("mx1"));
	cr_assert_str_eq(msg, "version 2: down mx1.single.test.: 1 member in 1 pool");
	REFUSED(img, -ENOENT, "drain", S("mx3"));
	struct mxlb_worker *w = t_worker(img, 0, 1);
	CHECK_ALL(w, img, &mx1_zone, &mx2_zone);
	t_worker_free(w);
	mxlb_text_free(&t);
	free_image(img);
}

/* member add on a one-record MX answered by the shared glue-only pool gives
 * that owner a pool of its own; the others keep sharing. */
Test(single_glue, member_add_makes_pool)
{
	struct mxlb_image *img = load();
	struct mxlb_worker *w = t_worker(img, 0, 1);
	const struct mxlb_cpool *shared = pool_of(img, S("c5"), MX);

	STEP(&img, "member", "add", S("c5"), "MX", "20 mx3");
	cr_assert_str_eq(msg, "version 2: added to c5.single.test. MX 20 mx3: 2 members");
	const struct mxlb_cpool *p = pool_of(img, S("c5"), MX);
	cr_assert(p && !p->glue_only && p != shared);
	cr_assert_eq(p->nmembers, 2);
	cr_assert_eq(p->sharers, 1);
	cr_assert_eq(pool_of(img, S("c6"), MX), shared);
	cr_assert_eq(mxlb_image_pool_count(img), 5);

	struct mxlb_text t = {0};
	cr_assert_eq(mxlb_show_pools(&t, img, 2, ARGV(S("c5"), "MX"), false), 0);
	const char *s = mxlb_text_str(&t);
	const char *want = "version 2: 1 pool\npool 4: c5.single.test. MX, mode prefer, 1 owner,";
	cr_assert(strncmp(s, want, strlen(want)) == 0, "%s", s);
	mxlb_text_reset(&t);
	cr_assert_eq(mxlb_show_pools(&t, img, 0, NULL, false), 0);
	cr_assert(strncmp(mxlb_text_str(&t), "version 2: 5 pools\n", 19) == 0, "%s",
		  mxlb_text_str(&t));
	mxlb_text_free(&t);

	/* the new pool's answer: both exchanges, glue of both */
	struct t_query q = {.name = S("c5"), .type = MX};
	struct t_resp r;
	struct t_rr an[] = {{S("c5"), MX, MX_TTL, "10 mx1.single.test."},
			    {S("c5"), MX, MX_TTL, "20 mx3.single.test."}};
	struct t_rr ad[] = {{S("mx1"), A, ADDR_TTL, "198.51.100.11"},
			    {S("mx1"), A, ADDR_TTL, "198.51.100.12"},
			    {S("mx1"), AAAA, ADDR_TTL, "2001:db8::11"},
			    {S("mx1"), AAAA, ADDR_TTL, "2001:db8::12"},
			    {S("mx3"), A, ADDR_TTL, "198.51.100.31"}};
	t_ask(&r, w, img, &q);
	t_expect_answer(&r, an, 2, ad, T_N(ad));
	t_free(&r);
	CHECK_ALL(w, img, &mx1_zone, &mx2_zone);

	/* an address edit now rebuilds c5's pool too, and the shared one once */
	STEP(&img, "down", "198.51.100.12");
	cr_assert_str_eq(msg, "version 3: down 198.51.100.12: 1 member in 1 pool; additional "
			      "section updated in 2 MX/SRV pools and 1 one-record MX/SRV answer");
	struct addrs mx1 = mx1_zone;
	mx1.na = 1;
	CHECK_ALL(w, img, &mx1, &mx2_zone);
	t_worker_free(w);
	free_image(img);
}

/* ======================================================================
 * Journal replay: the same changes over the zone give the same answers.
 * ====================================================================== */

Test(single_glue, journal_replay)
{
	const struct {
		int argc;
		const char *const *argv;
	} changes[] = {
	    {5, ARGV("member", "add", S("mx1"), "A", "198.51.100.13")},
	    {2, ARGV("down", "198.51.100.11")},
	    {2, ARGV("drain", "198.51.100.21")},
	    {5, ARGV("member", "add", S("c5"), "MX", "20 mx3")},
	    {5, ARGV("member", "add", S("mx2"), "AAAA", "2001:db8::22")},
	    {5, ARGV("member", "del", S("mx1"), "AAAA", "2001:db8::11")},
	};
	char dir[] = "/tmp/mxlb-single-j-XXXXXX", path[64], err[512] = "", note[512] = "";
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/journal", dir);

	struct mxlb_journal j;
	struct t_replay none = {0};
	cr_assert_eq(
	    mxlb_journal_open(&j, path, t_replay_edit, &none, note, sizeof(note), err, sizeof(err)),
	    0, "%s", err);
	struct mxlb_image *live = load();
	for (size_t i = 0; i < T_N(changes); i++) {
		step_at(__LINE__, &live, changes[i].argc, changes[i].argv);
		cr_assert_eq(mxlb_journal_append(&j, changes[i].argc, changes[i].argv), 0);
	}
	mxlb_journal_close(&j);

	/* at the next start or zone reload: the zone, then the journal */
	struct t_replay r = {.img = load()};
	cr_assert_eq(
	    mxlb_journal_open(&j, path, t_replay_edit, &r, note, sizeof(note), err, sizeof(err)), 0,
	    "%s", err);
	mxlb_journal_close(&j);
	unlink(path);
	rmdir(dir);
	cr_assert_eq(r.applied, (int)T_N(changes));
	cr_assert_eq(r.img->version, live->version);
	cr_assert_eq(pool_of(r.img, S("c6"), MX), pool_of(r.img, "single.test.", MX));

	struct addrs mx1 = {S("mx1"), {"198.51.100.12", "198.51.100.13"}, {"2001:db8::12"}, 2, 1};
	struct addrs mx2 = {
	    S("mx2"), {"198.51.100.22", "198.51.100.21"}, {"2001:db8::21", "2001:db8::22"}, 2, 2};
	struct mxlb_worker *wl = t_worker(live, 0, 1), *wr = t_worker(r.img, 0, 1);
	CHECK_ALL(wl, live, &mx1, &mx2);
	CHECK_ALL(wr, r.img, &mx1, &mx2);
	static const struct {
		const char *owner;
		uint16_t type;
	} qs[] = {{"single.test.", MX}, {S("c42"), MX},	 {S("c5"), MX},
		  {SRVNAME, SRV},	{S("pool"), MX}, {S("plain"), MX}};
	for (size_t k = 0; k < 3; k++)
		for (size_t i = 0; i < T_N(qs); i++) {
			struct t_query q = {.name = qs[i].owner, .type = qs[i].type};
			struct t_resp x, y;
			t_ask(&x, wl, live, &q);
			t_ask(&y, wr, r.img, &q);
			t_same_section(&x, &y, LDNS_SECTION_ANSWER);
			t_same_section(&x, &y, LDNS_SECTION_ADDITIONAL);
			t_free(&x);
			t_free(&y);
		}
	t_worker_free(wl);
	t_worker_free(wr);
	free_image(live);
	free_image(r.img);
}
