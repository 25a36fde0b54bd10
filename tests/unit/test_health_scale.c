/* Scale of the health checker: N smtp checks at 1 s intervals against a
 * local SMTP responder (50 listeners on 127.0.0.1, one epoll thread), for
 * S seconds, in one loop on one thread; reports the rounds done and the
 * loop thread's CPU time.
 *
 *   unit test (ASan):       1000 checks for 3 s, asserts every round ran
 *                           and passed and that the loop used under a core
 *   make health-scale:      build/health-scale N S, optimised, prints
 *                           BENCH lines */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "health_loop.h"
#include "health_probe.h"

#define T_SCALE_PORTS 50
#define T_SCALE_FDS   65536

struct t_scale_srv {
	int ep, lfd[T_SCALE_PORTS];
	uint16_t port[T_SCALE_PORTS];
	volatile int stop;
	pthread_t th;
	unsigned long sessions;
};

static void t_scale_conn(struct t_scale_srv *s, int fd)
{
	static char buf[T_SCALE_FDS][8]; /* the server thread alone */
	char in[512];
	ssize_t n;
	int i;

	while ((n = recv(fd, in, sizeof(in), 0)) > 0) {
		for (i = 0; i < n; i++) {
			char *b = buf[fd];
			size_t l = strlen(b);

			if (in[i] == '\n') {
				if (strncmp(b, "EHLO", 4) == 0) {
					send(fd, "250 ok\r\n", 8, MSG_NOSIGNAL);
				} else if (strncmp(b, "QUIT", 4) == 0) {
					send(fd, "221 bye\r\n", 9, MSG_NOSIGNAL);
					b[0] = '\0';
					close(fd);
					s->sessions++;
					return;
				}
				b[0] = '\0';
			} else if (l + 1 < sizeof(buf[0])) {
				b[l] = in[i];
				b[l + 1] = '\0';
			}
		}
	}
	if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
		buf[fd][0] = '\0';
		close(fd);
	}
}

static void *t_scale_main(void *arg)
{
	struct t_scale_srv *s = arg;
	struct epoll_event ev[256];
	int n, i, j, fd;

	while (!s->stop) {
		n = epoll_wait(s->ep, ev, 256, 50);
		for (i = 0; i < n; i++) {
			fd = ev[i].data.fd;
			for (j = 0; j < T_SCALE_PORTS && s->lfd[j] != fd; j++)
				;
			if (j == T_SCALE_PORTS) {
				t_scale_conn(s, fd);
				continue;
			}
			while ((fd = accept4(s->lfd[j], NULL, NULL,
					     SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
				struct epoll_event e = {.events = EPOLLIN, .data.fd = fd};

				if (fd >= T_SCALE_FDS) {
					close(fd);
					continue;
				}
				send(fd, "220 ok\r\n", 8, MSG_NOSIGNAL);
				epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &e);
			}
		}
	}
	return NULL;
}

static void t_scale_srv_start(struct t_scale_srv *s)
{
	int i, one = 1;

	memset(s, 0, sizeof(*s));
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	for (i = 0; i < T_SCALE_PORTS; i++) {
		struct sockaddr_in a = {.sin_family = AF_INET,
					.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		socklen_t al = sizeof(a);
		struct epoll_event e = {.events = EPOLLIN};

		s->lfd[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		setsockopt(s->lfd[i], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(s->lfd[i], (struct sockaddr *)&a, sizeof(a)) != 0 ||
		    listen(s->lfd[i], 4096) != 0 ||
		    getsockname(s->lfd[i], (struct sockaddr *)&a, &al) != 0)
			abort();
		s->port[i] = ntohs(a.sin_port);
		e.data.fd = s->lfd[i];
		epoll_ctl(s->ep, EPOLL_CTL_ADD, s->lfd[i], &e);
	}
	pthread_create(&s->th, NULL, t_scale_main, s);
}

static void t_scale_srv_stop(struct t_scale_srv *s)
{
	int i;

	s->stop = 1;
	pthread_join(s->th, NULL);
	for (i = 0; i < T_SCALE_PORTS; i++)
		close(s->lfd[i]);
	close(s->ep);
}

static enum mxlb_health_send_status t_scale_send(void *ctx, const char *verb, const char *member,
						 char *reply, size_t len)
{
	(void)ctx;
	snprintf(reply, len, "%s %s", verb, member);
	return MXLB_HEALTH_SEND_OK;
}

struct t_scale_result {
	struct mxlb_health_loop_stats st;
	double cpu_s, wall_s;
	unsigned long sessions;
};

static double t_scale_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int t_scale_run(unsigned n, unsigned seconds, struct t_scale_result *r)
{
	struct mxlb_health_conf_check *c = calloc(n, sizeof(*c));
	struct mxlb_health_conf conf = {.checks = c, .n = n, .cap = n, .resolve_ms = 60000};
	struct mxlb_health_loop_opts o = {.conf = &conf,
					  .send = t_scale_send,
					  .signal_fd = -1,
					  .run_ms = seconds * 1000,
					  .log = stderr};
	struct rlimit rl;
	struct t_scale_srv srv;
	FILE *quiet = fopen("/dev/null", "w");
	double c0, w0;
	unsigned i;
	int ret;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	o.log = quiet != NULL ? quiet : stderr;
	t_scale_srv_start(&srv);
	for (i = 0; i < n; i++) {
		struct sockaddr_in *a = (struct sockaddr_in *)&c[i].addrs[0];

		snprintf(c[i].member, sizeof(c[i].member), "mx%u.scale.test", i);
		c[i].proto = MXLB_HEALTH_SMTP;
		c[i].port = srv.port[i % T_SCALE_PORTS];
		c[i].interval_ms = 1000;
		c[i].timeout_ms = 500;
		c[i].fall = 3;
		c[i].rise = 2;
		snprintf(c[i].helo, sizeof(c[i].helo), "checker.test");
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		c[i].naddrs = 1;
	}
	conf.resolver = c[0].addrs[0];
	c0 = t_scale_cpu();
	w0 = (double)mxlb_health_probe_now_ms() / 1000;
	ret = mxlb_health_loop_run(&o, &r->st);
	r->cpu_s = t_scale_cpu() - c0;
	r->wall_s = (double)mxlb_health_probe_now_ms() / 1000 - w0;
	t_scale_srv_stop(&srv);
	r->sessions = srv.sessions;
	if (quiet != NULL)
		fclose(quiet);
	free(c);
	return ret;
}

#ifdef MXLB_HEALTH_SCALE_MAIN
int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 1000;
	unsigned s = argc > 2 ? (unsigned)atoi(argv[2]) : 10;
	struct t_scale_result r;

	if (n == 0 || s == 0 || t_scale_run(n, s, &r) != 0) {
		fprintf(stderr, "usage: health-scale N SECONDS\n");
		return 1;
	}
	printf("health-scale: %u smtp checks at 1 s for %.1f s: %llu rounds, %llu passed, "
	       "%llu failed, %llu probes, latest start %llu ms late\n",
	       n, r.wall_s, (unsigned long long)r.st.rounds, (unsigned long long)r.st.passed,
	       (unsigned long long)r.st.failed, (unsigned long long)r.st.probes,
	       (unsigned long long)r.st.max_lag_ms);
	printf("BENCH health_checks_per_s %.0f checks/s\n", (double)r.st.rounds / r.wall_s);
	printf("BENCH health_loop_cpu %.3f core\n", r.cpu_s / r.wall_s);
	printf("BENCH health_cpu_per_check %.1f us\n",
	       r.st.rounds ? r.cpu_s * 1e6 / (double)r.st.rounds : 0.0);
	return r.st.failed == 0 ? 0 : 1;
}
#else
#include <criterion/criterion.h>

Test(health_scale, thousand_checks_at_one_second, .timeout = 60)
{
	struct t_scale_result r;

	cr_assert_eq(t_scale_run(1000, 3, &r), 0);
	cr_log_info("1000 checks, %.1f s: %llu rounds, %llu failed, loop CPU %.3f s (%.2f core)",
		    r.wall_s, (unsigned long long)r.st.rounds, (unsigned long long)r.st.failed,
		    r.cpu_s, r.cpu_s / r.wall_s);
	fprintf(stderr,
		"health_scale: 1000 checks at 1 s for %.1f s: %llu rounds (%llu failed), loop "
		"thread CPU %.3f s = %.2f core (ASan build), latest start %llu ms late\n",
		r.wall_s, (unsigned long long)r.st.rounds, (unsigned long long)r.st.failed, r.cpu_s,
		r.cpu_s / r.wall_s, (unsigned long long)r.st.max_lag_ms);
	/* every member once a second: about 3000 rounds in 3 s */
	cr_expect_geq(r.st.rounds, 2900);
	cr_expect_eq(r.st.failed, 0);
	cr_expect_eq(r.st.transitions, 1000); /* each up once, after rise=2 */
	cr_expect_lt(r.cpu_s / r.wall_s, 1.0);
}
#endif
