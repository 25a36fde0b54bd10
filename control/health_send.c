/* The sender thread of the health checker (health_send.h). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "health_probe.h"
#include "health_send.h"
#include "health_table.h"

int mxlb_health_send_init(struct mxlb_health_send *s, const char *const *names, unsigned n,
			  mxlb_health_send_fn fn, void *ctx, FILE *log)
{
	pthread_condattr_t ca;
	unsigned i;

	memset(s, 0, sizeof(*s));
	s->m = calloc(n ? n : 1, sizeof(*s->m));
	if (s->m == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		s->m[i].name = names[i];
		s->m[i].wanted = s->m[i].acked = MXLB_HEALTH_STATE_UNKNOWN;
	}
	s->n = n;
	s->fn = fn;
	s->ctx = ctx;
	s->log = log;
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	return 0;
}

/* The member to send next and when: its index, or -1 with *WAKE the
 * earliest retry. Holds the mutex. */
static int mxlb_health_send_next(struct mxlb_health_send *s, int64_t now, int64_t *wake)
{
	unsigned i;

	*wake = now + 1000;
	for (i = 0; i < s->n; i++) {
		struct mxlb_health_send_member *m = &s->m[i];

		if (m->wanted == MXLB_HEALTH_STATE_UNKNOWN || m->wanted == m->acked)
			continue;
		if (m->retry_ms <= now)
			return (int)i;
		if (m->retry_ms < *wake)
			*wake = m->retry_ms;
	}
	return -1;
}

static void *mxlb_health_send_main(void *arg)
{
	struct mxlb_health_send *s = arg;
	char reply[1024];
	int64_t now, wake;
	struct timespec ts;
	int i, want;

	pthread_mutex_lock(&s->mu);
	while (!s->stop && !s->gone) {
		now = mxlb_health_probe_now_ms();
		i = mxlb_health_send_next(s, now, &wake);
		if (i < 0) {
			ts.tv_sec = (time_t)(wake / 1000);
			ts.tv_nsec = (long)(wake % 1000) * 1000000L;
			pthread_cond_timedwait(&s->cv, &s->mu, &ts);
			continue;
		}
		want = s->m[i].wanted;
		pthread_mutex_unlock(&s->mu);
		reply[0] = '\0';
		enum mxlb_health_send_status st =
		    s->fn(s->ctx, want == MXLB_HEALTH_STATE_DOWN ? "down" : "up", s->m[i].name,
			  reply, sizeof(reply));
		size_t rl = strlen(reply);

		while (rl > 0 && reply[rl - 1] == '\n')
			reply[--rl] = '\0';
		pthread_mutex_lock(&s->mu);
		struct mxlb_health_send_member *m = &s->m[i];
		const char *verb = want == MXLB_HEALTH_STATE_DOWN ? "down" : "up";

		now = mxlb_health_probe_now_ms();
		switch (st) {
		case MXLB_HEALTH_SEND_OK:
			m->acked = want;
			m->failures = 0;
			s->sent++;
			fprintf(s->log, "mxlbctl health: %s %s: mxlbd: %s\n", verb, m->name, reply);
			break;
		case MXLB_HEALTH_SEND_REFUSED:
			m->retry_ms = now + MXLB_HEALTH_SEND_REFUSED_MS;
			s->failed++;
			fprintf(s->log,
				"mxlbctl health: %s %s: refused by mxlbd: %s (again in %d s)\n",
				verb, m->name, reply, MXLB_HEALTH_SEND_REFUSED_MS / 1000);
			break;
		case MXLB_HEALTH_SEND_UNREACHABLE: {
			int64_t d = (int64_t)MXLB_HEALTH_SEND_RETRY_MS
				    << (m->failures < 4 ? m->failures : 4);

			if (d > MXLB_HEALTH_SEND_BACKOFF_MS)
				d = MXLB_HEALTH_SEND_BACKOFF_MS;
			m->failures++;
			m->retry_ms = now + d;
			s->failed++;
			fprintf(s->log, "mxlbctl health: %s %s: not sent: %s (again in %lld ms)\n",
				verb, m->name, reply, (long long)d);
			break;
		}
		case MXLB_HEALTH_SEND_GONE:
			s->gone = true;
			fprintf(s->log, "mxlbctl health: %s %s: not sent: %s\n", verb, m->name,
				reply);
			break;
		}
		fflush(s->log);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

int mxlb_health_send_start(struct mxlb_health_send *s)
{
	sigset_t all, old;
	int ret;

	/* Signals go to the probing loop, which has a signalfd for them. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	ret = pthread_create(&s->thread, NULL, mxlb_health_send_main, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret != 0)
		return -ret;
	s->started = true;
	return 0;
}

void mxlb_health_send_want(struct mxlb_health_send *s, unsigned i, int state)
{
	pthread_mutex_lock(&s->mu);
	if (s->m[i].wanted != state) {
		s->m[i].wanted = state;
		s->m[i].retry_ms = 0;
		s->m[i].failures = 0;
		pthread_cond_signal(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
}

bool mxlb_health_send_idle(struct mxlb_health_send *s)
{
	bool idle = true;
	unsigned i;

	pthread_mutex_lock(&s->mu);
	for (i = 0; i < s->n && idle; i++)
		idle =
		    s->m[i].wanted == MXLB_HEALTH_STATE_UNKNOWN || s->m[i].wanted == s->m[i].acked;
	pthread_mutex_unlock(&s->mu);
	return idle;
}

bool mxlb_health_send_gone(struct mxlb_health_send *s)
{
	bool gone;

	pthread_mutex_lock(&s->mu);
	gone = s->gone;
	pthread_mutex_unlock(&s->mu);
	return gone;
}

void mxlb_health_send_fini(struct mxlb_health_send *s)
{
	if (s->started) {
		pthread_mutex_lock(&s->mu);
		s->stop = true;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thread, NULL);
		s->started = false;
	}
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s->m);
	s->m = NULL;
}
