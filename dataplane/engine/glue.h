/* Glue: the A and AAAA records of in-zone MX exchanges and SRV targets that
 * the additional section of MX and SRV answers carries (DESIGN §3).
 *
 * At load they are the zone files' records (the base's glue table). At run
 * time a version's address RRsets can differ from the files: pools edited by
 * control changes, one-record RRsets grown into pools. The glue of a name in
 * a version lists what an A or AAAA query for that name answers in that
 * version: for an address pool, the members mxlb_pool_listed gives (up ones,
 * then drained ones, each in member order; every member when none is up;
 * down ones left out), with the pool's TTL; for a one-record RRset, its
 * record. A then AAAA.
 *
 * Answers stay precomputed: an edit that changes what a name's address pool
 * lists rebuilds, in the new version, every MX and SRV pool that has the name
 * among its members, once per pool however many owners share it.
 *
 * One-record MX and SRV RRsets whose exchange or target has an address pool
 * at load are compiled as glue-only pools (mxlb_cpool.glue_only): one-member
 * pools, shared by identical RRsets like any pool, answered as pools are (no
 * other work per query), rebuilt here like the others, and hidden from
 * pools, preview and edits, to which they stay one-record RRsets (a member
 * add gives the owner a pool of its own, as for a fixed block). The other
 * fixed blocks of the base (one-record MX and SRV RRsets whose target's
 * addresses are one record or none at load, NS answers, referrals) keep the
 * glue of the zone files. Slow path only. */
#ifndef MXLB_GLUE_H
#define MXLB_GLUE_H

#include <stdint.h>

#include "build.h"
#include "image.h"

/* The glue source of version IMG: its base's names and records, and its
 * pools (with IMG's pending patch, so that a one-record RRset that grows into
 * a pool in IMG answers from the pool). */
struct mxlb_gluesrc mxlb_glue_src(const struct mxlb_image *img);

/* Node of the name TARGET (uncompressed wire form, any case) in G, or
 * MXLB_NONE. */
uint32_t mxlb_glue_node(const struct mxlb_gluesrc *g, const uint8_t *target);

/* The address pool of TYPE (A or AAAA) at NODE in G's version, or NULL when
 * the RRset is the zone files' (a one-record RRset, or no version: loading). */
const struct mxlb_cpool *mxlb_glue_pool(const struct mxlb_gluesrc *g, uint32_t node, uint16_t type);

/* What mxlb_glue_follow rebuilt. */
struct mxlb_glue_rebuilt {
	uint32_t pools;	 /* MX and SRV pools */
	uint32_t single; /* glue-only pools, each one rebuild however many
			  * one-record RRsets it answers */
};

/* After a change built NEXT from CUR: every MX and SRV pool of NEXT (glue-only
 * ones too) with a member whose exchange or target has an address pool that
 * lists other records in NEXT than in CUR is rebuilt in NEXT with NEXT's glue
 * (counters carry over as for any rebuild). *OUT says how many. Returns 0 or
 * -ENOMEM; on failure NEXT holds what was rebuilt so far, to be discarded
 * (mxlb_image_discard). */
int mxlb_glue_follow(const struct mxlb_image *cur, struct mxlb_image *next,
		     struct mxlb_glue_rebuilt *out);

#endif
