/* A and AAAA queries and replies (health_dns.h), RFC 1035 §4. */
#include <netinet/in.h>
#include <string.h>

#include "health_dns.h"

static uint16_t mxlb_health_dns_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void mxlb_health_dns_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

int mxlb_health_dns_query(const char *name, uint16_t type, uint16_t id, uint8_t *buf, size_t len)
{
	size_t off = 12, lab;
	const char *p = name;

	if (len < 12 + 255 + 4)
		return -1;
	memset(buf, 0, 12);
	mxlb_health_dns_put16(buf, id);
	buf[2] = 0x01; /* RD: a recursive resolver may sit in between */
	mxlb_health_dns_put16(buf + 4, 1);
	while (*p != '\0') {
		lab = off++;
		buf[lab] = 0;
		while (*p != '\0' && *p != '.') {
			if (buf[lab] == 63 || off >= 12 + 254)
				return -1;
			buf[off++] = (uint8_t)*p++;
			buf[lab]++;
		}
		if (buf[lab] == 0)
			return -1;
		if (*p == '.')
			p++;
	}
	buf[off++] = 0;
	mxlb_health_dns_put16(buf + off, type);
	mxlb_health_dns_put16(buf + off + 2, 1); /* IN */
	return (int)(off + 4);
}

/* Skips the name at *OFF (labels, or a compression pointer ending it). */
static int mxlb_health_dns_skip_name(const uint8_t *buf, size_t len, size_t *off)
{
	size_t o = *off;
	unsigned hops = 0;

	while (o < len) {
		uint8_t l = buf[o];

		if ((l & 0xc0) == 0xc0) {
			if (o + 2 > len)
				return -1;
			*off = o + 2;
			return 0;
		}
		if ((l & 0xc0) != 0 || ++hops > 128)
			return -1;
		if (l == 0) {
			*off = o + 1;
			return 0;
		}
		o += 1u + l;
	}
	return -1;
}

int mxlb_health_dns_parse(const uint8_t *buf, size_t len, uint16_t id, uint16_t type,
			  struct sockaddr_storage *out, unsigned max, unsigned *n)
{
	size_t off = 12;
	unsigned qd, an, i;

	if (len < 12 || mxlb_health_dns_get16(buf) != id || (buf[2] & 0x80) == 0)
		return -1;
	qd = mxlb_health_dns_get16(buf + 4);
	an = mxlb_health_dns_get16(buf + 6);
	for (i = 0; i < qd; i++) {
		if (mxlb_health_dns_skip_name(buf, len, &off) != 0 || off + 4 > len)
			return -1;
		off += 4;
	}
	for (i = 0; i < an; i++) {
		uint16_t rtype, rclass, rdlen;

		if (mxlb_health_dns_skip_name(buf, len, &off) != 0 || off + 10 > len)
			return -1;
		rtype = mxlb_health_dns_get16(buf + off);
		rclass = mxlb_health_dns_get16(buf + off + 2);
		rdlen = mxlb_health_dns_get16(buf + off + 8);
		off += 10;
		if (off + rdlen > len)
			return -1;
		if (rclass == 1 && rtype == type && *n < max &&
		    ((type == 1 && rdlen == 4) || (type == 28 && rdlen == 16))) {
			struct sockaddr_storage *a = &out[(*n)++];

			memset(a, 0, sizeof(*a));
			if (type == 1) {
				a->ss_family = AF_INET;
				memcpy(&((struct sockaddr_in *)a)->sin_addr, buf + off, 4);
			} else {
				a->ss_family = AF_INET6;
				memcpy(&((struct sockaddr_in6 *)a)->sin6_addr, buf + off, 16);
			}
		}
		off += rdlen;
	}
	return buf[3] & 0x0f;
}
