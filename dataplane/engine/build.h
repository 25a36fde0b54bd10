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

/* Where encoded blocks go: the base's fixed blocks, or one pool's. */
struct mxlb_sink {
	MXLB_VEC(struct mxlb_block) blocks;
	MXLB_VEC(uint8_t) blob;
	MXLB_VEC(uint16_t) aux;
};

/* Where the additional section finds the A and AAAA records of a target:
 * the builder's name table and the zone files' records while loading; at run
 * time a version's (mxlb_glue_src), whose address pools answer for the names
 * that have them (glue.h). */
struct mxlb_gluesrc {
	const struct mxlb_slot *slots;
	uint32_t mask;
	const struct mxlb_node *nodes;
	const uint8_t *names;
	const struct mxlb_glue *glue;
	const uint8_t *gluedata;
	const struct mxlb_image *img; /* the version, or NULL while loading */
};

/* Everything a compiled pool is made from. */
#define MXLB_POOL_MEMBERS_MAX 255

struct mxlb_pool_spec {
	uint16_t type;
	uint8_t mode;
	uint32_t ttl;
	uint32_t nworkers;
	uint32_t owner;
	uint32_t sharers;
	uint16_t nmembers;
	uint8_t alldown;   /* enum mxlb_alldown */
	uint8_t glue_only; /* mxlb_cpool.glue_only */
	const uint8_t *rdata[MXLB_POOL_MEMBERS_MAX];
	uint16_t rdlen[MXLB_POOL_MEMBERS_MAX];
	uint16_t weight[MXLB_POOL_MEMBERS_MAX];
	uint8_t flags[MXLB_POOL_MEMBERS_MAX]; /* MXLB_MEMBER_F_* */
	/* the pool this one replaces: counters carry over, per worker and per
	 * member (matched by RDATA); NULL at load */
	const struct mxlb_cpool *carry;
};

struct mxlb_build {
	struct mxlb_image_opts opts;
	const char *const *files;
	char *err;
	size_t errlen;

	/* name table under construction (moved into the base at the end) */
	MXLB_VEC(struct mxlb_node) nodes;
	MXLB_VEC(uint8_t) names;
	struct mxlb_slot *slots;
	uint32_t mask;

	MXLB_VEC(struct mxlb_src_rr) src;
	MXLB_VEC(uint8_t) srcdata;	  /* owner names and RDATA of src */
	MXLB_VEC(struct mxlb_bset) bsets; /* sorted by (node, type) */
	uint32_t *node_bsets;		  /* first bset of each node (nodes.n + 1 entries) */

	MXLB_VEC(struct mxlb_zone_ent) zones;
	MXLB_VEC(struct mxlb_glue) glue;
	MXLB_VEC(uint8_t) gluedata;

	MXLB_VEC(struct mxlb_rrref) refs;
	MXLB_VEC(uint32_t) ref_single;
	MXLB_VEC(struct mxlb_glue) singles;
	struct mxlb_sink sink; /* the fixed blocks */
	MXLB_VEC(struct mxlb_cpool *) pools;

	/* pool sharing: open-addressed table of pool id + 1 by content hash */
	uint32_t *pool_slots;
	uint32_t *pool_hash;
	uint32_t pool_mask;
	uint64_t shared_pools; /* RRsets that reused an existing pool */
	uint32_t glue_pools;   /* glue-only pools (mxlb_cpool.glue_only) */
	uint64_t glue_owners;  /* the one-record RRsets they answer */
	uint32_t chaos_id, chaos_version;
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
/* The glue source over the builder's tables (valid until they grow). */
struct mxlb_gluesrc mxlb_build_gluesrc(const struct mxlb_build *b);

/* zone.c: reads master file number FILE into b->src; sets up its zone entry. */
int mxlb_zone_read(struct mxlb_build *b, uint16_t file);

/* block.c: encoders. */
struct mxlb_blockw;
struct mxlb_blockw *mxlb_block_writer_new(void);
void mxlb_block_writer_free(struct mxlb_blockw *w);
/* Clears the writer; records are of class IN again. */
void mxlb_block_writer_reset(struct mxlb_blockw *w);
/* Class of the records written from now on. */
void mxlb_block_writer_class(struct mxlb_blockw *w, uint16_t cls);
/* Stores the block's pointers for a query name of OWNER_LEN octets (the
 * owner of the answer records). */
void mxlb_block_writer_home(struct mxlb_blockw *w, size_t owner_len);
/* Sections must be written in order: answer, authority, additional. */
enum { MXLB_SEC_ANSWER = 0, MXLB_SEC_AUTHORITY = 1, MXLB_SEC_ADDITIONAL = 2 };
/* Appends one record. OWNER NULL means the query name (pointer 0xC00C). */
int mxlb_block_rr(struct mxlb_blockw *w, int section, const uint8_t *owner, uint16_t type,
		  uint32_t ttl, const uint8_t *rdata, uint16_t rdlen);
/* Appends the in-zone A and AAAA records of TARGET to the additional section:
 * A then AAAA, each as the gluesrc has them (glue.h). Records that would take
 * the block past its size limit are left out, and every glue record after
 * them. */
int mxlb_block_glue(struct mxlb_blockw *w, const struct mxlb_gluesrc *g, const uint8_t *target);
/* Stores the written records as a new block of S; returns its index or -errno. */
int64_t mxlb_block_finish(struct mxlb_blockw *w, struct mxlb_sink *s);
void mxlb_sink_free(struct mxlb_sink *s);
/* Writes the records of bset S as a fixed block (answer section) with glue
 * for NS, MX and SRV targets. Returns the block index or -errno. */
int64_t mxlb_block_rrset(struct mxlb_blockw *w, struct mxlb_build *b, const struct mxlb_bset *s);

/* Offset of the target name in RDATA of TYPE (MX exchange, SRV target, NS,
 * CNAME), or -1 when the type has none. */
int mxlb_block_target_off(uint16_t type);

/* pool.c: compiles SPEC into a new pool. Returns NULL and sets *ERR to a
 * negative errno on failure. */
struct mxlb_cpool *mxlb_pool_new(const struct mxlb_pool_spec *spec, const struct mxlb_gluesrc *g,
				 struct mxlb_blockw *w, int *err);
/* The spec of an existing pool, to be modified and rebuilt. */
void mxlb_pool_spec_of(const struct mxlb_cpool *p, struct mxlb_pool_spec *spec);
/* Compiles bset S (MX, SRV, A or AAAA with 2+ records; or a one-record MX
 * or SRV, into a glue-only pool) into a pool of the builder, reusing an
 * identical one. Returns the pool id or -errno. */
int64_t mxlb_pool_compile(struct mxlb_build *b, struct mxlb_blockw *w, const struct mxlb_bset *s);

#endif
