/* The control lock in the stats memzone. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>

#include "lock.h"

bool mxlb_lock_alive(pid_t pid)
{
	char path[64], state = '?';
	FILE *f;
	int n;

	if (pid <= 0)
		return false;
	if (kill(pid, 0) != 0 && errno == ESRCH)
		return false;
	/* "PID (COMM) STATE ...": COMM may hold spaces and parentheses, so
	 * the state follows the last ')'. */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return true;
	{
		char buf[512];
		size_t len = fread(buf, 1, sizeof(buf) - 1, f);

		buf[len] = '\0';
		for (n = (int)len - 1; n >= 0 && buf[n] != ')'; n--)
			;
		if (n >= 0 && n + 2 < (int)len)
			state = buf[n + 2];
	}
	fclose(f);
	return state != 'Z' && state != 'X';
}

int mxlb_lock_take(struct mxlb_shared_stats *s, pid_t self, unsigned timeout_ms, pid_t *holder)
{
	const struct timespec pause = {.tv_sec = 0, .tv_nsec = 1000000};
	struct timespec start, now;
	int32_t cur;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		cur = 0;
		if (__atomic_compare_exchange_n(&s->ctl_pid, &cur, (int32_t)self, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return 0;
		if (cur == (int32_t)self)
			return 0;
		/* A holder that is gone cannot give it back: take it over. */
		if (!mxlb_lock_alive((pid_t)cur) &&
		    __atomic_compare_exchange_n(&s->ctl_pid, &cur, (int32_t)self, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 >=
		    (long)timeout_ms) {
			*holder = (pid_t)cur;
			return -EBUSY;
		}
		nanosleep(&pause, NULL);
	}
}

void mxlb_lock_give(struct mxlb_shared_stats *s, pid_t self)
{
	int32_t cur = (int32_t)self;

	__atomic_compare_exchange_n(&s->ctl_pid, &cur, 0, false, __ATOMIC_RELEASE,
				    __ATOMIC_RELAXED);
}
