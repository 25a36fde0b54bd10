/* mxlbctl, the control client of mxlbd (DESIGN §5): a DPDK secondary
 * process that sends one command over the request ring, prints the reply
 * from the response ring, and reads the counters straight from the stats
 * memzone.
 *
 * Exit status: 0 accepted (also "nothing changed"), 1 refused or bad
 * command, 2 mxlbd cannot be reached. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_mempool.h>
#include <rte_memzone.h>
#include <rte_ring.h>

#include "exchange.h"
#include "health_main.h"
#include "lock.h"
#include "secondary.h"
#include "report.h"
#include "shared.h"

#define MXLBCTL_PREFIX	   "mxlb" /* mxlbd's default --file-prefix */
#define MXLBCTL_LOCK_MS	   10000  /* wait for another mxlbctl to finish */
#define MXLBCTL_REPLY_MS   10000  /* wait for each chunk of a reply */
#define MXLBCTL_RELOAD_MS  120000 /* zone reload: a large zone takes a while */
#define MXLBCTL_EAL_ARGS   8
#define MXLBCTL_PREFIX_MAX 64

enum {
	MXLBCTL_EXIT_OK = 0,
	MXLBCTL_EXIT_REFUSED = 1,
	MXLBCTL_EXIT_UNREACHABLE = 2,
	MXLBCTL_HELP = -1,   /* parse result: usage printed on request */
	MXLBCTL_HEALTH = -2, /* parse result: the health checker (health_main.c) */
};

/* One invocation: the command as checked, and how to carry it out. */
struct mxlbctl {
	const char *prefix;
	int argc; /* the request words */
	const char *argv[MXLB_SHARED_ARGS_MAX + 1];
	bool stats; /* read from the memzone, no request */
	enum mxlb_report_format format;
	unsigned timeout_ms;
	char path[PATH_MAX]; /* zone reload FILE, resolved */
	int health;	     /* index of the word "health" in argv */
	/* attached */
	struct mxlb_shared_stats *shm;
	struct rte_ring *req;
	struct rte_ring *rsp;
	struct rte_mempool *pool;
	/* the reply */
	char *text;
	size_t len;
	int status;
};

static void mxlbctl_usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: mxlbctl [-p PREFIX] COMMAND ...\n"
	    "\n"
	    "  -p PREFIX   mxlbd's EAL --file-prefix (default " MXLBCTL_PREFIX ")\n"
	    "\n"
	    "commands:\n"
	    "  status [--json]                          mxlbd, image version, workers, journal\n"
	    "  pools [OWNER [TYPE]] [--json]            pools, members, weights, states, "
	    "answers\n"
	    "  preview OWNER TYPE [N] [--json]          the next N answers of each worker\n"
	    "  member add OWNER TYPE \"RDATA\" [--weight W]\n"
	    "  member del OWNER TYPE \"RDATA\"\n"
	    "  weight OWNER TYPE \"RDATA\" W\n"
	    "  drain|undrain|down|up HOST-OR-ADDRESS    in every pool that has the member\n"
	    "  all-down OWNER TYPE all|next|null        the pool's answer when no member is up\n"
	    "  zone reload [FILE]                       zone files again, then the journal\n"
	    "  stats [--json|--prometheus]              counters per worker and in total\n"
	    "  health --config FILE [--check|--dry-run] health checks; down/up on failure\n"
	    "\n"
	    "example: mxlbctl member add example.net MX \"10 mx5.example.net.\"\n"
	    "exit status: 0 done, 1 refused or bad command, 2 mxlbd not reachable\n");
}

static int mxlbctl_bad(const char *fmt, const char *arg) __attribute__((format(printf, 1, 0)));

static int mxlbctl_bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "mxlbctl: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(mxlbctl --help lists the commands)\n");
	return MXLBCTL_EXIT_REFUSED;
}

static bool mxlbctl_is_option(const char *w)
{
	return w[0] == '-' && w[1] == '-';
}

/* Checks WORDS[0..N) of COMMAND: positional words between MIN and MAX, and
 * options out of ALLOWED (a space-separated list; "--weight" takes a
 * value). Fills the request in canonical order: the command and its
 * positional words, then the options. */
static int mxlbctl_words(struct mxlbctl *c, int n, char **words, int skip, int min, int max,
			 const char *allowed, const char *usage)
{
	const char *opts[MXLB_SHARED_ARGS_MAX];
	int i, npos = 0, nopt = 0;
	char key[32];

	c->argc = 0;
	for (i = 0; i < skip; i++)
		c->argv[c->argc++] = words[i];
	for (i = skip; i < n; i++) {
		if (!mxlbctl_is_option(words[i])) {
			if (c->argc >= MXLB_SHARED_ARGS_MAX)
				return mxlbctl_bad("too many words: usage: %s", usage);
			c->argv[c->argc++] = words[i];
			npos++;
			continue;
		}
		snprintf(key, sizeof(key), " %s ", words[i]);
		{
			char list[128];

			snprintf(list, sizeof(list), " %s ", allowed);
			if (strlen(words[i]) + 2 >= sizeof(key) || strstr(list, key) == NULL)
				return mxlbctl_bad("unknown option %s", words[i]);
		}
		if (nopt + 2 > MXLB_SHARED_ARGS_MAX)
			return mxlbctl_bad("too many words: usage: %s", usage);
		opts[nopt++] = words[i];
		if (strcmp(words[i], "--weight") == 0) {
			if (i + 1 >= n)
				return mxlbctl_bad("--weight needs a value: usage: %s", usage);
			opts[nopt++] = words[++i];
		}
	}
	if (npos < min || npos > max)
		return mxlbctl_bad("usage: %s", usage);
	if (c->argc + nopt > MXLB_SHARED_ARGS_MAX)
		return mxlbctl_bad("too many words: usage: %s", usage);
	for (i = 0; i < nopt; i++)
		c->argv[c->argc++] = opts[i];
	c->argv[c->argc] = NULL;
	return 0;
}

/* How often OPTION is among the request words. */
static int mxlbctl_count(const struct mxlbctl *c, const char *option)
{
	int i, n = 0;

	for (i = 0; i < c->argc; i++)
		n += strcmp(c->argv[i], option) == 0;
	return n;
}

/* Checks the command in WORDS[0..N) and makes it the request. */
static int mxlbctl_command(struct mxlbctl *c, int n, char **words)
{
	const char *cmd = words[0];
	size_t total = 0;
	int i, ret;

	c->timeout_ms = MXLBCTL_REPLY_MS;
	if (strcmp(cmd, "status") == 0) {
		ret = mxlbctl_words(c, n, words, 1, 0, 0, "--json", "status [--json]");
	} else if (strcmp(cmd, "pools") == 0) {
		ret =
		    mxlbctl_words(c, n, words, 1, 0, 2, "--json", "pools [OWNER [TYPE]] [--json]");
	} else if (strcmp(cmd, "preview") == 0) {
		ret = mxlbctl_words(c, n, words, 1, 2, 3, "--json",
				    "preview OWNER TYPE [N] [--json]");
	} else if (strcmp(cmd, "member") == 0 && n >= 2 && strcmp(words[1], "add") == 0) {
		ret = mxlbctl_words(c, n, words, 2, 3, 3, "--weight",
				    "member add OWNER TYPE \"RDATA\" [--weight W]");
	} else if (strcmp(cmd, "member") == 0 && n >= 2 && strcmp(words[1], "del") == 0) {
		ret = mxlbctl_words(c, n, words, 2, 3, 3, "", "member del OWNER TYPE \"RDATA\"");
	} else if (strcmp(cmd, "member") == 0) {
		ret = mxlbctl_bad("usage: %s", "member add|del OWNER TYPE \"RDATA\"");
	} else if (strcmp(cmd, "weight") == 0) {
		ret = mxlbctl_words(c, n, words, 1, 4, 4, "", "weight OWNER TYPE \"RDATA\" W");
	} else if (strcmp(cmd, "drain") == 0 || strcmp(cmd, "undrain") == 0 ||
		   strcmp(cmd, "down") == 0 || strcmp(cmd, "up") == 0) {
		ret = mxlbctl_words(c, n, words, 1, 1, 1, "",
				    "drain|undrain|down|up HOST-OR-ADDRESS");
	} else if (strcmp(cmd, "all-down") == 0) {
		ret = mxlbctl_words(c, n, words, 1, 3, 3, "", "all-down OWNER TYPE all|next|null");
	} else if (strcmp(cmd, "zone") == 0 && n >= 2 && strcmp(words[1], "reload") == 0) {
		ret = mxlbctl_words(c, n, words, 2, 0, 1, "", "zone reload [FILE]");
		c->timeout_ms = MXLBCTL_RELOAD_MS;
		/* mxlbd runs elsewhere: name the file as it is here. */
		if (ret == 0 && c->argc == 3 && realpath(c->argv[2], c->path) != NULL)
			c->argv[2] = c->path;
	} else if (strcmp(cmd, "zone") == 0) {
		ret = mxlbctl_bad("usage: %s", "zone reload [FILE]");
	} else if (strcmp(cmd, "stats") == 0) {
		ret = mxlbctl_words(c, n, words, 1, 0, 0, "--json --prometheus",
				    "stats [--json|--prometheus]");
		c->stats = true;
		if (ret == 0 && mxlbctl_count(c, "--json") + mxlbctl_count(c, "--prometheus") > 1)
			ret = mxlbctl_bad("usage: %s", "stats [--json|--prometheus]");
		if (mxlbctl_count(c, "--json") != 0)
			c->format = MXLB_REPORT_JSON;
		else if (mxlbctl_count(c, "--prometheus") != 0)
			c->format = MXLB_REPORT_PROMETHEUS;
	} else {
		ret = mxlbctl_bad("unknown command '%s'", cmd);
	}
	if (ret != 0)
		return ret;
	for (i = 0; i < c->argc; i++)
		total += strlen(c->argv[i]) + 1;
	if (total > MXLB_SHARED_MSG_TEXT)
		return mxlbctl_bad("command too long: %s", "the words take more than 4 KB");
	return 0;
}

static int mxlbctl_parse(struct mxlbctl *c, int argc, char **argv)
{
	int i = 1;

	c->prefix = MXLBCTL_PREFIX;
	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			mxlbctl_usage(stdout);
			return MXLBCTL_HELP;
		}
		if (strcmp(argv[i], "-p") == 0) {
			if (i + 1 >= argc)
				return mxlbctl_bad("%s needs a value: -p PREFIX", "-p");
			c->prefix = argv[i + 1];
			i += 2;
		} else if (strncmp(argv[i], "-p", 2) == 0) {
			c->prefix = argv[i] + 2;
			i++;
		} else {
			return mxlbctl_bad("unknown option %s", argv[i]);
		}
	}
	if (c->prefix[0] == '\0' || strlen(c->prefix) > MXLBCTL_PREFIX_MAX ||
	    strchr(c->prefix, '/') != NULL)
		return mxlbctl_bad("-p '%s': not a --file-prefix", c->prefix);
	if (i >= argc) {
		mxlbctl_usage(stderr);
		return MXLBCTL_EXIT_REFUSED;
	}
	if (strcmp(argv[i], "health") == 0) {
		c->health = i;
		return MXLBCTL_HEALTH;
	}
	return mxlbctl_command(c, argc - i, argv + i);
}

static int mxlbctl_unreachable(const struct mxlbctl *c, const char *why)
{
	fprintf(stderr, "mxlbctl: cannot reach mxlbd: is mxlbd running with --file-prefix %s?\n",
		c->prefix);
	if (why != NULL)
		fprintf(stderr, "mxlbctl: %s\n", why);
	return MXLBCTL_EXIT_UNREACHABLE;
}

/* Finds mxlbd's shared objects and checks that mxlbd is there. */
static int mxlbctl_attach(struct mxlbctl *c)
{
	const struct rte_memzone *mz = rte_memzone_lookup(MXLB_SHARED_STATS);
	uint32_t layout;
	char why[160];

	c->req = rte_ring_lookup(MXLB_SHARED_RING_REQ);
	c->rsp = rte_ring_lookup(MXLB_SHARED_RING_RSP);
	c->pool = rte_mempool_lookup(MXLB_SHARED_MSG_POOL);
	if (mz == NULL || c->req == NULL || c->rsp == NULL || c->pool == NULL)
		return mxlbctl_unreachable(c, "no control rings");
	c->shm = mz->addr;
	layout = __atomic_load_n(&c->shm->layout, __ATOMIC_ACQUIRE);
	if (layout == 0)
		return mxlbctl_unreachable(c, "mxlbd is starting or stopping");
	if (layout != MXLB_SHARED_STATS_LAYOUT || c->shm->size != sizeof(*c->shm) ||
	    mz->len < sizeof(*c->shm)) {
		fprintf(stderr,
			"mxlbctl: mxlbd (pid %d) shares stats layout %u of %u octets, this "
			"mxlbctl layout %u of %zu: use the mxlbctl built with that mxlbd\n",
			(int)c->shm->pid, layout, c->shm->size, MXLB_SHARED_STATS_LAYOUT,
			sizeof(*c->shm));
		return MXLBCTL_EXIT_UNREACHABLE;
	}
	if (!mxlb_lock_alive((pid_t)c->shm->pid)) {
		snprintf(why, sizeof(why), "mxlbd pid %d has exited", (int)c->shm->pid);
		return mxlbctl_unreachable(c, why);
	}
	return 0;
}

static int mxlbctl_stats(struct mxlbctl *c)
{
	static struct mxlb_shared_stats snap;

	/* A racy copy: every counter is a plain 64-bit field that only grows. */
	memcpy(&snap, c->shm, offsetof(struct mxlb_shared_stats, workers));
	if (snap.nworkers > MXLB_SHARED_WORKERS_MAX)
		snap.nworkers = MXLB_SHARED_WORKERS_MAX;
	memcpy(snap.workers, c->shm->workers, snap.nworkers * sizeof(snap.workers[0]));
	snap.version = __atomic_load_n(&c->shm->version, __ATOMIC_ACQUIRE);
	if (snap.nxdp > MXLB_XDP_PORTS_MAX)
		snap.nxdp = 0;
	mxlb_xdp_read_shared(snap.xdp, snap.nxdp);
	mxlb_report_print(stdout, &snap, (uint64_t)time(NULL), c->format);
	return fflush(stdout) == 0 ? MXLBCTL_EXIT_OK : MXLBCTL_EXIT_REFUSED;
}

/* exchange.h's sink: the reply parts appended to c->text. */
static int mxlbctl_append(void *arg, const char *text, size_t n)
{
	struct mxlbctl *c = arg;
	char *p = realloc(c->text, c->len + n + 1);

	if (p == NULL)
		return -ENOMEM;
	c->text = p;
	memcpy(c->text + c->len, text, n);
	c->len += n;
	c->text[c->len] = '\0';
	return 0;
}

/* Sends the request SEQ and collects its reply. Holds the lock. */
static int mxlbctl_exchange(struct mxlbctl *c, uint32_t seq)
{
	const struct mxlb_exchange x = {.req = c->req,
					.rsp = c->rsp,
					.pool = c->pool,
					.shm = c->shm,
					.timeout_ms = c->timeout_ms};

	return mxlb_exchange_run(&x, seq, c->argc, c->argv, mxlbctl_append, c, &c->status);
}

/* Prints the reply: on stdout when accepted, on stderr otherwise. */
static int mxlbctl_print(const struct mxlbctl *c)
{
	const char *text = c->text != NULL ? c->text : "";

	if (c->status == MXLB_SHARED_STATUS_OK) {
		/* pools: the health checker's results beside the members. */
		char *h = strcmp(c->argv[0], "pools") == 0
			      ? mxlb_health_main_annotate(text, mxlbctl_count(c, "--json") > 0)
			      : NULL;

		fputs(h != NULL ? h : text, stdout);
		free(h);
		return fflush(stdout) == 0 ? MXLBCTL_EXIT_OK : MXLBCTL_EXIT_REFUSED;
	}
	fprintf(stderr, "mxlbctl: %s", text);
	if (c->len == 0 || text[c->len - 1] != '\n')
		fputc('\n', stderr);
	return MXLBCTL_EXIT_REFUSED;
}

static int mxlbctl_request(struct mxlbctl *c)
{
	pid_t self = getpid(), holder = 0;
	uint32_t seq;
	int ret;

	if (mxlb_lock_take(c->shm, self, MXLBCTL_LOCK_MS, &holder) != 0) {
		fprintf(stderr,
			"mxlbctl: mxlbd is busy: another mxlbctl (pid %d) has held the control "
			"lock for %u s\n",
			(int)holder, MXLBCTL_LOCK_MS / 1000);
		return MXLBCTL_EXIT_UNREACHABLE;
	}
	seq = __atomic_add_fetch(&c->shm->ctl_seq, 1, __ATOMIC_ACQ_REL);
	ret = mxlbctl_exchange(c, seq);
	mxlb_lock_give(c->shm, self);
	if (ret == -ETIMEDOUT) {
		fprintf(stderr, "mxlbctl: mxlbd did not answer within %u s\n",
			c->timeout_ms / 1000);
		return MXLBCTL_EXIT_UNREACHABLE;
	}
	if (ret == -ESRCH) {
		fprintf(stderr, "mxlbctl: mxlbd (pid %d) exited before it answered\n",
			(int)c->shm->pid);
		return MXLBCTL_EXIT_UNREACHABLE;
	}
	if (ret < 0) {
		fprintf(stderr, "mxlbctl: reply: %s\n", strerror(-ret));
		return MXLBCTL_EXIT_UNREACHABLE;
	}
	return mxlbctl_print(c);
}

int main(int argc, char **argv)
{
	static struct mxlbctl c;
	int ret;

	ret = mxlbctl_parse(&c, argc, argv);
	if (ret == MXLBCTL_HELP)
		return MXLBCTL_EXIT_OK;
	if (ret == MXLBCTL_HEALTH)
		return mxlb_health_main(c.prefix, argc - c.health, argv + c.health);
	if (ret != 0)
		return ret;
	if (!mxlb_secondary_primary_alive(c.prefix))
		return mxlbctl_unreachable(&c, NULL);
	if (mxlb_secondary_eal("mxlbctl", c.prefix, RTE_MAX_LCORE - 1) < 0)
		return mxlbctl_unreachable(&c, NULL);
	/* Attached: what EAL reports from here on (multi-process messages
	 * meant for other secondaries, detaching at exit) is not the user's
	 * business. */
	rte_log_set_level_pattern("lib.eal", RTE_LOG_CRIT);
	ret = mxlbctl_attach(&c);
	if (ret == 0)
		ret = c.stats ? mxlbctl_stats(&c) : mxlbctl_request(&c);
	free(c.text);
	rte_eal_cleanup();
	return ret;
}
