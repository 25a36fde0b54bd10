/* One probe (health_probe.h): connect, TLS, the dialogue, the goodbye. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "health_probe.h"
#include "health_tls.h"

int64_t mxlb_health_probe_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void mxlb_health_probe_interest(struct mxlb_health_probe *p)
{
	struct epoll_event ev = {.data.ptr = p};
	uint32_t want;

	if (p->fd < 0)
		return;
	if (p->want != 0)
		want = p->want;
	else if (p->phase == MXLB_HEALTH_PROBE_CONNECT || p->outoff < p->outlen)
		want = EPOLLOUT;
	else
		want = EPOLLIN;
	if (want == p->events)
		return;
	ev.events = want;
	if (epoll_ctl(p->epfd, p->events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, p->fd, &ev) == 0)
		p->events = want;
}

void mxlb_health_probe_close(struct mxlb_health_probe *p)
{
	if (p->fd >= 0) {
		/* A failed probe, and a bare connect, end with a reset: no
		 * TIME_WAIT left behind for a thousand checks a second. */
		if (!p->ok || p->c->proto == MXLB_HEALTH_TCP) {
			struct linger l = {.l_onoff = 1, .l_linger = 0};

			setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		}
		if (p->ssl != NULL && p->ok)
			SSL_shutdown(p->ssl);
		close(p->fd);
	}
	if (p->ssl != NULL)
		mxlb_health_tls_free(p->ssl);
	p->ssl = NULL;
	p->fd = -1;
	p->events = 0;
	p->phase = MXLB_HEALTH_PROBE_IDLE;
}

static void mxlb_health_probe_fail(struct mxlb_health_probe *p, int64_t now, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void mxlb_health_probe_fail(struct mxlb_health_probe *p, int64_t now, const char *fmt, ...)
{
	va_list ap;

	if (!p->decided) {
		va_start(ap, fmt);
		vsnprintf(p->why, sizeof(p->why), fmt, ap);
		va_end(ap);
		p->decided = true;
		p->ok = false;
		p->decided_ms = now;
	}
	mxlb_health_probe_close(p);
}

static void mxlb_health_probe_flush(struct mxlb_health_probe *p, int64_t now);
static void mxlb_health_probe_handshake(struct mxlb_health_probe *p, int64_t now);

/* Carries out what the dialogue said. */
static void mxlb_health_probe_act(struct mxlb_health_probe *p, enum mxlb_health_proto_act act,
				  int64_t now)
{
	char why[MXLB_HEALTH_PROBE_WHY];

	switch (act) {
	case MXLB_HEALTH_PROTO_MORE:
		break;
	case MXLB_HEALTH_PROTO_SEND:
		p->out = p->dlg.out;
		p->outlen = p->dlg.outlen;
		p->outoff = 0;
		mxlb_health_probe_flush(p, now);
		return;
	case MXLB_HEALTH_PROTO_TLS:
		p->inlen = 0; /* nothing read before the handshake counts after it */
		p->ssl = mxlb_health_tls_new(p->c, p->fd, why, sizeof(why));
		if (p->ssl == NULL) {
			mxlb_health_probe_fail(p, now, "%s", why);
			return;
		}
		p->starttls = true;
		p->phase = MXLB_HEALTH_PROBE_HANDSHAKE;
		mxlb_health_probe_handshake(p, now);
		return;
	case MXLB_HEALTH_PROTO_OK:
		p->decided = true;
		p->ok = true;
		p->decided_ms = now;
		if (p->dlg.outlen == 0) {
			mxlb_health_probe_close(p);
			return;
		}
		p->phase = MXLB_HEALTH_PROBE_BYE;
		if (p->deadline_ms > now + MXLB_HEALTH_PROBE_LINGER)
			p->deadline_ms = now + MXLB_HEALTH_PROBE_LINGER;
		p->out = p->dlg.out;
		p->outlen = p->dlg.outlen;
		p->outoff = 0;
		mxlb_health_probe_flush(p, now);
		return;
	case MXLB_HEALTH_PROTO_FAIL:
		mxlb_health_probe_fail(p, now, "%s", p->dlg.why);
		return;
	}
	mxlb_health_probe_interest(p);
}

static void mxlb_health_probe_dialogue(struct mxlb_health_probe *p, int64_t now)
{
	p->phase = MXLB_HEALTH_PROBE_DIALOGUE;
	p->want = 0;
	mxlb_health_probe_act(p, mxlb_health_proto_start(&p->dlg), now);
}

static void mxlb_health_probe_handshake(struct mxlb_health_probe *p, int64_t now)
{
	char why[MXLB_HEALTH_PROBE_WHY];
	int ret;

	p->want = 0;
	ret = mxlb_health_tls_handshake(p->ssl, &p->want, why, sizeof(why));
	if (ret == MXLB_HEALTH_TLS_AGAIN) {
		mxlb_health_probe_interest(p);
		return;
	}
	if (ret < 0) {
		mxlb_health_probe_fail(p, now, "%s", why);
		return;
	}
	p->want = 0;
	if (mxlb_health_tls_verify(p->ssl, p->c, p->note, sizeof(p->note), why, sizeof(why)) != 0) {
		mxlb_health_probe_fail(p, now, "%s", why);
		return;
	}
	if (p->starttls) {
		p->phase = MXLB_HEALTH_PROBE_DIALOGUE;
		mxlb_health_probe_act(p, mxlb_health_proto_tls_up(&p->dlg), now);
	} else {
		mxlb_health_probe_dialogue(p, now);
	}
}

static void mxlb_health_probe_connected(struct mxlb_health_probe *p, int64_t now)
{
	char why[MXLB_HEALTH_PROBE_WHY];

	if (!mxlb_health_conf_implicit_tls(p->c->proto)) {
		mxlb_health_probe_dialogue(p, now);
		return;
	}
	p->ssl = mxlb_health_tls_new(p->c, p->fd, why, sizeof(why));
	if (p->ssl == NULL) {
		mxlb_health_probe_fail(p, now, "%s", why);
		return;
	}
	p->phase = MXLB_HEALTH_PROBE_HANDSHAKE;
	mxlb_health_probe_handshake(p, now);
}

static void mxlb_health_probe_flush(struct mxlb_health_probe *p, int64_t now)
{
	char why[MXLB_HEALTH_PROBE_WHY];
	ssize_t n;

	p->want = 0;
	while (p->outoff < p->outlen) {
		if (p->ssl != NULL) {
			n = mxlb_health_tls_write(p->ssl, p->out + p->outoff, p->outlen - p->outoff,
						  &p->want, why, sizeof(why));
			if (n == MXLB_HEALTH_TLS_AGAIN)
				break;
		} else {
			n = send(p->fd, p->out + p->outoff, p->outlen - p->outoff, MSG_NOSIGNAL);
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			if (n < 0)
				snprintf(why, sizeof(why), "send: %s", strerror(errno));
		}
		if (n <= 0) {
			if (p->phase == MXLB_HEALTH_PROBE_BYE)
				mxlb_health_probe_close(p);
			else
				mxlb_health_probe_fail(p, now, "%s", why);
			return;
		}
		p->outoff += (size_t)n;
	}
	mxlb_health_probe_interest(p);
}

/* Feeds the complete lines read so far to the dialogue. */
static void mxlb_health_probe_lines(struct mxlb_health_probe *p, int64_t now)
{
	size_t start = 0, i, len;

	for (i = 0; i < p->inlen; i++) {
		if (p->in[i] != '\n')
			continue;
		len = i - start;
		if (len > 0 && p->in[start + len - 1] == '\r')
			len--;
		if (p->phase == MXLB_HEALTH_PROBE_BYE) {
			mxlb_health_probe_close(p); /* the goodbye was answered */
			return;
		}
		enum mxlb_health_proto_act act =
		    mxlb_health_proto_line(&p->dlg, p->in + start, len);

		start = i + 1;
		if (act == MXLB_HEALTH_PROTO_TLS || act == MXLB_HEALTH_PROTO_FAIL ||
		    act == MXLB_HEALTH_PROTO_OK) {
			mxlb_health_probe_act(p, act, now);
			return;
		}
		if (act == MXLB_HEALTH_PROTO_SEND)
			mxlb_health_probe_act(p, act, now);
		if (p->fd < 0)
			return;
	}
	memmove(p->in, p->in + start, p->inlen - start);
	p->inlen -= start;
	if (p->inlen == sizeof(p->in))
		mxlb_health_probe_fail(p, now, "reply line longer than %zu octets", sizeof(p->in));
}

static void mxlb_health_probe_read(struct mxlb_health_probe *p, int64_t now)
{
	char why[MXLB_HEALTH_PROBE_WHY];
	ssize_t n;

	while (p->fd >= 0 && p->phase >= MXLB_HEALTH_PROBE_DIALOGUE) {
		if (p->ssl != NULL) {
			p->want = 0;
			n = mxlb_health_tls_read(p->ssl, p->in + p->inlen, sizeof(p->in) - p->inlen,
						 &p->want, why, sizeof(why));
			if (n == MXLB_HEALTH_TLS_AGAIN)
				break;
		} else {
			n = recv(p->fd, p->in + p->inlen, sizeof(p->in) - p->inlen, 0);
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			if (n < 0)
				snprintf(why, sizeof(why), "recv: %s", strerror(errno));
		}
		if (n == 0 && p->phase != MXLB_HEALTH_PROBE_BYE)
			snprintf(why, sizeof(why), "connection closed before %s",
				 mxlb_health_proto_waiting(&p->dlg));
		if (n <= 0) {
			if (p->phase == MXLB_HEALTH_PROBE_BYE)
				mxlb_health_probe_close(p);
			else
				mxlb_health_probe_fail(p, now, "%s", why);
			return;
		}
		p->inlen += (size_t)n;
		mxlb_health_probe_lines(p, now);
		if (p->phase == MXLB_HEALTH_PROBE_HANDSHAKE)
			return;
	}
	mxlb_health_probe_interest(p);
}

int mxlb_health_probe_start(struct mxlb_health_probe *p, const struct mxlb_health_conf_check *c,
			    const struct sockaddr_storage *addr, int epfd, int64_t now_ms)
{
	socklen_t alen =
	    addr->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	int one = 1;

	memset(p, 0, sizeof(*p));
	p->kind = MXLB_HEALTH_KIND_PROBE;
	p->c = c;
	p->addr = *addr;
	if (addr->ss_family == AF_INET6)
		((struct sockaddr_in6 *)&p->addr)->sin6_port = htons(c->port);
	else
		((struct sockaddr_in *)&p->addr)->sin_port = htons(c->port);
	p->epfd = epfd;
	p->started_ms = now_ms;
	p->deadline_ms = now_ms + c->timeout_ms;
	mxlb_health_proto_init(&p->dlg, c->proto, c->starttls, c->helo);
	p->fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		mxlb_health_probe_fail(p, now_ms, "socket: %s", strerror(errno));
		return 0;
	}
	setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	p->phase = MXLB_HEALTH_PROBE_CONNECT;
	if (connect(p->fd, (const struct sockaddr *)&p->addr, alen) == 0) {
		mxlb_health_probe_connected(p, now_ms);
		return 0;
	}
	if (errno != EINPROGRESS) {
		mxlb_health_probe_fail(p, now_ms, "connect: %s", strerror(errno));
		return 0;
	}
	mxlb_health_probe_interest(p);
	return 0;
}

void mxlb_health_probe_event(struct mxlb_health_probe *p, uint32_t events, int64_t now_ms)
{
	int err = 0;
	socklen_t len = sizeof(err);

	switch (p->phase) {
	case MXLB_HEALTH_PROBE_IDLE:
		return;
	case MXLB_HEALTH_PROBE_CONNECT:
		if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
			err = errno;
		if (err != 0) {
			mxlb_health_probe_fail(p, now_ms, "connect: %s", strerror(err));
			return;
		}
		if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) != 0)
			mxlb_health_probe_connected(p, now_ms);
		return;
	case MXLB_HEALTH_PROBE_HANDSHAKE:
		mxlb_health_probe_handshake(p, now_ms);
		return;
	case MXLB_HEALTH_PROBE_DIALOGUE:
	case MXLB_HEALTH_PROBE_BYE:
		if (p->outoff < p->outlen) {
			mxlb_health_probe_flush(p, now_ms);
			if (p->fd < 0 || p->outoff < p->outlen)
				return;
		}
		mxlb_health_probe_read(p, now_ms);
		return;
	}
}

void mxlb_health_probe_expire(struct mxlb_health_probe *p, int64_t now_ms)
{
	const char *what = "the connection";

	if (p->phase == MXLB_HEALTH_PROBE_HANDSHAKE)
		what = "the TLS handshake";
	else if (p->phase == MXLB_HEALTH_PROBE_DIALOGUE)
		what = mxlb_health_proto_waiting(&p->dlg);
	if (p->decided)
		mxlb_health_probe_close(p);
	else
		mxlb_health_probe_fail(p, now_ms, "timeout after %u ms waiting for %s",
				       p->c->timeout_ms, what);
}

bool mxlb_health_probe_idle(const struct mxlb_health_probe *p)
{
	return p->fd < 0;
}

int64_t mxlb_health_probe_deadline(const struct mxlb_health_probe *p)
{
	return p->deadline_ms;
}

int mxlb_health_probe_run(const struct mxlb_health_conf_check *c,
			  const struct sockaddr_storage *addr, char *why, size_t whylen, char *note,
			  size_t notelen)
{
	static __thread struct mxlb_health_probe p;
	struct epoll_event ev[4];
	int epfd = epoll_create1(EPOLL_CLOEXEC), n, i;
	int64_t now;

	if (epfd < 0) {
		snprintf(why, whylen, "epoll: %s", strerror(errno));
		return 0;
	}
	mxlb_health_probe_start(&p, c, addr, epfd, mxlb_health_probe_now_ms());
	while (!mxlb_health_probe_idle(&p)) {
		now = mxlb_health_probe_now_ms();
		if (now >= p.deadline_ms) {
			mxlb_health_probe_expire(&p, now);
			break;
		}
		n = epoll_wait(epfd, ev, 4, (int)(p.deadline_ms - now));
		now = mxlb_health_probe_now_ms();
		for (i = 0; i < n; i++)
			mxlb_health_probe_event(ev[i].data.ptr, ev[i].events, now);
	}
	close(epfd);
	snprintf(why, whylen, "%s", p.ok ? "" : p.why);
	if (note != NULL)
		snprintf(note, notelen, "%s", p.note);
	return p.ok ? 1 : 0;
}
