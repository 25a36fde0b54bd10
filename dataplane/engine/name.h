/* Domain names in uncompressed wire form: case folding and the name hash
 * shared by the query parser and the image's name table. */
#ifndef MXLB_NAME_H
#define MXLB_NAME_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define MXLB_NAME_LABELS_MAX 128 /* 255 octets hold at most 127 labels + root */

extern const uint8_t mxlb_name_lower[256];

#define MXLB_NAME_HASH_SEED 0x811c9dc5u
#define MXLB_NAME_HASH_MUL  0x01000193u

/* One label folded into a running hash. Names are hashed from the root label
 * towards the leftmost one, so that the hashes of every suffix of a name come
 * out of one pass: a lookup that misses can try the enclosing names without
 * rehashing (closest encloser search). NAME must already be lower case. */
static inline uint32_t mxlb_name_hash_label(uint32_t h, const uint8_t *label)
{
	uint8_t n = label[0];
	h = (h ^ n) * MXLB_NAME_HASH_MUL;
	for (uint8_t i = 1; i <= n; i++)
		h = (h ^ label[i]) * MXLB_NAME_HASH_MUL;
	return h;
}

/* Hash of the root name. */
static inline uint32_t mxlb_name_hash_root(void)
{
	return MXLB_NAME_HASH_SEED;
}

/* Hashes the lower-case wire name NAME whose NLABELS non-root labels start at
 * the offsets in LOFF; SUFFIX[i] receives the hash of the suffix starting at
 * label i (SUFFIX may be NULL). Returns the hash of the whole name. */
static inline uint32_t mxlb_name_hash_labels(const uint8_t *name, const uint8_t *loff,
					     unsigned nlabels, uint32_t *suffix)
{
	uint32_t h = mxlb_name_hash_root();
	for (unsigned i = nlabels; i-- > 0;) {
		h = mxlb_name_hash_label(h, name + loff[i]);
		if (suffix)
			suffix[i] = h;
	}
	return h;
}

/* Validates an uncompressed wire name of at most LEN octets, folds it to
 * lower case into OUT (which has room for MXLB_WIRE_NAME_MAX octets) and
 * records label offsets in LOFF. Returns the name length or 0 if invalid. */
size_t mxlb_name_fold(const uint8_t *name, size_t len, uint8_t *out, uint8_t *loff,
		      unsigned *nlabels);

/* Hash of an uncompressed, lower-case wire name. */
uint32_t mxlb_name_hash(const uint8_t *lname);

/* Length of an uncompressed wire name (including the root label). */
size_t mxlb_name_len(const uint8_t *name);

/* Case-insensitive equality of two uncompressed wire names. */
int mxlb_name_equal(const uint8_t *a, const uint8_t *b);

/* Non-zero when NAME equals APEX or lies below it (case-insensitive). */
int mxlb_name_is_within(const uint8_t *name, const uint8_t *apex);

/* Presentation form of a wire name into OUT ("mx1.example.net."). */
void mxlb_name_to_text(const uint8_t *name, char *out, size_t outlen);

#endif
