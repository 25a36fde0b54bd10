/* Query file parsing and query message encoding (RFC 1035 §4.1, RFC 6891
 * §6.1.2 for the OPT record). */
#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "query.h"

#define MXGEN_QUERY_LINE_MAX 1024
#define MXGEN_QUERY_TYPE_OPT 41

static const struct {
	const char *name;
	uint16_t type;
} mxgen_query_types[] = {
    {"A", 1},	   {"NS", 2},	 {"CNAME", 5},	{"SOA", 6},   {"PTR", 12},
    {"HINFO", 13}, {"MX", 15},	 {"TXT", 16},	{"AAAA", 28}, {"SRV", 33},
    {"NAPTR", 35}, {"DS", 43},	 {"RRSIG", 46}, {"NSEC", 47}, {"DNSKEY", 48},
    {"TLSA", 52},  {"SVCB", 64}, {"HTTPS", 65}, {"ANY", 255}, {"CAA", 257},
};

static const char *const mxgen_query_rcodes[] = {
    "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
};

int mxgen_query_type(const char *s)
{
	size_t i;
	char *end;
	unsigned long v;

	for (i = 0; i < sizeof(mxgen_query_types) / sizeof(mxgen_query_types[0]); i++)
		if (strcasecmp(s, mxgen_query_types[i].name) == 0)
			return mxgen_query_types[i].type;
	if (strncasecmp(s, "TYPE", 4) == 0 && isdigit((unsigned char)s[4])) {
		errno = 0;
		v = strtoul(s + 4, &end, 10);
		if (errno == 0 && *end == '\0' && v <= 65535)
			return (int)v;
	}
	return -1;
}

const char *mxgen_query_rcode_name(unsigned rcode, char *buf, size_t len)
{
	if (rcode < sizeof(mxgen_query_rcodes) / sizeof(mxgen_query_rcodes[0]))
		snprintf(buf, len, "%s", mxgen_query_rcodes[rcode]);
	else if (rcode == 16)
		snprintf(buf, len, "BADVERS");
	else
		snprintf(buf, len, "RCODE%u", rcode);
	return buf;
}

static void mxgen_query_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* NAME in presentation form ("example.net", "example.net." or ".") to wire
 * form at OUT (room for 255 octets). Returns its length, or 0 when NAME is
 * not a name this tool encodes (empty label, label over 63, name over 255,
 * escapes). */
static size_t mxgen_query_name(const char *name, uint8_t *out)
{
	size_t n = 0, l;
	const char *p = name, *dot;

	if (strcmp(name, ".") == 0) {
		out[0] = 0;
		return 1;
	}
	while (*p != '\0') {
		dot = strchr(p, '.');
		l = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (l == 0 || l > 63 || memchr(p, '\\', l) != NULL || n + 1 + l + 1 > 255)
			return 0;
		out[n++] = (uint8_t)l;
		memcpy(out + n, p, l);
		n += l;
		p += l;
		if (*p == '.')
			p++;
	}
	out[n++] = 0;
	return n;
}

static int mxgen_query_grow(void **buf, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap != 0 ? *cap : 64;
	void *b;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	b = realloc(*buf, c * size);
	if (b == NULL)
		return -ENOMEM;
	*buf = b;
	*cap = c;
	return 0;
}

/* Encodes one query for NAME and TYPE and appends it. */
static int mxgen_query_add(struct mxgen_queries *qs, size_t *qcap, const char *name,
			   const char *tname, uint16_t type, uint16_t edns, uint32_t lineno)
{
	uint8_t msg[MXGEN_QUERY_MSG_MAX];
	struct mxgen_query *q;
	size_t nlen, len, tlen;
	int ret;

	memset(msg, 0, MXGEN_QUERY_HDR_LEN);
	mxgen_query_put16(msg + 4, 1); /* QDCOUNT */
	nlen = mxgen_query_name(name, msg + MXGEN_QUERY_HDR_LEN);
	if (nlen == 0)
		return -EINVAL;
	len = MXGEN_QUERY_HDR_LEN + nlen;
	mxgen_query_put16(msg + len, type);
	mxgen_query_put16(msg + len + 2, 1); /* class IN */
	len += 4;
	if (edns != 0) {
		mxgen_query_put16(msg + 10, 1); /* ARCOUNT */
		msg[len] = 0;			/* root owner */
		mxgen_query_put16(msg + len + 1, MXGEN_QUERY_TYPE_OPT);
		mxgen_query_put16(msg + len + 3, edns); /* UDP payload size */
		memset(msg + len + 5, 0, 6);		/* ext-rcode, version, flags, rdlen */
		len += 11;
	}

	ret = mxgen_query_grow((void **)&qs->q, qcap, qs->n + 1, sizeof(*qs->q));
	if (ret == 0)
		ret = mxgen_query_grow((void **)&qs->msgs, &qs->msgs_cap, qs->msgs_len + len, 1);
	tlen = strlen(name) + 1 + strlen(tname) + 1;
	if (ret == 0)
		ret =
		    mxgen_query_grow((void **)&qs->texts, &qs->texts_cap, qs->texts_len + tlen, 1);
	if (ret != 0)
		return ret;
	q = &qs->q[qs->n++];
	q->msg = (uint32_t)qs->msgs_len;
	q->text = (uint32_t)qs->texts_len;
	q->len = (uint16_t)len;
	q->qlen = (uint16_t)(nlen + 4);
	q->type = type;
	q->edns = edns;
	q->lineno = lineno;
	memcpy(qs->msgs + qs->msgs_len, msg, len);
	qs->msgs_len += len;
	snprintf(qs->texts + qs->texts_len, tlen, "%s %s", name, tname);
	qs->texts_len += tlen;
	return 0;
}

/* FNV-1a over the message of line I. */
static uint32_t mxgen_query_hash(const struct mxgen_queries *qs, size_t i)
{
	const uint8_t *p = mxgen_query_msg(qs, i);
	uint32_t h = 2166136261u;
	uint16_t k;

	for (k = 0; k < qs->q[i].len; k++)
		h = (h ^ p[k]) * 16777619u;
	return h;
}

static bool mxgen_query_same(const struct mxgen_queries *qs, size_t i, size_t j)
{
	return qs->q[i].len == qs->q[j].len &&
	       memcmp(mxgen_query_msg(qs, i), mxgen_query_msg(qs, j), qs->q[i].len) == 0;
}

/* Groups identical lines into classes, through an open-addressing table of
 * first lines. */
static int mxgen_query_classes(struct mxgen_queries *qs)
{
	size_t size = 16, mask, i, h;
	uint32_t *table;

	while (size < 2 * qs->n)
		size *= 2;
	mask = size - 1;
	table = malloc(size * sizeof(*table));
	qs->cls = malloc(qs->n * sizeof(*qs->cls));
	qs->first = malloc(qs->n * sizeof(*qs->first));
	if (table == NULL || qs->cls == NULL || qs->first == NULL) {
		free(table);
		return -ENOMEM;
	}
	memset(table, 0xff, size * sizeof(*table));
	qs->ncls = 0;
	for (i = 0; i < qs->n; i++) {
		for (h = mxgen_query_hash(qs, i) & mask; table[h] != UINT32_MAX; h = (h + 1) & mask)
			if (mxgen_query_same(qs, i, qs->first[table[h]]))
				break;
		if (table[h] == UINT32_MAX) {
			table[h] = (uint32_t)qs->ncls;
			qs->first[qs->ncls++] = (uint32_t)i;
		}
		qs->cls[i] = table[h];
	}
	free(table);
	return 0;
}

int mxgen_query_load(struct mxgen_queries *qs, const char *path, uint16_t edns, char *err,
		     size_t errlen)
{
	char line[MXGEN_QUERY_LINE_MAX];
	char name[MXGEN_QUERY_LINE_MAX], tname[MXGEN_QUERY_LINE_MAX], extra[2];
	size_t qcap = 0;
	uint32_t lineno = 0;
	FILE *f;
	int type, ret = 0, nf;
	char *p;

	memset(qs, 0, sizeof(*qs));
	f = fopen(path, "r");
	if (f == NULL) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errlen, "%s:%u: line too long", path, lineno);
			ret = -EINVAL;
			break;
		}
		for (p = line; isspace((unsigned char)*p); p++)
			;
		if (*p == '\0' || *p == '#' || *p == ';')
			continue;
		nf = sscanf(p, "%1023s %1023s %1s", name, tname, extra);
		if (nf != 2) {
			snprintf(err, errlen, "%s:%u: expected \"NAME TYPE\"", path, lineno);
			ret = -EINVAL;
			break;
		}
		type = mxgen_query_type(tname);
		if (type < 0) {
			snprintf(err, errlen, "%s:%u: unknown type %s", path, lineno, tname);
			ret = -EINVAL;
			break;
		}
		if (qs->n >= MXGEN_QUERY_MAX) {
			snprintf(err, errlen, "%s:%u: more than %u queries", path, lineno,
				 MXGEN_QUERY_MAX);
			ret = -E2BIG;
			break;
		}
		ret = mxgen_query_add(qs, &qcap, name, tname, (uint16_t)type, edns, lineno);
		if (ret != 0) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno,
				 ret == -EINVAL ? "not a domain name this tool encodes"
						: strerror(-ret));
			break;
		}
	}
	if (ret == 0 && ferror(f)) {
		ret = -EIO;
		snprintf(err, errlen, "%s: read error", path);
	}
	fclose(f);
	if (ret == 0 && qs->n == 0) {
		ret = -EINVAL;
		snprintf(err, errlen, "%s: no queries", path);
	}
	if (ret == 0) {
		ret = mxgen_query_classes(qs);
		if (ret != 0)
			snprintf(err, errlen, "%s: %s", path, strerror(-ret));
	}
	if (ret != 0)
		mxgen_query_free(qs);
	return ret;
}

void mxgen_query_free(struct mxgen_queries *qs)
{
	free(qs->q);
	free(qs->msgs);
	free(qs->texts);
	free(qs->cls);
	free(qs->first);
	memset(qs, 0, sizeof(*qs));
}
