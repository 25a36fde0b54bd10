/* The packet path: parse, look up, and write the answer over the query.
 * One small function per kind of answer; nothing allocated per query. */
#include "respond.h"

#include "pool.h"
#include "query.h"
#include "wire.h"

#define OPT_LEN 11

/* Response header over the query's: ID and QDCOUNT stay; QR set, opcode 0,
 * AA as given, RD copied (RFC 1035 §4.1.1), RA clear (authoritative only),
 * Z and AD clear, CD copied (RFC 4035 §3.1.6). */
static inline void header(uint8_t *buf, uint8_t rcode, uint8_t aa, uint16_t an, uint16_t ns,
			  uint16_t ar)
{
	buf[2] = (uint8_t)(MXLB_WIRE_QR | aa | (buf[2] & MXLB_WIRE_RD));
	buf[3] = (uint8_t)((buf[3] & MXLB_WIRE_CD) | rcode);
	mxlb_wire_put16(buf + 6, an);
	mxlb_wire_put16(buf + 8, ns);
	mxlb_wire_put16(buf + 10, ar);
}

/* Our OPT record (RFC 6891 §6.1.2): root owner, our payload size, extended
 * RCODE, version 0, DO copied (RFC 3225 §3), no options. */
static inline size_t put_opt(uint8_t *p, const struct mxlb_query *q, uint8_t ext_rcode)
{
	p[0] = 0;
	mxlb_wire_put16(p + 1, MXLB_TYPE_OPT);
	mxlb_wire_put16(p + 3, MXLB_EDNS_PAYLOAD);
	p[5] = ext_rcode;
	p[6] = 0;
	mxlb_wire_put16(p + 7, q->edns_flags & MXLB_EDNS_DO);
	mxlb_wire_put16(p + 9, 0);
	return OPT_LEN;
}

/* Largest response the requestor accepts: 512 without EDNS (RFC 1035
 * §4.2.1), its payload size with EDNS but never under 512 (RFC 6891
 * §6.2.5), capped at MXLB_UDP_MAX and at the buffer. */
static inline size_t size_limit(const struct mxlb_query *q, size_t cap)
{
	size_t lim = 512;
	if (q->edns && q->edns_size > 512)
		lim = q->edns_size < MXLB_UDP_MAX ? q->edns_size : MXLB_UDP_MAX;
	return lim < cap ? lim : cap;
}

static size_t count(struct mxlb_worker *w, size_t len, uint8_t rcode)
{
	w->stats.rcode[rcode]++;
	return len;
}

/* Header and echoed question only, for errors (RFC 1035 §4.1.1). */
static size_t reply_error(struct mxlb_worker *w, uint8_t *buf, const struct mxlb_query *q,
			  size_t cap, uint8_t rcode)
{
	size_t len = q->qend;
	uint16_t ar = 0;

	if (q->edns && len + OPT_LEN <= cap) {
		len += put_opt(buf + len, q, 0);
		ar = 1;
	}
	header(buf, rcode, 0, 0, 0, ar);
	return count(w, len, rcode);
}

/* FORMERR: the question is echoed when it parsed, otherwise QDCOUNT is 0.
 * No OPT: the OPT record itself may be what was malformed. */
static size_t reply_formerr(struct mxlb_worker *w, uint8_t *buf, const struct mxlb_query *q)
{
	header(buf, MXLB_RCODE_FORMERR, 0, 0, 0, 0);
	mxlb_wire_put16(buf + 4, q->qend ? 1 : 0);
	return count(w, q->qend ? q->qend : MXLB_WIRE_HDR_LEN, MXLB_RCODE_FORMERR);
}

/* NOTIMP from the header alone (RFC 8906 §3.1.4): opcode echoed, no other
 * flag, no sections. */
static size_t reply_notimp(struct mxlb_worker *w, uint8_t *buf)
{
	buf[2] = (uint8_t)(MXLB_WIRE_QR | (buf[2] & MXLB_WIRE_OPCODE_MASK));
	buf[3] = MXLB_RCODE_NOTIMP;
	memset(buf + 4, 0, 8);
	return count(w, MXLB_WIRE_HDR_LEN, MXLB_RCODE_NOTIMP);
}

/* BADVERS (RFC 6891 §6.1.3): question echoed, OPT version 0 carrying the
 * upper bits of RCODE 16. */
static size_t reply_badvers(struct mxlb_worker *w, uint8_t *buf, const struct mxlb_query *q,
			    size_t cap)
{
	if ((size_t)q->qend + OPT_LEN > cap) {
		w->stats.drop[MXLB_DROP_NOROOM]++;
		return 0;
	}
	size_t len = q->qend + put_opt(buf + q->qend, q, MXLB_RCODE_BADVERS >> 4);
	header(buf, MXLB_RCODE_BADVERS & 0xF, 0, 0, 0, 1);
	w->stats.badvers++;
	return len;
}

/* Copies a precomputed block after the question, keeping the records that
 * fit: the answer and authority sections whole or not at all (RFC 2181 §9:
 * then TC with empty sections), additional records whole from the front. */
static size_t emit(struct mxlb_worker *w, const uint8_t *blob, const uint16_t *aux, uint8_t *buf,
		   const struct mxlb_query *q, size_t cap, const struct mxlb_block *blk,
		   uint8_t rcode)
{
	size_t base = q->qend, opt = q->edns ? OPT_LEN : 0;
	size_t lim = size_limit(q, cap);

	if (base + opt > lim) {
		w->stats.drop[MXLB_DROP_NOROOM]++;
		return 0;
	}
	size_t room = lim - base - opt;
	if (blk->req > room) {
		header(buf, rcode, MXLB_WIRE_AA, 0, 0, (uint16_t)(opt ? 1 : 0));
		buf[2] |= MXLB_WIRE_TC;
		if (opt)
			put_opt(buf + base, q, 0);
		w->stats.truncated++;
		return count(w, base + opt, rcode);
	}
	aux += blk->aux;
	uint16_t nadd = 0;
	size_t n = blk->req;
	if (blk->len <= room) {
		nadd = blk->nadd;
		n = blk->len;
	} else {
		while (nadd < blk->nadd && aux[nadd] <= room)
			nadd++;
		if (nadd)
			n = aux[nadd - 1];
	}
	uint8_t *out = buf + base;
	memcpy(out, blob + blk->off, n);
	const uint16_t *fix = aux + blk->nadd;
	for (uint16_t i = 0; i < blk->nfix && fix[i] < n; i++)
		mxlb_wire_put16(out + fix[i], (uint16_t)(mxlb_wire_get16(out + fix[i]) + base));
	if (opt)
		put_opt(out + n, q, 0);
	header(buf, rcode, MXLB_WIRE_AA, blk->ancount, blk->nscount,
	       (uint16_t)(nadd + (opt ? 1 : 0)));
	return count(w, base + n + opt, rcode);
}

/* The next answer of a pool on this worker (DESIGN §3): schedule[c % len],
 * then c moves on. The counter is kept below len, so the modulo only runs
 * when the schedule got shorter; a worker's first turn in a pool starts at
 * (index * len) / nworkers so that workers interleave. */
static inline const struct mxlb_block *pool_turn(const struct mxlb_worker *w,
						 const struct mxlb_cpool *p)
{
	struct mxlb_stripe *s = mxlb_pool_stripe(p, w->index);
	uint32_t c = s->rr;
	if (__builtin_expect(c >= p->len, 0))
		c = c == MXLB_NONE ? (uint32_t)(((uint64_t)w->index * p->len) / w->nworkers)
				   : c % p->len;
	s->rr = c + 1 == p->len ? 0 : c + 1;
	uint16_t k = p->sched[c];
	s->served[k]++;
	return &p->blocks[k];
}

static inline size_t emit_base(struct mxlb_worker *w, const struct mxlb_image *img, uint8_t *buf,
			       const struct mxlb_query *q, size_t cap, uint32_t blk, uint8_t rcode)
{
	return emit(w, img->blob, img->aux, buf, q, cap, &img->blocks[blk], rcode);
}

/* No node for QNAME: the closest existing ancestor tells the zone
 * (NXDOMAIN, RFC 1034 §4.3.2 step 3c, with the SOA per RFC 2308 §3); no
 * ancestor in any zone: REFUSED (RFC 8906 §3.1.2.1, not authoritative). */
static size_t answer_missing(struct mxlb_worker *w, const struct mxlb_image *img, uint8_t *buf,
			     const struct mxlb_query *q, size_t cap)
{
	uint32_t suffix[MXLB_NAME_LABELS_MAX];

	mxlb_name_hash_labels(q->lname, q->loff, q->nlabels, suffix);
	for (unsigned i = 1; i <= q->nlabels; i++) {
		unsigned off = i < q->nlabels ? q->loff[i] : q->qname_len - 1u;
		uint32_t h = i < q->nlabels ? suffix[i] : mxlb_name_hash_root();
		const struct mxlb_node *n =
		    mxlb_image_find(img, q->lname + off, q->qname_len - off, h);
		if (n)
			return emit_base(w, img, buf, q, cap, img->zones[n->zone].soa,
					 MXLB_RCODE_NXDOMAIN);
	}
	return reply_error(w, buf, q, cap, MXLB_RCODE_REFUSED);
}

size_t mxlb_respond(struct mxlb_worker *w, const struct mxlb_image *img, uint8_t *buf, size_t len,
		    size_t cap)
{
	struct mxlb_query q;

	w->stats.queries++;
	switch (mxlb_query_parse(buf, len, &q)) {
	case MXLB_QUERY_OK:
		break;
	case MXLB_QUERY_DROP_SHORT:
		w->stats.drop[MXLB_DROP_SHORT]++;
		return 0;
	case MXLB_QUERY_DROP_RESPONSE:
		w->stats.drop[MXLB_DROP_RESPONSE]++;
		return 0;
	case MXLB_QUERY_NOTIMP:
		return reply_notimp(w, buf);
	case MXLB_QUERY_FORMERR:
		return reply_formerr(w, buf, &q);
	case MXLB_QUERY_BADVERS:
		return reply_badvers(w, buf, &q, cap);
	}
	if (q.qclass != MXLB_CLASS_IN)
		return reply_error(w, buf, &q, cap, MXLB_RCODE_REFUSED);

	const struct mxlb_node *n = mxlb_image_find(img, q.lname, q.qname_len, q.hash);
	if (!n)
		return answer_missing(w, img, buf, &q, cap);

	const struct mxlb_rrref *r = img->refs + n->refs;
	for (uint16_t i = 0; i < n->nrefs; i++, r++) {
		/* ANY: one RRset, the first (RFC 8482 §4.2). */
		if (r->type != q.qtype && q.qtype != MXLB_TYPE_ANY)
			continue;
		uint32_t val = __atomic_load_n(&r->val, __ATOMIC_ACQUIRE);
		if (val & MXLB_REF_POOL) {
			const struct mxlb_cpool *p = img->pools[val & MXLB_REF_IDX];
			return emit(w, p->blob, p->aux, buf, &q, cap, pool_turn(w, p),
				    MXLB_RCODE_NOERROR);
		}
		return emit_base(w, img, buf, &q, cap, val, MXLB_RCODE_NOERROR);
	}
	/* A CNAME answers every other type (RFC 1034 §3.6.2, §4.3.2 step 3a). */
	if (n->cname != MXLB_NONE)
		return emit_base(w, img, buf, &q, cap, n->cname, MXLB_RCODE_NOERROR);
	/* NODATA (RFC 2308 §2.2): also for empty non-terminals. */
	return emit_base(w, img, buf, &q, cap, img->zones[n->zone].soa, MXLB_RCODE_NOERROR);
}
