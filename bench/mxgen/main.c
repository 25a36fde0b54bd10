/* mxgen, a DPDK DNS query generator for the memif rig (bench/memif): one
 * core sends the queries of a dnsperf-format file over one port, checks
 * every answer, and measures throughput and then latency at a lower rate.
 *
 * Phases: learn (dns mode: every query line once, at most 32 outstanding;
 * the first good answer to each line fixes what later answers must show),
 * warm-up and throughput, warm-up and latency. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_version.h>

#include "frame.h"
#include "opts.h"
#include "port.h"
#include "query.h"
#include "run.h"

enum {
	MXGEN_MAIN_LEARN = 0,
	MXGEN_MAIN_WARM_TPUT,
	MXGEN_MAIN_TPUT,
	MXGEN_MAIN_WARM_LAT,
	MXGEN_MAIN_LAT,
};

#define MXGEN_MAIN_LEARN_WINDOW	 32
#define MXGEN_MAIN_LEARN_TIMEOUT 10.0
#define MXGEN_MAIN_DRAIN_S	 0.2
#define MXGEN_MAIN_LEARN_SHOWN	 16
#define MXGEN_MAIN_ARP_TIMEOUT	 10.0

struct mxgen_main {
	struct mxgen_opts opts;
	struct mxgen_queries qs;
	struct mxgen_port port;
	struct mxgen_frames fs;
	struct mxgen_run run;
	bool eal_ok;
};

static volatile bool mxgen_main_quit;

static void mxgen_main_signal(int sig)
{
	(void)sig;
	mxgen_main_quit = true;
}

static void mxgen_main_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = mxgen_main_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int mxgen_main_find_dashes(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			return i;
	return -1;
}

static const char *mxgen_main_mac(const uint8_t m[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

/* Prints what the learn phase found; fails when a distinct query got no
 * good answer. */
static int mxgen_main_learned(const struct mxgen_main *m)
{
	const struct mxgen_queries *qs = &m->qs;
	const struct mxgen_expect *e = m->run.expect;
	uint64_t rcodes[6] = {0}, other = 0;
	size_t c, i;
	char rc[16];

	for (c = 0; c < qs->ncls; c++) {
		i = qs->first[c];
		if (!e[c].known) {
			fprintf(stderr,
				"mxgen: no good answer to line %u (%s) in the learn phase\n",
				qs->q[i].lineno, mxgen_query_text(qs, i));
			return -EIO;
		}
		if (e[c].rcode < 6)
			rcodes[e[c].rcode]++;
		else
			other++;
		if (c >= MXGEN_MAIN_LEARN_SHOWN)
			continue;
		printf("mxgen: learned %-34s %-8s flags %04x, %u answer, %u authority, %u "
		       "additional%s, %u octets\n",
		       mxgen_query_text(qs, i), mxgen_query_rcode_name(e[c].rcode, rc, sizeof(rc)),
		       e[c].flags, e[c].an, e[c].ns, e[c].ar, e[c].opt ? " (OPT)" : "", e[c].len);
	}
	if (qs->ncls > MXGEN_MAIN_LEARN_SHOWN)
		printf("mxgen: ... and %zu more distinct queries\n",
		       qs->ncls - MXGEN_MAIN_LEARN_SHOWN);
	printf("mxgen: learned %zu distinct queries (%zu lines): NOERROR %" PRIu64
	       ", NXDOMAIN %" PRIu64 ", REFUSED %" PRIu64 ", FORMERR %" PRIu64 ", other %" PRIu64
	       "\n",
	       qs->ncls, qs->n, rcodes[0], rcodes[3], rcodes[5], rcodes[1],
	       other + rcodes[2] + rcodes[4]);
	return 0;
}

/* Distinct answers seen per distinct query, and how many answers were
 * checked by comparison with one already parsed. */
static void mxgen_main_variants(const struct mxgen_main *m)
{
	const struct mxgen_queries *qs = &m->qs;
	const struct mxgen_cache *c = &m->run.cache;
	uint64_t hits = 0, misses = 0;
	uint32_t k;

	for (k = 0; k < c->nsets; k++) {
		hits += c->sets[k].hits;
		misses += c->sets[k].misses;
		if (k < MXGEN_MAIN_LEARN_SHOWN)
			printf("mxgen: %-34s %u%s distinct answer(s)\n",
			       mxgen_query_text(qs, qs->first[k]), c->sets[k].n,
			       c->sets[k].overflow ? "+" : "");
	}
	printf("mxgen: answers equal to one already parsed: %" PRIu64 "; parsed in full: %" PRIu64
	       "\n",
	       hits, misses);
}

static void mxgen_main_result(const char *key, const char *fmt, double v);

static void mxgen_main_bad(const struct mxgen_stats *st)
{
	unsigned v;

	for (v = MXGEN_CHECK_OK + 1; v < MXGEN_CHECK_MAX; v++)
		if (st->bad[v] != 0)
			printf("mxgen:   bad %s: %" PRIu64 "\n", mxgen_check_name(v), st->bad[v]);
}

static void mxgen_main_phase(const struct mxgen_run *r, uint8_t id, const char *name)
{
	const struct mxgen_stats *st = &r->st[id];

	printf("mxgen: %s: %.2f s, sent %" PRIu64 " (%.3f Mpps), good answers %" PRIu64
	       " (%.3f Mpps), answered %" PRIu64 ", lost %" PRIu64 ", late %" PRIu64
	       ", bad %" PRIu64 "\n",
	       name, st->seconds, st->sent, (double)st->sent / st->seconds / 1e6, st->rx_good,
	       (double)st->rx_good / st->seconds / 1e6, st->answered, st->lost, st->late,
	       mxgen_run_bad(r, id));
	printf("mxgen: %s: TX bursts %" PRIu64 ", port full in %.1f%%; rate skipped %" PRIu64
	       "; mbuf shortage %" PRIu64 "; core taken %.3f ms in %" PRIu64 " gaps over 20 us\n",
	       name, st->tx_bursts,
	       st->tx_bursts != 0 ? 100.0 * (double)st->tx_full / (double)st->tx_bursts : 0.0,
	       st->rate_skip, st->alloc_fail, (double)st->stall_ns / 1e6, st->stalls);
	if (st->self.ok)
		printf("mxgen: %s: generator had its core %.1f%% of the time, %.0f ns of CPU per "
		       "answer\n",
		       name,
		       100.0 * (double)st->self.run_ns /
			   (double)(st->self.run_ns + st->self.wait_ns),
		       st->rx_good != 0 ? (double)st->self.run_ns / (double)st->rx_good : 0.0);
	if (st->peer.ok)
		printf(
		    "mxgen: %s: peer had its core %.1f%% of the time, %.0f ns of CPU per answer\n",
		    name,
		    100.0 * (double)st->peer.run_ns / (double)(st->peer.run_ns + st->peer.wait_ns),
		    st->rx_good != 0 ? (double)st->peer.run_ns / (double)st->rx_good : 0.0);
	mxgen_main_bad(st);
}

/* Result lines of the CPU time of phase ST under PREFIX. */
static void mxgen_main_sched_results(const char *prefix, const struct mxgen_stats *st)
{
	char key[64];

	if (st->self.ok) {
		snprintf(key, sizeof(key), "%s_gen_core_pct", prefix);
		mxgen_main_result(key, "%.1f",
				  100.0 * (double)st->self.run_ns /
				      (double)(st->self.run_ns + st->self.wait_ns));
		snprintf(key, sizeof(key), "%s_gen_cpu_ns", prefix);
		mxgen_main_result(key, "%.1f",
				  st->rx_good != 0 ? (double)st->self.run_ns / (double)st->rx_good
						   : 0.0);
	}
	if (st->peer.ok) {
		snprintf(key, sizeof(key), "%s_peer_core_pct", prefix);
		mxgen_main_result(key, "%.1f",
				  100.0 * (double)st->peer.run_ns /
				      (double)(st->peer.run_ns + st->peer.wait_ns));
		snprintf(key, sizeof(key), "%s_peer_cpu_ns", prefix);
		mxgen_main_result(key, "%.1f",
				  st->rx_good != 0 ? (double)st->peer.run_ns / (double)st->rx_good
						   : 0.0);
	}
}

static void mxgen_main_result(const char *key, const char *fmt, double v)
{
	printf("mxgen-result %s ", key);
	printf(fmt, v);
	printf("\n");
}

static int mxgen_main_hist(const struct mxgen_main *m, double rate)
{
	char label[256];
	FILE *f;

	if (m->opts.hist == NULL)
		return 0;
	f = fopen(m->opts.hist, "a");
	if (f == NULL) {
		fprintf(stderr, "mxgen: %s: %s\n", m->opts.hist, strerror(errno));
		return -errno;
	}
	snprintf(label, sizeof(label), "%s at %.3f Mpps", m->opts.label, rate / 1e6);
	mxgen_hist_write(m->run.hist, f, label);
	fprintf(f, "\n\n");
	if (fclose(f) != 0) {
		fprintf(stderr, "mxgen: %s: %s\n", m->opts.hist, strerror(errno));
		return -EIO;
	}
	return 0;
}

static int mxgen_main_setup(struct mxgen_main *m)
{
	const struct mxgen_opts *o = &m->opts;
	char a[32], b[32];
	int ret;

	ret = mxgen_port_init(&m->port);
	if (ret != 0)
		return ret;
	printf("mxgen: port %u (%s) mac %s, lcore %u, waiting for the peer\n", m->port.id,
	       m->port.name, mxgen_main_mac(m->port.mac, a, sizeof(a)), rte_lcore_id());
	fflush(stdout);
	ret = mxgen_port_wait_link(&m->port, o->link_timeout, &mxgen_main_quit);
	if (ret != 0) {
		fprintf(stderr, "mxgen: port %u: %s\n", m->port.id,
			ret == -ETIMEDOUT ? "no peer connected" : "interrupted");
		return ret;
	}
	if (o->have_peer_mac) {
		memcpy(m->run.ctx.peer, o->peer_mac, 6);
	} else {
		ret = mxgen_port_arp(&m->port, o->source, o->server, MXGEN_MAIN_ARP_TIMEOUT,
				     &mxgen_main_quit, m->run.ctx.peer);
		if (ret != 0) {
			fprintf(stderr, "mxgen: no ARP reply for %u.%u.%u.%u\n", o->server[0],
				o->server[1], o->server[2], o->server[3]);
			return ret;
		}
	}
	printf("mxgen: peer %s%s, %s mode, %zu query lines, %u flows, EDNS %u, burst %u\n",
	       mxgen_main_mac(m->run.ctx.peer, b, sizeof(b)),
	       o->have_peer_mac ? " (given)" : " (by ARP)", o->echo ? "echo" : "dns", m->qs.n,
	       o->flows, o->edns, o->burst);
	fflush(stdout);
	ret = mxgen_frame_build(&m->fs, &m->qs, m->port.mac, m->run.ctx.peer, o->server, o->flows);
	if (ret != 0) {
		fprintf(stderr, "mxgen: query frames: %s\n", strerror(-ret));
		return ret;
	}
	memcpy(m->run.ctx.mac, m->port.mac, 6);
	memcpy(m->run.ctx.server, o->server, 4);
	m->run.ctx.fs = &m->fs;
	m->run.port = m->port.id;
	m->run.pool = m->port.pool;
	m->run.qs = &m->qs;
	m->run.fs = &m->fs;
	m->run.echo = o->echo;
	m->run.burst = o->burst;
	m->run.quit = &mxgen_main_quit;
	m->run.peer_sched = o->peer_sched;
	ret = mxgen_run_init(&m->run);
	if (ret != 0)
		fprintf(stderr, "mxgen: tables: %s\n", strerror(-ret));
	return ret;
}

/* All phases; returns 0, 2 when an answer failed a check, or a negative
 * errno. */
static int mxgen_main_phases(struct mxgen_main *m)
{
	const struct mxgen_opts *o = &m->opts;
	struct mxgen_run *r = &m->run;
	struct mxgen_phase p;
	double tput, lat_rate = 0;
	uint64_t bad = 0;
	int ret;
	unsigned i;

	if (!o->echo) {
		memset(&p, 0, sizeof(p));
		p.id = MXGEN_MAIN_LEARN;
		p.window = MXGEN_MAIN_LEARN_WINDOW;
		p.count = m->qs.n;
		p.seconds = MXGEN_MAIN_LEARN_TIMEOUT;
		p.drain_s = MXGEN_MAIN_DRAIN_S;
		ret = mxgen_run_phase(r, &p);
		if (ret == 0 && mxgen_run_bad(r, p.id) != 0) {
			mxgen_main_phase(r, p.id, "learn");
			ret = -EPROTO;
		}
		if (ret == 0)
			ret = mxgen_main_learned(m);
		if (ret != 0)
			return ret;
	}

	memset(&p, 0, sizeof(p));
	p.rate = o->rate;
	p.id = MXGEN_MAIN_WARM_TPUT;
	p.seconds = o->warmup;
	if (o->warmup > 0 && (ret = mxgen_run_phase(r, &p)) != 0)
		return ret;
	p.id = MXGEN_MAIN_TPUT;
	p.seconds = o->duration;
	p.drain_s = MXGEN_MAIN_DRAIN_S;
	ret = mxgen_run_phase(r, &p);
	if (ret != 0)
		return ret;
	mxgen_main_phase(r, MXGEN_MAIN_TPUT, "throughput");
	tput = (double)r->st[MXGEN_MAIN_TPUT].rx_good / r->st[MXGEN_MAIN_TPUT].seconds;
	fflush(stdout);

	if (o->latency_rate > 0 || o->latency_load > 0) {
		lat_rate = o->latency_rate > 0 ? o->latency_rate : tput * o->latency_load;
		if (lat_rate < 1) {
			fprintf(stderr, "mxgen: no answers in the throughput phase: no latency "
					"phase\n");
			return -EIO;
		}
		memset(&p, 0, sizeof(p));
		p.rate = lat_rate;
		p.id = MXGEN_MAIN_WARM_LAT;
		p.seconds = o->warmup;
		if (o->warmup > 0 && (ret = mxgen_run_phase(r, &p)) != 0)
			return ret;
		p.id = MXGEN_MAIN_LAT;
		p.seconds = o->latency_time;
		p.record = true;
		p.drain_s = MXGEN_MAIN_DRAIN_S;
		mxgen_hist_init(r->hist);
		ret = mxgen_run_phase(r, &p);
		if (ret != 0)
			return ret;
		mxgen_main_phase(r, MXGEN_MAIN_LAT, "latency");
		printf("mxgen: latency at %.3f Mpps offered: %" PRIu64 " samples, min %.2f us, "
		       "p50 %.2f us, p90 %.2f us, p99 %.2f us, p99.9 %.2f us, max %.2f us, mean "
		       "%.2f us\n",
		       lat_rate / 1e6, r->hist->n, (double)r->hist->min_ns / 1e3,
		       (double)mxgen_hist_pct(r->hist, 0.50) / 1e3,
		       (double)mxgen_hist_pct(r->hist, 0.90) / 1e3,
		       (double)mxgen_hist_pct(r->hist, 0.99) / 1e3,
		       (double)mxgen_hist_pct(r->hist, 0.999) / 1e3, (double)r->hist->max_ns / 1e3,
		       r->hist->n != 0 ? (double)r->hist->sum_ns / (double)r->hist->n / 1e3 : 0.0);
		ret = mxgen_main_hist(m, lat_rate);
		if (ret != 0)
			return ret;
	}

	if (!o->echo)
		mxgen_main_variants(m);
	for (i = 0; i < MXGEN_RUN_PHASES; i++)
		bad += mxgen_run_bad(r, (uint8_t)i);
	printf("mxgen-result mode %s\n", o->echo ? "echo" : "dns");
	mxgen_main_result("tput_pps", "%.0f", tput);
	mxgen_main_result("tput_sent_pps", "%.0f",
			  (double)r->st[MXGEN_MAIN_TPUT].sent / r->st[MXGEN_MAIN_TPUT].seconds);
	mxgen_main_result("tput_lost", "%.0f", (double)r->st[MXGEN_MAIN_TPUT].lost);
	mxgen_main_result("tput_port_full_pct", "%.1f",
			  r->st[MXGEN_MAIN_TPUT].tx_bursts != 0
			      ? 100.0 * (double)r->st[MXGEN_MAIN_TPUT].tx_full /
				    (double)r->st[MXGEN_MAIN_TPUT].tx_bursts
			      : 0.0);
	mxgen_main_result("tput_stall_ms", "%.3f", (double)r->st[MXGEN_MAIN_TPUT].stall_ns / 1e6);
	mxgen_main_sched_results("tput", &r->st[MXGEN_MAIN_TPUT]);
	if (lat_rate > 0) {
		const struct mxgen_stats *st = &r->st[MXGEN_MAIN_LAT];

		mxgen_main_result("lat_offered_pps", "%.0f", lat_rate);
		mxgen_main_result("lat_sent_pps", "%.0f", (double)st->sent / st->seconds);
		mxgen_main_result("lat_lost", "%.0f", (double)st->lost);
		mxgen_main_result(
		    "lat_port_full_pct", "%.1f",
		    st->tx_bursts != 0 ? 100.0 * (double)st->tx_full / (double)st->tx_bursts : 0.0);
		mxgen_main_result("lat_samples", "%.0f", (double)r->hist->n);
		mxgen_main_result("lat_min_us", "%.3f", (double)r->hist->min_ns / 1e3);
		mxgen_main_result("lat_p50_us", "%.3f", (double)mxgen_hist_pct(r->hist, 0.5) / 1e3);
		mxgen_main_result("lat_p90_us", "%.3f", (double)mxgen_hist_pct(r->hist, 0.9) / 1e3);
		mxgen_main_result("lat_p99_us", "%.3f",
				  (double)mxgen_hist_pct(r->hist, 0.99) / 1e3);
		mxgen_main_result("lat_p999_us", "%.3f",
				  (double)mxgen_hist_pct(r->hist, 0.999) / 1e3);
		mxgen_main_result("lat_max_us", "%.3f", (double)r->hist->max_ns / 1e3);
		mxgen_main_result("lat_stall_ms", "%.3f", (double)st->stall_ns / 1e6);
		mxgen_main_sched_results("lat", st);
	}
	mxgen_main_result("bad", "%.0f", (double)bad);
	fflush(stdout);
	return bad != 0 ? 2 : 0;
}

static void mxgen_main_fini(struct mxgen_main *m)
{
	mxgen_run_fini(&m->run);
	mxgen_frame_free(&m->fs);
	if (m->eal_ok) {
		mxgen_port_fini(&m->port);
		rte_eal_cleanup();
	}
	mxgen_query_free(&m->qs);
}

int main(int argc, char **argv)
{
	static struct mxgen_main m;
	int dashes = mxgen_main_find_dashes(argc, argv);
	char err[512];
	int ret;

	if (dashes < 0) {
		mxgen_opts_usage(stderr);
		return EXIT_FAILURE;
	}
	ret = mxgen_opts_parse(&m.opts, argc - dashes, argv + dashes);
	if (ret == MXGEN_OPTS_HELP)
		return EXIT_SUCCESS;
	if (ret != 0)
		return EXIT_FAILURE;
	ret = mxgen_query_load(&m.qs, m.opts.queries, m.opts.edns, err, sizeof(err));
	if (ret != 0) {
		fprintf(stderr, "mxgen: %s\n", err);
		return EXIT_FAILURE;
	}
	mxgen_main_signals();
	if (rte_eal_init(dashes, argv) < 0) {
		fprintf(stderr, "mxgen: rte_eal_init failed (%s)\n", rte_version());
		mxgen_query_free(&m.qs);
		return EXIT_FAILURE;
	}
	m.eal_ok = true;
	ret = mxgen_main_setup(&m);
	if (ret == 0)
		ret = mxgen_main_phases(&m);
	if (m.opts.linger > 0 && m.port.started) {
		/* Not polled any more: the peer may leave now (see
		 * mxgen_port_wait_down). */
		printf("mxgen: done, waiting for the peer to disconnect\n");
		fflush(stdout);
		if (mxgen_port_wait_down(&m.port, m.opts.linger) != 0)
			fprintf(stderr, "mxgen: the peer did not disconnect in %.0f s\n",
				m.opts.linger);
	}
	mxgen_main_fini(&m);
	if (ret == -EINTR)
		fprintf(stderr, "mxgen: interrupted\n");
	if (ret == 2)
		return 2;
	return ret == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
