/* Control changes through the engine API (edit.h, DESIGN §2-3 and §5):
 * validation refusals that leave the image untouched, and applied changes
 * whose new version answers as the schedule semantics say.
 *
 * Zone: tests/unit/data/edit.zone (its header lists the pools). One worker
 * (index 0 of 1) unless said otherwise: a pool's k-th answer on a fresh worker
 * selects schedule[k % len], and the counter of a rebuilt pool carries over
 * from the version it replaces (the worker's stripe is copied), so that the
 * selection continues with schedule[c % len] (DESIGN §3).
 *
 * Prefer mode (default for MX and SRV): the selected member shows the group's
 * preference P, the other up members of its group P + 1 in the order they
 * follow the selected one (member order, around the ring), the fallback
 * groups their own values, drained members after every up member with one
 * more than the largest value shown. Rotate (default for A/AAAA): the up
 * members from the selected one on, drained ones after them. Every answer is
 * checked by parsing the response with ldns. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "edit.h"
#include "helpers.h"
#include "pool.h"

#define MX   LDNS_RR_TYPE_MX
#define SRV  LDNS_RR_TYPE_SRV
#define A    LDNS_RR_TYPE_A
#define AAAA LDNS_RR_TYPE_AAAA

#define ZONE "edit.zone"
#define APEX "edit.test."
#define E(h) h ".edit.test." /* in-zone host */
#define O(h) h ".out.test."  /* out-of-zone host: no additional data */

#define ARGV(...) ((const char *const[]){__VA_ARGS__})
#define NARG(...) ((int)T_N(ARGV(__VA_ARGS__)))

static struct mxlb_image *load_opts(const char *file, const struct mxlb_image_opts *opts)
{
	struct mxlb_image_opts def;
	struct mxlb_image *img = NULL;
	char path[4096], err[512] = "";
	const char *files[1] = {path};
	if (!opts) {
		t_opts(&def);
		opts = &def;
	}
	snprintf(path, sizeof(path), "%s/%s", MXLB_TEST_DATA, file);
	int rc = mxlb_image_load(&img, files, 1, opts, err, sizeof(err));
	cr_assert_eq(rc, 0, "mxlb_image_load(%s) = %d: %s", file, rc, err);
	cr_assert_not_null(img);
	cr_assert_eq(img->version, 1);
	t_image_track(img, NULL);
	return img;
}

static struct mxlb_image *load(void)
{
	return load_opts(ZONE, NULL);
}

static void free_image(struct mxlb_image *img)
{
	t_image_untrack(img);
	mxlb_image_free(img);
}

/* What mxlbd does once no worker reads OLD any more. */
static void publish(struct mxlb_image *old, struct mxlb_image *next)
{
	mxlb_image_commit(next);
	mxlb_image_retire(old, next);
	t_image_untrack(old);
	t_image_untrack(next); /* committed: freed as an image from now on */
	t_image_track(next, NULL);
}

static const char *joined(int argc, const char *const *argv)
{
	static char out[1024];
	size_t n = 0;
	out[0] = 0;
	for (int i = 0; i < argc && n < sizeof(out); i++)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s'%s'", i ? " " : "", argv[i]);
	return out;
}

/* mxlb_edit_apply with the checks every call must pass: *NEXT is set to
 * NULL unless applied; an applied change is version + 1 of CUR, and CUR keeps
 * its version. */
static int apply(const struct mxlb_image *cur, struct mxlb_image **next, char *msg, size_t msglen,
		 int argc, const char *const *argv)
{
	static struct mxlb_image poison;
	uint64_t version = cur->version;
	*next = &poison;
	snprintf(msg, msglen, "(no message)");
	int rc = mxlb_edit_apply(cur, argc, argv, next, msg, msglen);
	cr_assert_eq(cur->version, version, "%s: current version changed", joined(argc, argv));
	if (rc == MXLB_EDIT_APPLIED) {
		cr_assert(*next != NULL && *next != &poison, "%s: applied without a next image",
			  joined(argc, argv));
		t_image_track(*next, cur);
		cr_assert_eq((*next)->version, version + 1, "%s: version %llu after %llu",
			     joined(argc, argv), (unsigned long long)(*next)->version,
			     (unsigned long long)version);
	} else {
		cr_assert_null(*next, "%s: rc %d but *next is not NULL", joined(argc, argv), rc);
	}
	return rc;
}

/* Applies a change that must be accepted; MSG (when not NULL) is the exact
 * message expected. Returns the new, unpublished version. */
static struct mxlb_image *apply_ok(int line, const struct mxlb_image *cur, const char *expmsg,
				   int argc, const char *const *argv)
{
	char msg[512];
	struct mxlb_image *next;
	int rc = apply(cur, &next, msg, sizeof(msg), argc, argv);
	cr_assert_eq(rc, MXLB_EDIT_APPLIED, "line %d: %s: rc %d, message '%s'", line,
		     joined(argc, argv), rc, msg);
	if (expmsg)
		cr_assert_str_eq(msg, expmsg, "line %d: %s: message '%s', expected '%s'", line,
				 joined(argc, argv), msg, expmsg);
	return next;
}

#define APPLY(cur, expmsg, ...)                                                                    \
	apply_ok(__LINE__, cur, expmsg, NARG(__VA_ARGS__), ARGV(__VA_ARGS__))

/* Applies and publishes: *IMG becomes the new version. */
#define STEP(img, expmsg, ...)                                                                     \
	do {                                                                                       \
		struct mxlb_image *next_ = APPLY(*(img), expmsg, __VA_ARGS__);                     \
		publish(*(img), next_);                                                            \
		*(img) = next_;                                                                    \
	} while (0)

static void nochange_at(int line, const struct mxlb_image *cur, const char *sub, int argc,
			const char *const *argv)
{
	char msg[512];
	struct mxlb_image *next;
	int rc = apply(cur, &next, msg, sizeof(msg), argc, argv);
	cr_assert_eq(rc, MXLB_EDIT_NOCHANGE, "line %d: %s: rc %d, expected NOCHANGE; '%s'", line,
		     joined(argc, argv), rc, msg);
	cr_assert(strstr(msg, sub) != NULL, "line %d: %s: message '%s' lacks '%s'", line,
		  joined(argc, argv), msg, sub);
}

#define NOCHANGE(cur, sub, ...)                                                                    \
	nochange_at(__LINE__, cur, sub, NARG(__VA_ARGS__), ARGV(__VA_ARGS__))

/* ---- pools of an image ---- */

static const char *type_str(uint16_t type)
{
	static char out[4][32];
	static int k;
	k = (k + 1) % 4;
	char *s = ldns_rr_type2str((ldns_rr_type)type);
	snprintf(out[k], sizeof(out[k]), "%s", s ? s : "?");
	free(s);
	return out[k];
}

/* The pool answering OWNER TYPE in IMG, or NULL when the RRset is a fixed
 * block (or absent). Names compared through ldns, not the engine. */
static const struct mxlb_cpool *pool_or_null(const struct mxlb_image *img, const char *owner,
					     uint16_t type)
{
	for (uint32_t n = 0; n < img->base->nnodes; n++) {
		const struct mxlb_node *nd = &img->nodes[n];
		ldns_rdf *d =
		    ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, nd->name_len, img->names + nd->name);
		cr_assert_not_null(d);
		char *s = ldns_rdf2str(d);
		int same = s && strcasecmp(s, owner) == 0;
		free(s);
		ldns_rdf_deep_free(d);
		if (!same)
			continue;
		for (uint16_t i = 0; i < nd->nrefs; i++) {
			const struct mxlb_rrref *r = &img->refs[nd->refs + i];
			if (r->type != type)
				continue;
			if (!(r->val & MXLB_REF_POOL))
				return NULL;
			cr_assert_lt(r->val & MXLB_REF_IDX, img->npools, "%s %s: pool id %u of %u",
				     owner, type_str(type), r->val & MXLB_REF_IDX, img->npools);
			return img->pools[r->val & MXLB_REF_IDX];
		}
		return NULL;
	}
	return NULL;
}

static const struct mxlb_cpool *pool(const struct mxlb_image *img, const char *owner, uint16_t type)
{
	const struct mxlb_cpool *p = pool_or_null(img, owner, type);
	cr_assert_not_null(p, "no pool %s %s", owner, type_str(type));
	return p;
}

/* Index of the member of P with RDATA (presentation form, names absolute),
 * found with mxlb_pool_member_find on RDATA that ldns encoded. -1 if none. */
static int member_or_neg(const struct mxlb_cpool *p, const char *rdata)
{
	char line[512];
	ldns_rr *rr = NULL;
	snprintf(line, sizeof(line), "x. 0 IN %s %s", type_str(p->type), rdata);
	cr_assert_eq(ldns_rr_new_frm_str(&rr, line, 0, NULL, NULL), LDNS_STATUS_OK, "test bug: %s",
		     line);
	ldns_buffer *b = ldns_buffer_new(512);
	cr_assert_eq(ldns_rr_rdata2buffer_wire(b, rr), LDNS_STATUS_OK);
	int m = mxlb_pool_member_find(p, ldns_buffer_begin(b), (uint16_t)ldns_buffer_position(b));
	ldns_buffer_free(b);
	ldns_rr_free(rr);
	return m;
}

static uint16_t member(const struct mxlb_cpool *p, const char *rdata)
{
	int m = member_or_neg(p, rdata);
	cr_assert_geq(m, 0, "pool has no member %s", rdata);
	return (uint16_t)m;
}

/* ---- answers ---- */

static const struct {
	const char *name, *a;
} glue[] = {
    {E("mx1"), "198.51.100.1"}, {E("mx2"), "198.51.100.2"}, {E("mx3"), "198.51.100.3"},
    {E("mx4"), "198.51.100.4"}, {E("mx5"), "198.51.100.5"},
};

/* Asks OWNER TYPE and checks the whole response: NOERROR, AA, the question,
 * exactly the N answer records RD (in order, TTL TTL), the A record of each
 * in-zone MX/SRV target in answer order in the additional section, nothing
 * else. */
static void check_at(int line, struct mxlb_worker *w, const struct mxlb_image *img,
		     const char *owner, uint16_t type, uint32_t ttl, size_t n,
		     const char *const *rd)
{
	struct t_query q = {.name = owner, .type = type};
	struct t_resp r;
	struct t_rr an[16], ad[16];
	size_t nad = 0;
	char got[2048] = "", exp[2048] = "";
	size_t gl = 0, el = 0;

	cr_assert_leq(n, T_N(an));
	for (size_t i = 0; i < n; i++) {
		an[i] = (struct t_rr){owner, type, ttl, rd[i]};
		el += (size_t)snprintf(exp + el, sizeof(exp) - el, "%s%s", i ? ", " : "", rd[i]);
		const char *sp = strrchr(rd[i], ' ');
		if ((type != MX && type != SRV) || !sp)
			continue;
		for (size_t g = 0; g < T_N(glue); g++) {
			if (strcasecmp(glue[g].name, sp + 1) != 0)
				continue;
			int seen = 0;
			for (size_t k = 0; k < nad; k++)
				seen |= strcasecmp(ad[k].owner, glue[g].name) == 0;
			if (!seen)
				ad[nad++] = (struct t_rr){glue[g].name, A, 600, glue[g].a};
		}
	}
	t_ask(&r, w, img, &q);
	cr_assert_not_null(r.pkt);
	ldns_rr_list *l = ldns_pkt_answer(r.pkt);
	for (size_t i = 0; l && i < ldns_rr_list_rr_count(l); i++)
		gl += (size_t)snprintf(got + gl, sizeof(got) - gl, "%s%s", i ? ", " : "",
				       t_rdata_str(ldns_rr_list_rr(l, i)));
	cr_assert_str_eq(got, exp, "line %d: %s %s (version %llu): answer [%s], expected [%s]",
			 line, owner, type_str(type), (unsigned long long)img->version, got, exp);
	t_expect_answer(&r, an, n, ad, nad);
	t_free(&r);
}

#define CHECK(w, img, owner, type, ttl, ...)                                                       \
	check_at(__LINE__, w, img, owner, type, ttl, T_N(ARGV(__VA_ARGS__)), ARGV(__VA_ARGS__))

/* The k-th answer of the unchanged 3-member apex pool. */
static void check_apex3(int line, struct mxlb_worker *w, const struct mxlb_image *img, size_t k)
{
	static const char *const mx[] = {E("mx1"), E("mx2"), E("mx3")};
	char rd[3][64];
	const char *p[3];
	for (size_t j = 0; j < 3; j++) {
		snprintf(rd[j], sizeof(rd[j]), "%u %s", j ? 11u : 10u, mx[(k + j) % 3]);
		p[j] = rd[j];
	}
	check_at(line, w, img, APEX, MX, 300, 3, p);
}

/* ======================================================================
 * Refusals: the right negative errno, a message naming the problem, and
 * nothing applied: *next NULL, version, pools, members and refs unchanged,
 * and the image answers exactly as before.
 * ====================================================================== */

struct snap {
	uint64_t version;
	uint32_t npools;
	struct {
		const struct mxlb_cpool *p;
		uint32_t len;
		uint16_t nmembers;
		uint8_t failopen;
		uint8_t flags[16];
		uint16_t weight[16];
	} pool[32];
	uint32_t nrefs;
	uint32_t refs[512];
};

static void take_snap(const struct mxlb_image *img, struct snap *s)
{
	memset(s, 0, sizeof(*s));
	s->version = img->version;
	s->npools = img->npools;
	cr_assert_leq(img->npools, T_N(s->pool));
	for (uint32_t i = 0; i < img->npools; i++) {
		const struct mxlb_cpool *p = img->pools[i];
		s->pool[i].p = p;
		s->pool[i].len = p->len;
		s->pool[i].nmembers = p->nmembers;
		s->pool[i].failopen = p->failopen;
		cr_assert_leq(p->nmembers, 16);
		for (uint16_t m = 0; m < p->nmembers; m++) {
			s->pool[i].flags[m] = p->members[m].flags;
			s->pool[i].weight[m] = p->members[m].weight;
		}
	}
	s->nrefs = img->base->nrefs;
	cr_assert_leq(s->nrefs, T_N(s->refs));
	for (uint32_t i = 0; i < s->nrefs; i++)
		s->refs[i] = img->refs[i].val;
}

static void same_snap(int line, const struct mxlb_image *img, const struct snap *s)
{
	cr_assert_eq(img->version, s->version, "line %d: version changed", line);
	cr_assert_eq(img->npools, s->npools, "line %d: pool count changed", line);
	for (uint32_t i = 0; i < img->npools; i++) {
		const struct mxlb_cpool *p = img->pools[i];
		cr_assert_eq(p, s->pool[i].p, "line %d: pool %u replaced", line, i);
		cr_assert_eq(p->len, s->pool[i].len, "line %d: pool %u schedule changed", line, i);
		cr_assert_eq(p->nmembers, s->pool[i].nmembers, "line %d: pool %u members", line, i);
		cr_assert_eq(p->failopen, s->pool[i].failopen, "line %d: pool %u fail-open", line,
			     i);
		for (uint16_t m = 0; m < p->nmembers; m++) {
			cr_assert_eq(p->members[m].flags, s->pool[i].flags[m],
				     "line %d: pool %u member %u flags", line, i, m);
			cr_assert_eq(p->members[m].weight, s->pool[i].weight[m],
				     "line %d: pool %u member %u weight", line, i, m);
		}
	}
	cr_assert_eq(img->base->nrefs, s->nrefs);
	for (uint32_t i = 0; i < s->nrefs; i++)
		cr_assert_eq(img->refs[i].val, s->refs[i], "line %d: ref %u changed", line, i);
}

struct rf {
	struct mxlb_image *img;
	struct mxlb_worker *w;
	size_t k; /* answers given from the apex pool */
	struct snap s;
};

static void rf_init(struct rf *f)
{
	f->img = load();
	f->w = t_worker(f->img, 0, 1);
	f->k = 0;
	take_snap(f->img, &f->s);
	check_apex3(__LINE__, f->w, f->img, f->k++);
}

static void rf_fini(struct rf *f)
{
	t_worker_free(f->w);
	free_image(f->img);
}

static void refuse_at(int line, struct rf *f, int rc, const char *sub, int argc,
		      const char *const *argv)
{
	char msg[512];
	struct mxlb_image *next;
	int got = apply(f->img, &next, msg, sizeof(msg), argc, argv);
	cr_assert_eq(got, rc, "line %d: %s: rc %d, expected %d; message '%s'", line,
		     joined(argc, argv), got, rc, msg);
	cr_assert(strstr(msg, sub) != NULL, "line %d: %s: message '%s' does not contain '%s'", line,
		  joined(argc, argv), msg, sub);
	same_snap(line, f->img, &f->s);
	/* still answers as before: the apex sequence goes on, the single stays */
	check_apex3(line, f->w, f->img, f->k++);
	const char *one[] = {"192.0.2.50"};
	check_at(line, f->w, f->img, E("one"), A, 120, 1, one);
}

#define REFUSE(f, rc, sub, ...)                                                                    \
	refuse_at(__LINE__, f, rc, sub, NARG(__VA_ARGS__), ARGV(__VA_ARGS__))

Test(edit_refuse, unknown_zone)
{
	struct rf f;
	rf_init(&f);
	REFUSE(&f, -ENOENT, "unknown zone", "member", "add", "nosuch.example.", "MX",
	       "10 mx1.nosuch.example.");
	REFUSE(&f, -ENOENT, "unknown zone", "member", "del", "example.net.", "MX",
	       "10 mx1.example.net.");
	REFUSE(&f, -ENOENT, "unknown zone", "weight", "test.", "MX", "10 mx1.edit.test.", "2");
	/* the parent of the apex is not in the zone */
	REFUSE(&f, -ENOENT, "unknown zone", "member", "add", "test.", "A", "192.0.2.1");
	rf_fini(&f);
}

Test(edit_refuse, unknown_owner)
{
	struct rf f;
	rf_init(&f);
	REFUSE(&f, -ENOENT, "no owner nope.edit.test. in zone edit.test.", "member", "add",
	       "nope.edit.test.", "MX", "10 mx1");
	REFUSE(&f, -ENOENT, "no owner a.b.edit.test. in zone edit.test.", "member", "del",
	       "a.b.edit.test.", "A", "192.0.2.10");
	rf_fini(&f);
}

Test(edit_refuse, not_a_pool_type)
{
	struct rf f;
	rf_init(&f);
	REFUSE(&f, -EINVAL, "TXT is not a pool type", "member", "add", E("txt"), "TXT",
	       "\"second\"");
	REFUSE(&f, -EINVAL, "NS is not a pool type", "member", "add", APEX, "NS", "ns2");
	REFUSE(&f, -EINVAL, "SOA is not a pool type", "member", "del", APEX, "SOA",
	       "ns1 admin 1 3600 600 86400 300");
	REFUSE(&f, -EINVAL, "FOO is not a pool type", "weight", APEX, "FOO", "10 mx1", "2");
	rf_fini(&f);
}

Test(edit_refuse, malformed_rdata)
{
	struct rf f;
	rf_init(&f);
	REFUSE(&f, -EINVAL, "malformed MX RDATA 'ten mx4'", "member", "add", APEX, "MX", "ten mx4");
	REFUSE(&f, -EINVAL, "malformed MX RDATA", "member", "add", APEX, "MX", "10");
	REFUSE(&f, -EINVAL, "malformed MX RDATA", "member", "add", APEX, "MX", "");
	REFUSE(&f, -EINVAL, "malformed MX RDATA", "member", "add", APEX, "MX", "10 mx4 extra");
	REFUSE(&f, -EINVAL, "malformed A RDATA '192.0.2.300'", "member", "add", E("addr"), "A",
	       "192.0.2.300");
	REFUSE(&f, -EINVAL, "malformed A RDATA", "member", "add", E("addr"), "A", "192.0.2");
	REFUSE(&f, -EINVAL, "malformed AAAA RDATA", "member", "add", E("v6"), "AAAA",
	       "2001:db8::zz");
	REFUSE(&f, -EINVAL, "malformed SRV RDATA", "member", "add", E("_smtp._tcp"), "SRV",
	       "10 0 mx4");
	REFUSE(&f, -EINVAL, "malformed MX RDATA", "member", "del", APEX, "MX", "x mx1");
	REFUSE(&f, -EINVAL, "malformed MX RDATA", "weight", APEX, "MX", "mx1", "2");
	REFUSE(&f, -EINVAL, "malformed owner name", "member", "add", "a..edit.test.", "MX",
	       "10 mx4");
	rf_fini(&f);
}

/* An MX preference is a 16-bit number (RFC 1035 §3.3.9): 70000 is not one.
 * (ldns reads it as 70000 mod 65536 = 4464.) */
Test(edit_refuse, preference_out_of_range)
{
	struct rf f;
	rf_init(&f);
	REFUSE(&f, -EINVAL, "malformed MX RDATA", "member", "add", APEX, "MX", "70000 mx4");
	rf_fini(&f);
}

Test(edit_refuse, owner_without_that_rrset)
{
	struct rf f;
	rf_init(&f);
	REFUSE(&f, -ENOENT, "edit.test. has no SRV records", "member", "add", APEX, "SRV",
	       "10 0 25 mx1");
	REFUSE(&f, -ENOENT, "mx1.edit.test. has no AAAA records", "member", "add", E("mx1"), "AAAA",
	       "2001:db8::1");
	/* an empty non-terminal exists but holds nothing */
	REFUSE(&f, -ENOENT, "_tcp.edit.test. has no SRV records", "member", "add", E("_tcp"), "SRV",
	       "10 0 25 mx1");
	REFUSE(&f, -ENOENT, "txt.edit.test. has no MX records", "weight", E("txt"), "MX", "10 mx1",
	       "2");
	rf_fini(&f);
}

Test(edit_refuse, duplicate_member)
{
	struct rf f;
	rf_init(&f);
	REFUSE(&f, -EEXIST, "edit.test. MX already has member 10 mx1", "member", "add", APEX, "MX",
	       "10 mx1");
	REFUSE(&f, -EEXIST, "already has member", "member", "add", APEX, "MX", "10 mx2.edit.test.");
	REFUSE(&f, -EEXIST, "already has member", "member", "add", APEX, "MX", "10 mx3", "--weight",
	       "2");
	REFUSE(&f, -EEXIST, "already has member", "member", "add", E("addr"), "A", "192.0.2.11");
	REFUSE(&f, -EEXIST, "already has member", "member", "add", E("v6"), "AAAA",
	       "2001:0db8:0:0:0:0:0:10");
	/* a one-record RRset: its record is a member too */
	REFUSE(&f, -EEXIST, "already has member", "member", "add", E("one"), "A", "192.0.2.50");
	rf_fini(&f);
}

/* Names compare case-insensitively (RFC 4343 §3): 10 MX1.EDIT.TEST. is the
 * record 10 mx1.edit.test. the pool already has; adding it would list mx1
 * twice. */
Test(edit_refuse, duplicate_member_other_case)
{
	struct rf f;
	rf_init(&f);
	REFUSE(&f, -EEXIST, "already has member", "member", "add", APEX, "MX", "10 MX1.EDIT.TEST.");
	rf_fini(&f);
}

Test(edit_refuse, remove_non_member)
{
	struct rf f;
	rf_init(&f);
	REFUSE(&f, -ENOENT, "edit.test. MX has no member 10 mx4", "member", "del", APEX, "MX",
	       "10 mx4");
	/* the same host with another preference is another record */
	REFUSE(&f, -ENOENT, "has no member 20 mx1", "member", "del", APEX, "MX", "20 mx1");
	REFUSE(&f, -ENOENT, "has no member 192.0.2.12", "member", "del", E("addr"), "A",
	       "192.0.2.12");
	REFUSE(&f, -ENOENT, "has no member 10 mx9", "weight", APEX, "MX", "10 mx9", "2");
	REFUSE(&f, -ENOENT, "has no member 192.0.2.51", "member", "del", E("one"), "A",
	       "192.0.2.51");
	rf_fini(&f);
}

Test(edit_refuse, remove_last_member)
{
	struct rf f;
	rf_init(&f);
	REFUSE(&f, -EPERM, "last member", "member", "del", E("solo"), "MX", "10 mx1");
	REFUSE(&f, -EPERM, "last member", "member", "del", E("one"), "A", "192.0.2.50");
	rf_fini(&f);
}

/* A pool shrunk to one member keeps it. */
Test(edit_refuse, remove_last_member_of_shrunk_pool)
{
	struct mxlb_image *img = load();
	STEP(&img, "version 2: removed from addr.edit.test. A 192.0.2.10: 1 member", "member",
	     "del", E("addr"), "A", "192.0.2.10");
	char msg[512];
	struct mxlb_image *next;
	struct snap s;
	take_snap(img, &s);
	int rc = apply(img, &next, msg, sizeof(msg), 5,
		       ARGV("member", "del", E("addr"), "A", "192.0.2.11"));
	cr_assert_eq(rc, -EPERM, "rc %d: %s", rc, msg);
	cr_assert(strstr(msg, "cannot remove 192.0.2.11: the last member of addr.edit.test. A"),
		  "message '%s'", msg);
	same_snap(__LINE__, img, &s);
	struct mxlb_worker *w = t_worker(img, 0, 1);
	for (int k = 0; k < 2; k++)
		CHECK(w, img, E("addr"), A, 120, "192.0.2.11");
	t_worker_free(w);
	free_image(img);
}

Test(edit_refuse, bad_weights)
{
	struct rf f;
	rf_init(&f);
	static const char *const bad[] = {"0",
					  "1001",
					  "x",
					  "",
					  "3x",
					  "-1",
					  "65537",
					  "2.5",
					  " 5",
					  "+5",
					  "5 ",
					  "0x5",
					  "99999999999999999999"};
	for (size_t i = 0; i < T_N(bad); i++) {
		char sub[128];
		snprintf(sub, sizeof(sub), "weight must be an integer from 1 to 1000, not '%s'",
			 bad[i]);
		refuse_at(__LINE__, &f, -EINVAL, sub, 5,
			  ARGV("weight", APEX, "MX", "10 mx1", bad[i]));
		refuse_at(__LINE__, &f, -EINVAL, sub, 7,
			  ARGV("member", "add", APEX, "MX", "10 mx4", "--weight", bad[i]));
	}
	/* weights belong to pools */
	REFUSE(&f, -EINVAL, "one record", "weight", E("solo"), "MX", "10 mx1", "2");
	rf_fini(&f);
}

Test(edit_refuse, word_counts)
{
	struct rf f;
	rf_init(&f);
	REFUSE(&f, -EINVAL, "usage: member add|del", "member");
	REFUSE(&f, -EINVAL, "usage: member add|del", "member", "frob", APEX, "MX", "10 mx4");
	REFUSE(&f, -EINVAL, "usage: member add", "member", "add", APEX, "MX");
	REFUSE(&f, -EINVAL, "usage: member add", "member", "add", APEX, "MX", "10 mx4", "x");
	REFUSE(&f, -EINVAL, "usage: member add", "member", "add", APEX, "MX", "10 mx4", "--weight");
	REFUSE(&f, -EINVAL, "usage: member add", "member", "add", APEX, "MX", "10 mx4", "--wait",
	       "2");
	REFUSE(&f, -EINVAL, "usage: member add", "member", "add", APEX, "MX", "10 mx4", "--weight",
	       "2", "3");
	REFUSE(&f, -EINVAL, "usage: member del", "member", "del", APEX, "MX");
	REFUSE(&f, -EINVAL, "usage: member del", "member", "del", APEX, "MX", "10 mx1", "x");
	REFUSE(&f, -EINVAL, "usage: weight", "weight", APEX, "MX", "10 mx1");
	REFUSE(&f, -EINVAL, "usage: weight", "weight", APEX, "MX", "10 mx1", "2", "3");
	REFUSE(&f, -EINVAL, "usage: drain", "drain");
	REFUSE(&f, -EINVAL, "usage: undrain", "undrain");
	REFUSE(&f, -EINVAL, "usage: down", "down", E("mx1"), E("mx2"));
	REFUSE(&f, -EINVAL, "usage: up", "up");
	REFUSE(&f, -EINVAL, "'status' is not a change", "status");
	REFUSE(&f, -EINVAL, "'zone' is not a change", "zone", "reload");
	rf_fini(&f);
}

Test(edit_refuse, no_words)
{
	struct rf f;
	rf_init(&f);
	char msg[512];
	struct mxlb_image *next;
	int rc = apply(f.img, &next, msg, sizeof(msg), 0, ARGV(NULL));
	cr_assert_eq(rc, -EINVAL);
	cr_assert(strstr(msg, "is not a change"), "message '%s'", msg);
	same_snap(__LINE__, f.img, &f.s);
	rf_fini(&f);
}

Test(edit_refuse, host_no_pool_has)
{
	struct rf f;
	rf_init(&f);
	REFUSE(&f, -ENOENT, "no pool has a member nosuch.edit.test.", "drain", "nosuch.edit.test.");
	/* mx4 is in the zone but in no pool; solo's one MX record is no pool */
	REFUSE(&f, -ENOENT, "no pool has a member mx4.edit.test.", "down", E("mx4"));
	/* an exchange name is no A member, an address no MX member */
	REFUSE(&f, -ENOENT, "no pool has a member 198.51.100.1", "drain", "198.51.100.1");
	REFUSE(&f, -ENOENT, "no pool has a member 2001:db8::99", "up", "2001:db8::99");
	REFUSE(&f, -ENOENT, "no pool has a member 192.0.2.50", "undrain", "192.0.2.50");
	REFUSE(&f, -EINVAL, "'a..b' is neither a host name nor an address", "drain", "a..b");
	rf_fini(&f);
}

/* RDATA is compared as octets: only the names in it fold case. 192.0.2.97
 * (octet 0x61, 'a') is not 192.0.2.65 (0x41, 'A'). */
Test(edit_refuse, address_is_not_case_folded)
{
	struct mxlb_image *img = load_opts("edit_fold.zone", NULL);
	struct mxlb_worker *w = t_worker(img, 0, 1);
	struct snap s;
	take_snap(img, &s);
	static const char *const cmds[][6] = {
	    {"member", "del", "f1.fold.test.", "A", "192.0.2.97"},
	    {"weight", "f1.fold.test.", "A", "192.0.2.98", "3"},
	};
	static const int argc[] = {5, 5};
	for (size_t i = 0; i < T_N(cmds); i++) {
		char msg[512];
		struct mxlb_image *next;
		int rc = apply(img, &next, msg, sizeof(msg), argc[i], cmds[i]);
		if (rc == MXLB_EDIT_APPLIED) {
			const struct mxlb_cpool *p = pool(next, "f1.fold.test.", A);
			cr_assert_fail("%s applied to f1 = {192.0.2.65, 192.0.2.66}: '%s' (now %u "
				       "members, weights %u %u)",
				       joined(argc[i], cmds[i]), msg, p->nmembers,
				       p->members[0].weight,
				       p->nmembers > 1 ? p->members[1].weight : 0);
		}
		cr_assert_eq(rc, -ENOENT, "%s: rc %d, message '%s'", joined(argc[i], cmds[i]), rc,
			     msg);
		cr_assert(strstr(msg, "has no member"), "message '%s'", msg);
		same_snap(__LINE__, img, &s);
	}
	CHECK(w, img, "f1.fold.test.", A, 120, "192.0.2.65", "192.0.2.66");
	t_worker_free(w);
	free_image(img);
}

/* ======================================================================
 * Applied member changes.
 * ====================================================================== */

/* After two answers (mx1, mx2) from the 3-pool, mx4 joins: the counter (2)
 * carries over, so the next selections are mx3, mx4, mx1, mx2. The old
 * version, still readable until retired, answers from its own pool. */
Test(edit_apply, member_add_joins_sequence)
{
	struct mxlb_image *img = load();
	struct mxlb_worker *w = t_worker(img, 0, 1);
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx2"), "11 " E("mx3"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx2"), "11 " E("mx3"), "11 " E("mx1"));

	struct mxlb_image *next = APPLY(img, "version 2: added to edit.test. MX 10 mx4: 4 members",
					"member", "add", APEX, "MX", "10 mx4");
	const struct mxlb_cpool *po = pool(img, APEX, MX), *pn = pool(next, APEX, MX);
	cr_assert_neq(po, pn);
	cr_assert_eq(po->nmembers, 3);
	cr_assert_eq(pn->nmembers, 4);
	cr_assert_eq(pn->len, 4);
	cr_assert_eq(member(pn, "10 mx4.edit.test."), 3, "the new member comes last");
	/* every other pool is shared with the old version */
	cr_assert_eq(next->npools, img->npools);
	for (uint32_t i = 0; i < img->npools; i++)
		if (img->pools[i] != po)
			cr_assert_eq(next->pools[i], img->pools[i], "pool %u not shared", i);

	CHECK(w, next, APEX, MX, 300, "10 " E("mx3"), "11 " E("mx4"), "11 " E("mx1"),
	      "11 " E("mx2"));
	CHECK(w, next, APEX, MX, 300, "10 " E("mx4"), "11 " E("mx1"), "11 " E("mx2"),
	      "11 " E("mx3"));
	/* the old version is unchanged and keeps its own counter (2) */
	CHECK(w, img, APEX, MX, 300, "10 " E("mx3"), "11 " E("mx1"), "11 " E("mx2"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx2"), "11 " E("mx3"));
	CHECK(w, img, E("alt"), MX, 300, "10 " E("mx2"), "20 " E("mx3"));

	publish(img, next);
	img = next;
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx2"), "11 " E("mx3"),
	      "11 " E("mx4"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx2"), "11 " E("mx3"), "11 " E("mx4"),
	      "11 " E("mx1"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx3"), "11 " E("mx4"), "11 " E("mx1"),
	      "11 " E("mx2"));
	t_worker_free(w);
	free_image(img);
}

/* The owner may be written without the final dot, as in the contract's
 * example (mxlbctl member add example.net MX "10 mx5.example.net."), and
 * relative names in RDATA are completed with the zone's apex. */
Test(edit_apply, member_add_owner_without_dot)
{
	struct mxlb_image *img = load();
	STEP(&img, "version 2: added to edit.test. MX 10 mx5.edit.test.: 4 members", "member",
	     "add", "edit.test", "MX", "10 mx5.edit.test.");
	STEP(&img, "version 3: added to alt.edit.test. MX 30 mx4: 3 members", "member", "add",
	     "ALT.Edit.Test", "MX", "30 mx4");
	struct mxlb_worker *w = t_worker(img, 0, 1);
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx2"), "11 " E("mx3"),
	      "11 " E("mx5"));
	CHECK(w, img, E("alt"), MX, 300, "10 " E("mx2"), "20 " E("mx3"), "30 " E("mx4"));
	t_worker_free(w);
	free_image(img);
}

/* Weights 1, 1, 1, 2: smooth WRR gives 3, 0, 1, 2, 3 (mx4 leads). */
Test(edit_apply, member_add_with_weight)
{
	struct mxlb_image *img = load();
	STEP(&img, "version 2: added to edit.test. MX 10 mx4: 4 members", "member", "add", APEX,
	     "MX", "10 mx4", "--weight", "2");
	const struct mxlb_cpool *p = pool(img, APEX, MX);
	cr_assert_eq(p->members[member(p, "10 mx4.edit.test.")].weight, 2);
	cr_assert_eq(p->members[member(p, "10 mx1.edit.test.")].weight, 1);
	cr_assert_eq(p->len, 5);
	struct mxlb_worker *w = t_worker(img, 0, 1);
	for (int round = 0; round < 2; round++) {
		CHECK(w, img, APEX, MX, 300, "10 " E("mx4"), "11 " E("mx1"), "11 " E("mx2"),
		      "11 " E("mx3"));
		CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx2"), "11 " E("mx3"),
		      "11 " E("mx4"));
		CHECK(w, img, APEX, MX, 300, "10 " E("mx2"), "11 " E("mx3"), "11 " E("mx4"),
		      "11 " E("mx1"));
		CHECK(w, img, APEX, MX, 300, "10 " E("mx3"), "11 " E("mx4"), "11 " E("mx1"),
		      "11 " E("mx2"));
		CHECK(w, img, APEX, MX, 300, "10 " E("mx4"), "11 " E("mx1"), "11 " E("mx2"),
		      "11 " E("mx3"));
	}
	t_worker_free(w);
	free_image(img);
}

/* A member in a new preference value: a new fallback group. 11 leaves no
 * free value between the groups, so the pool's preferences are remapped to
 * 10, 20 keeping their order (DESIGN §3). */
Test(edit_apply, member_add_new_group)
{
	struct mxlb_image *img = load();
	STEP(&img, NULL, "member", "add", APEX, "MX", "20 mx4");
	struct mxlb_worker *w = t_worker(img, 0, 1);
	cr_assert_eq(pool(img, APEX, MX)->remapped, 0);
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx2"), "11 " E("mx3"),
	      "20 " E("mx4"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx2"), "11 " E("mx3"), "11 " E("mx1"),
	      "20 " E("mx4"));
	STEP(&img, NULL, "member", "del", APEX, "MX", "20 mx4");
	STEP(&img, NULL, "member", "add", APEX, "MX", "11 mx4");
	cr_assert_eq(pool(img, APEX, MX)->remapped, 1);
	t_worker_free(w);
	w = t_worker(img, 0, 1);
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx2"), "11 " E("mx3"),
	      "20 " E("mx4"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx2"), "11 " E("mx3"), "11 " E("mx1"),
	      "20 " E("mx4"));
	t_worker_free(w);
	free_image(img);
}

/* After mx1, mx2 (counter 2), mx2 leaves: [mx1, mx3], and 2 % 2 = 0 selects
 * mx1. Removal finds the member case-insensitively. */
Test(edit_apply, member_del)
{
	struct mxlb_image *img = load();
	struct mxlb_worker *w = t_worker(img, 0, 1);
	check_apex3(__LINE__, w, img, 0);
	check_apex3(__LINE__, w, img, 1);
	STEP(&img, "version 2: removed from edit.test. MX 10 mx2: 2 members", "member", "del", APEX,
	     "MX", "10 mx2");
	cr_assert_lt(member_or_neg(pool(img, APEX, MX), "10 mx2.edit.test."), 0);
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx3"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx3"), "11 " E("mx1"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx3"));
	/* alt and the SRV pool still hold mx2 */
	CHECK(w, img, E("alt"), MX, 300, "10 " E("mx2"), "20 " E("mx3"));
	STEP(&img, "version 3: removed from edit.test. MX 10 MX3.EDIT.TEST.: 1 member", "member",
	     "del", APEX, "MX", "10 MX3.EDIT.TEST.");
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"));
	/* and back */
	STEP(&img, "version 4: added to edit.test. MX 10 mx2: 2 members", "member", "add", APEX,
	     "MX", "10 mx2");
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx2"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx2"), "11 " E("mx1"));
	t_worker_free(w);
	free_image(img);
}

/* Smooth weighted round-robin: weights 3, 1 give 0, 0, 1, 0; weights 3, 2
 * give 0, 1, 0, 1, 0 (each from a fresh worker). */
Test(edit_apply, weight_schedule)
{
	struct mxlb_image *img = load();
	STEP(&img, "version 2: weight set in wt.edit.test. MX 10 wa.out.test.: 2 members", "weight",
	     E("wt"), "MX", "10 wa.out.test.", "3");
	const struct mxlb_cpool *p = pool(img, E("wt"), MX);
	cr_assert_eq(p->members[0].weight, 3);
	cr_assert_eq(p->members[1].weight, 1);
	cr_assert_eq(p->len, 4);
	static const char *const seq31 = "aabaaaba";
	struct mxlb_worker *w = t_worker(img, 0, 1);
	for (size_t k = 0; k < 8; k++) {
		if (seq31[k] == 'a')
			CHECK(w, img, E("wt"), MX, 300, "10 " O("wa"), "11 " O("wb"));
		else
			CHECK(w, img, E("wt"), MX, 300, "10 " O("wb"), "11 " O("wa"));
	}
	t_worker_free(w);

	NOCHANGE(img, "has weight 3 already", "weight", E("wt"), "MX", "10 wa.out.test.", "3");
	cr_assert_eq(img->version, 2);

	STEP(&img, NULL, "weight", E("wt"), "MX", "10 wb.out.test.", "2");
	static const char *const seq32 = "ababaababa";
	w = t_worker(img, 0, 1);
	for (size_t k = 0; k < 10; k++) {
		if (seq32[k] == 'a')
			CHECK(w, img, E("wt"), MX, 300, "10 " O("wa"), "11 " O("wb"));
		else
			CHECK(w, img, E("wt"), MX, 300, "10 " O("wb"), "11 " O("wa"));
	}
	t_worker_free(w);
	free_image(img);
}

Test(edit_apply, swrr_sequences)
{
	uint16_t out[16];
	static const uint16_t w31[] = {3, 1}, w111[] = {1, 1, 1}, w511[] = {5, 1, 1};
	static const uint16_t e31[] = {0, 0, 1, 0}, e111[] = {0, 1, 2},
			      e511[] = {0, 0, 1, 0, 2, 0, 0};
	cr_assert_eq(mxlb_pool_swrr(w31, 2, out), 4);
	cr_assert_arr_eq(out, e31, sizeof(e31));
	cr_assert_eq(mxlb_pool_swrr(w111, 3, out), 3);
	cr_assert_arr_eq(out, e111, sizeof(e111));
	cr_assert_eq(mxlb_pool_swrr(w511, 3, out), 7);
	cr_assert_arr_eq(out, e511, sizeof(e511));
}

/* A one-record RRset that grows to two becomes a pool (DESIGN §2): once
 * committed, the answers rotate. */
Test(edit_apply, single_a_grows_into_pool)
{
	struct mxlb_image *img = load();
	struct mxlb_worker *w = t_worker(img, 0, 1);
	cr_assert_null(pool_or_null(img, E("one"), A));
	CHECK(w, img, E("one"), A, 120, "192.0.2.50");
	uint32_t npools = img->npools;
	struct mxlb_image *next =
	    APPLY(img, "version 2: added to one.edit.test. A 192.0.2.51: 2 members", "member",
		  "add", E("one"), "A", "192.0.2.51");
	cr_assert_eq(next->npools, npools + 1);
	cr_assert_eq(img->npools, npools);
	/* the old version still answers with the one record */
	CHECK(w, img, E("one"), A, 120, "192.0.2.50");
	publish(img, next);
	img = next;
	const struct mxlb_cpool *p = pool(img, E("one"), A);
	cr_assert_eq(p->nmembers, 2);
	cr_assert_eq(p->sharers, 1);
	CHECK(w, img, E("one"), A, 120, "192.0.2.50", "192.0.2.51");
	CHECK(w, img, E("one"), A, 120, "192.0.2.51", "192.0.2.50");
	CHECK(w, img, E("one"), A, 120, "192.0.2.50", "192.0.2.51");
	/* a pool now: weights apply, and it can shrink back to one member */
	STEP(&img, NULL, "weight", E("one"), "A", "192.0.2.51", "2");
	STEP(&img, "version 4: removed from one.edit.test. A 192.0.2.50: 1 member", "member", "del",
	     E("one"), "A", "192.0.2.50");
	CHECK(w, img, E("one"), A, 120, "192.0.2.51");
	CHECK(w, img, E("one"), A, 120, "192.0.2.51");
	t_worker_free(w);
	free_image(img);
}

Test(edit_apply, single_mx_grows_into_pool)
{
	struct mxlb_image *img = load();
	struct mxlb_worker *w = t_worker(img, 0, 1);
	CHECK(w, img, E("solo"), MX, 300, "10 " E("mx1"));
	STEP(&img, "version 2: added to solo.edit.test. MX 10 mx5: 2 members", "member", "add",
	     E("solo"), "MX", "10 mx5");
	CHECK(w, img, E("solo"), MX, 300, "10 " E("mx1"), "11 " E("mx5"));
	CHECK(w, img, E("solo"), MX, 300, "10 " E("mx5"), "11 " E("mx1"));
	CHECK(w, img, E("solo"), MX, 300, "10 " E("mx1"), "11 " E("mx5"));
	/* and host names reach it now */
	STEP(&img, "version 3: drain mx5.edit.test.: 1 member in 1 pool", "drain", E("mx5"));
	CHECK(w, img, E("solo"), MX, 300, "10 " E("mx1"), "11 " E("mx5"));
	CHECK(w, img, E("solo"), MX, 300, "10 " E("mx1"), "11 " E("mx5"));
	t_worker_free(w);
	free_image(img);
}

/* d1 and d2 hold identical RRsets: one pool. A change addressed at one owner
 * applies to the pool, so to both (edit.h); d3 is another pool. */
Test(edit_apply, shared_pool_changes_both_owners)
{
	struct mxlb_image *img = load();
	const struct mxlb_cpool *d3 = pool(img, E("d3"), MX);
	cr_assert_eq(pool(img, E("d1"), MX), pool(img, E("d2"), MX));
	cr_assert_eq(pool(img, E("d1"), MX)->sharers, 2);
	STEP(&img,
	     "version 2: added to d1.edit.test. MX 10 s3.out.test.: 3 members (pool shared by "
	     "several owners: applies to all)",
	     "member", "add", E("d1"), "MX", "10 s3.out.test.");
	cr_assert_eq(pool(img, E("d1"), MX), pool(img, E("d2"), MX));
	cr_assert_eq(pool(img, E("d2"), MX)->nmembers, 3);
	cr_assert_eq(pool(img, E("d2"), MX)->sharers, 2);
	cr_assert_eq(pool(img, E("d3"), MX), d3, "d3 is not shared with d1");
	struct mxlb_worker *w = t_worker(img, 0, 1);
	/* one pool, one counter */
	CHECK(w, img, E("d1"), MX, 300, "10 " O("s1"), "11 " O("s2"), "11 " O("s3"));
	CHECK(w, img, E("d2"), MX, 300, "10 " O("s2"), "11 " O("s3"), "11 " O("s1"));
	CHECK(w, img, E("d1"), MX, 300, "10 " O("s3"), "11 " O("s1"), "11 " O("s2"));
	CHECK(w, img, E("d3"), MX, 300, "10 " O("s1"), "20 " O("s2"));
	/* addressed at the other owner */
	STEP(&img, NULL, "member", "del", E("d2"), "MX", "10 s1.out.test.");
	CHECK(w, img, E("d1"), MX, 300, "10 " O("s2"), "11 " O("s3"));
	CHECK(w, img, E("d2"), MX, 300, "10 " O("s3"), "11 " O("s2"));
	CHECK(w, img, E("d3"), MX, 300, "10 " O("s1"), "20 " O("s2"));
	t_worker_free(w);
	free_image(img);
}

/* f1 = {192.0.2.65, 192.0.2.66} and f2 = {192.0.2.97, 192.0.2.98} are not
 * identical: two pools, and a change at f1 leaves f2 alone. */
Test(edit_apply, different_addresses_not_shared)
{
	struct mxlb_image *img = load_opts("edit_fold.zone", NULL);
	struct mxlb_worker *w = t_worker(img, 0, 1);
	CHECK(w, img, "f1.fold.test.", A, 120, "192.0.2.65", "192.0.2.66");
	CHECK(w, img, "f2.fold.test.", A, 120, "192.0.2.97", "192.0.2.98");
	cr_assert_neq(pool(img, "f1.fold.test.", A), pool(img, "f2.fold.test.", A));
	STEP(&img, "version 2: added to f1.fold.test. A 192.0.2.67: 3 members", "member", "add",
	     "f1.fold.test.", "A", "192.0.2.67");
	t_worker_free(w);
	w = t_worker(img, 0, 1);
	CHECK(w, img, "f1.fold.test.", A, 120, "192.0.2.65", "192.0.2.66", "192.0.2.67");
	CHECK(w, img, "f2.fold.test.", A, 120, "192.0.2.97", "192.0.2.98");
	t_worker_free(w);
	free_image(img);
}

/* --mx-mode rotate survives a rebuild: values as loaded, rotated. */
Test(edit_apply, rotate_mode_kept)
{
	struct mxlb_image_opts opts;
	t_opts(&opts);
	opts.mx_mode = MXLB_MODE_ROTATE;
	struct mxlb_image *img = load_opts(ZONE, &opts);
	STEP(&img, NULL, "member", "add", APEX, "MX", "10 mx4");
	cr_assert_eq(pool(img, APEX, MX)->mode, MXLB_MODE_ROTATE);
	struct mxlb_worker *w = t_worker(img, 0, 1);
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "10 " E("mx2"), "10 " E("mx3"),
	      "10 " E("mx4"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx2"), "10 " E("mx3"), "10 " E("mx4"),
	      "10 " E("mx1"));
	/* drained: after every up member, with a value above theirs */
	STEP(&img, NULL, "drain", E("mx2"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx4"), "10 " E("mx1"), "10 " E("mx3"),
	      "11 " E("mx2"));
	CHECK(w, img, E("alt"), MX, 300, "20 " E("mx3"), "21 " E("mx2"));
	t_worker_free(w);
	free_image(img);
}

/* mxlb_edit_replay on an image no worker reads: replaced in place by the
 * committed new version; refusals and no-ops leave it as it is. */
Test(edit_apply, replay_unpublished)
{
	struct mxlb_image *img = load();
	char msg[512];
	struct mxlb_image *before = img;
	t_image_untrack(img);
	int rc = mxlb_edit_replay(&img, MXLB_EDIT_FLAGS, 5,
				  ARGV("member", "add", APEX, "MX", "10 mx4"), msg, sizeof(msg));
	t_image_track(img, NULL);
	cr_assert_eq(rc, MXLB_EDIT_APPLIED, "rc %d: %s", rc, msg);
	cr_assert_str_eq(msg, "version 2: added to edit.test. MX 10 mx4: 4 members");
	cr_assert_neq(img, before);
	cr_assert_eq(img->version, 2);

	/* the single grows: committed, so it is a pool at once */
	t_image_untrack(img);
	rc = mxlb_edit_replay(&img, MXLB_EDIT_FLAGS, 5,
			      ARGV("member", "add", E("one"), "A", "192.0.2.51"), msg, sizeof(msg));
	t_image_track(img, NULL);
	cr_assert_eq(rc, MXLB_EDIT_APPLIED, "rc %d: %s", rc, msg);
	cr_assert_eq(img->version, 3);
	cr_assert_not_null(pool_or_null(img, E("one"), A));

	before = img;
	rc = mxlb_edit_replay(&img, MXLB_EDIT_FLAGS, 5, ARGV("member", "del", APEX, "MX", "10 mx9"),
			      msg, sizeof(msg));
	cr_assert_eq(rc, -ENOENT, "rc %d: %s", rc, msg);
	cr_assert(strstr(msg, "has no member 10 mx9"), "message '%s'", msg);
	cr_assert_eq(img, before);
	cr_assert_eq(img->version, 3);

	rc = mxlb_edit_replay(&img, MXLB_EDIT_FLAGS, 2, ARGV("up", E("mx1")), msg, sizeof(msg));
	cr_assert_eq(rc, MXLB_EDIT_NOCHANGE, "rc %d: %s", rc, msg);
	cr_assert_eq(img, before);
	cr_assert_eq(img->version, 3);

	t_image_untrack(img);
	rc = mxlb_edit_replay(&img, MXLB_EDIT_FLAGS, 2, ARGV("drain", E("mx2")), msg, sizeof(msg));
	t_image_track(img, NULL);
	cr_assert_eq(rc, MXLB_EDIT_APPLIED, "rc %d: %s", rc, msg);
	cr_assert_eq(img->version, 4);

	struct mxlb_worker *w = t_worker(img, 0, 1);
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx3"), "11 " E("mx4"),
	      "12 " E("mx2"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx3"), "11 " E("mx4"), "11 " E("mx1"),
	      "12 " E("mx2"));
	CHECK(w, img, E("one"), A, 120, "192.0.2.50", "192.0.2.51");
	CHECK(w, img, E("one"), A, 120, "192.0.2.51", "192.0.2.50");
	t_worker_free(w);
	free_image(img);
}

Test(edit_apply, is_change_and_names)
{
	static const char *const yes[] = {"member", "weight", "drain", "undrain", "down", "up"};
	static const char *const no[] = {"status", "pools", "zone", "stats", "preview", "Member"};
	for (size_t i = 0; i < T_N(yes); i++)
		cr_assert(mxlb_edit_is_change(1, &yes[i]), "%s", yes[i]);
	for (size_t i = 0; i < T_N(no); i++)
		cr_assert(!mxlb_edit_is_change(1, &no[i]), "%s", no[i]);
	cr_assert(!mxlb_edit_is_change(0, no));
	char buf[32];
	cr_assert_str_eq(mxlb_edit_type_name(15, buf, sizeof(buf)), "MX");
	cr_assert_str_eq(mxlb_edit_type_name(33, buf, sizeof(buf)), "SRV");
	cr_assert_str_eq(mxlb_edit_type_name(28, buf, sizeof(buf)), "AAAA");
	cr_assert_str_eq(mxlb_edit_type_name(65280, buf, sizeof(buf)), "TYPE65280");

	struct mxlb_image *img = load();
	const struct mxlb_cpool *p = pool(img, E("_smtp._tcp"), SRV);
	char text[256];
	const struct mxlb_member *m = &p->members[member(p, "10 0 25 mx2.edit.test.")];
	cr_assert_str_eq(
	    mxlb_edit_rdata_text(SRV, p->rdata + m->rdata, m->rdlen, text, sizeof(text)),
	    "10 0 25 mx2.edit.test.");
	p = pool(img, E("v6b"), AAAA);
	m = &p->members[member(p, "2001:db8::12")];
	cr_assert_str_eq(
	    mxlb_edit_rdata_text(AAAA, p->rdata + m->rdata, m->rdlen, text, sizeof(text)),
	    "2001:db8::12");
	free_image(img);
}

/* ======================================================================
 * Member states: drain, undrain, down, up (DESIGN §2-3).
 * ====================================================================== */

/* Drained: listed last with a preference above every up member, never
 * selected. mx3 is in the apex pool and in alt. */
Test(edit_state, drain_undrain)
{
	struct mxlb_image *img = load();
	STEP(&img, "version 2: drain mx3.edit.test.: 2 members in 2 pools", "drain", E("mx3"));
	const struct mxlb_cpool *p = pool(img, APEX, MX);
	cr_assert_eq(p->members[member(p, "10 mx3.edit.test.")].flags, MXLB_MEMBER_F_DRAIN);
	cr_assert_eq(p->members[member(p, "10 mx1.edit.test.")].flags, 0);
	cr_assert_eq(p->len, 2);
	cr_assert_eq(p->failopen, 0);
	struct mxlb_worker *w = t_worker(img, 0, 1);
	for (int round = 0; round < 2; round++) {
		CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx2"), "12 " E("mx3"));
		CHECK(w, img, APEX, MX, 300, "10 " E("mx2"), "11 " E("mx1"), "12 " E("mx3"));
	}
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx2"), "12 " E("mx3"));
	/* alt: mx2 alone up in its group; mx3 (drained) after it */
	CHECK(w, img, E("alt"), MX, 300, "10 " E("mx2"), "11 " E("mx3"));

	NOCHANGE(img, "mx3.edit.test.: already drained in 2 pool members", "drain", E("mx3"));
	cr_assert_eq(img->version, 2);

	/* counter 1 carries over into the 3-member schedule: mx2 next */
	STEP(&img, "version 3: undrain mx3.edit.test.: 2 members in 2 pools", "undrain", E("mx3"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx2"), "11 " E("mx3"), "11 " E("mx1"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx3"), "11 " E("mx1"), "11 " E("mx2"));
	CHECK(w, img, E("alt"), MX, 300, "10 " E("mx2"), "20 " E("mx3"));
	NOCHANGE(img, "mx3.edit.test.: not drained in 2 pool members", "undrain", E("mx3"));
	NOCHANGE(img, "mx3.edit.test.: not down in 2 pool members", "up", E("mx3"));
	t_worker_free(w);
	free_image(img);
}

/* Down: not listed at all. Drain and undrain leave the down flag alone;
 * up ends the down, and a drain set meanwhile is still there after it. */
Test(edit_state, down_up)
{
	struct mxlb_image *img = load();
	STEP(&img, "version 2: down mx3.edit.test.: 2 members in 2 pools", "down", E("mx3"));
	const struct mxlb_cpool *p = pool(img, APEX, MX);
	cr_assert_eq(p->members[member(p, "10 mx3.edit.test.")].flags, MXLB_MEMBER_F_DOWN);
	struct mxlb_worker *w = t_worker(img, 0, 1);
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx2"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx2"), "11 " E("mx1"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx2"));
	CHECK(w, img, E("alt"), MX, 300, "10 " E("mx2"));
	NOCHANGE(img, "mx3.edit.test.: already down in 2 pool members", "down", E("mx3"));
	NOCHANGE(img, "mx3.edit.test.: not drained in 2 pool members; down in 2 (up ends a down)",
		 "undrain", E("mx3"));

	/* drained as well: still down, still not listed */
	STEP(&img,
	     "version 3: drain mx3.edit.test.: 2 members in 2 pools; still down in 2 (up ends a "
	     "down)",
	     "drain", E("mx3"));
	p = pool(img, APEX, MX);
	cr_assert_eq(p->members[member(p, "10 mx3.edit.test.")].flags,
		     MXLB_MEMBER_F_DOWN | MXLB_MEMBER_F_DRAIN);
	CHECK(w, img, APEX, MX, 300, "10 " E("mx2"), "11 " E("mx1"));
	CHECK(w, img, E("alt"), MX, 300, "10 " E("mx2"));

	/* up: drained now, listed last, never selected */
	STEP(&img,
	     "version 4: up mx3.edit.test.: 2 members in 2 pools; still drained in 2 (undrain "
	     "ends a drain)",
	     "up", E("mx3"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx2"), "12 " E("mx3"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx2"), "11 " E("mx1"), "12 " E("mx3"));
	CHECK(w, img, E("alt"), MX, 300, "10 " E("mx2"), "11 " E("mx3"));

	STEP(&img, "version 5: undrain mx3.edit.test.: 2 members in 2 pools", "undrain", E("mx3"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx2"), "11 " E("mx3"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx2"), "11 " E("mx3"), "11 " E("mx1"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx3"), "11 " E("mx1"), "11 " E("mx2"));
	CHECK(w, img, E("alt"), MX, 300, "10 " E("mx2"), "20 " E("mx3"));
	t_worker_free(w);
	free_image(img);
}

/* Every member of the preferred group down: the fallback group takes turns
 * (its selected member keeps 20, the other shows 21). */
Test(edit_state, preferred_group_down_fallback_rotates)
{
	struct mxlb_image *img = load();
	struct mxlb_worker *w = t_worker(img, 0, 1);
	CHECK(w, img, E("grp"), MX, 300, "10 " O("g1"), "11 " O("g2"), "20 " O("g3"),
	      "20 " O("g4"));
	STEP(&img, "version 2: down g1.out.test.: 1 member in 1 pool", "down", O("g1"));
	t_worker_free(w);
	w = t_worker(img, 0, 1);
	CHECK(w, img, E("grp"), MX, 300, "10 " O("g2"), "20 " O("g3"), "20 " O("g4"));
	CHECK(w, img, E("grp"), MX, 300, "10 " O("g2"), "20 " O("g3"), "20 " O("g4"));

	STEP(&img, "version 3: down g2.out.test.: 1 member in 1 pool", "down", O("g2"));
	t_worker_free(w);
	w = t_worker(img, 0, 1);
	cr_assert_eq(pool(img, E("grp"), MX)->failopen, 0);
	for (int round = 0; round < 2; round++) {
		CHECK(w, img, E("grp"), MX, 300, "20 " O("g3"), "21 " O("g4"));
		CHECK(w, img, E("grp"), MX, 300, "20 " O("g4"), "21 " O("g3"));
	}

	/* drained while down: still not listed */
	STEP(&img, NULL, "drain", O("g1"));
	t_worker_free(w);
	w = t_worker(img, 0, 1);
	CHECK(w, img, E("grp"), MX, 300, "20 " O("g3"), "21 " O("g4"));

	/* up, still drained: a drained member of the preferred group is
	 * listed after the up ones */
	STEP(&img, NULL, "up", O("g1"));
	t_worker_free(w);
	w = t_worker(img, 0, 1);
	CHECK(w, img, E("grp"), MX, 300, "20 " O("g3"), "21 " O("g4"), "22 " O("g1"));
	CHECK(w, img, E("grp"), MX, 300, "20 " O("g4"), "21 " O("g3"), "22 " O("g1"));

	/* one member of the preferred group up again: it takes every turn */
	STEP(&img, NULL, "undrain", O("g1"));
	t_worker_free(w);
	w = t_worker(img, 0, 1);
	CHECK(w, img, E("grp"), MX, 300, "10 " O("g1"), "20 " O("g3"), "20 " O("g4"));
	CHECK(w, img, E("grp"), MX, 300, "10 " O("g1"), "20 " O("g3"), "20 " O("g4"));
	t_worker_free(w);
	free_image(img);
}

/* Every member down: fail open, all of them answered (DESIGN §3). */
Test(edit_state, all_down_fails_open)
{
	struct mxlb_image *img = load();
	STEP(&img, NULL, "down", O("g1"));
	STEP(&img, NULL, "down", O("g2"));
	STEP(&img, "version 4: down g3.out.test.: 1 member in 1 pool", "down", O("g3"));
	struct mxlb_worker *w = t_worker(img, 0, 1);
	cr_assert_eq(pool(img, E("grp"), MX)->failopen, 0);
	CHECK(w, img, E("grp"), MX, 300, "20 " O("g4"));
	CHECK(w, img, E("grp"), MX, 300, "20 " O("g4"));

	STEP(&img, "version 5: down g4.out.test.: 1 member in 1 pool", "down", O("g4"));
	const struct mxlb_cpool *p = pool(img, E("grp"), MX);
	cr_assert_eq(p->failopen, 1);
	for (uint16_t m = 0; m < p->nmembers; m++)
		cr_assert_eq(mxlb_member_state(p->members[m].flags), MXLB_MEMBER_DOWN);
	t_worker_free(w);
	w = t_worker(img, 0, 1);
	for (int round = 0; round < 2; round++) {
		CHECK(w, img, E("grp"), MX, 300, "10 " O("g1"), "11 " O("g2"), "20 " O("g3"),
		      "20 " O("g4"));
		CHECK(w, img, E("grp"), MX, 300, "10 " O("g2"), "11 " O("g1"), "20 " O("g3"),
		      "20 " O("g4"));
	}

	STEP(&img, NULL, "up", O("g3"));
	cr_assert_eq(pool(img, E("grp"), MX)->failopen, 0);
	t_worker_free(w);
	w = t_worker(img, 0, 1);
	CHECK(w, img, E("grp"), MX, 300, "20 " O("g3"));
	t_worker_free(w);
	free_image(img);
}

/* Drained or down, no member is up: the pool fails open too. */
Test(edit_state, all_drained_fails_open)
{
	struct mxlb_image *img = load();
	STEP(&img, NULL, "drain", O("wa"));
	struct mxlb_worker *w = t_worker(img, 0, 1);
	CHECK(w, img, E("wt"), MX, 300, "10 " O("wb"), "11 " O("wa"));
	STEP(&img, NULL, "down", O("wb"));
	cr_assert_eq(pool(img, E("wt"), MX)->failopen, 1);
	t_worker_free(w);
	w = t_worker(img, 0, 1);
	CHECK(w, img, E("wt"), MX, 300, "10 " O("wa"), "11 " O("wb"));
	CHECK(w, img, E("wt"), MX, 300, "10 " O("wb"), "11 " O("wa"));
	t_worker_free(w);
	free_image(img);
}

Test(edit_state, address_pool_fails_open)
{
	struct mxlb_image *img = load();
	STEP(&img, "version 2: down 192.0.2.10: 2 members in 2 pools", "down", "192.0.2.10");
	struct mxlb_worker *w = t_worker(img, 0, 1);
	CHECK(w, img, E("addr"), A, 120, "192.0.2.11");
	CHECK(w, img, E("addr2"), A, 120, "192.0.2.12");
	STEP(&img, "version 3: down 192.0.2.11: 1 member in 1 pool", "down", "192.0.2.11");
	cr_assert_eq(pool(img, E("addr"), A)->failopen, 1);
	cr_assert_eq(pool(img, E("addr2"), A)->failopen, 0);
	t_worker_free(w);
	w = t_worker(img, 0, 1);
	CHECK(w, img, E("addr"), A, 120, "192.0.2.10", "192.0.2.11");
	CHECK(w, img, E("addr"), A, 120, "192.0.2.11", "192.0.2.10");
	CHECK(w, img, E("addr"), A, 120, "192.0.2.10", "192.0.2.11");
	CHECK(w, img, E("addr2"), A, 120, "192.0.2.12");
	t_worker_free(w);
	free_image(img);
}

/* A host name reaches every pool whose member it is: mx2 is an exchange at
 * two owners (the apex, alt) and an SRV target. The pools without mx2 stay
 * shared with the old version. Case does not matter. */
Test(edit_state, host_in_many_pools)
{
	struct mxlb_image *img = load();
	const struct mxlb_cpool *apex = pool(img, APEX, MX), *alt = pool(img, E("alt"), MX),
				*srv = pool(img, E("_smtp._tcp"), SRV);
	struct mxlb_image *next =
	    APPLY(img, "version 2: drain mx2.edit.test.: 3 members in 3 pools", "drain", E("mx2"));
	uint32_t changed = 0;
	for (uint32_t i = 0; i < img->npools; i++) {
		const struct mxlb_cpool *p = img->pools[i];
		if (p == apex || p == alt || p == srv) {
			cr_assert_neq(next->pools[i], p, "pool %u not rebuilt", i);
			changed++;
		} else {
			cr_assert_eq(next->pools[i], p, "pool %u rebuilt", i);
		}
	}
	cr_assert_eq(changed, 3);
	publish(img, next);
	img = next;
	struct mxlb_worker *w = t_worker(img, 0, 1);
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx3"), "12 " E("mx2"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx3"), "11 " E("mx1"), "12 " E("mx2"));
	CHECK(w, img, E("alt"), MX, 300, "20 " E("mx3"), "21 " E("mx2"));
	CHECK(w, img, E("alt"), MX, 300, "20 " E("mx3"), "21 " E("mx2"));
	CHECK(w, img, E("_smtp._tcp"), SRV, 300, "10 0 25 " E("mx1"), "11 0 25 " E("mx2"));
	CHECK(w, img, E("_smtp._tcp"), SRV, 300, "10 0 25 " E("mx1"), "11 0 25 " E("mx2"));

	STEP(&img, "version 3: down MX2.EDIT.TEST.: 3 members in 3 pools", "down",
	     "MX2.EDIT.TEST.");
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx3"));
	CHECK(w, img, E("alt"), MX, 300, "20 " E("mx3"));
	CHECK(w, img, E("_smtp._tcp"), SRV, 300, "10 0 25 " E("mx1"));

	/* up ends the down only: drained again */
	STEP(&img,
	     "version 4: up mx2.edit.test: 3 members in 3 pools; still drained in 3 (undrain ends "
	     "a drain)",
	     "up", "mx2.edit.test");
	CHECK(w, img, E("alt"), MX, 300, "20 " E("mx3"), "21 " E("mx2"));
	CHECK(w, img, E("_smtp._tcp"), SRV, 300, "10 0 25 " E("mx1"), "11 0 25 " E("mx2"));

	STEP(&img, "version 5: undrain mx2.edit.test: 3 members in 3 pools", "undrain",
	     "mx2.edit.test");
	t_worker_free(w);
	w = t_worker(img, 0, 1);
	check_apex3(__LINE__, w, img, 0);
	CHECK(w, img, E("alt"), MX, 300, "10 " E("mx2"), "20 " E("mx3"));
	CHECK(w, img, E("_smtp._tcp"), SRV, 300, "10 0 25 " E("mx1"), "11 0 25 " E("mx2"));
	CHECK(w, img, E("_smtp._tcp"), SRV, 300, "10 0 25 " E("mx2"), "11 0 25 " E("mx1"));
	t_worker_free(w);
	free_image(img);
}

/* An address reaches every A (or AAAA) pool holding it, in any spelling. */
Test(edit_state, address_in_many_pools)
{
	struct mxlb_image *img = load();
	const struct mxlb_cpool *v6 = pool(img, E("v6"), AAAA), *v6b = pool(img, E("v6b"), AAAA);
	STEP(&img, "version 2: drain 192.0.2.10: 2 members in 2 pools", "drain", "192.0.2.10");
	cr_assert_eq(pool(img, E("v6"), AAAA), v6);
	cr_assert_eq(pool(img, E("v6b"), AAAA), v6b);
	struct mxlb_worker *w = t_worker(img, 0, 1);
	CHECK(w, img, E("addr"), A, 120, "192.0.2.11", "192.0.2.10");
	CHECK(w, img, E("addr"), A, 120, "192.0.2.11", "192.0.2.10");
	CHECK(w, img, E("addr2"), A, 120, "192.0.2.12", "192.0.2.10");

	const struct mxlb_cpool *addr = pool(img, E("addr"), A);
	STEP(&img, "version 3: down 2001:0db8:0:0:0:0:0:10: 2 members in 2 pools", "down",
	     "2001:0db8:0:0:0:0:0:10");
	cr_assert_eq(pool(img, E("addr"), A), addr);
	CHECK(w, img, E("v6"), AAAA, 120, "2001:db8::11");
	CHECK(w, img, E("v6b"), AAAA, 120, "2001:db8::12");
	CHECK(w, img, E("v6"), AAAA, 120, "2001:db8::11");

	STEP(&img, "version 4: up 2001:db8::10: 2 members in 2 pools", "up", "2001:db8::10");
	t_worker_free(w);
	w = t_worker(img, 0, 1);
	CHECK(w, img, E("v6"), AAAA, 120, "2001:db8::10", "2001:db8::11");
	CHECK(w, img, E("v6"), AAAA, 120, "2001:db8::11", "2001:db8::10");
	CHECK(w, img, E("v6b"), AAAA, 120, "2001:db8::10", "2001:db8::12");
	t_worker_free(w);
	free_image(img);
}

/* ======================================================================
 * Answer counts and the schedule preview.
 * ====================================================================== */

static void expect_served(const struct mxlb_cpool *p, const char *const *rd, const uint64_t *count,
			  size_t n, int line)
{
	cr_assert_eq(p->nmembers, n, "line %d: %u members", line, p->nmembers);
	for (size_t i = 0; i < n; i++) {
		uint64_t got = mxlb_pool_served(p, member(p, rd[i]));
		cr_assert_eq(got, count[i], "line %d: %s served %llu, expected %llu", line, rd[i],
			     (unsigned long long)got, (unsigned long long)count[i]);
	}
}

#define SERVED(p, rd, ...)                                                                         \
	do {                                                                                       \
		static const uint64_t c_[] = {__VA_ARGS__};                                        \
		cr_assert_eq(T_N(c_), T_N(rd));                                                    \
		expect_served(p, rd, c_, T_N(c_), __LINE__);                                       \
	} while (0)

static const char *const mx123[] = {E("10 mx1"), E("10 mx2"), E("10 mx3")};
static const char *const mx1234[] = {E("10 mx1"), E("10 mx2"), E("10 mx3"), E("10 mx4")};
static const char *const mx134[] = {E("10 mx1"), E("10 mx3"), E("10 mx4")};

/* Served counts per member carry across versions: at build time from the
 * old pool, and once the old version is retired (mxlb_pool_settle) with the
 * answers it gave after the new one was built. */
Test(edit_count, served_carries_over)
{
	struct mxlb_image *img = load();
	struct mxlb_worker *w = t_worker(img, 0, 1);
	SERVED(pool(img, APEX, MX), mx123, 0, 0, 0);
	check_apex3(__LINE__, w, img, 0); /* mx1 */
	check_apex3(__LINE__, w, img, 1); /* mx2 */
	SERVED(pool(img, APEX, MX), mx123, 1, 1, 0);

	struct mxlb_image *next = APPLY(img, NULL, "member", "add", APEX, "MX", "10 mx4");
	SERVED(pool(next, APEX, MX), mx1234, 1, 1, 0, 0);
	CHECK(w, next, APEX, MX, 300, "10 " E("mx3"), "11 " E("mx4"), "11 " E("mx1"),
	      "11 " E("mx2"));
	CHECK(w, next, APEX, MX, 300, "10 " E("mx4"), "11 " E("mx1"), "11 " E("mx2"),
	      "11 " E("mx3"));
	CHECK(w, next, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx2"), "11 " E("mx3"),
	      "11 " E("mx4"));
	SERVED(pool(next, APEX, MX), mx1234, 2, 1, 1, 1);
	/* one more answer from the old version, before it is retired */
	check_apex3(__LINE__, w, img, 2); /* mx3 */
	SERVED(pool(img, APEX, MX), mx123, 1, 1, 1);
	publish(img, next);
	img = next;
	SERVED(pool(img, APEX, MX), mx1234, 2, 1, 2, 1);

	/* mx2 leaves: the others keep their counts; counter 1 selects mx3 */
	STEP(&img, NULL, "member", "del", APEX, "MX", "10 mx2");
	SERVED(pool(img, APEX, MX), mx134, 2, 2, 1);
	CHECK(w, img, APEX, MX, 300, "10 " E("mx3"), "11 " E("mx4"), "11 " E("mx1"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx4"), "11 " E("mx1"), "11 " E("mx3"));
	SERVED(pool(img, APEX, MX), mx134, 2, 3, 2);
	/* a drained member keeps its count and gains nothing */
	STEP(&img, NULL, "drain", E("mx4"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx3"), "12 " E("mx4"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx3"), "11 " E("mx1"), "12 " E("mx4"));
	SERVED(pool(img, APEX, MX), mx134, 3, 4, 2);
	t_worker_free(w);
	free_image(img);
}

/* The counts add up over every worker's stripe, and each worker's counter
 * carries over on its own. Worker 0 of 2 starts at turn 0, worker 1 at
 * (1 * 3) / 2 = 1. */
Test(edit_count, served_over_workers)
{
	struct mxlb_image *img = load();
	struct mxlb_worker *w0 = t_worker(img, 0, 2), *w1 = t_worker(img, 1, 2);
	check_apex3(__LINE__, w0, img, 0); /* mx1 */
	check_apex3(__LINE__, w1, img, 1); /* mx2 */
	check_apex3(__LINE__, w0, img, 1); /* mx2 */
	check_apex3(__LINE__, w1, img, 2); /* mx3 */
	SERVED(pool(img, APEX, MX), mx123, 1, 2, 1);
	STEP(&img, NULL, "member", "add", APEX, "MX", "10 mx4");
	/* w0 at 2, w1 at 0 */
	CHECK(w0, img, APEX, MX, 300, "10 " E("mx3"), "11 " E("mx4"), "11 " E("mx1"),
	      "11 " E("mx2"));
	CHECK(w1, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx2"), "11 " E("mx3"),
	      "11 " E("mx4"));
	CHECK(w1, img, APEX, MX, 300, "10 " E("mx2"), "11 " E("mx3"), "11 " E("mx4"),
	      "11 " E("mx1"));
	SERVED(pool(img, APEX, MX), mx1234, 2, 3, 2, 0);
	t_worker_free(w0);
	t_worker_free(w1);
	free_image(img);
}

/* A member's count is its own: 192.0.2.97 does not inherit the count of
 * 192.0.2.65 (RDATA that differ only by 0x20 in one octet). */
Test(edit_count, served_by_exact_rdata)
{
	struct mxlb_image *img = load_opts("edit_fold.zone", NULL);
	struct mxlb_worker *w = t_worker(img, 0, 1);
	CHECK(w, img, "f1.fold.test.", A, 120, "192.0.2.65", "192.0.2.66");
	STEP(&img, NULL, "member", "add", "f1.fold.test.", "A", "192.0.2.97");
	static const char *const f1[] = {"192.0.2.65", "192.0.2.66", "192.0.2.97"};
	const struct mxlb_cpool *p = pool(img, "f1.fold.test.", A);
	cr_assert_eq(p->nmembers, 3);
	for (uint16_t m = 0; m < 3; m++) {
		char text[64];
		mxlb_edit_rdata_text(A, p->rdata + p->members[m].rdata, p->members[m].rdlen, text,
				     sizeof(text));
		cr_assert_str_eq(text, f1[m]);
		uint64_t got = mxlb_pool_served(p, m);
		cr_assert_eq(got, m == 0 ? 1 : 0, "%s served %llu, expected %d", f1[m],
			     (unsigned long long)got, m == 0 ? 1 : 0);
	}
	t_worker_free(w);
	free_image(img);
}

/* mxlb_pool_preview: exactly the members the worker then selects. */
Test(edit_count, preview_matches_selection)
{
	struct mxlb_image *img = load();
	const struct mxlb_cpool *p = pool(img, APEX, MX);
	uint16_t out[16];
	static const uint16_t fresh[] = {0, 1, 2, 0, 1, 2, 0};
	mxlb_pool_preview(p, 0, 1, 7, out);
	cr_assert_arr_eq(out, fresh, sizeof(fresh));
	/* worker 1 of 2, before its first answer: from turn (1 * 3) / 2 = 1 */
	static const uint16_t w1[] = {1, 2, 0, 1};
	mxlb_pool_preview(p, 1, 2, 4, out);
	cr_assert_arr_eq(out, w1, sizeof(w1));
	struct mxlb_worker *w = t_worker(img, 1, 2);
	for (size_t k = 0; k < 4; k++)
		check_apex3(__LINE__, w, img, w1[k]);
	t_worker_free(w);

	w = t_worker(img, 0, 1);
	check_apex3(__LINE__, w, img, 0);
	check_apex3(__LINE__, w, img, 1);
	STEP(&img, NULL, "member", "add", APEX, "MX", "10 mx4");
	p = pool(img, APEX, MX);
	static const uint16_t after[] = {2, 3, 0, 1, 2, 3, 0};
	mxlb_pool_preview(p, 0, 1, 7, out);
	cr_assert_arr_eq(out, after, sizeof(after));
	for (size_t k = 0; k < T_N(after); k++) {
		struct t_query q = {.name = APEX, .type = MX};
		struct t_resp r;
		t_ask(&r, w, img, &q);
		t_expect_header(&r, LDNS_RCODE_NOERROR, true, false);
		ldns_rr_list *an = ldns_pkt_answer(r.pkt);
		cr_assert_eq(ldns_rr_list_rr_count(an), 4);
		char first[128];
		snprintf(first, sizeof(first), "%s", t_rdata_str(ldns_rr_list_rr(an, 0)));
		cr_assert_str_eq(first, mx1234[after[k]], "answer %zu selected %s, preview said %s",
				 k, first, mx1234[after[k]]);
		t_free(&r);
	}

	/* weights 3, 1: the preview is the smooth WRR sequence */
	STEP(&img, NULL, "weight", E("wt"), "MX", "10 wa.out.test.", "3");
	static const uint16_t wt[] = {0, 0, 1, 0, 0, 0, 1, 0};
	mxlb_pool_preview(pool(img, E("wt"), MX), 0, 1, 8, out);
	cr_assert_arr_eq(out, wt, sizeof(wt));
	/* drained members are never previewed */
	STEP(&img, NULL, "drain", E("mx2"));
	p = pool(img, APEX, MX);
	mxlb_pool_preview(p, 0, 1, 6, out);
	uint16_t m2 = member(p, E("10 mx2"));
	for (size_t k = 0; k < 6; k++)
		cr_assert_neq(out[k], m2, "preview %zu selects the drained mx2", k);
	t_worker_free(w);
	free_image(img);
}
