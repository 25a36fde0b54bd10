/* The additional section of MX and SRV answers follows run-time edits of the
 * address pools of their exchanges and targets (glue.h): members added and
 * removed, down members left out, drained ones listed after the up ones, a
 * pool with no member up listing all of them, a one-record RRset grown into a
 * pool, a shared address pool, shared MX pools rebuilt once; unrelated edits
 * rebuild nothing; journal replay gives the same glue; glue is dropped, never
 * the answer, at the size limits.
 *
 * Zone: tests/unit/data/glue.zone (its header lists the RRsets). Expected
 * additional sections come from a model of each exchange's addresses written
 * out in the tests, in the answer's order as ldns parses it; every record is
 * checked through ldns, and each glue RRset is also compared with what an A
 * or AAAA query for its name answers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "edit.h"
#include "helpers.h"
#include "journal.h"

#define MX   LDNS_RR_TYPE_MX
#define SRV  LDNS_RR_TYPE_SRV
#define A    LDNS_RR_TYPE_A
#define AAAA LDNS_RR_TYPE_AAAA

#define G(h)	  h ".glue.test."
#define APEX	  "glue.test."
#define ADDR_TTL  600
#define ARGV(...) ((const char *const[]){__VA_ARGS__})
#define NARG(...) ((int)T_N(ARGV(__VA_ARGS__)))

static struct mxlb_image *load_path(const char *path)
{
	struct mxlb_image_opts opts;
	struct mxlb_image *img = NULL;
	char err[512] = "";
	const char *files[1] = {path};
	t_opts(&opts);
	int rc = mxlb_image_load(&img, files, 1, &opts, err, sizeof(err));
	cr_assert_eq(rc, 0, "mxlb_image_load(%s) = %d: %s", path, rc, err);
	t_image_track(img, NULL);
	return img;
}

static struct mxlb_image *load(void)
{
	return load_path(t_path("glue.zone"));
}

static void free_image(struct mxlb_image *img)
{
	t_image_untrack(img);
	mxlb_image_free(img);
}

/* Applies a change that must be accepted; MSG receives its message. Returns
 * the new version, not yet published. */
static struct mxlb_image *apply_at(int line, const struct mxlb_image *cur, char *msg, int argc,
				   const char *const *argv)
{
	struct mxlb_image *next = NULL;
	int rc = mxlb_edit_apply(cur, argc, argv, &next, msg, 512);
	cr_assert_eq(rc, MXLB_EDIT_APPLIED, "line %d: %s: rc %d: %s", line, argv[0], rc, msg);
	cr_assert_not_null(next);
	t_image_track(next, cur);
	return next;
}

/* What mxlbd does once no worker reads *IMG any more: NEXT replaces it. */
static void publish(struct mxlb_image **img, struct mxlb_image *next)
{
	mxlb_image_commit(next);
	mxlb_image_retire(*img, next);
	t_image_untrack(*img);
	t_image_untrack(next);
	t_image_track(next, NULL);
	*img = next;
}

static char msg[512];

#define APPLY(cur, ...) apply_at(__LINE__, cur, msg, NARG(__VA_ARGS__), ARGV(__VA_ARGS__))
#define STEP(img, ...)	publish(img, APPLY(*(img), __VA_ARGS__))

/* The pool answering OWNER TYPE in IMG (the test knows it is one). */
static const struct mxlb_cpool *pool_of(const struct mxlb_image *img, const char *owner,
					uint16_t type)
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
	for (uint16_t i = 0; i < n->nrefs; i++) {
		const struct mxlb_rrref *r = &img->refs[n->refs + i];
		if (r->type != type)
			continue;
		uint32_t val = n->refs + i == img->patch.ref ? img->patch.val : r->val;
		cr_assert(val & MXLB_REF_POOL, "%s type %u is not a pool", owner, type);
		return img->pools[val & MXLB_REF_IDX];
	}
	cr_assert_fail("%s has no type %u", owner, type);
	return NULL;
}

/* ---- the model: what each exchange's A and AAAA queries answer ---- */

enum { MX1, MX2, MX3, MX4, MXA, MXB, NHOST };
static const char *const hosts[NHOST] = {G("mx1"), G("mx2"), G("mx3"),
					 G("mx4"), G("mxa"), G("mxb")};

#define ADDR_MAX 128

struct model {
	char a[NHOST][ADDR_MAX][48];
	size_t na[NHOST];
	char aaaa[NHOST][ADDR_MAX][48];
	size_t naaaa[NHOST];
};

static void set_addrs(struct model *m, int h, uint16_t type, size_t n, const char *const *v)
{
	cr_assert_leq(n, ADDR_MAX);
	for (size_t i = 0; i < n; i++)
		snprintf(type == A ? m->a[h][i] : m->aaaa[h][i], 48, "%s", v[i]);
	*(type == A ? &m->na[h] : &m->naaaa[h]) = n;
}

#define SET(m, h, type, ...) set_addrs(m, h, type, T_N(ARGV(__VA_ARGS__)), ARGV(__VA_ARGS__))

/* The zone file's addresses. */
static void model_init(struct model *m)
{
	memset(m, 0, sizeof(*m));
	SET(m, MX1, A, "198.51.100.11", "198.51.100.12");
	SET(m, MX1, AAAA, "2001:db8::11");
	SET(m, MX2, A, "198.51.100.21");
	SET(m, MX3, A, "198.51.100.31");
	SET(m, MX4, A, "198.51.100.41");
	SET(m, MXA, A, "198.51.100.51", "198.51.100.52");
	SET(m, MXB, A, "198.51.100.51", "198.51.100.52");
}

static int host_index(const char *name)
{
	for (int h = 0; h < NHOST; h++)
		if (strcasecmp(hosts[h], name) == 0)
			return h;
	return -1;
}

/* The additional section R should carry per M: the A then AAAA records of
 * each in-zone exchange or target, once, in the order R's answer lists them.
 * Checks on the way that the answer holds exactly the NX exchanges EXCH
 * (any order) as records of OWNER TYPE. Returns the count written to AD. */
static size_t expected_glue(int line, const struct t_resp *r, const char *owner, uint16_t type,
			    const struct model *m, size_t nx, const char *const *exch,
			    struct t_rr *ad, size_t max)
{
	ldns_rr_list *an = ldns_pkt_answer(r->pkt);
	size_t n = an ? ldns_rr_list_rr_count(an) : 0, nad = 0;
	int seen[NHOST] = {0}, used[32] = {0};

	cr_assert_eq(n, nx, "line %d: %s: %zu answer records, expected %zu", line, owner, n, nx);
	for (size_t i = 0; i < n; i++) {
		ldns_rr *rr = ldns_rr_list_rr(an, i);
		char *o = ldns_rdf2str(ldns_rr_owner(rr));
		char *t = ldns_rdf2str(ldns_rr_rdf(rr, ldns_rr_rd_count(rr) - 1));
		cr_assert(o && t && strcasecmp(o, owner) == 0 && ldns_rr_get_type(rr) == type,
			  "line %d: answer[%zu] %s type %u", line, i, o, ldns_rr_get_type(rr));
		size_t k = 0;
		while (k < nx && (used[k] || strcasecmp(exch[k], t) != 0))
			k++;
		cr_assert_lt(k, nx, "line %d: %s: unexpected exchange %s", line, owner, t);
		used[k] = 1;
		int h = host_index(t);
		free(o);
		free(t);
		if (h < 0 || seen[h])
			continue;
		seen[h] = 1;
		for (size_t j = 0; j < m->na[h] + m->naaaa[h]; j++) {
			cr_assert_lt(nad, max);
			int v6 = j >= m->na[h];
			ad[nad++] = (struct t_rr){hosts[h], v6 ? AAAA : A, ADDR_TTL,
						  v6 ? m->aaaa[h][j - m->na[h]] : m->a[h][j]};
		}
	}
	return nad;
}

/* For each exchange in R's additional section, its A records there and its
 * AAAA records there are what an A and an AAAA query for it answer now (any
 * order, the same TTL). Asked from worker WA, so that the caller's counters
 * stay as they are. */
static void check_matches_queries(int line, struct mxlb_worker *wa, const struct mxlb_image *img,
				  const struct t_resp *r)
{
	static const uint16_t types[] = {A, AAAA};
	static char rd[64][64];
	ldns_rr_list *ad = ldns_pkt_additional(r->pkt);
	size_t nad = ad ? ldns_rr_list_rr_count(ad) : 0;

	for (int h = 0; h < NHOST; h++) {
		int present = 0;
		for (size_t i = 0; i < nad; i++) {
			char *o = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ad, i)));
			present |= o && strcasecmp(o, hosts[h]) == 0;
			free(o);
		}
		for (size_t t = 0; present && t < 2; t++) {
			struct t_rr exp[64];
			size_t n = 0;
			for (size_t i = 0; i < nad; i++) {
				ldns_rr *rr = ldns_rr_list_rr(ad, i);
				char *o = ldns_rdf2str(ldns_rr_owner(rr));
				int mine = o && strcasecmp(o, hosts[h]) == 0 &&
					   ldns_rr_get_type(rr) == types[t];
				free(o);
				if (!mine)
					continue;
				cr_assert_lt(n, T_N(exp));
				snprintf(rd[n], sizeof(rd[n]), "%s", t_rdata_str(rr));
				exp[n] = (struct t_rr){hosts[h], types[t], ldns_rr_ttl(rr), rd[n]};
				n++;
			}
			struct t_query q = {.name = hosts[h], .type = types[t]};
			struct t_resp ra;
			t_ask(&ra, wa, img, &q);
			t_expect_header(&ra, LDNS_RCODE_NOERROR, true, false);
			cr_assert_eq(ra.an, n, "line %d: %s type %u: %u answers, glue has %zu",
				     line, hosts[h], types[t], ra.an, n);
			t_expect_section_set(&ra, LDNS_SECTION_ANSWER, exp, n);
			t_free(&ra);
		}
	}
}

/* Asks OWNER TYPE from W and checks the whole response: NOERROR, AA, the
 * question, exactly the exchanges EXCH in the answer, nothing in authority,
 * exactly the glue of model M in the additional section; then that the glue
 * matches the address queries (from WA, unless NULL). */
static void check_at(int line, struct mxlb_worker *w, struct mxlb_worker *wa,
		     const struct mxlb_image *img, const char *owner, uint16_t type,
		     const struct model *m, size_t nx, const char *const *exch)
{
	struct t_query q = {.name = owner, .type = type};
	struct t_resp r;
	struct t_rr ad[128];

	t_ask(&r, w, img, &q);
	t_expect_header(&r, LDNS_RCODE_NOERROR, true, false);
	t_expect_question(&r);
	cr_assert_eq(r.ns, 0);
	size_t nad = expected_glue(line, &r, owner, type, m, nx, exch, ad, T_N(ad));
	cr_assert_eq(r.ar, nad, "line %d: %s: ARCOUNT %u, expected %zu", line, owner, r.ar, nad);
	t_expect_section(&r, LDNS_SECTION_ADDITIONAL, ad, nad);
	if (wa)
		check_matches_queries(line, wa, img, &r);
	t_free(&r);
}

/* Every MX and SRV answer of the zone, three turns each (so that every
 * exchange that takes turns comes first at least once). */
static void check_all(int line, struct mxlb_worker *w, struct mxlb_worker *wa,
		      const struct mxlb_image *img, const struct model *m)
{
	static const char *const apex[] = {G("mx1"), G("mx2"), G("mx3")};
	static const char *const d[] = {G("mx1"), G("mx2")};
	static const char *const srv[] = {G("mx1"), G("mx3")};
	static const char *const other[] = {G("mx3"), G("mx4")};
	static const char *const ab[] = {G("mxb"), G("mx3")};
	for (int k = 0; k < 3; k++) {
		check_at(line, w, wa, img, APEX, MX, m, 3, apex);
		check_at(line, w, wa, img, G("d1"), MX, m, 2, d);
		check_at(line, w, wa, img, G("d2"), MX, m, 2, d);
		check_at(line, w, wa, img, "_smtp._tcp.glue.test.", SRV, m, 2, srv);
		check_at(line, w, wa, img, G("other"), MX, m, 2, other);
		check_at(line, w, wa, img, G("ab"), MX, m, 2, ab);
	}
}

#define CHECK_ALL(w, wa, img, m) check_all(__LINE__, w, wa, img, m)

/* The MX and SRV pools of the zone, by owner. */
static const char *const mxsrv[][2] = {
    {APEX, "MX"},	{G("d1"), "MX"}, {G("d2"), "MX"}, {"_smtp._tcp.glue.test.", "SRV"},
    {G("other"), "MX"}, {G("ab"), "MX"},
};

/* Whether OWNER's MX or SRV pool is another in NEXT than in CUR. */
static int rebuilt(const struct mxlb_image *cur, const struct mxlb_image *next, size_t i)
{
	uint16_t type = strcmp(mxsrv[i][1], "MX") == 0 ? MX : SRV;
	return pool_of(cur, mxsrv[i][0], type) != pool_of(next, mxsrv[i][0], type);
}

/* ======================================================================
 * Edits of address pools
 * ====================================================================== */

Test(glue_follow, member_add)
{
	struct mxlb_image *img = load();
	struct mxlb_worker *w = t_worker(img, 0, 1), *wa = t_worker(img, 1, 2);
	struct model m;
	model_init(&m);
	CHECK_ALL(w, wa, img, &m);

	struct mxlb_image *next = APPLY(img, "member", "add", G("mx1"), "A", "198.51.100.13");
	cr_assert_str_eq(msg, "version 2: added to mx1.glue.test. A 198.51.100.13: 3 members; "
			      "additional section updated in 3 MX/SRV pools");
	/* the pools that list mx1, once each; the shared one stays shared */
	static const int want[] = {1, 1, 1, 1, 0, 0};
	for (size_t i = 0; i < T_N(mxsrv); i++)
		cr_assert_eq(rebuilt(img, next, i), want[i], "%s %s", mxsrv[i][0], mxsrv[i][1]);
	cr_assert_eq(pool_of(next, G("d1"), MX), pool_of(next, G("d2"), MX));
	/* the old version answers as it did */
	CHECK_ALL(w, wa, img, &m);
	publish(&img, next);
	SET(&m, MX1, A, "198.51.100.11", "198.51.100.12", "198.51.100.13");
	CHECK_ALL(w, wa, img, &m);

	STEP(&img, "member", "add", G("mx1"), "AAAA", "2001:db8::12");
	SET(&m, MX1, AAAA, "2001:db8::11", "2001:db8::12");
	CHECK_ALL(w, wa, img, &m);
	t_worker_free(w);
	t_worker_free(wa);
	free_image(img);
}

Test(glue_follow, member_del)
{
	struct mxlb_image *img = load();
	struct mxlb_worker *w = t_worker(img, 0, 1), *wa = t_worker(img, 1, 2);
	struct model m;
	model_init(&m);

	STEP(&img, "member", "del", G("mx1"), "A", "198.51.100.11");
	cr_assert(strstr(msg, "; additional section updated in 3 MX/SRV pools"), "%s", msg);
	SET(&m, MX1, A, "198.51.100.12");
	CHECK_ALL(w, wa, img, &m);
	STEP(&img, "member", "add", G("mx1"), "A", "198.51.100.11");
	SET(&m, MX1, A, "198.51.100.12", "198.51.100.11");
	CHECK_ALL(w, wa, img, &m);
	t_worker_free(w);
	t_worker_free(wa);
	free_image(img);
}

/* down: left out; drain: after the up ones; none up: all of them (fail
 * open, as the A answer); up again: zone order. */
Test(glue_follow, member_states)
{
	struct mxlb_image *img = load();
	struct mxlb_worker *w = t_worker(img, 0, 1), *wa = t_worker(img, 1, 2);
	struct model m;
	model_init(&m);

	STEP(&img, "down", "198.51.100.11");
	cr_assert_str_eq(msg, "version 2: down 198.51.100.11: 1 member in 1 pool; additional "
			      "section updated in 3 MX/SRV pools");
	SET(&m, MX1, A, "198.51.100.12");
	CHECK_ALL(w, wa, img, &m);

	STEP(&img, "up", "198.51.100.11");
	STEP(&img, "drain", "198.51.100.11");
	SET(&m, MX1, A, "198.51.100.12", "198.51.100.11");
	CHECK_ALL(w, wa, img, &m);

	STEP(&img, "down", "198.51.100.12");
	SET(&m, MX1, A, "198.51.100.11", "198.51.100.12");
	cr_assert(pool_of(img, G("mx1"), A)->failopen);
	CHECK_ALL(w, wa, img, &m);

	STEP(&img, "up", "198.51.100.12");
	STEP(&img, "undrain", "198.51.100.11");
	model_init(&m);
	CHECK_ALL(w, wa, img, &m);
	t_worker_free(w);
	t_worker_free(wa);
	free_image(img);
}

/* A one-record RRset grows into a pool: the MX pools take their glue from the
 * new pool at once, before the patch that makes the A query answer from it
 * is committed. */
Test(glue_follow, single_grows_into_pool)
{
	struct mxlb_image *img = load();
	struct mxlb_worker *w = t_worker(img, 0, 1), *wa = t_worker(img, 1, 2);
	struct model m;
	model_init(&m);

	struct mxlb_image *next = APPLY(img, "member", "add", G("mx2"), "A", "198.51.100.22");
	cr_assert_str_eq(msg, "version 2: added to mx2.glue.test. A 198.51.100.22: 2 members; "
			      "additional section updated in 2 MX/SRV pools");
	static const int want[] = {1, 1, 1, 0, 0, 0};
	for (size_t i = 0; i < T_N(mxsrv); i++)
		cr_assert_eq(rebuilt(img, next, i), want[i], "%s %s", mxsrv[i][0], mxsrv[i][1]);
	SET(&m, MX2, A, "198.51.100.21", "198.51.100.22");
	static const char *const apex[] = {G("mx1"), G("mx2"), G("mx3")};
	check_at(__LINE__, w, NULL, next, APEX, MX, &m, 3, apex);
	publish(&img, next);
	CHECK_ALL(w, wa, img, &m);

	STEP(&img, "member", "add", G("mx3"), "A", "198.51.100.32");
	cr_assert(strstr(msg, "updated in 4 MX/SRV pools"), "%s", msg);
	SET(&m, MX3, A, "198.51.100.31", "198.51.100.32");
	CHECK_ALL(w, wa, img, &m);
	t_worker_free(w);
	t_worker_free(wa);
	free_image(img);
}

/* mxa and mxb share one address pool: an edit at mxa changes mxb's glue. */
Test(glue_follow, shared_address_pool)
{
	struct mxlb_image *img = load();
	struct mxlb_worker *w = t_worker(img, 0, 1), *wa = t_worker(img, 1, 2);
	struct model m;
	model_init(&m);
	cr_assert_eq(pool_of(img, G("mxa"), A), pool_of(img, G("mxb"), A));

	struct mxlb_image *next = APPLY(img, "member", "add", G("mxa"), "A", "198.51.100.53");
	static const int want[] = {0, 0, 0, 0, 0, 1};
	for (size_t i = 0; i < T_N(mxsrv); i++)
		cr_assert_eq(rebuilt(img, next, i), want[i], "%s %s", mxsrv[i][0], mxsrv[i][1]);
	publish(&img, next);
	SET(&m, MXA, A, "198.51.100.51", "198.51.100.52", "198.51.100.53");
	SET(&m, MXB, A, "198.51.100.51", "198.51.100.52", "198.51.100.53");
	CHECK_ALL(w, wa, img, &m);

	STEP(&img, "down", "198.51.100.51");
	SET(&m, MXB, A, "198.51.100.52", "198.51.100.53");
	CHECK_ALL(w, wa, img, &m);
	t_worker_free(w);
	t_worker_free(wa);
	free_image(img);
}

/* Changes that leave every listing as it was rebuild no MX or SRV pool for
 * glue, and the answers stay the same. */
Test(glue_follow, unrelated_edits)
{
	struct mxlb_image *img = load();
	struct mxlb_worker *w = t_worker(img, 0, 1), *wa = t_worker(img, 1, 2);
	struct model m;
	model_init(&m);
	static const int none[6] = {0}, mx3[] = {1, 0, 0, 1, 1, 1};
	struct {
		int argc;
		const char *const *argv;
		const char *msg;
		const int *rebuilt;
	} steps[] = {
	    {5, ARGV("member", "add", G("www"), "A", "192.0.2.82"),
	     "version 2: added to www.glue.test. A 192.0.2.82: 3 members", none},
	    {2, ARGV("down", "192.0.2.80"), "version 3: down 192.0.2.80: 1 member in 1 pool", none},
	    {5, ARGV("weight", G("mx1"), "A", "198.51.100.11", "3"),
	     "version 4: weight set in mx1.glue.test. A 198.51.100.11: 2 members", none},
	    {4, ARGV("all-down", G("mx1"), "A", "null"),
	     "version 5: mx1.glue.test. A: all-down policy null", none},
	    {2, ARGV("drain", G("mx3")), "version 6: drain mx3.glue.test.: 4 members in 4 pools",
	     mx3},
	    {2, ARGV("undrain", G("mx3")),
	     "version 7: undrain mx3.glue.test.: 4 members in 4 pools", mx3},
	};
	for (size_t s = 0; s < T_N(steps); s++) {
		struct mxlb_image *next =
		    apply_at(__LINE__, img, msg, steps[s].argc, steps[s].argv);
		cr_assert_str_eq(msg, steps[s].msg);
		for (size_t i = 0; i < T_N(mxsrv); i++)
			cr_assert_eq(rebuilt(img, next, i), steps[s].rebuilt[i], "step %zu: %s %s",
				     s, mxsrv[i][0], mxsrv[i][1]);
		publish(&img, next);
		CHECK_ALL(w, wa, img, &m);
	}
	t_worker_free(w);
	t_worker_free(wa);
	free_image(img);
}

/* ======================================================================
 * Journal replay: the same changes replayed over the zone give the same glue
 * as applied one by one at run time.
 * ====================================================================== */

Test(glue_follow, journal_replay)
{
	const struct {
		int argc;
		const char *const *argv;
	} changes[] = {
	    {5, ARGV("member", "add", G("mx1"), "A", "198.51.100.13")},
	    {2, ARGV("down", "198.51.100.11")},
	    {5, ARGV("member", "add", G("mx2"), "A", "198.51.100.22")},
	    {2, ARGV("drain", "198.51.100.12")},
	    {5, ARGV("member", "add", G("mxa"), "A", "198.51.100.53")},
	    {5, ARGV("member", "add", G("mx1"), "AAAA", "2001:db8::12")},
	};
	char dir[] = "/tmp/mxlb-glue-XXXXXX", path[64], err[512] = "", note[512] = "";
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/journal", dir);

	/* at run time: applied, journaled, published one by one */
	struct mxlb_journal j;
	struct t_replay none = {0};
	cr_assert_eq(
	    mxlb_journal_open(&j, path, t_replay_edit, &none, note, sizeof(note), err, sizeof(err)),
	    0, "%s", err);
	struct mxlb_image *live = load();
	for (size_t i = 0; i < T_N(changes); i++) {
		publish(&live, apply_at(__LINE__, live, msg, changes[i].argc, changes[i].argv));
		cr_assert_eq(mxlb_journal_append(&j, changes[i].argc, changes[i].argv), 0);
	}
	mxlb_journal_close(&j);

	/* at the next start: the zone, then the journal */
	struct t_replay r = {.img = load()};
	cr_assert_eq(
	    mxlb_journal_open(&j, path, t_replay_edit, &r, note, sizeof(note), err, sizeof(err)), 0,
	    "%s", err);
	mxlb_journal_close(&j);
	unlink(path);
	rmdir(dir);
	cr_assert_eq(r.applied, (int)T_N(changes));
	cr_assert_eq(r.img->version, live->version);

	struct model m;
	model_init(&m);
	SET(&m, MX1, A, "198.51.100.13", "198.51.100.12");
	SET(&m, MX1, AAAA, "2001:db8::11", "2001:db8::12");
	SET(&m, MX2, A, "198.51.100.21", "198.51.100.22");
	SET(&m, MXA, A, "198.51.100.51", "198.51.100.52", "198.51.100.53");
	SET(&m, MXB, A, "198.51.100.51", "198.51.100.52", "198.51.100.53");
	struct mxlb_worker *w = t_worker(live, 0, 1), *wa = t_worker(live, 1, 2);
	CHECK_ALL(w, wa, live, &m);
	CHECK_ALL(w, wa, r.img, &m);

	/* and record for record the same responses, turn by turn */
	struct mxlb_worker *wl = t_worker(live, 2, 3), *wr = t_worker(r.img, 2, 3);
	for (size_t k = 0; k < 3; k++)
		for (size_t i = 0; i < T_N(mxsrv); i++) {
			struct t_query q = {.name = mxsrv[i][0],
					    .type = strcmp(mxsrv[i][1], "MX") == 0 ? MX : SRV};
			struct t_resp x, y;
			t_ask(&x, wl, live, &q);
			t_ask(&y, wr, r.img, &q);
			t_same_section(&x, &y, LDNS_SECTION_ANSWER);
			t_same_section(&x, &y, LDNS_SECTION_ADDITIONAL);
			t_free(&x);
			t_free(&y);
		}
	t_worker_free(w);
	t_worker_free(wa);
	t_worker_free(wl);
	t_worker_free(wr);
	free_image(live);
	free_image(r.img);
}

/* ======================================================================
 * Size limits: glue is dropped whole from the end, never the answer, and
 * without TC.
 * ====================================================================== */

/* Q asked over TCP (mxlb_respond_tcp, a 64 KiB buffer) into R. */
static void ask_tcp(struct t_resp *r, struct mxlb_worker *w, const struct mxlb_image *img,
		    const struct t_query *q)
{
	memset(r, 0, sizeof(*r));
	r->query = t_query_wire(q, &r->qlen);
	r->cap = MXLB_TCP_MAX;
	r->buf = malloc(r->cap);
	cr_assert_not_null(r->buf);
	memcpy(r->buf, r->query, r->qlen);
	r->len = mxlb_respond_tcp(w, img, r->buf, r->qlen, r->cap);
	cr_assert_geq(r->len, 12);
	cr_assert_leq(r->len, r->cap);
	r->flags = (uint16_t)(r->buf[2] << 8 | r->buf[3]);
	r->an = (uint16_t)(r->buf[6] << 8 | r->buf[7]);
	r->ar = (uint16_t)(r->buf[10] << 8 | r->buf[11]);
	cr_assert_eq(ldns_wire2pkt(&r->pkt, r->buf, r->len), LDNS_STATUS_OK);
}

Test(glue_limits, many_addresses)
{
	static const char *const apex[] = {G("mx1"), G("mx2"), G("mx3")};
	static char addr[120][32];
	const char *list[120];
	struct mxlb_image *img = load();
	struct mxlb_worker *w = t_worker(img, 0, 1);
	struct model m;
	model_init(&m);

	for (int i = 0; i < 120; i++) {
		snprintf(addr[i], sizeof(addr[i]), "198.51.100.%d", i < 2 ? 11 + i : 98 + i);
		list[i] = addr[i];
		if (i >= 2)
			STEP(&img, "member", "add", G("mx1"), "A", addr[i]);
	}
	set_addrs(&m, MX1, A, 120, list);
	size_t got[3];
	for (int mode = 0; mode < 3; mode++) {
		struct t_query q = {.name = APEX, .type = MX, .edns = mode == 1 ? 1232 : 0};
		struct t_resp r;
		struct t_rr ad[160];
		if (mode == 2)
			ask_tcp(&r, w, img, &q);
		else
			t_ask(&r, w, img, &q);
		cr_assert_eq(r.flags & 0x0200, 0, "mode %d: TC set", mode);
		cr_assert_eq(r.flags & 0xf, LDNS_RCODE_NOERROR);
		cr_assert_leq(r.len, mode == 0 ? 512u : mode == 1 ? 1232u : MXLB_TCP_MAX);
		size_t nad = expected_glue(__LINE__, &r, APEX, MX, &m, 3, apex, ad, T_N(ad));
		cr_assert_eq(nad, 123);
		got[mode] = t_expect_section_prefix(&r, LDNS_SECTION_ADDITIONAL, ad, nad);
		cr_assert_eq(r.ar, got[mode] + (mode == 1), "mode %d: ARCOUNT %u", mode, r.ar);
		t_free(&r);
	}
	cr_assert(got[0] > 0 && got[0] < got[1] && got[1] < got[2] && got[2] == 123,
		  "additional records kept: %zu (512), %zu (1232), %zu (TCP)", got[0], got[1],
		  got[2]);
	t_worker_free(w);
	free_image(img);
}

/* Glue past the block limit of a precomputed answer (64 KiB less room for
 * the header, question and OPT) is left out at load and when an edit
 * rebuilds the pool: 17 exchanges of 255 addresses each. */
#define BIG_X 17
#define BIG_N 255

static char big_host[BIG_X][32], big_addr[BIG_X][BIG_N][32];
static struct t_rr big_ad[BIG_X * BIG_N];

static void check_big(struct mxlb_worker *w, const struct mxlb_image *img, int first)
{
	struct t_query q = {.name = "big.glue.", .type = MX};
	struct t_resp r;
	size_t n = 0;
	ask_tcp(&r, w, img, &q);
	cr_assert_eq(r.flags & 0x0200, 0, "TC set");
	cr_assert_eq(r.an, BIG_X);
	ldns_rr_list *an = ldns_pkt_answer(r.pkt);
	for (size_t i = 0; i < BIG_X; i++) {
		char *t = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(an, i), 1));
		int x = -1;
		cr_assert(t && sscanf(t, "x%d.", &x) == 1 && x >= 1 && x <= BIG_X, "%s", t);
		free(t);
		for (int j = x == 1 ? first : 0; j < BIG_N; j++)
			big_ad[n++] =
			    (struct t_rr){big_host[x - 1], A, ADDR_TTL, big_addr[x - 1][j]};
	}
	size_t k = t_expect_section_prefix(&r, LDNS_SECTION_ADDITIONAL, big_ad, n);
	cr_assert(k > 3000 && k < n, "%zu of %zu additional records kept", k, n);
	cr_assert_eq(r.ar, k);
	t_free(&r);
}

Test(glue_limits, block_limit)
{
	char dir[] = "/tmp/mxlb-glue-XXXXXX", path[64];
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/big.zone", dir);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "$ORIGIN big.glue.\n$TTL 300\n"
		   "@ IN SOA ns1 admin 1 3600 600 86400 300\n@ IN NS ns1\nns1 IN A 192.0.2.1\n");
	for (int x = 0; x < BIG_X; x++) {
		snprintf(big_host[x], sizeof(big_host[x]), "x%02d.big.glue.", x + 1);
		fprintf(f, "@ IN MX 10 %s\n", big_host[x]);
		for (int j = 0; j < BIG_N; j++) {
			snprintf(big_addr[x][j], sizeof(big_addr[x][j]), "10.%d.0.%d", x + 1,
				 j + 1);
			fprintf(f, "%s 600 IN A %s\n", big_host[x], big_addr[x][j]);
		}
	}
	cr_assert_eq(fclose(f), 0);
	struct mxlb_image *img = load_path(path);
	unlink(path);
	rmdir(dir);
	struct mxlb_worker *w = t_worker(img, 0, 1);
	for (int k = 0; k < 3; k++)
		check_big(w, img, 0);
	STEP(&img, "member", "del", "x01.big.glue.", "A", "10.1.0.1");
	cr_assert(strstr(msg, "; additional section updated in 1 MX/SRV pool"), "%s", msg);
	for (int k = 0; k < 3; k++)
		check_big(w, img, 1);
	t_worker_free(w);
	free_image(img);
}
