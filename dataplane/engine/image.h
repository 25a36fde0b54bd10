/* The zone image: what every worker reads to answer, built on the slow path
 * from RFC 1035 master files and never modified while workers can see it.
 *
 * Two layers:
 *   struct mxlb_base   names, nodes, fixed answer blocks, zones and glue:
 *                      built at load and at zone reload, shared by every
 *                      version built on top of it;
 *   struct mxlb_image  one version: the base plus one compiled pool
 *                      (struct mxlb_cpool) per pool id. A control change
 *                      builds a new version that shares the base and every
 *                      pool it did not touch; workers move to it by pointer
 *                      swap under RCU.
 */
#ifndef MXLB_IMAGE_H
#define MXLB_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* How an MX (or SRV) pool shows its selection in the answer (DESIGN §3). */
enum mxlb_mode {
	MXLB_MODE_PREFER = 0, /* rewrite preferences: the selected member alone at P */
	MXLB_MODE_ROTATE,     /* all members, rotated so the selected comes first */
	MXLB_MODE_SINGLE,     /* the selected member only */
};

/* What a pool answers when no member is up (DESIGN §3, issue 7). */
enum mxlb_alldown {
	MXLB_ALLDOWN_ALL = 0, /* every member (fail open), the default */
	MXLB_ALLDOWN_NEXT,    /* the second preference group only (the backup), or all */
	MXLB_ALLDOWN_NULL,    /* MX: a Null MX (RFC 7505); SRV: target "."; A/AAAA: all */
};

struct mxlb_image_opts {
	enum mxlb_mode mx_mode;	   /* MX and SRV pools; default prefer */
	enum mxlb_mode a_mode;	   /* A and AAAA pools; default rotate */
	uint32_t nworkers;	   /* workers that will answer from the image; default 16 */
	enum mxlb_alldown alldown; /* pools' all-down policy; default all */
	/* CHAOS-class TXT answers: id.server and hostname.bind give IDENTITY,
	 * version.bind and version.server VERSION; NULL: REFUSED */
	const char *identity;
	const char *version;
	/* Slow-path log sink for zone-load notes (preference remaps, counts).
	 * NULL: notes go to stderr. */
	void (*log)(void *arg, const char *msg);
	void *log_arg;
};

/* A precomputed run of resource records that follows the question in a
 * response: the answer section, then authority, then additional records.
 * Owners of answer records are the pointer 0xC00C (the query name). Other
 * compression pointers point into the block itself and are stored as they
 * are when the block follows the question of its owner name (HOME); placed
 * elsewhere, the responder moves each of them (the "fixups") by the
 * difference. Additional records can be dropped whole from the end. */
struct mxlb_block {
	uint32_t off; /* first octet in the owner's blob */
	uint16_t len; /* octets of all sections */
	uint16_t req; /* octets of answer + authority: must fit, or TC */
	uint16_t ancount;
	uint16_t nscount;
	uint16_t nadd; /* additional records */
	uint16_t nfix; /* relative pointers */
	uint32_t aux;  /* the owner's aux[aux..]: nadd end offsets, then nfix fixups */
	uint16_t home; /* the block's offset in the message its pointers are stored for:
			* 12 + owner name + 4, the exact-match query; other offsets add
			* the difference to each pointer */
	uint16_t pad;
};

/* What answers a (name, type): a fixed block of the base or a pool of the
 * version. VAL is read and written as one 32-bit word, so that an RRset that
 * grows into a pool at run time can be switched while workers read it. */
#define MXLB_REF_POOL 0x80000000u
#define MXLB_REF_IDX  0x7fffffffu

struct mxlb_rrref {
	uint16_t type;
	uint16_t pad;
	uint32_t val; /* block index, or MXLB_REF_POOL | pool id */
};

#define MXLB_NONE UINT32_MAX

struct mxlb_node {
	uint32_t name;	/* lower-case wire name in names */
	uint32_t refs;	/* refs[refs .. refs+nrefs) */
	uint32_t cname; /* block of the CNAME RRset here, or MXLB_NONE */
	uint32_t glue;	/* glue[glue .. glue+nglue): this name's A and AAAA records */
	uint32_t deleg; /* the zone cut at or above this name (a node with NS below the
			 * apex), or MXLB_NONE: names at and below a cut get referrals */
	uint32_t refer; /* at a zone cut: the referral block */
	uint32_t wild;	/* node of the wildcard "*." + this name, or MXLB_NONE */
	uint16_t nrefs;
	uint16_t zone;
	uint16_t nglue;
	uint8_t name_len;
};

/* An address record kept for the additional section of pools rebuilt at run
 * time. */
struct mxlb_glue {
	uint32_t rdata; /* in gluedata */
	uint32_t ttl;
	uint16_t type;
	uint16_t rdlen;
};

/* Member flags (DESIGN §2): two independent reasons to keep a member out of
 * rotation, set and cleared separately. DRAIN is maintenance (drain,
 * undrain), DOWN is health (down, up: what the health checker sends). */
enum { MXLB_MEMBER_F_DRAIN = 1, MXLB_MEMBER_F_DOWN = 2 };

/* Member states (DESIGN §2), the effective state of a member's flags: up
 * (selected in turn), drain (never selected, listed after every up member)
 * or down (not listed). */
enum { MXLB_MEMBER_UP = 0, MXLB_MEMBER_DRAIN = 1, MXLB_MEMBER_DOWN = 2 };

/* Down when DOWN is set (whether drained or not), else drain when DRAIN is
 * set, else up. */
static inline unsigned mxlb_member_state(uint8_t flags)
{
	return flags & MXLB_MEMBER_F_DOWN    ? MXLB_MEMBER_DOWN
	       : flags & MXLB_MEMBER_F_DRAIN ? MXLB_MEMBER_DRAIN
					     : MXLB_MEMBER_UP;
}

struct mxlb_member {
	uint32_t rdata; /* RDATA in the pool's rdata, names uncompressed */
	uint16_t rdlen;
	uint16_t pref; /* MX preference / SRV priority as loaded; 0 for A/AAAA */
	uint16_t weight;
	uint8_t flags; /* MXLB_MEMBER_F_* */
	uint8_t group; /* preference group, 0 = most preferred */
};

/* A worker's private part of a pool, one cache line or more, written only
 * by that worker: its round-robin counter and the answers it gave with each
 * member selected. */
struct mxlb_stripe {
	uint32_t rr; /* next turn; MXLB_NONE until the worker's first answer */
	uint32_t pad;
	uint64_t served[]; /* per selectable block */
};

/* A compiled pool: immutable once published, except for the workers'
 * stripes. */
struct mxlb_cpool {
	/* read per query */
	uint32_t len;	       /* schedule length, >= 1 */
	uint32_t stride;       /* octets per stripe, a multiple of 64 */
	const uint16_t *sched; /* turn -> block */
	const struct mxlb_block *blocks;
	const uint8_t *blob;
	const uint16_t *aux;
	uint8_t *stripes; /* nworkers stripes */
	/* control plane */
	uint32_t nworkers;
	uint32_t nblocks;
	uint32_t ttl;
	uint32_t owner;	  /* node of the first owner */
	uint32_t sharers; /* owners whose RRset this pool is */
	uint16_t type;
	uint16_t nmembers;
	uint8_t mode;
	uint8_t ngroups;
	uint8_t failopen; /* no member up: answering with all of them */
	uint8_t alldown;  /* enum mxlb_alldown */
	uint8_t remapped; /* preferences renumbered 10, 20, ... */
	/* A one-record MX or SRV RRset whose exchange or target has an
	 * address pool, compiled as a one-member pool so that its additional
	 * section follows that pool's edits (glue.h). Answered like any pool;
	 * not a pool to pools, preview or edits, which see a one-record
	 * RRset. */
	uint8_t glue_only;
	const uint16_t *block_member; /* block -> member */
	const uint16_t *value;	      /* preference shown by the selected member, per group */
	struct mxlb_member *members;
	uint8_t *rdata;
	uint64_t *served_base; /* per member: answers before the last rebuild */
};

struct mxlb_zone_ent {
	uint32_t apex; /* node of the apex */
	uint32_t soa;  /* block: the SOA in authority, for NXDOMAIN and NODATA */
};

/* Name table entry: open addressing, linear probing. */
struct mxlb_slot {
	uint32_t hash;
	uint32_t node; /* node index + 1; 0 = empty */
};

struct mxlb_base {
	struct mxlb_slot *slots;
	uint32_t mask;
	uint32_t nnodes;
	struct mxlb_node *nodes;
	uint8_t *names;
	struct mxlb_rrref *refs;
	uint32_t nrefs;
	struct mxlb_block *blocks;
	uint32_t nblocks;
	uint8_t *blob;
	uint16_t *aux;
	struct mxlb_zone_ent *zones;
	uint32_t nzones;
	struct mxlb_glue *glue;
	uint8_t *gluedata;
	/* one-record MX, SRV, A and AAAA RRsets, which a member add turns into
	 * pools: ref index -> singles[] (data in gluedata), or MXLB_NONE */
	uint32_t *ref_single;
	struct mxlb_glue *singles;
	uint32_t chaos_id;	/* block of the CHAOS identity TXT, or MXLB_NONE */
	uint32_t chaos_version; /* block of the CHAOS version TXT, or MXLB_NONE */
	struct mxlb_image_opts opts;
	uint32_t versions; /* images built on this base and not yet freed */
};

/* A one-word change to the base that a version needs once no worker reads
 * an older version (mxlb_image_commit). */
struct mxlb_patch {
	uint32_t ref; /* index in refs, or MXLB_NONE */
	uint32_t val;
};

struct mxlb_image {
	/* copied from the base: the packet path reads only this struct */
	const struct mxlb_slot *slots;
	uint32_t mask;
	uint32_t npools;
	const struct mxlb_node *nodes;
	const uint8_t *names;
	const struct mxlb_rrref *refs;
	const struct mxlb_block *blocks;
	const uint8_t *blob;
	const uint16_t *aux;
	const struct mxlb_zone_ent *zones;
	struct mxlb_cpool **pools;
	/* control plane */
	struct mxlb_base *base;
	uint64_t version;
	struct mxlb_patch patch;
};

/* Default options: prefer for MX/SRV, rotate for A/AAAA, 16 workers, log to
 * stderr. */
void mxlb_image_opts_init(struct mxlb_image_opts *opts);

/* Loads and compiles NFILES master files into a new image (version 1). The
 * apex of each file is its SOA owner. On failure returns a negative errno and
 * writes "FILE:LINE: reason" into ERR. */
int mxlb_image_load(struct mxlb_image **out, const char *const *files, size_t nfiles,
		    const struct mxlb_image_opts *opts, char *err, size_t errlen);

/* Frees an image that no worker reads any more, with its base and pools. */
void mxlb_image_free(struct mxlb_image *img);

/* A new version of OLD sharing its base and pools (the caller replaces
 * pools): version + 1, no patch. NULL on allocation failure. */
struct mxlb_image *mxlb_image_next(const struct mxlb_image *old);

/* Once no worker reads a version older than NEXT: applies NEXT's patch to the
 * base. */
void mxlb_image_commit(struct mxlb_image *next);

/* Once no worker reads OLD, which NEXT replaced: frees OLD and whatever of it
 * NEXT does not share (pools, and the base when NEXT has another). */
void mxlb_image_retire(struct mxlb_image *old, const struct mxlb_image *next);

/* Frees NEXT, never published, built from CUR by mxlb_image_next: the pools
 * NEXT has that CUR does not. */
void mxlb_image_discard(struct mxlb_image *next, const struct mxlb_image *cur);

/* Number of pools, glue-only ones (mxlb_cpool.glue_only) not counted. */
uint32_t mxlb_image_pool_count(const struct mxlb_image *img);
uint32_t mxlb_image_zone_count(const struct mxlb_image *img);
uint64_t mxlb_image_name_count(const struct mxlb_image *img);

/* Equality of LEN octets, a word at a time; both may be read up to the next
 * multiple of eight (the names arena and query names are padded so). */
static inline int mxlb_name_equal_words(const uint8_t *a, const uint8_t *b, size_t len)
{
	size_t i = 0;
	uint64_t x, y;
	for (; i + 8 <= len; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return 0;
	}
	if (i == len)
		return 1;
	memcpy(&x, a + i, 8);
	memcpy(&y, b + i, 8);
	return ((x ^ y) & ((1ull << (8 * (len - i))) - 1)) == 0;
}

/* Exact-match lookup of a lower-case wire name of LEN octets with hash HASH
 * (mxlb_name_hash), which must be readable up to the next multiple of eight
 * octets. Returns the node or NULL. */
static inline const struct mxlb_node *
mxlb_image_find(const struct mxlb_image *img, const uint8_t *lname, size_t len, uint32_t hash)
{
	for (uint32_t i = hash & img->mask;; i = (i + 1) & img->mask) {
		const struct mxlb_slot *s = &img->slots[i];
		if (s->node == 0)
			return NULL;
		if (s->hash == hash) {
			const struct mxlb_node *n = &img->nodes[s->node - 1];
			if (n->name_len == len &&
			    mxlb_name_equal_words(img->names + n->name, lname, len))
				return n;
		}
	}
}

#endif
