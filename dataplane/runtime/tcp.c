/* The DNS over TCP thread: listeners, connections, framing, idle timeout. */
#define _GNU_SOURCE /* accept4, pthread_setname_np */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "respond.h"
#include "tcp.h"

#define MXLB_TCP_BACKLOG    128
#define MXLB_TCP_EVENTS	    64
#define MXLB_TCP_WAIT_MS    100 /* epoll timeout: how soon a stop is seen */
#define MXLB_TCP_ACCEPTS    16	/* accepted per listener per round */
#define MXLB_TCP_IN_MIN	    512 /* first input buffer of a connection */
#define MXLB_TCP_LISTEN_TAG 0x80000000u
#define MXLB_TCP_MSG_MAX    (2 + 65535)

struct mxlb_tcp_conn {
	int fd;		  /* -1 while free */
	uint8_t peer[17]; /* family, then the address: the per-client key */
	bool writing;	  /* EPOLLOUT: an answer waits in OUT */
	uint8_t *in;	  /* received octets not yet answered */
	uint32_t in_len;
	uint32_t in_cap;
	uint8_t *out; /* the rest of an answer the socket did not take */
	uint32_t out_len;
	uint32_t out_off;
	uint64_t last;			   /* ms of the last octet in either direction */
	struct mxlb_tcp_conn *prev, *next; /* LRU list, or the free list (next) */
};

void mxlb_tcp_opts_init(struct mxlb_tcp_opts *o)
{
	o->max_conns = MXLB_TCP_MAX_CONNS;
	o->max_per_client = MXLB_TCP_MAX_PER_CLIENT;
	o->idle_ms = MXLB_TCP_IDLE_MS;
	o->port = 53;
}

static uint64_t mxlb_tcp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int mxlb_tcp_fail(const char *what, const char *addr, int err)
{
	fprintf(stderr, "mxlbd: tcp%s%s: %s: %s\n", addr ? " " : "", addr ? addr : "", what,
		strerror(err));
	return -err;
}

/* ---------------------------------------------------------------- lists */

static void mxlb_tcp_lru_unlink(struct mxlb_tcp *t, struct mxlb_tcp_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		t->lru_head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		t->lru_tail = c->prev;
	c->prev = c->next = NULL;
}

static void mxlb_tcp_lru_append(struct mxlb_tcp *t, struct mxlb_tcp_conn *c)
{
	c->prev = t->lru_tail;
	c->next = NULL;
	if (t->lru_tail)
		t->lru_tail->next = c;
	else
		t->lru_head = c;
	t->lru_tail = c;
}

/* C was active just now. */
static void mxlb_tcp_touch(struct mxlb_tcp *t, struct mxlb_tcp_conn *c, uint64_t now)
{
	c->last = now;
	if (t->lru_tail != c) {
		mxlb_tcp_lru_unlink(t, c);
		mxlb_tcp_lru_append(t, c);
	}
}

static void mxlb_tcp_close(struct mxlb_tcp *t, struct mxlb_tcp_conn *c, uint64_t *counter)
{
	(*counter)++;
	close(c->fd); /* also takes it out of the epoll set */
	c->fd = -1;
	free(c->in);
	free(c->out);
	c->in = c->out = NULL;
	c->in_len = c->in_cap = c->out_len = c->out_off = 0;
	c->writing = false;
	mxlb_tcp_lru_unlink(t, c);
	c->next = t->free;
	t->free = c;
	t->nconns--;
}

/* ------------------------------------------------------------- listeners */

static int mxlb_tcp_listen(struct mxlb_tcp *t, const struct mxlb_addr *a)
{
	char text[MXLB_ADDR_STRLEN];
	struct sockaddr_storage ss;
	socklen_t sl;
	struct epoll_event ev;
	int fd, one = 1, err;

	memset(&ss, 0, sizeof(ss));
	mxlb_addr_format(a, text, sizeof(text));
	if (a->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(t->o.port);
		memcpy(&s4->sin_addr, a->v4, 4);
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(t->o.port);
		memcpy(&s6->sin6_addr, a->v6, 16);
		sl = sizeof(*s6);
	}
	fd = socket(a->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return mxlb_tcp_fail("socket", text, errno);
	t->listen[t->nlisten] = fd;
	t->nlisten++;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (a->family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0)
		return mxlb_tcp_fail("bind", text, errno);
	if (listen(fd, MXLB_TCP_BACKLOG) != 0)
		return mxlb_tcp_fail("listen", text, errno);
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		return mxlb_tcp_fail("getsockname", text, errno);
	t->ports[t->nlisten - 1] =
	    ntohs(a->family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
				       : ((struct sockaddr_in6 *)&ss)->sin6_port);
	ev.events = EPOLLIN;
	ev.data.u32 = MXLB_TCP_LISTEN_TAG | (uint32_t)(t->nlisten - 1);
	if (epoll_ctl(t->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
		err = errno;
		return mxlb_tcp_fail("epoll_ctl", text, err);
	}
	return 0;
}

/* The per-client key of a peer: its family and address (not the port). */
static void mxlb_tcp_key(const struct sockaddr_storage *ss, uint8_t key[17])
{
	memset(key, 0, 17);
	key[0] = (uint8_t)ss->ss_family;
	if (ss->ss_family == AF_INET)
		memcpy(key + 1, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	else if (ss->ss_family == AF_INET6)
		memcpy(key + 1, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
}

static unsigned mxlb_tcp_from(const struct mxlb_tcp *t, const uint8_t key[17])
{
	const struct mxlb_tcp_conn *c;
	unsigned n = 0;

	for (c = t->lru_head; c != NULL; c = c->next)
		n += memcmp(c->peer, key, 17) == 0;
	return n;
}

static void mxlb_tcp_accept(struct mxlb_tcp *t, int lfd, uint64_t now)
{
	struct sockaddr_storage ss;
	struct epoll_event ev;
	struct mxlb_tcp_conn *c;
	uint8_t key[17];
	socklen_t sl;
	int fd, one = 1, i;

	for (i = 0; i < MXLB_TCP_ACCEPTS; i++) {
		sl = sizeof(ss);
		fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return; /* EAGAIN, or an error of that connection alone */
		mxlb_tcp_key(&ss, key);
		if (t->free == NULL) {
			t->st.refused_total++;
			close(fd);
			continue;
		}
		if (mxlb_tcp_from(t, key) >= t->o.max_per_client) {
			t->st.refused_client++;
			close(fd);
			continue;
		}
		/* Each answer goes out in one send: no need to wait for more. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = t->free;
		ev.events = EPOLLIN;
		ev.data.u32 = (uint32_t)(c - t->conns);
		if (epoll_ctl(t->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
			close(fd);
			continue;
		}
		t->free = c->next;
		c->fd = fd;
		memcpy(c->peer, key, 17);
		c->last = now;
		mxlb_tcp_lru_append(t, c);
		t->nconns++;
		t->st.accepted++;
	}
}

/* ----------------------------------------------------------- connections */

/* Switches C between waiting to read and waiting to write. */
static int mxlb_tcp_mode(struct mxlb_tcp *t, struct mxlb_tcp_conn *c, bool writing)
{
	struct epoll_event ev;

	if (c->writing == writing)
		return 0;
	ev.events = writing ? EPOLLOUT : EPOLLIN;
	ev.data.u32 = (uint32_t)(c - t->conns);
	if (epoll_ctl(t->ep, EPOLL_CTL_MOD, c->fd, &ev) != 0)
		return -errno;
	c->writing = writing;
	return 0;
}

/* Sends N octets at P; what the socket does not take is kept in C->out.
 * Returns 0, 1 when some is kept, or a negative errno. */
static int mxlb_tcp_send(struct mxlb_tcp *t, struct mxlb_tcp_conn *c, const uint8_t *p, size_t n)
{
	ssize_t k = send(c->fd, p, n, MSG_NOSIGNAL);

	if (k < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		k = 0;
	}
	if ((size_t)k == n)
		return 0;
	t->st.blocked++;
	c->out = malloc(n - (size_t)k);
	if (c->out == NULL)
		return -ENOMEM;
	memcpy(c->out, p + k, n - (size_t)k);
	c->out_len = (uint32_t)(n - (size_t)k);
	c->out_off = 0;
	return 1;
}

/* Answers the complete messages in C->in, in order, until one cannot be
 * written at once. Returns 0, or a negative errno / -EPROTO (zero-length
 * message) to close C. */
static int mxlb_tcp_answer(struct mxlb_tcp *t, struct mxlb_tcp_conn *c,
			   const struct mxlb_image *img)
{
	uint32_t off = 0, mlen;
	size_t r;
	int ret = 0;

	while (c->out == NULL && c->in_len - off >= 2) {
		mlen = (uint32_t)(c->in[off] << 8 | c->in[off + 1]);
		if (mlen == 0) {
			ret = -EPROTO;
			break;
		}
		if (c->in_len - off < 2 + mlen)
			break;
		t->st.queries++;
		memcpy(t->scratch + 2, c->in + off + 2, mlen);
		off += 2 + mlen;
		r = mxlb_respond_tcp(t->w, img, t->scratch + 2, mlen, MXLB_TCP_MAX);
		if (r == 0) {
			t->st.dropped++;
			continue;
		}
		t->scratch[0] = (uint8_t)(r >> 8);
		t->scratch[1] = (uint8_t)r;
		t->st.answers++;
		ret = mxlb_tcp_send(t, c, t->scratch, 2 + r);
		if (ret < 0)
			break;
		if (ret == 1)
			ret = mxlb_tcp_mode(t, c, true);
	}
	if (off > 0) {
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
	}
	return ret;
}

/* Room in C->in for the message being received: its whole length once the
 * prefix is known. C->in never holds a complete message here (those are
 * answered first), so the room is always more than C->in_len. */
static int mxlb_tcp_room(struct mxlb_tcp_conn *c)
{
	uint32_t need = MXLB_TCP_IN_MIN;
	uint8_t *p;

	if (c->in_len >= 2 && 2 + (uint32_t)(c->in[0] << 8 | c->in[1]) > need)
		need = 2 + (uint32_t)(c->in[0] << 8 | c->in[1]);
	if (c->in_cap >= need)
		return 0;
	p = realloc(c->in, need);
	if (p == NULL)
		return -ENOMEM;
	c->in = p;
	c->in_cap = need;
	return 0;
}

static void mxlb_tcp_readable(struct mxlb_tcp *t, struct mxlb_tcp_conn *c,
			      const struct mxlb_image *img, uint64_t now)
{
	ssize_t n;
	int ret;

	ret = mxlb_tcp_room(c);
	if (ret != 0) {
		mxlb_tcp_close(t, c, &t->st.closed_error);
		return;
	}
	n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		/* End of the stream: cleanly between messages, or not. */
		mxlb_tcp_close(t, c,
			       n == 0 && c->in_len == 0 ? &t->st.closed_peer : &t->st.closed_error);
		return;
	}
	c->in_len += (uint32_t)n;
	mxlb_tcp_touch(t, c, now);
	if (mxlb_tcp_answer(t, c, img) < 0)
		mxlb_tcp_close(t, c, &t->st.closed_error);
}

static void mxlb_tcp_writable(struct mxlb_tcp *t, struct mxlb_tcp_conn *c,
			      const struct mxlb_image *img, uint64_t now)
{
	ssize_t k = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);

	if (k < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		mxlb_tcp_close(t, c, &t->st.closed_error);
		return;
	}
	mxlb_tcp_touch(t, c, now);
	c->out_off += (uint32_t)k;
	if (c->out_off < c->out_len)
		return;
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = 0;
	/* Queries that came in meanwhile are answered now, in order. */
	if (mxlb_tcp_mode(t, c, false) != 0 || mxlb_tcp_answer(t, c, img) < 0)
		mxlb_tcp_close(t, c, &t->st.closed_error);
}

/* Closes the connections idle for the timeout, least recent first. */
static void mxlb_tcp_expire(struct mxlb_tcp *t, uint64_t now)
{
	while (t->lru_head != NULL && now - t->lru_head->last >= t->o.idle_ms)
		mxlb_tcp_close(t, t->lru_head, &t->st.closed_idle);
}

static void *mxlb_tcp_main(void *arg)
{
	struct mxlb_tcp *t = arg;
	struct epoll_event ev[MXLB_TCP_EVENTS];
	const struct mxlb_image *img;
	struct mxlb_tcp_conn *c;
	uint64_t now;
	int n, i;

	if (t->h.start)
		t->h.start(t->h.ctx);
	while (!t->quit) {
		n = epoll_wait(t->ep, ev, MXLB_TCP_EVENTS, MXLB_TCP_WAIT_MS);
		now = mxlb_tcp_now();
		img = t->h.enter ? t->h.enter(t->h.ctx) : NULL;
		for (i = 0; i < n && img != NULL; i++) {
			if (ev[i].data.u32 & MXLB_TCP_LISTEN_TAG) {
				mxlb_tcp_accept(t, t->listen[ev[i].data.u32 & ~MXLB_TCP_LISTEN_TAG],
						now);
				continue;
			}
			c = &t->conns[ev[i].data.u32];
			if (c->fd < 0)
				continue; /* closed earlier in this round */
			if (c->writing)
				mxlb_tcp_writable(t, c, img, now);
			else
				mxlb_tcp_readable(t, c, img, now);
		}
		mxlb_tcp_expire(t, now);
		if (t->h.leave)
			t->h.leave(t->h.ctx);
	}
	if (t->h.stop)
		t->h.stop(t->h.ctx);
	return NULL;
}

/* ------------------------------------------------------------------ life */

int mxlb_tcp_init(struct mxlb_tcp *t, const struct mxlb_addr *addrs, size_t n,
		  const struct mxlb_tcp_opts *o, struct mxlb_worker *w,
		  const struct mxlb_tcp_hooks *h)
{
	unsigned i;
	int ret;

	memset(t, 0, sizeof(*t));
	t->ep = -1;
	t->o = *o;
	if (t->o.max_conns == 0)
		t->o.max_conns = 1;
	t->h = *h;
	t->w = w;
	t->conns = calloc(t->o.max_conns, sizeof(*t->conns));
	t->scratch = malloc(MXLB_TCP_MSG_MAX);
	if (t->conns == NULL || t->scratch == NULL)
		return mxlb_tcp_fail("buffers", NULL, ENOMEM);
	for (i = t->o.max_conns; i-- > 0;) {
		t->conns[i].fd = -1;
		t->conns[i].next = t->free;
		t->free = &t->conns[i];
	}
	t->ep = epoll_create1(EPOLL_CLOEXEC);
	if (t->ep < 0)
		return mxlb_tcp_fail("epoll_create1", NULL, errno);
	for (i = 0; i < n && i < MXLB_ADDR_MAX; i++) {
		ret = mxlb_tcp_listen(t, &addrs[i]);
		if (ret != 0)
			return ret;
	}
	return 0;
}

int mxlb_tcp_start(struct mxlb_tcp *t)
{
	int ret;

	t->quit = false;
	ret = pthread_create(&t->thread, NULL, mxlb_tcp_main, t);
	if (ret != 0)
		return mxlb_tcp_fail("pthread_create", NULL, ret);
	pthread_setname_np(t->thread, "mxlb-tcp");
	t->running = true;
	return 0;
}

void mxlb_tcp_stop(struct mxlb_tcp *t)
{
	if (!t->running)
		return;
	t->quit = true;
	pthread_join(t->thread, NULL);
	t->running = false;
}

void mxlb_tcp_fini(struct mxlb_tcp *t)
{
	uint64_t ignore = 0;
	size_t i;

	mxlb_tcp_stop(t);
	while (t->lru_head != NULL)
		mxlb_tcp_close(t, t->lru_head, &ignore);
	for (i = 0; i < t->nlisten; i++)
		close(t->listen[i]);
	t->nlisten = 0;
	if (t->ep >= 0)
		close(t->ep);
	t->ep = -1;
	free(t->conns);
	free(t->scratch);
	t->conns = NULL;
	t->scratch = NULL;
	t->free = NULL;
}

void mxlb_tcp_print(FILE *out, const struct mxlb_tcp *t)
{
	const struct mxlb_tcp_stats *s = &t->st;

	fprintf(out,
		"mxlbd: tcp: accepted %" PRIu64 " refused_total %" PRIu64 " refused_client %" PRIu64
		" queries %" PRIu64 " answers %" PRIu64 " dropped %" PRIu64 " blocked %" PRIu64
		" closed_idle %" PRIu64 " closed_peer %" PRIu64 " closed_error %" PRIu64 "\n",
		s->accepted, s->refused_total, s->refused_client, s->queries, s->answers,
		s->dropped, s->blocked, s->closed_idle, s->closed_peer, s->closed_error);
}
