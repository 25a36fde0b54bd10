/* Answers already verified, per distinct query. The checks of an answer
 * read nothing but its octets after the ID and the query, so an answer
 * identical from the flags on to one that passed them all passes them too:
 * the full parse runs only for answers not seen before, and a pool's
 * rotation shows as one entry per member. DPDK-free. */
#ifndef MXGEN_CACHE_H
#define MXGEN_CACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "query.h"

#define MXGEN_CACHE_WAYS     8	  /* answers kept per distinct query */
#define MXGEN_CACHE_LEN	     512  /* longest answer kept */
#define MXGEN_CACHE_SETS_MAX 4096 /* distinct queries with a cache; the rest parse every time */

struct mxgen_cache_set {
	uint8_t n;     /* entries in use */
	uint8_t last;  /* entry of the last hit: rotation makes the next one likely */
	uint8_t next;  /* entry replaced when all are in use */
	bool overflow; /* more distinct answers seen than entries */
	uint64_t hits, misses;
	uint16_t len[MXGEN_CACHE_WAYS];
	uint8_t body[MXGEN_CACHE_WAYS][MXGEN_CACHE_LEN - 2]; /* answer from octet 2 on */
};

struct mxgen_cache {
	struct mxgen_cache_set *sets; /* one per class below MXGEN_CACHE_SETS_MAX */
	uint32_t nsets;
};

/* Sets for the first classes of QS. Returns 0 or -ENOMEM. */
int mxgen_cache_init(struct mxgen_cache *c, const struct mxgen_queries *qs);
void mxgen_cache_free(struct mxgen_cache *c);

/* The set of class CLS, or NULL when it has none. */
static inline struct mxgen_cache_set *mxgen_cache_set(const struct mxgen_cache *c, uint32_t cls)
{
	return cls < c->nsets ? &c->sets[cls] : NULL;
}

/* Whether the answer DNS of LEN octets equals a verified one (ID aside). */
static inline bool mxgen_cache_hit(struct mxgen_cache_set *s, const uint8_t *dns, uint16_t len)
{
	unsigned k, e;

	for (k = 0; k < s->n; k++) {
		e = (s->last + k + 1) % s->n;
		if (s->len[e] == len && memcmp(s->body[e], dns + 2, len - 2u) == 0) {
			s->last = (uint8_t)e;
			s->hits++;
			return true;
		}
	}
	s->misses++;
	return false;
}

/* Keeps the verified answer DNS of LEN octets. */
void mxgen_cache_add(struct mxgen_cache_set *s, const uint8_t *dns, uint16_t len);

#endif
