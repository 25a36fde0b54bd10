/* Frame classification and in-place replies for the UDP fast path. */
#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>

#include "pkt.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP  0x0806
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_IPV6 0x86dd

#define ARP_LEN	       28 /* Ethernet/IPv4 ARP body, RFC 826 */
#define ARP_HTYPE_ETH  1
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY   2

#define IP4_DF	      0x4000
#define IP4_MF	      0x2000
#define IP4_OFFSET    0x1fff
#define IP4_PROTO_UDP 17
#define IP4_REPLY_TTL 64

#define IP6_NH_HOP	0
#define IP6_NH_UDP	17
#define IP6_NH_ROUTING	43
#define IP6_NH_FRAGMENT 44
#define IP6_NH_ICMP6	58
#define IP6_NH_DEST	60
#define IP6_REPLY_HOPS	64
#define IP6_EXT_MAX	8 /* extension headers looked through for a fragment header */
#define ICMP6_NS	135
#define ICMP6_NA	136
#define ND_HOPS		255 /* RFC 4861 §7.1.1: NDP never crosses a router */
#define ND_NS_LEN	24  /* type, code, checksum, reserved, target */
#define ND_NA_LEN	32  /* the same, and the target link-layer address option */
#define ND_OPT_SLLA	1
#define ND_OPT_TLLA	2
#define ND_NA_SOLICITED 0x40
#define ND_NA_OVERRIDE	0x20

#define DNS_PORT 53

static const uint8_t mxlb_pkt_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t mxlb_pkt_all_nodes[16] = {0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

static const char *const mxlb_pkt_names[MXLB_PKT_VERDICT_MAX] = {
    [MXLB_PKT_DNS] = "dns_reply",
    [MXLB_PKT_ARP] = "arp_reply",
    [MXLB_PKT_NDP] = "ndp_reply",
    [MXLB_PKT_KERNEL] = "to_kernel",
    [MXLB_PKT_DROP_BAD_MAC] = "bad_mac",
    [MXLB_PKT_DROP_NOT_IP] = "not_ip",
    [MXLB_PKT_DROP_SHORT] = "short",
    [MXLB_PKT_DROP_BAD_L3] = "bad_l3",
    [MXLB_PKT_DROP_IP_CKSUM] = "ip_cksum",
    [MXLB_PKT_DROP_FRAGMENT] = "fragment",
    [MXLB_PKT_DROP_NOT_SERVICE] = "not_service_addr",
    [MXLB_PKT_DROP_BAD_UDP] = "bad_udp",
    [MXLB_PKT_DROP_UDP_CKSUM] = "udp_cksum",
    [MXLB_PKT_DROP_ARP_OTHER] = "arp_other",
    [MXLB_PKT_DROP_BAD_NDP] = "bad_ndp",
    [MXLB_PKT_DROP_NO_KERNEL] = "no_kernel",
    [MXLB_PKT_DROP_KERNEL_FULL] = "kernel_full",
    [MXLB_PKT_DROP_MULTI_SEG] = "multi_seg",
    [MXLB_PKT_DROP_DNS] = "dns_drop",
};

const char *mxlb_pkt_verdict_name(enum mxlb_pkt_verdict v)
{
	return v < MXLB_PKT_VERDICT_MAX ? mxlb_pkt_names[v] : "?";
}

static inline uint16_t mxlb_pkt_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void mxlb_pkt_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void mxlb_pkt_swap(uint8_t *a, uint8_t *b, size_t n)
{
	uint8_t t[16];

	memcpy(t, a, n);
	memcpy(a, b, n);
	memcpy(b, t, n);
}

/* A + B with the end-around carry of one's complement arithmetic. */
static inline uint64_t mxlb_pkt_add1c(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_add_overflow(a, b, &r) ? r + 1 : r;
}

/* Adds the N octets at P to the one's complement accumulator ACC, reading
 * words in host order (RFC 1071 §2(B): the sum is byte-order independent up
 * to a final swap, and any word size works with an end-around carry). Eight
 * octets per addition, in two independent sums; N is even except for the
 * last call. */
static inline uint64_t mxlb_pkt_sum(const uint8_t *p, size_t n, uint64_t acc)
{
	uint64_t w0, w1, w2, w3, acc1 = 0;
	uint32_t w32;
	uint16_t w16;

	for (; n >= 32; p += 32, n -= 32) {
		memcpy(&w0, p, 8);
		memcpy(&w1, p + 8, 8);
		memcpy(&w2, p + 16, 8);
		memcpy(&w3, p + 24, 8);
		acc = mxlb_pkt_add1c(mxlb_pkt_add1c(acc, w0), w2);
		acc1 = mxlb_pkt_add1c(mxlb_pkt_add1c(acc1, w1), w3);
	}
	if (n >= 16) {
		memcpy(&w0, p, 8);
		memcpy(&w1, p + 8, 8);
		acc = mxlb_pkt_add1c(acc, w0);
		acc1 = mxlb_pkt_add1c(acc1, w1);
		p += 16;
		n -= 16;
	}
	if (n >= 8) {
		memcpy(&w0, p, 8);
		acc = mxlb_pkt_add1c(acc, w0);
		p += 8;
		n -= 8;
	}
	if (n >= 4) {
		memcpy(&w32, p, 4);
		acc1 = mxlb_pkt_add1c(acc1, w32);
		p += 4;
		n -= 4;
	}
	if (n >= 2) {
		memcpy(&w16, p, 2);
		acc1 = mxlb_pkt_add1c(acc1, w16);
		p += 2;
		n -= 2;
	}
	if (n == 1) {
		w16 = 0;
		memcpy(&w16, p, 1); /* the odd octet is the high half of a zero-padded word */
		acc1 = mxlb_pkt_add1c(acc1, w16);
	}
	return mxlb_pkt_add1c(acc, acc1);
}

/* Folds ACC to 16 bits and returns it as a number in network order (the value
 * a big-endian read of a field holding it would give). */
static inline uint16_t mxlb_pkt_fold(uint64_t acc)
{
	uint32_t a = (uint32_t)acc, b = (uint32_t)(acc >> 32), s32;
	uint16_t c, d, s16;

	s32 = __builtin_add_overflow(a, b, &s32) ? s32 + 1 : s32;
	c = (uint16_t)s32;
	d = (uint16_t)(s32 >> 16);
	s16 = __builtin_add_overflow(c, d, &s16) ? (uint16_t)(s16 + 1) : s16;
	return ntohs(s16);
}

uint16_t mxlb_pkt_cksum(const void *p, size_t n)
{
	return (uint16_t)~mxlb_pkt_fold(mxlb_pkt_sum(p, n, 0));
}

/* One's complement sum of the IPv4 pseudo header (RFC 768) of the UDP
 * datagram of ULEN octets behind the IPv4 header IP. */
static inline uint64_t mxlb_pkt_sum_phdr(const uint8_t *ip, uint16_t ulen)
{
	uint8_t tail[4] = {0, IP4_PROTO_UDP, (uint8_t)(ulen >> 8), (uint8_t)ulen};

	return mxlb_pkt_sum(tail, sizeof(tail), mxlb_pkt_sum(ip + 12, 8, 0));
}

/* One's complement sum of the IPv6 pseudo header (RFC 8200 §8.1) of an
 * upper-layer packet of N octets, protocol PROTO, behind the IPv6 header IP. */
static inline uint64_t mxlb_pkt_sum_phdr6(const uint8_t *ip, uint8_t proto, uint32_t n)
{
	uint8_t tail[8] = {
	    (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n, 0, 0, 0, proto};

	return mxlb_pkt_sum(tail, sizeof(tail), mxlb_pkt_sum(ip + 8, 32, 0));
}

uint16_t mxlb_pkt_cksum6(const uint8_t *ip, uint8_t proto, const uint8_t *l4, uint32_t n)
{
	return (uint16_t)~mxlb_pkt_fold(mxlb_pkt_sum(l4, n, mxlb_pkt_sum_phdr6(ip, proto, n)));
}

/* ARP (RFC 826) for Ethernet and IPv4: a request for a service address is
 * turned into the reply in place, sent back to the requester's MAC. */
static enum mxlb_pkt_verdict mxlb_pkt_arp(uint8_t *frame, uint32_t len, uint16_t l2_len,
					  const uint8_t mac[6], const struct mxlb_addr_set *addrs,
					  struct mxlb_pkt *pkt)
{
	uint8_t *arp = frame + l2_len;
	uint8_t tpa[4];

	if (len - l2_len < ARP_LEN)
		return MXLB_PKT_DROP_SHORT;
	if (mxlb_pkt_get16(arp) != ARP_HTYPE_ETH || mxlb_pkt_get16(arp + 2) != ETHERTYPE_IPV4 ||
	    arp[4] != 6 || arp[5] != 4)
		return MXLB_PKT_DROP_BAD_L3;
	if (mxlb_pkt_get16(arp + 6) != ARP_OP_REQUEST) {
		/* A reply to a service address answers the kernel's own request
		 * (sent through the exception port): the kernel needs it. */
		if (mxlb_pkt_get16(arp + 6) == ARP_OP_REPLY && mxlb_addr_set_has4(addrs, arp + 24))
			return MXLB_PKT_KERNEL;
		return MXLB_PKT_DROP_ARP_OTHER;
	}
	if (!mxlb_addr_set_has4(addrs, arp + 24))
		return MXLB_PKT_DROP_NOT_SERVICE;
	/* A sender claiming our address announces itself: nothing to answer. */
	if (memcmp(arp + 14, arp + 24, 4) == 0)
		return MXLB_PKT_DROP_ARP_OTHER;

	memcpy(tpa, arp + 24, 4);
	memcpy(frame, frame + 6, 6);
	memcpy(frame + 6, mac, 6);
	mxlb_pkt_put16(arp + 6, ARP_OP_REPLY);
	memcpy(arp + 18, arp + 8, 10); /* target = requester's MAC and address */
	memcpy(arp + 8, mac, 6);
	memcpy(arp + 14, tpa, 4);
	pkt->l2_len = l2_len;
	pkt->len = (uint16_t)(l2_len + ARP_LEN);
	return MXLB_PKT_ARP;
}

/* Source addresses that cannot have sent a unicast query: 0.0.0.0/8,
 * 127.0.0.0/8, multicast 224.0.0.0/4 and 240.0.0.0/4 including the limited
 * broadcast (RFC 1122 §3.2.1.3, RFC 1812 §5.3.7). */
static inline int mxlb_pkt_bad_source(const uint8_t *src)
{
	return src[0] == 0 || src[0] == 127 || src[0] >= 224;
}

/* IPv4 (RFC 791) and UDP (RFC 768) checks of a datagram that must be a DNS
 * query to one of our addresses. */
static enum mxlb_pkt_verdict mxlb_pkt_ip4(uint8_t *frame, uint32_t len, uint16_t l2_len,
					  const struct mxlb_addr_set *addrs, unsigned rx_flags,
					  struct mxlb_pkt *pkt)
{
	uint8_t *ip = frame + l2_len;
	uint32_t avail = len - l2_len;
	uint8_t *udp;
	uint16_t ihl, tot, ulen, ucks;

	if (avail < MXLB_PKT_IP4_LEN)
		return MXLB_PKT_DROP_SHORT;
	ihl = (uint16_t)((ip[0] & 0x0f) * 4);
	if ((ip[0] >> 4) != 4 || ihl < MXLB_PKT_IP4_LEN)
		return MXLB_PKT_DROP_BAD_L3;
	tot = mxlb_pkt_get16(ip + 2);
	if (tot < ihl)
		return MXLB_PKT_DROP_BAD_L3;
	/* Frames may be longer than the datagram (Ethernet padding to 60
	 * octets): the total length decides; a shorter frame is truncated. */
	if (tot > avail)
		return MXLB_PKT_DROP_SHORT;
	if (!(rx_flags & MXLB_PKT_RX_IP_CKSUM_OK) && mxlb_pkt_cksum(ip, ihl) != 0)
		return MXLB_PKT_DROP_IP_CKSUM;
	/* No reassembly: a DNS query over UDP fits one datagram. */
	if (mxlb_pkt_get16(ip + 6) & (IP4_MF | IP4_OFFSET))
		return MXLB_PKT_DROP_FRAGMENT;
	if (!mxlb_addr_set_has4(addrs, ip + 16))
		return MXLB_PKT_DROP_NOT_SERVICE;
	if (mxlb_pkt_bad_source(ip + 12))
		return MXLB_PKT_DROP_BAD_L3;
	/* TCP, ICMP and UDP to other ports: the kernel's (DNS over TCP is
	 * answered there, on a socket of mxlbd's). */
	if (ip[9] != IP4_PROTO_UDP)
		return MXLB_PKT_KERNEL;
	if (tot - ihl < MXLB_PKT_UDP_LEN)
		return MXLB_PKT_DROP_BAD_UDP;
	udp = ip + ihl;
	if (mxlb_pkt_get16(udp + 2) != DNS_PORT)
		return MXLB_PKT_KERNEL;
	ulen = mxlb_pkt_get16(udp + 4);
	if (ulen < MXLB_PKT_UDP_LEN || ulen > tot - ihl || mxlb_pkt_get16(udp) == 0)
		return MXLB_PKT_DROP_BAD_UDP;
	/* Checksum 0: the sender computed none (RFC 768). */
	ucks = mxlb_pkt_get16(udp + 6);
	if (ucks != 0 && !(rx_flags & MXLB_PKT_RX_UDP_CKSUM_OK) &&
	    mxlb_pkt_fold(mxlb_pkt_sum(udp, ulen, mxlb_pkt_sum_phdr(ip, ulen))) != 0xffff)
		return MXLB_PKT_DROP_UDP_CKSUM;

	/* IPv4 options are not echoed (a UDP application may ignore them,
	 * RFC 1122 §4.1.3.2; source routes are not reversed): the reply gets a
	 * plain 20-byte header, so the datagram moves up to follow one. */
	if (ihl > MXLB_PKT_IP4_LEN)
		memmove(ip + MXLB_PKT_IP4_LEN, udp, ulen);

	pkt->l2_len = l2_len;
	pkt->l3_len = MXLB_PKT_IP4_LEN;
	pkt->ip6 = 0;
	pkt->dns_off = (uint16_t)(l2_len + MXLB_PKT_IP4_LEN + MXLB_PKT_UDP_LEN);
	pkt->dns_len = (uint16_t)(ulen - MXLB_PKT_UDP_LEN);
	return MXLB_PKT_DNS;
}

static inline bool mxlb_pkt_ip6_unspecified(const uint8_t *a)
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0;
}

static inline bool mxlb_pkt_ip6_loopback(const uint8_t *a)
{
	static const uint8_t zero[15];

	return memcmp(a, zero, 15) == 0 && a[15] == 1;
}

/* Neighbour solicitation (RFC 4861 §4.3) to a service address or to its
 * solicited-node group: checked as §7.1.1 says, and when its target is a
 * service address turned into the advertisement in place (§7.2.4): to the
 * solicitor (its link-layer address option, else the frame's source MAC),
 * Solicited and Override set; a duplicate address detection probe, from the
 * unspecified address, is answered to all nodes, Solicited clear. Router
 * flag clear: mxlbd is a host. */
static enum mxlb_pkt_verdict mxlb_pkt_ndp(uint8_t *frame, uint16_t l2_len, const uint8_t mac[6],
					  const struct mxlb_addr_set *addrs, struct mxlb_pkt *pkt)
{
	uint8_t *ip = frame + l2_len;
	uint8_t *icmp = ip + MXLB_PKT_IP6_LEN;
	uint16_t plen = mxlb_pkt_get16(ip + 4);
	const uint8_t *slla = NULL;
	uint8_t dmac[6], target[16], src[16];
	uint32_t off;
	bool dad;

	if (ip[7] != ND_HOPS || plen < ND_NS_LEN || icmp[1] != 0)
		return MXLB_PKT_DROP_BAD_NDP;
	if (mxlb_pkt_cksum6(ip, IP6_NH_ICMP6, icmp, plen) != 0)
		return MXLB_PKT_DROP_BAD_NDP;
	if (icmp[8] == 0xff) /* target multicast */
		return MXLB_PKT_DROP_BAD_NDP;
	for (off = ND_NS_LEN; off < plen; off += icmp[off + 1] * 8u) {
		if (plen - off < 8 || icmp[off + 1] == 0 || plen - off < icmp[off + 1] * 8u)
			return MXLB_PKT_DROP_BAD_NDP;
		if (icmp[off] == ND_OPT_SLLA && icmp[off + 1] == 1)
			slla = icmp + off + 2;
	}
	dad = mxlb_pkt_ip6_unspecified(ip + 8);
	/* A probe from the unspecified address goes to the solicited-node
	 * group and carries no source link-layer address. */
	if (dad && (ip[24] != 0xff || slla != NULL))
		return MXLB_PKT_DROP_BAD_NDP;
	/* Solicitations for other targets (the exception interface's
	 * link-local address) are the kernel's. */
	if (!mxlb_addr_set_has6(addrs, icmp + 8))
		return MXLB_PKT_KERNEL;

	memcpy(target, icmp + 8, 16);
	memcpy(src, ip + 8, 16);
	if (dad) {
		static const uint8_t all_nodes_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
		memcpy(dmac, all_nodes_mac, 6);
	} else {
		memcpy(dmac, slla != NULL ? slla : frame + 6, 6);
	}
	memcpy(frame, dmac, 6);
	memcpy(frame + 6, mac, 6);

	ip[0] = 0x60;
	ip[1] = ip[2] = ip[3] = 0;
	mxlb_pkt_put16(ip + 4, ND_NA_LEN);
	ip[6] = IP6_NH_ICMP6;
	ip[7] = ND_HOPS;
	memcpy(ip + 8, target, 16);
	memcpy(ip + 24, dad ? mxlb_pkt_all_nodes : src, 16);

	icmp[0] = ICMP6_NA;
	icmp[1] = 0;
	mxlb_pkt_put16(icmp + 2, 0);
	icmp[4] = dad ? ND_NA_OVERRIDE : ND_NA_SOLICITED | ND_NA_OVERRIDE;
	icmp[5] = icmp[6] = icmp[7] = 0;
	memcpy(icmp + 8, target, 16);
	icmp[24] = ND_OPT_TLLA;
	icmp[25] = 1;
	memcpy(icmp + 26, mac, 6);
	mxlb_pkt_put16(icmp + 2, mxlb_pkt_cksum6(ip, IP6_NH_ICMP6, icmp, ND_NA_LEN));

	pkt->l2_len = l2_len;
	pkt->len = (uint16_t)(l2_len + MXLB_PKT_IP6_LEN + ND_NA_LEN);
	return MXLB_PKT_NDP;
}

/* Whether an IPv6 packet whose first header after the fixed one is NH (at
 * P, LEFT octets of it) holds a fragment header (RFC 8200 §4.5), looking
 * through hop-by-hop, routing and destination options headers. */
static bool mxlb_pkt_ip6_fragment(uint8_t nh, const uint8_t *p, uint32_t left)
{
	uint32_t n, i;

	for (i = 0; i < IP6_EXT_MAX; i++) {
		if (nh == IP6_NH_FRAGMENT)
			return true;
		if (nh != IP6_NH_HOP && nh != IP6_NH_ROUTING && nh != IP6_NH_DEST)
			return false;
		if (left < 8)
			return false;
		n = (p[1] + 1u) * 8u;
		if (n > left)
			return false;
		nh = p[0];
		p += n;
		left -= n;
	}
	return false;
}

/* IPv6 (RFC 8200) and UDP checks of a datagram that must be a DNS query to
 * one of our addresses, and neighbour solicitations. */
static enum mxlb_pkt_verdict mxlb_pkt_ip6(uint8_t *frame, uint32_t len, uint16_t l2_len,
					  const uint8_t mac[6], const struct mxlb_addr_set *addrs,
					  unsigned rx_flags, struct mxlb_pkt *pkt)
{
	uint8_t *ip = frame + l2_len;
	uint32_t avail = len - l2_len;
	const uint8_t *src = ip + 8, *dst = ip + 24;
	uint8_t *udp = ip + MXLB_PKT_IP6_LEN;
	uint16_t plen, ulen;
	uint8_t nh;

	if (avail < MXLB_PKT_IP6_LEN)
		return MXLB_PKT_DROP_SHORT;
	if ((ip[0] >> 4) != 6)
		return MXLB_PKT_DROP_BAD_L3;
	plen = mxlb_pkt_get16(ip + 4);
	/* Payload length 0 is a jumbogram or nothing at all (RFC 2675). */
	if (plen == 0)
		return MXLB_PKT_DROP_BAD_L3;
	/* As for IPv4, the frame may carry Ethernet padding. */
	if (MXLB_PKT_IP6_LEN + (uint32_t)plen > avail)
		return MXLB_PKT_DROP_SHORT;
	/* Multicast and loopback sources cannot be (RFC 4291 §2.5.3, §2.7). */
	if (src[0] == 0xff || mxlb_pkt_ip6_loopback(src))
		return MXLB_PKT_DROP_BAD_L3;
	nh = ip[6];
	if (dst[0] == 0xff) {
		/* Solicitations for our addresses are answered here; other
		 * link-local multicast ICMPv6 (solicitations for the exception
		 * interface's own addresses, MLD) is the kernel's. */
		if (nh == IP6_NH_ICMP6 && udp[0] == ICMP6_NS && mxlb_addr_set_has_snm6(addrs, dst))
			return mxlb_pkt_ndp(frame, l2_len, mac, addrs, pkt);
		if ((dst[1] & 0x0f) == 2 && nh == IP6_NH_ICMP6)
			return MXLB_PKT_KERNEL;
		return MXLB_PKT_DROP_NOT_SERVICE;
	}
	/* The unspecified source only sends solicitations to a multicast group. */
	if (mxlb_pkt_ip6_unspecified(src))
		return MXLB_PKT_DROP_BAD_L3;
	if (!mxlb_addr_set_has6(addrs, dst)) {
		/* fe80::/10: the exception interface's link-local address, which
		 * answers the kernel's own neighbour solicitations. */
		if (dst[0] == 0xfe && (dst[1] & 0xc0) == 0x80)
			return MXLB_PKT_KERNEL;
		return MXLB_PKT_DROP_NOT_SERVICE;
	}
	/* No reassembly, as for IPv4; other extension headers: the kernel's. */
	if (mxlb_pkt_ip6_fragment(nh, udp, plen))
		return MXLB_PKT_DROP_FRAGMENT;
	if (nh == IP6_NH_ICMP6 && udp[0] == ICMP6_NS)
		return mxlb_pkt_ndp(frame, l2_len, mac, addrs, pkt);
	if (nh != IP6_NH_UDP)
		return MXLB_PKT_KERNEL;
	if (plen < MXLB_PKT_UDP_LEN)
		return MXLB_PKT_DROP_BAD_UDP;
	if (mxlb_pkt_get16(udp + 2) != DNS_PORT)
		return MXLB_PKT_KERNEL;
	ulen = mxlb_pkt_get16(udp + 4);
	if (ulen < MXLB_PKT_UDP_LEN || ulen > plen || mxlb_pkt_get16(udp) == 0)
		return MXLB_PKT_DROP_BAD_UDP;
	/* Over IPv6 the checksum is mandatory: 0 is invalid (RFC 8200 §8.1). */
	if (mxlb_pkt_get16(udp + 6) == 0)
		return MXLB_PKT_DROP_UDP_CKSUM;
	if (!(rx_flags & MXLB_PKT_RX_UDP_CKSUM_OK) &&
	    mxlb_pkt_cksum6(ip, IP6_NH_UDP, udp, ulen) != 0)
		return MXLB_PKT_DROP_UDP_CKSUM;

	pkt->l2_len = l2_len;
	pkt->l3_len = MXLB_PKT_IP6_LEN;
	pkt->ip6 = 1;
	pkt->dns_off = (uint16_t)(l2_len + MXLB_PKT_IP6_LEN + MXLB_PKT_UDP_LEN);
	pkt->dns_len = (uint16_t)(ulen - MXLB_PKT_UDP_LEN);
	return MXLB_PKT_DNS;
}

enum mxlb_pkt_verdict mxlb_pkt_classify(uint8_t *frame, uint32_t len, const uint8_t mac[6],
					const struct mxlb_addr_set *addrs, unsigned rx_flags,
					struct mxlb_pkt *pkt)
{
	uint16_t l2_len = MXLB_PKT_ETH_LEN;
	uint16_t type;

	if (len < MXLB_PKT_ETH_LEN)
		return MXLB_PKT_DROP_SHORT;
	/* Ours, broadcast (ARP), or IPv6 multicast 33:33:xx (neighbour
	 * solicitations go to the solicited-node group, RFC 2464 §7). */
	if (memcmp(frame, mac, 6) != 0 && memcmp(frame, mxlb_pkt_bcast, 6) != 0 &&
	    !(frame[0] == 0x33 && frame[1] == 0x33))
		return MXLB_PKT_DROP_BAD_MAC;
	type = mxlb_pkt_get16(frame + 12);
	if (type == ETHERTYPE_VLAN) {
		/* One 802.1Q tag; it stays in place and so is kept in the reply. */
		l2_len += MXLB_PKT_VLAN_LEN;
		if (len < l2_len)
			return MXLB_PKT_DROP_SHORT;
		type = mxlb_pkt_get16(frame + 16);
	}
	if (type == ETHERTYPE_IPV4)
		return mxlb_pkt_ip4(frame, len, l2_len, addrs, rx_flags, pkt);
	if (type == ETHERTYPE_IPV6)
		return mxlb_pkt_ip6(frame, len, l2_len, mac, addrs, rx_flags, pkt);
	if (type == ETHERTYPE_ARP)
		return mxlb_pkt_arp(frame, len, l2_len, mac, addrs, pkt);
	return MXLB_PKT_DROP_NOT_IP;
}

/* Rewrites the Ethernet, IP and UDP headers of a DNS reply; checksums are
 * left zero. Returns the frame length. */
static inline uint16_t mxlb_pkt_reply_headers(uint8_t *frame, const struct mxlb_pkt *pkt,
					      const uint8_t mac[6], uint16_t dns_len)
{
	uint8_t *ip = frame + pkt->l2_len;
	uint8_t *udp = ip + pkt->l3_len;
	uint16_t ulen = (uint16_t)(MXLB_PKT_UDP_LEN + dns_len);

	memcpy(frame, frame + 6, 6);
	memcpy(frame + 6, mac, 6);

	if (pkt->ip6) {
		ip[0] = 0x60; /* traffic class and flow label 0 */
		ip[1] = ip[2] = ip[3] = 0;
		mxlb_pkt_put16(ip + 4, ulen);
		ip[6] = IP6_NH_UDP;
		ip[7] = IP6_REPLY_HOPS;
		mxlb_pkt_swap(ip + 8, ip + 24, 16);
	} else {
		ip[0] = 0x45;
		ip[1] = 0;
		mxlb_pkt_put16(ip + 2, (uint16_t)(MXLB_PKT_IP4_LEN + ulen));
		mxlb_pkt_put16(ip + 4, 0); /* ID 0 with DF set: RFC 6864 §4.1 */
		mxlb_pkt_put16(ip + 6, IP4_DF);
		ip[8] = IP4_REPLY_TTL;
		ip[9] = IP4_PROTO_UDP;
		mxlb_pkt_put16(ip + 10, 0);
		mxlb_pkt_swap(ip + 12, ip + 16, 4);
	}

	mxlb_pkt_swap(udp, udp + 2, 2);
	mxlb_pkt_put16(udp + 4, ulen);
	mxlb_pkt_put16(udp + 6, 0);
	return (uint16_t)(pkt->l2_len + pkt->l3_len + ulen);
}

/* The pseudo-header sum of the reply's UDP datagram of ULEN octets. */
static inline uint64_t mxlb_pkt_reply_phdr(const uint8_t *ip, const struct mxlb_pkt *pkt,
					   uint16_t ulen)
{
	return pkt->ip6 ? mxlb_pkt_sum_phdr6(ip, IP6_NH_UDP, ulen) : mxlb_pkt_sum_phdr(ip, ulen);
}

uint16_t mxlb_pkt_reply_udp(uint8_t *frame, const struct mxlb_pkt *pkt, const uint8_t mac[6],
			    uint16_t dns_len)
{
	uint16_t flen = mxlb_pkt_reply_headers(frame, pkt, mac, dns_len);
	uint8_t *ip = frame + pkt->l2_len;
	uint8_t *udp = ip + pkt->l3_len;
	uint16_t ulen = (uint16_t)(MXLB_PKT_UDP_LEN + dns_len);
	uint16_t ucks;

	if (!pkt->ip6)
		mxlb_pkt_put16(ip + 10, mxlb_pkt_cksum(ip, MXLB_PKT_IP4_LEN));
	ucks =
	    (uint16_t)~mxlb_pkt_fold(mxlb_pkt_sum(udp, ulen, mxlb_pkt_reply_phdr(ip, pkt, ulen)));
	/* A computed zero is sent as all ones: zero means "no checksum" over
	 * IPv4 (RFC 768) and is invalid over IPv6 (RFC 8200 §8.1). */
	mxlb_pkt_put16(udp + 6, ucks != 0 ? ucks : 0xffff);
	return flen;
}

uint16_t mxlb_pkt_reply_udp_offload(uint8_t *frame, const struct mxlb_pkt *pkt,
				    const uint8_t mac[6], uint16_t dns_len)
{
	uint16_t flen = mxlb_pkt_reply_headers(frame, pkt, mac, dns_len);
	uint8_t *ip = frame + pkt->l2_len;
	uint16_t ulen = (uint16_t)(MXLB_PKT_UDP_LEN + dns_len);

	mxlb_pkt_put16(ip + pkt->l3_len + 6, mxlb_pkt_fold(mxlb_pkt_reply_phdr(ip, pkt, ulen)));
	return flen;
}
