/* The fixture of the edit tests (test_edit.c, test_edit_state.c): the
 * image of tests/unit/data/edit.zone, changes applied with the checks every
 * call must pass, and answers checked with ldns (edit_fixture.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <criterion/criterion.h>

#include "edit_fixture.h"

struct mxlb_image *load_opts(const char *file, const struct mxlb_image_opts *opts)
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

struct mxlb_image *load(void)
{
	return load_opts(ZONE, NULL);
}

void free_image(struct mxlb_image *img)
{
	t_image_untrack(img);
	mxlb_image_free(img);
}

/* What mxlbd does once no worker reads OLD any more. */
void publish(struct mxlb_image *old, struct mxlb_image *next)
{
	mxlb_image_commit(next);
	mxlb_image_retire(old, next);
	t_image_untrack(old);
	t_image_untrack(next); /* committed: freed as an image from now on */
	t_image_track(next, NULL);
}

const char *joined(int argc, const char *const *argv)
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
int apply(const struct mxlb_image *cur, struct mxlb_image **next, char *msg, size_t msglen,
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
struct mxlb_image *apply_ok(int line, const struct mxlb_image *cur, const char *expmsg, int argc,
			    const char *const *argv)
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

void nochange_at(int line, const struct mxlb_image *cur, const char *sub, int argc,
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

/* ---- pools of an image ---- */

const char *type_str(uint16_t type)
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
const struct mxlb_cpool *pool_or_null(const struct mxlb_image *img, const char *owner,
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

const struct mxlb_cpool *pool(const struct mxlb_image *img, const char *owner, uint16_t type)
{
	const struct mxlb_cpool *p = pool_or_null(img, owner, type);
	cr_assert_not_null(p, "no pool %s %s", owner, type_str(type));
	return p;
}

/* Index of the member of P with RDATA (presentation form, names absolute),
 * found with mxlb_pool_member_find on RDATA that ldns encoded. -1 if none. */
int member_or_neg(const struct mxlb_cpool *p, const char *rdata)
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

uint16_t member(const struct mxlb_cpool *p, const char *rdata)
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
void check_at(int line, struct mxlb_worker *w, const struct mxlb_image *img, const char *owner,
	      uint16_t type, uint32_t ttl, size_t n, const char *const *rd)
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

/* The k-th answer of the unchanged 3-member apex pool. */
void check_apex3(int line, struct mxlb_worker *w, const struct mxlb_image *img, size_t k)
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
