/* The health results table and how `mxlbctl pools` shows it
 * (health_table.h). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "health_conf.h"
#include "health_table.h"

size_t mxlb_health_table_size(unsigned n)
{
	return sizeof(struct mxlb_health_table) +
	       (size_t)n * sizeof(struct mxlb_health_table_entry);
}

void mxlb_health_table_init(struct mxlb_health_table *t, unsigned n, int32_t pid,
			    const char *config, uint64_t now)
{
	__atomic_store_n(&t->layout, 0, __ATOMIC_RELEASE);
	memset(t->e, 0, (size_t)n * sizeof(t->e[0]));
	t->entry_size = sizeof(struct mxlb_health_table_entry);
	t->pid = pid;
	t->n = n;
	t->start_time = now;
	snprintf(t->config, sizeof(t->config), "%s", config);
	__atomic_store_n(&t->layout, MXLB_HEALTH_TABLE_LAYOUT, __ATOMIC_RELEASE);
}

void mxlb_health_table_put(struct mxlb_health_table *t, unsigned i,
			   const struct mxlb_health_table_entry *src)
{
	struct mxlb_health_table_entry *e = &t->e[i];
	uint32_t seq = e->seq;

	__atomic_store_n(&e->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy((char *)e + sizeof(e->seq), (const char *)src + sizeof(src->seq),
	       sizeof(*e) - sizeof(e->seq));
	__atomic_store_n(&e->seq, seq + 2, __ATOMIC_RELEASE);
}

bool mxlb_health_table_get(const struct mxlb_health_table *t, unsigned i,
			   struct mxlb_health_table_entry *dst)
{
	const struct mxlb_health_table_entry *e = &t->e[i];
	uint32_t a, b;
	int tries;

	if (__atomic_load_n(&t->layout, __ATOMIC_ACQUIRE) != MXLB_HEALTH_TABLE_LAYOUT ||
	    t->entry_size != sizeof(*e) || i >= t->n)
		return false;
	for (tries = 0; tries < 1000; tries++) {
		a = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
		if (a & 1)
			continue;
		memcpy(dst, e, sizeof(*dst));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		b = __atomic_load_n(&e->seq, __ATOMIC_RELAXED);
		if (a == b) {
			dst->member[sizeof(dst->member) - 1] = '\0';
			dst->result[sizeof(dst->result) - 1] = '\0';
			return true;
		}
	}
	return false;
}

const char *mxlb_health_table_state_name(uint8_t state)
{
	switch (state) {
	case MXLB_HEALTH_STATE_UP:
		return "up";
	case MXLB_HEALTH_STATE_DOWN:
		return "down";
	default:
		return "unknown";
	}
}

/* ---- annotating the pools reply */

/* SRC into DST of LEN octets, cut short when longer. */
static void mxlb_health_table_copy(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

struct mxlb_health_table_sb {
	char *p;
	size_t len, cap;
	bool oom;
};

static void mxlb_health_table_add(struct mxlb_health_table_sb *s, const char *text, size_t n)
{
	if (s->oom)
		return;
	if (s->len + n + 1 > s->cap) {
		size_t cap = (s->len + n + 1) * 2;
		char *p = realloc(s->p, cap);

		if (p == NULL) {
			s->oom = true;
			return;
		}
		s->p = p;
		s->cap = cap;
	}
	memcpy(s->p + s->len, text, n);
	s->len += n;
	s->p[s->len] = '\0';
}

static void mxlb_health_table_printf(struct mxlb_health_table_sb *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void mxlb_health_table_printf(struct mxlb_health_table_sb *s, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		mxlb_health_table_add(s, buf,
				      (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static void mxlb_health_table_json_str(struct mxlb_health_table_sb *s, const char *v)
{
	mxlb_health_table_add(s, "\"", 1);
	for (; *v != '\0'; v++) {
		unsigned char c = (unsigned char)*v;

		if (c == '"' || c == '\\')
			mxlb_health_table_printf(s, "\\%c", c);
		else if (c < 0x20)
			mxlb_health_table_printf(s, "\\u%04x", c);
		else
			mxlb_health_table_add(s, v, 1);
	}
	mxlb_health_table_add(s, "\"", 1);
}

static void mxlb_health_table_time(uint64_t t, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, len, "-");
}

/* The member key of RDATA in a pool of TYPE: the last word (MX exchange,
 * SRV target) lower case without the trailing dot, or the address in its
 * canonical form. */
static void mxlb_health_table_key(const char *type, const char *rdata, size_t len, char *out,
				  size_t outlen)
{
	const char *w = rdata, *p;
	size_t n, i;

	while (len > 0 && isspace((unsigned char)rdata[len - 1]))
		len--;
	for (p = rdata; p < rdata + len; p++)
		if (*p == ' ')
			w = p + 1;
	n = (size_t)(rdata + len - w);
	if (n >= outlen)
		n = outlen - 1;
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)w[i]);
	out[n] = '\0';
	if (n > 1 && out[n - 1] == '.')
		out[n - 1] = '\0';
	if (strcasecmp(type, "A") == 0 || strcasecmp(type, "AAAA") == 0) {
		unsigned char a[16];
		int af = strchr(out, ':') != NULL ? AF_INET6 : AF_INET;

		if (inet_pton(af, out, a) == 1)
			inet_ntop(af, a, out, (socklen_t)outlen);
	}
}

static void mxlb_health_table_text_entry(struct mxlb_health_table_sb *s,
					 const struct mxlb_health_table_entry *e)
{
	static const char *const last[] = {
	    [MXLB_HEALTH_LAST_NONE] = "no round yet",
	    [MXLB_HEALTH_LAST_OK] = "ok",
	    [MXLB_HEALTH_LAST_FAIL] = "failed",
	    [MXLB_HEALTH_LAST_NOADDR] = "nothing to probe",
	};
	char since[32], at[32];

	mxlb_health_table_time(e->since_time, since, sizeof(since));
	mxlb_health_table_time(e->last_time, at, sizeof(at));
	mxlb_health_table_printf(s, "    health %s/%u: %s since %s; last %s %s%s%s\n",
				 mxlb_health_conf_proto_name((enum mxlb_health_conf_proto)e->proto),
				 e->port, mxlb_health_table_state_name(e->state), since, at,
				 last[e->last <= MXLB_HEALTH_LAST_NOADDR ? e->last : 0],
				 e->result[0] ? ": " : "", e->result);
}

static void mxlb_health_table_json_entry(struct mxlb_health_table_sb *s,
					 const struct mxlb_health_table_entry *e, bool first,
					 bool alive)
{
	static const char *const last[] = {
	    [MXLB_HEALTH_LAST_NONE] = "none",
	    [MXLB_HEALTH_LAST_OK] = "ok",
	    [MXLB_HEALTH_LAST_FAIL] = "fail",
	    [MXLB_HEALTH_LAST_NOADDR] = "noaddr",
	};
	char since[32], at[32];

	mxlb_health_table_time(e->since_time, since, sizeof(since));
	mxlb_health_table_time(e->last_time, at, sizeof(at));
	mxlb_health_table_printf(
	    s,
	    "%s{\"protocol\":\"%s\",\"port\":%u,\"state\":\"%s\",\"member_state\":\"%s\","
	    "\"since\":\"%s\",\"last\":\"%s\",\"last_time\":\"%s\",\"fails\":%u,\"oks\":%u,"
	    "\"checker_running\":%s,\"result\":",
	    first ? "" : ",", mxlb_health_conf_proto_name((enum mxlb_health_conf_proto)e->proto),
	    e->port, mxlb_health_table_state_name(e->state),
	    mxlb_health_table_state_name(e->member_state), since,
	    last[e->last <= MXLB_HEALTH_LAST_NOADDR ? e->last : 0], at, e->fails, e->oks,
	    alive ? "true" : "false");
	mxlb_health_table_json_str(s, e->result);
	mxlb_health_table_add(s, "}", 1);
}

/* Appends the entries of T for KEY; returns how many. */
static unsigned mxlb_health_table_entries(struct mxlb_health_table_sb *s,
					  const struct mxlb_health_table *t, const char *key,
					  bool json, bool alive)
{
	struct mxlb_health_table_entry e;
	unsigned i, n = 0;

	for (i = 0; i < t->n; i++) {
		if (!mxlb_health_table_get(t, i, &e) || strcmp(e.member, key) != 0)
			continue;
		if (json && n == 0)
			mxlb_health_table_add(s, ",\"health\":[", 11);
		if (json)
			mxlb_health_table_json_entry(s, &e, n == 0, alive);
		else
			mxlb_health_table_text_entry(s, &e);
		n++;
	}
	if (json && n > 0)
		mxlb_health_table_add(s, "]", 1);
	return n;
}

/* Text: "pool N: OWNER TYPE, ..." heads a pool, "  RDATA  weight ..." is
 * a member. */
static void mxlb_health_table_text(struct mxlb_health_table_sb *s,
				   const struct mxlb_health_table *t, const char *text, bool alive)
{
	char type[16] = "", key[MXLB_HEALTH_TABLE_MEMBER];
	const char *line = text, *nl, *w;

	while (*line != '\0') {
		nl = strchr(line, '\n');
		size_t len = nl != NULL ? (size_t)(nl - line) + 1 : strlen(line);

		mxlb_health_table_add(s, line, len);
		if (nl == NULL)
			mxlb_health_table_add(s, "\n", 1);
		if (strncmp(line, "pool ", 5) == 0) {
			const char *comma = memchr(line, ',', len), *sp = comma;

			while (sp != NULL && sp > line && sp[-1] != ' ')
				sp--;
			if (comma != NULL && sp != NULL && (size_t)(comma - sp) < sizeof(type)) {
				memcpy(type, sp, (size_t)(comma - sp));
				type[comma - sp] = '\0';
			}
		} else if (strncmp(line, "  ", 2) == 0 && (w = strstr(line, " weight ")) != NULL &&
			   w < line + len) {
			mxlb_health_table_key(type, line + 2, (size_t)(w - line - 2), key,
					      sizeof(key));
			mxlb_health_table_entries(s, t, key, false, alive);
		}
		line += len;
	}
	if (!alive)
		mxlb_health_table_printf(s,
					 "health: the checker (pid %d) is not running: results "
					 "are from its last round\n",
					 (int)t->pid);
}

/* The JSON string starting at P (at its quote) unescaped into OUT; returns
 * the position after its closing quote. */
static const char *mxlb_health_table_json_read(const char *p, char *out, size_t len)
{
	size_t o = 0;

	for (p++; *p != '\0' && *p != '"'; p++) {
		char c = *p;

		if (c == '\\' && p[1] != '\0') {
			c = *++p;
			if (c == 'u' && strlen(p) >= 5) {
				c = (char)strtol((char[]){p[3], p[4], 0}, NULL, 16);
				p += 4;
			}
		}
		if (o + 1 < len)
			out[o++] = c;
	}
	out[o] = '\0';
	return *p == '"' ? p + 1 : p;
}

/* JSON: after "type":"MX" and a member's "rdata":"...", the member object's
 * closing brace gets ,"health":[...] before it. */
static void mxlb_health_table_json(struct mxlb_health_table_sb *s,
				   const struct mxlb_health_table *t, const char *text, bool alive)
{
	char type[16] = "", key[MXLB_HEALTH_TABLE_MEMBER], str[1100], prev[16] = "";
	const char *p = text, *start;
	bool member = false;

	while (*p != '\0') {
		if (*p == '"') {
			start = p;
			p = mxlb_health_table_json_read(p, str, sizeof(str));
			mxlb_health_table_add(s, start, (size_t)(p - start));
			if (*p == ':') {
				mxlb_health_table_copy(prev, sizeof(prev), str);
				continue;
			}
			if (strcmp(prev, "type") == 0)
				mxlb_health_table_copy(type, sizeof(type), str);
			if (strcmp(prev, "rdata") == 0) {
				mxlb_health_table_key(type, str, strlen(str), key, sizeof(key));
				member = true;
			}
			prev[0] = '\0';
			continue;
		}
		if (*p == '}' && member) {
			mxlb_health_table_entries(s, t, key, true, alive);
			member = false;
		}
		mxlb_health_table_add(s, p, 1);
		p++;
	}
}

char *mxlb_health_table_annotate(const struct mxlb_health_table *t, const char *text, bool json,
				 bool alive)
{
	struct mxlb_health_table_sb s = {0};

	mxlb_health_table_add(&s, "", 0);
	if (json)
		mxlb_health_table_json(&s, t, text, alive);
	else
		mxlb_health_table_text(&s, t, text, alive);
	if (s.oom) {
		free(s.p);
		return NULL;
	}
	return s.p;
}
