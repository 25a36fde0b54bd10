/* Growing text buffer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/* Makes room for N more octets and the NUL. */
static bool mxlb_text_room(struct mxlb_text *t, size_t n)
{
	size_t cap;
	char *p;

	if (t->oom)
		return false;
	if (t->len + n + 1 <= t->cap)
		return true;
	cap = t->cap != 0 ? t->cap : 1024;
	while (cap < t->len + n + 1)
		cap *= 2;
	p = realloc(t->buf, cap);
	if (p == NULL) {
		t->oom = true;
		return false;
	}
	t->buf = p;
	t->cap = cap;
	return true;
}

void mxlb_text_reset(struct mxlb_text *t)
{
	t->len = 0;
	t->oom = false;
	if (t->buf != NULL)
		t->buf[0] = '\0';
}

void mxlb_text_free(struct mxlb_text *t)
{
	free(t->buf);
	memset(t, 0, sizeof(*t));
}

void mxlb_text_printf(struct mxlb_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !mxlb_text_room(t, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

/* Appends S with JSON escapes, no quotes. */
static void mxlb_text_escaped(struct mxlb_text *t, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			mxlb_text_printf(t, "\\%c", *p);
		else if (*p == '\n')
			mxlb_text_printf(t, "\\n");
		else if (*p == '\t')
			mxlb_text_printf(t, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			mxlb_text_printf(t, "\\u%04x", *p);
		else
			mxlb_text_printf(t, "%c", *p);
	}
}

void mxlb_text_json(struct mxlb_text *t, const char *s)
{
	mxlb_text_printf(t, "\"");
	mxlb_text_escaped(t, s);
	mxlb_text_printf(t, "\"");
}

void mxlb_text_words(struct mxlb_text *t, int argc, const char *const *argv)
{
	int i;

	mxlb_text_printf(t, "\"");
	for (i = 0; i < argc; i++) {
		if (i > 0)
			mxlb_text_printf(t, " ");
		mxlb_text_escaped(t, argv[i]);
	}
	mxlb_text_printf(t, "\"");
}

void mxlb_text_command(struct mxlb_text *t, int argc, const char *const *argv)
{
	const char *p;
	int i;

	for (i = 0; i < argc; i++) {
		if (i > 0)
			mxlb_text_printf(t, " ");
		if (argv[i][0] != '\0' && strpbrk(argv[i], " \t\"\\'") == NULL) {
			mxlb_text_printf(t, "%s", argv[i]);
			continue;
		}
		mxlb_text_printf(t, "\"");
		for (p = argv[i]; *p != '\0'; p++)
			mxlb_text_printf(t, "%s%c", *p == '"' || *p == '\\' ? "\\" : "", *p);
		mxlb_text_printf(t, "\"");
	}
}

const char *mxlb_text_str(const struct mxlb_text *t)
{
	return t->buf != NULL ? t->buf : "";
}
