/* Per-lcore packet counters: plain 64-bit fields in the stats memzone,
 * written only by the lcore that owns them (no atomics), read racily by
 * mxlbctl stats and by the main lcore after the workers have stopped. */
#ifndef MXLB_COUNTERS_H
#define MXLB_COUNTERS_H

#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>

#include "pkt.h"
#include "worker.h"

/* Invariants once the loop has stopped:
 *   rx == sum of verdict[]
 *   verdict[MXLB_PKT_DNS] + verdict[MXLB_PKT_ARP] + verdict[MXLB_PKT_NDP]
 *     + from_kernel == tx + tx_full */
struct mxlb_counters {
	uint64_t rx;	      /* frames received */
	uint64_t tx;	      /* replies (and the kernel's frames) the port accepted */
	uint64_t tx_full;     /* the TX queue refused them: freed */
	uint64_t from_kernel; /* worker 0: the kernel's frames to send (exc.h) */
	uint64_t verdict[MXLB_PKT_VERDICT_MAX];
} __rte_cache_aligned;

/* One serving lcore, for mxlb_counters_print. */
struct mxlb_counters_row {
	unsigned lcore;
	const struct mxlb_counters *cnt;
	const struct mxlb_worker_stats *dns;
};

/* RCODEs counted by name; the rest add up to "rcode_other". */
#define MXLB_COUNTERS_RCODES 6

/* Prints a table of every counter: one column per worker and the total. */
void mxlb_counters_print(FILE *out, const struct mxlb_counters_row *rows, unsigned n);

/* Counter name of RCODE ("noerror", ... "refused"), "rcode_other" from
 * MXLB_COUNTERS_RCODES on. */
const char *mxlb_counters_rcode_name(unsigned rcode);

/* Counter name of the engine's drop reason DROP ("dns_drop_short", ...). */
const char *mxlb_counters_drop_name(unsigned drop);

#endif
