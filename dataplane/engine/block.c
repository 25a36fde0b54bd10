/* Answer blocks: records encoded once, at load time, in the exact form they
 * take in a response after the question. Name compression (RFC 1035 §4.1.4)
 * is applied to owner names and to the RDATA names of the types RFC 1035
 * defines (NS, CNAME, PTR, MX, SOA); SRV targets are never compressed
 * (RFC 2782) but can be pointed at; other types are opaque (RFC 3597 §4). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "glue.h"
#include "pool.h"

#define BLOCK_MAX 65000	 /* leaves room for header, question and OPT in 64 KiB */
#define PTR_MAX	  0x3F00 /* relative pointers stay valid once the base is added */

struct dict_ent {
	uint32_t name; /* lower-case suffix in dnames */
	uint16_t off;  /* where that suffix starts in the block */
	uint8_t len;
};

struct mxlb_blockw {
	uint8_t buf[BLOCK_MAX + 512];
	size_t len;
	int section;
	uint16_t count[3];
	size_t req;
	MXLB_VEC(uint16_t) add_end;
	MXLB_VEC(uint16_t) fix;
	MXLB_VEC(struct dict_ent) dict;
	MXLB_VEC(uint8_t) dnames;
	MXLB_VEC(uint32_t) glued;
	int err;
	int glue_full; /* a glue record did not fit: the block takes no more */
	uint16_t cls;  /* class of the records written; IN unless set */
	uint16_t home; /* message offset the pointers are stored for */
};

struct mxlb_blockw *mxlb_block_writer_new(void)
{
	struct mxlb_blockw *w = calloc(1, sizeof(struct mxlb_blockw));
	if (w)
		w->cls = MXLB_CLASS_IN;
	return w;
}

void mxlb_block_writer_class(struct mxlb_blockw *w, uint16_t cls)
{
	w->cls = cls;
}

void mxlb_block_writer_home(struct mxlb_blockw *w, size_t owner_len)
{
	w->home = (uint16_t)(MXLB_WIRE_HDR_LEN + owner_len + 4);
}

void mxlb_block_writer_free(struct mxlb_blockw *w)
{
	if (!w)
		return;
	free(w->add_end.v);
	free(w->fix.v);
	free(w->dict.v);
	free(w->dnames.v);
	free(w->glued.v);
	free(w);
}

void mxlb_block_writer_reset(struct mxlb_blockw *w)
{
	w->len = 0;
	w->section = MXLB_SEC_ANSWER;
	memset(w->count, 0, sizeof(w->count));
	w->req = 0;
	w->add_end.n = w->fix.n = w->dict.n = w->dnames.n = w->glued.n = 0;
	w->err = 0;
	w->glue_full = 0;
	w->cls = MXLB_CLASS_IN;
	w->home = 0;
}

int mxlb_block_target_off(uint16_t type)
{
	switch (type) {
	case MXLB_TYPE_NS:
	case MXLB_TYPE_CNAME:
	case MXLB_TYPE_PTR:
		return 0;
	case MXLB_TYPE_MX:
		return 2;
	case MXLB_TYPE_SRV:
		return 6;
	default:
		return -1;
	}
}

static int room(struct mxlb_blockw *w, size_t n)
{
	if (w->len + n > BLOCK_MAX) {
		w->err = -E2BIG;
		return -1;
	}
	return 0;
}

static const struct dict_ent *dict_find(const struct mxlb_blockw *w, const uint8_t *lname,
					size_t len)
{
	for (size_t i = 0; i < w->dict.n; i++) {
		const struct dict_ent *e = &w->dict.v[i];
		if (e->len == len && memcmp(w->dnames.v + e->name, lname, len) == 0)
			return e;
	}
	return NULL;
}

static void dict_add(struct mxlb_blockw *w, const uint8_t *lname, size_t len, size_t off)
{
	if (off >= PTR_MAX || MXLB_VEC_RESERVE(w->dict, 1) || MXLB_VEC_RESERVE(w->dnames, len))
		return; /* only costs compression */
	memcpy(w->dnames.v + w->dnames.n, lname, len);
	w->dict.v[w->dict.n++] = (struct dict_ent){
	    .name = (uint32_t)w->dnames.n, .off = (uint16_t)off, .len = (uint8_t)len};
	w->dnames.n += len;
}

/* Writes uncompressed wire name NAME (at most AVAIL octets of it readable):
 * literally up to the longest suffix already in the block, then a pointer
 * (when COMPRESS). Every suffix written literally becomes a pointer target. */
static int put_name(struct mxlb_blockw *w, const uint8_t *name, size_t avail, int compress)
{
	uint8_t lname[MXLB_WIRE_NAME_MAX], loff[MXLB_NAME_LABELS_MAX];
	unsigned nl;
	size_t len = mxlb_name_fold(name, avail, lname, loff, &nl);

	if (len == 0) {
		w->err = -EINVAL;
		return -1;
	}
	for (unsigned i = 0; i <= nl; i++) {
		size_t at = i < nl ? loff[i] : len - 1;
		const struct dict_ent *e =
		    compress && i < nl ? dict_find(w, lname + at, len - at) : NULL;
		if (e || i == nl) {
			/* dict_add may move the dictionary: take the target first */
			int ptr = e != NULL;
			uint16_t target = e ? e->off : 0;
			if (room(w, at + 2) < 0)
				return -1;
			memcpy(w->buf + w->len, name, at);
			for (unsigned j = 0; j < i; j++)
				dict_add(w, lname + loff[j], len - loff[j], w->len + loff[j]);
			w->len += at;
			if (ptr) {
				if (MXLB_VEC_RESERVE(w->fix, 1)) {
					w->err = -ENOMEM;
					return -1;
				}
				w->fix.v[w->fix.n++] = (uint16_t)w->len;
				mxlb_wire_put16(w->buf + w->len, (uint16_t)(0xC000 | target));
				w->len += 2;
			} else {
				w->buf[w->len++] = 0;
			}
			return 0;
		}
	}
	return 0;
}

/* RDATA with its names placed through put_name where the type has them. */
static int put_rdata(struct mxlb_blockw *w, uint16_t type, const uint8_t *rd, uint16_t rdlen)
{
	size_t names = 0, head = 0;
	int compress = 1;

	switch (type) {
	case MXLB_TYPE_NS:
	case MXLB_TYPE_CNAME:
	case MXLB_TYPE_PTR:
		names = 1;
		break;
	case MXLB_TYPE_MX:
		head = 2, names = 1;
		break;
	case MXLB_TYPE_SOA:
		names = 2;
		break;
	case MXLB_TYPE_SRV:
		head = 6, names = 1, compress = 0;
		break;
	}
	if (room(w, rdlen) < 0)
		return -1;
	if (names == 0 || rdlen < head) {
		memcpy(w->buf + w->len, rd, rdlen);
		w->len += rdlen;
		return 0;
	}
	memcpy(w->buf + w->len, rd, head);
	w->len += head;
	size_t pos = head;
	for (size_t k = 0; k < names; k++) {
		if (put_name(w, rd + pos, rdlen - pos, compress) < 0)
			return -1;
		pos += mxlb_name_len(rd + pos);
	}
	if (pos > rdlen) {
		w->err = -EINVAL;
		return -1;
	}
	if (room(w, rdlen - pos) < 0)
		return -1;
	memcpy(w->buf + w->len, rd + pos, rdlen - pos);
	w->len += rdlen - pos;
	return 0;
}

int mxlb_block_rr(struct mxlb_blockw *w, int section, const uint8_t *owner, uint16_t type,
		  uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	if (w->err)
		return w->err;
	if (section < w->section)
		return w->err = -EINVAL;
	if (section == MXLB_SEC_ADDITIONAL && w->section != MXLB_SEC_ADDITIONAL)
		w->req = w->len;
	w->section = section;

	if (owner) {
		if (put_name(w, owner, MXLB_WIRE_NAME_MAX, 1) < 0)
			return w->err;
	} else {
		if (room(w, 2) < 0)
			return w->err;
		mxlb_wire_put16(w->buf + w->len, 0xC000 | MXLB_WIRE_HDR_LEN);
		w->len += 2;
	}
	if (room(w, 10) < 0)
		return w->err;
	uint8_t *f = w->buf + w->len;
	mxlb_wire_put16(f, type);
	mxlb_wire_put16(f + 2, w->cls);
	mxlb_wire_put32(f + 4, ttl);
	w->len += 10;
	size_t start = w->len;
	if (put_rdata(w, type, rdata, rdlen) < 0)
		return w->err;
	mxlb_wire_put16(f + 8, (uint16_t)(w->len - start));
	w->count[section]++;
	if (section == MXLB_SEC_ADDITIONAL) {
		if (MXLB_VEC_RESERVE(w->add_end, 1))
			return w->err = -ENOMEM;
		w->add_end.v[w->add_end.n++] = (uint16_t)w->len;
	}
	return 0;
}

/* One glue record for TARGET when it fits in the block even with its owner
 * written out in full (and the room put_name asks for beyond it): what does
 * not fit is left out, with every glue record after it, never the answer.
 * Returns 1 when written, 0 when left out, or a negative errno. */
static int put_glue(struct mxlb_blockw *w, const uint8_t *target, uint16_t type, uint32_t ttl,
		    const uint8_t *rdata, uint16_t rdlen)
{
	if (w->glue_full || w->len + mxlb_name_len(target) + 1 + 10 + rdlen > BLOCK_MAX) {
		w->glue_full = 1;
		return 0;
	}
	int rc = mxlb_block_rr(w, MXLB_SEC_ADDITIONAL, target, type, ttl, rdata, rdlen);
	return rc < 0 ? rc : 1;
}

int mxlb_block_glue(struct mxlb_blockw *w, const struct mxlb_gluesrc *g, const uint8_t *target)
{
	static const uint16_t types[] = {MXLB_TYPE_A, MXLB_TYPE_AAAA};
	uint16_t order[MXLB_POOL_MEMBERS_MAX];
	int rc = 0;

	uint32_t node = mxlb_glue_node(g, target);
	if (node == MXLB_NONE || w->glue_full)
		return 0;
	for (size_t i = 0; i < w->glued.n; i++)
		if (w->glued.v[i] == node)
			return 0;
	if (MXLB_VEC_RESERVE(w->glued, 1))
		return w->err = -ENOMEM;
	w->glued.v[w->glued.n++] = node;
	const struct mxlb_node *n = &g->nodes[node];
	for (size_t t = 0; t < 2; t++) {
		/* the version's pool, or the records of the zone files */
		const struct mxlb_cpool *p = mxlb_glue_pool(g, node, types[t]);
		if (p) {
			size_t k = mxlb_pool_listed(p, order);
			for (size_t i = 0; i < k; i++) {
				const struct mxlb_member *m = &p->members[order[i]];
				if ((rc = put_glue(w, target, p->type, p->ttl, p->rdata + m->rdata,
						   m->rdlen)) <= 0)
					return rc;
			}
			continue;
		}
		for (uint32_t k = 0; k < n->nglue; k++) {
			const struct mxlb_glue *r = &g->glue[n->glue + k];
			if (r->type != types[t])
				continue;
			if ((rc = put_glue(w, target, r->type, r->ttl, g->gluedata + r->rdata,
					   r->rdlen)) <= 0)
				return rc;
		}
	}
	return 0;
}

void mxlb_sink_free(struct mxlb_sink *s)
{
	free(s->blocks.v);
	free(s->blob.v);
	free(s->aux.v);
	*s = (struct mxlb_sink){0};
}

int64_t mxlb_block_finish(struct mxlb_blockw *w, struct mxlb_sink *b)
{
	if (w->err)
		return w->err;
	if (w->section != MXLB_SEC_ADDITIONAL)
		w->req = w->len;
	if (MXLB_VEC_RESERVE(b->blocks, 1) || MXLB_VEC_RESERVE(b->blob, w->len) ||
	    MXLB_VEC_RESERVE(b->aux, w->add_end.n + w->fix.n))
		return -ENOMEM;
	struct mxlb_block *blk = &b->blocks.v[b->blocks.n];
	*blk = (struct mxlb_block){
	    .off = (uint32_t)b->blob.n,
	    .len = (uint16_t)w->len,
	    .req = (uint16_t)w->req,
	    .ancount = w->count[MXLB_SEC_ANSWER],
	    .nscount = w->count[MXLB_SEC_AUTHORITY],
	    .nadd = (uint16_t)w->add_end.n,
	    .nfix = (uint16_t)w->fix.n,
	    .aux = (uint32_t)b->aux.n,
	    .home = w->home,
	};
	for (size_t i = 0; i < w->fix.n; i++)
		mxlb_wire_put16(w->buf + w->fix.v[i],
				(uint16_t)(mxlb_wire_get16(w->buf + w->fix.v[i]) + w->home));
	memcpy(b->blob.v + b->blob.n, w->buf, w->len);
	b->blob.n += w->len;
	if (w->add_end.n)
		memcpy(b->aux.v + b->aux.n, w->add_end.v, w->add_end.n * sizeof(uint16_t));
	b->aux.n += w->add_end.n;
	if (w->fix.n)
		memcpy(b->aux.v + b->aux.n, w->fix.v, w->fix.n * sizeof(uint16_t));
	b->aux.n += w->fix.n;
	return (int64_t)b->blocks.n++;
}

int64_t mxlb_block_rrset(struct mxlb_blockw *w, struct mxlb_build *b, const struct mxlb_bset *s)
{
	int toff = mxlb_block_target_off(s->type);
	int glue = toff >= 0 && s->type != MXLB_TYPE_CNAME && s->type != MXLB_TYPE_PTR;
	struct mxlb_gluesrc g = mxlb_build_gluesrc(b);

	mxlb_block_writer_reset(w);
	mxlb_block_writer_home(w, b->nodes.v[s->node].name_len);
	for (uint32_t k = 0; k < s->count; k++) {
		const struct mxlb_src_rr *r = &b->src.v[s->first + k];
		mxlb_block_rr(w, MXLB_SEC_ANSWER, NULL, s->type, s->ttl, b->srcdata.v + r->rdata,
			      r->rdlen);
	}
	for (uint32_t k = 0; glue && k < s->count; k++) {
		const struct mxlb_src_rr *r = &b->src.v[s->first + k];
		if (r->rdlen > toff)
			mxlb_block_glue(w, &g, b->srcdata.v + r->rdata + toff);
	}
	return mxlb_block_finish(w, &b->sink);
}
