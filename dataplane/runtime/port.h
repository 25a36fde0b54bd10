/* Ports and their mbuf pools: every available ethdev port is served, with
 * one RX/TX queue pair per worker (worker k owns queue k on every port). */
#ifndef MXLB_PORT_H
#define MXLB_PORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>

#define MXLB_PORT_RXD 1024 /* RX descriptors per queue, before driver limits */
#define MXLB_PORT_TXD 1024 /* TX descriptors per queue, before driver limits */

struct mxlb_port {
	uint16_t id;
	int socket; /* NUMA socket of the device, SOCKET_ID_ANY for most vdevs */
	struct rte_ether_addr mac;
	/* IPv4 and UDP checksums computed by the port on transmit; chosen once
	 * here from the offloads the port advertises. */
	bool tx_cksum;
	uint64_t rx_offloads;
	uint64_t tx_offloads;
	uint16_t nb_rxd;
	uint16_t nb_txd;
	bool configured;
	bool started;
	char name[RTE_ETH_NAME_MAX_LEN];
	char driver[32];
};

struct mxlb_ports {
	uint16_t n;
	uint16_t nqueues; /* queue pairs per port, one per worker */
	struct mxlb_port port[RTE_MAX_ETHPORTS];
	struct rte_mempool *pool[RTE_MAX_NUMA_NODES]; /* per socket of the workers */
};

/* Configures and starts every available port with NWORKERS queue pairs; the
 * RX queue and mbufs of worker k live on the socket of lcore LCORES[k].
 * Returns 0, or a negative errno after printing what failed; what was set up
 * is then undone by mxlb_port_fini. */
int mxlb_port_init(struct mxlb_ports *ports, const unsigned *lcores, unsigned nworkers);

/* Stops and closes the ports and frees the pools. */
void mxlb_port_fini(struct mxlb_ports *ports);

/* Prints the ethdev statistics of every port (what the driver counted). */
void mxlb_port_print_stats(FILE *out, const struct mxlb_ports *ports);

#endif
