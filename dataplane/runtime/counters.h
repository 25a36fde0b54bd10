/* Per-lcore packet counters: plain 64-bit fields, written only by the lcore
 * that owns them (no atomics), read by the main lcore after the workers have
 * stopped. */
#ifndef MXLB_COUNTERS_H
#define MXLB_COUNTERS_H

#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>

#include "pkt.h"
#include "worker.h"

/* Invariants once the loop has stopped:
 *   rx == sum of verdict[]
 *   verdict[MXLB_PKT_DNS] + verdict[MXLB_PKT_ARP] == tx + tx_full */
struct mxlb_counters {
	uint64_t rx;	  /* frames received */
	uint64_t tx;	  /* replies the port accepted */
	uint64_t tx_full; /* replies the TX queue refused, freed */
	uint64_t verdict[MXLB_PKT_VERDICT_MAX];
} __rte_cache_aligned;

/* One serving lcore, for mxlb_counters_print. */
struct mxlb_counters_row {
	unsigned lcore;
	const struct mxlb_counters *cnt;
	const struct mxlb_worker_stats *dns;
};

/* Prints a table of every counter: one column per worker and the total. */
void mxlb_counters_print(FILE *out, const struct mxlb_counters_row *rows, unsigned n);

#endif
