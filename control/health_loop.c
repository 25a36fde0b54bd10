/* The health checker's loop (health_loop.h). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "health_dns.h"
#include "health_loop.h"
#include "health_probe.h"
#include "health_tls.h"

/* A probe of a check (the probe first: it is the epoll data). */
struct mxlb_health_loop_probe {
	struct mxlb_health_probe p;
	unsigned check;
};

/* One A or AAAA query of a member. */
struct mxlb_health_loop_dns {
	int kind; /* MXLB_HEALTH_KIND_DNS */
	int fd;
	uint16_t id, type;
	int64_t deadline_ms;
	unsigned member;
	int rcode; /* -1: no reply (yet) */
};

struct mxlb_health_loop_member {
	const char *name;
	bool resolve; /* some check of it needs its addresses from DNS */
	int state;    /* MXLB_HEALTH_STATE_*: down if a check is, up if all are */
	struct sockaddr_storage addrs[MXLB_HEALTH_CONF_ADDRS_MAX];
	unsigned naddrs;
	bool resolved; /* once at least */
	int64_t resolve_ms;
	struct mxlb_health_loop_dns dns[2];
	unsigned pending;
	struct sockaddr_storage fresh[MXLB_HEALTH_CONF_ADDRS_MAX];
	unsigned nfresh;
	char resolve_err[96];
};

struct mxlb_health_loop_check {
	const struct mxlb_health_conf_check *c;
	unsigned member;
	struct mxlb_health_loop_probe *probes; /* MXLB_HEALTH_CONF_ADDRS_MAX */
	unsigned nprobes;
	bool running, reported;
	int64_t next_ms;
	unsigned fails, oks;
	int state, last;
	uint64_t last_time, since_time;
	char result[MXLB_HEALTH_TABLE_RESULT];
	char logged[MXLB_HEALTH_TABLE_RESULT];
};

struct mxlb_health_loop {
	const struct mxlb_health_loop_opts *o;
	struct mxlb_health_loop_stats *st;
	int epfd;
	struct mxlb_health_loop_check *checks;
	unsigned nchecks;
	struct mxlb_health_loop_member *members;
	unsigned nmembers;
	struct mxlb_health_send send;
	uint16_t dns_id;
	int64_t next_due;
};

static void mxlb_health_loop_log(struct mxlb_health_loop *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void mxlb_health_loop_log(struct mxlb_health_loop *l, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(l->o->log, "mxlbctl health: %s\n", buf);
	fflush(l->o->log);
}

static void mxlb_health_loop_publish(struct mxlb_health_loop *l, unsigned i)
{
	const struct mxlb_health_loop_check *k = &l->checks[i];
	struct mxlb_health_table_entry e;
	unsigned naddrs = k->c->naddrs ? k->c->naddrs : l->members[k->member].naddrs;

	if (l->o->table == NULL)
		return;
	memset(&e, 0, sizeof(e));
	e.proto = (uint8_t)k->c->proto;
	e.state = (uint8_t)k->state;
	e.member_state = (uint8_t)l->members[k->member].state;
	e.last = (uint8_t)k->last;
	e.port = k->c->port;
	e.naddrs = (uint16_t)naddrs;
	e.fails = k->fails;
	e.oks = k->oks;
	e.last_time = k->last_time;
	e.since_time = k->since_time;
	snprintf(e.member, sizeof(e.member), "%s", k->c->member);
	snprintf(e.result, sizeof(e.result), "%s", k->result);
	mxlb_health_table_put(l->o->table, i, &e);
}

/* The member's state from its checks'; hands a change to the sender. */
static void mxlb_health_loop_member_state(struct mxlb_health_loop *l, unsigned mi)
{
	struct mxlb_health_loop_member *m = &l->members[mi];
	int state = MXLB_HEALTH_STATE_UP;
	unsigned i;

	for (i = 0; i < l->nchecks; i++) {
		if (l->checks[i].member != mi)
			continue;
		if (l->checks[i].state == MXLB_HEALTH_STATE_DOWN) {
			state = MXLB_HEALTH_STATE_DOWN;
			break;
		}
		if (l->checks[i].state == MXLB_HEALTH_STATE_UNKNOWN)
			state = MXLB_HEALTH_STATE_UNKNOWN;
	}
	if (state == m->state)
		return;
	m->state = state;
	if (state != MXLB_HEALTH_STATE_UNKNOWN) {
		l->st->transitions++;
		mxlb_health_send_want(&l->send, mi, state);
	}
	for (i = 0; i < l->nchecks; i++)
		if (l->checks[i].member == mi)
			mxlb_health_loop_publish(l, i);
}

/* The round of check I is decided: count it, log it, and move states. */
static void mxlb_health_loop_report(struct mxlb_health_loop *l, unsigned i)
{
	struct mxlb_health_loop_check *k = &l->checks[i];
	const char *pname = mxlb_health_conf_proto_name(k->c->proto);
	char addr[64], part[MXLB_HEALTH_TABLE_RESULT];
	size_t off = 0;
	unsigned j, passed = 0;
	int old = k->state;

	k->result[0] = '\0';
	for (j = 0; j < k->nprobes; j++)
		passed += k->probes[j].p.ok;
	for (j = 0; j < k->nprobes; j++) {
		const struct mxlb_health_probe *p = &k->probes[j].p;

		if (passed > 0 && !p->ok)
			continue; /* a passed round names what passed */
		mxlb_health_conf_addr_text(&p->addr, k->c->port, addr, sizeof(addr));
		if ((p->ok ? snprintf(part, sizeof(part), "%s %s: ok%s%s", pname, addr,
				      p->note[0] ? ", " : "", p->note)
			   : snprintf(part, sizeof(part), "%s %s: %s", pname, addr, p->why)) < 0)
			part[0] = '\0';
		off += (size_t)snprintf(k->result + off, sizeof(k->result) - off, "%s%s",
					off ? "; " : "", part);
		if (off >= sizeof(k->result))
			break;
	}
	k->reported = true;
	k->last_time = (uint64_t)time(NULL);
	l->st->rounds++;
	if (passed > 0) {
		l->st->passed++;
		k->last = MXLB_HEALTH_LAST_OK;
		k->oks++;
		k->fails = 0;
		if (k->state != MXLB_HEALTH_STATE_UP && k->oks >= k->c->rise)
			k->state = MXLB_HEALTH_STATE_UP;
		else if (k->state != MXLB_HEALTH_STATE_UP && strcmp(k->logged, k->result) != 0)
			mxlb_health_loop_log(l, "%s: %s (passed %u, rise %u)", k->c->member,
					     k->result, k->oks, k->c->rise);
	} else {
		l->st->failed++;
		k->last = MXLB_HEALTH_LAST_FAIL;
		k->fails++;
		k->oks = 0;
		if (k->state != MXLB_HEALTH_STATE_DOWN && k->fails >= k->c->fall)
			k->state = MXLB_HEALTH_STATE_DOWN;
		else if (strcmp(k->logged, k->result) != 0)
			mxlb_health_loop_log(l, "%s: %s (failed %u, fall %u)", k->c->member,
					     k->result, k->fails, k->c->fall);
	}
	snprintf(k->logged, sizeof(k->logged), "%s", k->result);
	if (k->state != old) {
		k->since_time = k->last_time;
		mxlb_health_loop_log(l, "%s: %s: %s (%s %u in a row)", k->c->member,
				     k->state == MXLB_HEALTH_STATE_UP ? "up" : "down", k->result,
				     k->state == MXLB_HEALTH_STATE_UP ? "passed" : "failed",
				     k->state == MXLB_HEALTH_STATE_UP ? k->oks : k->fails);
	}
	mxlb_health_loop_publish(l, i);
	if (k->state != old)
		mxlb_health_loop_member_state(l, k->member);
}

/* After an event on a probe of check I. */
static void mxlb_health_loop_progress(struct mxlb_health_loop *l, unsigned i)
{
	struct mxlb_health_loop_check *k = &l->checks[i];
	bool decided = true, idle = true;
	unsigned j;

	for (j = 0; j < k->nprobes; j++) {
		decided &= k->probes[j].p.decided;
		idle &= mxlb_health_probe_idle(&k->probes[j].p);
	}
	if (decided && !k->reported)
		mxlb_health_loop_report(l, i);
	if (idle)
		k->running = false;
}

static void mxlb_health_loop_start_round(struct mxlb_health_loop *l, unsigned i, int64_t now)
{
	struct mxlb_health_loop_check *k = &l->checks[i];
	const struct mxlb_health_loop_member *m = &l->members[k->member];
	const struct sockaddr_storage *addrs = k->c->naddrs ? k->c->addrs : m->addrs;
	unsigned n = k->c->naddrs ? k->c->naddrs : m->naddrs, j;

	if (now - k->next_ms > (int64_t)l->st->max_lag_ms)
		l->st->max_lag_ms = (uint64_t)(now - k->next_ms);
	k->next_ms += k->c->interval_ms;
	if (k->next_ms <= now)
		k->next_ms = now + k->c->interval_ms;
	if (n == 0) { /* a name not resolved: nothing to judge */
		k->last = MXLB_HEALTH_LAST_NOADDR;
		k->last_time = (uint64_t)time(NULL);
		snprintf(k->result, sizeof(k->result), "%s: no address to probe%s%s",
			 mxlb_health_conf_proto_name(k->c->proto), m->resolve_err[0] ? ": " : "",
			 m->resolve_err);
		if (strcmp(k->logged, k->result) != 0)
			mxlb_health_loop_log(l, "%s: %s", k->c->member, k->result);
		snprintf(k->logged, sizeof(k->logged), "%s", k->result);
		mxlb_health_loop_publish(l, i);
		return;
	}
	if (k->probes == NULL) {
		k->probes = calloc(MXLB_HEALTH_CONF_ADDRS_MAX, sizeof(*k->probes));
		if (k->probes == NULL)
			return;
	}
	k->nprobes = n;
	k->running = true;
	k->reported = false;
	for (j = 0; j < n; j++) {
		mxlb_health_probe_start(&k->probes[j].p, k->c, &addrs[j], l->epfd, now);
		k->probes[j].check = i;
		l->st->probes++;
	}
	mxlb_health_loop_progress(l, i);
}

/* ---- resolving host names */

static void mxlb_health_loop_dns_close(struct mxlb_health_loop_dns *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

static void mxlb_health_loop_resolved(struct mxlb_health_loop *l, unsigned mi)
{
	struct mxlb_health_loop_member *m = &l->members[mi];
	static const char *const rcodes[] = {"NOERROR",	 "FORMERR", "SERVFAIL",
					     "NXDOMAIN", "NOTIMP",  "REFUSED"};
	int rc = m->dns[0].rcode == 0 ? m->dns[1].rcode : m->dns[0].rcode;
	char list[512], a[64];
	size_t off = 0;
	unsigned j;
	bool same;

	l->st->resolved++;
	m->resolve_ms = mxlb_health_probe_now_ms() + (int64_t)l->o->conf->resolve_ms;
	if (m->nfresh == 0) {
		if (m->dns[0].rcode == 0 && m->dns[1].rcode == 0)
			snprintf(m->resolve_err, sizeof(m->resolve_err),
				 "resolve %s: no A or AAAA record", m->name);
		else if (rc < 0)
			snprintf(m->resolve_err, sizeof(m->resolve_err),
				 "resolve %s: no answer from the resolver", m->name);
		else
			snprintf(m->resolve_err, sizeof(m->resolve_err), "resolve %s: %s", m->name,
				 rc < 6 ? rcodes[rc] : "error");
		if (!m->resolved)
			m->resolve_ms = mxlb_health_probe_now_ms() + MXLB_HEALTH_LOOP_RETRY_MS;
		if (m->naddrs > 0)
			mxlb_health_loop_log(l, "%s: %s; probing the addresses it had", m->name,
					     m->resolve_err);
		return;
	}
	m->resolve_err[0] = '\0';
	same = m->resolved && m->nfresh == m->naddrs;
	for (j = 0; same && j < m->nfresh; j++)
		same = memcmp(&m->fresh[j], &m->addrs[j], sizeof(m->fresh[j])) == 0;
	m->resolved = true;
	if (same)
		return;
	memcpy(m->addrs, m->fresh, m->nfresh * sizeof(m->fresh[0]));
	m->naddrs = m->nfresh;
	for (j = 0; j < m->naddrs; j++) {
		const struct sockaddr_storage *s = &m->addrs[j];

		inet_ntop(s->ss_family,
			  s->ss_family == AF_INET6
			      ? (const void *)&((const struct sockaddr_in6 *)s)->sin6_addr
			      : (const void *)&((const struct sockaddr_in *)s)->sin_addr,
			  a, sizeof(a));
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", j ? ", " : "", a);
		if (off >= sizeof(list))
			break;
	}
	mxlb_health_loop_log(l, "%s: addresses %s", m->name, list);
}

static void mxlb_health_loop_dns_done(struct mxlb_health_loop *l, struct mxlb_health_loop_dns *d)
{
	struct mxlb_health_loop_member *m = &l->members[d->member];

	mxlb_health_loop_dns_close(d);
	if (--m->pending == 0)
		mxlb_health_loop_resolved(l, d->member);
}

static void mxlb_health_loop_dns_read(struct mxlb_health_loop *l, struct mxlb_health_loop_dns *d)
{
	struct mxlb_health_loop_member *m = &l->members[d->member];
	uint8_t buf[MXLB_HEALTH_DNS_MAX];
	ssize_t n;
	int rc;

	if (d->fd < 0)
		return;
	while ((n = recv(d->fd, buf, sizeof(buf), 0)) >= 0) {
		rc = mxlb_health_dns_parse(buf, (size_t)n, d->id, d->type, m->fresh,
					   MXLB_HEALTH_CONF_ADDRS_MAX, &m->nfresh);
		if (rc >= 0) {
			d->rcode = rc;
			mxlb_health_loop_dns_done(l, d);
			return;
		}
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK) /* ICMP: port unreachable */
		mxlb_health_loop_dns_done(l, d);
}

static void mxlb_health_loop_resolve(struct mxlb_health_loop *l, unsigned mi, int64_t now)
{
	struct mxlb_health_loop_member *m = &l->members[mi];
	const struct sockaddr_storage *r = &l->o->conf->resolver;
	socklen_t rl =
	    r->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	static const uint16_t types[2] = {1, 28};
	uint8_t q[512];
	int j, len;

	m->nfresh = 0;
	m->pending = 0;
	m->resolve_ms = now + MXLB_HEALTH_LOOP_DNS_MS + 1000; /* while in flight */
	for (j = 0; j < 2; j++) {
		struct mxlb_health_loop_dns *d = &m->dns[j];
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = d};

		d->kind = MXLB_HEALTH_KIND_DNS;
		d->member = mi;
		d->type = types[j];
		d->id = ++l->dns_id;
		d->rcode = -1;
		d->deadline_ms = now + MXLB_HEALTH_LOOP_DNS_MS;
		d->fd = socket(r->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		len = mxlb_health_dns_query(m->name, d->type, d->id, q, sizeof(q));
		if (d->fd < 0 || len < 0 || connect(d->fd, (const struct sockaddr *)r, rl) != 0 ||
		    send(d->fd, q, (size_t)len, 0) != len ||
		    epoll_ctl(l->epfd, EPOLL_CTL_ADD, d->fd, &ev) != 0) {
			mxlb_health_loop_dns_close(d);
			continue;
		}
		m->pending++;
	}
	if (m->pending == 0)
		mxlb_health_loop_resolved(l, mi);
}

/* ---- timers */

static void mxlb_health_loop_due(struct mxlb_health_loop *l, int64_t t)
{
	if (t < l->next_due)
		l->next_due = t;
}

static void mxlb_health_loop_scan(struct mxlb_health_loop *l, int64_t now)
{
	unsigned i, j;

	l->next_due = now + 1000;
	for (i = 0; i < l->nmembers; i++) {
		struct mxlb_health_loop_member *m = &l->members[i];

		if (!m->resolve)
			continue;
		for (j = 0; j < 2 && m->pending > 0; j++)
			if (m->dns[j].fd >= 0 && now >= m->dns[j].deadline_ms)
				mxlb_health_loop_dns_done(l, &m->dns[j]);
		for (j = 0; j < 2; j++)
			if (m->dns[j].fd >= 0)
				mxlb_health_loop_due(l, m->dns[j].deadline_ms);
		if (m->pending == 0 && now >= m->resolve_ms)
			mxlb_health_loop_resolve(l, i, now);
		mxlb_health_loop_due(l, m->resolve_ms);
	}
	for (i = 0; i < l->nchecks; i++) {
		struct mxlb_health_loop_check *k = &l->checks[i];

		if (k->running) {
			for (j = 0; j < k->nprobes; j++)
				if (!mxlb_health_probe_idle(&k->probes[j].p) &&
				    now >= mxlb_health_probe_deadline(&k->probes[j].p))
					mxlb_health_probe_expire(&k->probes[j].p, now);
			mxlb_health_loop_progress(l, i);
		}
		/* A name still being resolved for the first time waits. */
		if (!k->running && now >= k->next_ms &&
		    !(k->c->naddrs == 0 && l->members[k->member].resolve &&
		      !l->members[k->member].resolved && l->members[k->member].pending > 0))
			mxlb_health_loop_start_round(l, i, now);
		if (k->running)
			for (j = 0; j < k->nprobes; j++)
				if (!mxlb_health_probe_idle(&k->probes[j].p))
					mxlb_health_loop_due(
					    l, mxlb_health_probe_deadline(&k->probes[j].p));
		mxlb_health_loop_due(l, k->next_ms);
	}
	if (l->next_due < now + MXLB_HEALTH_LOOP_TICK_MS)
		l->next_due = now + MXLB_HEALTH_LOOP_TICK_MS;
}

/* ---- setting up */

static int mxlb_health_loop_setup(struct mxlb_health_loop *l, int64_t now)
{
	const struct mxlb_health_conf *conf = l->o->conf;
	const char **names;
	unsigned i, j;
	int ret;

	l->checks = calloc(conf->n, sizeof(*l->checks));
	l->members = calloc(conf->n, sizeof(*l->members));
	names = calloc(conf->n, sizeof(*names));
	if (l->checks == NULL || l->members == NULL || names == NULL) {
		free(names);
		return -ENOMEM;
	}
	l->nchecks = conf->n;
	for (i = 0; i < conf->n; i++) {
		const struct mxlb_health_conf_check *c = &conf->checks[i];
		struct mxlb_health_loop_check *k = &l->checks[i];

		for (j = 0; j < l->nmembers && strcmp(l->members[j].name, c->member) != 0; j++)
			;
		if (j == l->nmembers) {
			l->members[j].name = c->member;
			l->members[j].dns[0].fd = l->members[j].dns[1].fd = -1;
			if (c->is_addr) {
				l->members[j].addrs[0] = c->addrs[0];
				l->members[j].naddrs = 1;
				l->members[j].resolved = true;
			}
			names[j] = c->member;
			l->nmembers++;
		}
		if (!c->is_addr && c->naddrs == 0)
			l->members[j].resolve = true;
		k->c = c;
		k->member = j;
		if (mxlb_health_conf_implicit_tls(c->proto) || c->starttls) {
			char why[MXLB_HEALTH_PROBE_WHY];

			mxlb_health_tls_prepare(c, why, sizeof(why)); /* else each probe says why */
		}
		/* Spread the first rounds over the interval. */
		k->next_ms = now + (int64_t)((uint64_t)i * c->interval_ms / conf->n);
	}
	ret = mxlb_health_send_init(&l->send, names, l->nmembers, l->o->send, l->o->send_ctx,
				    l->o->log);
	free(names);
	if (ret != 0)
		return ret;
	if (l->o->table != NULL)
		for (i = 0; i < l->nchecks; i++)
			mxlb_health_loop_publish(l, i);
	return mxlb_health_send_start(&l->send);
}

static void mxlb_health_loop_teardown(struct mxlb_health_loop *l)
{
	unsigned i, j;

	for (i = 0; l->checks != NULL && i < l->nchecks; i++) {
		for (j = 0; l->checks[i].probes != NULL && j < l->checks[i].nprobes; j++)
			mxlb_health_probe_close(&l->checks[i].probes[j].p);
		free(l->checks[i].probes);
	}
	for (i = 0; l->members != NULL && i < l->nmembers; i++)
		for (j = 0; j < 2; j++)
			mxlb_health_loop_dns_close(&l->members[i].dns[j]);
	mxlb_health_send_fini(&l->send);
	free(l->checks);
	free(l->members);
	if (l->epfd >= 0)
		close(l->epfd);
}

int mxlb_health_loop_run(const struct mxlb_health_loop_opts *o,
			 struct mxlb_health_loop_stats *stats)
{
	static int wake_kind = MXLB_HEALTH_KIND_WAKE;
	struct mxlb_health_loop l = {.o = o, .st = stats, .epfd = -1};
	struct epoll_event ev[256];
	int64_t now = mxlb_health_probe_now_ms(), end, alive_ms = 0;
	int n, i, ret = 0, timeout;

	memset(stats, 0, sizeof(*stats));
	end = o->run_ms ? now + o->run_ms : INT64_MAX;
	l.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l.epfd < 0)
		return -errno;
	if (o->signal_fd >= 0) {
		struct epoll_event sev = {.events = EPOLLIN, .data.ptr = &wake_kind};

		epoll_ctl(l.epfd, EPOLL_CTL_ADD, o->signal_fd, &sev);
	}
	ret = mxlb_health_loop_setup(&l, now);
	if (ret != 0) {
		mxlb_health_loop_teardown(&l);
		return ret;
	}
	l.next_due = now;
	for (;;) {
		now = mxlb_health_probe_now_ms();
		if ((o->stop != NULL && *o->stop) || now >= end)
			break;
		if (now >= alive_ms) {
			alive_ms = now + 1000;
			if ((o->alive != NULL && !o->alive(o->send_ctx)) ||
			    mxlb_health_send_gone(&l.send)) {
				mxlb_health_loop_log(&l, "mxlbd has exited: stopping");
				ret = 2;
				break;
			}
		}
		if (now >= l.next_due)
			mxlb_health_loop_scan(&l, now);
		timeout = (int)(l.next_due - now);
		if (timeout > (int)(alive_ms - now))
			timeout = (int)(alive_ms - now);
		if (end - now < timeout)
			timeout = (int)(end - now);
		n = epoll_wait(l.epfd, ev, 256, timeout < 0 ? 0 : timeout);
		if (n < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
		now = mxlb_health_probe_now_ms();
		for (i = 0; i < n; i++) {
			int kind = *(int *)ev[i].data.ptr;

			if (kind == MXLB_HEALTH_KIND_PROBE) {
				struct mxlb_health_loop_probe *p = ev[i].data.ptr;

				mxlb_health_probe_event(&p->p, ev[i].events, now);
				mxlb_health_loop_progress(&l, p->check);
			} else if (kind == MXLB_HEALTH_KIND_DNS) {
				mxlb_health_loop_dns_read(&l, ev[i].data.ptr);
			} else {
				struct signalfd_siginfo si;

				if (read(o->signal_fd, &si, sizeof(si)) > 0)
					mxlb_health_loop_log(&l, "signal %u: stopping",
							     si.ssi_signo);
				goto out;
			}
		}
	}
out:
	if (o->drain_on_stop)
		for (i = 0;
		     i < 500 && !mxlb_health_send_idle(&l.send) && !mxlb_health_send_gone(&l.send);
		     i++)
			nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
	mxlb_health_loop_teardown(&l);
	return ret;
}
