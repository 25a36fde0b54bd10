/* Query frames: Ethernet/IPv4/UDP/DNS templates built once per query line,
 * and the flows (source address and port) they are sent from. Sending a
 * query is one copy of its template plus four stores: source address, source
 * port, DNS ID and the two checksums, updated from sums precomputed without
 * those fields (RFC 1071 §2, RFC 1624). DPDK-free. */
#ifndef MXGEN_FRAME_H
#define MXGEN_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "query.h"

#define MXGEN_FRAME_ETH_LEN 14
#define MXGEN_FRAME_IP_LEN  20
#define MXGEN_FRAME_UDP_LEN 8
#define MXGEN_FRAME_HDRS    (MXGEN_FRAME_ETH_LEN + MXGEN_FRAME_IP_LEN + MXGEN_FRAME_UDP_LEN)
#define MXGEN_FRAME_MIN	    60 /* Ethernet minimum without FCS: shorter frames are padded */
#define MXGEN_FRAME_MAX	    (MXGEN_FRAME_HDRS + MXGEN_QUERY_MSG_MAX)

/* Field offsets in a frame without 802.1Q tag. */
#define MXGEN_FRAME_OFF_IP	MXGEN_FRAME_ETH_LEN
#define MXGEN_FRAME_OFF_IP_SUM	(MXGEN_FRAME_OFF_IP + 10)
#define MXGEN_FRAME_OFF_IP_SRC	(MXGEN_FRAME_OFF_IP + 12)
#define MXGEN_FRAME_OFF_IP_DST	(MXGEN_FRAME_OFF_IP + 16)
#define MXGEN_FRAME_OFF_UDP	(MXGEN_FRAME_OFF_IP + MXGEN_FRAME_IP_LEN)
#define MXGEN_FRAME_OFF_SPORT	MXGEN_FRAME_OFF_UDP
#define MXGEN_FRAME_OFF_DPORT	(MXGEN_FRAME_OFF_UDP + 2)
#define MXGEN_FRAME_OFF_UDP_SUM (MXGEN_FRAME_OFF_UDP + 6)
#define MXGEN_FRAME_OFF_DNS	MXGEN_FRAME_HDRS

/* Flows: source addresses 198.19.0.0/16 (the upper half of the RFC 2544
 * range, clear of the service and test host addresses in 198.18.0.0/24),
 * source port MXGEN_FRAME_PORT_BASE + flow, so that RSS would spread them. */
#define MXGEN_FRAME_FLOWS_MAX (1u << 15)
#define MXGEN_FRAME_PORT_BASE 1024

struct mxgen_flow {
	uint8_t ip[4];
	uint16_t port;
	uint32_t ip_sum;  /* sum of the source address words */
	uint32_t udp_sum; /* the same plus the source port */
};

struct mxgen_frame {
	uint32_t off;	  /* offset of the template in the arena */
	uint16_t len;	  /* frame length, padding included */
	uint16_t dns_len; /* DNS message length */
	uint32_t ip_sum;  /* IPv4 header sum without the source address */
	uint32_t udp_sum; /* UDP sum (pseudo header, header, payload) without source
			     address, source port and DNS ID */
};

struct mxgen_frames {
	struct mxgen_frame *t;
	uint32_t n;
	uint8_t *arena;
	struct mxgen_flow *flows;
	uint32_t nflows; /* a power of two */
};

/* Templates for every query of QS, from SRC_MAC to DST_MAC and to the
 * service address SERVER (network order), and NFLOWS flows. Returns 0 or
 * -ENOMEM / -EINVAL. */
int mxgen_frame_build(struct mxgen_frames *fs, const struct mxgen_queries *qs,
		      const uint8_t src_mac[6], const uint8_t dst_mac[6], const uint8_t server[4],
		      uint32_t nflows);

void mxgen_frame_free(struct mxgen_frames *fs);

/* The one's complement sum of N octets at P as 16-bit big-endian words; an
 * odd last octet is the high half of a zero-padded word. */
uint32_t mxgen_frame_sum(const uint8_t *p, size_t n, uint32_t acc);

static inline uint16_t mxgen_frame_fold(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Whether the one's complement sum of N octets at P plus the big-endian
 * partial sum ACC is all ones, i.e. a checksum over them verifies. Reads
 * 64 bits at a time in host order (RFC 1071 §2(B): byte order only swaps
 * the folded result, and all ones is the same either way). */
static inline bool mxgen_frame_sum_ok(const uint8_t *p, size_t n, uint32_t acc)
{
	uint64_t s = 0, w;
	uint32_t w32, f;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		s += (w & 0xffffffffu) + (w >> 32);
	}
	if (n != 0) {
		uint8_t tail[8] = {0};

		memcpy(tail, p, n);
		memcpy(&w, tail, 8);
		s += (w & 0xffffffffu) + (w >> 32);
	}
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	w32 = (uint32_t)s;
	f = mxgen_frame_fold(w32);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* Host order to big-endian before adding ACC. */
	f = (uint32_t)((f >> 8 | f << 8) & 0xffff);
#endif
	return mxgen_frame_fold(f + acc) == 0xffff;
}

static inline void mxgen_frame_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint16_t mxgen_frame_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Writes the frame of query QI from flow FLOW with DNS ID ID to DST (room
 * for the template's length). Returns the frame length. */
static inline uint16_t mxgen_frame_fill(uint8_t *dst, const struct mxgen_frames *fs, uint32_t qi,
					uint32_t flow, uint16_t id)
{
	const struct mxgen_frame *t = &fs->t[qi];
	const struct mxgen_flow *fl = &fs->flows[flow];
	uint16_t ucks;

	memcpy(dst, fs->arena + t->off, t->len);
	memcpy(dst + MXGEN_FRAME_OFF_IP_SRC, fl->ip, 4);
	mxgen_frame_put16(dst + MXGEN_FRAME_OFF_SPORT, fl->port);
	mxgen_frame_put16(dst + MXGEN_FRAME_OFF_DNS, id);
	mxgen_frame_put16(dst + MXGEN_FRAME_OFF_IP_SUM,
			  (uint16_t)~mxgen_frame_fold(t->ip_sum + fl->ip_sum));
	ucks = (uint16_t)~mxgen_frame_fold(t->udp_sum + fl->udp_sum + id);
	/* A computed zero goes out as all ones: zero means "no checksum". */
	mxgen_frame_put16(dst + MXGEN_FRAME_OFF_UDP_SUM, ucks != 0 ? ucks : 0xffff);
	return t->len;
}

#endif
