/* A growing text buffer for the replies of the control service: printf,
 * JSON strings, and command words quoted for the audit log. Slow path only:
 * it allocates. */
#ifndef MXLB_TEXT_H
#define MXLB_TEXT_H

#include <stdbool.h>
#include <stddef.h>

struct mxlb_text {
	char *buf; /* NUL-terminated once anything was written */
	size_t len;
	size_t cap;
	bool oom; /* an allocation failed: the text is incomplete */
};

/* Empties T, keeping its memory. */
void mxlb_text_reset(struct mxlb_text *t);

void mxlb_text_free(struct mxlb_text *t);

/* Appends formatted text. */
void mxlb_text_printf(struct mxlb_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends S as a JSON string, quotes included (RFC 8259 §7). */
void mxlb_text_json(struct mxlb_text *t, const char *s);

/* Appends the words ARGV[0..ARGC) joined by spaces, inside double quotes,
 * with '"', '\' and control characters escaped as in JSON. */
void mxlb_text_words(struct mxlb_text *t, int argc, const char *const *argv);

/* Appends the words ARGV[0..ARGC) as a command line to type again: joined
 * by spaces, a word that is empty or holds a space, quote or backslash in
 * double quotes with '"' and '\' escaped by a backslash. */
void mxlb_text_command(struct mxlb_text *t, int argc, const char *const *argv);

/* The text so far ("" when empty). */
const char *mxlb_text_str(const struct mxlb_text *t);

#endif
