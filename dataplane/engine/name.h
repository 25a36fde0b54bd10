/* Domain names in uncompressed wire form: case folding and the name hash
 * shared by the query parser and the image's name table. */
#ifndef MXLB_NAME_H
#define MXLB_NAME_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wire.h"

#define MXLB_NAME_LABELS_MAX 128 /* 255 octets hold at most 127 labels + root */

extern const uint8_t mxlb_name_lower[256];

#define MXLB_NAME_HASH_SEED 0x811c9dc5u
#define MXLB_NAME_HASH_MUL  0x01000193u

/* Room after a name that mxlb_name_hash_padded reads (zeros). */
#define MXLB_NAME_PAD 8

/* Octets 'A'..'Z' of X made lower case, eight at a time (RFC 4343 §3: ASCII
 * only). Length octets are below 64 and pass unchanged. */
static inline uint64_t mxlb_name_lower8(uint64_t x)
{
	uint64_t hept = x & 0x7f7f7f7f7f7f7f7full;
	uint64_t ge_a = hept + 0x3f3f3f3f3f3f3f3full; /* high bit: >= 'A' */
	uint64_t gt_z = hept + 0x2525252525252525ull; /* high bit: > 'Z' */
	uint64_t m = ge_a & ~gt_z & ~x & 0x8080808080808080ull;
	return x | (m >> 2);
}

/* Hash of a lower-case wire name of LEN octets, a word at a time; the octets
 * after the name up to the next multiple of eight must be zero. */
static inline uint32_t mxlb_name_hash_padded(const uint8_t *lname, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len;
	for (size_t i = 0; i < len; i += 8) {
		uint64_t c;
		memcpy(&c, lname + i, 8);
		h = (h ^ c) * 0xff51afd7ed558ccdull;
		h ^= h >> 29;
	}
	return (uint32_t)(h ^ (h >> 32));
}

/* Hash of a lower-case wire name of LEN octets (any buffer). */
static inline uint32_t mxlb_name_hash_wire(const uint8_t *lname, size_t len)
{
	uint8_t pad[MXLB_WIRE_NAME_MAX + MXLB_NAME_PAD] = {0};
	memcpy(pad, lname, len);
	return mxlb_name_hash_padded(pad, len);
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
