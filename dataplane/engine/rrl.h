/* Response rate limiting, as operators know it from NSD and Knot: token
 * buckets keyed by the client's network prefix (/24 for IPv4, /56 for IPv6
 * by default) and the response (query name and type for answers, the zone
 * for NXDOMAIN, so that random names under one zone share a bucket, and the
 * rcode). A response over the rate is dropped, except every SLIP-th, which
 * goes out truncated (TC, no records) so that a real client behind a
 * spoofed prefix can still retry over TCP. Off unless a rate is set.
 *
 * Each worker has its own table (no shared state on the packet path); with
 * RSS a client's queries stay on one worker, so the rate applies per worker
 * and is divided by the number of workers when the table is made. */
#ifndef MXLB_RRL_H
#define MXLB_RRL_H

#include <stdbool.h>
#include <stdint.h>

struct mxlb_rrl_opts {
	uint32_t rate;	   /* responses per second per bucket, 0 = off */
	uint32_t slip;	   /* every SLIP-th limited response is sent with TC; 0 = none */
	uint8_t v4_prefix; /* default 24 */
	uint8_t v6_prefix; /* default 56 */
	uint32_t buckets;  /* table size, rounded up to a power of two; default 65536 */
};

struct mxlb_rrl_stats {
	uint64_t limited; /* responses over the rate */
	uint64_t slipped; /* of those, sent with TC */
	uint64_t dropped; /* of those, not sent */
};

struct mxlb_rrl_bucket {
	uint32_t key;
	int32_t tokens; /* responses left in this second */
	uint32_t second;
	uint32_t pad;
};

struct mxlb_rrl {
	uint32_t mask;
	uint32_t rate; /* per worker */
	uint32_t slip;
	uint32_t slipctr;
	uint8_t v4_prefix, v6_prefix;
	struct mxlb_rrl_stats stats;
	struct mxlb_rrl_bucket *table;
};

void mxlb_rrl_opts_init(struct mxlb_rrl_opts *o);

/* A table for one of NWORKERS workers, or NULL when RATE is 0 or on
 * allocation failure (*ERR set then). */
struct mxlb_rrl *mxlb_rrl_new(const struct mxlb_rrl_opts *o, uint32_t nworkers, int *err);
void mxlb_rrl_free(struct mxlb_rrl *r);

/* The client, as the responder sees it. */
struct mxlb_client {
	const uint8_t *addr; /* 4 or 16 octets, network order */
	uint8_t len;
	uint32_t now; /* seconds, any epoch; coarse is fine */
};

enum mxlb_rrl_verdict { MXLB_RRL_PASS = 0, MXLB_RRL_SLIP, MXLB_RRL_DROP };

/* Charges one response with identity KEY (mxlb_rrl_key) from client C. */
enum mxlb_rrl_verdict mxlb_rrl_charge(struct mxlb_rrl *r, const struct mxlb_client *c,
				      uint32_t key);

#endif
