/* mxlbd, the DPDK primary process: command line, EAL, zone image, ports,
 * worker lcores, and the counters printed on SIGINT/SIGTERM. */
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
#include "image.h"
#include "lcore.h"
#include "opts.h"
#include "port.h"
#include "publish.h"
#include "worker.h"

/* Everything main sets up, torn down in reverse by mxlb_main_fini. */
struct mxlb_main {
	struct mxlb_opts opts;
	bool opts_ok;
	bool eal_ok;
	struct mxlb_image *img;
	struct mxlb_addr_set addrs;
	unsigned nworkers;
	unsigned lcores[RTE_MAX_LCORE]; /* lcore id of worker k */
	struct mxlb_ports ports;
	bool launched;
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
	struct mxlb_image_opts io;
	char err[512];
	int ret;

	mxlb_image_opts_init(&io);
	io.mx_mode = m->opts.mx_mode;
	io.nworkers = m->nworkers;
	err[0] = '\0';
	ret = mxlb_image_load(&m->img, m->opts.zones, m->opts.nzones, &io, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "mxlbd: %s\n", err[0] != '\0' ? err : strerror(-ret));
		m->img = NULL;
		return ret;
	}
	return 0;
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

		lc->w = mxlb_worker_new(k, m->nworkers, m->img);
		if (lc->w == NULL) {
			fprintf(stderr, "mxlbd: worker %u (lcore %u): mxlb_worker_new: %s\n", k,
				m->lcores[k], strerror(ENOMEM));
			return -ENOMEM;
		}
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
	       mxlb_image_zone_count(m->img), mxlb_image_name_count(m->img),
	       mxlb_image_pool_count(m->img), mxlb_opts_mode_name(m->opts.mx_mode));
}

static void mxlb_main_counters(const struct mxlb_main *m)
{
	struct mxlb_counters_row rows[RTE_MAX_LCORE];
	unsigned k;

	for (k = 0; k < m->nworkers; k++) {
		rows[k].lcore = m->lcores[k];
		rows[k].cnt = &mxlb_lcores[m->lcores[k]].cnt;
		rows[k].dns = &mxlb_lcores[m->lcores[k]].w->stats;
	}
	mxlb_counters_print(stdout, rows, m->nworkers);
	mxlb_port_print_stats(stdout, &m->ports);
	fflush(stdout);
}

/* Sleeps until a signal sets the quit flag. The control ring will be
 * serviced here. */
static void mxlb_main_wait(void)
{
	const struct timespec tick = {.tv_sec = 0, .tv_nsec = 100 * 1000 * 1000};

	while (!mxlb_lcore_quit)
		nanosleep(&tick, NULL);
}

static void mxlb_main_fini(struct mxlb_main *m)
{
	unsigned k;

	if (m->launched) {
		mxlb_lcore_quit = true;
		rte_eal_mp_wait_lcore();
		m->launched = false;
	}
	if (m->eal_ok)
		mxlb_port_fini(&m->ports);
	for (k = 0; k < m->nworkers; k++) {
		mxlb_worker_free(mxlb_lcores[m->lcores[k]].w);
		mxlb_lcores[m->lcores[k]].w = NULL;
	}
	mxlb_publish_set(NULL);
	if (m->img != NULL)
		mxlb_image_free(m->img);
	m->img = NULL;
	if (m->opts_ok)
		mxlb_opts_free(&m->opts);
	if (m->eal_ok)
		rte_eal_cleanup();
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

static int mxlb_main_run(struct mxlb_main *m, int argc, char **argv)
{
	int dashes = mxlb_main_find_dashes(argc, argv);
	int ret;

	if (dashes >= 0) {
		ret = mxlb_main_opts(m, argc, argv, dashes);
		if (ret != 0)
			return ret;
	}
	rte_set_application_usage_hook(mxlb_main_usage_hook);
	ret = rte_eal_init(dashes >= 0 ? dashes : argc, argv);
	if (ret < 0) {
		/* EAL does not set rte_errno for every failure (a second primary
		 * on the same --file-prefix, for one). */
		int err = rte_errno > 0 ? rte_errno : EINVAL;
		fprintf(stderr, "mxlbd: rte_eal_init failed: %s\n",
			rte_errno > 0 ? rte_strerror(rte_errno) : "see the EAL messages above");
		return -err;
	}
	m->eal_ok = true;
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
		ret = mxlb_port_init(&m->ports, m->lcores, m->nworkers);
	if (ret == 0)
		ret = mxlb_main_lcores(m);
	if (ret != 0)
		return ret;

	mxlb_publish_set(m->img);
	ret = mxlb_main_launch(m);
	if (ret != 0)
		return ret;
	mxlb_main_summary(m);
	printf("mxlbd: ready\n");
	fflush(stdout);

	mxlb_main_wait();
	rte_eal_mp_wait_lcore();
	m->launched = false;
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
