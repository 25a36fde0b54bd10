/* The generator's port: one RX and one TX queue on the first ethdev (the
 * net_memif vdev), its mbuf pool, the wait for the peer to connect, and ARP
 * for the peer's MAC address. */
#ifndef MXGEN_PORT_H
#define MXGEN_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>

#define MXGEN_PORT_BURST 32

struct mxgen_port {
	uint16_t id;
	char name[64];
	uint8_t mac[6];
	struct rte_mempool *pool;
	bool started;
};

/* Configures and starts the first port. Returns 0 or a negative errno,
 * with the reason printed. */
int mxgen_port_init(struct mxgen_port *p);

/* Waits up to TIMEOUT_S seconds (or until *QUIT) for the link to come up:
 * for memif, for the peer to connect. Returns 0 or -ETIMEDOUT / -EINTR. */
int mxgen_port_wait_link(const struct mxgen_port *p, double timeout_s, const volatile bool *quit);

/* Waits up to TIMEOUT_S seconds for the link to go down: for memif, for the
 * peer to close its end. The port is not polled meanwhile: DPDK 22.11's memif
 * unmaps the rings of a peer that leaves from its interrupt thread, under
 * a queue that is being polled, so each side stops polling before the
 * other leaves. Returns 0 or -ETIMEDOUT. */
int mxgen_port_wait_down(const struct mxgen_port *p, double timeout_s);

/* Asks for the MAC address of TARGET (network order) by ARP from SENDER,
 * once per 100 ms for up to TIMEOUT_S seconds. Other frames received
 * meanwhile are dropped. Returns 0 with MAC set, or -ETIMEDOUT / -EINTR. */
int mxgen_port_arp(const struct mxgen_port *p, const uint8_t sender[4], const uint8_t target[4],
		   double timeout_s, const volatile bool *quit, uint8_t mac[6]);

void mxgen_port_fini(struct mxgen_port *p);

#endif
