/* The health checker's loop: every check of the configuration on its own
 * interval, all probes concurrent on non-blocking sockets under one epoll,
 * host names resolved over UDP in the same loop, fall/rise counting,
 * member states handed to the sender thread (health_send.h), results
 * written to the table (health_table.h). DPDK-free. */
#ifndef MXLB_HEALTH_LOOP_H
#define MXLB_HEALTH_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "health_conf.h"
#include "health_send.h"
#include "health_table.h"

#define MXLB_HEALTH_LOOP_DNS_MS	  2000 /* wait for a resolver's reply */
#define MXLB_HEALTH_LOOP_RETRY_MS 5000 /* resolve again after a failure */
#define MXLB_HEALTH_LOOP_TICK_MS  5    /* scan the timers at most this often */

struct mxlb_health_loop_opts {
	const struct mxlb_health_conf *conf;
	struct mxlb_health_table *table; /* NULL: none */
	mxlb_health_send_fn send;
	void *send_ctx;
	bool (*alive)(void *ctx); /* whether mxlbd still runs; NULL: always */
	FILE *log;
	int signal_fd;	    /* readable: stop (a signalfd); -1: none */
	volatile int *stop; /* nonzero: stop; NULL: none */
	unsigned run_ms;    /* stop after this long; 0: never */
	bool drain_on_stop; /* before returning, wait (up to 5 s) for the sender */
};

struct mxlb_health_loop_stats {
	uint64_t rounds, probes, passed, failed, transitions, resolved;
	uint64_t max_lag_ms; /* the latest a round started after it was due */
};

/* Runs until stopped. Returns 0 when stopped, 2 when mxlbd went away, or
 * a negative errno when it could not start. */
int mxlb_health_loop_run(const struct mxlb_health_loop_opts *o,
			 struct mxlb_health_loop_stats *stats);

#endif
