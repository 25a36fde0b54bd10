/* Port setup, after the DPDK skeleton example, and ARP (RFC 826). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "frame.h"
#include "port.h"

#define MXGEN_PORT_MBUFS      8191
#define MXGEN_PORT_POOL_CACHE 256
#define MXGEN_PORT_DESC	      1024

#define MXGEN_PORT_ETHERTYPE_ARP 0x0806
#define MXGEN_PORT_ARP_LEN	 28

static int mxgen_port_fail(const struct mxgen_port *p, const char *what, int err)
{
	fprintf(stderr, "mxgen: port %u (%s): %s: %s\n", p->id, p->name, what, rte_strerror(-err));
	return err;
}

int mxgen_port_init(struct mxgen_port *p)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	struct rte_ether_addr mac;
	uint16_t nrxd = MXGEN_PORT_DESC, ntxd = MXGEN_PORT_DESC;
	int ret, socket;

	memset(p, 0, sizeof(*p));
	if (rte_eth_dev_count_avail() == 0) {
		fprintf(stderr, "mxgen: no port: give one with --vdev=net_memif0,...\n");
		return -ENODEV;
	}
	p->id = 0;
	while (!rte_eth_dev_is_valid_port(p->id))
		p->id++;
	rte_eth_dev_get_name_by_port(p->id, p->name);
	ret = rte_eth_dev_info_get(p->id, &info);
	if (ret != 0)
		return mxgen_port_fail(p, "rte_eth_dev_info_get", ret);
	socket = rte_eth_dev_socket_id(p->id);
	if (socket < 0)
		socket = 0;
	p->pool = rte_pktmbuf_pool_create("mxgen_mbuf", MXGEN_PORT_MBUFS, MXGEN_PORT_POOL_CACHE, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (p->pool == NULL) {
		fprintf(stderr, "mxgen: mbuf pool: %s\n", rte_strerror(rte_errno));
		return -rte_errno;
	}
	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_configure(p->id, 1, 1, &conf);
	if (ret != 0)
		return mxgen_port_fail(p, "rte_eth_dev_configure", ret);
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(p->id, &nrxd, &ntxd);
	if (ret != 0)
		return mxgen_port_fail(p, "rte_eth_dev_adjust_nb_rx_tx_desc", ret);
	ret = rte_eth_rx_queue_setup(p->id, 0, nrxd, (unsigned)socket, NULL, p->pool);
	if (ret != 0)
		return mxgen_port_fail(p, "rte_eth_rx_queue_setup", ret);
	ret = rte_eth_tx_queue_setup(p->id, 0, ntxd, (unsigned)socket, NULL);
	if (ret != 0)
		return mxgen_port_fail(p, "rte_eth_tx_queue_setup", ret);
	ret = rte_eth_macaddr_get(p->id, &mac);
	if (ret != 0)
		return mxgen_port_fail(p, "rte_eth_macaddr_get", ret);
	memcpy(p->mac, mac.addr_bytes, 6);
	ret = rte_eth_dev_start(p->id);
	if (ret != 0)
		return mxgen_port_fail(p, "rte_eth_dev_start", ret);
	p->started = true;
	return 0;
}

int mxgen_port_wait_link(const struct mxgen_port *p, double timeout_s, const volatile bool *quit)
{
	const uint64_t hz = rte_get_tsc_hz();
	const uint64_t end = rte_get_tsc_cycles() + (uint64_t)(timeout_s * (double)hz);
	struct rte_eth_link link;

	while (!*quit) {
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(p->id, &link) == 0 &&
		    link.link_status == RTE_ETH_LINK_UP)
			return 0;
		if (rte_get_tsc_cycles() > end)
			return -ETIMEDOUT;
		rte_delay_us_sleep(10000);
	}
	return -EINTR;
}

int mxgen_port_wait_down(const struct mxgen_port *p, double timeout_s)
{
	const uint64_t hz = rte_get_tsc_hz();
	const uint64_t end = rte_get_tsc_cycles() + (uint64_t)(timeout_s * (double)hz);
	struct rte_eth_link link;

	for (;;) {
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(p->id, &link) == 0 &&
		    link.link_status == RTE_ETH_LINK_DOWN)
			return 0;
		if (rte_get_tsc_cycles() > end)
			return -ETIMEDOUT;
		rte_delay_us_sleep(10000);
	}
}

static void mxgen_port_arp_request(uint8_t *f, const uint8_t mac[6], const uint8_t sender[4],
				   const uint8_t target[4])
{
	uint8_t *arp = f + MXGEN_FRAME_ETH_LEN;

	memset(f, 0, MXGEN_FRAME_MIN);
	memset(f, 0xff, 6);
	memcpy(f + 6, mac, 6);
	mxgen_frame_put16(f + 12, MXGEN_PORT_ETHERTYPE_ARP);
	mxgen_frame_put16(arp, 1);	    /* Ethernet */
	mxgen_frame_put16(arp + 2, 0x0800); /* IPv4 */
	arp[4] = 6;
	arp[5] = 4;
	mxgen_frame_put16(arp + 6, 1); /* request */
	memcpy(arp + 8, mac, 6);
	memcpy(arp + 14, sender, 4);
	memcpy(arp + 24, target, 4);
}

/* Whether F is the ARP reply of TARGET to SENDER; sets MAC. */
static bool mxgen_port_arp_reply(const uint8_t *f, uint32_t len, const uint8_t sender[4],
				 const uint8_t target[4], uint8_t mac[6])
{
	const uint8_t *arp = f + MXGEN_FRAME_ETH_LEN;

	if (len < MXGEN_FRAME_ETH_LEN + MXGEN_PORT_ARP_LEN ||
	    mxgen_frame_get16(f + 12) != MXGEN_PORT_ETHERTYPE_ARP || mxgen_frame_get16(arp) != 1 ||
	    mxgen_frame_get16(arp + 2) != 0x0800 || arp[4] != 6 || arp[5] != 4 ||
	    mxgen_frame_get16(arp + 6) != 2 || memcmp(arp + 14, target, 4) != 0 ||
	    memcmp(arp + 24, sender, 4) != 0)
		return false;
	memcpy(mac, arp + 8, 6);
	return true;
}

int mxgen_port_arp(const struct mxgen_port *p, const uint8_t sender[4], const uint8_t target[4],
		   double timeout_s, const volatile bool *quit, uint8_t mac[6])
{
	const uint64_t hz = rte_get_tsc_hz();
	const uint64_t end = rte_get_tsc_cycles() + (uint64_t)(timeout_s * (double)hz);
	uint64_t next = 0, now;
	struct rte_mbuf *rx[MXGEN_PORT_BURST], *m;
	uint16_t n, i;
	bool found = false;

	while (!*quit && !found) {
		now = rte_get_tsc_cycles();
		if (now > end)
			return -ETIMEDOUT;
		if (now >= next) {
			m = rte_pktmbuf_alloc(p->pool);
			if (m != NULL) {
				mxgen_port_arp_request(rte_pktmbuf_mtod(m, uint8_t *), p->mac,
						       sender, target);
				m->data_len = MXGEN_FRAME_MIN;
				m->pkt_len = MXGEN_FRAME_MIN;
				if (rte_eth_tx_burst(p->id, 0, &m, 1) != 1)
					rte_pktmbuf_free(m);
			}
			next = now + hz / 10;
		}
		n = rte_eth_rx_burst(p->id, 0, rx, MXGEN_PORT_BURST);
		for (i = 0; i < n; i++) {
			if (!found && rx[i]->nb_segs == 1)
				found = mxgen_port_arp_reply(rte_pktmbuf_mtod(rx[i], uint8_t *),
							     rx[i]->data_len, sender, target, mac);
			rte_pktmbuf_free(rx[i]);
		}
		if (n == 0)
			rte_delay_us_block(10);
	}
	return found ? 0 : -EINTR;
}

void mxgen_port_fini(struct mxgen_port *p)
{
	if (p->started) {
		rte_eth_dev_stop(p->id);
		rte_eth_dev_close(p->id);
		p->started = false;
	}
	rte_mempool_free(p->pool);
	p->pool = NULL;
}
