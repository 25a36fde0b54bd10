/* The health checker's loop against scripted peers: fall and rise turn
 * into down and up sent once each (through a sender that records them,
 * and one that fails first and is retried), a member with two addresses
 * is down only when both fail, names resolved over UDP from a scripted
 * resolver, the results table and how `mxlbctl pools` shows it. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "health_loop.h"
#include "health_probe.h"
#include "test_health_peer.h"

static const struct t_peer_step t_good[] = {{T_SEND, "220 ok\r\n", 0},	{T_EXPECT, "EHLO", 0},
					    {T_SEND, "250 ok\r\n", 0},	{T_EXPECT, "QUIT", 0},
					    {T_SEND, "221 bye\r\n", 0}, {T_CLOSE, 0, 0}};
static const struct t_peer_step t_busy[] = {{T_SEND, "421 busy\r\n", 0}, {T_CLOSE, 0, 0}};

struct t_sent {
	pthread_mutex_t mu;
	char log[2048];
	int64_t at[16];
	unsigned n, fail_first; /* fail_first: answer UNREACHABLE this many times */
	int64_t t0;
};

static enum mxlb_health_send_status t_send(void *ctx, const char *verb, const char *member,
					   char *reply, size_t len)
{
	struct t_sent *s = ctx;
	enum mxlb_health_send_status st = MXLB_HEALTH_SEND_OK;

	pthread_mutex_lock(&s->mu);
	if (s->fail_first > 0) {
		s->fail_first--;
		snprintf(reply, len, "the control lock is held by pid 1");
		st = MXLB_HEALTH_SEND_UNREACHABLE;
	} else {
		if (s->n < 16)
			s->at[s->n] = mxlb_health_probe_now_ms() - s->t0;
		s->n++;
		strcat(s->log, verb);
		strcat(s->log, " ");
		strcat(s->log, member);
		strcat(s->log, "|");
		snprintf(reply, len, "version %u: %s %s: 1 member in 1 pool", s->n, verb, member);
	}
	pthread_mutex_unlock(&s->mu);
	return st;
}

struct t_flip {
	struct t_peer *peer;
	unsigned at_ms[4];
	const struct t_peer_step *to[4];
	unsigned n;
};

static void *t_flipper(void *arg)
{
	struct t_flip *f = arg;
	unsigned i, prev = 0;

	for (i = 0; i < f->n; i++) {
		usleep((f->at_ms[i] - prev) * 1000);
		prev = f->at_ms[i];
		f->peer->script = f->to[i];
	}
	return NULL;
}

static struct mxlb_health_conf t_conf_of(struct mxlb_health_conf_check *c, unsigned n)
{
	struct mxlb_health_conf conf = {.checks = c, .n = n, .cap = n, .resolve_ms = 60000};

	t_peer_loopback(&conf.resolver);
	return conf;
}

Test(health_loop, fall_rise_down_up)
{
	struct mxlb_health_conf_check c;
	struct mxlb_health_conf conf;
	struct mxlb_health_loop_stats st;
	struct t_sent sent = {.mu = PTHREAD_MUTEX_INITIALIZER};
	struct t_peer peer;
	struct t_flip flip;
	pthread_t th;
	struct mxlb_health_table *t = calloc(1, mxlb_health_table_size(1));
	struct mxlb_health_table_entry e;
	struct mxlb_health_loop_opts o = {.send = t_send,
					  .send_ctx = &sent,
					  .log = stderr,
					  .signal_fd = -1,
					  .run_ms = 2600,
					  .table = t,
					  .drain_on_stop = true};

	t_peer_start(&peer, t_good, NULL);
	t_peer_check(&c, MXLB_HEALTH_SMTP, peer.port);
	c.interval_ms = 200;
	c.timeout_ms = 150;
	c.fall = 3;
	c.rise = 2;
	conf = t_conf_of(&c, 1);
	o.conf = &conf;
	mxlb_health_table_init(t, 1, 1, "test.conf", 0);
	flip = (struct t_flip){&peer, {800, 1800}, {t_busy, t_good}, 2};
	pthread_create(&th, NULL, t_flipper, &flip);
	sent.t0 = mxlb_health_probe_now_ms();
	cr_assert_eq(mxlb_health_loop_run(&o, &st), 0);
	pthread_join(th, NULL);
	t_peer_stop(&peer);
	cr_expect_str_eq(sent.log, "up mx1.test|down mx1.test|up mx1.test|");
	/* up after two passes (~200 ms), down within interval x fall of the
	 * flip, up within interval x rise of the flip back (+ slack) */
	cr_expect(sent.at[0] < 600, "up at %lld ms", (long long)sent.at[0]);
	cr_expect(sent.at[1] > 800 && sent.at[1] < 800 + 3 * 200 + 300, "down at %lld ms",
		  (long long)sent.at[1]);
	cr_expect(sent.at[2] > 1800 && sent.at[2] < 1800 + 2 * 200 + 300, "up at %lld ms",
		  (long long)sent.at[2]);
	cr_expect_eq(st.transitions, 3);
	cr_assert(mxlb_health_table_get(t, 0, &e));
	cr_expect_eq(e.state, MXLB_HEALTH_STATE_UP);
	cr_expect_eq(e.last, MXLB_HEALTH_LAST_OK);
	cr_expect(strstr(e.result, "smtp 127.0.0.1:") == e.result, "%s", e.result);
	free(t);
}

Test(health_loop, send_retried_after_failure)
{
	struct mxlb_health_conf_check c;
	struct mxlb_health_conf conf;
	struct mxlb_health_loop_stats st;
	struct t_sent sent = {.mu = PTHREAD_MUTEX_INITIALIZER, .fail_first = 1};
	struct t_peer peer;
	struct mxlb_health_loop_opts o = {
	    .send = t_send, .send_ctx = &sent, .log = stderr, .signal_fd = -1, .run_ms = 1800};

	t_peer_start(&peer, t_busy, NULL);
	t_peer_check(&c, MXLB_HEALTH_SMTP, peer.port);
	c.interval_ms = 100;
	c.timeout_ms = 100;
	c.fall = 2;
	conf = t_conf_of(&c, 1);
	o.conf = &conf;
	sent.t0 = mxlb_health_probe_now_ms();
	cr_assert_eq(mxlb_health_loop_run(&o, &st), 0);
	t_peer_stop(&peer);
	cr_expect_str_eq(sent.log, "down mx1.test|");
	cr_expect(sent.at[0] >= 1000, "sent again at %lld ms", (long long)sent.at[0]);
}

Test(health_loop, down_only_when_every_address_fails)
{
	struct mxlb_health_conf_check c;
	struct mxlb_health_conf conf;
	struct mxlb_health_loop_stats st;
	struct t_sent sent = {.mu = PTHREAD_MUTEX_INITIALIZER};
	struct t_peer good;
	struct mxlb_health_loop_opts o = {
	    .send = t_send, .send_ctx = &sent, .log = stderr, .signal_fd = -1, .run_ms = 1200};

	/* Two addresses of one member: the peer listens on 127.0.0.1 only,
	 * so 127.0.0.2 refuses the connection. */
	t_peer_start(&good, t_good, NULL);
	t_peer_check(&c, MXLB_HEALTH_SMTP, good.port);
	c.interval_ms = 100;
	c.timeout_ms = 100;
	c.fall = 2;
	c.rise = 2;
	inet_pton(AF_INET, "127.0.0.2", &((struct sockaddr_in *)&c.addrs[1])->sin_addr);
	c.addrs[1].ss_family = AF_INET;
	c.naddrs = 2;
	conf = t_conf_of(&c, 1);
	o.conf = &conf;
	cr_assert_eq(mxlb_health_loop_run(&o, &st), 0);
	cr_expect_str_eq(sent.log, "up mx1.test|");
	/* now the first address too fails: down */
	good.script = t_busy;
	sent.log[0] = '\0';
	cr_assert_eq(mxlb_health_loop_run(&o, &st), 0);
	cr_expect_str_eq(sent.log, "down mx1.test|");
	t_peer_stop(&good);
}

/* A resolver on 127.0.0.1 that answers A queries for mx1.test. with
 * 127.0.0.1 and AAAA with NODATA. */
struct t_resolver {
	int fd;
	uint16_t port;
	volatile int stop;
	unsigned queries;
	pthread_t th;
};

static void *t_resolver_main(void *arg)
{
	struct t_resolver *r = arg;
	struct pollfd pfd = {.fd = r->fd, .events = POLLIN};
	struct sockaddr_storage from;
	uint8_t b[512];

	while (!r->stop) {
		socklen_t fl = sizeof(from);
		ssize_t n;

		if (poll(&pfd, 1, 50) <= 0)
			continue;
		n = recvfrom(r->fd, b, sizeof(b) - 16, 0, (struct sockaddr *)&from, &fl);
		if (n < 12 + 5)
			continue;
		r->queries++;
		uint16_t type = (uint16_t)(b[n - 4] << 8 | b[n - 3]);

		b[2] = 0x85;
		b[3] = 0;
		b[7] = type == 1 ? 1 : 0; /* ANCOUNT */
		if (type == 1) {
			static const uint8_t rr[] = {0xc0, 12, 0, 1, 0,	  1, 0, 0,
						     0,	   60, 0, 4, 127, 0, 0, 1};

			memcpy(b + n, rr, sizeof(rr));
			n += (ssize_t)sizeof(rr);
		}
		sendto(r->fd, b, (size_t)n, 0, (struct sockaddr *)&from, fl);
	}
	return NULL;
}

Test(health_loop, names_resolved_over_dns)
{
	struct mxlb_health_conf_check c;
	struct mxlb_health_conf conf;
	struct mxlb_health_loop_stats st;
	struct t_sent sent = {.mu = PTHREAD_MUTEX_INITIALIZER};
	struct t_resolver r = {0};
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	struct t_peer peer;
	struct mxlb_health_loop_opts o = {
	    .send = t_send, .send_ctx = &sent, .log = stderr, .signal_fd = -1, .run_ms = 800};

	r.fd = socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert_eq(bind(r.fd, (struct sockaddr *)&a, sizeof(a)), 0);
	getsockname(r.fd, (struct sockaddr *)&a, &al);
	pthread_create(&r.th, NULL, t_resolver_main, &r);
	t_peer_start(&peer, t_good, NULL);
	t_peer_check(&c, MXLB_HEALTH_SMTP, peer.port);
	c.naddrs = 0; /* resolve mx1.test */
	c.interval_ms = 100;
	c.timeout_ms = 100;
	conf = t_conf_of(&c, 1);
	((struct sockaddr_in *)&conf.resolver)->sin_port = a.sin_port;
	o.conf = &conf;
	cr_assert_eq(mxlb_health_loop_run(&o, &st), 0);
	r.stop = 1;
	pthread_join(r.th, NULL);
	close(r.fd);
	t_peer_stop(&peer);
	cr_expect_eq(r.queries, 2);
	cr_expect_eq(st.resolved, 1);
	cr_expect_str_eq(sent.log, "up mx1.test|");
}

Test(health_table, pools_text_and_json_annotated)
{
	static const char text[] =
	    "version 3: 2 pools\n"
	    "pool 0: isp.example. MX, mode prefer, 1 owner, fail-open no\n"
	    "  10 mx1.isp.example.                        weight 1    up    served 4\n"
	    "  10 MX2.isp.example.                        weight 1    down  served 2\n"
	    "pool 1: www.isp.example. A, mode rotate, 1 owner, fail-open no\n"
	    "  198.18.0.80                              weight 1    up    served 1\n";
	static const char json[] =
	    "{\"version\":3,\"pools\":[{\"id\":0,\"owner\":\"isp.example.\",\"type\":\"MX\","
	    "\"members\":[{\"rdata\":\"10 mx2.isp.example.\",\"weight\":1,\"state\":\"down\","
	    "\"served\":2}]}]}\n";
	struct mxlb_health_table *t = calloc(1, mxlb_health_table_size(2));
	struct mxlb_health_table_entry e = {.proto = MXLB_HEALTH_SMTP,
					    .state = MXLB_HEALTH_STATE_DOWN,
					    .member_state = MXLB_HEALTH_STATE_DOWN,
					    .last = MXLB_HEALTH_LAST_FAIL,
					    .port = 25,
					    .fails = 4,
					    .last_time = 1767225600, /* 2026-01-01T00:00:00Z */
					    .since_time = 1767225590};
	char *out;

	mxlb_health_table_init(t, 2, (int32_t)getpid(), "/etc/mxlb/health.conf", 0);
	snprintf(e.member, sizeof(e.member), "mx2.isp.example");
	snprintf(e.result, sizeof(e.result), "smtp 198.18.2.12:25: greeting 421");
	mxlb_health_table_put(t, 0, &e);
	e.proto = MXLB_HEALTH_TCP;
	e.port = 80;
	e.state = MXLB_HEALTH_STATE_UP;
	e.last = MXLB_HEALTH_LAST_OK;
	snprintf(e.member, sizeof(e.member), "198.18.0.80");
	snprintf(e.result, sizeof(e.result), "tcp 198.18.0.80:80: ok");
	mxlb_health_table_put(t, 1, &e);
	out = mxlb_health_table_annotate(t, text, false, true);
	cr_assert_not_null(out);
	cr_expect_str_eq(
	    out, "version 3: 2 pools\n"
		 "pool 0: isp.example. MX, mode prefer, 1 owner, fail-open no\n"
		 "  10 mx1.isp.example.                        weight 1    up    served 4\n"
		 "  10 MX2.isp.example.                        weight 1    down  served 2\n"
		 "    health smtp/25: down since 2025-12-31T23:59:50Z; last 2026-01-01T00:00:00Z "
		 "failed: smtp 198.18.2.12:25: greeting 421\n"
		 "pool 1: www.isp.example. A, mode rotate, 1 owner, fail-open no\n"
		 "  198.18.0.80                              weight 1    up    served 1\n"
		 "    health tcp/80: up since 2025-12-31T23:59:50Z; last 2026-01-01T00:00:00Z ok: "
		 "tcp 198.18.0.80:80: ok\n");
	free(out);
	out = mxlb_health_table_annotate(t, json, true, false);
	cr_assert_not_null(out);
	cr_expect_str_eq(
	    out, "{\"version\":3,\"pools\":[{\"id\":0,\"owner\":\"isp.example.\",\"type\":\"MX\","
		 "\"members\":[{\"rdata\":\"10 mx2.isp.example.\",\"weight\":1,\"state\":\"down\","
		 "\"served\":2,\"health\":[{\"protocol\":\"smtp\",\"port\":25,\"state\":\"down\","
		 "\"member_state\":\"down\",\"since\":\"2025-12-31T23:59:50Z\",\"last\":\"fail\","
		 "\"last_time\":\"2026-01-01T00:00:00Z\",\"fails\":4,\"oks\":0,"
		 "\"checker_running\":false,\"result\":\"smtp 198.18.2.12:25: greeting "
		 "421\"}]}]}]}\n");
	free(out);
	free(t);
}
