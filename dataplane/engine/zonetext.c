/* Zone file text as read (zonetext.h). */
#define _GNU_SOURCE /* fopencookie */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zonetext.h"

/* The octets kept: the stream's reads are its buffer's size (BUFSIZ), so
 * the entry just parsed lies within the last two reads. */
#define MXLB_ZONETEXT_WINDOW (4 * MXLB_ZONETEXT_ENTRY_MAX + 2 * BUFSIZ)

struct mxlb_zonetext {
	int fd;
	off_t pos;  /* file offset of the octet after win */
	size_t len; /* octets in win, ending at pos */
	char win[MXLB_ZONETEXT_WINDOW];
};

static ssize_t zt_read(void *cookie, char *buf, size_t n)
{
	struct mxlb_zonetext *z = cookie;
	ssize_t got;

	do
		got = read(z->fd, buf, n);
	while (got < 0 && errno == EINTR);
	if (got <= 0)
		return got;
	size_t g = (size_t)got;
	if (g >= sizeof(z->win)) {
		memcpy(z->win, buf + g - sizeof(z->win), sizeof(z->win));
		z->len = sizeof(z->win);
	} else {
		if (z->len + g > sizeof(z->win)) {
			size_t drop = z->len + g - sizeof(z->win);
			memmove(z->win, z->win + drop, z->len - drop);
			z->len -= drop;
		}
		memcpy(z->win + z->len, buf, g);
		z->len += g;
	}
	z->pos += got;
	return got;
}

/* ftell's question, where the file is (glibc then subtracts what the stream
 * buffers); the stream is never repositioned. */
static int zt_seek(void *cookie, off64_t *off, int whence)
{
	struct mxlb_zonetext *z = cookie;

	if (whence != SEEK_CUR || *off != 0) {
		errno = EINVAL;
		return -1;
	}
	*off = z->pos;
	return 0;
}

static int zt_close(void *cookie)
{
	struct mxlb_zonetext *z = cookie;
	int rc = close(z->fd);

	free(z);
	return rc;
}

FILE *mxlb_zonetext_open(const char *path, struct mxlb_zonetext **src, int *err)
{
	static const cookie_io_functions_t io = {
	    .read = zt_read, .write = NULL, .seek = zt_seek, .close = zt_close};
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		*err = -errno;
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		*err = -EINVAL;
		close(fd);
		return NULL;
	}
	struct mxlb_zonetext *z = calloc(1, sizeof(*z));
	if (!z) {
		*err = -ENOMEM;
		close(fd);
		return NULL;
	}
	z->fd = fd;
	FILE *fp = fopencookie(z, "r", io);
	if (!fp) {
		*err = -ENOMEM;
		close(fd);
		free(z);
		return NULL;
	}
	*src = z;
	return fp;
}

const char *mxlb_zonetext_entry(const struct mxlb_zonetext *z, long from, long to, char *out,
				size_t cap)
{
	const off_t start = z->pos - (off_t)z->len;
	size_t n = 0;
	int comment = 0;

	out[0] = 0;
	if (cap == 0 || from < start || to > z->pos || to <= from)
		return out;
	if ((size_t)(to - from) >= cap)
		to = from + (long)cap - 1;
	const char *p = z->win + (from - start), *e = z->win + (to - start);
	/* empty lines before the entry; a blank that starts the entry's own
	 * line means "no owner" and stays */
	for (const char *q = p; q < e && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'); q++)
		if (*q == '\n')
			p = q + 1;
	for (; p < e; p++) {
		char c = *p;
		if (c == '\n')
			comment = 0;
		else if (c == ';')
			comment = 1;
		out[n++] = comment || c == '(' || c == ')' ? ' ' : c;
	}
	out[n] = 0;
	return out;
}

static int fail(char *why, size_t len, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (why && len)
		vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return rc;
}

/* The next blank-separated word of *P into W (at most CAP-1 octets); 0 at
 * the end. */
static int next_word(const char **p, char *w, size_t cap)
{
	size_t n = 0;
	const char *s = *p;

	while (*s && isspace((unsigned char)*s))
		s++;
	if (!*s)
		return 0;
	while (*s && !isspace((unsigned char)*s)) {
		if (n + 1 < cap)
			w[n++] = *s;
		s++;
	}
	w[n] = 0;
	*p = s;
	return 1;
}

/* A TTL as RFC 2308 §4 and BIND write it: decimal digits, each run
 * optionally followed by one of s, m, h, d, w; at most 2^31-1 (RFC 2181
 * §8). */
static int ttl_ok(const char *w)
{
	unsigned long long total = 0, v = 0;
	int digits = 0;

	if (!*w || !isdigit((unsigned char)*w))
		return 0;
	for (; *w; w++) {
		if (isdigit((unsigned char)*w)) {
			v = v * 10 + (unsigned)(*w - '0');
			digits = 1;
			if (v > 0x7fffffffull)
				return 0;
			continue;
		}
		const char *units = "smhdw";
		static const unsigned mult[] = {1, 60, 3600, 86400, 604800};
		const char *u = strchr(units, tolower((unsigned char)*w));
		if (!digits || u == NULL)
			return 0;
		total += v * mult[u - units];
		v = 0;
		digits = 0;
		if (total > 0x7fffffffull)
			return 0;
	}
	return total + v <= 0x7fffffffull;
}

/* An entry that starts with a directive: its name and argument. */
static int check_directive(const char *text, char *why, size_t len)
{
	char dir[16], arg[256];
	const char *p = text;

	if (!next_word(&p, dir, sizeof(dir)) || dir[0] != '$')
		return 0;
	int has_arg = next_word(&p, arg, sizeof(arg));
	if (strcasecmp(dir, "$TTL") == 0) {
		if (!has_arg || !ttl_ok(arg))
			return fail(why, len, -EINVAL,
				    "$TTL %s: not a TTL (seconds, or units such as 1h30m; at "
				    "most 2147483647)",
				    has_arg ? arg : "(none)");
		return 0;
	}
	if (strcasecmp(dir, "$ORIGIN") == 0) {
		if (!has_arg)
			return fail(why, len, -EINVAL, "$ORIGIN needs a domain name");
		return 0;
	}
	if (strcasecmp(dir, "$INCLUDE") == 0)
		return 0;
	/* "$" at the start of an entry begins a control entry (RFC 1035 §5.1);
	 * an owner name starting with one is written "\$". */
	return fail(why, len, -EINVAL,
		    "unknown directive %s (zone files know $ORIGIN, $TTL and $INCLUDE)", dir);
}

/* The 16-bit numbers of an MX (preference) or SRV (priority, weight, port)
 * record as written in TEXT, which ldns reduced modulo 2^16. */
static int check_16bit(const char *text, const ldns_rr *rr, char *why, size_t len)
{
	const ldns_rr_type type = ldns_rr_get_type(rr);
	const unsigned nums = type == LDNS_RR_TYPE_MX ? 1 : type == LDNS_RR_TYPE_SRV ? 3 : 0;
	const char *tname = type == LDNS_RR_TYPE_MX ? "MX" : "SRV";
	char w[256];
	const char *p = text;
	int first = 1;

	if (nums == 0)
		return 0;
	/* owner (unless the entry starts with a blank), then TTL and class in
	 * either order, then the type */
	if (!isspace((unsigned char)*text) && !next_word(&p, w, sizeof(w)))
		return 0;
	for (;;) {
		if (!next_word(&p, w, sizeof(w)))
			return 0; /* not as expected: ldns read it, leave it be */
		if (strcasecmp(w, tname) == 0)
			break;
		if (!first && strcasecmp(w, "IN") != 0 && !isdigit((unsigned char)w[0]))
			return 0;
		first = 0;
	}
	for (unsigned k = 0; k < nums; k++) {
		char *end;
		if (!next_word(&p, w, sizeof(w)))
			return 0;
		unsigned long v = strtoul(w, &end, 10);
		if (*end == 0 && v > 65535)
			return fail(why, len, -ERANGE,
				    "%s field %u is %s: not a number from 0 to 65535", tname, k + 1,
				    w);
	}
	return 0;
}

int mxlb_zonetext_check(const char *text, const ldns_rr *rr, char *why, size_t len)
{
	int rc = check_directive(text, why, len);

	if (rc == 0 && rr)
		rc = check_16bit(text, rr, why, len);
	return rc;
}
