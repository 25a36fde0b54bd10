/* Frame handling of the UDP fast path: Ethernet (one optional 802.1Q tag),
 * ARP and IPv6 neighbour solicitations for the service addresses, IPv4 and
 * IPv6 UDP to port 53, and what goes to the kernel instead. Pure functions over the
 * frame bytes, DPDK-free, so that unit tests and fuzzers can drive them
 * without EAL. */
#ifndef MXLB_PKT_H
#define MXLB_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* What became of one received frame. Each frame ends in exactly one verdict,
 * and the verdict indexes the per-lcore counter it bumps. The verdicts before
 * MXLB_PKT_DROP_FIRST are frames that were answered or handed on; the rest
 * are drops. */
enum mxlb_pkt_verdict {
	MXLB_PKT_DNS = 0,	   /* DNS query for a service address: answered */
	MXLB_PKT_ARP,		   /* ARP request for a service address: answered */
	MXLB_PKT_NDP,		   /* neighbour solicitation for a service address: answered */
	MXLB_PKT_KERNEL,	   /* for the kernel: handed to the exception port */
	MXLB_PKT_DROP_BAD_MAC,	   /* destination MAC neither ours, broadcast nor IPv6 multicast */
	MXLB_PKT_DROP_NOT_IP,	   /* EtherType neither IPv4, IPv6 nor ARP (QinQ, ...) */
	MXLB_PKT_DROP_SHORT,	   /* frame ends before the headers it announces */
	MXLB_PKT_DROP_BAD_L3,	   /* bad IP version/IHL/length/source, bad ARP format */
	MXLB_PKT_DROP_IP_CKSUM,	   /* IPv4 header checksum wrong */
	MXLB_PKT_DROP_FRAGMENT,	   /* IPv4 or IPv6 fragment */
	MXLB_PKT_DROP_NOT_SERVICE, /* IP or ARP target not a service address */
	MXLB_PKT_DROP_BAD_UDP,	   /* UDP length inconsistent, or source port 0 */
	MXLB_PKT_DROP_UDP_CKSUM,   /* UDP checksum wrong, or 0 over IPv6 */
	MXLB_PKT_DROP_ARP_OTHER,   /* ARP announcement, or not for a service address */
	MXLB_PKT_DROP_BAD_NDP,	   /* neighbour solicitation that fails RFC 4861 §7.1.1 */
	MXLB_PKT_DROP_NO_KERNEL,   /* for the kernel, but --no-kernel (set by the lcore loop) */
	MXLB_PKT_DROP_KERNEL_FULL, /* for the kernel, exception ring full (set by the lcore loop) */
	MXLB_PKT_DROP_MULTI_SEG,   /* chained mbuf (set by the lcore loop) */
	MXLB_PKT_DROP_DNS,	   /* the engine dropped the query (set by the lcore loop) */
	MXLB_PKT_VERDICT_MAX,
	MXLB_PKT_DROP_FIRST = MXLB_PKT_DROP_BAD_MAC
};

/* RX flags: checksums the NIC has verified already (mbuf ol_flags GOOD or
 * NONE), so mxlb_pkt_classify skips them. */
#define MXLB_PKT_RX_IP_CKSUM_OK	 0x1u
#define MXLB_PKT_RX_UDP_CKSUM_OK 0x2u

#define MXLB_PKT_ETH_LEN  14
#define MXLB_PKT_VLAN_LEN 4
#define MXLB_PKT_IP4_LEN  20 /* the IPv4 header of every reply: no options */
#define MXLB_PKT_IP6_LEN  40 /* the IPv6 header; replies carry no extension header */
#define MXLB_PKT_UDP_LEN  8
/* Octets of room a frame buffer must have from its start: a neighbour
 * advertisement may be longer than the solicitation it is written over. */
#define MXLB_PKT_ROOM 128

/* Facts mxlb_pkt_classify found in a frame. */
struct mxlb_pkt {
	uint16_t len;	  /* MXLB_PKT_ARP, MXLB_PKT_NDP: length of the reply frame */
	uint16_t l2_len;  /* Ethernet header plus 802.1Q tag if present */
	uint16_t l3_len;  /* MXLB_PKT_DNS: MXLB_PKT_IP4_LEN or MXLB_PKT_IP6_LEN */
	uint16_t dns_off; /* MXLB_PKT_DNS: offset of the DNS message in the frame */
	uint16_t dns_len; /* MXLB_PKT_DNS: its length (by the UDP length field) */
	uint8_t ip6;	  /* MXLB_PKT_DNS: over IPv6 */
};

/* Classifies the LEN-octet FRAME received on a port with address MAC; the
 * buffer holding FRAME has at least MXLB_PKT_ROOM octets.
 *
 * MXLB_PKT_ARP and MXLB_PKT_NDP: FRAME has been rewritten in place into the
 * ARP reply or the neighbour advertisement of PKT->len octets. MXLB_PKT_DNS:
 * FRAME holds a checked UDP datagram to port 53 of a service address, now
 * always behind a 20-byte IPv4 header (IPv4 options are dropped by moving the
 * datagram up) or a 40-byte IPv6 header (PKT->ip6); the DNS message is at
 * PKT->dns_off. MXLB_PKT_KERNEL: FRAME, unchanged, is for the host's kernel:
 * IP to a service address that is not UDP to port 53 (TCP, ICMP, ICMPv6 other
 * than a solicitation for a service address, IPv6 with extension headers),
 * IPv6 to a link-local unicast address or as link-local multicast ICMPv6,
 * and ARP replies to a service address (the kernel's own resolution). Any
 * other verdict: the frame is to be dropped, FRAME may have been read but not
 * changed.
 *
 * Checks run in a fixed order: destination MAC, EtherType. IPv4: version,
 * IHL, total length against the frame (which may carry Ethernet padding),
 * header checksum, fragment, destination address, source address, protocol
 * and port, UDP length, UDP checksum. IPv6: version, payload length against
 * the frame, source address, destination (multicast, link-local, service
 * address), extension headers and fragments, neighbour solicitation, port,
 * UDP length, UDP checksum (which must not be 0, RFC 8200 §8.1). */
enum mxlb_pkt_verdict mxlb_pkt_classify(uint8_t *frame, uint32_t len, const uint8_t mac[6],
					const struct mxlb_addr_set *addrs, unsigned rx_flags,
					struct mxlb_pkt *pkt);

/* Turns the frame of an MXLB_PKT_DNS verdict, whose DNS message has been
 * replaced by the DNS_LEN-octet response, into the reply: MAC addresses
 * (source MAC), IP addresses and UDP ports swapped, 802.1Q tag kept, UDP
 * length and checksum. IPv4: a fresh 20-byte header (TTL 64, DF, ID 0) with
 * its checksum. IPv6: version 6, traffic class and flow label 0, hop limit
 * 64; the UDP checksum always computed, a computed 0 sent as 0xFFFF (RFC
 * 8200 §8.1). Returns the frame length of the reply. */
uint16_t mxlb_pkt_reply_udp(uint8_t *frame, const struct mxlb_pkt *pkt, const uint8_t mac[6],
			    uint16_t dns_len);

/* As mxlb_pkt_reply_udp for a port that computes checksums on transmit
 * (DPDK IPV4_CKSUM and UDP_CKSUM TX offloads): the IPv4 checksum is left zero
 * and the UDP checksum field holds the pseudo-header sum (IPv4 or IPv6), as
 * the offloads expect. */
uint16_t mxlb_pkt_reply_udp_offload(uint8_t *frame, const struct mxlb_pkt *pkt,
				    const uint8_t mac[6], uint16_t dns_len);

/* The Internet checksum (RFC 1071) of N octets at P: the value to store in a
 * checksum field, or 0 when the octets include a correct checksum. */
uint16_t mxlb_pkt_cksum(const void *p, size_t n);

/* The checksum of the upper-layer packet of N octets at L4 (protocol PROTO)
 * behind the IPv6 header IP (RFC 8200 §8.1 pseudo-header): the value to
 * store, or 0 when L4 includes a correct checksum. */
uint16_t mxlb_pkt_cksum6(const uint8_t *ip, uint8_t proto, const uint8_t *l4, uint32_t n);

/* Counter name of verdict V ("dns_reply", "bad_mac", ...). */
const char *mxlb_pkt_verdict_name(enum mxlb_pkt_verdict v);

#endif
