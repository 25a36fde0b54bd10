/* The phase loop. Receive first, so that answers never wait behind a TX
 * burst; then offer up to a burst of queries. The port takes what fits in
 * its ring; the rest stays pending, in order, for the next round. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "port.h"
#include "run.h"

#define MXGEN_RUN_STALL_US 20

int mxgen_run_init(struct mxgen_run *r)
{
	uint32_t b = 0;

	while ((1u << b) < r->fs->nflows)
		b++;
	r->flow_bits = b;
	r->slots = calloc(MXGEN_RUN_SLOTS, sizeof(*r->slots));
	r->expect = calloc(r->qs->ncls, sizeof(*r->expect));
	r->hist = malloc(sizeof(*r->hist));
	if (r->slots == NULL || r->expect == NULL || r->hist == NULL ||
	    mxgen_cache_init(&r->cache, r->qs) != 0) {
		mxgen_run_fini(r);
		return -ENOMEM;
	}
	mxgen_hist_init(r->hist);
	r->hz = rte_get_tsc_hz();
	r->ns_per_cycle = 1e9 / (double)r->hz;
	memset(r->st, 0, sizeof(r->st));
	return 0;
}

void mxgen_run_fini(struct mxgen_run *r)
{
	free(r->slots);
	free(r->expect);
	free(r->hist);
	mxgen_cache_free(&r->cache);
	r->slots = NULL;
	r->expect = NULL;
	r->hist = NULL;
}

uint64_t mxgen_run_bad(const struct mxgen_run *r, uint8_t id)
{
	uint64_t n = 0;
	unsigned v;

	for (v = MXGEN_CHECK_OK + 1; v < MXGEN_CHECK_MAX; v++)
		n += r->st[id].bad[v];
	return n;
}

static void mxgen_run_dump(struct mxgen_run *r, enum mxgen_check_verdict v, const uint8_t *f,
			   uint32_t len)
{
	uint32_t i;

	if (r->dumps >= MXGEN_RUN_DUMPS)
		return;
	r->dumps++;
	fprintf(stderr, "mxgen: bad frame (%s), %u octets:", mxgen_check_name(v), len);
	for (i = 0; i < len && i < 512; i++)
		fprintf(stderr, "%s%02x", i % 32 == 0 ? "\n  " : " ", f[i]);
	fprintf(stderr, "\n");
}

static inline void mxgen_run_bad_frame(struct mxgen_run *r, struct mxgen_stats *cur,
				       enum mxgen_check_verdict v, const uint8_t *f, uint32_t len)
{
	cur->bad[v]++;
	if (unlikely(r->dumps < MXGEN_RUN_DUMPS))
		mxgen_run_dump(r, v, f, len);
}

/* One received frame at time NOW. */
static inline void mxgen_run_rx(struct mxgen_run *r, struct rte_mbuf *m, uint64_t now)
{
	struct mxgen_stats *cur = &r->st[r->cur];
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint32_t len = m->data_len;
	const uint32_t mask = (uint32_t)((1ull << (16 + r->flow_bits)) - 1);
	enum mxgen_check_verdict v;
	const uint8_t *dns = NULL;
	uint16_t dns_len = 0, id = 0;
	uint32_t flow = 0, key, qi, cls;
	struct mxgen_cache_set *set;
	struct mxgen_slot *s;
	struct mxgen_stats *ph;

	cur->rx++;
	if (unlikely(m->nb_segs != 1)) {
		mxgen_run_bad_frame(r, cur, MXGEN_CHECK_ETH, f, len);
		return;
	}
	if (r->echo)
		v = mxgen_check_echo_id(&r->ctx, f, len, &flow, &id);
	else
		v = mxgen_check_udp(&r->ctx, f, len, &flow, &id, &dns, &dns_len);
	if (unlikely(v != MXGEN_CHECK_OK)) {
		mxgen_run_bad_frame(r, cur, v, f, len);
		return;
	}
	key = ((uint32_t)id << r->flow_bits | flow) & mask;
	s = &r->slots[key & (MXGEN_RUN_SLOTS - 1)];
	if (unlikely((s->seq & mask) != key || s->state == MXGEN_SLOT_FREE)) {
		/* Older than the table (its slot was taken again): late. Not
		 * sent at all: a bad ID. */
		if (s->state != MXGEN_SLOT_FREE && ((s->seq - key) & mask) < mask / 2)
			cur->late++;
		else
			mxgen_run_bad_frame(r, cur, MXGEN_CHECK_ID, f, len);
		return;
	}
	if (unlikely(s->state != MXGEN_SLOT_OUT)) {
		if (s->state == MXGEN_SLOT_LOST)
			cur->late++;
		else
			mxgen_run_bad_frame(r, cur, MXGEN_CHECK_DUP, f, len);
		return;
	}
	s->state = MXGEN_SLOT_DONE;
	ph = &r->st[s->phase];
	ph->answered++;
	qi = s->qi;
	if (r->echo) {
		v = mxgen_check_echo(&r->ctx, f, len, qi, flow, id);
	} else {
		cls = r->qs->cls[qi];
		set = mxgen_cache_set(&r->cache, cls);
		if (set != NULL && r->expect[cls].known && mxgen_cache_hit(set, dns, dns_len)) {
			v = MXGEN_CHECK_OK;
		} else {
			v = mxgen_check_dns(dns, dns_len, mxgen_query_msg(r->qs, qi),
					    r->qs->q[qi].qlen, &r->expect[cls]);
			if (v == MXGEN_CHECK_OK && set != NULL)
				mxgen_cache_add(set, dns, dns_len);
		}
	}
	if (unlikely(v != MXGEN_CHECK_OK)) {
		mxgen_run_bad_frame(r, cur, v, f, len);
		return;
	}
	ph->good++;
	if (r->sending)
		cur->rx_good++;
	if (s->phase == r->cur && r->record)
		mxgen_hist_add(r->hist, (uint64_t)((double)(now - s->tsc) * r->ns_per_cycle));
}

static inline void mxgen_run_receive(struct mxgen_run *r)
{
	struct rte_mbuf *rx[MXGEN_PORT_BURST];
	uint16_t n, i;
	uint64_t now;

	n = rte_eth_rx_burst(r->port, 0, rx, MXGEN_PORT_BURST);
	if (n == 0)
		return;
	now = rte_rdtsc();
	for (i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(rx[i + 1], void *));
		mxgen_run_rx(r, rx[i], now);
	}
	rte_pktmbuf_free_bulk(rx, n);
}

/* Builds N queries into M, their sequence numbers and lines into SEQ and
 * QI. Returns how many (0 when the pool is empty). */
static inline uint32_t mxgen_run_build(struct mxgen_run *r, struct rte_mbuf **m, uint32_t *seq,
				       uint32_t *qi, uint32_t n)
{
	const uint32_t fmask = r->fs->nflows - 1;
	uint32_t i, s;
	uint16_t len;

	if (n == 0 || rte_pktmbuf_alloc_bulk(r->pool, m, n) != 0)
		return 0;
	for (i = 0; i < n; i++) {
		s = r->seq++;
		len = mxgen_frame_fill(rte_pktmbuf_mtod(m[i], uint8_t *), r->fs, r->qi, s & fmask,
				       (uint16_t)(s >> r->flow_bits));
		m[i]->data_len = len;
		m[i]->pkt_len = len;
		seq[i] = s;
		qi[i] = r->qi;
		if (++r->qi == r->fs->n)
			r->qi = 0;
	}
	return n;
}

/* The port took N queries at time NOW: into the table. */
static inline void mxgen_run_sent(struct mxgen_run *r, const uint32_t *seq, const uint32_t *qi,
				  uint32_t n, uint64_t now)
{
	struct mxgen_slot *s;
	uint32_t i;

	for (i = 0; i < n; i++) {
		s = &r->slots[seq[i] & (MXGEN_RUN_SLOTS - 1)];
		if (unlikely(s->state == MXGEN_SLOT_OUT))
			r->st[s->phase].lost++;
		s->tsc = now;
		s->seq = seq[i];
		s->qi = qi[i];
		s->phase = r->cur;
		s->state = MXGEN_SLOT_OUT;
	}
	r->st[r->cur].sent += n;
}

static inline uint64_t mxgen_run_outstanding(const struct mxgen_stats *st)
{
	return st->sent - st->answered - st->lost;
}

static inline uint32_t mxgen_run_min(uint64_t a, uint64_t b)
{
	return (uint32_t)(a < b ? a : b);
}

/* Receives until every query of phase ID is answered or DRAIN_S passed, then
 * counts those left as lost. */
static void mxgen_run_drain(struct mxgen_run *r, uint8_t id, double drain_s)
{
	struct mxgen_stats *st = &r->st[id];
	const uint64_t end = rte_rdtsc() + (uint64_t)(drain_s * (double)r->hz);
	uint32_t i;

	r->sending = false;
	while (mxgen_run_outstanding(st) > 0 && rte_rdtsc() < end && !*r->quit)
		mxgen_run_receive(r);
	for (i = 0; i < MXGEN_RUN_SLOTS; i++) {
		struct mxgen_slot *s = &r->slots[i];

		if (s->state == MXGEN_SLOT_OUT && s->phase == id) {
			s->state = MXGEN_SLOT_LOST;
			st->lost++;
		}
	}
}

int mxgen_run_phase(struct mxgen_run *r, const struct mxgen_phase *p)
{
	struct mxgen_stats *st = &r->st[p->id];
	struct rte_mbuf *pend[MXGEN_PORT_BURST];
	uint32_t pseq[MXGEN_PORT_BURST], pqi[MXGEN_PORT_BURST];
	const uint64_t start = rte_rdtsc();
	const uint64_t end = start + (uint64_t)(p->seconds * (double)r->hz);
	const uint64_t stall = r->hz * MXGEN_RUN_STALL_US / 1000000;
	const double per_cycle = p->rate / (double)r->hz;
	const uint32_t burst = r->burst;
	uint64_t now, prev = start, target, scheduled = 0, outst, sched_base = start;
	uint32_t npend = 0, room, n, k;
	struct mxgen_sched self0, self1, peer0, peer1;

	memset(st, 0, sizeof(*st));
	mxgen_sched_read(&self0, "/proc/thread-self/schedstat");
	mxgen_sched_read(&peer0, r->peer_sched);
	r->cur = p->id;
	r->record = p->record;
	r->sending = true;
	for (;;) {
		now = rte_rdtsc();
		if (unlikely(now - prev > stall)) {
			st->stalls++;
			st->stall_ns += (uint64_t)((double)(now - prev) * r->ns_per_cycle);
		}
		prev = now;
		if (unlikely(now >= end || *r->quit))
			break;
		if (p->count != 0 && st->sent >= p->count && mxgen_run_outstanding(st) == 0)
			break;

		mxgen_run_receive(r);

		room = burst - npend;
		if (p->rate > 0) {
			target = (uint64_t)((double)(now - sched_base) * per_cycle);
			if (target > scheduled + 4 * burst) {
				/* Fallen behind (the core was taken, or the
				 * port refused): no catch-up burst. */
				st->rate_skip += target - scheduled - burst;
				scheduled = target - burst;
			}
			room = mxgen_run_min(room, target > scheduled ? target - scheduled : 0);
		}
		if (p->window != 0) {
			outst = mxgen_run_outstanding(st) + npend;
			room = mxgen_run_min(room, outst < p->window ? p->window - outst : 0);
		}
		if (p->count != 0)
			room = mxgen_run_min(
			    room, p->count > st->sent + npend ? p->count - st->sent - npend : 0);
		if (room != 0) {
			n = mxgen_run_build(r, pend + npend, pseq + npend, pqi + npend, room);
			if (n == 0)
				st->alloc_fail++;
			npend += n;
			scheduled += n;
		}
		if (npend == 0)
			continue;
		now = rte_rdtsc();
		k = rte_eth_tx_burst(r->port, 0, pend, (uint16_t)npend);
		st->tx_bursts++;
		if (k != 0)
			mxgen_run_sent(r, pseq, pqi, k, now);
		if (k < npend) {
			st->tx_full++;
			memmove(pend, pend + k, (npend - k) * sizeof(pend[0]));
			memmove(pseq, pseq + k, (npend - k) * sizeof(pseq[0]));
			memmove(pqi, pqi + k, (npend - k) * sizeof(pqi[0]));
		}
		npend -= k;
	}
	st->seconds = (double)(rte_rdtsc() - start) / (double)r->hz;
	mxgen_sched_read(&self1, "/proc/thread-self/schedstat");
	mxgen_sched_read(&peer1, r->peer_sched);
	st->self = mxgen_sched_delta(&self0, &self1);
	st->peer = mxgen_sched_delta(&peer0, &peer1);
	/* Queries built but never taken by the port were never sent. */
	if (npend != 0)
		rte_pktmbuf_free_bulk(pend, npend);
	if (p->drain_s > 0)
		mxgen_run_drain(r, p->id, p->drain_s);
	r->sending = false;
	return *r->quit ? -EINTR : 0;
}
