/* Answer checks, in a fixed order: Ethernet, IPv4 (RFC 791), UDP (RFC 768),
 * DNS header, question and records (RFC 1035 §4.1), OPT (RFC 6891 §6.1.1). */
#include <string.h>

#include "check.h"

#define MXGEN_CHECK_ETHERTYPE_IPV4 0x0800
#define MXGEN_CHECK_IP_UDP	   17
#define MXGEN_CHECK_IP_MF_OFF	   0x3fff
#define MXGEN_CHECK_DNS_PORT	   53
#define MXGEN_CHECK_TYPE_OPT	   41

static const char *const mxgen_check_names[MXGEN_CHECK_MAX] = {
    [MXGEN_CHECK_OK] = "ok",
    [MXGEN_CHECK_ETH] = "eth",
    [MXGEN_CHECK_IP] = "ip",
    [MXGEN_CHECK_IP_SUM] = "ip_cksum",
    [MXGEN_CHECK_UDP] = "udp",
    [MXGEN_CHECK_UDP_SUM] = "udp_cksum",
    [MXGEN_CHECK_ID] = "unknown_id",
    [MXGEN_CHECK_DUP] = "duplicate",
    [MXGEN_CHECK_HEADER] = "header",
    [MXGEN_CHECK_FLAGS] = "flags",
    [MXGEN_CHECK_RCODE] = "rcode",
    [MXGEN_CHECK_COUNTS] = "counts",
    [MXGEN_CHECK_QUESTION] = "question",
    [MXGEN_CHECK_PARSE] = "parse",
    [MXGEN_CHECK_OPT] = "opt",
    [MXGEN_CHECK_ECHO] = "echo",
};

const char *mxgen_check_name(enum mxgen_check_verdict v)
{
	return v < MXGEN_CHECK_MAX ? mxgen_check_names[v] : "?";
}

static inline uint16_t mxgen_check_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t mxgen_check_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

enum mxgen_check_verdict mxgen_check_udp(const struct mxgen_check_ctx *c, const uint8_t *f,
					 uint32_t len, uint32_t *flow, uint16_t *id,
					 const uint8_t **dns, uint16_t *dns_len)
{
	const uint8_t *ip = f + MXGEN_FRAME_OFF_IP, *udp = f + MXGEN_FRAME_OFF_UDP;
	uint16_t tot, ulen, ucks, dport;
	uint8_t phdr[4];
	uint32_t fl, s;

	if (len < MXGEN_FRAME_HDRS || memcmp(f, c->mac, 6) != 0 || memcmp(f + 6, c->peer, 6) != 0 ||
	    mxgen_check_get16(f + 12) != MXGEN_CHECK_ETHERTYPE_IPV4)
		return MXGEN_CHECK_ETH;
	/* Our queries carry no options, nor do answers to them. */
	tot = mxgen_check_get16(ip + 2);
	if (ip[0] != 0x45 || tot < MXGEN_FRAME_IP_LEN + MXGEN_FRAME_UDP_LEN ||
	    tot > len - MXGEN_FRAME_ETH_LEN ||
	    (mxgen_check_get16(ip + 6) & MXGEN_CHECK_IP_MF_OFF) != 0 ||
	    ip[9] != MXGEN_CHECK_IP_UDP || memcmp(ip + 12, c->server, 4) != 0)
		return MXGEN_CHECK_IP;
	if (!mxgen_frame_sum_ok(ip, MXGEN_FRAME_IP_LEN, 0))
		return MXGEN_CHECK_IP_SUM;
	ulen = mxgen_check_get16(udp + 4);
	dport = mxgen_check_get16(udp + 2);
	fl = (uint32_t)dport - MXGEN_FRAME_PORT_BASE;
	if (mxgen_check_get16(udp) != MXGEN_CHECK_DNS_PORT || dport < MXGEN_FRAME_PORT_BASE ||
	    fl >= c->fs->nflows || memcmp(ip + 16, c->fs->flows[fl].ip, 4) != 0 ||
	    ulen != tot - MXGEN_FRAME_IP_LEN || ulen < MXGEN_FRAME_UDP_LEN + 12)
		return MXGEN_CHECK_UDP;
	ucks = mxgen_check_get16(udp + 6);
	if (ucks != 0) {
		phdr[0] = 0;
		phdr[1] = MXGEN_CHECK_IP_UDP;
		mxgen_frame_put16(phdr + 2, ulen);
		s = mxgen_frame_sum(ip + 12, 8, 0);
		s = mxgen_frame_sum(phdr, 4, s);
		if (!mxgen_frame_sum_ok(udp, ulen, s))
			return MXGEN_CHECK_UDP_SUM;
	}
	*flow = fl;
	*dns = udp + MXGEN_FRAME_UDP_LEN;
	*dns_len = (uint16_t)(ulen - MXGEN_FRAME_UDP_LEN);
	*id = mxgen_check_get16(*dns);
	return MXGEN_CHECK_OK;
}

/* Skips the name at *POS of the message M of LEN octets: labels ended by
 * the root label or by a pointer, which must point back into the message
 * before itself and after the header (it is not followed). END bounds the
 * name (the end of RDATA for names inside it). */
static bool mxgen_check_name_skip(const uint8_t *m, uint16_t end, uint16_t *pos)
{
	uint16_t p = *pos, total = 0, target;
	uint8_t l;

	for (;;) {
		if (p >= end)
			return false;
		l = m[p];
		if (l == 0) {
			p++;
			break;
		}
		if ((l & 0xc0) == 0xc0) {
			if (end - p < 2)
				return false;
			target = (uint16_t)(mxgen_check_get16(m + p) & 0x3fff);
			if (target < 12 || target >= p)
				return false;
			p = (uint16_t)(p + 2);
			break;
		}
		if ((l & 0xc0) != 0)
			return false;
		total = (uint16_t)(total + l + 1);
		if (total + 1 > 255 || end - p < l + 1)
			return false;
		p = (uint16_t)(p + l + 1);
	}
	*pos = p;
	return true;
}

/* RDATA of the types the zone serves, as far as it holds names or has a
 * fixed length; other types only need to fit. */
static bool mxgen_check_rdata(const uint8_t *m, uint16_t type, uint16_t start, uint16_t rdlen)
{
	uint16_t end = (uint16_t)(start + rdlen), p = start;

	switch (type) {
	case 1: /* A */
		return rdlen == 4;
	case 28: /* AAAA */
		return rdlen == 16;
	case 2:	 /* NS */
	case 5:	 /* CNAME */
	case 12: /* PTR */
		return mxgen_check_name_skip(m, end, &p) && p == end;
	case 15: /* MX: preference, exchange */
		p = (uint16_t)(p + 2);
		return rdlen > 2 && mxgen_check_name_skip(m, end, &p) && p == end;
	case 33: /* SRV: priority, weight, port, target */
		p = (uint16_t)(p + 6);
		return rdlen > 6 && mxgen_check_name_skip(m, end, &p) && p == end;
	case 6: /* SOA: mname, rname, five 32-bit fields */
		return mxgen_check_name_skip(m, end, &p) && mxgen_check_name_skip(m, end, &p) &&
		       end - p == 20;
	default:
		return true;
	}
}

enum mxgen_check_verdict mxgen_check_dns(const uint8_t *dns, uint16_t len, const uint8_t *query,
					 uint16_t qlen, struct mxgen_expect *e)
{
	uint16_t flags, qd, an, ns, ar, pos, type, rdlen, owner, i, total;
	uint32_t ttl;
	unsigned ext = 0;
	bool opt = false;
	uint16_t rcode;

	if (len < 12)
		return MXGEN_CHECK_PARSE;
	flags = mxgen_check_get16(dns + 2);
	/* QR set, opcode that of the query (RFC 1035 §4.1.1). */
	if (!(flags & 0x8000) || ((flags ^ mxgen_check_get16(query + 2)) & 0x7800) != 0)
		return MXGEN_CHECK_HEADER;
	qd = mxgen_check_get16(dns + 4);
	an = mxgen_check_get16(dns + 6);
	ns = mxgen_check_get16(dns + 8);
	ar = mxgen_check_get16(dns + 10);
	pos = 12;
	if (qd > 1)
		return MXGEN_CHECK_COUNTS;
	if (qd == 1) {
		if (len - pos < qlen || memcmp(dns + pos, query + 12, qlen) != 0)
			return MXGEN_CHECK_QUESTION;
		pos = (uint16_t)(pos + qlen);
	}
	total = (uint16_t)(an + ns + ar);
	if ((uint32_t)an + ns + ar > 65535)
		return MXGEN_CHECK_PARSE;
	for (i = 0; i < total; i++) {
		owner = pos;
		if (!mxgen_check_name_skip(dns, len, &pos) || len - pos < 10)
			return MXGEN_CHECK_PARSE;
		type = mxgen_check_get16(dns + pos);
		ttl = mxgen_check_get32(dns + pos + 4);
		rdlen = mxgen_check_get16(dns + pos + 8);
		pos = (uint16_t)(pos + 10);
		if (len - pos < rdlen || !mxgen_check_rdata(dns, type, pos, rdlen))
			return MXGEN_CHECK_PARSE;
		if (type == MXGEN_CHECK_TYPE_OPT) {
			/* One OPT, in the additional section, owned by the root,
			 * version 0 (RFC 6891 §6.1.1, §6.1.3). */
			if (opt || i < an + ns || dns[owner] != 0 || ((ttl >> 16) & 0xff) != 0)
				return MXGEN_CHECK_OPT;
			opt = true;
			ext = ttl >> 24;
		}
		pos = (uint16_t)(pos + rdlen);
	}
	if (pos != len)
		return MXGEN_CHECK_PARSE;
	rcode = (uint16_t)(ext << 4 | (flags & 0x000f));
	if (!e->known) {
		e->known = true;
		e->opt = opt;
		e->flags = flags;
		e->rcode = rcode;
		e->qd = qd;
		e->an = an;
		e->ns = ns;
		e->ar = ar;
		e->len = len;
		return MXGEN_CHECK_OK;
	}
	if (rcode != e->rcode)
		return MXGEN_CHECK_RCODE;
	if (flags != e->flags)
		return MXGEN_CHECK_FLAGS;
	if (qd != e->qd || an != e->an || ns != e->ns || ar != e->ar)
		return MXGEN_CHECK_COUNTS;
	if (opt != e->opt)
		return MXGEN_CHECK_OPT;
	return MXGEN_CHECK_OK;
}

enum mxgen_check_verdict mxgen_check_echo_id(const struct mxgen_check_ctx *c, const uint8_t *f,
					     uint32_t len, uint32_t *flow, uint16_t *id)
{
	uint16_t sport;
	uint32_t fl;

	if (len < MXGEN_FRAME_HDRS + 12 || memcmp(f, c->mac, 6) != 0 ||
	    memcmp(f + 6, c->peer, 6) != 0)
		return MXGEN_CHECK_ETH;
	sport = mxgen_check_get16(f + MXGEN_FRAME_OFF_SPORT);
	fl = (uint32_t)sport - MXGEN_FRAME_PORT_BASE;
	if (sport < MXGEN_FRAME_PORT_BASE || fl >= c->fs->nflows)
		return MXGEN_CHECK_UDP;
	*flow = fl;
	*id = mxgen_check_get16(f + MXGEN_FRAME_OFF_DNS);
	return MXGEN_CHECK_OK;
}

enum mxgen_check_verdict mxgen_check_echo(const struct mxgen_check_ctx *c, const uint8_t *f,
					  uint32_t len, uint32_t qi, uint32_t flow, uint16_t id)
{
	uint8_t want[MXGEN_FRAME_MAX];
	uint16_t n = mxgen_frame_fill(want, c->fs, qi, flow, id);

	/* The echo swaps the MAC addresses, checked by mxgen_check_echo_id. */
	if (len != n || memcmp(f + 12, want + 12, n - 12u) != 0)
		return MXGEN_CHECK_ECHO;
	return MXGEN_CHECK_OK;
}
