/* Verified answers per distinct query. */
#include <errno.h>
#include <stdlib.h>

#include "cache.h"

int mxgen_cache_init(struct mxgen_cache *c, const struct mxgen_queries *qs)
{
	c->nsets = (uint32_t)(qs->ncls < MXGEN_CACHE_SETS_MAX ? qs->ncls : MXGEN_CACHE_SETS_MAX);
	c->sets = calloc(c->nsets, sizeof(*c->sets));
	return c->sets != NULL ? 0 : -ENOMEM;
}

void mxgen_cache_free(struct mxgen_cache *c)
{
	free(c->sets);
	c->sets = NULL;
	c->nsets = 0;
}

void mxgen_cache_add(struct mxgen_cache_set *s, const uint8_t *dns, uint16_t len)
{
	unsigned e;

	if (len < 12 || len > MXGEN_CACHE_LEN)
		return;
	if (s->n < MXGEN_CACHE_WAYS) {
		e = s->n++;
	} else {
		e = s->next;
		s->next = (uint8_t)((s->next + 1) % MXGEN_CACHE_WAYS);
		s->overflow = true;
	}
	s->len[e] = len;
	memcpy(s->body[e], dns + 2, len - 2u);
	s->last = (uint8_t)e;
}
