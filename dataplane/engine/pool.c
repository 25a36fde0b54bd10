#include "pool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"

size_t mxlb_pool_swrr(const uint16_t *weights, size_t n, uint32_t *out)
{
	int64_t cur[n];
	int64_t total = 0;

	for (size_t i = 0; i < n; i++) {
		cur[i] = 0;
		total += weights[i];
	}
	for (int64_t t = 0; t < total; t++) {
		size_t best = 0;
		for (size_t i = 0; i < n; i++) {
			cur[i] += weights[i];
			if (cur[i] > cur[best])
				best = i;
		}
		cur[best] -= total;
		out[t] = (uint32_t)best;
	}
	return (size_t)total;
}

static uint32_t content_hash(uint16_t type, uint32_t ttl, const struct mxlb_build *b,
			     const struct mxlb_bset *s)
{
	uint32_t h = MXLB_NAME_HASH_SEED ^ type ^ (ttl * 0x9e3779b1u);
	for (uint32_t k = 0; k < s->count; k++) {
		const struct mxlb_src_rr *r = &b->src.v[s->first + k];
		const uint8_t *p = b->srcdata.v + r->rdata;
		h = (h ^ r->rdlen) * MXLB_NAME_HASH_MUL;
		for (uint16_t i = 0; i < r->rdlen; i++)
			h = (h ^ mxlb_name_lower[p[i]]) * MXLB_NAME_HASH_MUL;
	}
	return h;
}

static int same_content(const struct mxlb_build *b, const struct mxlb_pool *p,
			const struct mxlb_bset *s)
{
	if (p->type != s->type || p->ttl != s->ttl || p->nmembers != s->count)
		return 0;
	for (uint32_t k = 0; k < s->count; k++) {
		const struct mxlb_src_rr *r = &b->src.v[s->first + k];
		const struct mxlb_member *m = &b->members.v[p->members + k];
		if (m->rdlen != r->rdlen)
			return 0;
		const uint8_t *x = b->rdata.v + m->rdata, *y = b->srcdata.v + r->rdata;
		for (uint16_t i = 0; i < r->rdlen; i++)
			if (mxlb_name_lower[x[i]] != mxlb_name_lower[y[i]])
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

/* The preference value each group shows (DESIGN §3, prefer mode): group g's
 * selected member keeps P[g] and the others of its group show P[g] + 1, which
 * must stay below P[g+1]. Where some group of two or more members has no such
 * room, every group is renumbered 10, 20, 30, ... keeping their order. */
static int group_values(struct mxlb_build *b, const struct mxlb_pool *p, uint16_t *val,
			const uint8_t *owner)
{
	const struct mxlb_member *m = &b->members.v[p->members];
	uint16_t size[256] = {0};
	int remap = 0;

	for (uint16_t i = 0; i < p->nmembers; i++) {
		val[m[i].group] = m[i].pref;
		size[m[i].group]++;
	}
	for (unsigned g = 0; g < p->ngroups; g++) {
		uint32_t next = g + 1 < p->ngroups ? val[g + 1] : 65536;
		if (size[g] >= 2 && (uint32_t)val[g] + 1 >= next)
			remap = 1;
	}
	if (!remap || p->mode != MXLB_MODE_PREFER)
		return 0;
	char text[1024];
	mxlb_name_to_text(owner, text, sizeof(text));
	mxlb_build_log(b,
		       "%s %s: preferences remapped to 10, 20, ... (in order) so that each "
		       "group has a free value for its other members",
		       text, p->type == MXLB_TYPE_MX ? "MX" : "SRV");
	for (unsigned g = 0; g < p->ngroups; g++)
		val[g] = (uint16_t)(10 * (g + 1));
	return 1;
}

static int put_member(struct mxlb_blockw *w, struct mxlb_build *b, const struct mxlb_pool *p,
		      const struct mxlb_member *m, int rewrite, uint16_t pref)
{
	uint8_t rd[65535];
	memcpy(rd, b->rdata.v + m->rdata, m->rdlen);
	if (rewrite && (p->type == MXLB_TYPE_MX || p->type == MXLB_TYPE_SRV))
		mxlb_wire_put16(rd, pref);
	return mxlb_block_rr(w, MXLB_SEC_ANSWER, NULL, p->type, p->ttl, rd, m->rdlen);
}

/* One answer block per member that can be selected, then the schedule that
 * maps turns to blocks. */
static int pool_build(struct mxlb_build *b, struct mxlb_blockw *w, uint32_t pi,
		      const uint8_t *owner)
{
	struct mxlb_pool *p = &b->pools.v[pi];
	const struct mxlb_member *m = &b->members.v[p->members];
	uint16_t n = p->nmembers, val[256];
	uint16_t up[n], wts[n];
	uint32_t blk[n];
	int failopen = 1, act = 0;
	size_t nup = 0;

	group_values(b, p, val, owner);
	int prefer =
	    p->mode == MXLB_MODE_PREFER && p->type != MXLB_TYPE_A && p->type != MXLB_TYPE_AAAA;

	/* The active group: the most preferred one with an up member. If every
	 * member is down or drained, answer with all of them (fail open). */
	for (int g = 0; g < p->ngroups && failopen; g++)
		for (uint16_t i = 0; i < n; i++)
			if (m[i].group == g && m[i].state == MXLB_MEMBER_UP) {
				failopen = 0;
				act = g;
				break;
			}
#define IS_UP(i) (failopen || m[i].state == MXLB_MEMBER_UP)
	for (uint16_t i = 0; i < n; i++)
		if (m[i].group == act && IS_UP(i)) {
			wts[nup] = m[i].weight;
			up[nup++] = i;
		}

	for (size_t k = 0; k < nup; k++) {
		uint16_t order[n], vals[n], cnt = 0, maxup = 0;
		for (size_t j = 0; j < nup; j++) {
			order[cnt] = up[(k + j) % nup];
			vals[cnt++] = j == 0 ? val[act] : (uint16_t)(val[act] + 1);
			if (p->mode == MXLB_MODE_SINGLE)
				break;
		}
		for (int g = 0; g < p->ngroups && p->mode != MXLB_MODE_SINGLE; g++)
			for (uint16_t i = 0; g != act && i < n; i++)
				if (m[i].group == g && IS_UP(i)) {
					order[cnt] = i;
					vals[cnt++] = val[g];
				}
		for (uint16_t j = 0; j < cnt; j++)
			if (vals[j] > maxup)
				maxup = vals[j];
		/* Drained members: listed after every up member, with a value
		 * that no up member shares, so that no client picks them first. */
		uint16_t drainval = maxup == 65535 ? 65535 : (uint16_t)(maxup + 1);
		for (uint16_t i = 0; !failopen && p->mode != MXLB_MODE_SINGLE && i < n; i++)
			if (m[i].state == MXLB_MEMBER_DRAIN) {
				order[cnt] = i;
				vals[cnt++] = drainval;
			}

		mxlb_block_writer_reset(w);
		for (uint16_t j = 0; j < cnt; j++)
			put_member(
			    w, b, p, &m[order[j]], prefer || m[order[j]].state == MXLB_MEMBER_DRAIN,
			    prefer || m[order[j]].state == MXLB_MEMBER_DRAIN ? vals[j]
									     : m[order[j]].pref);
		int toff = mxlb_block_target_off(p->type);
		for (uint16_t j = 0; toff >= 0 && j < cnt; j++)
			if (m[order[j]].rdlen > toff)
				mxlb_block_glue(w, b, b->rdata.v + m[order[j]].rdata + toff);
		int64_t bi = mxlb_block_finish(w, b);
		if (bi < 0)
			return (int)bi;
		blk[k] = (uint32_t)bi;
	}
#undef IS_UP

	uint32_t total = 0;
	for (size_t k = 0; k < nup; k++)
		total += wts[k];
	if (MXLB_VEC_RESERVE(b->sched, total))
		return -ENOMEM;
	p = &b->pools.v[pi];
	p->sched = (uint32_t)b->sched.n;
	p->len = (uint32_t)mxlb_pool_swrr(wts, nup, b->sched.v + b->sched.n);
	for (uint32_t t = 0; t < p->len; t++)
		b->sched.v[p->sched + t] = blk[b->sched.v[p->sched + t]];
	b->sched.n += p->len;
	return 0;
}

int64_t mxlb_pool_compile(struct mxlb_build *b, struct mxlb_blockw *w, const struct mxlb_bset *s)
{
	if (s->count > 255)
		return mxlb_build_fail(b, -E2BIG, "%s:%u: pool of %u records; at most 255",
				       b->files[b->src.v[s->first].file], b->src.v[s->first].line,
				       s->count);
	if (!b->pool_slots && pool_table_grow(b) < 0)
		return -ENOMEM;
	uint32_t h = content_hash(s->type, s->ttl, b, s);
	uint32_t i = h & b->pool_mask;
	for (; b->pool_slots[i]; i = (i + 1) & b->pool_mask)
		if (b->pool_hash[i] == h && same_content(b, &b->pools.v[b->pool_slots[i] - 1], s)) {
			b->shared_pools++;
			return b->pool_slots[i] - 1;
		}

	if (MXLB_VEC_RESERVE(b->pools, 1) || MXLB_VEC_RESERVE(b->members, s->count))
		return -ENOMEM;
	uint32_t pi = (uint32_t)b->pools.n++;
	struct mxlb_pool *p = &b->pools.v[pi];
	*p = (struct mxlb_pool){
	    .members = (uint32_t)b->members.n,
	    .nmembers = (uint16_t)s->count,
	    .type = s->type,
	    .ttl = s->ttl,
	    .mode = (uint8_t)(s->type == MXLB_TYPE_MX || s->type == MXLB_TYPE_SRV ? b->opts.mx_mode
										  : b->opts.a_mode),
	};
	for (uint32_t k = 0; k < s->count; k++) {
		const struct mxlb_src_rr *r = &b->src.v[s->first + k];
		if (MXLB_VEC_RESERVE(b->rdata, r->rdlen))
			return -ENOMEM;
		struct mxlb_member *m = &b->members.v[b->members.n++];
		*m = (struct mxlb_member){
		    .rdata = (uint32_t)b->rdata.n,
		    .rdlen = r->rdlen,
		    .pref = (s->type == MXLB_TYPE_MX || s->type == MXLB_TYPE_SRV) && r->rdlen >= 2
				? mxlb_wire_get16(b->srcdata.v + r->rdata)
				: 0,
		    .weight = 1,
		    .state = MXLB_MEMBER_UP,
		};
		memcpy(b->rdata.v + b->rdata.n, b->srcdata.v + r->rdata, r->rdlen);
		b->rdata.n += r->rdlen;
	}
	/* Preference groups: distinct values in ascending order. */
	struct mxlb_member *m = &b->members.v[p->members];
	uint32_t prev = UINT32_MAX;
	for (unsigned g = 0;; g++) {
		uint32_t lo = 65536;
		for (uint16_t k = 0; k < p->nmembers; k++)
			if ((prev == UINT32_MAX || m[k].pref > prev) && m[k].pref < lo)
				lo = m[k].pref;
		if (lo == 65536)
			break;
		for (uint16_t k = 0; k < p->nmembers; k++)
			if (m[k].pref == lo)
				m[k].group = (uint8_t)g;
		p->ngroups = (uint8_t)(g + 1);
		prev = lo;
	}

	int rc = pool_build(b, w, pi, b->names.v + b->nodes.v[s->node].name);
	if (rc < 0)
		return rc;
	if (b->pools.n * 2 > b->pool_mask && pool_table_grow(b) < 0)
		return -ENOMEM;
	for (i = h & b->pool_mask; b->pool_slots[i]; i = (i + 1) & b->pool_mask)
		;
	b->pool_slots[i] = pi + 1;
	b->pool_hash[i] = h;
	return pi;
}
