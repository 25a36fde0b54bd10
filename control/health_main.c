/* The health checker command (health_main.h): attaches to mxlbd as a DPDK
 * secondary, reserves the results memzone, and runs the loop, whose sender
 * thread sends `down X` / `up X` over the control ring the way mxlbctl
 * does: under the control lock, held for the exchange alone. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_mempool.h>
#include <rte_memzone.h>
#include <rte_ring.h>

#include "exchange.h"
#include "health_conf.h"
#include "health_loop.h"
#include "health_main.h"
#include "secondary.h"
#include "health_table.h"
#include "health_tls.h"
#include "lock.h"
#include "shared.h"

#define MXLB_HEALTH_MAIN_LOCK_MS  10000 /* as mxlbctl */
#define MXLB_HEALTH_MAIN_REPLY_MS 10000
#define MXLB_HEALTH_MAIN_LCORE	  (RTE_MAX_LCORE - 2) /* mxlbctl uses the last one */

struct mxlb_health_main {
	const char *prefix;
	struct mxlb_shared_stats *shm;
	struct rte_ring *req, *rsp;
	struct rte_mempool *pool;
	const struct rte_memzone *mz;
};

static void mxlb_health_main_pause(long ns)
{
	const struct timespec ts = {.tv_sec = ns / 1000000000L, .tv_nsec = ns % 1000000000L};

	nanosleep(&ts, NULL);
}

/* exchange.h's sink: the reply parts, as much as fits, in a NUL-ended
 * buffer. */
struct mxlb_health_main_reply {
	char *text;
	size_t cap, len;
};

static int mxlb_health_main_reply_part(void *arg, const char *text, size_t n)
{
	struct mxlb_health_main_reply *r = arg;

	if (r->len + 1 < r->cap) {
		size_t k = n < r->cap - r->len - 1 ? n : r->cap - r->len - 1;

		memcpy(r->text + r->len, text, k);
		r->len += k;
		r->text[r->len] = '\0';
	}
	return 0;
}

/* One exchange of "VERB MEMBER". Holds the lock. Returns 0 with the reply in
 * REPLY and its status in *STATUS, or -ETIMEDOUT, -ESRCH (mxlbd exited). */
static int mxlb_health_main_exchange(struct mxlb_health_main *h, uint32_t seq, const char *verb,
				     const char *member, char *reply, size_t len, int *status)
{
	const struct mxlb_exchange x = {.req = h->req,
					.rsp = h->rsp,
					.pool = h->pool,
					.shm = h->shm,
					.timeout_ms = MXLB_HEALTH_MAIN_REPLY_MS};
	const char *const argv[] = {verb, member};
	struct mxlb_health_main_reply r = {.text = reply, .cap = len, .len = 0};

	if (len)
		reply[0] = '\0';
	return mxlb_exchange_run(&x, seq, 2, argv, mxlb_health_main_reply_part, &r, status);
}

/* The sender's operation (health_send.h), on the sender thread. */
static enum mxlb_health_send_status
mxlb_health_main_send(void *ctx, const char *verb, const char *member, char *reply, size_t len)
{
	struct mxlb_health_main *h = ctx;
	pid_t self = getpid(), holder = 0;
	int ret, status = MXLB_SHARED_STATUS_REFUSED;
	uint32_t seq;

	if (!mxlb_lock_alive((pid_t)h->shm->pid)) {
		snprintf(reply, len, "mxlbd (pid %d) has exited", (int)h->shm->pid);
		return MXLB_HEALTH_SEND_GONE;
	}
	if (mxlb_lock_take(h->shm, self, MXLB_HEALTH_MAIN_LOCK_MS, &holder) != 0) {
		snprintf(reply, len, "the control lock is held by pid %d", (int)holder);
		return MXLB_HEALTH_SEND_UNREACHABLE;
	}
	seq = __atomic_add_fetch(&h->shm->ctl_seq, 1, __ATOMIC_ACQ_REL);
	ret = mxlb_health_main_exchange(h, seq, verb, member, reply, len, &status);
	mxlb_lock_give(h->shm, self);
	if (ret == -ESRCH) {
		snprintf(reply, len, "mxlbd (pid %d) exited before it answered", (int)h->shm->pid);
		return MXLB_HEALTH_SEND_GONE;
	}
	if (ret != 0) {
		snprintf(reply, len, "mxlbd did not answer within %d s",
			 MXLB_HEALTH_MAIN_REPLY_MS / 1000);
		return MXLB_HEALTH_SEND_UNREACHABLE;
	}
	return status == MXLB_SHARED_STATUS_OK ? MXLB_HEALTH_SEND_OK : MXLB_HEALTH_SEND_REFUSED;
}

static bool mxlb_health_main_alive(void *ctx)
{
	const struct mxlb_health_main *h = ctx;

	return mxlb_lock_alive((pid_t)h->shm->pid);
}

/* --dry-run: the changes are only logged. */
static enum mxlb_health_send_status
mxlb_health_main_dry(void *ctx, const char *verb, const char *member, char *reply, size_t len)
{
	(void)ctx;
	snprintf(reply, len, "dry run: would send '%s %s'", verb, member);
	return MXLB_HEALTH_SEND_OK;
}

/* Whether a stop signal is waiting on SFD. */
static bool mxlb_health_main_stopped(int sfd)
{
	struct signalfd_siginfo si;

	return read(sfd, &si, sizeof(si)) > 0;
}

/* Waits for mxlbd, attaches, and finds its control objects. */
static int mxlb_health_main_attach(struct mxlb_health_main *h, int sfd)
{
	const struct rte_memzone *mz;
	bool said = false;

	while (!mxlb_secondary_primary_alive(h->prefix)) {
		if (!said)
			printf("mxlbctl health: waiting for mxlbd (--file-prefix %s)\n", h->prefix);
		said = true;
		if (mxlb_health_main_stopped(sfd))
			return -EINTR;
		mxlb_health_main_pause(500000000L);
	}
	if (mxlb_secondary_eal("mxlbctl-health", h->prefix, MXLB_HEALTH_MAIN_LCORE) < 0) {
		fprintf(stderr, "mxlbctl health: cannot attach to mxlbd (--file-prefix %s): %s\n",
			h->prefix, rte_strerror(rte_errno));
		return -ENOENT;
	}
	rte_log_set_level_pattern("lib.eal", RTE_LOG_CRIT);
	for (;;) {
		mz = rte_memzone_lookup(MXLB_SHARED_STATS);
		h->req = rte_ring_lookup(MXLB_SHARED_RING_REQ);
		h->rsp = rte_ring_lookup(MXLB_SHARED_RING_RSP);
		h->pool = rte_mempool_lookup(MXLB_SHARED_MSG_POOL);
		if (mz != NULL && h->req != NULL && h->rsp != NULL && h->pool != NULL &&
		    __atomic_load_n(&((struct mxlb_shared_stats *)mz->addr)->layout,
				    __ATOMIC_ACQUIRE) != 0)
			break;
		if (mxlb_health_main_stopped(sfd))
			return -EINTR;
		mxlb_health_main_pause(200000000L); /* mxlbd is starting */
	}
	h->shm = mz->addr;
	if (h->shm->layout != MXLB_SHARED_STATS_LAYOUT || h->shm->size != sizeof(*h->shm)) {
		fprintf(stderr,
			"mxlbctl health: mxlbd shares stats layout %u, this mxlbctl %u: use the "
			"mxlbctl built with that mxlbd\n",
			h->shm->layout, MXLB_SHARED_STATS_LAYOUT);
		return -EPROTO;
	}
	printf("mxlbctl health: attached to mxlbd pid %d (--file-prefix %s)\n", (int)h->shm->pid,
	       h->prefix);
	return 0;
}

/* The results memzone, reused when an earlier checker left one. */
static struct mxlb_health_table *mxlb_health_main_table(struct mxlb_health_main *h,
							const char *config, unsigned n)
{
	size_t size = mxlb_health_table_size(n);
	const struct rte_memzone *mz = rte_memzone_lookup(MXLB_HEALTH_TABLE_MEMZONE);
	char path[PATH_MAX];

	if (mz != NULL && mz->len < size) {
		rte_memzone_free(mz);
		mz = NULL;
	}
	if (mz == NULL)
		mz = rte_memzone_reserve(MXLB_HEALTH_TABLE_MEMZONE, size, SOCKET_ID_ANY, 0);
	if (mz == NULL) {
		printf("mxlbctl health: no memzone for the results (%s): mxlbctl pools will not "
		       "show them\n",
		       rte_strerror(rte_errno));
		return NULL;
	}
	h->mz = mz;
	if (realpath(config, path) == NULL)
		snprintf(path, sizeof(path), "%s", config);
	mxlb_health_table_init(mz->addr, n, (int32_t)getpid(), path, (uint64_t)time(NULL));
	return mz->addr;
}

static int mxlb_health_main_usage(FILE *out, int ret)
{
	fprintf(out, "usage: mxlbctl [-p PREFIX] health --config FILE [--check | --dry-run]\n"
		     "  --check     only read the configuration, report and exit\n"
		     "  --dry-run   probe, but send nothing to mxlbd (needs no mxlbd)\n");
	return ret;
}

int mxlb_health_main(const char *prefix, int argc, char **argv)
{
	static struct mxlb_health_main h;
	struct mxlb_health_loop_opts o = {.log = stdout, .drain_on_stop = true};
	struct mxlb_health_loop_stats st;
	struct mxlb_health_conf conf;
	const char *config = NULL;
	bool check = false, dry = false;
	char err[1024];
	struct rlimit rl;
	sigset_t sigs;
	int i, ret, sfd;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			config = argv[++i];
		else if (strcmp(argv[i], "--check") == 0)
			check = true;
		else if (strcmp(argv[i], "--dry-run") == 0)
			dry = true;
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return mxlb_health_main_usage(stdout, 0);
		else
			return mxlb_health_main_usage(stderr, 1);
	}
	if (config == NULL || (check && dry))
		return mxlb_health_main_usage(stderr, 1);
	if (mxlb_health_conf_load(config, &conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "mxlbctl health: %s\n", err);
		return 1;
	}
	for (i = 0; i < (int)conf.n; i++) {
		const struct mxlb_health_conf_check *c = &conf.checks[i];

		if ((mxlb_health_conf_implicit_tls(c->proto) || c->starttls) &&
		    mxlb_health_tls_prepare(c, err, sizeof(err)) != 0) {
			fprintf(stderr, "mxlbctl health: %s:%u: %s\n", config, c->line, err);
			mxlb_health_conf_free(&conf);
			return 1;
		}
	}
	if (check) {
		printf("mxlbctl health: %s: %u checks\n", config, conf.n);
		mxlb_health_conf_free(&conf);
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* A socket per probe in flight: take what the hard limit allows. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* SIGTERM and SIGINT arrive through a signalfd; blocked before EAL
	 * starts its threads, so that none of them takes them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	h.prefix = prefix;
	o.conf = &conf;
	o.signal_fd = sfd;
	if (dry) {
		o.send = mxlb_health_main_dry;
	} else {
		ret = mxlb_health_main_attach(&h, sfd);
		if (ret != 0) {
			mxlb_health_conf_free(&conf);
			return ret == -EINTR ? 0 : 2;
		}
		o.table = mxlb_health_main_table(&h, config, conf.n);
		o.send = mxlb_health_main_send;
		o.send_ctx = &h;
		o.alive = mxlb_health_main_alive;
	}
	printf("mxlbctl health: %s: %u checks%s\n", config, conf.n,
	       dry ? " (dry run: nothing is sent)" : "");
	ret = mxlb_health_loop_run(&o, &st);
	printf("mxlbctl health: stopped: %llu rounds (%llu passed, %llu failed), %llu "
	       "transitions\n",
	       (unsigned long long)st.rounds, (unsigned long long)st.passed,
	       (unsigned long long)st.failed, (unsigned long long)st.transitions);
	if (ret < 0)
		fprintf(stderr, "mxlbctl health: %s\n", strerror(-ret));
	if (h.mz != NULL && ret == 0)
		rte_memzone_free(h.mz);
	mxlb_health_tls_cleanup();
	mxlb_health_conf_free(&conf);
	if (!dry)
		rte_eal_cleanup();
	return ret == 0 ? 0 : ret == 2 ? 2 : 1;
}

char *mxlb_health_main_annotate(const char *text, bool json)
{
	const struct rte_memzone *mz = rte_memzone_lookup(MXLB_HEALTH_TABLE_MEMZONE);
	const struct mxlb_health_table *t;

	if (mz == NULL || mz->len < sizeof(*t))
		return NULL;
	t = mz->addr;
	if (__atomic_load_n(&t->layout, __ATOMIC_ACQUIRE) != MXLB_HEALTH_TABLE_LAYOUT ||
	    mz->len < mxlb_health_table_size(t->n))
		return NULL;
	return mxlb_health_table_annotate(t, text, json, mxlb_lock_alive((pid_t)t->pid));
}
