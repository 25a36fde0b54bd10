#include "glue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

struct mxlb_gluesrc mxlb_glue_src(const struct mxlb_image *img)
{
	const struct mxlb_base *b = img->base;
	return (struct mxlb_gluesrc){.slots = b->slots,
				     .mask = b->mask,
				     .nodes = b->nodes,
				     .names = b->names,
				     .glue = b->glue,
				     .gluedata = b->gluedata,
				     .img = img};
}

uint32_t mxlb_glue_node(const struct mxlb_gluesrc *g, const uint8_t *target)
{
	uint8_t lname[MXLB_WIRE_NAME_MAX], loff[MXLB_NAME_LABELS_MAX];
	unsigned nl;

	size_t len = mxlb_name_fold(target, MXLB_WIRE_NAME_MAX, lname, loff, &nl);
	if (len == 0)
		return MXLB_NONE;
	uint32_t h = mxlb_name_hash(lname);
	for (uint32_t i = h & g->mask; g->slots[i].node; i = (i + 1) & g->mask) {
		const struct mxlb_slot *s = &g->slots[i];
		const struct mxlb_node *n = &g->nodes[s->node - 1];
		if (s->hash == h && n->name_len == len &&
		    memcmp(g->names + n->name, lname, len) == 0)
			return s->node - 1;
	}
	return MXLB_NONE;
}

/* Pool id of the TYPE RRset at NODE in IMG, or MXLB_NONE when it is a fixed
 * block or absent. IMG's patch counts: it is what IMG's refs will say. */
static uint32_t addr_pool_id(const struct mxlb_image *img, uint32_t node, uint16_t type)
{
	const struct mxlb_node *n = &img->nodes[node];
	for (uint16_t i = 0; i < n->nrefs; i++) {
		uint32_t ref = n->refs + i;
		if (img->refs[ref].type != type)
			continue;
		uint32_t val = ref == img->patch.ref
				   ? img->patch.val
				   : __atomic_load_n(&img->refs[ref].val, __ATOMIC_ACQUIRE);
		if (!(val & MXLB_REF_POOL) || (val & MXLB_REF_IDX) >= img->npools)
			return MXLB_NONE;
		return val & MXLB_REF_IDX;
	}
	return MXLB_NONE;
}

const struct mxlb_cpool *mxlb_glue_pool(const struct mxlb_gluesrc *g, uint32_t node, uint16_t type)
{
	if (!g->img)
		return NULL;
	uint32_t id = addr_pool_id(g->img, node, type);
	return id == MXLB_NONE ? NULL : g->img->pools[id];
}

/* Whether address pools A and B list the same records in the same order. */
static int same_listing(const struct mxlb_cpool *a, const struct mxlb_cpool *b)
{
	uint16_t x[MXLB_POOL_MEMBERS_MAX], y[MXLB_POOL_MEMBERS_MAX];
	size_t n = mxlb_pool_listed(a, x);

	if (a->type != b->type || a->ttl != b->ttl || mxlb_pool_listed(b, y) != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const struct mxlb_member *p = &a->members[x[i]], *q = &b->members[y[i]];
		if (p->rdlen != q->rdlen ||
		    memcmp(a->rdata + p->rdata, b->rdata + q->rdata, p->rdlen) != 0)
			return 0;
	}
	return 1;
}

/* Whether MX or SRV pool P has a member whose exchange or target has an
 * address pool marked in DIRTY. */
static int needs_glue(const struct mxlb_gluesrc *g, const struct mxlb_cpool *p,
		      const uint8_t *dirty)
{
	static const uint16_t types[] = {MXLB_TYPE_A, MXLB_TYPE_AAAA};
	int toff = mxlb_block_target_off(p->type);

	if (p->type != MXLB_TYPE_MX && p->type != MXLB_TYPE_SRV)
		return 0;
	for (uint16_t m = 0; m < p->nmembers; m++) {
		if (p->members[m].rdlen <= toff)
			continue;
		uint32_t node = mxlb_glue_node(g, p->rdata + p->members[m].rdata + toff);
		for (size_t t = 0; node != MXLB_NONE && t < 2; t++) {
			uint32_t id = addr_pool_id(g->img, node, types[t]);
			if (id != MXLB_NONE && dirty[id])
				return 1;
		}
	}
	return 0;
}

int mxlb_glue_follow(const struct mxlb_image *cur, struct mxlb_image *next,
		     struct mxlb_glue_rebuilt *out)
{
	uint8_t *dirty = calloc(next->npools + 1, 1);
	struct mxlb_blockw *w = NULL;
	struct mxlb_pool_spec *spec = NULL;
	int any = 0, rc = 0;

	*out = (struct mxlb_glue_rebuilt){0};
	if (!dirty)
		return -ENOMEM;
	/* the address pools the change replaced or created that list other
	 * records now */
	for (uint32_t id = 0; id < next->npools; id++) {
		const struct mxlb_cpool *p = next->pools[id];
		if (p->type != MXLB_TYPE_A && p->type != MXLB_TYPE_AAAA)
			continue;
		if (id < cur->npools && (p == cur->pools[id] || same_listing(cur->pools[id], p)))
			continue;
		dirty[id] = 1;
		any = 1;
	}
	struct mxlb_gluesrc g = mxlb_glue_src(next);
	for (uint32_t id = 0; any && id < next->npools; id++) {
		struct mxlb_cpool *p = next->pools[id];
		if (!needs_glue(&g, p, dirty))
			continue;
		if ((!w && !(w = mxlb_block_writer_new())) ||
		    (!spec && !(spec = malloc(sizeof(*spec))))) {
			rc = -ENOMEM;
			break;
		}
		mxlb_pool_spec_of(p, spec);
		struct mxlb_cpool *np = mxlb_pool_new(spec, &g, w, &rc);
		if (!np)
			break;
		/* a pool the change itself rebuilt is NEXT's own: replaced */
		if (id >= cur->npools || p != cur->pools[id])
			mxlb_pool_free(p);
		next->pools[id] = np;
		if (np->glue_only)
			out->single++;
		else
			out->pools++;
	}
	mxlb_block_writer_free(w);
	free(spec);
	free(dirty);
	return rc;
}
