#include "rrl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "name.h"

void mxlb_rrl_opts_init(struct mxlb_rrl_opts *o)
{
	*o = (struct mxlb_rrl_opts){
	    .rate = 0, .slip = 2, .v4_prefix = 24, .v6_prefix = 56, .buckets = 65536};
}

struct mxlb_rrl *mxlb_rrl_new(const struct mxlb_rrl_opts *o, uint32_t nworkers, int *err)
{
	if (o->rate == 0)
		return NULL;
	uint32_t size = 1024;
	while (size < o->buckets && size < (1u << 24))
		size <<= 1;
	struct mxlb_rrl *r = calloc(1, sizeof(*r));
	if (!r || !(r->table = calloc(size, sizeof(*r->table)))) {
		free(r);
		*err = -ENOMEM;
		return NULL;
	}
	nworkers = nworkers ? nworkers : 1;
	r->mask = size - 1;
	r->rate = o->rate / nworkers ? o->rate / nworkers : 1;
	r->slip = o->slip;
	r->v4_prefix = o->v4_prefix > 32 ? 32 : o->v4_prefix;
	r->v6_prefix = o->v6_prefix > 128 ? 128 : o->v6_prefix;
	return r;
}

void mxlb_rrl_free(struct mxlb_rrl *r)
{
	if (!r)
		return;
	free(r->table);
	free(r);
}

/* Hash of the client's prefix folded into the response identity. */
static uint32_t bucket_key(const struct mxlb_rrl *r, const struct mxlb_client *c, uint32_t key)
{
	unsigned bits = c->len == 4 ? r->v4_prefix : r->v6_prefix;
	uint32_t h = (key ^ c->len) * MXLB_NAME_HASH_MUL;
	for (unsigned i = 0; i < c->len && bits > 0; i++, bits = bits > 8 ? bits - 8 : 0) {
		uint8_t b = bits >= 8 ? c->addr[i] : (uint8_t)(c->addr[i] & (0xFF00 >> bits));
		h = (h ^ b) * MXLB_NAME_HASH_MUL;
	}
	return h ^ (h >> 15);
}

enum mxlb_rrl_verdict mxlb_rrl_charge(struct mxlb_rrl *r, const struct mxlb_client *c, uint32_t key)
{
	uint32_t k = bucket_key(r, c, key);
	struct mxlb_rrl_bucket *b = &r->table[k & r->mask];

	/* One-second windows: a bucket allows RATE responses per second. A
	 * colliding key takes the bucket over with a full window. */
	if (b->key != k || b->second != c->now) {
		b->key = k;
		b->second = c->now;
		b->tokens = (int32_t)r->rate;
	}
	if (b->tokens > 0) {
		b->tokens--;
		return MXLB_RRL_PASS;
	}
	r->stats.limited++;
	if (r->slip && ++r->slipctr >= r->slip) {
		r->slipctr = 0;
		r->stats.slipped++;
		return MXLB_RRL_SLIP;
	}
	r->stats.dropped++;
	return MXLB_RRL_DROP;
}
