/* DNS over TCP (RFC 7766, RFC 1035 §4.2.2), answered by mxlbd from the same
 * zone image and pools as the fast path. The queries reach a kernel socket
 * through the exception path; a thread of its own (not a worker lcore)
 * serves every connection with epoll and non-blocking sockets:
 *
 *   - each message is read behind its two-octet length prefix, which may
 *     arrive split over any number of segments, as may the message;
 *   - pipelined queries are answered in the order received (RFC 7766
 *     §6.2.1.1), each answer written with its prefix in one send;
 *   - answers are limited only by the prefix: up to 65535 octets, never
 *     truncated below that (mxlb_respond_tcp);
 *   - a client that does not read its answers is not read from until it
 *     has (no unbounded buffering);
 *   - a connection idle for the idle timeout is closed (§6.2.3), as is one
 *     that sends a zero-length message or ends mid-message;
 *   - connections are limited in total and per client address; one over a
 *     limit is accepted and closed at once.
 *
 * The thread answers as one more worker: its own struct mxlb_worker, whose
 * stripe in every pool must exist (the image is built for one worker more
 * than there are lcores). It reads the image only between HOOKS.enter and
 * HOOKS.leave, so that it can be an RCU reader that is offline while it
 * waits in epoll. DPDK-free: the unit tests run it on loopback. */
#ifndef MXLB_TCP_H
#define MXLB_TCP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "image.h"
#include "worker.h"

#define MXLB_TCP_MAX_CONNS	512   /* default of --tcp-max-conns */
#define MXLB_TCP_MAX_PER_CLIENT 16    /* default of --tcp-max-per-client */
#define MXLB_TCP_IDLE_MS	10000 /* default of --tcp-idle-timeout (10 s) */

struct mxlb_tcp_opts {
	unsigned max_conns;	 /* open connections in all */
	unsigned max_per_client; /* open connections from one client address */
	unsigned idle_ms;	 /* without a byte in either direction */
	uint16_t port;		 /* 53; 0 lets the kernel choose (tests) */
};

/* How the thread reads the published image; each may be NULL. START and
 * STOP run once on the thread, around everything; ENTER returns the image
 * to answer from until LEAVE. */
struct mxlb_tcp_hooks {
	void *ctx;
	void (*start)(void *ctx);
	const struct mxlb_image *(*enter)(void *ctx);
	void (*leave)(void *ctx);
	void (*stop)(void *ctx);
};

/* Counters, written by the thread alone. */
struct mxlb_tcp_stats {
	uint64_t accepted;	 /* connections accepted and kept */
	uint64_t refused_total;	 /* closed at once: MAX_CONNS open */
	uint64_t refused_client; /* closed at once: MAX_PER_CLIENT open from that address */
	uint64_t queries;	 /* messages read */
	uint64_t answers;	 /* answers written (or queued behind a slow reader) */
	uint64_t dropped;	 /* messages the engine did not answer */
	uint64_t blocked;	 /* answers the socket took only in part */
	uint64_t closed_idle;	 /* closed by the idle timeout */
	uint64_t closed_peer;	 /* closed by the client */
	uint64_t closed_error;	 /* reset, zero-length message or end mid-message */
};

struct mxlb_tcp_conn;

struct mxlb_tcp {
	struct mxlb_tcp_opts o;
	struct mxlb_tcp_hooks h;
	struct mxlb_worker *w;
	int ep;
	size_t nlisten;
	int listen[MXLB_ADDR_MAX];
	uint16_t ports[MXLB_ADDR_MAX]; /* the port each listener is bound to */
	struct mxlb_tcp_conn *conns;   /* o.max_conns of them */
	struct mxlb_tcp_conn *free;
	struct mxlb_tcp_conn *lru_head; /* least recently active first */
	struct mxlb_tcp_conn *lru_tail;
	unsigned nconns;
	uint8_t *scratch; /* one answer with its prefix */
	pthread_t thread;
	bool running;
	volatile bool quit;
	struct mxlb_tcp_stats st;
};

/* Fills O with the defaults (port 53). */
void mxlb_tcp_opts_init(struct mxlb_tcp_opts *o);

/* Listens on port O->port of each of the N addresses ADDRS; answers with
 * the engine state W (owned by the caller). Returns 0, or a negative errno
 * after printing what failed; mxlb_tcp_fini undoes what was made. */
int mxlb_tcp_init(struct mxlb_tcp *t, const struct mxlb_addr *addrs, size_t n,
		  const struct mxlb_tcp_opts *o, struct mxlb_worker *w,
		  const struct mxlb_tcp_hooks *h);

/* Starts the thread. Returns 0 or a negative errno. */
int mxlb_tcp_start(struct mxlb_tcp *t);

/* Stops the thread (within about 100 ms). */
void mxlb_tcp_stop(struct mxlb_tcp *t);

/* Stops the thread if needed, closes every socket, frees the buffers. */
void mxlb_tcp_fini(struct mxlb_tcp *t);

/* One line of counters: "mxlbd: tcp: accepted N ...". */
void mxlb_tcp_print(FILE *out, const struct mxlb_tcp *t);

#endif
