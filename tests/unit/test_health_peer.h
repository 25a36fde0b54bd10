/* Scripted peers for the health check tests: a listener on 127.0.0.1 whose
 * every connection plays a script (send a line, expect a line, sleep, start
 * TLS with a certificate made on the spot, close), and the certificates. */
#ifndef MXLB_TEST_HEALTH_PEER_H
#define MXLB_TEST_HEALTH_PEER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <openssl/ssl.h>

#include "health_conf.h"

enum t_peer_op {
	T_END,	  /* wait for the client to close, then close */
	T_SEND,	  /* send TEXT */
	T_EXPECT, /* read a line; it must start with TEXT */
	T_SLEEP,  /* MS milliseconds */
	T_TLS,	  /* server side of a TLS handshake */
	T_CLOSE,  /* close at once */
};

struct t_peer_step {
	enum t_peer_op op;
	const char *text;
	unsigned ms;
};

struct t_peer {
	int fd;
	uint16_t port;
	pthread_t thread;
	const struct t_peer_step *volatile script;
	volatile int stop;
	SSL_CTX *tls;	      /* the server's certificate; NULL: T_TLS fails */
	unsigned connections; /* accepted so far */
	char failure[256];    /* the first expectation that did not hold */
	char seen[1024];      /* the lines the client sent, '|' separated */
	pthread_mutex_t mu;
};

/* Starts a peer playing SCRIPT (it can be switched later through
 * peer->script) with TLS context TLS (may be NULL). */
void t_peer_start(struct t_peer *p, const struct t_peer_step *script, SSL_CTX *tls);
void t_peer_stop(struct t_peer *p);

/* A server context with a self-signed certificate for NAME, valid from
 * FROM_DAYS to TO_DAYS relative to now (negative: in the past). */
SSL_CTX *t_peer_tls(const char *name, int from_days, int to_days);

/* A check of PROTO against the peer (port set), with short timings. */
void t_peer_check(struct mxlb_health_conf_check *c, enum mxlb_health_conf_proto proto,
		  uint16_t port);
/* 127.0.0.1 as a sockaddr. */
void t_peer_loopback(struct sockaddr_storage *a);

#endif
