/* The health checker's configuration file: parsing and checks. A bad line
 * is refused as FILE:LINE: reason, and nothing starts. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "health_conf.h"

#define MXLB_HEALTH_CONF_WORDS	 64
#define MXLB_HEALTH_CONF_LINE	 4096
#define MXLB_HEALTH_CONF_MIN_MS	 100
#define MXLB_HEALTH_CONF_MAX_MS	 3600000
#define MXLB_HEALTH_CONF_MAX_CNT 100

static const struct {
	const char *name;
	uint16_t port;
	bool tls;	  /* implicit TLS */
	bool starttls_ok; /* starttls is allowed */
	bool smtp;	  /* helo= is allowed */
} mxlb_health_conf_protos[MXLB_HEALTH_PROTOS] = {
    [MXLB_HEALTH_TCP] = {"tcp", 0, false, false, false},
    [MXLB_HEALTH_SMTP] = {"smtp", 25, false, true, true},
    [MXLB_HEALTH_SUBMISSION] = {"submission", 587, false, true, true},
    [MXLB_HEALTH_SMTPS] = {"smtps", 465, true, false, true},
    [MXLB_HEALTH_POP3] = {"pop3", 110, false, true, false},
    [MXLB_HEALTH_POP3S] = {"pop3s", 995, true, false, false},
    [MXLB_HEALTH_IMAP] = {"imap", 143, false, true, false},
    [MXLB_HEALTH_IMAPS] = {"imaps", 993, true, false, false},
};

static const char *const mxlb_health_conf_verifies[] = {
    [MXLB_HEALTH_VERIFY_NONE] = "none",
    [MXLB_HEALTH_VERIFY_EXPIRY] = "expiry",
    [MXLB_HEALTH_VERIFY_NAME] = "name",
    [MXLB_HEALTH_VERIFY_CHAIN] = "chain",
};

const char *mxlb_health_conf_proto_name(enum mxlb_health_conf_proto p)
{
	return p < MXLB_HEALTH_PROTOS ? mxlb_health_conf_protos[p].name : "?";
}

bool mxlb_health_conf_implicit_tls(enum mxlb_health_conf_proto p)
{
	return p < MXLB_HEALTH_PROTOS && mxlb_health_conf_protos[p].tls;
}

void mxlb_health_conf_addr_text(const struct sockaddr_storage *a, uint16_t port, char *out,
				size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (a->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)a)->sin6_addr, ip, sizeof(ip));
		snprintf(out, len, "[%s]:%u", ip, port);
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)a)->sin_addr, ip, sizeof(ip));
		snprintf(out, len, "%s:%u", ip, port);
	}
}

int mxlb_health_conf_duration(const char *text, unsigned *ms)
{
	unsigned long long v, mul = 1000;
	char *end;

	if (!isdigit((unsigned char)text[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno != 0)
		return -EINVAL;
	if (strcmp(end, "ms") == 0)
		mul = 1;
	else if (strcmp(end, "s") == 0 || *end == '\0')
		mul = 1000;
	else if (strcmp(end, "m") == 0)
		mul = 60000;
	else
		return -EINVAL;
	if (v > UINT_MAX / mul)
		return -ERANGE;
	*ms = (unsigned)(v * mul);
	return 0;
}

int mxlb_health_conf_addr(const char *text, uint16_t port, struct sockaddr_storage *out)
{
	char buf[INET6_ADDRSTRLEN + 16];
	const char *host = text, *ps = NULL;
	struct sockaddr_in *v4 = (struct sockaddr_in *)out;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
	size_t n = strlen(text);

	memset(out, 0, sizeof(*out));
	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, text, n + 1);
	if (buf[0] == '[') {
		char *close = strchr(buf, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			return -EINVAL;
		*close = '\0';
		host = buf + 1;
		ps = close[1] == ':' ? close + 2 : NULL;
	} else {
		char *colon = strchr(buf, ':');

		host = buf;
		if (colon != NULL && strchr(colon + 1, ':') == NULL) { /* v4:port */
			*colon = '\0';
			ps = colon + 1;
		}
	}
	if (ps != NULL) {
		char *end;
		long p = strtol(ps, &end, 10);

		if (*ps == '\0' || *end != '\0' || p < 1 || p > 65535)
			return -EINVAL;
		port = (uint16_t)p;
	}
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1 && buf[0] != '[') {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		return 0;
	}
	return -EINVAL;
}

/* TEXT as a plain IPv4 or IPv6 address (no brackets, no port). */
static bool mxlb_health_conf_plain_addr(const char *text, struct sockaddr_storage *out)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)out;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;

	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		return true;
	}
	return false;
}

/* Whether TEXT is a host name: labels of letters, digits, '-' and '_' of
 * 1 to 63 octets, 253 in all, an optional trailing dot. */
static bool mxlb_health_conf_hostname(const char *text)
{
	size_t n = strlen(text), lab = 0, i;

	if (n > 0 && text[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == '.') {
			if (lab == 0)
				return false;
			lab = 0;
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_')
			return false;
		if (++lab > 63)
			return false;
	}
	return lab > 0;
}

struct mxlb_health_conf_ctx {
	const char *name;
	unsigned line;
	char *err;
	size_t errlen;
};

static int mxlb_health_conf_bad(struct mxlb_health_conf_ctx *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int mxlb_health_conf_bad(struct mxlb_health_conf_ctx *x, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(x->err, x->errlen, "%s:%u: %s", x->name, x->line, msg);
	return -1;
}

static int mxlb_health_conf_count(struct mxlb_health_conf_ctx *x, const char *key, const char *val,
				  unsigned *out)
{
	char *end;
	long v = strtol(val, &end, 10);

	if (val[0] == '\0' || *end != '\0' || v < 1 || v > MXLB_HEALTH_CONF_MAX_CNT)
		return mxlb_health_conf_bad(x, "%s=%s: a count from 1 to %d", key, val,
					    MXLB_HEALTH_CONF_MAX_CNT);
	*out = (unsigned)v;
	return 0;
}

static int mxlb_health_conf_time(struct mxlb_health_conf_ctx *x, const char *key, const char *val,
				 unsigned *out)
{
	if (mxlb_health_conf_duration(val, out) != 0 || *out < MXLB_HEALTH_CONF_MIN_MS ||
	    *out > MXLB_HEALTH_CONF_MAX_MS)
		return mxlb_health_conf_bad(x,
					    "%s=%s: a duration from 100ms to 1h (like 2s, "
					    "500ms, 1m)",
					    key, val);
	return 0;
}

static int mxlb_health_conf_copy(struct mxlb_health_conf_ctx *x, const char *key, const char *val,
				 char *out, size_t len)
{
	if (val[0] == '\0' || strlen(val) >= len)
		return mxlb_health_conf_bad(x, "%s=: empty or longer than %zu octets", key,
					    len - 1);
	memcpy(out, val, strlen(val) + 1);
	return 0;
}

/* addr=A[,B...] into C. */
static int mxlb_health_conf_addrs(struct mxlb_health_conf_ctx *x, const char *val,
				  struct mxlb_health_conf_check *c)
{
	char buf[MXLB_HEALTH_CONF_LINE], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", val);
	c->naddrs = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (c->naddrs == MXLB_HEALTH_CONF_ADDRS_MAX)
			return mxlb_health_conf_bad(x, "addr=: more than %d addresses",
						    MXLB_HEALTH_CONF_ADDRS_MAX);
		if (!mxlb_health_conf_plain_addr(tok, &c->addrs[c->naddrs]))
			return mxlb_health_conf_bad(x,
						    "addr=%s: '%s' is not an IPv4 or IPv6 "
						    "address",
						    val, tok);
		c->naddrs++;
	}
	if (c->naddrs == 0)
		return mxlb_health_conf_bad(x, "addr=: no address");
	return 0;
}

/* One OPTION=VALUE or FLAG word into C (and, on a defaults line, G). */
static int mxlb_health_conf_option(struct mxlb_health_conf_ctx *x, char *word,
				   struct mxlb_health_conf_check *c, struct mxlb_health_conf *g,
				   bool defaults)
{
	char *eq = strchr(word, '='), *key = word, *val;
	unsigned i;

	if (strcmp(word, "starttls") == 0) {
		c->starttls = true;
		return 0;
	}
	if (eq == NULL)
		return mxlb_health_conf_bad(x, "'%s': not OPTION=VALUE (nor the flag starttls)",
					    word);
	*eq = '\0';
	val = eq + 1;
	if (strcmp(key, "interval") == 0)
		return mxlb_health_conf_time(x, key, val, &c->interval_ms);
	if (strcmp(key, "timeout") == 0)
		return mxlb_health_conf_time(x, key, val, &c->timeout_ms);
	if (strcmp(key, "fall") == 0)
		return mxlb_health_conf_count(x, key, val, &c->fall);
	if (strcmp(key, "rise") == 0)
		return mxlb_health_conf_count(x, key, val, &c->rise);
	if (strcmp(key, "helo") == 0)
		return mxlb_health_conf_copy(x, key, val, c->helo, sizeof(c->helo));
	if (strcmp(key, "tls-name") == 0)
		return mxlb_health_conf_copy(x, key, val, c->tls_name, sizeof(c->tls_name));
	if (strcmp(key, "tls-ca") == 0)
		return mxlb_health_conf_copy(x, key, val, c->tls_ca, sizeof(c->tls_ca));
	if (strcmp(key, "tls-verify") == 0) {
		for (i = 0; i < sizeof(mxlb_health_conf_verifies) / sizeof(char *); i++)
			if (strcmp(val, mxlb_health_conf_verifies[i]) == 0) {
				c->verify = (enum mxlb_health_conf_verify)i;
				return 0;
			}
		return mxlb_health_conf_bad(x, "tls-verify=%s: none, expiry, name or chain", val);
	}
	if (strcmp(key, "addr") == 0) {
		if (defaults)
			return mxlb_health_conf_bad(x, "addr= belongs on a member's line");
		return mxlb_health_conf_addrs(x, val, c);
	}
	if (strcmp(key, "resolver") == 0 || strcmp(key, "resolve-interval") == 0) {
		if (!defaults)
			return mxlb_health_conf_bad(x,
						    "%s= is a global setting: put it on a line "
						    "of its own",
						    key);
		if (key[7] == '-')
			return mxlb_health_conf_time(x, key, val, &g->resolve_ms);
		if (mxlb_health_conf_addr(val, 53, &g->resolver) != 0)
			return mxlb_health_conf_bad(x, "resolver=%s: not an address[:port]", val);
		g->have_resolver = true;
		return 0;
	}
	return mxlb_health_conf_bad(x, "unknown option '%s'", key);
}

/* Checks a complete member line against its protocol. */
static int mxlb_health_conf_check_line(struct mxlb_health_conf_ctx *x,
				       const struct mxlb_health_conf_check *c, bool tls_given,
				       bool helo_given)
{
	const char *p = mxlb_health_conf_proto_name(c->proto);
	bool tls = mxlb_health_conf_implicit_tls(c->proto) || c->starttls;

	if (c->starttls && !mxlb_health_conf_protos[c->proto].starttls_ok)
		return mxlb_health_conf_bad(x,
					    "starttls: %s has no STARTTLS (it is for smtp, "
					    "submission, pop3 and imap)",
					    p);
	if (tls_given && !tls)
		return mxlb_health_conf_bad(x, "tls-* options need TLS: a TLS protocol (smtps, "
					       "pop3s, imaps) or starttls");
	if (helo_given && !mxlb_health_conf_protos[c->proto].smtp)
		return mxlb_health_conf_bad(x, "helo= is for smtp, submission and smtps");
	if (c->timeout_ms > c->interval_ms)
		return mxlb_health_conf_bad(x, "timeout (%u ms) is longer than interval (%u ms)",
					    c->timeout_ms, c->interval_ms);
	if (c->verify >= MXLB_HEALTH_VERIFY_NAME && c->tls_name[0] == '\0' && c->is_addr)
		return mxlb_health_conf_bad(x,
					    "tls-verify=%s of an address member needs "
					    "tls-name=",
					    mxlb_health_conf_verifies[c->verify]);
	return 0;
}

static int mxlb_health_conf_member(struct mxlb_health_conf_ctx *x, char **w, int n,
				   const struct mxlb_health_conf_check *defaults,
				   struct mxlb_health_conf_check *c)
{
	bool tls_given = false, helo_given = false;
	int i = 2, k;
	char *end;

	*c = *defaults;
	c->line = x->line;
	if (n < 2)
		return mxlb_health_conf_bad(x,
					    "'%s': a line is MEMBER PROTOCOL [PORT] "
					    "[OPTION=VALUE ...]",
					    w[0]);
	if (mxlb_health_conf_plain_addr(w[0], &c->addrs[0])) {
		c->is_addr = true;
		c->naddrs = 1;
	} else if (!mxlb_health_conf_hostname(w[0])) {
		return mxlb_health_conf_bad(x, "'%s' is neither a host name nor an address", w[0]);
	}
	snprintf(c->member, sizeof(c->member), "%s", w[0]);
	for (k = 0; c->member[k] != '\0'; k++)
		c->member[k] = (char)tolower((unsigned char)c->member[k]);
	if (k > 1 && c->member[k - 1] == '.')
		c->member[k - 1] = '\0';
	if (c->is_addr) { /* the canonical form, as mxlbctl pools prints it */
		const struct sockaddr_storage *a = &c->addrs[0];

		inet_ntop(a->ss_family,
			  a->ss_family == AF_INET
			      ? (const void *)&((const struct sockaddr_in *)a)->sin_addr
			      : (const void *)&((const struct sockaddr_in6 *)a)->sin6_addr,
			  c->member, sizeof(c->member));
	}
	for (k = 0; k < MXLB_HEALTH_PROTOS; k++)
		if (strcasecmp(w[1], mxlb_health_conf_protos[k].name) == 0)
			break;
	if (k == MXLB_HEALTH_PROTOS)
		return mxlb_health_conf_bad(x,
					    "unknown protocol '%s' (tcp, smtp, submission, "
					    "smtps, pop3, pop3s, imap, imaps)",
					    w[1]);
	c->proto = (enum mxlb_health_conf_proto)k;
	c->port = mxlb_health_conf_protos[k].port;
	if (n > 2 && isdigit((unsigned char)w[2][0])) {
		long p = strtol(w[2], &end, 10);

		if (*end != '\0' || p < 1 || p > 65535)
			return mxlb_health_conf_bad(x, "port '%s': 1 to 65535", w[2]);
		c->port = (uint16_t)p;
		i = 3;
	}
	if (c->port == 0)
		return mxlb_health_conf_bad(x, "tcp needs a PORT");
	for (; i < n; i++) {
		tls_given |= strncmp(w[i], "tls-", 4) == 0;
		helo_given |= strncmp(w[i], "helo=", 5) == 0;
		if (c->is_addr && strncmp(w[i], "addr=", 5) == 0)
			return mxlb_health_conf_bad(x, "addr= is for host names; %s is an address",
						    c->member);
		if (mxlb_health_conf_option(x, w[i], c, NULL, false) != 0)
			return -1;
	}
	if (defaults->verify != MXLB_HEALTH_VERIFY_NONE || defaults->tls_name[0] ||
	    defaults->tls_ca[0])
		tls_given |= mxlb_health_conf_implicit_tls(c->proto) || c->starttls;
	return mxlb_health_conf_check_line(x, c, tls_given, helo_given);
}

/* The first nameserver of /etc/resolv.conf, else 127.0.0.1. */
static void mxlb_health_conf_system_resolver(struct sockaddr_storage *out)
{
	char line[512], addr[256];
	FILE *f = fopen("/etc/resolv.conf", "r");

	mxlb_health_conf_addr("127.0.0.1", 53, out);
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, " nameserver %255s", addr) == 1 &&
		    mxlb_health_conf_addr(addr, 53, out) == 0)
			break;
	fclose(f);
}

static int mxlb_health_conf_add(struct mxlb_health_conf_ctx *x, struct mxlb_health_conf *g,
				const struct mxlb_health_conf_check *c)
{
	unsigned i;

	for (i = 0; i < g->n; i++)
		if (strcmp(g->checks[i].member, c->member) == 0 && g->checks[i].proto == c->proto &&
		    g->checks[i].port == c->port)
			return mxlb_health_conf_bad(
			    x, "%s %s %u is already checked on line %u", c->member,
			    mxlb_health_conf_proto_name(c->proto), c->port, g->checks[i].line);
	if (g->n == g->cap) {
		unsigned cap = g->cap ? g->cap * 2 : 64;
		void *p = realloc(g->checks, cap * sizeof(*g->checks));

		if (p == NULL)
			return mxlb_health_conf_bad(x, "out of memory");
		g->checks = p;
		g->cap = cap;
	}
	g->checks[g->n++] = *c;
	return 0;
}

int mxlb_health_conf_read(FILE *f, const char *name, struct mxlb_health_conf *g, char *err,
			  size_t errlen)
{
	struct mxlb_health_conf_ctx x = {.name = name, .err = err, .errlen = errlen};
	static struct mxlb_health_conf_check defaults, c;
	char line[MXLB_HEALTH_CONF_LINE], *w[MXLB_HEALTH_CONF_WORDS], *save, *hash;
	int n, i;

	memset(g, 0, sizeof(*g));
	memset(&defaults, 0, sizeof(defaults));
	defaults.interval_ms = MXLB_HEALTH_CONF_INTERVAL_MS;
	defaults.timeout_ms = MXLB_HEALTH_CONF_TIMEOUT_MS;
	defaults.fall = MXLB_HEALTH_CONF_FALL;
	defaults.rise = MXLB_HEALTH_CONF_RISE;
	if (gethostname(defaults.helo, sizeof(defaults.helo) - 1) != 0 || !defaults.helo[0])
		snprintf(defaults.helo, sizeof(defaults.helo), "localhost");
	g->resolve_ms = MXLB_HEALTH_CONF_RESOLVE_MS;
	while (fgets(line, sizeof(line), f) != NULL) {
		x.line++;
		if (strchr(line, '\n') == NULL && !feof(f))
			return mxlb_health_conf_bad(&x, "line longer than %d octets",
						    MXLB_HEALTH_CONF_LINE - 2);
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		n = 0;
		for (char *t = strtok_r(line, " \t\r\n", &save); t != NULL;
		     t = strtok_r(NULL, " \t\r\n", &save)) {
			if (n == MXLB_HEALTH_CONF_WORDS)
				return mxlb_health_conf_bad(&x, "more than %d words",
							    MXLB_HEALTH_CONF_WORDS);
			w[n++] = t;
		}
		if (n == 0)
			continue;
		if (strchr(w[0], '=') != NULL) { /* defaults and global settings */
			for (i = 0; i < n; i++)
				if (mxlb_health_conf_option(&x, w[i], &defaults, g, true) != 0)
					goto bad;
			if (defaults.starttls)
				goto starttls;
			continue;
		}
		if (mxlb_health_conf_member(&x, w, n, &defaults, &c) != 0 ||
		    mxlb_health_conf_add(&x, g, &c) != 0)
			goto bad;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		goto fail;
	}
	if (g->n == 0) {
		snprintf(err, errlen, "%s: no member to check", name);
		goto fail;
	}
	if (!g->have_resolver)
		mxlb_health_conf_system_resolver(&g->resolver);
	return 0;
starttls:
	mxlb_health_conf_bad(&x, "starttls belongs on a member's line");
bad:
fail:
	mxlb_health_conf_free(g);
	return -1;
}

int mxlb_health_conf_load(const char *path, struct mxlb_health_conf *c, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	int ret;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		memset(c, 0, sizeof(*c));
		return -1;
	}
	ret = mxlb_health_conf_read(f, path, c, err, errlen);
	fclose(f);
	return ret;
}

void mxlb_health_conf_free(struct mxlb_health_conf *c)
{
	free(c->checks);
	c->checks = NULL;
	c->n = c->cap = 0;
}
