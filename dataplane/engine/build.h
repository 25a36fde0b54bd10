/* Image builder: the slow-path state that turns master files into an
 * mxlb_image. Shared by zone.c (reading), block.c (encoding), pool.c (pools)
 * and image.c (name table and assembly). Not used on the packet path. */
#ifndef MXLB_BUILD_H
#define MXLB_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "image.h"
#include "name.h"
#include "wire.h"

/* Growable array: a pointer, a count and a capacity, grown by doubling. */
#define MXLB_VEC(T)                                                                                \
	struct {                                                                                   \
		T *v;                                                                              \
		size_t n, cap;                                                                     \
	}

int mxlb_build_grow(void **v, size_t *cap, size_t need, size_t elem);

/* Makes room for K more elements; evaluates to 0 or -ENOMEM. */
#define MXLB_VEC_RESERVE(vec, k)                                                                   \
	((vec).n + (k) <= (vec).cap                                                                \
	     ? 0                                                                                   \
	     : mxlb_build_grow((void **)&(vec).v, &(vec).cap, (vec).n + (k), sizeof(*(vec).v)))

/* A record as read from a master file. */
struct mxlb_src_rr {
	uint32_t node;	/* owner node */
	uint32_t seq;	/* order in the files: keeps zone-file order of members */
	uint32_t rdata; /* offset in the builder's rdata arena */
	uint32_t ttl;
	uint32_t line;
	uint16_t type;
	uint16_t rdlen;
	uint16_t file;
};

/* All records of one (owner, type), after duplicates are removed. */
struct mxlb_bset {
	uint32_t node;
	uint32_t first; /* index into src */
	uint32_t count;
	uint32_t ttl; /* of the first record; the RRset's TTL (RFC 2181 §5.2) */
	uint16_t type;
};

struct mxlb_build {
	struct mxlb_image_opts opts;
	const char *const *files;
	char *err;
	size_t errlen;

	/* name table under construction (moved into the image at the end) */
	MXLB_VEC(struct mxlb_node) nodes;
	MXLB_VEC(uint8_t) names;
	struct mxlb_slot *slots;
	uint32_t mask;

	MXLB_VEC(struct mxlb_src_rr) src;
	MXLB_VEC(uint8_t) srcdata;	  /* owner names and RDATA of src */
	MXLB_VEC(struct mxlb_bset) bsets; /* sorted by (node, type) */
	uint32_t *node_bsets;		  /* first bset of each node (nodes.n + 1 entries) */

	MXLB_VEC(struct mxlb_zone_ent) zones;

	/* image arrays under construction */
	MXLB_VEC(struct mxlb_rrref) refs;
	MXLB_VEC(struct mxlb_block) blocks;
	MXLB_VEC(uint8_t) blob;
	MXLB_VEC(uint16_t) aux;
	MXLB_VEC(uint32_t) sched;
	MXLB_VEC(struct mxlb_pool) pools;
	MXLB_VEC(struct mxlb_member) members;
	MXLB_VEC(uint8_t) rdata;

	/* pool sharing: open-addressed table of pool index + 1 by content hash */
	uint32_t *pool_slots;
	uint32_t *pool_hash;
	uint32_t pool_mask;
	uint64_t shared_pools; /* RRsets that reused an existing pool */
};

/* Formats "msg" into b->err; returns ERR (a negative errno). */
int mxlb_build_fail(struct mxlb_build *b, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void mxlb_build_log(struct mxlb_build *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Node of a lower-case wire name, created if missing (with every ancestor up
 * to the zone apex, so that empty non-terminals exist). Returns the node
 * index, or a negative errno. */
int64_t mxlb_build_node(struct mxlb_build *b, const uint8_t *lname, uint16_t zone);
/* Existing node of a lower-case wire name, or MXLB_NONE. */
uint32_t mxlb_build_find(const struct mxlb_build *b, const uint8_t *lname);
/* The bset of (node, type), or NULL. */
const struct mxlb_bset *mxlb_build_bset(const struct mxlb_build *b, uint32_t node, uint16_t type);

/* zone.c: reads master file number FILE into b->src; sets up its zone entry. */
int mxlb_zone_read(struct mxlb_build *b, uint16_t file);

/* block.c: encoders. */
struct mxlb_blockw;
struct mxlb_blockw *mxlb_block_writer_new(void);
void mxlb_block_writer_free(struct mxlb_blockw *w);
void mxlb_block_writer_reset(struct mxlb_blockw *w);
/* Sections must be written in order: answer, authority, additional. */
enum { MXLB_SEC_ANSWER = 0, MXLB_SEC_AUTHORITY = 1, MXLB_SEC_ADDITIONAL = 2 };
/* Appends one record. OWNER NULL means the query name (pointer 0xC00C). */
int mxlb_block_rr(struct mxlb_blockw *w, int section, const uint8_t *owner, uint16_t type,
		  uint32_t ttl, const uint8_t *rdata, uint16_t rdlen);
/* Appends the in-zone A and AAAA RRsets of TARGET to the additional section. */
int mxlb_block_glue(struct mxlb_blockw *w, struct mxlb_build *b, const uint8_t *target);
/* Stores the written records as a new block; returns its index or -errno. */
int64_t mxlb_block_finish(struct mxlb_blockw *w, struct mxlb_build *b);
/* Writes the records of bset S as a block (answer section) with glue for
 * NS, MX and SRV targets. Returns the block index or -errno. */
int64_t mxlb_block_rrset(struct mxlb_blockw *w, struct mxlb_build *b, const struct mxlb_bset *s);

/* Offset of the target name in RDATA of TYPE (MX exchange, SRV target, NS,
 * CNAME), or -1 when the type has none. */
int mxlb_block_target_off(uint16_t type);

/* pool.c: compiles bset S (MX, SRV, A or AAAA with 2+ records) into a pool,
 * reusing an identical one. Returns the pool index or -errno. */
int64_t mxlb_pool_compile(struct mxlb_build *b, struct mxlb_blockw *w, const struct mxlb_bset *s);

#endif
