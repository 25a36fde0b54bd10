/* Frame classification and in-place replies for the UDP fast path. */
#include <arpa/inet.h>
#include <string.h>

#include "pkt.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP  0x0806
#define ETHERTYPE_VLAN 0x8100

#define ARP_LEN	       28 /* Ethernet/IPv4 ARP body, RFC 826 */
#define ARP_HTYPE_ETH  1
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY   2

#define IP4_DF	      0x4000
#define IP4_MF	      0x2000
#define IP4_OFFSET    0x1fff
#define IP4_PROTO_UDP 17
#define IP4_REPLY_TTL 64

#define DNS_PORT 53

static const uint8_t mxlb_pkt_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static const char *const mxlb_pkt_names[MXLB_PKT_VERDICT_MAX] = {
    [MXLB_PKT_DNS] = "dns_reply",
    [MXLB_PKT_ARP] = "arp_reply",
    [MXLB_PKT_DROP_BAD_MAC] = "bad_mac",
    [MXLB_PKT_DROP_NOT_IP] = "not_ip",
    [MXLB_PKT_DROP_SHORT] = "short",
    [MXLB_PKT_DROP_BAD_L3] = "bad_l3",
    [MXLB_PKT_DROP_IP_CKSUM] = "ip_cksum",
    [MXLB_PKT_DROP_FRAGMENT] = "fragment",
    [MXLB_PKT_DROP_NOT_SERVICE] = "not_service_addr",
    [MXLB_PKT_DROP_NOT_UDP53] = "not_udp53",
    [MXLB_PKT_DROP_BAD_UDP] = "bad_udp",
    [MXLB_PKT_DROP_UDP_CKSUM] = "udp_cksum",
    [MXLB_PKT_DROP_ARP_OTHER] = "arp_other",
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

/* Adds the N octets at P to the one's complement accumulator ACC, reading
 * 32-bit words in host order (RFC 1071 §2(B): the sum is byte-order
 * independent up to a final swap). N is even except for the last call. */
static inline uint64_t mxlb_pkt_sum(const uint8_t *p, size_t n, uint64_t acc)
{
	uint32_t w32;
	uint16_t w16;

	for (; n >= 4; p += 4, n -= 4) {
		memcpy(&w32, p, 4);
		acc += w32;
	}
	if (n >= 2) {
		memcpy(&w16, p, 2);
		acc += w16;
		p += 2;
		n -= 2;
	}
	if (n == 1) {
		w16 = 0;
		memcpy(&w16, p, 1); /* the odd octet is the high half of a zero-padded word */
		acc += w16;
	}
	return acc;
}

/* Folds ACC to 16 bits and returns it as a number in network order (the value
 * a big-endian read of a field holding it would give). */
static inline uint16_t mxlb_pkt_fold(uint64_t acc)
{
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffu) + (acc >> 16);
	acc = (acc & 0xffffu) + (acc >> 16);
	acc = (acc & 0xffffu) + (acc >> 16);
	return ntohs((uint16_t)acc);
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
	if (mxlb_pkt_get16(arp + 6) != ARP_OP_REQUEST)
		return MXLB_PKT_DROP_ARP_OTHER;
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
	if (ip[9] != IP4_PROTO_UDP)
		return MXLB_PKT_DROP_NOT_UDP53;
	if (tot - ihl < MXLB_PKT_UDP_LEN)
		return MXLB_PKT_DROP_BAD_UDP;
	udp = ip + ihl;
	if (mxlb_pkt_get16(udp + 2) != DNS_PORT)
		return MXLB_PKT_DROP_NOT_UDP53;
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
	pkt->dns_off = (uint16_t)(l2_len + MXLB_PKT_IP4_LEN + MXLB_PKT_UDP_LEN);
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
	if (memcmp(frame, mac, 6) != 0 && memcmp(frame, mxlb_pkt_bcast, 6) != 0)
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
	if (type == ETHERTYPE_ARP)
		return mxlb_pkt_arp(frame, len, l2_len, mac, addrs, pkt);
	return MXLB_PKT_DROP_NOT_IP;
}

/* Rewrites the Ethernet, IPv4 and UDP headers of a DNS reply; checksums are
 * left zero. Returns the frame length. */
static inline uint16_t mxlb_pkt_reply_headers(uint8_t *frame, const struct mxlb_pkt *pkt,
					      const uint8_t mac[6], uint16_t dns_len)
{
	uint8_t *ip = frame + pkt->l2_len;
	uint8_t *udp = ip + MXLB_PKT_IP4_LEN;
	uint16_t ulen = (uint16_t)(MXLB_PKT_UDP_LEN + dns_len);

	memcpy(frame, frame + 6, 6);
	memcpy(frame + 6, mac, 6);

	ip[0] = 0x45;
	ip[1] = 0;
	mxlb_pkt_put16(ip + 2, (uint16_t)(MXLB_PKT_IP4_LEN + ulen));
	mxlb_pkt_put16(ip + 4, 0); /* ID 0 with DF set: RFC 6864 §4.1 */
	mxlb_pkt_put16(ip + 6, IP4_DF);
	ip[8] = IP4_REPLY_TTL;
	ip[9] = IP4_PROTO_UDP;
	mxlb_pkt_put16(ip + 10, 0);
	mxlb_pkt_swap(ip + 12, ip + 16, 4);

	mxlb_pkt_swap(udp, udp + 2, 2);
	mxlb_pkt_put16(udp + 4, ulen);
	mxlb_pkt_put16(udp + 6, 0);
	return (uint16_t)(pkt->l2_len + MXLB_PKT_IP4_LEN + ulen);
}

uint16_t mxlb_pkt_reply_udp(uint8_t *frame, const struct mxlb_pkt *pkt, const uint8_t mac[6],
			    uint16_t dns_len)
{
	uint16_t flen = mxlb_pkt_reply_headers(frame, pkt, mac, dns_len);
	uint8_t *ip = frame + pkt->l2_len;
	uint8_t *udp = ip + MXLB_PKT_IP4_LEN;
	uint16_t ulen = (uint16_t)(MXLB_PKT_UDP_LEN + dns_len);
	uint16_t ucks;

	mxlb_pkt_put16(ip + 10, mxlb_pkt_cksum(ip, MXLB_PKT_IP4_LEN));
	ucks = (uint16_t)~mxlb_pkt_fold(mxlb_pkt_sum(udp, ulen, mxlb_pkt_sum_phdr(ip, ulen)));
	/* A computed zero is sent as all ones: zero means "no checksum". */
	mxlb_pkt_put16(udp + 6, ucks != 0 ? ucks : 0xffff);
	return flen;
}

uint16_t mxlb_pkt_reply_udp_offload(uint8_t *frame, const struct mxlb_pkt *pkt,
				    const uint8_t mac[6], uint16_t dns_len)
{
	uint16_t flen = mxlb_pkt_reply_headers(frame, pkt, mac, dns_len);
	uint8_t *ip = frame + pkt->l2_len;
	uint16_t ulen = (uint16_t)(MXLB_PKT_UDP_LEN + dns_len);

	mxlb_pkt_put16(ip + MXLB_PKT_IP4_LEN + 6, mxlb_pkt_fold(mxlb_pkt_sum_phdr(ip, ulen)));
	return flen;
}
