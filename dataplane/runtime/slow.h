/* The slow path, put together for mxlbd: the exception port (exc.h), the
 * kernel's addresses and source rules (kern.h), and the DNS over TCP thread
 * (tcp.h), which answers as worker NWORKERS of the image (one stripe more
 * than there are worker lcores) and reads the image as RCU QSBR reader
 * NWORKERS, offline while it waits for its sockets.
 *
 * With --no-kernel none of it exists: frames for the kernel are dropped and
 * counted by the workers (no_kernel), and there is no TCP.
 *
 * A net_af_xdp port served by dns_steer (xdp.h) needs no exception port:
 * the kernel gets everything but DNS over UDP straight from the interface,
 * whose addresses the operator gives it. Then only the TCP thread runs, on
 * those addresses, and mxlbd changes nothing in the kernel. */
#ifndef MXLB_SLOW_H
#define MXLB_SLOW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "exc.h"
#include "image.h"
#include "kern.h"
#include "port.h"
#include "tcp.h"
#include "worker.h"
#include "xdp.h"

/* What mxlbd's options say about the slow path. */
struct mxlb_slow_opts {
	bool no_kernel;		  /* --no-kernel */
	const char *ifname;	  /* --kernel-if NAME, or NULL: the first free mxlbN */
	uint32_t table;		  /* --kernel-table N: table and priority of the source rules */
	struct mxlb_tcp_opts tcp; /* --tcp-max-conns, --tcp-max-per-client, --tcp-idle-timeout */
};

struct mxlb_slow {
	bool on;  /* not --no-kernel */
	bool tap; /* the exception port and the kernel configuration exist */
	unsigned nworkers;
	const struct mxlb_addr *addrs; /* the --ip addresses, NADDRS of them */
	size_t naddrs;
	struct mxlb_exc exc;
	bool exc_ok;
	struct mxlb_kern kern;
	bool kern_ok;
	struct mxlb_worker *tcp_w;
	struct mxlb_tcp tcp;
	bool tcp_ok;
};

/* The defaults: kernel on, automatic interface name, table MXLB_KERN_TABLE,
 * the TCP defaults of tcp.h. */
void mxlb_slow_opts_init(struct mxlb_slow_opts *o);

/* Sets up the slow path for the NWORKERS workers on LCORES (their lcore
 * state in mxlb_lcores gets its exception rings) serving the N addresses
 * ADDRS of PORTS from IMG, whose pools have a stripe for worker NWORKERS.
 * XDP tells which ports dns_steer serves. Returns 0 or a negative errno
 * after printing what failed; mxlb_slow_fini undoes what was made. */
int mxlb_slow_init(struct mxlb_slow *s, const struct mxlb_slow_opts *o,
		   const struct mxlb_ports *ports, const struct mxlb_xdp *xdp,
		   const unsigned *lcores, unsigned nworkers, const struct mxlb_addr *addrs,
		   size_t n, const struct mxlb_image *img);

/* Starts the exception service and the TCP thread. */
int mxlb_slow_start(struct mxlb_slow *s);

/* Stops both threads. */
void mxlb_slow_stop(struct mxlb_slow *s);

/* Stops the threads, removes the kernel configuration, closes the TCP
 * sockets and the exception port. Before the ports and pools go. */
void mxlb_slow_fini(struct mxlb_slow *s);

/* The summary line(s) at start. */
void mxlb_slow_summary(FILE *out, const struct mxlb_slow *s);

/* The counters of the exception service and of the TCP thread. */
void mxlb_slow_print(FILE *out, const struct mxlb_slow *s);

#endif
