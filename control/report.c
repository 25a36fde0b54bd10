/* Counter reports of mxlbctl stats. */
#include <inttypes.h>
#include <string.h>

#include "counters.h"
#include "pkt.h"
#include "report.h"

/* The counters of one worker, or of all of them. */
struct mxlb_report_sum {
	uint64_t rx;
	uint64_t tx;
	uint64_t tx_full;
	uint64_t from_kernel;
	uint64_t queries;
	uint64_t badvers;
	uint64_t truncated;
	uint64_t verdict[MXLB_PKT_VERDICT_MAX];
	uint64_t rcode[MXLB_COUNTERS_RCODES + 1]; /* the last: every other RCODE */
	uint64_t drop[MXLB_DROP_MAX];
};

static void mxlb_report_add(struct mxlb_report_sum *sum, const struct mxlb_shared_worker *w)
{
	const struct mxlb_worker_stats *d = &w->eng.stats;
	unsigned k;

	sum->rx += w->cnt.rx;
	sum->tx += w->cnt.tx;
	sum->tx_full += w->cnt.tx_full;
	sum->from_kernel += w->cnt.from_kernel;
	for (k = 0; k < MXLB_PKT_VERDICT_MAX; k++)
		sum->verdict[k] += w->cnt.verdict[k];
	sum->queries += d->queries;
	sum->badvers += d->badvers;
	sum->truncated += d->truncated;
	for (k = 0; k < RTE_DIM(d->rcode); k++)
		sum->rcode[k < MXLB_COUNTERS_RCODES ? k : MXLB_COUNTERS_RCODES] += d->rcode[k];
	for (k = 0; k < MXLB_DROP_MAX; k++)
		sum->drop[k] += d->drop[k];
}

static void mxlb_report_text(FILE *out, const struct mxlb_shared_stats *snap, uint64_t now)
{
	struct mxlb_counters_row rows[MXLB_SHARED_WORKERS_MAX];
	unsigned k;

	fprintf(out, "mxlbd pid %" PRId32 ", version %" PRIu64 ", up %" PRIu64 " s, %u worker%s\n",
		snap->pid, snap->version, now - snap->start_time, snap->nworkers,
		snap->nworkers == 1 ? "" : "s");
	for (k = 0; k < snap->nworkers; k++) {
		rows[k].lcore = snap->workers[k].lcore;
		rows[k].cnt = &snap->workers[k].cnt;
		rows[k].dns = &snap->workers[k].eng.stats;
	}
	mxlb_counters_print(out, rows, snap->nworkers);
	mxlb_xdp_print_shared(out, snap->xdp, snap->nxdp, MXLB_XDP_TEXT);
}

/* The members of one JSON object with the counters of SUM. */
static void mxlb_report_json_sum(FILE *out, const struct mxlb_report_sum *sum)
{
	unsigned k;

	fprintf(out,
		"\"rx_packets\":%" PRIu64 ",\"tx_packets\":%" PRIu64 ",\"tx_full\":%" PRIu64
		",\"from_kernel\":%" PRIu64 ",\"queries\":%" PRIu64 ",\"rcode\":{",
		sum->rx, sum->tx, sum->tx_full, sum->from_kernel, sum->queries);
	for (k = 0; k <= MXLB_COUNTERS_RCODES; k++)
		fprintf(out, "%s\"%s\":%" PRIu64, k ? "," : "",
			k < MXLB_COUNTERS_RCODES ? mxlb_counters_rcode_name(k) : "other",
			sum->rcode[k]);
	fprintf(out, "},\"badvers\":%" PRIu64 ",\"truncated\":%" PRIu64 ",\"verdicts\":{",
		sum->badvers, sum->truncated);
	for (k = 0; k < MXLB_PKT_VERDICT_MAX; k++)
		fprintf(out, "%s\"%s\":%" PRIu64, k ? "," : "", mxlb_pkt_verdict_name(k),
			sum->verdict[k]);
	/* Every frame or query that got no answer, by reason. */
	fprintf(out, "},\"drops\":{");
	for (k = MXLB_PKT_DROP_FIRST; k < MXLB_PKT_VERDICT_MAX; k++)
		fprintf(out, "\"%s\":%" PRIu64 ",", mxlb_pkt_verdict_name(k), sum->verdict[k]);
	for (k = 0; k < MXLB_DROP_MAX; k++)
		fprintf(out, "\"%s\":%" PRIu64 ",", mxlb_counters_drop_name(k), sum->drop[k]);
	fprintf(out, "\"tx_full\":%" PRIu64 "}", sum->tx_full);
}

static void mxlb_report_json(FILE *out, const struct mxlb_shared_stats *snap, uint64_t now)
{
	struct mxlb_report_sum total, one;
	unsigned k;

	memset(&total, 0, sizeof(total));
	for (k = 0; k < snap->nworkers; k++)
		mxlb_report_add(&total, &snap->workers[k]);
	fprintf(out, "{\"version\":%" PRIu64 ",\"pid\":%" PRId32 ",\"uptime_s\":%" PRIu64 ",",
		snap->version, snap->pid, now - snap->start_time);
	mxlb_report_json_sum(out, &total);
	fprintf(out, ",\"workers\":[");
	for (k = 0; k < snap->nworkers; k++) {
		memset(&one, 0, sizeof(one));
		mxlb_report_add(&one, &snap->workers[k]);
		fprintf(out, "%s{\"worker\":%u,\"lcore\":%u,", k ? "," : "", k,
			snap->workers[k].lcore);
		mxlb_report_json_sum(out, &one);
		fprintf(out, "}");
	}
	fprintf(out, "],\"xdp\":[");
	mxlb_xdp_print_shared(out, snap->xdp, snap->nxdp, MXLB_XDP_JSON);
	fprintf(out, "]}\n");
}

static void mxlb_report_prom_head(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One counter family with a worker label: the value of each worker. */
#define MXLB_REPORT_PROM(name, help, field)                                                        \
	do {                                                                                       \
		mxlb_report_prom_head(out, (name), "counter", (help));                             \
		for (k = 0; k < n; k++)                                                            \
			fprintf(out, "%s{worker=\"%u\"} %" PRIu64 "\n", (name), k, sums[k].field); \
	} while (0)

static void mxlb_report_prometheus(FILE *out, const struct mxlb_shared_stats *snap, uint64_t now)
{
	static struct mxlb_report_sum sums[MXLB_SHARED_WORKERS_MAX];
	const unsigned n = snap->nworkers;
	const char *name;
	unsigned k, i;

	memset(sums, 0, sizeof(sums));
	for (k = 0; k < n; k++)
		mxlb_report_add(&sums[k], &snap->workers[k]);

	mxlb_report_prom_head(out, "mxlb_image_version", "gauge",
			      "Version of the zone image the workers answer from.");
	fprintf(out, "mxlb_image_version %" PRIu64 "\n", snap->version);
	mxlb_report_prom_head(out, "mxlb_uptime_seconds", "gauge", "Seconds since mxlbd started.");
	fprintf(out, "mxlb_uptime_seconds %" PRIu64 "\n", now - snap->start_time);
	mxlb_report_prom_head(out, "mxlb_worker_lcore", "gauge", "DPDK lcore id of each worker.");
	for (k = 0; k < n; k++)
		fprintf(out, "mxlb_worker_lcore{worker=\"%u\"} %u\n", k, snap->workers[k].lcore);

	MXLB_REPORT_PROM("mxlb_rx_packets_total", "Frames received.", rx);
	MXLB_REPORT_PROM("mxlb_tx_packets_total", "Replies the port accepted.", tx);
	MXLB_REPORT_PROM("mxlb_tx_full_total", "Replies dropped on a full TX queue.", tx_full);
	MXLB_REPORT_PROM("mxlb_from_kernel_total",
			 "Frames of the kernel (exception interface) sent on the port.",
			 from_kernel);
	MXLB_REPORT_PROM("mxlb_queries_total", "DNS messages given to the responder.", queries);
	MXLB_REPORT_PROM("mxlb_badvers_total", "Responses with extended RCODE BADVERS.", badvers);
	MXLB_REPORT_PROM("mxlb_truncated_total", "Responses sent with TC set.", truncated);

	mxlb_report_prom_head(out, "mxlb_responses_total", "counter", "Responses by RCODE.");
	for (k = 0; k < n; k++)
		for (i = 0; i <= MXLB_COUNTERS_RCODES; i++)
			fprintf(out,
				"mxlb_responses_total{worker=\"%u\",rcode=\"%s\"} %" PRIu64 "\n", k,
				i < MXLB_COUNTERS_RCODES ? mxlb_counters_rcode_name(i) : "other",
				sums[k].rcode[i]);
	mxlb_report_prom_head(out, "mxlb_verdicts_total", "counter",
			      "Received frames by what became of them.");
	for (k = 0; k < n; k++)
		for (i = 0; i < MXLB_PKT_VERDICT_MAX; i++)
			fprintf(out,
				"mxlb_verdicts_total{worker=\"%u\",verdict=\"%s\"} %" PRIu64 "\n",
				k, mxlb_pkt_verdict_name(i), sums[k].verdict[i]);
	mxlb_report_prom_head(out, "mxlb_dns_drops_total", "counter",
			      "DNS queries the responder dropped, by reason.");
	for (k = 0; k < n; k++)
		for (i = 0; i < MXLB_DROP_MAX; i++) {
			name = mxlb_counters_drop_name(i);
			if (strncmp(name, "dns_drop_", 9) == 0)
				name += 9;
			fprintf(out,
				"mxlb_dns_drops_total{worker=\"%u\",reason=\"%s\"} %" PRIu64 "\n",
				k, name, sums[k].drop[i]);
		}
	mxlb_xdp_print_shared(out, snap->xdp, snap->nxdp, MXLB_XDP_PROMETHEUS);
}

#undef MXLB_REPORT_PROM

void mxlb_report_print(FILE *out, const struct mxlb_shared_stats *snap, uint64_t now,
		       enum mxlb_report_format format)
{
	if (now < snap->start_time)
		now = snap->start_time;
	switch (format) {
	case MXLB_REPORT_JSON:
		mxlb_report_json(out, snap, now);
		break;
	case MXLB_REPORT_PROMETHEUS:
		mxlb_report_prometheus(out, snap, now);
		break;
	default:
		mxlb_report_text(out, snap, now);
		break;
	}
}
