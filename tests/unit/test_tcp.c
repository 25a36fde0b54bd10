/* DNS over TCP: the engine's TCP entry point (answers limited by the length
 * prefix alone, never by EDNS or 1232) and the listener thread of
 * dataplane/runtime/tcp.c on loopback: a length prefix split across
 * segments, pipelined queries answered in order, a 40 KB answer, the idle
 * timeout, the per-client limit, and a zero-length message. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "helpers.h"
#include "tcp.h"

/* ---- the engine over TCP */

Test(tcp, engine_answers_past_udp_limits)
{
	struct mxlb_image *img = t_load("big.zone");
	struct mxlb_worker *w = t_worker(img, 0, 1);
	struct t_query q = {.name = "hugetxt.big.test.", .type = LDNS_RR_TYPE_TXT};
	uint8_t *buf = malloc(MXLB_TCP_MAX);
	uint8_t *wire;
	size_t qlen, n;
	ldns_pkt *p;

	cr_assert_not_null(buf);
	for (int edns = 0; edns < 2; edns++) {
		q.edns = edns ? 1232 : 0;
		wire = t_query_wire(&q, &qlen);
		/* Over UDP: TC with an empty answer. */
		memcpy(buf, wire, qlen);
		n = mxlb_respond(w, img, buf, qlen, MXLB_TCP_MAX);
		cr_assert_gt(n, 0);
		cr_assert(buf[2] & 0x02, "TC over UDP");
		cr_assert_eq(buf[6] << 8 | buf[7], 0);
		/* Over TCP: all six records, TC clear, EDNS kept when asked. */
		memcpy(buf, wire, qlen);
		n = mxlb_respond_tcp(w, img, buf, qlen, MXLB_TCP_MAX);
		cr_assert_gt(n, 1232);
		cr_assert_not(buf[2] & 0x02, "no TC over TCP");
		cr_assert_eq(ldns_wire2pkt(&p, buf, n), LDNS_STATUS_OK);
		cr_assert_eq(ldns_pkt_ancount(p), 6);
		cr_assert_eq(ldns_pkt_edns(p), edns != 0);
		ldns_pkt_free(p);
		free(wire);
	}
	free(buf);
	t_worker_free(w);
	t_image_free(img);
}

Test(tcp, engine_tcp_limited_by_buffer)
{
	struct mxlb_image *img = t_load("big.zone");
	struct mxlb_worker *w = t_worker(img, 0, 1);
	struct t_query q = {.name = "hugetxt.big.test.", .type = LDNS_RR_TYPE_TXT};
	uint8_t buf[600];
	uint8_t *wire;
	size_t qlen, n;

	/* A smaller buffer than the answer still gives TC, not an overrun. */
	wire = t_query_wire(&q, &qlen);
	memcpy(buf, wire, qlen);
	n = mxlb_respond_tcp(w, img, buf, qlen, sizeof(buf));
	cr_assert_gt(n, 0);
	cr_assert_leq(n, sizeof(buf));
	cr_assert(buf[2] & 0x02);
	free(wire);
	t_worker_free(w);
	t_image_free(img);
}

/* ---- the listener */

static struct mxlb_image *img;
static struct mxlb_worker *w;
static struct mxlb_tcp srv;
static uint16_t port;

static const struct mxlb_image *enter(void *ctx)
{
	(void)ctx;
	return img;
}

static void start_srv(unsigned per_client, unsigned idle_ms)
{
	struct mxlb_tcp_opts o;
	struct mxlb_tcp_hooks h = {.enter = enter};
	struct mxlb_addr a;

	img = t_load("tcp.zone");
	w = t_worker(img, 0, 1);
	mxlb_tcp_opts_init(&o);
	o.port = 0;
	o.max_per_client = per_client;
	o.idle_ms = idle_ms;
	cr_assert_eq(mxlb_addr_parse(&a, "127.0.0.1"), 0);
	cr_assert_eq(mxlb_tcp_init(&srv, &a, 1, &o, w, &h), 0);
	port = srv.ports[0];
	cr_assert_neq(port, 0);
	cr_assert_eq(mxlb_tcp_start(&srv), 0);
}

static void stop_srv(void)
{
	mxlb_tcp_fini(&srv);
	t_worker_free(w);
	t_image_free(img);
}

static int dial(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct timeval tv = {.tv_sec = 3};

	cr_assert_geq(fd, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "connect: %s",
		     strerror(errno));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void send_all(int fd, const void *p, size_t n)
{
	cr_assert_eq(send(fd, p, n, 0), (ssize_t)n);
}

static void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/* Reads exactly N octets; false at the end of the stream or a time-out. */
static bool recv_all(int fd, uint8_t *p, size_t n)
{
	size_t got = 0;
	ssize_t k;

	while (got < n) {
		k = recv(fd, p + got, n - got, 0);
		if (k <= 0)
			return false;
		got += (size_t)k;
	}
	return true;
}

/* One answer with its prefix, parsed. */
static ldns_pkt *recv_answer(int fd, size_t *len)
{
	uint8_t hdr[2], *buf;
	ldns_pkt *p = NULL;
	size_t n;

	cr_assert(recv_all(fd, hdr, 2), "no length prefix");
	n = (size_t)(hdr[0] << 8 | hdr[1]);
	buf = malloc(n);
	cr_assert(recv_all(fd, buf, n), "answer shorter than its prefix (%zu)", n);
	cr_assert_eq(ldns_wire2pkt(&p, buf, n), LDNS_STATUS_OK);
	free(buf);
	if (len)
		*len = n;
	return p;
}

/* Q with its prefix (malloc'd), *N octets. */
static uint8_t *framed(const char *name, uint16_t type, uint16_t id, size_t *n)
{
	struct t_query q = {.name = name, .type = type, .id = id};
	size_t qlen;
	uint8_t *wire = t_query_wire(&q, &qlen), *out = malloc(qlen + 2);

	out[0] = (uint8_t)(qlen >> 8);
	out[1] = (uint8_t)qlen;
	memcpy(out + 2, wire, qlen);
	free(wire);
	*n = qlen + 2;
	return out;
}

/* Whether the server has closed FD: the end of the stream, or a reset. */
static bool closed_by_peer(int fd)
{
	uint8_t b;
	ssize_t k = recv(fd, &b, 1, 0);

	return k == 0 || (k < 0 && errno == ECONNRESET);
}

Test(tcp, split_prefix_and_message)
{
	size_t n;
	uint8_t *m;
	ldns_pkt *p;
	int fd;

	start_srv(16, 10000);
	fd = dial();
	m = framed("mx.tcp.test.", LDNS_RR_TYPE_MX, 0x1111, &n);
	/* The prefix in two segments, then the message in two. */
	send_all(fd, m, 1);
	nap_ms(50);
	send_all(fd, m + 1, 1);
	nap_ms(50);
	send_all(fd, m + 2, 5);
	nap_ms(50);
	send_all(fd, m + 7, n - 7);
	p = recv_answer(fd, NULL);
	cr_assert_eq(ldns_pkt_id(p), 0x1111);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	cr_assert_eq(ldns_pkt_ancount(p), 3);
	ldns_pkt_free(p);
	free(m);
	close(fd);
	stop_srv();
}

Test(tcp, pipelined_in_order)
{
	uint8_t buf[1024];
	size_t n1, n2, n3;
	uint8_t *a = framed("mx.tcp.test.", LDNS_RR_TYPE_MX, 1, &n1);
	uint8_t *b = framed("nope.tcp.test.", LDNS_RR_TYPE_A, 2, &n2);
	uint8_t *c = framed("mx.tcp.test.", LDNS_RR_TYPE_MX, 3, &n3);
	ldns_pkt *p;
	char *first[2];
	int fd;

	start_srv(16, 10000);
	fd = dial();
	/* Two and a half queries in one segment, the rest later. */
	memcpy(buf, a, n1);
	memcpy(buf + n1, b, n2);
	memcpy(buf + n1 + n2, c, 3);
	send_all(fd, buf, n1 + n2 + 3);
	p = recv_answer(fd, NULL);
	cr_assert_eq(ldns_pkt_id(p), 1);
	first[0] = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(p), 0), 1));
	ldns_pkt_free(p);
	p = recv_answer(fd, NULL);
	cr_assert_eq(ldns_pkt_id(p), 2);
	cr_assert_eq(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	ldns_pkt_free(p);
	send_all(fd, c + 3, n3 - 3);
	p = recv_answer(fd, NULL);
	cr_assert_eq(ldns_pkt_id(p), 3);
	/* The pool turned between the two MX answers (prefer mode: the
	 * selected exchange is listed first at preference 10). */
	first[1] = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(p), 0), 1));
	cr_assert_str_eq(first[0], "a.tcp.test.");
	cr_assert_str_eq(first[1], "b.tcp.test.");
	free(first[0]);
	free(first[1]);
	ldns_pkt_free(p);
	free(a);
	free(b);
	free(c);
	close(fd);
	cr_assert_eq(srv.st.queries, 3);
	stop_srv();
}

Test(tcp, answer_of_40k)
{
	size_t n, len;
	uint8_t *m = framed("big.tcp.test.", LDNS_RR_TYPE_TXT, 7, &n);
	ldns_pkt *p;
	int fd, rcv = 4096;

	start_srv(16, 10000);
	fd = dial();
	/* A small receive buffer: the server meets a socket that takes the
	 * answer only in part. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	send_all(fd, m, n);
	nap_ms(100);
	p = recv_answer(fd, &len);
	cr_assert_gt(len, 40000);
	cr_assert_not(ldns_pkt_tc(p));
	cr_assert_eq(ldns_pkt_ancount(p), 160);
	ldns_pkt_free(p);
	/* And the connection still answers. */
	send_all(fd, m, n);
	p = recv_answer(fd, &len);
	cr_assert_eq(ldns_pkt_ancount(p), 160);
	ldns_pkt_free(p);
	free(m);
	close(fd);
	stop_srv();
}

Test(tcp, idle_timeout)
{
	size_t n;
	uint8_t *m = framed("mx.tcp.test.", LDNS_RR_TYPE_MX, 9, &n);
	ldns_pkt *p;
	int fd;

	start_srv(16, 300);
	fd = dial();
	send_all(fd, m, n);
	p = recv_answer(fd, NULL);
	ldns_pkt_free(p);
	/* Half a message, then nothing. */
	send_all(fd, m, 3);
	nap_ms(700);
	cr_assert(closed_by_peer(fd), "still open after the idle timeout");
	cr_assert_eq(srv.st.closed_idle, 1);
	free(m);
	close(fd);
	stop_srv();
}

Test(tcp, per_client_limit)
{
	size_t n;
	uint8_t *m = framed("mx.tcp.test.", LDNS_RR_TYPE_MX, 5, &n);
	ldns_pkt *p;
	int fd[3], i;

	start_srv(2, 10000);
	for (i = 0; i < 3; i++) {
		fd[i] = dial();
		nap_ms(50);
	}
	cr_assert(closed_by_peer(fd[2]), "third connection from one address kept");
	for (i = 0; i < 2; i++) {
		send_all(fd[i], m, n);
		p = recv_answer(fd[i], NULL);
		ldns_pkt_free(p);
	}
	cr_assert_eq(srv.st.refused_client, 1);
	/* Once one closes, a new one is accepted. */
	close(fd[0]);
	nap_ms(200);
	fd[0] = dial();
	send_all(fd[0], m, n);
	p = recv_answer(fd[0], NULL);
	ldns_pkt_free(p);
	for (i = 0; i < 3; i++)
		close(fd[i]);
	free(m);
	stop_srv();
}

Test(tcp, zero_length_closes)
{
	static const uint8_t zero[2] = {0, 0};
	int fd;

	start_srv(16, 10000);
	fd = dial();
	send_all(fd, zero, 2);
	cr_assert(closed_by_peer(fd));
	close(fd);
	nap_ms(100);
	cr_assert_eq(srv.st.closed_error, 1);
	stop_srv();
}
