/* The packet path: parse, look up, and write the answer over the query.
 * One small function per kind of answer; nothing allocated per query. */
#include "respond.h"

#include <stdbool.h>
#include <sys/types.h>

#include "pool.h"
#include "query.h"
#include "wire.h"

#define OPT_LEN 11

/* Response header over the query's: ID and QDCOUNT stay; QR set, opcode 0,
 * AA as given, RD copied (RFC 1035 §4.1.1), RA clear (authoritative only),
 * Z, AD and CD clear: copying CD is for recursive servers (RFC 4035
 * §3.2.2), and an authoritative server without DNSSEC has nothing it
 * would mean (as Knot does). */
static inline void header(uint8_t *buf, uint8_t rcode, uint8_t aa, uint16_t an, uint16_t ns,
			  uint16_t ar)
{
	buf[2] = (uint8_t)(MXLB_WIRE_QR | aa | (buf[2] & MXLB_WIRE_RD));
	buf[3] = rcode;
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
 * §6.2.5), capped at MXLB_UDP_MAX and at the buffer. Over TCP the payload
 * size does not apply (RFC 6891 §6.2.3): MXLB_TCP_MAX and the buffer. */
static inline size_t size_limit(const struct mxlb_query *q, size_t cap)
{
	size_t lim = 512;
	if (q->tcp)
		lim = MXLB_TCP_MAX;
	else if (q->edns && q->edns_size > 512)
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

/* TC with empty sections (RFC 2181 §9), the OPT kept. */
static size_t reply_tc(struct mxlb_worker *w, uint8_t *buf, const struct mxlb_query *q,
		       uint8_t rcode, uint8_t aa)
{
	size_t base = q->qend, opt = q->edns ? OPT_LEN : 0;
	header(buf, rcode, aa, 0, 0, (uint16_t)(opt ? 1 : 0));
	buf[2] |= MXLB_WIRE_TC;
	if (opt)
		put_opt(buf + base, q, 0);
	w->stats.truncated++;
	return count(w, base + opt, rcode);
}

/* Room for records after the question and before our OPT, or -1. */
static inline ssize_t records_room(struct mxlb_worker *w, const struct mxlb_query *q, size_t cap)
{
	size_t base = q->qend, opt = q->edns ? OPT_LEN : 0;
	size_t lim = size_limit(q, cap);
	if (base + opt > lim) {
		w->stats.drop[MXLB_DROP_NOROOM]++;
		return -1;
	}
	return (ssize_t)(lim - base - opt);
}

/* Copies BLK to OUT (at offset BASE of the message), at most N octets, and
 * moves its pointers when BASE is not the block's home. */
static inline void put_block(uint8_t *out, size_t base, const uint8_t *blob, const uint16_t *aux,
			     const struct mxlb_block *blk, size_t n)
{
	memcpy(out, blob + blk->off, n);
	if (__builtin_expect(base == blk->home, 1))
		return;
	const uint16_t *fix = aux + blk->aux + blk->nadd;
	uint16_t delta = (uint16_t)(base - blk->home);
	for (uint16_t i = 0; i < blk->nfix && fix[i] < n; i++)
		mxlb_wire_put16(out + fix[i], (uint16_t)(mxlb_wire_get16(out + fix[i]) + delta));
}

/* Copies a precomputed block after the question, keeping the records that
 * fit: the answer and authority sections whole or not at all (RFC 2181 §9:
 * then TC with empty sections), additional records whole from the front. */
static size_t emit(struct mxlb_worker *w, const uint8_t *blob, const uint16_t *aux, uint8_t *buf,
		   const struct mxlb_query *q, size_t cap, const struct mxlb_block *blk,
		   uint8_t rcode, uint8_t aa)
{
	ssize_t room = records_room(w, q, cap);
	if (room < 0)
		return 0;
	if (blk->req > room)
		return reply_tc(w, buf, q, rcode, aa);
	const uint16_t *ends = aux + blk->aux;
	uint16_t nadd = 0;
	size_t n = blk->req;
	if (blk->len <= room) {
		nadd = blk->nadd;
		n = blk->len;
	} else {
		while (nadd < blk->nadd && ends[nadd] <= room)
			nadd++;
		if (nadd)
			n = ends[nadd - 1];
	}
	put_block(buf + q->qend, q->qend, blob, aux, blk, n);
	if (q->edns)
		put_opt(buf + q->qend + n, q, 0);
	header(buf, rcode, aa, blk->ancount, blk->nscount, (uint16_t)(nadd + (q->edns ? 1 : 0)));
	return count(w, q->qend + n + (q->edns ? OPT_LEN : 0), rcode);
}

/* A block and the arrays it lives in, for answers made of several blocks. */
struct piece {
	const struct mxlb_block *blk;
	const uint8_t *blob;
	const uint16_t *aux;
};

#define CHASE_MAX 8 /* CNAMEs followed in one answer */

/* A CNAME chain (RFC 1034 §4.3.2 step 3a): every piece's answer and
 * authority records, the additional records of the last piece that fit. The
 * owners of each piece's answer records, written as the query name, become
 * pointers to the CNAME target of the piece before. */
static size_t emit_chain(struct mxlb_worker *w, uint8_t *buf, const struct mxlb_query *q,
			 size_t cap, const struct piece *pc, unsigned np, uint8_t rcode)
{
	ssize_t room = records_room(w, q, cap);
	size_t req = 0, off = q->qend;
	uint16_t an = 0, ns = 0, nadd = 0;

	if (room < 0)
		return 0;
	for (unsigned i = 0; i < np; i++)
		req += pc[i].blk->req;
	if (req > (size_t)room)
		return reply_tc(w, buf, q, rcode, MXLB_WIRE_AA);
	for (unsigned i = 0; i < np; i++) {
		const struct mxlb_block *blk = pc[i].blk;
		size_t n = blk->req;
		if (i + 1 == np) {
			const uint16_t *ends = pc[i].aux + blk->aux;
			size_t left = (size_t)room - (off - q->qend);
			while (nadd < blk->nadd && ends[nadd] <= left)
				nadd++;
			if (nadd)
				n = ends[nadd - 1];
		}
		put_block(buf + off, off, pc[i].blob, pc[i].aux, blk, n);
		if (i > 0) {
			/* the previous piece is one CNAME record: owner pointer
			 * (2), fixed fields (10), then its target, uncompressed */
			uint16_t target = (uint16_t)(0xC000 | (off - pc[i - 1].blk->req + 12));
			size_t pos = off;
			for (uint16_t k = 0; k < blk->ancount; k++) {
				mxlb_wire_put16(buf + pos, target);
				pos += 12 + mxlb_wire_get16(buf + pos + 10);
			}
		}
		an += blk->ancount;
		ns += blk->nscount;
		off += n;
	}
	if (q->edns)
		off += put_opt(buf + off, q, 0);
	header(buf, rcode, MXLB_WIRE_AA, an, ns, (uint16_t)(nadd + (q->edns ? 1 : 0)));
	return count(w, off, rcode);
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
	return emit(w, img->blob, img->aux, buf, q, cap, &img->blocks[blk], rcode, MXLB_WIRE_AA);
}

static inline struct piece base_piece(const struct mxlb_image *img, uint32_t blk)
{
	return (struct piece){.blk = &img->blocks[blk], .blob = img->blob, .aux = img->aux};
}

/* The answer of QTYPE at node N, as a piece; false when N has no such
 * RRset. ANY gets one RRset, the first (RFC 8482 §4.2). */
static inline bool rrset_at(const struct mxlb_worker *w, const struct mxlb_image *img,
			    const struct mxlb_node *n, uint16_t qtype, struct piece *out)
{
	const struct mxlb_rrref *r = img->refs + n->refs;
	for (uint16_t i = 0; i < n->nrefs; i++, r++) {
		if (r->type != qtype && qtype != MXLB_TYPE_ANY)
			continue;
		uint32_t val = __atomic_load_n(&r->val, __ATOMIC_ACQUIRE);
		if (val & MXLB_REF_POOL) {
			const struct mxlb_cpool *p = img->pools[val & MXLB_REF_IDX];
			*out =
			    (struct piece){.blk = pool_turn(w, p), .blob = p->blob, .aux = p->aux};
		} else {
			*out = base_piece(img, val);
		}
		return true;
	}
	return false;
}

/* The longest existing proper ancestor of a name that does not exist
 * (RFC 4592 §3.3.1), or NULL when no zone holds it. */
static const struct mxlb_node *closest_encloser(const struct mxlb_image *img, const uint8_t *lname,
						size_t len, const uint8_t *loff, unsigned nl)
{
	for (unsigned i = 1; i <= nl; i++) {
		unsigned off = i < nl ? loff[i] : (unsigned)len - 1;
		const struct mxlb_node *ce = mxlb_image_find(
		    img, lname + off, len - off, mxlb_name_hash_wire(lname + off, len - off));
		if (ce)
			return ce;
	}
	return NULL;
}

/* Follows the CNAME at N within its zone, up to CHASE_MAX links: the chain
 * ends at the target's RRset, at NODATA or NXDOMAIN for a missing target in
 * the zone (with the SOA, RFC 2308 §2.1), at the referral of a zone cut the
 * target lies below, or at a target outside the zone, which the resolver
 * follows itself. A wildcard answers for a missing target as it would for a
 * query (RFC 4592 §4.1). */
static size_t chase(struct mxlb_worker *w, const struct mxlb_image *img, uint8_t *buf,
		    const struct mxlb_query *q, size_t cap, const struct mxlb_node *n)
{
	struct piece pc[CHASE_MAX + 2];
	unsigned np = 0;
	uint8_t rcode = MXLB_RCODE_NOERROR;
	const struct mxlb_zone_ent *z = &img->zones[n->zone];
	const uint8_t *apex = img->names + img->nodes[z->apex].name;

	pc[np++] = base_piece(img, n->cname);
	while (np <= CHASE_MAX) {
		const struct piece *last = &pc[np - 1];
		const uint8_t *target = last->blob + last->blk->off + 12;
		uint8_t lname[MXLB_WIRE_NAME_MAX + MXLB_NAME_PAD] = {0}, loff[MXLB_NAME_LABELS_MAX];
		unsigned nl;
		size_t len = mxlb_name_fold(target, last->blk->req - 12u, lname, loff, &nl);
		if (len == 0)
			break;
		const struct mxlb_node *t =
		    mxlb_image_find(img, lname, len, mxlb_name_hash_wire(lname, len));
		if (!t && mxlb_name_is_within(lname, apex)) {
			/* the closest encloser decides, as for a query */
			const struct mxlb_node *ce = closest_encloser(img, lname, len, loff, nl);
			if (ce && ce->deleg != MXLB_NONE) {
				pc[np++] = base_piece(img, img->nodes[ce->deleg].refer);
				break;
			}
			if (ce && ce->wild != MXLB_NONE) {
				t = &img->nodes[ce->wild];
			} else if (ce) {
				rcode = MXLB_RCODE_NXDOMAIN;
				pc[np++] = base_piece(img, z->soa);
				break;
			}
		}
		if (!t || t->zone != n->zone)
			break;
		/* a target at or below a zone cut: the referral follows the
		 * chain (RFC 1034 §4.3.2 step 3b after the restart) */
		if (t->deleg != MXLB_NONE) {
			pc[np++] = base_piece(img, img->nodes[t->deleg].refer);
			break;
		}
		if (rrset_at(w, img, t, q->qtype, &pc[np])) {
			np++;
			break;
		}
		if (t->cname == MXLB_NONE) {
			pc[np++] = base_piece(img, z->soa);
			break;
		}
		pc[np++] = base_piece(img, t->cname);
	}
	return emit_chain(w, buf, q, cap, pc, np, rcode);
}

/* The answer at an existing node (or the wildcard standing in for one). */
static inline size_t answer_node(struct mxlb_worker *w, const struct mxlb_image *img, uint8_t *buf,
				 const struct mxlb_query *q, size_t cap, const struct mxlb_node *n)
{
	struct piece pc;
	if (rrset_at(w, img, n, q->qtype, &pc))
		return emit(w, pc.blob, pc.aux, buf, q, cap, pc.blk, MXLB_RCODE_NOERROR,
			    MXLB_WIRE_AA);
	/* A CNAME answers every other type (RFC 1034 §3.6.2, §4.3.2 step 3a). */
	if (n->cname != MXLB_NONE)
		return chase(w, img, buf, q, cap, n);
	/* NODATA (RFC 2308 §2.2): also for empty non-terminals. */
	return emit_base(w, img, buf, q, cap, img->zones[n->zone].soa, MXLB_RCODE_NOERROR);
}

/* A referral (RFC 1034 §4.3.2 step 3b): the cut's NS in authority, glue in
 * additional, AA clear. */
static size_t referral(struct mxlb_worker *w, const struct mxlb_image *img, uint8_t *buf,
		       const struct mxlb_query *q, size_t cap, uint32_t cut)
{
	return emit(w, img->blob, img->aux, buf, q, cap, &img->blocks[img->nodes[cut].refer],
		    MXLB_RCODE_NOERROR, 0);
}

/* No node for QNAME: the closest encloser (the longest existing ancestor,
 * RFC 4592 §3.3.1) decides. Below a zone cut: referral. Its wildcard, if
 * any, answers with the query name as owner (RFC 4592 §3.3.3). Otherwise
 * NXDOMAIN (RFC 1034 §4.3.2 step 3c, SOA per RFC 2308 §3). No ancestor in
 * any zone: REFUSED (RFC 8906 §3.1.2.1, not authoritative). */
static size_t answer_missing(struct mxlb_worker *w, const struct mxlb_image *img, uint8_t *buf,
			     const struct mxlb_query *q, size_t cap)
{
	const struct mxlb_node *ce =
	    closest_encloser(img, q->lname, q->qname_len, q->loff, q->nlabels);
	if (!ce)
		return reply_error(w, buf, q, cap, MXLB_RCODE_REFUSED);
	if (ce->deleg != MXLB_NONE)
		return referral(w, img, buf, q, cap, ce->deleg);
	if (ce->wild != MXLB_NONE)
		return answer_node(w, img, buf, q, cap, &img->nodes[ce->wild]);
	return emit_base(w, img, buf, q, cap, img->zones[ce->zone].soa, MXLB_RCODE_NXDOMAIN);
}

/* CHAOS class (RFC 1035 §3.2.4): the server's identity and version as TXT
 * under the names of the id.server convention (RFC 4892) and BIND's, when
 * configured; everything else REFUSED. Never IN data. */
static size_t answer_chaos(struct mxlb_worker *w, const struct mxlb_image *img, uint8_t *buf,
			   const struct mxlb_query *q, size_t cap)
{
	/* "\x04" "bind": a hex escape would swallow the 'b' */
	static const uint8_t id_server[] = "\x02id\x06server",
			     hostname_bind[] = "\x08hostname\x04"
					       "bind",
			     version_bind[] = "\x07version\x04"
					      "bind",
			     version_server[] = "\x07version\x06server";
#define IS(n) (q->qname_len == sizeof(n) && memcmp(q->lname, n, sizeof(n)) == 0)
	uint32_t blk = MXLB_NONE;
	if (q->qtype == MXLB_TYPE_TXT || q->qtype == MXLB_TYPE_ANY) {
		if (IS(id_server) || IS(hostname_bind))
			blk = img->base->chaos_id;
		else if (IS(version_bind) || IS(version_server))
			blk = img->base->chaos_version;
	}
#undef IS
	if (blk == MXLB_NONE)
		return reply_error(w, buf, q, cap, MXLB_RCODE_REFUSED);
	return emit_base(w, img, buf, q, cap, blk, MXLB_RCODE_NOERROR);
}

#define q (*qp)
static inline size_t respond(struct mxlb_worker *w, const struct mxlb_image *img, uint8_t *buf,
			     size_t len, size_t cap, struct mxlb_query *qp, bool tcp)
{
	w->stats.queries++;
	q.tcp = tcp;
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
	if (__builtin_expect(q.qclass != MXLB_CLASS_IN, 0))
		return q.qclass == MXLB_CLASS_CH ? answer_chaos(w, img, buf, &q, cap)
						 : reply_error(w, buf, &q, cap, MXLB_RCODE_REFUSED);
	/* Meta types that are not data: type 0 (RFC 6895 §3.1) and zone
	 * transfers, which need TCP (RFC 5936 §4.2; IXFR: no UDP service), get
	 * NOTIMP; OPT is a pseudo-RR of the additional section only (RFC 6891
	 * §6.1.1), so a question for it is malformed. */
	if (__builtin_expect(q.qtype == 0 || q.qtype == MXLB_TYPE_AXFR ||
				 q.qtype == MXLB_TYPE_IXFR || q.qtype == MXLB_TYPE_OPT,
			     0))
		return q.qtype == MXLB_TYPE_OPT ? reply_error(w, buf, &q, cap, MXLB_RCODE_FORMERR)
						: reply_error(w, buf, &q, cap, MXLB_RCODE_NOTIMP);

	const struct mxlb_node *n = mxlb_image_find(img, q.lname, q.qname_len, q.hash);
	if (!n)
		return answer_missing(w, img, buf, &q, cap);
	/* At or below a zone cut: referral, except DS at the cut itself, which
	 * the parent answers (RFC 4035 §3.1.4.1). */
	if (__builtin_expect(n->deleg != MXLB_NONE, 0) &&
	    !(q.qtype == MXLB_TYPE_DS && n->deleg == (uint32_t)(n - img->nodes)))
		return referral(w, img, buf, &q, cap, n->deleg);
	return answer_node(w, img, buf, &q, cap, n);
}
#undef q

size_t mxlb_respond(struct mxlb_worker *w, const struct mxlb_image *img, uint8_t *buf, size_t len,
		    size_t cap)
{
	struct mxlb_query q;
	return respond(w, img, buf, len, cap, &q, false);
}

size_t mxlb_respond_tcp(struct mxlb_worker *w, const struct mxlb_image *img, uint8_t *buf,
			size_t len, size_t cap)
{
	struct mxlb_query q;
	return respond(w, img, buf, len, cap, &q, true);
}

/* The identity of a response for rate limiting: rcode, type and name; for
 * NXDOMAIN the zone (the owner of the SOA that follows the question), so
 * that random names under one zone share a bucket. */
static uint32_t rrl_key(const uint8_t *buf, size_t rlen, const struct mxlb_query *q)
{
	uint8_t rcode = buf[3] & 0xF;
	uint32_t h = q->qend ? q->hash : 0;
	if (rcode == MXLB_RCODE_NXDOMAIN && mxlb_wire_get16(buf + 8) > 0 && rlen > q->qend)
		h = mxlb_name_hash(buf + q->qend);
	return (h ^ ((uint32_t)q->qtype << 8) ^ rcode) * MXLB_NAME_HASH_MUL;
}

size_t mxlb_respond_from(struct mxlb_worker *w, const struct mxlb_image *img, uint8_t *buf,
			 size_t len, size_t cap, const struct mxlb_client *c)
{
	struct mxlb_query q;
	size_t r = respond(w, img, buf, len, cap, &q, false);
	if (r == 0 || !w->rrl || !c)
		return r;
	uint8_t rcode = buf[3] & 0xF;
	int badvers = rcode == 0 && q.edns && q.edns_version > 0; /* only BADVERS */
	switch (mxlb_rrl_charge(w->rrl, c, rrl_key(buf, r, &q))) {
	case MXLB_RRL_PASS:
		return r;
	case MXLB_RRL_SLIP: {
		/* Header and question only, TC set, our OPT kept (it is the
		 * last record when present): a real client retries over TCP. */
		size_t out = q.qend ? q.qend : MXLB_WIRE_HDR_LEN;
		uint16_t ar = 0;
		if (q.edns && q.qend && mxlb_wire_get16(buf + 10) > 0 && r >= out + OPT_LEN) {
			memmove(buf + out, buf + r - OPT_LEN, OPT_LEN);
			out += OPT_LEN;
			ar = 1;
		}
		mxlb_wire_put16(buf + 6, 0);
		mxlb_wire_put16(buf + 8, 0);
		mxlb_wire_put16(buf + 10, ar);
		if (!(buf[2] & MXLB_WIRE_TC))
			w->stats.truncated++;
		buf[2] |= MXLB_WIRE_TC;
		return out;
	}
	case MXLB_RRL_DROP:
		break;
	}
	/* not sent after all: take it back from the answers counted */
	if (badvers)
		w->stats.badvers--;
	else
		w->stats.rcode[rcode]--;
	w->stats.drop[MXLB_DROP_RRL]++;
	return 0;
}
