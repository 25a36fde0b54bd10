/* The worker loop: receive a burst, one verdict per frame, answer in place,
 * send the answers back out of the queue they came in on. */
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "lcore.h"
#include "pkt.h"
#include "publish.h"
#include "respond.h"

struct mxlb_lcore mxlb_lcores[RTE_MAX_LCORE];
volatile bool mxlb_lcore_quit;

/* Largest UDP payload the IPv4 length fields can describe behind our
 * 20-byte header. */
#define MXLB_LCORE_UDP_ROOM (UINT16_MAX - MXLB_PKT_IP4_LEN - MXLB_PKT_UDP_LEN)

/* Checksums the port has verified, from the mbuf RX flags. NONE means the
 * data is intact although the field is not (veth, virtio). */
static inline unsigned mxlb_lcore_rx_flags(const struct rte_mbuf *m)
{
	const uint64_t ip = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	const uint64_t l4 = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	unsigned f = 0;

	if (ip == RTE_MBUF_F_RX_IP_CKSUM_GOOD || ip == RTE_MBUF_F_RX_IP_CKSUM_NONE)
		f |= MXLB_PKT_RX_IP_CKSUM_OK;
	if (l4 == RTE_MBUF_F_RX_L4_CKSUM_GOOD || l4 == RTE_MBUF_F_RX_L4_CKSUM_NONE)
		f |= MXLB_PKT_RX_UDP_CKSUM_OK;
	return f;
}

/* One frame: its verdict, and when it is an answer the mbuf holds it ready
 * for transmit. TX_CKSUM is a constant in each instantiation. */
static inline enum mxlb_pkt_verdict mxlb_lcore_frame(struct mxlb_lcore *lc,
						     const struct mxlb_lcore_queue *q,
						     const struct mxlb_image *img,
						     struct rte_mbuf *m, const bool tx_cksum)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	struct mxlb_pkt pkt;
	enum mxlb_pkt_verdict v;
	size_t room, n;
	uint16_t len;

	if (unlikely(m->nb_segs != 1))
		return MXLB_PKT_DROP_MULTI_SEG;
	v = mxlb_pkt_classify(frame, m->data_len, q->mac, lc->addrs, mxlb_lcore_rx_flags(m), &pkt);
	if (v == MXLB_PKT_ARP || v == MXLB_PKT_NDP) {
		m->ol_flags = 0;
		m->data_len = pkt.len;
		m->pkt_len = pkt.len;
		return v;
	}
	if (v == MXLB_PKT_KERNEL) {
		m->ol_flags = 0; /* RX flags mean nothing to the tap */
		return lc->exc_up != NULL ? v : MXLB_PKT_DROP_NO_KERNEL;
	}
	if (v != MXLB_PKT_DNS)
		return v;

	/* The response may use the mbuf up to the end of its data room. */
	room = (size_t)m->buf_len - m->data_off - pkt.dns_off;
	if (room > MXLB_LCORE_UDP_ROOM)
		room = MXLB_LCORE_UDP_ROOM;
	/* the client, for response rate limiting */
	const struct mxlb_client client = {
	    .addr = frame + pkt.l2_len + (pkt.ip6 ? 8 : 12),
	    .len = pkt.ip6 ? 16 : 4,
	    .now = lc->now,
	};
	n = mxlb_respond_from(lc->w, img, frame + pkt.dns_off, pkt.dns_len, room, &client);
	if (n == 0)
		return MXLB_PKT_DROP_DNS;
	if (tx_cksum) {
		len = mxlb_pkt_reply_udp_offload(frame, &pkt, q->mac, (uint16_t)n);
		m->ol_flags =
		    pkt.ip6 ? RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_UDP_CKSUM
			    : RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_UDP_CKSUM;
		m->l2_len = pkt.l2_len;
		m->l3_len = pkt.l3_len;
	} else {
		len = mxlb_pkt_reply_udp(frame, &pkt, q->mac, (uint16_t)n);
		m->ol_flags = 0;
	}
	m->data_len = len;
	m->pkt_len = len;
	return MXLB_PKT_DNS;
}

/* Keeps LC->now, the TSC in seconds, up to date: one TSC read per burst
 * received, a division once a second. */
static inline void mxlb_lcore_clock(struct mxlb_lcore *lc)
{
	const uint64_t t = rte_rdtsc();

	if (unlikely(t >= lc->next_tick)) {
		lc->now = (uint32_t)(t / lc->hz);
		lc->next_tick = ((uint64_t)lc->now + 1) * lc->hz;
	}
}

static inline void mxlb_lcore_burst(struct mxlb_lcore *lc, const struct mxlb_lcore_queue *q,
				    const struct mxlb_image *img, const bool tx_cksum)
{
	struct rte_mbuf *rx[MXLB_LCORE_BURST];
	struct rte_mbuf *tx[MXLB_LCORE_BURST];
	struct rte_mbuf *drop[MXLB_LCORE_BURST];
	struct rte_mbuf *kern[MXLB_LCORE_BURST];
	struct mxlb_counters *cnt = lc->cnt;
	uint16_t nrx, ntx = 0, ndrop = 0, nkern = 0, sent, i;
	enum mxlb_pkt_verdict v;

	nrx = rte_eth_rx_burst(q->port, q->queue, rx, MXLB_LCORE_BURST);
	if (nrx == 0)
		return;
	cnt->rx += nrx;
	mxlb_lcore_clock(lc);
	for (i = 0; i < nrx; i++) {
		if (i + 1 < nrx)
			rte_prefetch0(rte_pktmbuf_mtod(rx[i + 1], void *));
		v = mxlb_lcore_frame(lc, q, img, rx[i], tx_cksum);
		if (v == MXLB_PKT_KERNEL) {
			kern[nkern++] = rx[i]; /* counted once handed over */
			continue;
		}
		cnt->verdict[v]++;
		if (v == MXLB_PKT_DNS || v == MXLB_PKT_ARP || v == MXLB_PKT_NDP)
			tx[ntx++] = rx[i];
		else
			drop[ndrop++] = rx[i];
	}
	if (nkern != 0) {
		sent = (uint16_t)rte_ring_sp_enqueue_burst(lc->exc_up, (void **)kern, nkern, NULL);
		cnt->verdict[MXLB_PKT_KERNEL] += sent;
		for (i = sent; i < nkern; i++) {
			cnt->verdict[MXLB_PKT_DROP_KERNEL_FULL]++;
			drop[ndrop++] = kern[i];
		}
	}
	if (ndrop != 0)
		rte_pktmbuf_free_bulk(drop, ndrop);
	if (ntx == 0)
		return;
	sent = rte_eth_tx_burst(q->port, q->queue, tx, ntx);
	cnt->tx += sent;
	if (unlikely(sent < ntx)) {
		cnt->tx_full += (uint64_t)(ntx - sent);
		rte_pktmbuf_free_bulk(&tx[sent], ntx - sent);
	}
}

static void mxlb_lcore_burst_sw(struct mxlb_lcore *lc, const struct mxlb_lcore_queue *q,
				const struct mxlb_image *img)
{
	mxlb_lcore_burst(lc, q, img, false);
}

static void mxlb_lcore_burst_offload(struct mxlb_lcore *lc, const struct mxlb_lcore_queue *q,
				     const struct mxlb_image *img)
{
	mxlb_lcore_burst(lc, q, img, true);
}

void mxlb_lcore_add_queue(struct mxlb_lcore *lc, uint16_t port, uint16_t queue,
			  const struct rte_ether_addr *mac, bool tx_cksum)
{
	struct mxlb_lcore_queue *q = &lc->queues[lc->nqueues++];

	q->port = port;
	q->queue = queue;
	memcpy(q->mac, mac->addr_bytes, sizeof(q->mac));
	q->burst = tx_cksum ? mxlb_lcore_burst_offload : mxlb_lcore_burst_sw;
}

/* Worker 0: the kernel's frames (exc.h), all for one port, sent on this
 * worker's queue 0 of it. */
static void mxlb_lcore_from_kernel(struct mxlb_lcore *lc)
{
	struct rte_mbuf *b[MXLB_LCORE_BURST];
	struct mxlb_counters *cnt = lc->cnt;
	uint16_t n, sent;

	n = (uint16_t)rte_ring_sc_dequeue_burst(lc->exc_down, (void **)b, MXLB_LCORE_BURST, NULL);
	if (n == 0)
		return;
	cnt->from_kernel += n;
	sent = rte_eth_tx_burst(b[0]->port, 0, b, n);
	cnt->tx += sent;
	if (unlikely(sent < n)) {
		cnt->tx_full += (uint64_t)(n - sent);
		rte_pktmbuf_free_bulk(&b[sent], n - sent);
	}
}

int mxlb_lcore_main(void *arg)
{
	struct mxlb_lcore *lc = arg;
	const struct mxlb_image *img;
	uint16_t i;

	lc->hz = rte_get_tsc_hz();
	lc->next_tick = 0;
	mxlb_lcore_clock(lc);
	mxlb_publish_online(lc->worker);
	while (!mxlb_lcore_quit) {
		/* The one read of the published image: it stays the same for
		 * the whole round. */
		img = mxlb_publish_get();
		for (i = 0; i < lc->nqueues; i++)
			lc->queues[i].burst(lc, &lc->queues[i], img);
		if (lc->exc_down != NULL)
			mxlb_lcore_from_kernel(lc);
		mxlb_publish_quiescent(lc->worker);
	}
	mxlb_publish_offline(lc->worker);
	return 0;
}
