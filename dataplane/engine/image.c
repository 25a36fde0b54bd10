/* Image assembly: name table, RRset grouping, and the order in which blocks
 * and pools are compiled. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "glue.h"
#include "pool.h"

int mxlb_build_grow(void **v, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap ? *cap : 16;
	while (c < need)
		c *= 2;
	void *n = realloc(*v, c * elem);
	if (!n)
		return -ENOMEM;
	*v = n;
	*cap = c;
	return 0;
}

int mxlb_build_fail(struct mxlb_build *b, int err, const char *fmt, ...)
{
	va_list ap;
	if (b->err && b->errlen && b->err[0] == 0) {
		va_start(ap, fmt);
		vsnprintf(b->err, b->errlen, fmt, ap);
		va_end(ap);
	}
	return err;
}

void mxlb_build_log(struct mxlb_build *b, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (b->opts.log)
		b->opts.log(b->opts.log_arg, msg);
	else
		fprintf(stderr, "mxlb: %s\n", msg);
}

void mxlb_image_opts_init(struct mxlb_image_opts *opts)
{
	*opts = (struct mxlb_image_opts){
	    .mx_mode = MXLB_MODE_PREFER, .a_mode = MXLB_MODE_ROTATE, .nworkers = 16};
}

/* --- name table ------------------------------------------------------- */

static int table_grow(struct mxlb_build *b)
{
	uint32_t size = b->slots ? (b->mask + 1) * 2 : 1024;
	struct mxlb_slot *s = calloc(size, sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (uint32_t i = 0; b->slots && i <= b->mask; i++) {
		if (!b->slots[i].node)
			continue;
		uint32_t j = b->slots[i].hash & (size - 1);
		while (s[j].node)
			j = (j + 1) & (size - 1);
		s[j] = b->slots[i];
	}
	free(b->slots);
	b->slots = s;
	b->mask = size - 1;
	return 0;
}

static uint32_t find_hashed(const struct mxlb_build *b, const uint8_t *lname, size_t len,
			    uint32_t h)
{
	if (!b->slots)
		return MXLB_NONE;
	for (uint32_t i = h & b->mask; b->slots[i].node; i = (i + 1) & b->mask) {
		const struct mxlb_slot *s = &b->slots[i];
		const struct mxlb_node *n = &b->nodes.v[s->node - 1];
		if (s->hash == h && n->name_len == len &&
		    memcmp(b->names.v + n->name, lname, len) == 0)
			return s->node - 1;
	}
	return MXLB_NONE;
}

uint32_t mxlb_build_find(const struct mxlb_build *b, const uint8_t *lname)
{
	return find_hashed(b, lname, mxlb_name_len(lname), mxlb_name_hash(lname));
}

int64_t mxlb_build_node(struct mxlb_build *b, const uint8_t *lname, uint16_t zone)
{
	int64_t first = -1;
	const uint8_t *apex =
	    zone < b->zones.n ? b->names.v + b->nodes.v[b->zones.v[zone].apex].name : NULL;

	for (const uint8_t *name = lname;; name += name[0] + 1) {
		size_t len = mxlb_name_len(name);
		uint32_t h = mxlb_name_hash(name);
		uint32_t found = find_hashed(b, name, len, h);
		if (found != MXLB_NONE) {
			if (first < 0)
				first = found;
			break;
		}
		if ((b->nodes.n + 1) * 2 > (size_t)b->mask + 1 && table_grow(b) < 0)
			return -ENOMEM;
		if (MXLB_VEC_RESERVE(b->nodes, 1) || MXLB_VEC_RESERVE(b->names, len))
			return -ENOMEM;
		if (apex)
			apex = b->names.v + b->nodes.v[b->zones.v[zone].apex].name;
		uint32_t idx = (uint32_t)b->nodes.n++;
		b->nodes.v[idx] = (struct mxlb_node){.name = (uint32_t)b->names.n,
						     .cname = MXLB_NONE,
						     .deleg = MXLB_NONE,
						     .refer = MXLB_NONE,
						     .wild = MXLB_NONE,
						     .zone = zone,
						     .name_len = (uint8_t)len};
		memcpy(b->names.v + b->names.n, name, len);
		b->names.n += len;
		uint32_t i = h & b->mask;
		while (b->slots[i].node)
			i = (i + 1) & b->mask;
		b->slots[i] = (struct mxlb_slot){.hash = h, .node = idx + 1};
		if (first < 0)
			first = idx;
		if (!apex || name[0] == 0 || mxlb_name_equal(name, apex))
			break;
	}
	return first;
}

const struct mxlb_bset *mxlb_build_bset(const struct mxlb_build *b, uint32_t node, uint16_t type)
{
	if (!b->node_bsets)
		return NULL;
	for (uint32_t i = b->node_bsets[node]; i < b->node_bsets[node + 1]; i++)
		if (b->bsets.v[i].type == type)
			return &b->bsets.v[i];
	return NULL;
}

struct mxlb_gluesrc mxlb_build_gluesrc(const struct mxlb_build *b)
{
	return (struct mxlb_gluesrc){.slots = b->slots,
				     .mask = b->mask,
				     .nodes = b->nodes.v,
				     .names = b->names.v,
				     .glue = b->glue.v,
				     .gluedata = b->gluedata.v};
}

/* --- RRsets ----------------------------------------------------------- */

/* The order of a node's RRsets: pool types first, MX leading, so that the
 * packet path finds the common ones at the front. */
static unsigned type_rank(uint16_t type)
{
	switch (type) {
	case MXLB_TYPE_MX:
		return 0;
	case MXLB_TYPE_A:
		return 1;
	case MXLB_TYPE_AAAA:
		return 2;
	case MXLB_TYPE_SRV:
		return 3;
	default:
		return 4u + type;
	}
}

static int src_cmp(const void *x, const void *y)
{
	const struct mxlb_src_rr *a = x, *b = y;
	if (a->node != b->node)
		return a->node < b->node ? -1 : 1;
	if (a->type != b->type)
		return type_rank(a->type) < type_rank(b->type) ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int same_rdata(const struct mxlb_build *b, const struct mxlb_src_rr *x,
		      const struct mxlb_src_rr *y)
{
	return x->rdlen == y->rdlen &&
	       memcmp(b->srcdata.v + x->rdata, b->srcdata.v + y->rdata, x->rdlen) == 0;
}

/* Groups the sorted records into RRsets, drops duplicate records (RFC 2181
 * §5) and checks that a CNAME stands alone (RFC 1034 §3.6.2, RFC 2181 §10.1). */
static int group_rrsets(struct mxlb_build *b)
{
	char text[1024];

	qsort(b->src.v, b->src.n, sizeof(*b->src.v), src_cmp);
	b->node_bsets = calloc(b->nodes.n + 1, sizeof(uint32_t));
	if (!b->node_bsets)
		return -ENOMEM;
	size_t out = 0;
	uint32_t node = 0;
	for (size_t i = 0; i < b->src.n;) {
		size_t j = i, first = out;
		const struct mxlb_src_rr *r = &b->src.v[i];
		for (; j < b->src.n && b->src.v[j].node == r->node && b->src.v[j].type == r->type;
		     j++) {
			int dup = 0;
			for (size_t k = first; k < out && !dup; k++)
				dup = same_rdata(b, &b->src.v[k], &b->src.v[j]);
			if (!dup)
				b->src.v[out++] = b->src.v[j];
		}
		if (MXLB_VEC_RESERVE(b->bsets, 1))
			return -ENOMEM;
		const struct mxlb_src_rr *f = &b->src.v[first];
		for (; node <= f->node; node++)
			b->node_bsets[node] = (uint32_t)b->bsets.n;
		struct mxlb_bset *s = &b->bsets.v[b->bsets.n++];
		*s = (struct mxlb_bset){.node = f->node,
					.first = (uint32_t)first,
					.count = (uint32_t)(out - first),
					.ttl = f->ttl,
					.type = f->type};
		for (size_t k = first + 1; k < out; k++)
			if (b->src.v[k].ttl != s->ttl) {
				mxlb_name_to_text(b->names.v + b->nodes.v[s->node].name, text,
						  sizeof(text));
				mxlb_build_log(b,
					       "%s:%u: %s type %u: TTLs differ within the RRset; "
					       "serving all with %u (RFC 2181 §5.2)",
					       b->files[b->src.v[k].file], b->src.v[k].line, text,
					       s->type, s->ttl);
				break;
			}
		i = j;
	}
	for (; node <= b->nodes.n; node++)
		b->node_bsets[node] = (uint32_t)b->bsets.n;
	b->src.n = out;

	for (uint32_t n = 0; n < b->nodes.n; n++) {
		const struct mxlb_bset *c = mxlb_build_bset(b, n, MXLB_TYPE_CNAME);
		if (!c)
			continue;
		const struct mxlb_src_rr *r = &b->src.v[c->first];
		mxlb_name_to_text(b->names.v + b->nodes.v[n].name, text, sizeof(text));
		if (c->count > 1)
			return mxlb_build_fail(b, -EINVAL, "%s:%u: %s has more than one CNAME",
					       b->files[r->file], r->line, text);
		if (b->node_bsets[n + 1] - b->node_bsets[n] > 1)
			return mxlb_build_fail(b, -EINVAL, "%s:%u: %s has a CNAME and other data",
					       b->files[r->file], r->line, text);
	}
	return 0;
}

/* Copies record R of bset S into the kept records (glue and one-record
 * RRsets), its RDATA into gluedata. */
static int keep_record(struct mxlb_build *b, struct mxlb_glue *out, const struct mxlb_bset *s,
		       const struct mxlb_src_rr *r)
{
	if (MXLB_VEC_RESERVE(b->gluedata, r->rdlen))
		return -ENOMEM;
	*out = (struct mxlb_glue){
	    .rdata = (uint32_t)b->gluedata.n, .ttl = s->ttl, .type = s->type, .rdlen = r->rdlen};
	memcpy(b->gluedata.v + b->gluedata.n, b->srcdata.v + r->rdata, r->rdlen);
	b->gluedata.n += r->rdlen;
	return 0;
}

/* The A and AAAA records of every name, kept for the additional section of
 * pools built now and at run time. */
static int collect_glue(struct mxlb_build *b)
{
	static const uint16_t types[] = {MXLB_TYPE_A, MXLB_TYPE_AAAA};

	for (uint32_t n = 0; n < b->nodes.n; n++) {
		b->nodes.v[n].glue = (uint32_t)b->glue.n;
		for (size_t t = 0; t < 2; t++) {
			const struct mxlb_bset *s = mxlb_build_bset(b, n, types[t]);
			for (uint32_t k = 0; s && k < s->count; k++) {
				if (MXLB_VEC_RESERVE(b->glue, 1) ||
				    keep_record(b, &b->glue.v[b->glue.n++], s,
						&b->src.v[s->first + k]) < 0)
					return -ENOMEM;
			}
		}
		b->nodes.v[n].nglue = (uint16_t)(b->glue.n - b->nodes.v[n].glue);
	}
	return 0;
}

/* Zone cuts and wildcards. A node with NS that is not a zone apex is a
 * delegation (RFC 1034 §4.2.1): it and every name below it are answered with
 * a referral. The topmost cut above a name wins. A node "*.X" is the
 * wildcard of X (RFC 4592 §2.1.1). */
static void find_cuts(struct mxlb_build *b)
{
	for (uint32_t n = 0; n < b->nodes.n; n++) {
		const uint8_t *name = b->names.v + b->nodes.v[n].name;
		if (name[0] == 1 && name[1] == '*') {
			uint32_t parent = mxlb_build_find(b, name + 2);
			if (parent != MXLB_NONE)
				b->nodes.v[parent].wild = n;
		}
	}
	for (uint32_t n = 0; n < b->nodes.n; n++) {
		struct mxlb_node *node = &b->nodes.v[n];
		uint32_t apex = b->zones.v[node->zone].apex;
		if (n == apex)
			continue;
		/* walk up to the apex; remember the topmost cut on the way */
		for (const uint8_t *name = b->names.v + node->name; name[0] != 0;
		     name += name[0] + 1) {
			uint32_t a = mxlb_build_find(b, name);
			if (a == MXLB_NONE || a == apex)
				break;
			if (mxlb_build_bset(b, a, MXLB_TYPE_NS))
				node->deleg = a;
		}
	}
}

/* The referral of a zone cut: its NS RRset in the authority section and the
 * addresses of the name servers in the additional section (RFC 1034 §4.3.2
 * step 3b). */
static int compile_referral(struct mxlb_build *b, struct mxlb_blockw *w, uint32_t cut)
{
	const struct mxlb_bset *s = mxlb_build_bset(b, cut, MXLB_TYPE_NS);
	struct mxlb_gluesrc g = mxlb_build_gluesrc(b);

	mxlb_block_writer_reset(w);
	for (uint32_t k = 0; k < s->count; k++) {
		const struct mxlb_src_rr *r = &b->src.v[s->first + k];
		if (k == 0)
			mxlb_block_writer_home(w, b->nodes.v[cut].name_len);
		mxlb_block_rr(w, MXLB_SEC_AUTHORITY, b->names.v + b->nodes.v[cut].name,
			      MXLB_TYPE_NS, s->ttl, b->srcdata.v + r->rdata, r->rdlen);
	}
	for (uint32_t k = 0; k < s->count; k++)
		mxlb_block_glue(w, &g, b->srcdata.v + b->src.v[s->first + k].rdata);
	int64_t bi = mxlb_block_finish(w, &b->sink);
	if (bi < 0)
		return (int)bi;
	b->nodes.v[cut].refer = (uint32_t)bi;
	return 0;
}

/* A CHAOS-class TXT answer (the id.server / version.bind convention,
 * RFC 4892): one character-string, cut at 255 octets. */
static int64_t compile_chaos(struct mxlb_build *b, struct mxlb_blockw *w, const char *text)
{
	uint8_t rd[256];
	size_t n = strlen(text) > 255 ? 255 : strlen(text);
	rd[0] = (uint8_t)n;
	memcpy(rd + 1, text, n);
	mxlb_block_writer_reset(w);
	mxlb_block_writer_class(w, MXLB_CLASS_CH);
	mxlb_block_rr(w, MXLB_SEC_ANSWER, NULL, MXLB_TYPE_TXT, 0, rd, (uint16_t)(n + 1));
	return mxlb_block_finish(w, &b->sink);
}

/* The SOA in the authority section of negative answers, with the TTL of
 * RFC 2308 §3: min(SOA TTL, SOA MINIMUM). */
static int compile_soa(struct mxlb_build *b, struct mxlb_blockw *w, struct mxlb_zone_ent *z)
{
	const struct mxlb_bset *s = mxlb_build_bset(b, z->apex, MXLB_TYPE_SOA);
	const struct mxlb_src_rr *r = &b->src.v[s->first];
	if (r->rdlen < 20)
		return mxlb_build_fail(b, -EINVAL, "%s:%u: SOA RDATA too short", b->files[r->file],
				       r->line);
	uint32_t minimum = mxlb_wire_get32(b->srcdata.v + r->rdata + r->rdlen - 4);
	mxlb_block_writer_reset(w);
	mxlb_block_writer_home(w, b->nodes.v[z->apex].name_len);
	mxlb_block_rr(w, MXLB_SEC_AUTHORITY, b->names.v + b->nodes.v[z->apex].name, MXLB_TYPE_SOA,
		      s->ttl < minimum ? s->ttl : minimum, b->srcdata.v + r->rdata, r->rdlen);
	int64_t bi = mxlb_block_finish(w, &b->sink);
	if (bi < 0)
		return (int)bi;
	z->soa = (uint32_t)bi;
	return 0;
}

/* Whether bset S is a one-record MX or SRV RRset whose exchange or target
 * has an address pool (an A or AAAA RRset of two or more records) in the
 * zones. Such an RRset is compiled as a glue-only pool (mxlb_cpool.glue_only)
 * instead of a fixed block: its answer is the same, and a change to the
 * address pool rebuilds it with the new addresses (mxlb_glue_follow). It
 * shares its pool with every identical RRset, as pools do, so that thousands
 * of domains with the same single MX cost one pool and one rebuild. Other
 * one-record RRsets stay fixed blocks and cost nothing more. */
static int glue_follows(const struct mxlb_build *b, const struct mxlb_bset *s)
{
	int toff = mxlb_block_target_off(s->type);
	if (s->count != 1 || (s->type != MXLB_TYPE_MX && s->type != MXLB_TYPE_SRV))
		return 0;
	const struct mxlb_src_rr *r = &b->src.v[s->first];
	if (r->rdlen <= toff)
		return 0;
	struct mxlb_gluesrc g = mxlb_build_gluesrc(b);
	uint32_t node = mxlb_glue_node(&g, b->srcdata.v + r->rdata + toff);
	if (node == MXLB_NONE)
		return 0;
	const struct mxlb_bset *a = mxlb_build_bset(b, node, MXLB_TYPE_A);
	const struct mxlb_bset *aaaa = mxlb_build_bset(b, node, MXLB_TYPE_AAAA);
	return (a && a->count >= 2) || (aaaa && aaaa->count >= 2);
}

static int compile(struct mxlb_build *b)
{
	struct mxlb_blockw *w = mxlb_block_writer_new();
	char text[1024];
	int rc = 0;

	if (!w)
		return -ENOMEM;
	for (size_t z = 0; z < b->zones.n && rc == 0; z++)
		rc = compile_soa(b, w, &b->zones.v[z]);
	for (uint32_t n = 0; n < b->nodes.n && rc == 0; n++)
		if (b->nodes.v[n].deleg == n)
			rc = compile_referral(b, w, n);
	b->chaos_id = b->chaos_version = MXLB_NONE;
	if (rc == 0 && b->opts.identity) {
		int64_t bi = compile_chaos(b, w, b->opts.identity);
		rc = bi < 0 ? (int)bi : 0;
		b->chaos_id = (uint32_t)bi;
	}
	if (rc == 0 && b->opts.version) {
		int64_t bi = compile_chaos(b, w, b->opts.version);
		rc = bi < 0 ? (int)bi : 0;
		b->chaos_version = (uint32_t)bi;
	}
	for (uint32_t n = 0; n < b->nodes.n && rc == 0; n++) {
		uint32_t lo = b->node_bsets[n], hi = b->node_bsets[n + 1];
		if (MXLB_VEC_RESERVE(b->refs, hi - lo) ||
		    MXLB_VEC_RESERVE(b->ref_single, hi - lo)) {
			rc = -ENOMEM;
			break;
		}
		b->nodes.v[n].refs = (uint32_t)b->refs.n;
		b->nodes.v[n].nrefs = (uint16_t)(hi - lo);
		for (uint32_t i = lo; i < hi && rc == 0; i++) {
			const struct mxlb_bset *s = &b->bsets.v[i];
			int pool = (s->count >= 2 && mxlb_pool_type(s->type)) || glue_follows(b, s);
			int64_t idx = pool ? mxlb_pool_compile(b, w, s) : mxlb_block_rrset(w, b, s);
			if (idx < 0) {
				mxlb_name_to_text(b->names.v + b->nodes.v[n].name, text,
						  sizeof(text));
				rc = mxlb_build_fail(b, (int)idx, "%s:%u: %s type %u: %s",
						     b->files[b->src.v[s->first].file],
						     b->src.v[s->first].line, text, s->type,
						     idx == -E2BIG
							 ? "RRset too large for a DNS message"
							 : strerror((int)-idx));
				break;
			}
			b->refs.v[b->refs.n++] = (struct mxlb_rrref){
			    .type = s->type, .val = (uint32_t)idx | (pool ? MXLB_REF_POOL : 0)};
			if (s->type == MXLB_TYPE_CNAME)
				b->nodes.v[n].cname = (uint32_t)idx;
			b->ref_single.v[b->ref_single.n++] = MXLB_NONE;
			if (s->count == 1 && mxlb_pool_type(s->type)) {
				const struct mxlb_src_rr *r = &b->src.v[s->first];
				b->ref_single.v[b->ref_single.n - 1] = (uint32_t)b->singles.n;
				if (MXLB_VEC_RESERVE(b->singles, 1) ||
				    keep_record(b, &b->singles.v[b->singles.n++], s, r) < 0) {
					rc = -ENOMEM;
					break;
				}
			}
		}
	}
	mxlb_block_writer_free(w);
	return rc;
}

static void build_free(struct mxlb_build *b)
{
	free(b->nodes.v);
	free(b->names.v);
	free(b->slots);
	free(b->src.v);
	free(b->srcdata.v);
	free(b->bsets.v);
	free(b->node_bsets);
	free(b->zones.v);
	free(b->glue.v);
	free(b->gluedata.v);
	free(b->refs.v);
	free(b->ref_single.v);
	free(b->singles.v);
	mxlb_sink_free(&b->sink);
	for (size_t i = 0; i < b->pools.n; i++)
		mxlb_pool_free(b->pools.v[i]);
	free(b->pools.v);
	free(b->pool_slots);
	free(b->pool_hash);
}

static void base_free(struct mxlb_base *base)
{
	if (!base)
		return;
	free(base->slots);
	free(base->nodes);
	free(base->names);
	free(base->refs);
	free(base->blocks);
	free(base->blob);
	free(base->aux);
	free(base->zones);
	free(base->glue);
	free(base->gluedata);
	free(base->ref_single);
	free(base->singles);
	free(base);
}

/* Copies the base's tables into the version, where the packet path reads
 * them with one pointer less. */
static void image_bind(struct mxlb_image *img, struct mxlb_base *base)
{
	img->base = base;
	img->slots = base->slots;
	img->mask = base->mask;
	img->nodes = base->nodes;
	img->names = base->names;
	img->refs = base->refs;
	img->blocks = base->blocks;
	img->blob = base->blob;
	img->aux = base->aux;
	img->zones = base->zones;
}

int mxlb_image_load(struct mxlb_image **out, const char *const *files, size_t nfiles,
		    const struct mxlb_image_opts *opts, char *err, size_t errlen)
{
	struct mxlb_build b = {.files = files, .err = err, .errlen = errlen};
	int rc = 0;

	if (err && errlen)
		err[0] = 0;
	if (opts)
		b.opts = *opts;
	else
		mxlb_image_opts_init(&b.opts);
	if (b.opts.nworkers == 0)
		b.opts.nworkers = 1;
	if (nfiles == 0 || nfiles > 65535)
		return mxlb_build_fail(&b, -EINVAL, "no zone files given");
	if (table_grow(&b) < 0)
		return mxlb_build_fail(&b, -ENOMEM, "out of memory");
	for (size_t f = 0; f < nfiles && rc == 0; f++)
		rc = mxlb_zone_read(&b, (uint16_t)f);
	if (rc == 0)
		rc = group_rrsets(&b);
	/* words read past the last name by mxlb_image_find stay inside */
	if (rc == 0 && MXLB_VEC_RESERVE(b.names, MXLB_NAME_PAD))
		rc = -ENOMEM;
	if (rc == 0)
		memset(b.names.v + b.names.n, 0, MXLB_NAME_PAD);
	if (rc == 0) {
		find_cuts(&b);
		rc = collect_glue(&b);
	}
	if (rc == 0)
		rc = compile(&b);
	struct mxlb_image *img = rc == 0 ? calloc(1, sizeof(*img)) : NULL;
	struct mxlb_base *base = rc == 0 ? calloc(1, sizeof(*base)) : NULL;
	if (rc == 0 && (!img || !base))
		rc = -ENOMEM;
	if (rc < 0) {
		mxlb_build_fail(&b, rc, "%s", strerror(-rc));
		free(img);
		free(base);
		build_free(&b);
		return rc;
	}
	*base = (struct mxlb_base){
	    .slots = b.slots,
	    .mask = b.mask,
	    .nnodes = (uint32_t)b.nodes.n,
	    .nodes = b.nodes.v,
	    .names = b.names.v,
	    .refs = b.refs.v,
	    .nrefs = (uint32_t)b.refs.n,
	    .blocks = b.sink.blocks.v,
	    .nblocks = (uint32_t)b.sink.blocks.n,
	    .blob = b.sink.blob.v,
	    .aux = b.sink.aux.v,
	    .zones = b.zones.v,
	    .nzones = (uint32_t)b.zones.n,
	    .glue = b.glue.v,
	    .gluedata = b.gluedata.v,
	    .ref_single = b.ref_single.v,
	    .singles = b.singles.v,
	    .chaos_id = b.chaos_id,
	    .chaos_version = b.chaos_version,
	    .opts = b.opts,
	    .versions = 1,
	};
	image_bind(img, base);
	img->version = 1;
	img->npools = (uint32_t)b.pools.n;
	img->pools = b.pools.v;
	img->patch.ref = MXLB_NONE;
	b.slots = NULL, b.nodes.v = NULL, b.names.v = NULL, b.refs.v = NULL;
	b.sink = (struct mxlb_sink){0};
	b.zones.v = NULL, b.glue.v = NULL, b.gluedata.v = NULL;
	b.ref_single.v = NULL, b.singles.v = NULL;
	b.pools.v = NULL, b.pools.n = 0;
	if (b.shared_pools)
		mxlb_build_log(&b, "%u pools serve %llu more RRsets with identical members",
			       img->npools - b.glue_pools, (unsigned long long)b.shared_pools);
	if (b.glue_pools)
		mxlb_build_log(&b,
			       "%llu one-record MX/SRV RRsets (%u distinct) take their additional "
			       "section from address pools",
			       (unsigned long long)b.glue_owners, b.glue_pools);
	build_free(&b);
	*out = img;
	return 0;
}

struct mxlb_image *mxlb_image_next(const struct mxlb_image *old)
{
	struct mxlb_image *img = malloc(sizeof(*img));
	struct mxlb_cpool **pools = malloc((old->npools + 1) * sizeof(*pools));
	if (!img || !pools) {
		free(img);
		free(pools);
		return NULL;
	}
	*img = *old;
	memcpy(pools, old->pools, old->npools * sizeof(*pools));
	img->pools = pools;
	img->version = old->version + 1;
	img->patch.ref = MXLB_NONE;
	img->base->versions++;
	return img;
}

void mxlb_image_commit(struct mxlb_image *next)
{
	if (next->patch.ref == MXLB_NONE)
		return;
	__atomic_store_n(&next->base->refs[next->patch.ref].val, next->patch.val, __ATOMIC_RELEASE);
	next->patch.ref = MXLB_NONE;
}

void mxlb_image_retire(struct mxlb_image *old, const struct mxlb_image *next)
{
	for (uint32_t i = 0; i < old->npools; i++) {
		int kept = next && next->base == old->base && i < next->npools &&
			   next->pools[i] == old->pools[i];
		if (kept)
			continue;
		if (next && next->base == old->base && i < next->npools && next->pools[i])
			mxlb_pool_settle(next->pools[i], old->pools[i]);
		mxlb_pool_free(old->pools[i]);
	}
	free(old->pools);
	if (--old->base->versions == 0)
		base_free(old->base);
	free(old);
}

void mxlb_image_discard(struct mxlb_image *next, const struct mxlb_image *cur)
{
	for (uint32_t i = 0; i < next->npools; i++)
		if (i >= cur->npools || next->pools[i] != cur->pools[i])
			mxlb_pool_free(next->pools[i]);
	free(next->pools);
	next->base->versions--;
	free(next);
}

void mxlb_image_free(struct mxlb_image *img)
{
	if (img)
		mxlb_image_retire(img, NULL);
}

uint32_t mxlb_image_pool_count(const struct mxlb_image *img)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < img->npools; i++)
		n += !img->pools[i]->glue_only;
	return n;
}

uint32_t mxlb_image_zone_count(const struct mxlb_image *img)
{
	return img->base->nzones;
}

uint64_t mxlb_image_name_count(const struct mxlb_image *img)
{
	return img->base->nnodes;
}
