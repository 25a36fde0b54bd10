/* Parsing of mxgen's command line. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "opts.h"
#include "port.h"

enum {
	MXGEN_OPTS_QUERIES = 256,
	MXGEN_OPTS_SERVER,
	MXGEN_OPTS_SOURCE,
	MXGEN_OPTS_PEER_MAC,
	MXGEN_OPTS_ECHO,
	MXGEN_OPTS_EDNS,
	MXGEN_OPTS_FLOWS,
	MXGEN_OPTS_BURST,
	MXGEN_OPTS_DURATION,
	MXGEN_OPTS_WARMUP,
	MXGEN_OPTS_RATE,
	MXGEN_OPTS_LAT_LOAD,
	MXGEN_OPTS_LAT_RATE,
	MXGEN_OPTS_LAT_TIME,
	MXGEN_OPTS_LINK_TIMEOUT,
	MXGEN_OPTS_LINGER,
	MXGEN_OPTS_HIST,
	MXGEN_OPTS_LABEL,
	MXGEN_OPTS_PEER_SCHED,
};

static const struct option mxgen_opts_long[] = {
    {"queries", required_argument, NULL, MXGEN_OPTS_QUERIES},
    {"server", required_argument, NULL, MXGEN_OPTS_SERVER},
    {"source", required_argument, NULL, MXGEN_OPTS_SOURCE},
    {"peer-mac", required_argument, NULL, MXGEN_OPTS_PEER_MAC},
    {"echo", no_argument, NULL, MXGEN_OPTS_ECHO},
    {"edns", required_argument, NULL, MXGEN_OPTS_EDNS},
    {"flows", required_argument, NULL, MXGEN_OPTS_FLOWS},
    {"burst", required_argument, NULL, MXGEN_OPTS_BURST},
    {"duration", required_argument, NULL, MXGEN_OPTS_DURATION},
    {"warmup", required_argument, NULL, MXGEN_OPTS_WARMUP},
    {"rate", required_argument, NULL, MXGEN_OPTS_RATE},
    {"latency-load", required_argument, NULL, MXGEN_OPTS_LAT_LOAD},
    {"latency-rate", required_argument, NULL, MXGEN_OPTS_LAT_RATE},
    {"latency-duration", required_argument, NULL, MXGEN_OPTS_LAT_TIME},
    {"link-timeout", required_argument, NULL, MXGEN_OPTS_LINK_TIMEOUT},
    {"linger", required_argument, NULL, MXGEN_OPTS_LINGER},
    {"hist", required_argument, NULL, MXGEN_OPTS_HIST},
    {"label", required_argument, NULL, MXGEN_OPTS_LABEL},
    {"peer-schedstat", required_argument, NULL, MXGEN_OPTS_PEER_SCHED},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

void mxgen_opts_usage(FILE *out)
{
	fprintf(out,
		"usage: mxgen [EAL options] -- --queries FILE [options]\n"
		"\n"
		"DNS query generator over one DPDK port (net_memif): sends the queries of\n"
		"FILE (dnsperf format, \"NAME TYPE\" per line) from many flows, checks every\n"
		"answer and measures throughput, then latency at a lower rate.\n"
		"\n"
		"  --queries FILE        the query file\n"
		"  --server ADDR         the responder's service address (198.18.0.1)\n"
		"  --source ADDR         our address in the ARP request (198.18.0.2)\n"
		"  --peer-mac MAC        the responder's MAC address; without it, ARP\n"
		"  --echo                the peer is an echo (MAC swap): expect each query\n"
		"                        back as sent (needs --peer-mac)\n"
		"  --edns SIZE           OPT with this payload size in every query (1232;\n"
		"                        0: no EDNS)\n"
		"  --flows N             source address/port pairs, a power of two (256)\n"
		"  --burst N             TX/RX burst (32)\n"
		"  --duration S          measured seconds of the throughput phase (10)\n"
		"  --warmup S            unmeasured seconds before each phase (2)\n"
		"  --rate QPS            throughput phase rate (0: as fast as the port takes)\n"
		"  --latency-load F      latency phase at F x the measured throughput (0.6;\n"
		"                        0: no latency phase)\n"
		"  --latency-rate QPS    latency phase at this rate instead\n"
		"  --latency-duration S  measured seconds of the latency phase (= --duration)\n"
		"  --link-timeout S      wait this long for the peer to connect (30)\n"
		"  --linger S            when done, print 'mxgen: done' and wait this long\n"
		"                        for the peer to disconnect before closing (0)\n"
		"  --hist FILE           append the latency histogram to FILE\n"
		"  --label TEXT          name of this run in the histogram file\n"
		"  --peer-schedstat F    schedstat of the peer's packet thread (a symbolic\n"
		"                        link the caller may make once the peer runs): its\n"
		"                        CPU time per answer in each phase\n"
		"\n"
		"Prints a summary and 'mxgen-result KEY VALUE' lines. Exit status 0, 2 when\n"
		"an answer failed a check, 1 on other errors.\n");
}

static int mxgen_opts_fail(const char *msg, const char *arg)
{
	fprintf(stderr, "mxgen: %s%s%s\n", msg, arg != NULL ? ": " : "", arg != NULL ? arg : "");
	return -EINVAL;
}

static int mxgen_opts_num(const char *arg, double lo, double hi, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(arg, &end);
	if (errno != 0 || end == arg || *end != '\0' || !(*v >= lo && *v <= hi))
		return -EINVAL;
	return 0;
}

static int mxgen_opts_mac(const char *s, uint8_t mac[6])
{
	unsigned b[6];
	char extra;
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &extra) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return -EINVAL;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

int mxgen_opts_parse(struct mxgen_opts *o, int argc, char **argv)
{
	const uint8_t server[4] = {198, 18, 0, 1}, source[4] = {198, 18, 0, 2};
	double v;
	int c;

	memset(o, 0, sizeof(*o));
	memcpy(o->server, server, 4);
	memcpy(o->source, source, 4);
	o->edns = 1232;
	o->flows = 256;
	o->burst = MXGEN_PORT_BURST;
	o->duration = 10;
	o->warmup = 2;
	o->latency_load = 0.6;
	o->link_timeout = 30;
	o->label = "mxgen";
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", mxgen_opts_long, NULL)) != -1) {
		switch (c) {
		case MXGEN_OPTS_QUERIES:
			o->queries = optarg;
			break;
		case MXGEN_OPTS_SERVER:
			if (inet_pton(AF_INET, optarg, o->server) != 1)
				return mxgen_opts_fail("--server needs an IPv4 address", optarg);
			break;
		case MXGEN_OPTS_SOURCE:
			if (inet_pton(AF_INET, optarg, o->source) != 1)
				return mxgen_opts_fail("--source needs an IPv4 address", optarg);
			break;
		case MXGEN_OPTS_PEER_MAC:
			if (mxgen_opts_mac(optarg, o->peer_mac) != 0)
				return mxgen_opts_fail("--peer-mac needs xx:xx:xx:xx:xx:xx",
						       optarg);
			o->have_peer_mac = true;
			break;
		case MXGEN_OPTS_ECHO:
			o->echo = true;
			break;
		case MXGEN_OPTS_EDNS:
			if (mxgen_opts_num(optarg, 0, 65535, &v) != 0 || (v != 0 && v < 512))
				return mxgen_opts_fail("--edns needs 0 or 512..65535", optarg);
			o->edns = (uint16_t)v;
			break;
		case MXGEN_OPTS_FLOWS:
			if (mxgen_opts_num(optarg, 1, MXGEN_FRAME_FLOWS_MAX, &v) != 0 ||
			    ((uint32_t)v & ((uint32_t)v - 1)) != 0 || v != (uint32_t)v)
				return mxgen_opts_fail("--flows needs a power of two up to 32768",
						       optarg);
			o->flows = (uint32_t)v;
			break;
		case MXGEN_OPTS_BURST:
			if (mxgen_opts_num(optarg, 1, MXGEN_PORT_BURST, &v) != 0)
				return mxgen_opts_fail("--burst needs 1..32", optarg);
			o->burst = (uint32_t)v;
			break;
		case MXGEN_OPTS_DURATION:
			if (mxgen_opts_num(optarg, 0.1, 3600, &v) != 0)
				return mxgen_opts_fail("--duration needs 0.1..3600 seconds",
						       optarg);
			o->duration = v;
			break;
		case MXGEN_OPTS_WARMUP:
			if (mxgen_opts_num(optarg, 0, 600, &v) != 0)
				return mxgen_opts_fail("--warmup needs 0..600 seconds", optarg);
			o->warmup = v;
			break;
		case MXGEN_OPTS_RATE:
			if (mxgen_opts_num(optarg, 0, 1e9, &v) != 0)
				return mxgen_opts_fail("--rate needs queries per second", optarg);
			o->rate = v;
			break;
		case MXGEN_OPTS_LAT_LOAD:
			if (mxgen_opts_num(optarg, 0, 1, &v) != 0)
				return mxgen_opts_fail("--latency-load needs 0..1", optarg);
			o->latency_load = v;
			break;
		case MXGEN_OPTS_LAT_RATE:
			if (mxgen_opts_num(optarg, 1, 1e9, &v) != 0)
				return mxgen_opts_fail("--latency-rate needs queries per second",
						       optarg);
			o->latency_rate = v;
			break;
		case MXGEN_OPTS_LAT_TIME:
			if (mxgen_opts_num(optarg, 0.1, 3600, &v) != 0)
				return mxgen_opts_fail("--latency-duration needs 0.1..3600 seconds",
						       optarg);
			o->latency_time = v;
			break;
		case MXGEN_OPTS_LINK_TIMEOUT:
			if (mxgen_opts_num(optarg, 0, 3600, &v) != 0)
				return mxgen_opts_fail("--link-timeout needs seconds", optarg);
			o->link_timeout = v;
			break;
		case MXGEN_OPTS_LINGER:
			if (mxgen_opts_num(optarg, 0, 3600, &v) != 0)
				return mxgen_opts_fail("--linger needs seconds", optarg);
			o->linger = v;
			break;
		case MXGEN_OPTS_HIST:
			o->hist = optarg;
			break;
		case MXGEN_OPTS_PEER_SCHED:
			o->peer_sched = optarg;
			break;
		case MXGEN_OPTS_LABEL:
			o->label = optarg;
			break;
		case 'h':
			mxgen_opts_usage(stdout);
			return MXGEN_OPTS_HELP;
		default:
			mxgen_opts_usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc)
		return mxgen_opts_fail("unexpected argument", argv[optind]);
	if (o->queries == NULL)
		return mxgen_opts_fail("--queries FILE is required", NULL);
	if (o->echo && !o->have_peer_mac)
		return mxgen_opts_fail("--echo needs --peer-mac (an echo does not answer ARP)",
				       NULL);
	if (o->latency_time == 0)
		o->latency_time = o->duration;
	return 0;
}
