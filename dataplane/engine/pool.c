#include "pool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"

size_t mxlb_pool_swrr(const uint16_t *weights, size_t n, uint16_t *out)
{
	int64_t cur[MXLB_POOL_MEMBERS_MAX] = {0};
	int64_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += weights[i];
	for (int64_t t = 0; t < total; t++) {
		size_t best = 0;
		for (size_t i = 0; i < n; i++) {
			cur[i] += weights[i];
			if (cur[i] > cur[best])
				best = i;
		}
		cur[best] -= total;
		out[t] = (uint16_t)best;
	}
	return (size_t)total;
}

/* Where the domain name starts in the RDATA of a pool type: names compare
 * without case (RFC 4343), everything else octet for octet. */
static size_t name_at(uint16_t type)
{
	return type == MXLB_TYPE_MX ? 2 : type == MXLB_TYPE_SRV ? 6 : 65535;
}

int mxlb_pool_rdata_equal(uint16_t type, const uint8_t *x, uint16_t xl, const uint8_t *y,
			  uint16_t yl)
{
	size_t at = name_at(type);
	if (xl != yl)
		return 0;
	for (uint16_t i = 0; i < xl; i++)
		if (i < at ? x[i] != y[i] : mxlb_name_lower[x[i]] != mxlb_name_lower[y[i]])
			return 0;
	return 1;
}

int mxlb_pool_member_find(const struct mxlb_cpool *p, const uint8_t *rdata, uint16_t rdlen)
{
	for (uint16_t m = 0; m < p->nmembers; m++)
		if (mxlb_pool_rdata_equal(p->type, p->rdata + p->members[m].rdata,
					  p->members[m].rdlen, rdata, rdlen))
			return m;
	return -1;
}

void mxlb_pool_free(struct mxlb_cpool *p)
{
	if (!p)
		return;
	free((void *)p->sched);
	free((void *)p->blocks);
	free((void *)p->blob);
	free((void *)p->aux);
	free(p->stripes);
	free((void *)p->block_member);
	free((void *)p->value);
	free(p->members);
	free(p->rdata);
	free(p->served_base);
	free(p);
}

/* Answers of OLD's member M over its workers' stripes. */
static uint64_t stripe_sum(const struct mxlb_cpool *p, uint16_t m)
{
	uint64_t sum = 0;
	for (uint32_t w = 0; w < p->nworkers; w++) {
		const struct mxlb_stripe *s = mxlb_pool_stripe(p, w);
		for (uint32_t k = 0; k < p->nblocks; k++)
			if (p->block_member[k] == m)
				sum += __atomic_load_n(&s->served[k], __ATOMIC_RELAXED);
	}
	return sum;
}

uint64_t mxlb_pool_served(const struct mxlb_cpool *p, uint16_t m)
{
	return p->served_base[m] + stripe_sum(p, m);
}

static void carry_served(struct mxlb_cpool *new, const struct mxlb_cpool *old)
{
	for (uint16_t m = 0; m < new->nmembers; m++) {
		int o = mxlb_pool_member_find(old, new->rdata + new->members[m].rdata,
					      new->members[m].rdlen);
		new->served_base[m] = o < 0 ? 0 : mxlb_pool_served(old, (uint16_t)o);
	}
}

void mxlb_pool_settle(struct mxlb_cpool *new, const struct mxlb_cpool *old)
{
	carry_served(new, old);
}

/* The preference value each group shows (DESIGN §3, prefer mode): group g's
 * selected member keeps V[g] and the others of its group show V[g] + 1, which
 * must stay below V[g+1]. Where some group of two or more members has no such
 * room, every group is renumbered 10, 20, 30, ... keeping their order. */
static int group_values(struct mxlb_cpool *p, uint16_t *val)
{
	uint16_t size[MXLB_POOL_MEMBERS_MAX] = {0};
	int remap = 0;

	for (uint16_t i = 0; i < p->nmembers; i++) {
		val[p->members[i].group] = p->members[i].pref;
		size[p->members[i].group]++;
	}
	if (p->type != MXLB_TYPE_MX && p->type != MXLB_TYPE_SRV)
		return 0;
	for (unsigned g = 0; g < p->ngroups; g++) {
		uint32_t next = g + 1 < p->ngroups ? val[g + 1] : 65536;
		if (size[g] >= 2 && (uint32_t)val[g] + 1 >= next)
			remap = 1;
	}
	if (!remap || p->mode != MXLB_MODE_PREFER)
		return 0;
	for (unsigned g = 0; g < p->ngroups; g++)
		val[g] = (uint16_t)(10 * (g + 1));
	return 1;
}

/* Preference groups: distinct values in ascending order. */
static void make_groups(struct mxlb_cpool *p)
{
	uint32_t prev = UINT32_MAX;
	p->ngroups = 0;
	for (unsigned g = 0;; g++) {
		uint32_t lo = 65536;
		for (uint16_t k = 0; k < p->nmembers; k++)
			if ((prev == UINT32_MAX || p->members[k].pref > prev) &&
			    p->members[k].pref < lo)
				lo = p->members[k].pref;
		if (lo == 65536)
			break;
		for (uint16_t k = 0; k < p->nmembers; k++)
			if (p->members[k].pref == lo)
				p->members[k].group = (uint8_t)g;
		p->ngroups = (uint8_t)(g + 1);
		prev = lo;
	}
}

static int put_member(struct mxlb_blockw *w, const struct mxlb_cpool *p,
		      const struct mxlb_member *m, int rewrite, uint16_t pref)
{
	uint8_t rd[65535];
	memcpy(rd, p->rdata + m->rdata, m->rdlen);
	if (rewrite && (p->type == MXLB_TYPE_MX || p->type == MXLB_TYPE_SRV) && m->rdlen >= 2)
		mxlb_wire_put16(rd, pref);
	return mxlb_block_rr(w, MXLB_SEC_ANSWER, NULL, p->type, p->ttl, rd, m->rdlen);
}

/* The all-down answer of policy null: one record that says the domain takes
 * no mail (Null MX, RFC 7505 §3: preference 0, exchange ".") or that the
 * service is not offered (SRV target ".", RFC 2782). */
static int null_block(struct mxlb_cpool *p, struct mxlb_blockw *w, const struct mxlb_gluesrc *g,
		      struct mxlb_sink *sink, uint16_t *up, size_t *nupp)
{
	static const uint8_t mx[] = {0, 0, 0}, srv[] = {0, 0, 0, 0, 0, 0, 0};
	mxlb_block_writer_reset(w);
	mxlb_block_writer_home(w, g->nodes[p->owner].name_len);
	if (p->type == MXLB_TYPE_MX)
		mxlb_block_rr(w, MXLB_SEC_ANSWER, NULL, p->type, p->ttl, mx, sizeof(mx));
	else
		mxlb_block_rr(w, MXLB_SEC_ANSWER, NULL, p->type, p->ttl, srv, sizeof(srv));
	int64_t bi = mxlb_block_finish(w, sink);
	if (bi < 0)
		return (int)bi;
	up[0] = MXLB_POOL_NULL_MEMBER;
	*nupp = 1;
	return 0;
}

/* One answer block per member that can be selected (DESIGN §3), then the
 * schedule that maps turns to blocks. */
static int build_blocks(struct mxlb_cpool *p, const struct mxlb_gluesrc *g, struct mxlb_blockw *w,
			const uint16_t *val, struct mxlb_sink *sink, uint16_t *up, size_t *nupp)
{
	const struct mxlb_member *m = p->members;
	uint16_t n = p->nmembers;
	uint8_t upv[MXLB_POOL_MEMBERS_MAX];
	int act = -1;
	size_t nup = 0;

	/* The active group: the most preferred one with an up member. */
	for (uint16_t i = 0; i < n; i++) {
		upv[i] = mxlb_member_state(m[i].flags) == MXLB_MEMBER_UP;
		if (upv[i] && (act < 0 || m[i].group < act))
			act = m[i].group;
	}
	/* Every member down or drained: the all-down policy decides. */
	p->failopen = act < 0;
	if (p->failopen) {
		int mxsrv = p->type == MXLB_TYPE_MX || p->type == MXLB_TYPE_SRV;
		if (p->alldown == MXLB_ALLDOWN_NULL && mxsrv)
			return null_block(p, w, g, sink, up, nupp);
		/* next: the group after the most preferred one (the backup
		 * exchanges, which queue mail); all: every member */
		int only = p->alldown == MXLB_ALLDOWN_NEXT && p->ngroups > 1 ? 1 : -1;
		for (uint16_t i = 0; i < n; i++)
			upv[i] = only < 0 || m[i].group == only;
		act = only < 0 ? 0 : only;
	}
#define IS_UP(i) (upv[i])
	for (uint16_t i = 0; i < n; i++)
		if (m[i].group == act && IS_UP(i))
			up[nup++] = i;

	int prefer =
	    p->mode == MXLB_MODE_PREFER && p->type != MXLB_TYPE_A && p->type != MXLB_TYPE_AAAA;
	int single = p->mode == MXLB_MODE_SINGLE;
	int toff = mxlb_block_target_off(p->type);
	for (size_t k = 0; k < nup; k++) {
		uint16_t order[MXLB_POOL_MEMBERS_MAX], vals[MXLB_POOL_MEMBERS_MAX], cnt = 0;
		uint16_t maxup = 0;
		for (size_t j = 0; j < nup && !(single && j > 0); j++) {
			order[cnt] = up[(k + j) % nup];
			vals[cnt++] = j == 0 ? val[act] : (uint16_t)(val[act] + 1);
		}
		for (int gi = 0; gi < p->ngroups && !single; gi++)
			for (uint16_t i = 0; gi != act && i < n; i++)
				if (m[i].group == gi && IS_UP(i)) {
					order[cnt] = i;
					vals[cnt++] = val[gi];
				}
		for (uint16_t j = 0; j < cnt; j++)
			if ((prefer ? vals[j] : m[order[j]].pref) > maxup)
				maxup = prefer ? vals[j] : m[order[j]].pref;
		/* Drained members (not down): listed after every up member, with
		 * a value that no up member shares, so that no client tries them
		 * first. */
		uint16_t drainval = maxup == 65535 ? 65535 : (uint16_t)(maxup + 1);
		for (uint16_t i = 0; !p->failopen && !single && i < n; i++)
			if (mxlb_member_state(m[i].flags) == MXLB_MEMBER_DRAIN) {
				order[cnt] = i;
				vals[cnt++] = drainval;
			}

		mxlb_block_writer_reset(w);
		mxlb_block_writer_home(w, g->nodes[p->owner].name_len);
		for (uint16_t j = 0; j < cnt; j++) {
			int drained = mxlb_member_state(m[order[j]].flags) == MXLB_MEMBER_DRAIN &&
				      !p->failopen;
			put_member(w, p, &m[order[j]], prefer || drained,
				   prefer || drained ? vals[j] : m[order[j]].pref);
		}
		for (uint16_t j = 0; toff >= 0 && j < cnt; j++)
			if (m[order[j]].rdlen > toff)
				mxlb_block_glue(w, g, p->rdata + m[order[j]].rdata + toff);
		int64_t bi = mxlb_block_finish(w, sink);
		if (bi < 0)
			return (int)bi;
	}
#undef IS_UP
	*nupp = nup;
	return 0;
}

struct mxlb_cpool *mxlb_pool_new(const struct mxlb_pool_spec *spec, const struct mxlb_gluesrc *g,
				 struct mxlb_blockw *w, int *err)
{
	struct mxlb_cpool *p = calloc(1, sizeof(*p));
	struct mxlb_sink sink = {0};
	uint16_t val[MXLB_POOL_MEMBERS_MAX], up[MXLB_POOL_MEMBERS_MAX], wts[MXLB_POOL_MEMBERS_MAX];
	size_t rdtotal = 0, nup = 0;
	int rc = -ENOMEM;

	if (!p)
		goto fail;
	if (spec->nmembers == 0 || spec->nmembers > MXLB_POOL_MEMBERS_MAX || spec->nworkers == 0) {
		rc = -EINVAL;
		goto fail;
	}
	*p = (struct mxlb_cpool){
	    .nworkers = spec->nworkers,
	    .ttl = spec->ttl,
	    .owner = spec->owner,
	    .sharers = spec->sharers,
	    .type = spec->type,
	    .nmembers = spec->nmembers,
	    .mode = spec->mode,
	    .alldown = spec->alldown,
	    .glue_only = spec->glue_only,
	};
	for (uint16_t i = 0; i < spec->nmembers; i++)
		rdtotal += spec->rdlen[i];
	p->members = calloc(spec->nmembers, sizeof(*p->members));
	p->rdata = malloc(rdtotal ? rdtotal : 1);
	p->served_base = calloc(spec->nmembers, sizeof(uint64_t));
	if (!p->members || !p->rdata || !p->served_base)
		goto fail;
	rdtotal = 0;
	for (uint16_t i = 0; i < spec->nmembers; i++) {
		int mxsrv = spec->type == MXLB_TYPE_MX || spec->type == MXLB_TYPE_SRV;
		p->members[i] = (struct mxlb_member){
		    .rdata = (uint32_t)rdtotal,
		    .rdlen = spec->rdlen[i],
		    .pref = mxsrv && spec->rdlen[i] >= 2 ? mxlb_wire_get16(spec->rdata[i]) : 0,
		    .weight = spec->weight[i] ? spec->weight[i] : 1,
		    .flags = spec->flags[i],
		};
		memcpy(p->rdata + rdtotal, spec->rdata[i], spec->rdlen[i]);
		rdtotal += spec->rdlen[i];
	}
	make_groups(p);
	p->remapped = (uint8_t)group_values(p, val);
	uint16_t *value = malloc(p->ngroups * sizeof(uint16_t));
	if (!value)
		goto fail;
	memcpy(value, val, p->ngroups * sizeof(uint16_t));
	p->value = value;

	rc = build_blocks(p, g, w, val, &sink, up, &nup);
	if (rc < 0)
		goto fail;
	rc = -ENOMEM;
	p->nblocks = (uint32_t)nup;
	uint16_t *bm = malloc(nup * sizeof(uint16_t));
	size_t total = 0;
	for (size_t k = 0; k < nup; k++) {
		wts[k] = up[k] == MXLB_POOL_NULL_MEMBER ? 1 : p->members[up[k]].weight;
		total += wts[k];
	}
	uint16_t *sched = malloc(total * sizeof(uint16_t));
	if (!bm || !sched) {
		free(bm);
		free(sched);
		goto fail;
	}
	for (size_t k = 0; k < nup; k++)
		bm[k] = up[k];
	p->block_member = bm;
	p->len = (uint32_t)mxlb_pool_swrr(wts, nup, sched);
	p->sched = sched;
	p->blocks = sink.blocks.v;
	p->blob = sink.blob.v;
	p->aux = sink.aux.v;
	sink = (struct mxlb_sink){0};

	p->stride = (uint32_t)((sizeof(struct mxlb_stripe) + nup * sizeof(uint64_t) + 63) & ~63ul);
	p->stripes = aligned_alloc(64, (size_t)p->stride * p->nworkers);
	if (!p->stripes)
		goto fail;
	memset(p->stripes, 0, (size_t)p->stride * p->nworkers);
	for (uint32_t wi = 0; wi < p->nworkers; wi++) {
		const struct mxlb_cpool *c = spec->carry;
		mxlb_pool_stripe(p, wi)->rr =
		    c && wi < c->nworkers
			? __atomic_load_n(&mxlb_pool_stripe(c, wi)->rr, __ATOMIC_RELAXED)
			: MXLB_NONE;
	}
	if (spec->carry)
		carry_served(p, spec->carry);
	return p;
fail:
	mxlb_sink_free(&sink);
	mxlb_pool_free(p);
	*err = rc;
	return NULL;
}

void mxlb_pool_preview(const struct mxlb_cpool *p, uint32_t w, uint32_t nworkers, uint32_t n,
		       uint16_t *out)
{
	uint32_t c = w < p->nworkers
			 ? __atomic_load_n(&mxlb_pool_stripe(p, w)->rr, __ATOMIC_RELAXED)
			 : MXLB_NONE;
	if (c == MXLB_NONE)
		c = (uint32_t)(((uint64_t)w * p->len) / (nworkers ? nworkers : 1));
	for (uint32_t i = 0; i < n; i++)
		out[i] = p->block_member[p->sched[(c + i) % p->len]];
}

size_t mxlb_pool_listed(const struct mxlb_cpool *p, uint16_t *out)
{
	size_t n = 0;
	for (int pass = 0; pass < 2; pass++)
		for (uint16_t m = 0; m < p->nmembers; m++) {
			unsigned st = mxlb_member_state(p->members[m].flags);
			if (p->failopen ? pass == 0
					: st == (pass == 0 ? MXLB_MEMBER_UP : MXLB_MEMBER_DRAIN))
				out[n++] = m;
		}
	return n;
}

void mxlb_pool_spec_of(const struct mxlb_cpool *p, struct mxlb_pool_spec *spec)
{
	*spec = (struct mxlb_pool_spec){
	    .type = p->type,
	    .mode = p->mode,
	    .ttl = p->ttl,
	    .nworkers = p->nworkers,
	    .owner = p->owner,
	    .sharers = p->sharers,
	    .nmembers = p->nmembers,
	    .alldown = p->alldown,
	    .glue_only = p->glue_only,
	    .carry = p,
	};
	for (uint16_t i = 0; i < p->nmembers; i++) {
		spec->rdata[i] = p->rdata + p->members[i].rdata;
		spec->rdlen[i] = p->members[i].rdlen;
		spec->weight[i] = p->members[i].weight;
		spec->flags[i] = p->members[i].flags;
	}
}

/* --- pools of the builder: sharing by content ------------------------- */

static uint32_t content_hash(const struct mxlb_build *b, const struct mxlb_bset *s)
{
	uint32_t h = MXLB_NAME_HASH_SEED ^ s->type ^ (s->ttl * 0x9e3779b1u);
	for (uint32_t k = 0; k < s->count; k++) {
		const struct mxlb_src_rr *r = &b->src.v[s->first + k];
		const uint8_t *p = b->srcdata.v + r->rdata;
		h = (h ^ r->rdlen) * MXLB_NAME_HASH_MUL;
		for (uint16_t i = 0; i < r->rdlen; i++)
			h = (h ^ (i < name_at(s->type) ? p[i] : mxlb_name_lower[p[i]])) *
			    MXLB_NAME_HASH_MUL;
	}
	return h;
}

static int same_content(const struct mxlb_build *b, const struct mxlb_cpool *p,
			const struct mxlb_bset *s)
{
	if (p->type != s->type || p->ttl != s->ttl || p->nmembers != s->count)
		return 0;
	for (uint32_t k = 0; k < s->count; k++) {
		const struct mxlb_src_rr *r = &b->src.v[s->first + k];
		const struct mxlb_member *m = &p->members[k];
		if (!mxlb_pool_rdata_equal(p->type, p->rdata + m->rdata, m->rdlen,
					   b->srcdata.v + r->rdata, r->rdlen))
			return 0;
	}
	return 1;
}

static int pool_table_grow(struct mxlb_build *b)
{
	uint32_t size = b->pool_slots ? (b->pool_mask + 1) * 2 : 1024;
	uint32_t *slots = calloc(size, sizeof(*slots)), *hash = calloc(size, sizeof(*hash));
	if (!slots || !hash) {
		free(slots);
		free(hash);
		return -ENOMEM;
	}
	for (uint32_t i = 0; b->pool_slots && i <= b->pool_mask; i++) {
		if (!b->pool_slots[i])
			continue;
		uint32_t j = b->pool_hash[i] & (size - 1);
		while (slots[j])
			j = (j + 1) & (size - 1);
		slots[j] = b->pool_slots[i];
		hash[j] = b->pool_hash[i];
	}
	free(b->pool_slots);
	free(b->pool_hash);
	b->pool_slots = slots;
	b->pool_hash = hash;
	b->pool_mask = size - 1;
	return 0;
}

int64_t mxlb_pool_compile(struct mxlb_build *b, struct mxlb_blockw *w, const struct mxlb_bset *s)
{
	if (s->count > MXLB_POOL_MEMBERS_MAX)
		return -E2BIG;
	if (!b->pool_slots && pool_table_grow(b) < 0)
		return -ENOMEM;
	uint32_t h = content_hash(b, s);
	uint32_t i = h & b->pool_mask;
	for (; b->pool_slots[i]; i = (i + 1) & b->pool_mask) {
		struct mxlb_cpool *p = b->pools.v[b->pool_slots[i] - 1];
		if (b->pool_hash[i] == h && same_content(b, p, s)) {
			if (p->glue_only)
				b->glue_owners++;
			else
				b->shared_pools++;
			p->sharers++;
			return b->pool_slots[i] - 1;
		}
	}

	static struct mxlb_pool_spec spec; /* load is single-threaded; 3 KiB off the stack */
	spec = (struct mxlb_pool_spec){
	    .type = s->type,
	    .mode = (uint8_t)(s->type == MXLB_TYPE_MX || s->type == MXLB_TYPE_SRV ? b->opts.mx_mode
										  : b->opts.a_mode),
	    .ttl = s->ttl,
	    .nworkers = b->opts.nworkers,
	    .owner = s->node,
	    .sharers = 1,
	    .nmembers = (uint16_t)s->count,
	    .alldown = (uint8_t)b->opts.alldown,
	    .glue_only = s->count == 1,
	};
	for (uint32_t k = 0; k < s->count; k++) {
		const struct mxlb_src_rr *r = &b->src.v[s->first + k];
		spec.rdata[k] = b->srcdata.v + r->rdata;
		spec.rdlen[k] = r->rdlen;
		spec.weight[k] = 1;
		spec.flags[k] = 0;
	}
	struct mxlb_gluesrc g = mxlb_build_gluesrc(b);
	int rc = 0;
	struct mxlb_cpool *p = mxlb_pool_new(&spec, &g, w, &rc);
	if (!p)
		return rc;
	if (p->remapped) {
		char text[1024];
		mxlb_name_to_text(b->names.v + b->nodes.v[s->node].name, text, sizeof(text));
		mxlb_build_log(b,
			       "%s %s: preferences remapped to 10, 20, ... (in order) so that each "
			       "group has a free value for its other members",
			       text, s->type == MXLB_TYPE_MX ? "MX" : "SRV");
	}
	if (MXLB_VEC_RESERVE(b->pools, 1)) {
		mxlb_pool_free(p);
		return -ENOMEM;
	}
	uint32_t pi = (uint32_t)b->pools.n;
	b->pools.v[b->pools.n++] = p;
	if (p->glue_only) {
		b->glue_pools++;
		b->glue_owners++;
	}
	if (b->pools.n * 2 > b->pool_mask && pool_table_grow(b) < 0)
		return -ENOMEM;
	for (i = h & b->pool_mask; b->pool_slots[i]; i = (i + 1) & b->pool_mask)
		;
	b->pool_slots[i] = pi + 1;
	b->pool_hash[i] = h;
	return pi;
}
