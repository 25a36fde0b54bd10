/* The frame code of the fast path over IPv6 (dataplane/runtime/pkt.c): UDP
 * queries classified and answered, checksums computed and verified, the
 * 0xFFFF rule of RFC 8200 §8.1, fragments, neighbour solicitations, and what
 * goes to the kernel. Frames are built by hand here and every checksum is
 * checked against a plain RFC 1071 sum written out below, independent of the
 * one under test. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <criterion/criterion.h>

#include "addr.h"
#include "pkt.h"

static const uint8_t our_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t peer_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
static uint8_t svc6[16], peer6[16], other6[16], svc4[4], peer4[4];
static struct mxlb_addr_set set;

static void ip6(uint8_t *out, const char *s)
{
	cr_assert_eq(inet_pton(AF_INET6, s, out), 1, "%s", s);
}

static void setup(void)
{
	struct mxlb_addr a;

	memset(&set, 0, sizeof(set));
	ip6(svc6, "2001:db8::1");
	ip6(peer6, "2001:db8::2");
	ip6(other6, "2001:db8::99");
	inet_pton(AF_INET, "198.18.0.1", svc4);
	inet_pton(AF_INET, "198.18.0.2", peer4);
	cr_assert_eq(mxlb_addr_parse(&a, "2001:db8::1/64"), 0);
	cr_assert_eq(mxlb_addr_set_add(&set, &a), 0);
	cr_assert_eq(mxlb_addr_parse(&a, "198.18.0.1/24"), 0);
	cr_assert_eq(mxlb_addr_set_add(&set, &a), 0);
}

TestSuite(pkt6, .init = setup);

/* ---- the independent checksum: 16-bit big-endian words, end-around carry */

static uint32_t ref_add(uint32_t acc, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		acc += (uint32_t)(p[n - 1] << 8);
	return acc;
}

static uint16_t ref_fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

/* One's complement sum of the IPv6 pseudo header and the N octets at L4. */
static uint16_t ref_sum6(const uint8_t *src, const uint8_t *dst, uint8_t proto, const uint8_t *l4,
			 size_t n)
{
	uint8_t ph[8] = {0, 0, (uint8_t)(n >> 8), (uint8_t)n, 0, 0, 0, proto};
	uint32_t acc = 0;

	acc = ref_add(acc, src, 16);
	acc = ref_add(acc, dst, 16);
	acc = ref_add(acc, ph, 8);
	acc = ref_add(acc, l4, n);
	return ref_fold(acc);
}

static uint16_t ref_sum4(const uint8_t *ip, const uint8_t *l4, size_t n)
{
	uint8_t ph[4] = {0, 17, (uint8_t)(n >> 8), (uint8_t)n};
	uint32_t acc = 0;

	acc = ref_add(acc, ip + 12, 8);
	acc = ref_add(acc, ph, 4);
	acc = ref_add(acc, l4, n);
	return ref_fold(acc);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* ---- frames by hand */

struct frame {
	uint8_t b[2048];
	uint32_t n;
	uint32_t l3; /* offset of the IP header */
};

static void eth(struct frame *f, const uint8_t *dst, uint16_t type, bool vlan)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->b, dst, 6);
	memcpy(f->b + 6, peer_mac, 6);
	f->n = 12;
	if (vlan) {
		put16(f->b + 12, 0x8100);
		put16(f->b + 14, 42);
		f->n = 16;
	}
	put16(f->b + f->n, type);
	f->n += 2;
	f->l3 = f->n;
}

/* IPv6 header with next header NH and hop limit HOPS; the payload length is
 * set by fix6. */
static void hdr6(struct frame *f, const uint8_t *src, const uint8_t *dst, uint8_t nh, uint8_t hops)
{
	uint8_t *ip = f->b + f->n;

	ip[0] = 0x60;
	ip[1] = 0x12; /* traffic class and flow label that replies do not keep */
	ip[2] = 0x34;
	ip[3] = 0x56;
	ip[6] = nh;
	ip[7] = hops;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	f->n += 40;
}

static void fix6(struct frame *f)
{
	put16(f->b + f->l3 + 4, (uint16_t)(f->n - f->l3 - 40));
}

/* A UDP datagram from port 40000 to DPORT carrying N octets of PAYLOAD,
 * behind an IPv6 header, checksum computed with the reference sum (or CKSUM
 * when nonzero... or forced 0 with ZERO). */
static void udp6(struct frame *f, const uint8_t *dst, uint16_t dport, const uint8_t *payload,
		 size_t n)
{
	uint8_t *udp;

	hdr6(f, peer6, dst, 17, 64);
	udp = f->b + f->n;
	put16(udp, 40000);
	put16(udp + 2, dport);
	put16(udp + 4, (uint16_t)(8 + n));
	memcpy(udp + 8, payload, n);
	f->n += 8 + (uint32_t)n;
	fix6(f);
	put16(udp + 6, (uint16_t)~ref_sum6(peer6, dst, 17, udp, 8 + n));
}

/* A DNS query for example.net MX, ID 0x1234 (its content does not matter to
 * the frame code). */
static const uint8_t query[] = {0x12, 0x34, 0x01, 0x00, 0,   1,	  0,   0,   0,	 0,
				0,    0,    7,	  'e',	'x', 'a', 'm', 'p', 'l', 'e',
				3,    'n',  'e',  't',	0,   0,	  15,  0,   1};

static void query6(struct frame *f, bool vlan)
{
	eth(f, our_mac, 0x86dd, vlan);
	udp6(f, svc6, 53, query, sizeof(query));
}

static enum mxlb_pkt_verdict classify(struct frame *f, unsigned rx_flags, struct mxlb_pkt *pkt)
{
	memset(pkt, 0xee, sizeof(*pkt));
	return mxlb_pkt_classify(f->b, f->n, our_mac, &set, rx_flags, pkt);
}

/* ---- IPv6 UDP: classify and reply */

Test(pkt6, query_classified)
{
	struct frame f;
	struct mxlb_pkt pkt;

	query6(&f, false);
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_DNS);
	cr_assert_eq(pkt.ip6, 1);
	cr_assert_eq(pkt.l2_len, 14);
	cr_assert_eq(pkt.l3_len, 40);
	cr_assert_eq(pkt.dns_off, 14 + 40 + 8);
	cr_assert_eq(pkt.dns_len, sizeof(query));
	cr_assert_arr_eq(f.b + pkt.dns_off, query, sizeof(query));
}

/* Writes a response of N octets (RESP) over the query and builds the reply;
 * returns its frame length. */
static uint16_t answer(struct frame *f, const struct mxlb_pkt *pkt, const uint8_t *resp, size_t n,
		       bool offload)
{
	memcpy(f->b + pkt->dns_off, resp, n);
	return offload ? mxlb_pkt_reply_udp_offload(f->b, pkt, our_mac, (uint16_t)n)
		       : mxlb_pkt_reply_udp(f->b, pkt, our_mac, (uint16_t)n);
}

static void expect_reply6(const struct frame *f, uint32_t l3, uint16_t flen, const uint8_t *resp,
			  size_t n)
{
	const uint8_t *ip = f->b + l3, *udp = ip + 40;

	cr_assert_eq(flen, l3 + 40 + 8 + n);
	cr_assert_arr_eq(f->b, peer_mac, 6, "destination MAC: the sender's");
	cr_assert_arr_eq(f->b + 6, our_mac, 6);
	cr_assert_eq(ip[0], 0x60);
	cr_assert_eq(ip[1] | ip[2] | ip[3], 0, "traffic class and flow label 0");
	cr_assert_eq(get16(ip + 4), 8 + n, "payload length");
	cr_assert_eq(ip[6], 17);
	cr_assert_eq(ip[7], 64, "hop limit 64");
	cr_assert_arr_eq(ip + 8, svc6, 16, "source: the service address");
	cr_assert_arr_eq(ip + 24, peer6, 16);
	cr_assert_eq(get16(udp), 53);
	cr_assert_eq(get16(udp + 2), 40000);
	cr_assert_eq(get16(udp + 4), 8 + n);
	cr_assert_arr_eq(udp + 8, resp, n);
}

Test(pkt6, reply_checksum_matches_reference)
{
	static const uint8_t resp[] = {0x12, 0x34, 0x84, 0x00, 0, 1, 0, 1, 0, 0, 0, 0, 1, 2, 3};
	struct frame f;
	struct mxlb_pkt pkt;
	uint8_t udp[64];
	uint16_t flen, want;

	query6(&f, false);
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_DNS);
	flen = answer(&f, &pkt, resp, sizeof(resp), false);
	expect_reply6(&f, 14, flen, resp, sizeof(resp));

	/* The reference checksum of the reply with the field zeroed. */
	memcpy(udp, f.b + 14 + 40, 8 + sizeof(resp));
	put16(udp + 6, 0);
	want = (uint16_t)~ref_sum6(svc6, peer6, 17, udp, 8 + sizeof(resp));
	cr_assert_neq(want, 0);
	cr_assert_eq(get16(f.b + 14 + 40 + 6), want, "checksum %04x, reference %04x",
		     get16(f.b + 14 + 40 + 6), want);
	/* And the reply verifies as a receiver would check it. */
	cr_assert_eq(ref_sum6(svc6, peer6, 17, f.b + 14 + 40, 8 + sizeof(resp)), 0xffff);
	cr_assert_eq(mxlb_pkt_cksum6(f.b + 14, 17, f.b + 14 + 40, 8 + sizeof(resp)), 0);
}

/* A response whose checksum computes to 0 is sent with 0xFFFF (RFC 8200
 * §8.1: 0 is never valid over IPv6). The last word of the response is chosen
 * to make the sum 0xFFFF: with it zero the checksum is C = ~S, and adding C
 * to the sum S gives 0xFFFF. */
Test(pkt6, computed_zero_sent_as_ffff)
{
	uint8_t resp[16] = {0x12, 0x34, 0x84, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xab, 0xcd, 0, 0};
	struct frame f;
	struct mxlb_pkt pkt;
	uint8_t udp[64];
	uint16_t c, flen;

	query6(&f, false);
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_DNS);
	answer(&f, &pkt, resp, sizeof(resp), false);
	c = get16(f.b + 14 + 40 + 6);
	cr_assert_neq(c, 0xffff);

	put16(resp + 14, c);
	query6(&f, false);
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_DNS);
	flen = answer(&f, &pkt, resp, sizeof(resp), false);
	expect_reply6(&f, 14, flen, resp, sizeof(resp));
	/* The reference says the checksum is 0 ... */
	memcpy(udp, f.b + 14 + 40, 8 + sizeof(resp));
	put16(udp + 6, 0);
	cr_assert_eq((uint16_t)~ref_sum6(svc6, peer6, 17, udp, 8 + sizeof(resp)), 0);
	/* ... so it goes out as 0xFFFF, which verifies. */
	cr_assert_eq(get16(f.b + 14 + 40 + 6), 0xffff);
	cr_assert_eq(ref_sum6(svc6, peer6, 17, f.b + 14 + 40, 8 + sizeof(resp)), 0xffff);
}

Test(pkt6, reply_offload_holds_pseudo_header_sum)
{
	static const uint8_t resp[] = {0x12, 0x34, 0x84, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 9};
	uint8_t ph[8] = {0, 0, 0, 8 + sizeof(resp), 0, 0, 0, 17};
	struct frame f;
	struct mxlb_pkt pkt;
	uint16_t flen;
	uint32_t acc;

	query6(&f, false);
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_DNS);
	flen = answer(&f, &pkt, resp, sizeof(resp), true);
	expect_reply6(&f, 14, flen, resp, sizeof(resp));
	/* The pseudo header alone: addresses, length and protocol, not
	 * complemented (what DPDK's UDP_CKSUM offload expects). */
	acc = ref_add(ref_add(ref_add(0, svc6, 16), peer6, 16), ph, 8);
	cr_assert_eq(get16(f.b + 14 + 40 + 6), ref_fold(acc));
}

Test(pkt6, vlan_tag_kept)
{
	static const uint8_t resp[] = {0x12, 0x34, 0x84, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
	struct frame f;
	struct mxlb_pkt pkt;
	uint16_t flen;

	query6(&f, true);
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_DNS);
	cr_assert_eq(pkt.l2_len, 18);
	cr_assert_eq(pkt.dns_off, 18 + 48);
	flen = answer(&f, &pkt, resp, sizeof(resp), false);
	expect_reply6(&f, 18, flen, resp, sizeof(resp));
	cr_assert_eq(get16(f.b + 12), 0x8100);
	cr_assert_eq(get16(f.b + 14), 42);
	cr_assert_eq(get16(f.b + 16), 0x86dd);
	cr_assert_eq(ref_sum6(svc6, peer6, 17, f.b + 18 + 40, 8 + sizeof(resp)), 0xffff);
}

Test(pkt6, ethernet_padding_accepted)
{
	struct frame f;
	struct mxlb_pkt pkt;

	query6(&f, false);
	f.n += 6; /* trailing octets beyond the payload length */
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_DNS);
	cr_assert_eq(pkt.dns_len, sizeof(query));
}

/* ---- IPv6 UDP: what is dropped */

Test(pkt6, zero_checksum_dropped)
{
	struct frame f;
	struct mxlb_pkt pkt;

	query6(&f, false);
	put16(f.b + 14 + 40 + 6, 0);
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_DROP_UDP_CKSUM);
	/* Even when the port says the checksum is fine. */
	cr_assert_eq(classify(&f, MXLB_PKT_RX_UDP_CKSUM_OK, &pkt), MXLB_PKT_DROP_UDP_CKSUM);
}

Test(pkt6, bad_checksum_dropped_unless_verified)
{
	struct frame f;
	struct mxlb_pkt pkt;

	query6(&f, false);
	f.b[f.n - 1] ^= 0x01;
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_DROP_UDP_CKSUM);
	query6(&f, false);
	f.b[f.n - 1] ^= 0x01;
	cr_assert_eq(classify(&f, MXLB_PKT_RX_UDP_CKSUM_OK, &pkt), MXLB_PKT_DNS);
}

/* A received datagram whose checksum field is 0xFFFF for a sum that is
 * 0 is valid: build one and see it accepted. */
Test(pkt6, received_ffff_checksum_accepted)
{
	uint8_t payload[14] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0};
	struct frame f;
	struct mxlb_pkt pkt;
	uint8_t *udp;
	uint16_t c;

	eth(&f, our_mac, 0x86dd, false);
	udp6(&f, svc6, 53, payload, sizeof(payload));
	udp = f.b + 14 + 40;
	c = get16(udp + 6);
	/* The last payload word set to the checksum makes the checksum 0. */
	put16(udp + 8 + 12, c);
	put16(udp + 6, 0);
	cr_assert_eq((uint16_t)~ref_sum6(peer6, svc6, 17, udp, 8 + sizeof(payload)), 0);
	put16(udp + 6, 0xffff);
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_DNS);
}

Test(pkt6, udp_length_checks)
{
	struct frame f;
	struct mxlb_pkt pkt;
	uint8_t *udp;

	query6(&f, false);
	udp = f.b + 14 + 40;
	put16(udp + 4, 7);
	cr_assert_eq(classify(&f, MXLB_PKT_RX_UDP_CKSUM_OK, &pkt), MXLB_PKT_DROP_BAD_UDP);
	put16(udp + 4, (uint16_t)(8 + sizeof(query) + 1));
	cr_assert_eq(classify(&f, MXLB_PKT_RX_UDP_CKSUM_OK, &pkt), MXLB_PKT_DROP_BAD_UDP);
	query6(&f, false);
	put16(f.b + 14 + 40, 0); /* source port 0 */
	cr_assert_eq(classify(&f, MXLB_PKT_RX_UDP_CKSUM_OK, &pkt), MXLB_PKT_DROP_BAD_UDP);
}

Test(pkt6, header_checks)
{
	struct frame f;
	struct mxlb_pkt pkt;

	query6(&f, false);
	f.n -= 1; /* shorter than the payload length says */
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_DROP_SHORT);
	query6(&f, false);
	f.n = 14 + 39;
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_DROP_SHORT);
	query6(&f, false);
	f.b[14] = 0x40; /* version 4 in an IPv6 EtherType */
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_DROP_BAD_L3);
	query6(&f, false);
	f.b[14 + 8] = 0xff; /* multicast source */
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_DROP_BAD_L3);
	query6(&f, false);
	memset(f.b + 14 + 8, 0, 16); /* unspecified source, unicast destination */
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_DROP_BAD_L3);
	query6(&f, false);
	memset(f.b + 14 + 8, 0, 15); /* ::1 */
	f.b[14 + 23] = 1;
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_DROP_BAD_L3);
	query6(&f, false);
	memcpy(f.b + 14 + 24, other6, 16);
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_DROP_NOT_SERVICE);
	query6(&f, false);
	f.b[0] = 0x04; /* another unicast MAC */
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_DROP_BAD_MAC);
}

/* ---- fragments and extension headers */

Test(pkt6, fragment_dropped)
{
	struct frame f;
	struct mxlb_pkt pkt;
	uint8_t *fh;

	eth(&f, our_mac, 0x86dd, false);
	hdr6(&f, peer6, svc6, 44, 64);
	fh = f.b + f.n;
	fh[0] = 17; /* first fragment of a UDP datagram */
	put16(fh + 2, 0x0001);
	f.n += 8;
	memset(f.b + f.n, 0, 16);
	f.n += 16;
	fix6(&f);
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_DROP_FRAGMENT);

	/* Behind a hop-by-hop options header too. */
	eth(&f, our_mac, 0x86dd, false);
	hdr6(&f, peer6, svc6, 0, 64);
	fh = f.b + f.n;
	fh[0] = 44;
	fh[1] = 0;
	fh[2] = 1; /* PadN */
	fh[3] = 4;
	f.n += 8;
	f.b[f.n] = 17;
	f.n += 8 + 16;
	fix6(&f);
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_DROP_FRAGMENT);
}

Test(pkt6, extension_headers_to_kernel)
{
	struct frame f;
	struct mxlb_pkt pkt;
	uint8_t *h;

	eth(&f, our_mac, 0x86dd, false);
	hdr6(&f, peer6, svc6, 60, 64);
	h = f.b + f.n;
	h[0] = 17;
	h[2] = 1;
	h[3] = 4;
	f.n += 8;
	memset(f.b + f.n, 0, 8 + sizeof(query));
	f.n += 8 + (uint32_t)sizeof(query);
	fix6(&f);
	cr_assert_eq(classify(&f, MXLB_PKT_RX_UDP_CKSUM_OK, &pkt), MXLB_PKT_KERNEL);
}

/* ---- to the kernel: everything for a service address that is not UDP/53 */

Test(pkt6, kernel_traffic)
{
	static const uint8_t echo[8] = {128, 0, 0, 0, 0, 1, 0, 1};
	struct frame f;
	struct mxlb_pkt pkt;
	uint8_t before[2048];
	uint8_t link_local[16];

	/* TCP to port 53 */
	eth(&f, our_mac, 0x86dd, false);
	hdr6(&f, peer6, svc6, 6, 64);
	memset(f.b + f.n, 0, 20);
	f.n += 20;
	fix6(&f);
	memcpy(before, f.b, f.n);
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_KERNEL);
	cr_assert_arr_eq(f.b, before, f.n, "a frame for the kernel is left unchanged");

	/* ICMPv6 echo request */
	eth(&f, our_mac, 0x86dd, false);
	hdr6(&f, peer6, svc6, 58, 64);
	memcpy(f.b + f.n, echo, sizeof(echo));
	f.n += sizeof(echo);
	fix6(&f);
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_KERNEL);

	/* UDP to another port */
	eth(&f, our_mac, 0x86dd, false);
	udp6(&f, svc6, 5353, query, sizeof(query));
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_KERNEL);

	/* anything to a link-local unicast address: the kernel's interface */
	ip6(link_local, "fe80::1");
	eth(&f, our_mac, 0x86dd, false);
	hdr6(&f, peer6, link_local, 58, 255);
	memcpy(f.b + f.n, echo, sizeof(echo));
	f.n += sizeof(echo);
	fix6(&f);
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_KERNEL);
}

Test(pkt6, ipv4_kernel_traffic)
{
	struct frame f;
	struct mxlb_pkt pkt;
	uint8_t *ip, *arp;

	/* TCP SYN to 198.18.0.1:53 */
	eth(&f, our_mac, 0x0800, false);
	ip = f.b + f.n;
	ip[0] = 0x45;
	put16(ip + 2, 40);
	put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, peer4, 4);
	memcpy(ip + 16, svc4, 4);
	put16(ip + 10, mxlb_pkt_cksum(ip, 20));
	f.n += 40;
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_KERNEL);

	/* An ARP reply to a service address answers the kernel's request. */
	eth(&f, our_mac, 0x0806, false);
	arp = f.b + f.n;
	put16(arp, 1);
	put16(arp + 2, 0x0800);
	arp[4] = 6;
	arp[5] = 4;
	put16(arp + 6, 2);
	memcpy(arp + 8, peer_mac, 6);
	memcpy(arp + 14, peer4, 4);
	memcpy(arp + 18, our_mac, 6);
	memcpy(arp + 24, svc4, 4);
	f.n += 28;
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_KERNEL);
	arp[27] = 77; /* to another address */
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_DROP_ARP_OTHER);
}

/* mxlb_pkt_cksum against the reference for every length up to 300 octets at
 * every alignment, over bytes that carry often (runs of 0xFF) and random
 * ones. The reference's ~sum, with 0 and 0xFFFF one number (-0 and +0). */
Test(pkt6, cksum_every_length_and_alignment)
{
	uint8_t buf[300 + 8];
	unsigned seed = 12345, fill, off, n, i;
	uint16_t got, want;

	for (fill = 0; fill < 3; fill++) {
		for (i = 0; i < sizeof(buf); i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = fill == 0   ? 0xff
				 : fill == 1 ? (uint8_t)(seed >> 16)
					     : (uint8_t)(i * 37);
		}
		for (off = 0; off < 8; off++) {
			for (n = 0; n <= 300; n++) {
				got = mxlb_pkt_cksum(buf + off, n);
				want = (uint16_t)~ref_fold(ref_add(0, buf + off, n));
				if (got == 0xffff)
					got = 0;
				if (want == 0xffff)
					want = 0;
				cr_assert_eq(got, want,
					     "fill %u offset %u length %u: %04x, reference %04x",
					     fill, off, n, got, want);
			}
		}
	}
}

/* The IPv4 reply checksums against the reference too, including 0xFFFF. */
Test(pkt6, ipv4_reply_checksums)
{
	uint8_t resp[16] = {0x12, 0x34, 0x84, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0x55, 0x66, 0, 0};
	struct frame f;
	struct mxlb_pkt pkt;
	uint8_t *ip, *udp;
	uint16_t c;
	int round;

	for (round = 0; round < 2; round++) {
		eth(&f, our_mac, 0x0800, false);
		ip = f.b + f.n;
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + 8 + sizeof(query)));
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, peer4, 4);
		memcpy(ip + 16, svc4, 4);
		put16(ip + 10, (uint16_t)~ref_fold(ref_add(0, ip, 20)));
		udp = ip + 20;
		put16(udp, 40000);
		put16(udp + 2, 53);
		put16(udp + 4, (uint16_t)(8 + sizeof(query)));
		memcpy(udp + 8, query, sizeof(query));
		f.n += 28 + (uint32_t)sizeof(query);
		cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_DNS);
		cr_assert_eq(pkt.ip6, 0);
		answer(&f, &pkt, resp, sizeof(resp), false);
		cr_assert_eq(ref_fold(ref_add(0, ip, 20)), 0xffff, "IPv4 header checksum");
		cr_assert_eq(ref_sum4(ip, udp, 8 + sizeof(resp)), 0xffff, "UDP checksum");
		c = get16(udp + 6);
		if (round == 0) {
			put16(resp + 14, c);
		} else {
			cr_assert_eq(c, 0xffff, "a computed 0 is sent as 0xFFFF");
		}
	}
}

/* ---- neighbour discovery */

/* A neighbour solicitation from SRC for TARGET to DST (the solicited-node
 * group of TARGET when NULL), with a source link-layer address option
 * when SLLA. */
static void ns(struct frame *f, const uint8_t *src, const uint8_t *target, const uint8_t *dst,
	       bool slla, uint8_t hops)
{
	uint8_t snm[16] = {0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff};
	uint8_t mac[6] = {0x33, 0x33, 0xff};
	uint8_t *icmp;
	size_t n = 24;

	memcpy(snm + 13, target + 13, 3);
	memcpy(mac + 3, target + 13, 3);
	if (dst == NULL)
		dst = snm;
	eth(f, dst == snm ? mac : our_mac, 0x86dd, false);
	hdr6(f, src, dst, 58, hops);
	icmp = f->b + f->n;
	icmp[0] = 135;
	memcpy(icmp + 8, target, 16);
	if (slla) {
		icmp[24] = 1;
		icmp[25] = 1;
		memcpy(icmp + 26, peer_mac, 6);
		n = 32;
	}
	f->n += (uint32_t)n;
	fix6(f);
	put16(icmp + 2, (uint16_t)~ref_sum6(src, dst, 58, icmp, n));
}

static void expect_na(const struct frame *f, const struct mxlb_pkt *pkt, const uint8_t *dmac,
		      const uint8_t *dst, uint8_t flags)
{
	const uint8_t *ip = f->b + 14, *icmp = ip + 40;

	cr_assert_eq(pkt->len, 14 + 40 + 32);
	cr_assert_arr_eq(f->b, dmac, 6);
	cr_assert_arr_eq(f->b + 6, our_mac, 6);
	cr_assert_eq(get16(f->b + 12), 0x86dd);
	cr_assert_eq(ip[0], 0x60);
	cr_assert_eq(get16(ip + 4), 32);
	cr_assert_eq(ip[6], 58);
	cr_assert_eq(ip[7], 255, "hop limit 255");
	cr_assert_arr_eq(ip + 8, svc6, 16, "source: the target");
	cr_assert_arr_eq(ip + 24, dst, 16);
	cr_assert_eq(icmp[0], 136);
	cr_assert_eq(icmp[1], 0);
	cr_assert_eq(icmp[4], flags, "flags %02x", icmp[4]);
	cr_assert_eq(icmp[5] | icmp[6] | icmp[7], 0);
	cr_assert_arr_eq(icmp + 8, svc6, 16);
	cr_assert_eq(icmp[24], 2, "target link-layer address option");
	cr_assert_eq(icmp[25], 1);
	cr_assert_arr_eq(icmp + 26, our_mac, 6);
	cr_assert_eq(ref_sum6(svc6, dst, 58, icmp, 32), 0xffff, "ICMPv6 checksum");
}

Test(pkt6, ns_to_solicited_node_answered)
{
	struct frame f;
	struct mxlb_pkt pkt;

	ns(&f, peer6, svc6, NULL, true, 255);
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_NDP);
	/* Solicited and Override, to the solicitor's link-layer address. */
	expect_na(&f, &pkt, peer_mac, peer6, 0x60);
}

Test(pkt6, ns_unicast_answered)
{
	struct frame f;
	struct mxlb_pkt pkt;

	/* A reachability probe: unicast, and no option (the frame's source
	 * MAC is the answer's destination). The advertisement is longer. */
	ns(&f, peer6, svc6, svc6, false, 255);
	cr_assert_eq(f.n, 14 + 40 + 24);
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_NDP);
	expect_na(&f, &pkt, peer_mac, peer6, 0x60);
}

Test(pkt6, ns_dad_answered_to_all_nodes)
{
	static const uint8_t all_nodes_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
	uint8_t unspec[16] = {0}, all_nodes[16];
	struct frame f;
	struct mxlb_pkt pkt;

	ip6(all_nodes, "ff02::1");
	ns(&f, unspec, svc6, NULL, false, 255);
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_NDP);
	expect_na(&f, &pkt, all_nodes_mac, all_nodes, 0x20);
	/* With a source link-layer address it is invalid (§7.1.1). */
	ns(&f, unspec, svc6, NULL, true, 255);
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_DROP_BAD_NDP);
}

Test(pkt6, ns_invalid_dropped)
{
	struct frame f;
	struct mxlb_pkt pkt;

	ns(&f, peer6, svc6, NULL, true, 64); /* crossed a router */
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_DROP_BAD_NDP);
	ns(&f, peer6, svc6, NULL, true, 255);
	f.b[f.n - 1] ^= 1; /* checksum no longer matches */
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_DROP_BAD_NDP);
	ns(&f, peer6, svc6, NULL, true, 255);
	f.b[14 + 40 + 25] = 0; /* option of length 0 */
	put16(f.b + 14 + 40 + 2, 0);
	put16(f.b + 14 + 40 + 2, (uint16_t)~ref_sum6(peer6, f.b + 14 + 24, 58, f.b + 14 + 40, 32));
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_DROP_BAD_NDP);
	ns(&f, peer6, svc6, NULL, true, 255);
	f.b[14 + 40 + 1] = 1; /* code 1 */
	put16(f.b + 14 + 40 + 2, 0);
	put16(f.b + 14 + 40 + 2, (uint16_t)~ref_sum6(peer6, f.b + 14 + 24, 58, f.b + 14 + 40, 32));
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_DROP_BAD_NDP);
}

Test(pkt6, ns_other_target_to_kernel)
{
	uint8_t link_local[16];
	struct frame f;
	struct mxlb_pkt pkt;

	/* For the exception interface's link-local address: the kernel
	 * answers it. The solicited-node group is not one of ours. */
	ip6(link_local, "fe80::ff:fe00:1");
	ns(&f, peer6, link_local, NULL, true, 255);
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_KERNEL);
	/* Multicast to a group of ours but for another target: the kernel's. */
	ns(&f, peer6, other6, NULL, true, 255);
	memcpy(f.b + 14 + 24 + 13, svc6 + 13, 3);
	put16(f.b + 14 + 40 + 2, 0);
	put16(f.b + 14 + 40 + 2, (uint16_t)~ref_sum6(peer6, f.b + 14 + 24, 58, f.b + 14 + 40, 32));
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_KERNEL);
	/* Other multicast: not ours at all. */
	ns(&f, peer6, other6, NULL, true, 255);
	f.b[14 + 24 + 1] = 0x05; /* site-local scope */
	cr_assert_eq(classify(&f, 0, &pkt), MXLB_PKT_DROP_NOT_SERVICE);
}

/* ---- addresses */

Test(pkt6, addr_set)
{
	struct mxlb_addr_set s;
	struct mxlb_addr a;
	uint8_t snm[16];
	char buf[MXLB_ADDR_STRLEN];

	memset(&s, 0, sizeof(s));
	cr_assert_eq(mxlb_addr_parse(&a, "2001:DB8::abcd:1234/64"), 0);
	cr_assert_eq(a.family, AF_INET6);
	cr_assert_eq(a.prefix, 64);
	cr_assert_str_eq(mxlb_addr_format(&a, buf, sizeof(buf)), "2001:db8::abcd:1234/64");
	cr_assert_eq(mxlb_addr_set_add(&s, &a), 0);
	cr_assert_eq(mxlb_addr_set_add(&s, &a), -EEXIST);
	cr_assert(mxlb_addr_set_has6(&s, a.v6));
	ip6(snm, "ff02::1:ffcd:1234");
	cr_assert(mxlb_addr_set_has_snm6(&s, snm));
	ip6(snm, "ff02::1:ffcd:1235");
	cr_assert_not(mxlb_addr_set_has_snm6(&s, snm));
	cr_assert_eq(mxlb_addr_parse(&a, "2001:db8::1"), 0);
	cr_assert_eq(a.prefix, 128);
	cr_assert_eq(mxlb_addr_parse(&a, "2001:db8::1/129"), -EINVAL);
	cr_assert_eq(mxlb_addr_parse(&a, "ff02::1"), 0);
	cr_assert_eq(mxlb_addr_set_add(&s, &a), -EADDRNOTAVAIL);
	cr_assert_eq(mxlb_addr_parse(&a, "::1"), 0);
	cr_assert_eq(mxlb_addr_set_add(&s, &a), -EADDRNOTAVAIL);
	cr_assert_eq(mxlb_addr_parse(&a, "::"), 0);
	cr_assert_eq(mxlb_addr_set_add(&s, &a), -EADDRNOTAVAIL);
	cr_assert_eq(mxlb_addr_parse(&a, "::ffff:198.18.0.1"), 0);
	cr_assert_eq(mxlb_addr_set_add(&s, &a), -EADDRNOTAVAIL);
	cr_assert_eq(mxlb_addr_parse(&a, "224.0.0.1"), 0);
	cr_assert_eq(mxlb_addr_set_add(&s, &a), -EADDRNOTAVAIL);
	cr_assert_eq(s.n6, 1);
	cr_assert_eq(s.n4, 0);
}
