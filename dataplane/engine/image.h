/* Compiled, immutable zone image: name table, RRsets in wire form, pools and
 * precomputed answer blocks. Built once on the slow path from RFC 1035 master
 * files; read concurrently by every worker without locks. */
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

struct mxlb_image_opts {
	enum mxlb_mode mx_mode; /* MX and SRV pools; default prefer */
	enum mxlb_mode a_mode;	/* A and AAAA pools; default rotate */
	/* Slow-path log sink for zone-load notes (preference remaps, counts).
	 * NULL: notes go to stderr. */
	void (*log)(void *arg, const char *msg);
	void *log_arg;
};

/* A precomputed run of resource records that follows the question in a
 * response: the answer section, then authority, then additional records.
 * Owners of answer records are the pointer 0xC00C (the query name). Other
 * compression pointers point into the block itself and are stored relative
 * to its start; the responder adds the block's offset in the message (the
 * "fixups"). Additional records can be dropped whole from the end. */
struct mxlb_block {
	uint32_t off; /* first octet in image->blob */
	uint16_t len; /* octets of all sections */
	uint16_t req; /* octets of answer + authority: must fit, or TC */
	uint16_t ancount;
	uint16_t nscount;
	uint16_t nadd; /* additional records */
	uint16_t nfix; /* relative pointers */
	uint32_t aux;  /* image->aux[aux..]: nadd end offsets, then nfix fixups */
};

/* What answers a (name, type): a fixed block or a pool. */
enum { MXLB_REF_BLOCK = 0, MXLB_REF_POOL = 1 };

struct mxlb_rrref {
	uint16_t type;
	uint16_t kind;
	uint32_t idx; /* block or pool index */
};

#define MXLB_NONE UINT32_MAX

struct mxlb_node {
	uint32_t name;	/* lower-case wire name in image->names */
	uint32_t refs;	/* image->refs[refs .. refs+nrefs) */
	uint32_t cname; /* block of the CNAME RRset here, or MXLB_NONE */
	uint16_t nrefs;
	uint16_t zone;
	uint8_t name_len;
};

/* Member states (DESIGN §2). */
enum { MXLB_MEMBER_UP = 0, MXLB_MEMBER_DRAIN = 1, MXLB_MEMBER_DOWN = 2 };

struct mxlb_member {
	uint32_t rdata; /* RDATA in image->rdata, names uncompressed */
	uint16_t rdlen;
	uint16_t pref; /* MX preference / SRV priority as loaded; 0 for A/AAAA */
	uint16_t weight;
	uint8_t state;
	uint8_t group; /* preference group, 0 = most preferred */
};

struct mxlb_pool {
	uint32_t sched;	  /* image->sched[sched .. sched+len): block per turn */
	uint32_t len;	  /* schedule length, >= 1 */
	uint32_t members; /* image->members[members .. members+nmembers) */
	uint32_t ttl;
	uint16_t nmembers;
	uint16_t type;
	uint8_t mode; /* enum mxlb_mode */
	uint8_t ngroups;
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

struct mxlb_image {
	struct mxlb_slot *slots;
	uint32_t mask;
	uint32_t nnodes;
	struct mxlb_node *nodes;
	uint8_t *names;
	struct mxlb_rrref *refs;
	struct mxlb_block *blocks;
	uint8_t *blob;
	uint16_t *aux;
	uint32_t *sched;
	struct mxlb_pool *pools;
	struct mxlb_member *members;
	uint8_t *rdata;
	struct mxlb_zone_ent *zones;
	uint32_t nblocks;
	uint32_t npools;
	uint32_t nzones;
	struct mxlb_image_opts opts;
};

/* Exact-match lookup of a lower-case wire name of LEN octets with hash HASH
 * (mxlb_name_hash). Returns the node or NULL. */
static inline const struct mxlb_node *
mxlb_image_find(const struct mxlb_image *img, const uint8_t *lname, size_t len, uint32_t hash)
{
	for (uint32_t i = hash & img->mask;; i = (i + 1) & img->mask) {
		const struct mxlb_slot *s = &img->slots[i];
		if (s->node == 0)
			return NULL;
		if (s->hash == hash) {
			const struct mxlb_node *n = &img->nodes[s->node - 1];
			if (n->name_len == len && memcmp(img->names + n->name, lname, len) == 0)
				return n;
		}
	}
}

/* Default options: prefer for MX/SRV, rotate for A/AAAA, log to stderr. */
void mxlb_image_opts_init(struct mxlb_image_opts *opts);

/* Loads and compiles NFILES master files into a new image. The apex of each
 * file is its SOA owner. On failure returns a negative errno and writes
 * "FILE:LINE: reason" into ERR. */
int mxlb_image_load(struct mxlb_image **out, const char *const *files, size_t nfiles,
		    const struct mxlb_image_opts *opts, char *err, size_t errlen);

void mxlb_image_free(struct mxlb_image *img);

/* Number of pools; pool ids are 0 .. count-1 and index per-worker counters. */
uint32_t mxlb_image_pool_count(const struct mxlb_image *img);
uint32_t mxlb_image_zone_count(const struct mxlb_image *img);
uint64_t mxlb_image_name_count(const struct mxlb_image *img);

#endif
