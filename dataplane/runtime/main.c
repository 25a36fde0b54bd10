/* mxlbd, the DPDK primary process: command line, EAL, zone image and
 * journal, ports, worker lcores, the control service on the main lcore, and
 * the counters printed on SIGINT/SIGTERM. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "addr.h"
#include "counters.h"
#include "ctl.h"
#include "edit.h"
#include "image.h"
#include "journal.h"
#include "huge.h"
#include "lcore.h"
#include "opts.h"
#include "port.h"
#include "publish.h"
#include "replay.h"
#include "slow.h"
#include "stats.h"
#include "worker.h"
#include "xdp.h"

/* The --file-prefix mxlbd runs with when none is given: mxlbctl's default. */
#define MXLB_MAIN_FILE_PREFIX "--file-prefix=mxlb"

/* Everything main sets up, torn down in reverse by mxlb_main_fini. */
struct mxlb_main {
	struct mxlb_opts opts;
	bool opts_ok;
	bool eal_ok;
	struct mxlb_addr_set addrs;
	unsigned nworkers;
	unsigned lcores[RTE_MAX_LCORE]; /* lcore id of worker k */
	struct mxlb_journal journal;
	bool journal_ok;
	struct mxlb_shared_stats *stats;
	struct mxlb_ports ports;
	struct mxlb_xdp xdp;   /* dns_steer on the net_af_xdp ports */
	struct mxlb_slow slow; /* exception port, kernel addresses and rules, TCP */
	bool publish_ok;
	struct mxlb_ctl ctl; /* ctl.img: the image, published once launched */
	bool launched;
	char **eal_argv;
	/* the --file-prefix EAL runs with (the name of its runtime directory),
	 * taken once rte_eal_init succeeded: its hugepage files are removed at
	 * exit (huge.h) */
	char file_prefix[256];
};

static struct mxlb_main mxlb_main_state;

/* Only sets the flag: the loops and main notice it at their next round. */
static void mxlb_main_signal(int sig)
{
	(void)sig;
	mxlb_lcore_quit = true;
}

static int mxlb_main_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = mxlb_main_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0) {
		fprintf(stderr, "mxlbd: sigaction: %s\n", strerror(errno));
		return -errno;
	}
	return 0;
}

static void mxlb_main_usage_hook(const char *prgname)
{
	(void)prgname;
	printf("\n");
	mxlb_opts_usage(stdout);
}

/* Index of the "--" that ends EAL's options, or -1. */
static int mxlb_main_find_dashes(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			return i;
	return -1;
}

static int mxlb_main_load(struct mxlb_main *m)
{
	struct mxlb_image_opts *io = &m->ctl.io;
	char err[512];
	int ret;

	mxlb_image_opts_init(io);
	io->mx_mode = m->opts.mx_mode;
	io->alldown = m->opts.alldown;
	io->identity = m->opts.identity;
	io->version = m->opts.version;
	/* One stripe more in every pool: the TCP thread answers as worker
	 * m->nworkers (slow.h). */
	io->nworkers = m->nworkers + 1;
	m->ctl.zones = m->opts.zones;
	m->ctl.nzones = m->opts.nzones;
	err[0] = '\0';
	ret = mxlb_image_load(&m->ctl.img, m->opts.zones, m->opts.nzones, io, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "mxlbd: %s\n", err[0] != '\0' ? err : strerror(-ret));
		m->ctl.img = NULL;
		return ret;
	}
	return 0;
}

/* Prints each line of TEXT that starts with ONLY, behind PREFIX. */
static void mxlb_main_lines(const char *prefix, const char *text, const char *only)
{
	const char *nl;

	while (*text != '\0') {
		nl = strchr(text, '\n');
		if (nl == NULL)
			nl = text + strlen(text);
		if (strncmp(text, only, strlen(only)) == 0)
			printf("%s%.*s\n", prefix, (int)(nl - text), text);
		text = *nl == '\n' ? nl + 1 : nl;
	}
}

/* With --journal: opens the journal and replays it over the image just
 * loaded, which no worker reads yet. */
static int mxlb_main_journal(struct mxlb_main *m)
{
	struct mxlb_replay r = {0};
	int ret;

	if (m->opts.journal == NULL)
		return 0;
	r.img = m->ctl.img;
	m->journal.fd = -1;
	ret = mxlb_replay_open(&r, &m->journal, m->opts.journal);
	m->ctl.img = r.img;
	m->journal_ok = m->journal.fd >= 0;
	if (ret < 0) {
		fprintf(stderr, "mxlbd: %s\n", r.err[0] != '\0' ? r.err : strerror(-ret));
		mxlb_replay_fini(&r);
		return ret;
	}
	m->ctl.journal = &m->journal;
	printf("mxlbd: journal %s: %" PRIu64 " change%s replayed, %" PRIu64
	       " dropped (no longer apply), version %" PRIu64 "\n",
	       m->opts.journal, r.kept, r.kept == 1 ? "" : "s", r.dropped, m->ctl.img->version);
	mxlb_main_lines("mxlbd: journal: ", mxlb_text_str(&r.report), "dropped: ");
	if (r.note[0] != '\0')
		printf("mxlbd: %s\n", r.note);
	fflush(stdout);
	mxlb_replay_fini(&r);
	return 0;
}

/* The stats memzone, the QSBR variable and the control rings. */
static int mxlb_main_shared(struct mxlb_main *m)
{
	int ret;

	m->stats = mxlb_stats_create(m->lcores, m->nworkers);
	if (m->stats == NULL)
		return -ENOMEM;
	ret = mxlb_publish_init(m->nworkers + 1); /* the workers and the TCP thread */
	if (ret != 0)
		return ret;
	m->publish_ok = true;
	m->ctl.nworkers = m->nworkers;
	m->ctl.lcores = m->lcores;
	m->ctl.stats = m->stats;
	return mxlb_ctl_init(&m->ctl);
}

static int mxlb_main_addrs(struct mxlb_main *m)
{
	char buf[MXLB_ADDR_STRLEN];
	size_t i;
	int ret;

	for (i = 0; i < m->opts.naddrs; i++) {
		ret = mxlb_addr_set_add(&m->addrs, &m->opts.addrs[i]);
		if (ret != 0) {
			fprintf(stderr, "mxlbd: --ip %s: %s\n",
				mxlb_addr_format(&m->opts.addrs[i], buf, sizeof(buf)),
				strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static int mxlb_main_workers(struct mxlb_main *m)
{
	unsigned id;

	RTE_LCORE_FOREACH_WORKER(id)
	{
		m->lcores[m->nworkers++] = id;
	}
	if (m->nworkers == 0) {
		fprintf(stderr, "mxlbd: the main lcore does not serve: mxlbd needs at least two "
				"lcores, e.g. -l 0-1\n");
		return -EINVAL;
	}
	return 0;
}

/* Engine state and queue pairs of every worker: worker k owns queue k of
 * every port. */
static int mxlb_main_lcores(struct mxlb_main *m)
{
	unsigned k, i;

	for (k = 0; k < m->nworkers; k++) {
		struct mxlb_lcore *lc = &mxlb_lcores[m->lcores[k]];
		struct mxlb_worker *w = mxlb_worker_new(k, m->nworkers, m->ctl.img);

		if (w == NULL) {
			fprintf(stderr, "mxlbd: worker %u (lcore %u): mxlb_worker_new: %s\n", k,
				m->lcores[k], strerror(ENOMEM));
			return -ENOMEM;
		}
		int err = 0;
		w->rrl = mxlb_rrl_new(&m->opts.rrl, m->nworkers, &err);
		if (err < 0) {
			fprintf(stderr, "mxlbd: worker %u: response rate limiting table: %s\n", k,
				strerror(-err));
			mxlb_worker_free(w);
			return err;
		}
		/* Counters live in the stats memzone, where mxlbctl reads them. */
		lc->w = mxlb_stats_adopt(m->stats, k, w);
		lc->cnt = &m->stats->workers[k].cnt;
		lc->worker = k;
		lc->addrs = &m->addrs;
		for (i = 0; i < m->ports.n; i++)
			mxlb_lcore_add_queue(lc, m->ports.port[i].id, (uint16_t)k,
					     &m->ports.port[i].mac, m->ports.port[i].tx_cksum);
	}
	return 0;
}

static int mxlb_main_launch(struct mxlb_main *m)
{
	unsigned k;
	int ret;

	for (k = 0; k < m->nworkers; k++) {
		ret = rte_eal_remote_launch(mxlb_lcore_main, &mxlb_lcores[m->lcores[k]],
					    m->lcores[k]);
		if (ret != 0) {
			fprintf(stderr, "mxlbd: lcore %u: rte_eal_remote_launch: %s\n",
				m->lcores[k], strerror(-ret));
			mxlb_lcore_quit = true;
			rte_eal_mp_wait_lcore();
			return ret;
		}
	}
	m->launched = true;
	return 0;
}

static void mxlb_main_summary(const struct mxlb_main *m)
{
	char mac[RTE_ETHER_ADDR_FMT_SIZE];
	char addr[MXLB_ADDR_STRLEN];
	unsigned i;

	for (i = 0; i < m->ports.n; i++) {
		const struct mxlb_port *p = &m->ports.port[i];

		rte_ether_format_addr(mac, sizeof(mac), &p->mac);
		printf("mxlbd: port %u %s (%s) mac %s, %u queue pair(s), checksums %s\n", p->id,
		       p->name, p->driver, mac, m->ports.nqueues,
		       p->tx_cksum ? "offloaded" : "in software");
	}
	for (i = 0; i < m->opts.naddrs; i++)
		printf("mxlbd: address %s\n",
		       mxlb_addr_format(&m->opts.addrs[i], addr, sizeof(addr)));
	printf("mxlbd: %u worker(s) on lcore(s)", m->nworkers);
	for (i = 0; i < m->nworkers; i++)
		printf("%s%u", i == 0 ? " " : ",", m->lcores[i]);
	printf(", main lcore %u\n", rte_get_main_lcore());
	printf("mxlbd: %u zone(s), %" PRIu64 " name(s), %u pool(s), mx-mode %s\n",
	       mxlb_image_zone_count(m->ctl.img), mxlb_image_name_count(m->ctl.img),
	       mxlb_image_pool_count(m->ctl.img), mxlb_edit_mode_name(m->opts.mx_mode));
}

static void mxlb_main_counters(const struct mxlb_main *m)
{
	struct mxlb_counters_row rows[RTE_MAX_LCORE];
	unsigned k;

	for (k = 0; k < m->nworkers; k++) {
		rows[k].lcore = m->lcores[k];
		rows[k].cnt = mxlb_lcores[m->lcores[k]].cnt;
		rows[k].dns = &mxlb_lcores[m->lcores[k]].w->stats;
	}
	printf("mxlbd: counters\n");
	mxlb_counters_print(stdout, rows, m->nworkers);
	mxlb_port_print_stats(stdout, &m->ports);
	mxlb_xdp_print(stdout, &m->xdp);
	mxlb_slow_print(stdout, &m->slow);
	fflush(stdout);
}

static void mxlb_main_fini(struct mxlb_main *m)
{
	unsigned k;

	if (m->launched) {
		mxlb_lcore_quit = true;
		rte_eal_mp_wait_lcore();
		m->launched = false;
	}
	if (m->eal_ok) {
		mxlb_slow_fini(&m->slow);
		mxlb_ctl_fini(&m->ctl);
		mxlb_port_fini(&m->ports);
	}
	/* The workers' state is in the stats memzone, freed below. */
	for (k = 0; k < m->nworkers; k++) {
		if (mxlb_lcores[m->lcores[k]].w != NULL)
			mxlb_stats_release(m->stats, k);
		mxlb_lcores[m->lcores[k]].w = NULL;
		mxlb_lcores[m->lcores[k]].cnt = NULL;
	}
	mxlb_publish_set(NULL);
	if (m->ctl.img != NULL)
		mxlb_image_free(m->ctl.img);
	m->ctl.img = NULL;
	if (m->journal_ok)
		mxlb_journal_close(&m->journal);
	m->journal_ok = false;
	if (m->publish_ok)
		mxlb_publish_fini();
	m->publish_ok = false;
	mxlb_stats_free(m->stats);
	m->stats = NULL;
	if (m->opts_ok)
		mxlb_opts_free(&m->opts);
	if (m->eal_ok) {
		rte_eal_cleanup();
		/* EAL ran as the primary of this prefix: its files are ours. */
		mxlb_huge_unlink(m->file_prefix);
	}
	m->eal_ok = false;
	free(m->eal_argv);
	m->eal_argv = NULL;
	mxlb_xdp_fini(&m->xdp);
}

/* Our options are checked before EAL starts when they follow "--", so that
 * a mistyped option costs no hugepage setup. Without "--" EAL sees
 * everything first (its --help prints our usage as well). */
static int mxlb_main_opts(struct mxlb_main *m, int argc, char **argv, int dashes)
{
	int ret;

	if (dashes >= 0)
		ret = mxlb_opts_parse(&m->opts, argc - dashes, argv + dashes);
	else
		ret = mxlb_opts_parse(&m->opts, 1, argv);
	m->opts_ok = ret == 0;
	return ret;
}

/* EAL's arguments: ARGV up to "--" (all of it without one), with
 * MXLB_MAIN_FILE_PREFIX added when no --file-prefix is given. Returns their
 * number; *EAL_ARGV is allocated. */
static int mxlb_main_eal_args(int argc, char **argv, int dashes, char ***eal_argv)
{
	int n = dashes >= 0 ? dashes : argc, i, o = 0;
	bool prefix = false;
	char **v;

	for (i = 1; i < n; i++)
		if (strcmp(argv[i], "--file-prefix") == 0 ||
		    strncmp(argv[i], "--file-prefix=", 14) == 0)
			prefix = true;
	v = calloc((size_t)n + 2, sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		v[o++] = argv[i];
		if (i == 0 && !prefix)
			v[o++] = (char *)MXLB_MAIN_FILE_PREFIX;
	}
	*eal_argv = v;
	return o;
}

static int mxlb_main_run(struct mxlb_main *m, int argc, char **argv)
{
	int dashes = mxlb_main_find_dashes(argc, argv);
	int eal_argc;
	int ret;

	if (dashes >= 0) {
		ret = mxlb_main_opts(m, argc, argv, dashes);
		if (ret != 0)
			return ret;
	}
	eal_argc = mxlb_main_eal_args(argc, argv, dashes, &m->eal_argv);
	if (eal_argc < 0) {
		fprintf(stderr, "mxlbd: EAL arguments: %s\n", strerror(-eal_argc));
		return eal_argc;
	}
	rte_set_application_usage_hook(mxlb_main_usage_hook);
	ret = mxlb_xdp_init(&m->xdp, !m->opts.no_xdp_steer, eal_argc, m->eal_argv);
	if (ret != 0)
		return ret;
	ret = rte_eal_init(m->xdp.argc, m->xdp.argv);
	if (ret < 0) {
		/* EAL does not set rte_errno for every failure (a second primary
		 * on the same --file-prefix, for one). */
		int err = rte_errno > 0 ? rte_errno : EINVAL;
		fprintf(stderr, "mxlbd: rte_eal_init failed: %s\n",
			rte_errno > 0 ? rte_strerror(rte_errno) : "see the EAL messages above");
		return -err;
	}
	m->eal_ok = true;
	/* EAL's own record of the prefix: rte_eal_init rewrites the argument
	 * array it was given (its last word becomes the program name). */
	{
		const char *dir = rte_eal_get_runtime_dir();
		const char *base = dir != NULL ? strrchr(dir, '/') : NULL;
		snprintf(m->file_prefix, sizeof(m->file_prefix), "%s",
			 base != NULL ? base + 1 : "");
	}
	if (dashes < 0) {
		ret = mxlb_main_opts(m, argc, argv, dashes);
		if (ret != 0)
			return ret;
	}
	ret = mxlb_main_signals();
	if (ret == 0)
		ret = mxlb_main_workers(m);
	if (ret == 0)
		ret = mxlb_main_addrs(m);
	if (ret == 0)
		ret = mxlb_main_load(m);
	if (ret == 0)
		ret = mxlb_main_journal(m);
	if (ret == 0)
		ret = mxlb_main_shared(m);
	if (ret == 0)
		ret = mxlb_port_init(&m->ports, m->lcores, m->nworkers);
	if (ret == 0)
		ret = mxlb_xdp_start(&m->xdp, m->opts.addrs, m->opts.naddrs, MXLB_XDP_DNS_PORT);
	if (ret == 0)
		mxlb_xdp_share(&m->xdp, m->stats->xdp, &m->stats->nxdp);
	if (ret == 0)
		ret = mxlb_main_lcores(m);
	if (ret == 0)
		ret = mxlb_slow_init(&m->slow, &m->opts.slow, &m->ports, &m->xdp, m->lcores,
				     m->nworkers, m->opts.addrs, m->opts.naddrs, m->ctl.img);
	if (ret != 0)
		return ret;

	mxlb_publish_set(m->ctl.img);
	mxlb_stats_set_version(m->stats, m->ctl.img->version);
	mxlb_stats_ready(m->stats);
	ret = mxlb_main_launch(m);
	if (ret == 0)
		ret = mxlb_slow_start(&m->slow);
	if (ret != 0)
		return ret;
	mxlb_main_summary(m);
	mxlb_slow_summary(stdout, &m->slow);
	printf("mxlbd: ready\n");
	fflush(stdout);

	mxlb_ctl_run(&m->ctl, &mxlb_lcore_quit);
	rte_eal_mp_wait_lcore();
	m->launched = false;
	mxlb_slow_stop(&m->slow);
	printf("mxlbd: stopping\n");
	mxlb_main_counters(m);
	return 0;
}

int main(int argc, char **argv)
{
	struct mxlb_main *m = &mxlb_main_state;
	int ret;

	ret = mxlb_main_run(m, argc, argv);
	mxlb_main_fini(m);
	if (ret == MXLB_OPTS_HELP)
		return EXIT_SUCCESS;
	return ret == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
