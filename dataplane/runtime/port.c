/* Port and mbuf pool setup, after the DPDK l3fwd and skeleton examples. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "exc.h"
#include "lcore.h"
#include "port.h"

#define MXLB_PORT_POOL_CACHE 256

static int mxlb_port_fail(const struct mxlb_port *p, const char *what, int err)
{
	fprintf(stderr, "mxlbd: port %u (%s): %s: %s\n", p->id, p->name, what, rte_strerror(-err));
	return err;
}

static unsigned mxlb_port_lcore_socket(unsigned lcore)
{
	unsigned s = rte_lcore_to_socket_id(lcore);

	return s < RTE_MAX_NUMA_NODES ? s : 0;
}

/* Why a port cannot serve NWORKERS workers, with the driver argument that
 * gives it more queues where there is one. */
static int mxlb_port_no_queues(const struct mxlb_port *p, const struct rte_eth_dev_info *info,
			       unsigned nworkers)
{
	char hint[96] = "";

	if (strcmp(p->driver, "net_af_packet") == 0)
		snprintf(hint, sizeof(hint), "; add qpairs=%u to its --vdev", nworkers);
	else if (strcmp(p->driver, "net_af_xdp") == 0)
		snprintf(hint, sizeof(hint), "; add queue_count=%u to its --vdev", nworkers);
	fprintf(stderr,
		"mxlbd: port %u (%s): %u worker(s) need %u RX/TX queue pairs, driver %s has "
		"%u RX and %u TX queues%s\n",
		p->id, p->name, nworkers, nworkers, p->driver, info->max_rx_queues,
		info->max_tx_queues, hint);
	return -EINVAL;
}

/* Reads the device, chooses offloads and configures it; no queues yet. */
static int mxlb_port_configure(struct mxlb_port *p, unsigned nworkers)
{
	const uint64_t tx_csum = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	int ret;

	rte_eth_dev_get_name_by_port(p->id, p->name);
	ret = rte_eth_dev_info_get(p->id, &info);
	if (ret != 0)
		return mxlb_port_fail(p, "rte_eth_dev_info_get", ret);
	snprintf(p->driver, sizeof(p->driver), "%s", info.driver_name);
	if (info.max_rx_queues < nworkers || info.max_tx_queues < nworkers)
		return mxlb_port_no_queues(p, &info, nworkers);
	/* The kernel spreads frames over every queue these two drivers open
	 * (PACKET_FANOUT, the NIC's own queues behind the XSKs): one that no
	 * worker polls would take its share of the queries and answer none. */
	if (info.max_rx_queues > nworkers &&
	    (strcmp(p->driver, "net_af_packet") == 0 || strcmp(p->driver, "net_af_xdp") == 0)) {
		fprintf(stderr,
			"mxlbd: port %u (%s): %s opens %u queue pairs but mxlbd has %u worker(s): "
			"frames on the queues no worker polls would never be answered; set %s=%u "
			"in its --vdev (or run %u workers)\n",
			p->id, p->name, p->driver, info.max_rx_queues, nworkers,
			strcmp(p->driver, "net_af_packet") == 0 ? "qpairs" : "queue_count",
			nworkers, info.max_rx_queues);
		return -EINVAL;
	}

	memset(&conf, 0, sizeof(conf));
	/* Verified checksums come back as mbuf flags; unverified ones are
	 * checked in software. */
	p->rx_offloads =
	    info.rx_offload_capa & (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM);
	p->tx_cksum = (info.tx_offload_capa & tx_csum) == tx_csum;
	p->tx_offloads = p->tx_cksum ? tx_csum : 0;
	/* Each TX queue only sends mbufs of its own worker's pool, refcnt 1. */
	p->tx_offloads |= info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	conf.rxmode.offloads = p->rx_offloads;
	conf.txmode.offloads = p->tx_offloads;
	if (nworkers > 1 && (info.flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP))) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
		    info.flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP);
	}
	ret = rte_eth_dev_configure(p->id, (uint16_t)nworkers, (uint16_t)nworkers, &conf);
	if (ret != 0)
		return mxlb_port_fail(p, "rte_eth_dev_configure", ret);
	p->configured = true;

	p->nb_rxd = MXLB_PORT_RXD;
	p->nb_txd = MXLB_PORT_TXD;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(p->id, &p->nb_rxd, &p->nb_txd);
	if (ret != 0)
		return mxlb_port_fail(p, "rte_eth_dev_adjust_nb_rx_tx_desc", ret);
	ret = rte_eth_macaddr_get(p->id, &p->mac);
	if (ret != 0)
		return mxlb_port_fail(p, "rte_eth_macaddr_get", ret);
	p->socket = rte_eth_dev_socket_id(p->id);
	return 0;
}

/* One pool per socket that runs workers, sized for every RX and TX ring of
 * those workers' queues, their bursts in flight and the per-lcore caches. */
static int mxlb_port_pools(struct mxlb_ports *ports, const unsigned *lcores, unsigned nworkers)
{
	uint64_t need[RTE_MAX_NUMA_NODES] = {0};
	char name[RTE_MEMPOOL_NAMESIZE];
	unsigned k, s, i, n;

	for (k = 0; k < nworkers; k++) {
		s = mxlb_port_lcore_socket(lcores[k]);
		for (i = 0; i < ports->n; i++)
			need[s] += ports->port[i].nb_rxd + ports->port[i].nb_txd;
		need[s] += 2 * MXLB_LCORE_BURST + MXLB_PORT_POOL_CACHE;
		/* Frames parked in the exception path: the worker's ring to
		 * it, and on worker 0's socket the tap's (exc.h). */
		need[s] += MXLB_EXC_MBUFS_WORKER + (k == 0 ? MXLB_EXC_MBUFS_TAP : 0);
	}
	for (s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		if (need[s] == 0)
			continue;
		n = (unsigned)rte_align64pow2(need[s] + 1) - 1;
		snprintf(name, sizeof(name), "mxlb_mbuf_s%u", s);
		ports->pool[s] = rte_pktmbuf_pool_create(name, n, MXLB_PORT_POOL_CACHE, 0,
							 RTE_MBUF_DEFAULT_BUF_SIZE, (int)s);
		if (ports->pool[s] == NULL) {
			fprintf(stderr, "mxlbd: mbuf pool %s (%u mbufs, socket %u): %s\n", name, n,
				s, rte_strerror(rte_errno));
			return -rte_errno;
		}
	}
	return 0;
}

/* Queue k of port P on the socket of worker k, then start. */
static int mxlb_port_start(struct mxlb_ports *ports, struct mxlb_port *p, const unsigned *lcores,
			   unsigned nworkers)
{
	struct rte_eth_dev_info info;
	struct rte_eth_rxconf rxconf;
	struct rte_eth_txconf txconf;
	unsigned k, s;
	int ret;

	ret = rte_eth_dev_info_get(p->id, &info);
	if (ret != 0)
		return mxlb_port_fail(p, "rte_eth_dev_info_get", ret);
	rxconf = info.default_rxconf;
	rxconf.offloads = p->rx_offloads;
	txconf = info.default_txconf;
	txconf.offloads = p->tx_offloads;
	for (k = 0; k < nworkers; k++) {
		s = mxlb_port_lcore_socket(lcores[k]);
		ret = rte_eth_rx_queue_setup(p->id, (uint16_t)k, p->nb_rxd, s, &rxconf,
					     ports->pool[s]);
		if (ret != 0)
			return mxlb_port_fail(p, "rte_eth_rx_queue_setup", ret);
		ret = rte_eth_tx_queue_setup(p->id, (uint16_t)k, p->nb_txd, s, &txconf);
		if (ret != 0)
			return mxlb_port_fail(p, "rte_eth_tx_queue_setup", ret);
	}
	ret = rte_eth_dev_start(p->id);
	if (ret != 0)
		return mxlb_port_fail(p, "rte_eth_dev_start", ret);
	p->started = true;
	return 0;
}

int mxlb_port_init(struct mxlb_ports *ports, const unsigned *lcores, unsigned nworkers)
{
	uint16_t id;
	unsigned i;
	int ret;

	memset(ports, 0, sizeof(*ports));
	if (rte_eth_dev_count_avail() == 0) {
		fprintf(stderr, "mxlbd: no ports: give one with EAL's --vdev or -a\n");
		return -ENODEV;
	}
	ports->nqueues = (uint16_t)nworkers;
	RTE_ETH_FOREACH_DEV(id)
	{
		struct mxlb_port *p = &ports->port[ports->n++];

		p->id = id;
		ret = mxlb_port_configure(p, nworkers);
		if (ret != 0)
			return ret;
	}
	ret = mxlb_port_pools(ports, lcores, nworkers);
	if (ret != 0)
		return ret;
	for (i = 0; i < ports->n; i++) {
		ret = mxlb_port_start(ports, &ports->port[i], lcores, nworkers);
		if (ret != 0)
			return ret;
	}
	return 0;
}

void mxlb_port_fini(struct mxlb_ports *ports)
{
	unsigned i;
	int ret;

	for (i = 0; i < ports->n; i++) {
		struct mxlb_port *p = &ports->port[i];

		if (p->started) {
			ret = rte_eth_dev_stop(p->id);
			if (ret != 0)
				mxlb_port_fail(p, "rte_eth_dev_stop", ret);
			p->started = false;
		}
		if (p->configured) {
			ret = rte_eth_dev_close(p->id);
			if (ret != 0)
				mxlb_port_fail(p, "rte_eth_dev_close", ret);
			p->configured = false;
		}
	}
	ports->n = 0;
	for (i = 0; i < RTE_MAX_NUMA_NODES; i++) {
		rte_mempool_free(ports->pool[i]);
		ports->pool[i] = NULL;
	}
}

void mxlb_port_print_stats(FILE *out, const struct mxlb_ports *ports)
{
	struct rte_eth_stats st;
	unsigned i;

	for (i = 0; i < ports->n; i++) {
		const struct mxlb_port *p = &ports->port[i];

		if (rte_eth_stats_get(p->id, &st) != 0)
			continue;
		fprintf(out,
			"mxlbd: port %u (%s): ipackets %" PRIu64 " opackets %" PRIu64
			" imissed %" PRIu64 " ierrors %" PRIu64 " oerrors %" PRIu64
			" rx_nombuf %" PRIu64 "\n",
			p->id, p->name, st.ipackets, st.opackets, st.imissed, st.ierrors,
			st.oerrors, st.rx_nombuf);
	}
}
