/* The text of the entries of a zone file, for what ldns reads without a
 * word: it takes "$TTL abc" for 0 and "$TTL 1x" for 1, reduces MX
 * preferences and SRV numbers modulo 2^16, and names an unknown directive or
 * a bare $ORIGIN by the record it then fails to read. The file is read
 * through a stream that keeps the last octets it read, so that the text of
 * the entry ldns has just parsed (between two ftell positions) is at hand
 * without reading the file twice. */
#ifndef MXLB_ZONETEXT_H
#define MXLB_ZONETEXT_H

#include <stddef.h>
#include <stdio.h>

#include <ldns/ldns.h>

/* Room for the text of one entry: an entry longer than this is checked on
 * its first MXLB_ZONETEXT_ENTRY_MAX - 1 octets. */
#define MXLB_ZONETEXT_ENTRY_MAX 4096

struct mxlb_zonetext;

/* Opens the regular file PATH for reading as a stream that remembers what it
 * read; *SRC is its state, freed by fclose. Returns NULL with *ERR a
 * negative errno (-EINVAL: not a regular file). */
FILE *mxlb_zonetext_open(const char *path, struct mxlb_zonetext **src, int *err);

/* The text between stream positions FROM and TO (ftell before and after an
 * entry) into OUT, NUL-ended, with comments and parentheses turned into
 * blanks and the empty lines before the entry left out. Empty when the text
 * is no longer at hand. Returns OUT. */
const char *mxlb_zonetext_entry(const struct mxlb_zonetext *src, long from, long to, char *out,
				size_t cap);

/* Checks the entry TEXT: a directive's name and argument, and for RR (the
 * record ldns made of it, or NULL) of type MX or SRV its 16-bit numbers as
 * written. Returns 0, or a negative errno with the reason in WHY. */
int mxlb_zonetext_check(const char *text, const ldns_rr *rr, char *why, size_t len);

#endif
