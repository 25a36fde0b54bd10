/* The exception port (a hot-plugged net_tap) and the service thread that
 * moves frames between it and the workers' rings. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "exc.h"

#define MXLB_EXC_IF_PREFIX "mxlb"
#define MXLB_EXC_VDEV	   "net_tap_"
/* Idle service rounds sleep this long, and longer once idle a while. */
#define MXLB_EXC_NAP_NS	    (100 * 1000)
#define MXLB_EXC_DOZE_NS    (1000 * 1000)
#define MXLB_EXC_DOZE_AFTER 10000 /* idle rounds, about a second */

static int mxlb_exc_fail(const struct mxlb_exc *x, const char *what, int err)
{
	fprintf(stderr, "mxlbd: exception interface %s: %s: %s\n", x->ifname, what,
		rte_strerror(err < 0 ? -err : err));
	return err < 0 ? err : -err;
}

static unsigned mxlb_exc_socket(unsigned lcore)
{
	unsigned s = rte_lcore_to_socket_id(lcore);

	return s < RTE_MAX_NUMA_NODES ? s : 0;
}

/* IFNAME as given, which must not exist yet (a second tap queue on an
 * interface of another process would steal its frames), or the first free
 * mxlbN. */
static int mxlb_exc_name(struct mxlb_exc *x, const char *ifname)
{
	unsigned i;

	if (ifname != NULL) {
		if (strlen(ifname) >= sizeof(x->ifname)) {
			fprintf(stderr, "mxlbd: --kernel-if %s: longer than %zu characters\n",
				ifname, sizeof(x->ifname) - 1);
			return -EINVAL;
		}
		snprintf(x->ifname, sizeof(x->ifname), "%s", ifname);
		if (if_nametoindex(ifname) != 0) {
			fprintf(stderr,
				"mxlbd: exception interface %s exists already (another mxlbd?): "
				"give another with --kernel-if\n",
				ifname);
			return -EEXIST;
		}
		return 0;
	}
	for (i = 0; i < 100; i++) {
		snprintf(x->ifname, sizeof(x->ifname), MXLB_EXC_IF_PREFIX "%u", i);
		if (if_nametoindex(x->ifname) == 0)
			return 0;
	}
	fprintf(stderr, "mxlbd: no free exception interface name " MXLB_EXC_IF_PREFIX
			"0..99: give one with --kernel-if\n");
	return -EEXIST;
}

static int mxlb_exc_rings(struct mxlb_exc *x, const unsigned *lcores)
{
	char name[RTE_RING_NAMESIZE];
	unsigned k;

	for (k = 0; k < x->nworkers; k++) {
		snprintf(name, sizeof(name), "mxlb_exc_up%u", k);
		x->up[k] = rte_ring_create(name, MXLB_EXC_RING, (int)mxlb_exc_socket(lcores[k]),
					   RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (x->up[k] == NULL)
			return mxlb_exc_fail(x, "rte_ring_create (worker ring)", rte_errno);
	}
	x->down = rte_ring_create("mxlb_exc_down", MXLB_EXC_RING, (int)mxlb_exc_socket(lcores[0]),
				  RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (x->down == NULL)
		return mxlb_exc_fail(x, "rte_ring_create (ring to worker 0)", rte_errno);
	return 0;
}

/* Hot-plugs the tap with the MAC address of the port it stands for. */
static int mxlb_exc_probe(struct mxlb_exc *x, const struct mxlb_port *p)
{
	char mac[RTE_ETHER_ADDR_FMT_SIZE];
	char args[160];
	int ret;

	rte_ether_format_addr(mac, sizeof(mac), &p->mac);
	snprintf(x->vdev, sizeof(x->vdev), MXLB_EXC_VDEV "%s", x->ifname);
	snprintf(args, sizeof(args), "%s,iface=%s,mac=%s", x->vdev, x->ifname, mac);
	ret = rte_dev_probe(args);
	if (ret != 0)
		return mxlb_exc_fail(x, args, ret);
	x->probed = true;
	ret = rte_eth_dev_get_port_by_name(x->vdev, &x->tap_port);
	if (ret != 0)
		return mxlb_exc_fail(x, "rte_eth_dev_get_port_by_name", ret);
	return 0;
}

/* One RX and one TX queue, RX mbufs from the pool of worker 0 (POOL), and
 * the MTU of the port NIC, so that the kernel sends nothing larger. */
static int mxlb_exc_queues(struct mxlb_exc *x, uint16_t nic, struct rte_mempool *pool)
{
	struct rte_eth_conf conf;
	uint16_t mtu;
	int ret;

	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_configure(x->tap_port, 1, 1, &conf);
	if (ret != 0)
		return mxlb_exc_fail(x, "rte_eth_dev_configure", ret);
	if (rte_eth_dev_get_mtu(nic, &mtu) == 0) {
		ret = rte_eth_dev_set_mtu(x->tap_port, mtu);
		if (ret != 0)
			fprintf(stderr, "mxlbd: exception interface %s: MTU %u: %s (kept)\n",
				x->ifname, mtu, rte_strerror(-ret));
	}
	ret = rte_eth_rx_queue_setup(x->tap_port, 0, MXLB_EXC_RXD,
				     rte_eth_dev_socket_id(x->tap_port), NULL, pool);
	if (ret != 0)
		return mxlb_exc_fail(x, "rte_eth_rx_queue_setup", ret);
	ret = rte_eth_tx_queue_setup(x->tap_port, 0, MXLB_EXC_RXD,
				     rte_eth_dev_socket_id(x->tap_port), NULL);
	if (ret != 0)
		return mxlb_exc_fail(x, "rte_eth_tx_queue_setup", ret);
	ret = rte_eth_dev_start(x->tap_port);
	if (ret != 0)
		return mxlb_exc_fail(x, "rte_eth_dev_start", ret);
	x->started = true;
	return 0;
}

int mxlb_exc_init(struct mxlb_exc *x, const struct mxlb_ports *ports, const unsigned *lcores,
		  unsigned nworkers, const char *ifname)
{
	int ret;

	memset(x, 0, sizeof(*x));
	x->nworkers = nworkers;
	x->nic_port = ports->port[0].id;
	ret = mxlb_exc_name(x, ifname);
	if (ret == 0)
		ret = mxlb_exc_rings(x, lcores);
	if (ret == 0)
		ret = mxlb_exc_probe(x, &ports->port[0]);
	if (ret == 0)
		ret = mxlb_exc_queues(x, x->nic_port, ports->pool[mxlb_exc_socket(lcores[0])]);
	return ret;
}

/* Frames of the workers to the kernel. */
static unsigned mxlb_exc_up(struct mxlb_exc *x)
{
	struct rte_mbuf *b[MXLB_EXC_BURST];
	struct rte_mbuf *keep[MXLB_EXC_BURST];
	unsigned k, i, n, nk, work = 0;
	uint16_t sent;

	for (k = 0; k < x->nworkers; k++) {
		n = rte_ring_sc_dequeue_burst(x->up[k], (void **)b, MXLB_EXC_BURST, NULL);
		if (n == 0)
			continue;
		work += n;
		for (i = nk = 0; i < n; i++) {
			if (b[i]->port == x->nic_port) {
				keep[nk++] = b[i];
			} else {
				rte_pktmbuf_free(b[i]);
				x->st.other_port++;
			}
		}
		sent = rte_eth_tx_burst(x->tap_port, 0, keep, (uint16_t)nk);
		x->st.to_kernel += sent;
		if (sent < nk) {
			x->st.to_kernel_drop += nk - sent;
			rte_pktmbuf_free_bulk(keep + sent, nk - sent);
		}
	}
	return work;
}

/* Frames of the kernel to worker 0, which sends them out of the port. */
static unsigned mxlb_exc_down(struct mxlb_exc *x)
{
	struct rte_mbuf *b[MXLB_EXC_BURST];
	uint16_t n, i, nk = 0;
	unsigned done;

	n = rte_eth_rx_burst(x->tap_port, 0, b, MXLB_EXC_BURST);
	for (i = 0; i < n; i++) {
		if (b[i]->nb_segs != 1) {
			rte_pktmbuf_free(b[i]);
			x->st.from_kernel_bad++;
			continue;
		}
		b[i]->port = x->nic_port;
		b[i]->ol_flags = 0;
		b[nk++] = b[i];
	}
	if (nk == 0)
		return n;
	done = rte_ring_sp_enqueue_burst(x->down, (void **)b, nk, NULL);
	x->st.from_kernel += done;
	if (done < nk) {
		x->st.down_full += nk - done;
		rte_pktmbuf_free_bulk(b + done, nk - done);
	}
	return n;
}

static void *mxlb_exc_main(void *arg)
{
	struct mxlb_exc *x = arg;
	struct timespec nap = {0, MXLB_EXC_NAP_NS};
	unsigned idle = 0;

	while (!x->quit) {
		if (mxlb_exc_up(x) + mxlb_exc_down(x) != 0) {
			idle = 0;
			continue;
		}
		if (idle < MXLB_EXC_DOZE_AFTER)
			idle++;
		nap.tv_nsec = idle < MXLB_EXC_DOZE_AFTER ? MXLB_EXC_NAP_NS : MXLB_EXC_DOZE_NS;
		nanosleep(&nap, NULL);
	}
	return NULL;
}

int mxlb_exc_start(struct mxlb_exc *x)
{
	int ret;

	x->quit = false;
	ret = rte_ctrl_thread_create(&x->thread, "mxlb-exc", NULL, mxlb_exc_main, x);
	if (ret != 0)
		return mxlb_exc_fail(x, "rte_ctrl_thread_create", ret);
	x->running = true;
	return 0;
}

void mxlb_exc_stop(struct mxlb_exc *x)
{
	if (!x->running)
		return;
	x->quit = true;
	pthread_join(x->thread, NULL);
	x->running = false;
}

static void mxlb_exc_drain(struct rte_ring *r)
{
	void *m;

	if (r == NULL)
		return;
	while (rte_ring_dequeue(r, &m) == 0)
		rte_pktmbuf_free(m);
	rte_ring_free(r);
}

void mxlb_exc_fini(struct mxlb_exc *x)
{
	unsigned k;
	int ret;

	mxlb_exc_stop(x);
	if (x->started) {
		ret = rte_eth_dev_stop(x->tap_port);
		if (ret != 0)
			mxlb_exc_fail(x, "rte_eth_dev_stop", ret);
		x->started = false;
	}
	if (x->probed) {
		/* Closes the port and the tap's descriptors: the kernel
		 * interface goes with them. */
		ret = rte_eal_hotplug_remove("vdev", x->vdev);
		if (ret != 0)
			mxlb_exc_fail(x, "rte_eal_hotplug_remove", ret);
		x->probed = false;
	}
	for (k = 0; k < x->nworkers; k++) {
		mxlb_exc_drain(x->up[k]);
		x->up[k] = NULL;
	}
	mxlb_exc_drain(x->down);
	x->down = NULL;
}

void mxlb_exc_print(FILE *out, const struct mxlb_exc *x)
{
	const struct mxlb_exc_stats *s = &x->st;

	fprintf(out,
		"mxlbd: exception %s: to_kernel %" PRIu64 " to_kernel_drop %" PRIu64
		" from_kernel %" PRIu64 " from_kernel_bad %" PRIu64 " down_full %" PRIu64
		" other_port %" PRIu64 "\n",
		x->ifname, s->to_kernel, s->to_kernel_drop, s->from_kernel, s->from_kernel_bad,
		s->down_full, s->other_port);
}
