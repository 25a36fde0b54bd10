/* Wire-format helpers: unaligned big-endian accessors and a bounds-checked
 * read cursor over (buf, len). Header-only so they inline into the hot path. */
#ifndef MXLB_WIRE_H
#define MXLB_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define MXLB_WIRE_HDR_LEN   12	/* RFC 1035 §4.1.1 */
#define MXLB_WIRE_NAME_MAX  255 /* RFC 1035 §3.1, octets including the root label */
#define MXLB_WIRE_LABEL_MAX 63

/* Header flag bits, as octets 2 and 3 of the header (RFC 1035 §4.1.1,
 * RFC 4035 §3.2 for AD/CD). */
#define MXLB_WIRE_QR	      0x80
#define MXLB_WIRE_OPCODE_MASK 0x78
#define MXLB_WIRE_AA	      0x04
#define MXLB_WIRE_TC	      0x02
#define MXLB_WIRE_RD	      0x01
#define MXLB_WIRE_RA	      0x80
#define MXLB_WIRE_Z	      0x40
#define MXLB_WIRE_AD	      0x20
#define MXLB_WIRE_CD	      0x10

enum {
	MXLB_RCODE_NOERROR = 0,
	MXLB_RCODE_FORMERR = 1,
	MXLB_RCODE_SERVFAIL = 2,
	MXLB_RCODE_NXDOMAIN = 3,
	MXLB_RCODE_NOTIMP = 4,
	MXLB_RCODE_REFUSED = 5,
	MXLB_RCODE_BADVERS = 16, /* extended, RFC 6891 §6.1.3 */
};

enum {
	MXLB_TYPE_A = 1,
	MXLB_TYPE_NS = 2,
	MXLB_TYPE_CNAME = 5,
	MXLB_TYPE_SOA = 6,
	MXLB_TYPE_PTR = 12,
	MXLB_TYPE_MX = 15,
	MXLB_TYPE_TXT = 16,
	MXLB_TYPE_AAAA = 28,
	MXLB_TYPE_SRV = 33,
	MXLB_TYPE_DS = 43,
	MXLB_TYPE_OPT = 41,
	MXLB_TYPE_IXFR = 251,
	MXLB_TYPE_AXFR = 252,
	MXLB_TYPE_ANY = 255,
	MXLB_CLASS_IN = 1,
	MXLB_CLASS_CH = 3,
};

static inline uint16_t mxlb_wire_get16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t mxlb_wire_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void mxlb_wire_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void mxlb_wire_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Read cursor. Every read checks the remaining length first; a failed read
 * leaves the cursor unchanged and returns false. */
struct mxlb_wire_cur {
	const uint8_t *buf;
	size_t len;
	size_t pos;
};

static inline size_t mxlb_wire_left(const struct mxlb_wire_cur *c)
{
	return c->len - c->pos;
}

static inline bool mxlb_wire_skip(struct mxlb_wire_cur *c, size_t n)
{
	if (mxlb_wire_left(c) < n)
		return false;
	c->pos += n;
	return true;
}

static inline bool mxlb_wire_read16(struct mxlb_wire_cur *c, uint16_t *v)
{
	if (mxlb_wire_left(c) < 2)
		return false;
	*v = mxlb_wire_get16(c->buf + c->pos);
	c->pos += 2;
	return true;
}

static inline bool mxlb_wire_read32(struct mxlb_wire_cur *c, uint32_t *v)
{
	if (mxlb_wire_left(c) < 4)
		return false;
	*v = mxlb_wire_get32(c->buf + c->pos);
	c->pos += 4;
	return true;
}

/* Skips a possibly compressed name in a section other than the question: a
 * sequence of labels ended by the root label or by one compression pointer.
 * The pointer target is not followed, so no loop is possible. */
static inline bool mxlb_wire_skip_name(struct mxlb_wire_cur *c)
{
	size_t pos = c->pos, total = 0;

	for (;;) {
		if (pos >= c->len)
			return false;
		uint8_t l = c->buf[pos];
		if (l == 0) {
			pos++;
			break;
		}
		if ((l & 0xC0) == 0xC0) {
			if (c->len - pos < 2)
				return false;
			pos += 2;
			break;
		}
		if (l & 0xC0) /* 0x40 and 0x80: RFC 6891 §5, obsolete/unknown */
			return false;
		total += (size_t)l + 1;
		if (total + 1 > MXLB_WIRE_NAME_MAX || c->len - pos < (size_t)l + 1)
			return false;
		pos += (size_t)l + 1;
	}
	c->pos = pos;
	return true;
}

#endif
