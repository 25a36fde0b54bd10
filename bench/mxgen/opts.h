/* mxgen's command line (after EAL's "--"). */
#ifndef MXGEN_OPTS_H
#define MXGEN_OPTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define MXGEN_OPTS_HELP 1

struct mxgen_opts {
	const char *queries;
	uint8_t server[4]; /* service address, network order */
	uint8_t source[4]; /* our address in ARP */
	bool have_peer_mac;
	uint8_t peer_mac[6];
	bool echo;
	uint16_t edns;
	uint32_t flows;
	uint32_t burst;
	double duration;
	double warmup;
	double rate;	     /* throughput phase: 0 = as fast as the port takes */
	double latency_load; /* latency phase at this fraction of the throughput */
	double latency_rate; /* or at this rate (queries/s) */
	double latency_time; /* its length; 0 = duration */
	double link_timeout;
	double linger; /* after the last phase, wait this long for the peer to leave */
	const char *hist;
	const char *peer_sched; /* schedstat file of the peer's packet thread */
	const char *label;
};

/* Parses ARGV (ARGV[0] is the "--" or the program name). Returns 0,
 * MXGEN_OPTS_HELP after printing the usage, or -EINVAL after saying why. */
int mxgen_opts_parse(struct mxgen_opts *o, int argc, char **argv);

void mxgen_opts_usage(FILE *out);

#endif
