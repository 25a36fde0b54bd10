/* The kernel side of the exception path: what mxlbd changes in the host's
 * network stack so that the kernel answers, from the service addresses,
 * what the fast path hands it through the exception interface (a tap), and
 * sends its replies back out through that interface. DPDK-free; rtnetlink
 * and /proc/sys only, no external command.
 *
 * mxlb_kern_setup, on interface IFNAME (up, created by the exception port):
 *   - sysctls of IFNAME: IPv6 on when a service address is IPv6 (off
 *     otherwise, so that the kernel sends nothing of its own), no duplicate
 *     address detection, no router advertisements or autoconfiguration;
 *   - every --ip ADDR/PREFIX assigned to IFNAME with `nodad noprefixroute`:
 *     the main table gets no route through IFNAME, so the host's own
 *     traffic to those prefixes is not drawn into it;
 *   - in routing table TABLE: PREFIX dev IFNAME for each address given with
 *     a prefix, and `default dev IFNAME` for each family in use;
 *   - for each address, the rule `from ADDR lookup TABLE` at priority
 *     PRIORITY, so that whatever the kernel sends from a service address
 *     (ICMP, TCP, ARP and NDP of its own) leaves through IFNAME. Rules of a
 *     run that did not clean up (same source, table and priority) are
 *     removed first.
 * The equivalent commands:
 *   ip addr add ADDR/PREFIX dev IFNAME nodad noprefixroute
 *   ip route replace PREFIX dev IFNAME table TABLE
 *   ip route replace default dev IFNAME table TABLE
 *   ip rule add from ADDR lookup TABLE priority PRIORITY
 * mxlb_kern_cleanup removes the rules, routes and addresses again (the
 * interface itself goes when the exception port is closed). */
#ifndef MXLB_KERN_H
#define MXLB_KERN_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define MXLB_KERN_TABLE	   5353 /* default routing table of the source rules */
#define MXLB_KERN_PRIORITY 5353 /* default priority of the rules (before main, 32766) */

struct mxlb_kern {
	char ifname[IF_NAMESIZE];
	unsigned ifindex;
	uint32_t table;
	uint32_t priority;
	size_t n;
	struct mxlb_addr addrs[MXLB_ADDR_MAX];
	bool addr_added[MXLB_ADDR_MAX];
	bool rule_added[MXLB_ADDR_MAX];
	bool net_added[MXLB_ADDR_MAX]; /* the PREFIX route of addrs[i] */
	bool default_added[2];	       /* IPv4, IPv6 */
	int fd;			       /* rtnetlink socket, or -1 */
	uint32_t seq;
};

/* Configures the kernel as above for the N addresses ADDRS on IFNAME.
 * Returns 0, or a negative errno after printing what failed; what was done
 * is then undone by mxlb_kern_cleanup. */
int mxlb_kern_setup(struct mxlb_kern *k, const char *ifname, const struct mxlb_addr *addrs,
		    size_t n, uint32_t table, uint32_t priority);

/* Removes what mxlb_kern_setup added; safe to call more than once, and on a
 * zeroed struct with fd -1. */
void mxlb_kern_cleanup(struct mxlb_kern *k);

#endif
