/* The worker lcore loop and its per-lcore state (DPDK l3fwd style: one
 * cache-aligned struct per lcore, written only by that lcore). */
#ifndef MXLB_LCORE_H
#define MXLB_LCORE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include "addr.h"
#include "counters.h"
#include "image.h"
#include "worker.h"

#define MXLB_LCORE_BURST 32

struct mxlb_lcore;
struct mxlb_lcore_queue;

/* Receives and answers one burst of a queue. Chosen per port at start by
 * the port's checksum offload, so the loop does not branch on it per packet. */
typedef void (*mxlb_lcore_burst_fn)(struct mxlb_lcore *lc, const struct mxlb_lcore_queue *q,
				    const struct mxlb_image *img);

/* The RX/TX queue pair a worker owns on one port. */
struct mxlb_lcore_queue {
	uint16_t port;
	uint16_t queue;
	uint8_t mac[6];
	mxlb_lcore_burst_fn burst;
};

struct mxlb_lcore {
	/* engine state (per-pool counters, DNS stats) and frame counters, in
	 * the stats memzone */
	struct mxlb_worker *w;
	uint32_t now;	    /* seconds of the TSC, for rate limiting */
	uint64_t next_tick; /* TSC at which NOW moves on */
	uint64_t hz;	    /* TSC frequency */
	/* exception path (exc.h): frames for the kernel are handed over on
	 * EXC_UP (NULL with --no-kernel: they are dropped); worker 0 sends
	 * the kernel's frames it finds on EXC_DOWN (NULL on other workers) */
	struct rte_ring *exc_up;
	struct rte_ring *exc_down;
	struct mxlb_counters *cnt;
	const struct mxlb_addr_set *addrs;
	uint32_t worker; /* worker index: the QSBR thread id */
	uint16_t nqueues;
	struct mxlb_lcore_queue queues[RTE_MAX_ETHPORTS];
} __rte_cache_aligned;

extern struct mxlb_lcore mxlb_lcores[RTE_MAX_LCORE];

/* Set by the signal handler; every loop stops at its next round. */
extern volatile bool mxlb_lcore_quit;

/* Adds the queue pair QUEUE of PORT (address MAC) to LC; TX_CKSUM says
 * whether the port computes IPv4 and UDP checksums on transmit. */
void mxlb_lcore_add_queue(struct mxlb_lcore *lc, uint16_t port, uint16_t queue,
			  const struct rte_ether_addr *mac, bool tx_cksum);

/* The worker loop, for rte_eal_remote_launch with ARG = &mxlb_lcores[id]:
 * polls every queue of the lcore until mxlb_lcore_quit, reading the
 * published image once per round and reporting a quiescent state after it
 * (mxlb_publish_*), and on worker 0 sends the kernel's frames. No locks,
 * syscalls, allocation or logging. */
int mxlb_lcore_main(void *arg);

#endif
