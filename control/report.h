/* mxlbctl stats: the counters of the stats memzone as a table, as JSON, or
 * in the Prometheus text exposition format. Reads a snapshot copied from the
 * memzone while the workers write it (each value a lower bound of the
 * current one). */
#ifndef MXLB_REPORT_H
#define MXLB_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "shared.h"

enum mxlb_report_format {
	MXLB_REPORT_TEXT = 0,
	MXLB_REPORT_JSON,
	MXLB_REPORT_PROMETHEUS,
};

/* Prints the counters of SNAP, a copy of the memzone taken at NOW (seconds
 * since the epoch), in FORMAT. */
void mxlb_report_print(FILE *out, const struct mxlb_shared_stats *snap, uint64_t now,
		       enum mxlb_report_format format);

#endif
