#include "query.h"

/* Parses the question name at offset 12: uncompressed labels only. RFC 1035
 * §4.1.4 allows a pointer anywhere, but a question is the first name of the
 * message, so any pointer in it points forward or at itself (a loop): refused
 * as FORMERR, as Knot and NSD do. Label types 0x40 and 0x80 are FORMERR too
 * (RFC 6891 §5 retired the extended label type). */
static int parse_qname(struct mxlb_wire_cur *c, struct mxlb_query *q)
{
	const uint8_t *p = c->buf + c->pos;
	size_t left = mxlb_wire_left(c);
	size_t pos = 0;
	unsigned n = 0;

	/* the labels: lengths and bounds only */
	for (;;) {
		if (pos >= left)
			return -1;
		uint8_t l = p[pos];
		if (l == 0)
			break;
		if (l > MXLB_WIRE_LABEL_MAX) /* pointer or 0x40/0x80 label type */
			return -1;
		if (pos + (size_t)l + 2 > MXLB_WIRE_NAME_MAX || pos + (size_t)l + 1 >= left)
			return -1;
		q->loff[n++] = (uint8_t)pos;
		pos += (size_t)l + 1;
	}
	size_t len = pos + 1;
	/* The lower-case copy, eight octets at a time when the message holds
	 * every word the name touches: the last word is masked to the name,
	 * which writes the zero padding as well. Otherwise octet by octet. */
	size_t i = 0;
	if (left >= (len & ~(size_t)7) + 8) {
		uint64_t x;
		for (; i + 8 <= len; i += 8) {
			memcpy(&x, p + i, 8);
			x = mxlb_name_lower8(x);
			memcpy(q->lname + i, &x, 8);
		}
		memcpy(&x, p + i, 8);
		x = mxlb_name_lower8(x) & ((1ull << (8 * (len - i))) - 1);
		memcpy(q->lname + i, &x, 8);
	} else {
		for (; i < len; i++)
			q->lname[i] = mxlb_name_lower[p[i]];
		memset(q->lname + len, 0, MXLB_NAME_PAD);
	}
	q->qname_len = (uint8_t)len;
	q->nlabels = (uint8_t)n;
	c->pos += len;
	return 0;
}

/* EDNS(0) OPT pseudo-RR (RFC 6891 §6.1.2): owner must be the root, at most
 * one per message (§6.1.1), options must tile the RDATA exactly. Unknown
 * options and flags are accepted and never echoed (§6.1.2, §6.1.4). */
static int parse_opt(struct mxlb_wire_cur *c, struct mxlb_query *q, size_t owner, uint16_t cls,
		     uint32_t ttl, uint16_t rdlen)
{
	if (q->edns || c->buf[owner] != 0)
		return -1;
	q->edns = 1;
	q->edns_size = cls;
	q->edns_version = (uint8_t)(ttl >> 16);
	q->edns_flags = (uint16_t)ttl;

	size_t end = c->pos + rdlen;
	while (c->pos < end) {
		if (end - c->pos < 4)
			return -1;
		size_t olen = mxlb_wire_get16(c->buf + c->pos + 2);
		c->pos += 4;
		if (end - c->pos < olen)
			return -1;
		c->pos += olen;
	}
	return 0;
}

/* Checks in RFC order: header (RFC 1035 §4.1.1), opcode (RFC 1035 §4.1.1,
 * RFC 8906 §3.1.4: NOTIMP from the header alone), QDCOUNT exactly 1
 * (RFC 9619), the question, empty answer and authority sections, then the
 * additional section for OPT. Trailing octets after the last record are
 * FORMERR. */
enum mxlb_query_verdict mxlb_query_parse(const uint8_t *buf, size_t len, struct mxlb_query *q)
{
	struct mxlb_wire_cur c = {.buf = buf, .len = len, .pos = MXLB_WIRE_HDR_LEN};

	q->qend = 0;
	q->edns = 0;
	if (len < MXLB_WIRE_HDR_LEN)
		return MXLB_QUERY_DROP_SHORT;
	if (buf[2] & MXLB_WIRE_QR)
		return MXLB_QUERY_DROP_RESPONSE;
	if (buf[2] & MXLB_WIRE_OPCODE_MASK)
		return MXLB_QUERY_NOTIMP;
	if (mxlb_wire_get16(buf + 4) != 1)
		return MXLB_QUERY_FORMERR;
	if (parse_qname(&c, q) < 0)
		return MXLB_QUERY_FORMERR;
	if (!mxlb_wire_read16(&c, &q->qtype) || !mxlb_wire_read16(&c, &q->qclass))
		return MXLB_QUERY_FORMERR;
	q->qend = (uint16_t)c.pos;
	q->hash = mxlb_name_hash_padded(q->lname, q->qname_len);

	if (mxlb_wire_get16(buf + 6) != 0 || mxlb_wire_get16(buf + 8) != 0)
		return MXLB_QUERY_FORMERR;
	/* The common case first: one OPT with no options ends the message. */
	uint16_t arcount = mxlb_wire_get16(buf + 10);
	if (arcount == 1 && mxlb_wire_left(&c) == 11 && buf[c.pos] == 0 &&
	    mxlb_wire_get16(buf + c.pos + 1) == MXLB_TYPE_OPT &&
	    mxlb_wire_get16(buf + c.pos + 9) == 0) {
		q->edns = 1;
		q->edns_size = mxlb_wire_get16(buf + c.pos + 3);
		q->edns_version = buf[c.pos + 6];
		q->edns_flags = mxlb_wire_get16(buf + c.pos + 7);
		return q->edns_version > 0 ? MXLB_QUERY_BADVERS : MXLB_QUERY_OK;
	}
	for (unsigned ar = arcount; ar > 0; ar--) {
		size_t owner = c.pos;
		uint16_t type, cls, rdlen;
		uint32_t ttl;
		if (!mxlb_wire_skip_name(&c) || !mxlb_wire_read16(&c, &type) ||
		    !mxlb_wire_read16(&c, &cls) || !mxlb_wire_read32(&c, &ttl) ||
		    !mxlb_wire_read16(&c, &rdlen) || mxlb_wire_left(&c) < rdlen)
			return MXLB_QUERY_FORMERR;
		if (type == MXLB_TYPE_OPT) {
			if (parse_opt(&c, q, owner, cls, ttl, rdlen) < 0)
				return MXLB_QUERY_FORMERR;
		} else {
			c.pos += rdlen;
		}
	}
	if (mxlb_wire_left(&c) != 0)
		return MXLB_QUERY_FORMERR;
	if (q->edns && q->edns_version > 0)
		return MXLB_QUERY_BADVERS;
	return MXLB_QUERY_OK;
}
