/* The counter table: printed by mxlbd when it stops and by mxlbctl stats. */
#include <inttypes.h>
#include <string.h>

#include "counters.h"

/* The engine's RCODEs printed by name (RFC 1035 §4.1.1, RFC 2136). */
static const char *const mxlb_counters_rcodes[MXLB_COUNTERS_RCODES] = {
    "noerror", "formerr", "servfail", "nxdomain", "notimp", "refused",
};

static const char *const mxlb_counters_dns_drops[MXLB_DROP_MAX] = {
    [MXLB_DROP_SHORT] = "dns_drop_short",
    [MXLB_DROP_RESPONSE] = "dns_drop_response",
    [MXLB_DROP_NOROOM] = "dns_drop_noroom",
    [MXLB_DROP_RRL] = "dns_drop_rrl",
};

const char *mxlb_counters_rcode_name(unsigned rcode)
{
	return rcode < MXLB_COUNTERS_RCODES ? mxlb_counters_rcodes[rcode] : "rcode_other";
}

const char *mxlb_counters_drop_name(unsigned drop)
{
	return drop < MXLB_DROP_MAX ? mxlb_counters_dns_drops[drop] : "?";
}

/* One table row: counter NAME, the value of each row, their total. */
static void mxlb_counters_line(FILE *out, const char *name, const uint64_t *v, unsigned n)
{
	uint64_t total = 0;
	unsigned i;

	fprintf(out, "  %-18s", name);
	for (i = 0; i < n; i++) {
		fprintf(out, " %12" PRIu64, v[i]);
		total += v[i];
	}
	fprintf(out, " %12" PRIu64 "\n", total);
}

void mxlb_counters_print(FILE *out, const struct mxlb_counters_row *rows, unsigned n)
{
	uint64_t v[RTE_MAX_LCORE] = {0};
	unsigned i, k, c;
	char head[16];

	fprintf(out, "  %-18s", "");
	for (i = 0; i < n; i++) {
		snprintf(head, sizeof(head), "lcore%u", rows[i].lcore);
		fprintf(out, " %12s", head);
	}
	fprintf(out, " %12s\n", "total");

#define MXLB_COUNTERS_ROW(name, expr)                                                              \
	do {                                                                                       \
		for (i = 0; i < n; i++)                                                            \
			v[i] = (expr);                                                             \
		mxlb_counters_line(out, (name), v, n);                                             \
	} while (0)

	MXLB_COUNTERS_ROW("rx", rows[i].cnt->rx);
	MXLB_COUNTERS_ROW("tx", rows[i].cnt->tx);
	MXLB_COUNTERS_ROW("tx_full", rows[i].cnt->tx_full);
	MXLB_COUNTERS_ROW("from_kernel", rows[i].cnt->from_kernel);
	for (k = 0; k < MXLB_PKT_VERDICT_MAX; k++)
		MXLB_COUNTERS_ROW(mxlb_pkt_verdict_name(k), rows[i].cnt->verdict[k]);

	MXLB_COUNTERS_ROW("queries", rows[i].dns->queries);
	for (k = 0; k < RTE_DIM(mxlb_counters_rcodes); k++)
		MXLB_COUNTERS_ROW(mxlb_counters_rcodes[k], rows[i].dns->rcode[k]);
	for (i = 0; i < n; i++) {
		v[i] = 0;
		for (c = RTE_DIM(mxlb_counters_rcodes); c < RTE_DIM(rows[i].dns->rcode); c++)
			v[i] += rows[i].dns->rcode[c];
	}
	mxlb_counters_line(out, "rcode_other", v, n);
	MXLB_COUNTERS_ROW("badvers", rows[i].dns->badvers);
	MXLB_COUNTERS_ROW("truncated", rows[i].dns->truncated);
	for (k = 0; k < MXLB_DROP_MAX; k++)
		MXLB_COUNTERS_ROW(mxlb_counters_dns_drops[k], rows[i].dns->drop[k]);
#undef MXLB_COUNTERS_ROW
}
