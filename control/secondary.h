/* Joining mxlbd's shared memory as a DPDK secondary process, for mxlbctl
 * and its health checker. */
#ifndef MXLB_SECONDARY_H
#define MXLB_SECONDARY_H

#include <stdbool.h>

/* Whether a primary process holds the EAL configuration of PREFIX, looked
 * up where EAL keeps it (eal_create_runtime_dir): /var/run/dpdk for root,
 * else $XDG_RUNTIME_DIR/dpdk or /tmp/dpdk. Checked before rte_eal_init so
 * that a missing mxlbd costs no EAL messages. */
bool mxlb_secondary_primary_alive(const char *prefix);

/* rte_eal_init as secondary NAME of PREFIX on lcore id LCORE (one mxlbd
 * never uses), mapped to the lowest CPU this process may run on; no PCI,
 * quiet EAL, no telemetry. Returns rte_eal_init's result. */
int mxlb_secondary_eal(const char *name, const char *prefix, unsigned lcore);

#endif
