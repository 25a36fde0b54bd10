/* Frame handling of the UDP fast path: Ethernet (one optional 802.1Q tag),
 * ARP for the service addresses, IPv4/UDP to port 53. Pure functions over the
 * frame bytes, DPDK-free, so that unit tests and fuzzers can drive them
 * without EAL. */
#ifndef MXLB_PKT_H
#define MXLB_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* What became of one received frame. Each frame ends in exactly one verdict,
 * and the verdict indexes the per-lcore counter it bumps. */
enum mxlb_pkt_verdict {
	MXLB_PKT_DNS = 0,	   /* DNS query for a service address: answered */
	MXLB_PKT_ARP,		   /* ARP request for a service address: answered */
	MXLB_PKT_DROP_BAD_MAC,	   /* destination MAC neither ours nor broadcast */
	MXLB_PKT_DROP_NOT_IP,	   /* EtherType neither IPv4 nor ARP (IPv6, QinQ, ...) */
	MXLB_PKT_DROP_SHORT,	   /* frame ends before the headers it announces */
	MXLB_PKT_DROP_BAD_L3,	   /* bad IPv4 version/IHL/length/source, bad ARP format */
	MXLB_PKT_DROP_IP_CKSUM,	   /* IPv4 header checksum wrong */
	MXLB_PKT_DROP_FRAGMENT,	   /* IPv4 fragment (MF set or offset != 0) */
	MXLB_PKT_DROP_NOT_SERVICE, /* IPv4 or ARP target not a service address */
	MXLB_PKT_DROP_NOT_UDP53,   /* not UDP, or UDP to a port other than 53 */
	MXLB_PKT_DROP_BAD_UDP,	   /* UDP length inconsistent, or source port 0 */
	MXLB_PKT_DROP_UDP_CKSUM,   /* UDP checksum nonzero and wrong */
	MXLB_PKT_DROP_ARP_OTHER,   /* ARP reply or announcement: nothing to answer */
	MXLB_PKT_DROP_MULTI_SEG,   /* chained mbuf (set by the lcore loop) */
	MXLB_PKT_DROP_DNS,	   /* the engine dropped the query (set by the lcore loop) */
	MXLB_PKT_VERDICT_MAX
};

/* RX flags: checksums the NIC has verified already (mbuf ol_flags GOOD or
 * NONE), so mxlb_pkt_classify skips them. */
#define MXLB_PKT_RX_IP_CKSUM_OK	 0x1u
#define MXLB_PKT_RX_UDP_CKSUM_OK 0x2u

#define MXLB_PKT_ETH_LEN  14
#define MXLB_PKT_VLAN_LEN 4
#define MXLB_PKT_IP4_LEN  20 /* the IPv4 header of every reply: no options */
#define MXLB_PKT_UDP_LEN  8

/* Facts mxlb_pkt_classify found in a frame. */
struct mxlb_pkt {
	uint16_t len;	  /* MXLB_PKT_ARP: length of the reply frame */
	uint16_t l2_len;  /* Ethernet header plus 802.1Q tag if present */
	uint16_t dns_off; /* MXLB_PKT_DNS: offset of the DNS message in the frame */
	uint16_t dns_len; /* MXLB_PKT_DNS: its length (by the UDP length field) */
};

/* Classifies the LEN-octet FRAME received on a port with address MAC.
 *
 * MXLB_PKT_ARP: FRAME has been rewritten in place into the ARP reply of
 * PKT->len octets. MXLB_PKT_DNS: FRAME holds a checked UDP datagram to port
 * 53 of a service address, now always behind a 20-byte IPv4 header (IPv4
 * options are dropped by moving the datagram up); the DNS message is at
 * PKT->dns_off. Any other verdict: the frame is to be dropped, FRAME may have
 * been read but not changed.
 *
 * Checks run in a fixed order: destination MAC, EtherType, IPv4 header
 * (version, IHL, total length against the frame, which may carry Ethernet
 * padding), header checksum, fragment, destination address, source address,
 * protocol and port, UDP length, UDP checksum. */
enum mxlb_pkt_verdict mxlb_pkt_classify(uint8_t *frame, uint32_t len, const uint8_t mac[6],
					const struct mxlb_addr_set *addrs, unsigned rx_flags,
					struct mxlb_pkt *pkt);

/* Turns the frame of an MXLB_PKT_DNS verdict, whose DNS message has been
 * replaced by the DNS_LEN-octet response, into the reply: MAC addresses
 * (source MAC), IPv4 addresses and UDP ports swapped, 802.1Q tag kept, a
 * fresh 20-byte IPv4 header (TTL 64, DF, ID 0) and UDP length, both
 * checksums computed. Returns the frame length of the reply. */
uint16_t mxlb_pkt_reply_udp(uint8_t *frame, const struct mxlb_pkt *pkt, const uint8_t mac[6],
			    uint16_t dns_len);

/* As mxlb_pkt_reply_udp for a port that computes checksums on transmit
 * (DPDK IPV4_CKSUM and UDP_CKSUM TX offloads): the IPv4 checksum is left zero
 * and the UDP checksum field holds the pseudo-header sum, as the offloads
 * expect. */
uint16_t mxlb_pkt_reply_udp_offload(uint8_t *frame, const struct mxlb_pkt *pkt,
				    const uint8_t mac[6], uint16_t dns_len);

/* The Internet checksum (RFC 1071) of N octets at P: the value to store in a
 * checksum field, or 0 when the octets include a correct checksum. */
uint16_t mxlb_pkt_cksum(const void *p, size_t n);

/* Counter name of verdict V ("dns_reply", "bad_mac", ...). */
const char *mxlb_pkt_verdict_name(enum mxlb_pkt_verdict v);

#endif
