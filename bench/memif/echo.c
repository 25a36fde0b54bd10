/* mxlb-echo, the ceiling of the memif rig (make bench-memif): receives
 * bursts on the first port, swaps the MAC addresses and sends every frame
 * back, as testpmd's macswap forwarding does. The one lcore of -l runs the
 * loop; SIGINT or SIGTERM stops it and prints the counters.
 *
 *   mxlb-echo -l 1 --no-pci --vdev=net_memif0,role=client,socket=S -- */
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#define MXLB_ECHO_BURST	     32
#define MXLB_ECHO_MBUFS	     8191
#define MXLB_ECHO_POOL_CACHE 256
#define MXLB_ECHO_DESC	     1024

static volatile bool mxlb_echo_quit;

struct mxlb_echo_counters {
	uint64_t rx;
	uint64_t tx;
	uint64_t tx_full; /* frames the port did not take, freed */
};

static void mxlb_echo_signal(int sig)
{
	(void)sig;
	mxlb_echo_quit = true;
}

static int mxlb_echo_port(uint16_t port)
{
	struct rte_eth_conf conf;
	struct rte_mempool *pool;
	uint16_t nrxd = MXLB_ECHO_DESC, ntxd = MXLB_ECHO_DESC;
	int socket = rte_eth_dev_socket_id(port), ret;

	if (socket < 0)
		socket = 0;
	pool = rte_pktmbuf_pool_create("mxlb_echo_mbuf", MXLB_ECHO_MBUFS, MXLB_ECHO_POOL_CACHE, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (pool == NULL) {
		fprintf(stderr, "mxlb-echo: mbuf pool: %s\n", rte_strerror(rte_errno));
		return -rte_errno;
	}
	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_configure(port, 1, 1, &conf);
	if (ret == 0)
		ret = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrxd, &ntxd);
	if (ret == 0)
		ret = rte_eth_rx_queue_setup(port, 0, nrxd, (unsigned)socket, NULL, pool);
	if (ret == 0)
		ret = rte_eth_tx_queue_setup(port, 0, ntxd, (unsigned)socket, NULL);
	if (ret == 0)
		ret = rte_eth_dev_start(port);
	if (ret != 0)
		fprintf(stderr, "mxlb-echo: port %u: %s\n", port, rte_strerror(-ret));
	return ret;
}

static inline void mxlb_echo_swap(struct rte_mbuf *m)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ether_addr t = eth->dst_addr;

	eth->dst_addr = eth->src_addr;
	eth->src_addr = t;
}

static void mxlb_echo_loop(uint16_t port, struct mxlb_echo_counters *c)
{
	struct rte_mbuf *pkts[MXLB_ECHO_BURST];
	uint16_t n, sent, i;

	while (!mxlb_echo_quit) {
		n = rte_eth_rx_burst(port, 0, pkts, MXLB_ECHO_BURST);
		if (n == 0)
			continue;
		c->rx += n;
		for (i = 0; i < n; i++)
			mxlb_echo_swap(pkts[i]);
		sent = rte_eth_tx_burst(port, 0, pkts, n);
		c->tx += sent;
		if (sent < n) {
			c->tx_full += (uint64_t)(n - sent);
			rte_pktmbuf_free_bulk(&pkts[sent], n - sent);
		}
	}
}

int main(int argc, char **argv)
{
	struct mxlb_echo_counters c = {0};
	struct sigaction sa;
	uint16_t port = 0;
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "mxlb-echo: rte_eal_init failed\n");
		return EXIT_FAILURE;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = mxlb_echo_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (rte_eth_dev_count_avail() == 0) {
		fprintf(stderr, "mxlb-echo: no port: give one with --vdev\n");
		rte_eal_cleanup();
		return EXIT_FAILURE;
	}
	while (!rte_eth_dev_is_valid_port(port))
		port++;
	ret = mxlb_echo_port(port);
	if (ret == 0) {
		printf("mxlb-echo: ready on port %u, lcore %u\n", port, rte_lcore_id());
		fflush(stdout);
		mxlb_echo_loop(port, &c);
		printf("mxlb-echo: rx %" PRIu64 " tx %" PRIu64 " tx_full %" PRIu64 "\n", c.rx, c.tx,
		       c.tx_full);
		rte_eth_dev_stop(port);
		rte_eth_dev_close(port);
	}
	rte_eal_cleanup();
	return ret == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
