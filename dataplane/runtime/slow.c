/* The slow path of mxlbd: exception port, kernel configuration, TCP. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "lcore.h"
#include "publish.h"
#include "slow.h"

void mxlb_slow_opts_init(struct mxlb_slow_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->table = MXLB_KERN_TABLE;
	mxlb_tcp_opts_init(&o->tcp);
}

/* The TCP thread as RCU reader S->nworkers: registered for its life,
 * online only while it answers. */
static void mxlb_slow_rcu_start(void *ctx)
{
	const struct mxlb_slow *s = ctx;

	rte_rcu_qsbr_thread_register(mxlb_publish_qsbr, s->nworkers);
}

static const struct mxlb_image *mxlb_slow_rcu_enter(void *ctx)
{
	const struct mxlb_slow *s = ctx;

	rte_rcu_qsbr_thread_online(mxlb_publish_qsbr, s->nworkers);
	return mxlb_publish_get();
}

static void mxlb_slow_rcu_leave(void *ctx)
{
	const struct mxlb_slow *s = ctx;

	rte_rcu_qsbr_thread_offline(mxlb_publish_qsbr, s->nworkers);
}

static void mxlb_slow_rcu_stop(void *ctx)
{
	const struct mxlb_slow *s = ctx;

	rte_rcu_qsbr_thread_unregister(mxlb_publish_qsbr, s->nworkers);
}

int mxlb_slow_init(struct mxlb_slow *s, const struct mxlb_slow_opts *o,
		   const struct mxlb_ports *ports, const struct mxlb_xdp *xdp,
		   const unsigned *lcores, unsigned nworkers, const struct mxlb_addr *addrs,
		   size_t n, const struct mxlb_image *img)
{
	const struct mxlb_tcp_hooks hooks = {
	    .ctx = s,
	    .start = mxlb_slow_rcu_start,
	    .enter = mxlb_slow_rcu_enter,
	    .leave = mxlb_slow_rcu_leave,
	    .stop = mxlb_slow_rcu_stop,
	};
	unsigned k;
	int ret;

	memset(s, 0, sizeof(*s));
	s->nworkers = nworkers;
	s->addrs = addrs;
	s->naddrs = n;
	s->on = !o->no_kernel;
	if (!s->on)
		return 0;

	s->tap = !mxlb_xdp_port_steers(xdp, ports->port[0].name);
	if (s->tap) {
		ret = mxlb_exc_init(&s->exc, ports, lcores, nworkers, o->ifname);
		s->exc_ok = true;
		if (ret != 0)
			return ret;
		ret = mxlb_kern_setup(&s->kern, s->exc.ifname, addrs, n, o->table, o->table);
		s->kern_ok = true;
		if (ret != 0)
			return ret;
	}

	s->tcp_w = mxlb_worker_new(nworkers, nworkers + 1, img);
	if (s->tcp_w == NULL) {
		fprintf(stderr, "mxlbd: tcp: mxlb_worker_new (worker %u of %u): %s\n", nworkers,
			nworkers + 1, strerror(ENOMEM));
		return -ENOMEM;
	}
	ret = mxlb_tcp_init(&s->tcp, addrs, n, &o->tcp, s->tcp_w, &hooks);
	s->tcp_ok = true;
	if (ret != 0)
		return ret;

	for (k = 0; k < nworkers && s->tap; k++) {
		mxlb_lcores[lcores[k]].exc_up = s->exc.up[k];
		mxlb_lcores[lcores[k]].exc_down = k == 0 ? s->exc.down : NULL;
	}
	return 0;
}

int mxlb_slow_start(struct mxlb_slow *s)
{
	int ret;

	if (!s->on)
		return 0;
	ret = s->tap ? mxlb_exc_start(&s->exc) : 0;
	if (ret == 0)
		ret = mxlb_tcp_start(&s->tcp);
	return ret;
}

void mxlb_slow_stop(struct mxlb_slow *s)
{
	if (s->tcp_ok)
		mxlb_tcp_stop(&s->tcp);
	if (s->exc_ok)
		mxlb_exc_stop(&s->exc);
}

void mxlb_slow_fini(struct mxlb_slow *s)
{
	mxlb_slow_stop(s);
	if (s->tcp_ok)
		mxlb_tcp_fini(&s->tcp);
	s->tcp_ok = false;
	mxlb_worker_free(s->tcp_w);
	s->tcp_w = NULL;
	if (s->kern_ok)
		mxlb_kern_cleanup(&s->kern);
	s->kern_ok = false;
	if (s->exc_ok)
		mxlb_exc_fini(&s->exc);
	s->exc_ok = false;
}

void mxlb_slow_summary(FILE *out, const struct mxlb_slow *s)
{
	size_t i;

	if (!s->on) {
		fprintf(out, "mxlbd: no kernel (--no-kernel): ARP, NDP and DNS over UDP only; "
			     "everything else is dropped\n");
		return;
	}
	if (s->tap)
		fprintf(out, "mxlbd: exception interface %s (port %u, %s), source rules table %u\n",
			s->exc.ifname, s->exc.tap_port, s->exc.vdev, s->kern.table);
	else
		fprintf(out, "mxlbd: no exception interface: dns_steer passes the rest to the "
			     "kernel\n");
	fprintf(out, "mxlbd: tcp on port %u of", s->tcp.ports[0]);
	for (i = 0; i < s->naddrs; i++) {
		char text[MXLB_ADDR_STRLEN];
		fprintf(out, " %s", mxlb_addr_format(&s->addrs[i], text, sizeof(text)));
	}
	fprintf(out, ": %u connections, %u per client, idle %u ms\n", s->tcp.o.max_conns,
		s->tcp.o.max_per_client, s->tcp.o.idle_ms);
}

void mxlb_slow_print(FILE *out, const struct mxlb_slow *s)
{
	const struct mxlb_worker_stats *d;

	if (!s->on)
		return;
	if (s->tap)
		mxlb_exc_print(out, &s->exc);
	mxlb_tcp_print(out, &s->tcp);
	if (s->tcp_w == NULL)
		return;
	d = &s->tcp_w->stats;
	fprintf(out,
		"mxlbd: tcp dns: queries %" PRIu64 " noerror %" PRIu64 " formerr %" PRIu64
		" nxdomain %" PRIu64 " notimp %" PRIu64 " refused %" PRIu64 " truncated %" PRIu64
		"\n",
		d->queries, d->rcode[0], d->rcode[1], d->rcode[3], d->rcode[4], d->rcode[5],
		d->truncated);
}
