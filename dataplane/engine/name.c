#include "name.h"

#include <stdio.h>

#define L(c)   ((uint8_t)((c) >= 'A' && (c) <= 'Z' ? (c) + 32 : (c)))
#define R4(b)  L(b), L(b + 1), L(b + 2), L(b + 3)
#define R16(b) R4(b), R4(b + 4), R4(b + 8), R4(b + 12)
#define R64(b) R16(b), R16(b + 16), R16(b + 32), R16(b + 48)

/* ASCII case folding only (RFC 4343 §3). */
const uint8_t mxlb_name_lower[256] = {R64(0), R64(64), R64(128), R64(192)};

size_t mxlb_name_fold(const uint8_t *name, size_t len, uint8_t *out, uint8_t *loff,
		      unsigned *nlabels)
{
	size_t pos = 0;
	unsigned n = 0;

	for (;;) {
		if (pos >= len)
			return 0;
		uint8_t l = name[pos];
		if (l == 0) {
			out[pos++] = 0;
			break;
		}
		if (l > MXLB_WIRE_LABEL_MAX || pos + 1 + l + 1 > MXLB_WIRE_NAME_MAX ||
		    pos + 1 + l >= len)
			return 0;
		loff[n++] = (uint8_t)pos;
		out[pos] = l;
		for (size_t i = 1; i <= l; i++)
			out[pos + i] = mxlb_name_lower[name[pos + i]];
		pos += (size_t)l + 1;
	}
	*nlabels = n;
	return pos;
}

size_t mxlb_name_len(const uint8_t *name)
{
	size_t pos = 0;
	while (name[pos] != 0)
		pos += (size_t)name[pos] + 1;
	return pos + 1;
}

uint32_t mxlb_name_hash(const uint8_t *lname)
{
	return mxlb_name_hash_wire(lname, mxlb_name_len(lname));
}

int mxlb_name_equal(const uint8_t *a, const uint8_t *b)
{
	size_t la = mxlb_name_len(a), lb = mxlb_name_len(b);
	if (la != lb)
		return 0;
	for (size_t i = 0; i < la; i++)
		if (mxlb_name_lower[a[i]] != mxlb_name_lower[b[i]])
			return 0;
	return 1;
}

int mxlb_name_is_within(const uint8_t *name, const uint8_t *apex)
{
	size_t ln = mxlb_name_len(name), la = mxlb_name_len(apex);
	size_t pos = 0;

	while (ln - pos > la)
		pos += (size_t)name[pos] + 1;
	return ln - pos == la && mxlb_name_equal(name + pos, apex);
}

void mxlb_name_to_text(const uint8_t *name, char *out, size_t outlen)
{
	size_t o = 0, pos = 0;

	if (outlen == 0)
		return;
	if (name[0] == 0) {
		snprintf(out, outlen, ".");
		return;
	}
	while (name[pos] != 0) {
		uint8_t l = name[pos++];
		for (uint8_t i = 0; i < l; i++, pos++) {
			uint8_t c = name[pos];
			int w;
			if (c == '.' || c == '\\')
				w = snprintf(out + o, outlen - o, "\\%c", c);
			else if (c > 0x20 && c < 0x7f)
				w = snprintf(out + o, outlen - o, "%c", c);
			else
				w = snprintf(out + o, outlen - o, "\\%03u", c);
			if (w < 0 || (size_t)w >= outlen - o)
				return;
			o += (size_t)w;
		}
		if (o + 1 >= outlen)
			return;
		out[o++] = '.';
		out[o] = 0;
	}
}
