/* `mxlbctl [-p PREFIX] health --config FILE`: the health checker as a
 * DPDK secondary of mxlbd, and the health column of `mxlbctl pools`. */
#ifndef MXLB_HEALTH_MAIN_H
#define MXLB_HEALTH_MAIN_H

#include <stdbool.h>

/* Runs the checker (ARGV[0] is "health"); returns mxlbctl's exit status:
 * 0 stopped by SIGTERM/SIGINT, 1 bad command or configuration, 2 mxlbd
 * cannot be reached or went away. */
int mxlb_health_main(const char *prefix, int argc, char **argv);

/* The `pools` reply TEXT with the checker's results beside its members, or
 * NULL when no checker has published any (or out of memory). Needs EAL
 * (called from an attached mxlbctl). */
char *mxlb_health_main_annotate(const char *text, bool json);

#endif
