/* The XDP steering program (bpf/dns_steer.bpf.c) on mxlbd's net_af_xdp
 * ports, through libbpf; DPDK-free.
 *
 * DPDK 22.11's af_xdp PMD loads and attaches a program of its own choosing
 * when given `xdp_prog=FILE`, and fills that object's xsks_map itself; it has
 * no option to take a program or map already loaded. So mxlbd:
 *   1. before rte_eal_init (mxlb_xdp_init): writes the object, which the
 *      skeleton carries, to a memfd, appends xdp_prog=/proc/self/fd/N to every
 *      net_af_xdp --vdev that names no program of its own, and detaches
 *      a program left attached to such an interface by a run that crashed:
 *      dns_steer, or libxdp's default one with no AF_XDP socket left (the PMD
 *      attaches with XDP_FLAGS_UPDATE_IF_NOEXIST and would fail);
 *   2. once the ports are set up, which is when the PMD attaches it
 *      (mxlb_xdp_start): finds the program on each interface by its id, and
 *      its maps by name, and fills the configuration: UDP port 53 and the
 *      --ip addresses;
 *   3. reads the per-CPU counters (mxlb_xdp_read, mxlb_xdp_print), and
 *      records where mxlbctl finds them (mxlb_xdp_share);
 *   4. at exit (mxlb_xdp_fini) detaches the program if the PMD has not.
 * With steering off (--no-xdp-steer) nothing is changed and the PMD attaches
 * its default program, which sends every frame of the queue to mxlbd. */
#ifndef MXLB_XDP_H
#define MXLB_XDP_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "dns_steer.h"

#define MXLB_XDP_PORTS_MAX   32		    /* net_af_xdp --vdev options handled */
#define MXLB_XDP_DNS_PORT    53		    /* UDP port steered */
#define MXLB_XDP_VDEV	     "net_af_xdp"   /* driver name, prefix of its vdev names */
#define MXLB_XDP_LIBXDP_PROG "xsk_def_prog" /* the PMD's default program (libxdp's) */

/* A port that steers, as the stats memzone holds it (shared.h): mxlbd fills
 * in the names and the id of the program's counter map (dns_stats), mxlbctl
 * reads the map (as root) into C of its copy. */
#define MXLB_XDP_COUNTERS_MAX 16 /* room in C for DNS_STEER_COUNTER_MAX */

struct mxlb_xdp_shared {
	char ifname[16];
	char vdev[64];
	uint32_t stats_map_id;
	uint32_t ncounters;		   /* DNS_STEER_COUNTER_MAX; 0: unreadable */
	uint64_t c[MXLB_XDP_COUNTERS_MAX]; /* 0 in the memzone */
};

/* Output formats of mxlb_xdp_print_shared, as mxlbctl stats has them. */
enum mxlb_xdp_format {
	MXLB_XDP_TEXT = 0,
	MXLB_XDP_JSON,
	MXLB_XDP_PROMETHEUS,
};

/* One net_af_xdp --vdev. */
struct mxlb_xdp_port {
	char vdev[64]; /* vdev name, e.g. net_af_xdp0 */
	char ifname[IF_NAMESIZE];
	unsigned ifindex;
	bool steer;	  /* xdp_prog= added by mxlbd: dns_steer is the program */
	uint32_t prog_id; /* the attached dns_steer once found, else 0 */
	uint32_t stats_map_id;
	int prog_fd; /* these fds are -1 until found */
	int cfg_fd;
	int addr4_fd;
	int addr6_fd;
	int stats_fd;
};

struct mxlb_xdp {
	bool inited;	   /* by mxlb_xdp_init or mxlb_xdp_args: mxlb_xdp_fini undoes */
	bool on;	   /* steering wanted: no --no-xdp-steer */
	int obj_fd;	   /* memfd holding the program object, or -1 */
	char obj_path[32]; /* /proc/self/fd/N */
	int argc;	   /* the EAL arguments to pass to rte_eal_init */
	char **argv;	   /* a copy, with xdp_prog= added where needed */
	char **owned;	   /* strings of argv allocated here, argc entries */
	unsigned n;
	struct mxlb_xdp_port port[MXLB_XDP_PORTS_MAX];
};

/* Steps 1 and 2 above for the ARGC EAL arguments ARGV (ARGV[0] the
 * program). X->argc and X->argv are then what rte_eal_init is to get; ARGV
 * itself is not changed. With ON false, X->argv is a plain copy. Returns 0 or
 * a negative errno after printing what failed. */
int mxlb_xdp_init(struct mxlb_xdp *x, bool on, int argc, char *const *argv);

/* The pure part of mxlb_xdp_init: the copy of ARGV and the ports, with
 * xdp_prog=PROG appended where steering applies; no system call. */
int mxlb_xdp_args(struct mxlb_xdp *x, bool on, int argc, char *const *argv, const char *prog);

/* Step 2: for every port that steers, finds dns_steer on its interface and
 * configures it to steer UDP port PORT of the N addresses ADDRS. */
int mxlb_xdp_start(struct mxlb_xdp *x, const struct mxlb_addr *addrs, size_t n, uint16_t port);

/* Fills the DNS_STEER_COUNTER_MAX counters of port P, summed over the CPUs.
 * Returns 0, or a negative errno (-ENOENT when P has no program found). */
int mxlb_xdp_read(const struct mxlb_xdp_port *p, uint64_t *c);

/* Prints one line of counters for each port that steers:
 *   mxlbd: xdp IFNAME (VDEV): steered N no_xsk N not_ip N ... */
void mxlb_xdp_print(FILE *out, const struct mxlb_xdp *x);

/* Whether the DPDK port named NAME (its vdev name, e.g. net_af_xdp0) is
 * served by dns_steer: the kernel then gets every frame that is not DNS over
 * UDP to a service address straight from the interface, whose addresses it
 * owns, so that the port needs no exception path, and a kernel socket on a
 * service address (DNS over TCP) is reached as on any host. */
bool mxlb_xdp_port_steers(const struct mxlb_xdp *x, const char *name);

/* Records the ports that steer in OUT (MXLB_XDP_PORTS_MAX of them), their
 * number in *N. */
void mxlb_xdp_share(const struct mxlb_xdp *x, struct mxlb_xdp_shared *out, uint32_t *n);

/* mxlbctl: reads the counters of the N ports S from their maps. */
void mxlb_xdp_read_shared(struct mxlb_xdp_shared *s, uint32_t n);

/* Prints the counters of the N ports S: as TEXT a line each,
 *   xdp IFNAME (VDEV): steered N no_xsk N ...
 * as JSON the objects of an array (without the brackets),
 *   {"iface":"IFNAME","vdev":"VDEV","steered":N,...}
 * and as PROMETHEUS the family mxlb_xdp_frames_total{iface,vdev,verdict}. */
void mxlb_xdp_print_shared(FILE *out, const struct mxlb_xdp_shared *s, uint32_t n,
			   enum mxlb_xdp_format format);

/* Name of counter I of dns_stats ("steered", ...). */
const char *mxlb_xdp_counter_name(unsigned i);

/* Detaches dns_steer where it is still attached, closes every fd and frees
 * the arguments. */
void mxlb_xdp_fini(struct mxlb_xdp *x);

#endif
