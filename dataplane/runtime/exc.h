/* The exception path: frames the fast path does not answer (TCP, ICMP,
 * ICMPv6 other than solicitations for a service address, ARP replies, UDP to
 * ports other than 53) go to the host's kernel through an exception
 * interface, and what the kernel sends there goes back out of the NIC port.
 *
 *   worker k --up[k]--> exception service --write--> tap (kernel)
 *   worker 0 <--down--- exception service <--read--- tap (kernel)
 *
 * The exception interface is a net_tap vdev that mxlbd hot-plugs itself
 * once the ports are up (`net_tap_mxlb,iface=IFNAME,mac=MAC`), with the MAC
 * address of the first port, so that the kernel's frames need no rewriting
 * and the port's frames reach the kernel as addressed to it. Tap reads and
 * writes are system calls: they are made by the exception service, a control
 * thread of its own, never by a worker. Workers hand frames over on their own
 * single-producer/single-consumer ring (up[k]); the service returns the
 * kernel's frames on one more ring (down), which worker 0 drains once per
 * loop round and sends on its TX queue of the port: no extra TX queue is
 * needed, so every driver works (af_packet and af_xdp offer exactly the
 * queues asked for). The kernel's frames are read into mbufs of worker 0's
 * pool, which its TX queue already sends (fast-free stays valid).
 *
 * One exception interface serves the first port; frames for the kernel from
 * other ports are dropped and counted (other_port). */
#ifndef MXLB_EXC_H
#define MXLB_EXC_H

#include <net/if.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ring.h>

#include "port.h"

#define MXLB_EXC_RING  512 /* slots of each ring (one is never used) */
#define MXLB_EXC_RXD   64  /* tap RX descriptors: mbufs the tap queue holds */
#define MXLB_EXC_BURST 32
/* Mbufs that may be parked in the exception path: of each worker's pool
 * (its up ring), and in addition of worker 0's pool (the tap's RX queue, the
 * down ring and a burst in the service's hands). mxlb_port_init adds them
 * to the pools it sizes. */
#define MXLB_EXC_MBUFS_WORKER MXLB_EXC_RING
#define MXLB_EXC_MBUFS_TAP    (MXLB_EXC_RXD + MXLB_EXC_RING + MXLB_EXC_BURST)

/* Counters of the exception service, written by its thread alone. */
struct mxlb_exc_stats {
	uint64_t to_kernel;	  /* frames written to the tap */
	uint64_t to_kernel_drop;  /* the tap did not take them: freed */
	uint64_t from_kernel;	  /* frames read from the tap, passed to worker 0 */
	uint64_t from_kernel_bad; /* chained (longer than an mbuf): freed */
	uint64_t down_full;	  /* the ring to worker 0 was full: freed */
	uint64_t other_port;	  /* from a port without an exception interface: freed */
};

struct mxlb_exc {
	char ifname[IF_NAMESIZE]; /* the kernel's name of the tap */
	char vdev[RTE_DEV_NAME_MAX_LEN];
	uint16_t tap_port;
	uint16_t nic_port; /* the port the tap stands for */
	bool probed;
	bool started;
	unsigned nworkers;
	struct rte_ring *up[RTE_MAX_LCORE]; /* worker k -> service */
	struct rte_ring *down;		    /* service -> worker 0 */
	pthread_t thread;
	bool running;
	volatile bool quit;
	struct mxlb_exc_stats st;
};

/* Creates the tap for the first port of PORTS (named IFNAME, or the first
 * free mxlbN when IFNAME is NULL), its queues on worker 0's pool and the
 * rings of NWORKERS workers; the interface is up when this returns. Returns
 * 0 or a negative errno after printing what failed; mxlb_exc_fini undoes
 * what was made. */
int mxlb_exc_init(struct mxlb_exc *x, const struct mxlb_ports *ports, const unsigned *lcores,
		  unsigned nworkers, const char *ifname);

/* Starts the exception service thread. */
int mxlb_exc_start(struct mxlb_exc *x);

/* Stops the service thread (the workers may have stopped or not). */
void mxlb_exc_stop(struct mxlb_exc *x);

/* Stops the thread if needed, frees what the rings hold, closes and
 * removes the tap (and with it the kernel interface), frees the rings.
 * Before the mbuf pools are freed. */
void mxlb_exc_fini(struct mxlb_exc *x);

/* One line of counters: "mxlbd: exception IFNAME: to_kernel N ...". */
void mxlb_exc_print(FILE *out, const struct mxlb_exc *x);

#endif
