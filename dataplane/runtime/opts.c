/* Parsing of mxlbd's command line (after EAL's "--"). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "edit.h"
#include "opts.h"

enum {
	MXLB_OPTS_ZONE = 256,
	MXLB_OPTS_IP,
	MXLB_OPTS_MX_MODE,
	MXLB_OPTS_JOURNAL,
	MXLB_OPTS_NO_XDP_STEER,
	MXLB_OPTS_ALLDOWN,
	MXLB_OPTS_IDENTITY,
	MXLB_OPTS_VERSION,
	MXLB_OPTS_RRL_RATE,
	MXLB_OPTS_RRL_SLIP,
	MXLB_OPTS_RRL_V4,
	MXLB_OPTS_RRL_V6,
	MXLB_OPTS_RRL_BUCKETS,
	MXLB_OPTS_NO_KERNEL,
	MXLB_OPTS_KERNEL_IF,
	MXLB_OPTS_KERNEL_TABLE,
	MXLB_OPTS_TCP_MAX_CONNS,
	MXLB_OPTS_TCP_MAX_PER_CLIENT,
	MXLB_OPTS_TCP_IDLE_TIMEOUT,
};

static const struct option mxlb_opts_long[] = {
    {"zone", required_argument, NULL, MXLB_OPTS_ZONE},
    {"ip", required_argument, NULL, MXLB_OPTS_IP},
    {"mx-mode", required_argument, NULL, MXLB_OPTS_MX_MODE},
    {"journal", required_argument, NULL, MXLB_OPTS_JOURNAL},
    {"no-xdp-steer", no_argument, NULL, MXLB_OPTS_NO_XDP_STEER},
    {"all-down", required_argument, NULL, MXLB_OPTS_ALLDOWN},
    {"identity", required_argument, NULL, MXLB_OPTS_IDENTITY},
    {"version", required_argument, NULL, MXLB_OPTS_VERSION},
    {"rrl-rate", required_argument, NULL, MXLB_OPTS_RRL_RATE},
    {"rrl-slip", required_argument, NULL, MXLB_OPTS_RRL_SLIP},
    {"rrl-ipv4-prefix", required_argument, NULL, MXLB_OPTS_RRL_V4},
    {"rrl-ipv6-prefix", required_argument, NULL, MXLB_OPTS_RRL_V6},
    {"rrl-buckets", required_argument, NULL, MXLB_OPTS_RRL_BUCKETS},
    {"no-kernel", no_argument, NULL, MXLB_OPTS_NO_KERNEL},
    {"kernel-if", required_argument, NULL, MXLB_OPTS_KERNEL_IF},
    {"kernel-table", required_argument, NULL, MXLB_OPTS_KERNEL_TABLE},
    {"tcp-max-conns", required_argument, NULL, MXLB_OPTS_TCP_MAX_CONNS},
    {"tcp-max-per-client", required_argument, NULL, MXLB_OPTS_TCP_MAX_PER_CLIENT},
    {"tcp-idle-timeout", required_argument, NULL, MXLB_OPTS_TCP_IDLE_TIMEOUT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

void mxlb_opts_usage(FILE *out)
{
	fprintf(out,
		"usage: mxlbd [EAL options] -- --zone FILE [--zone FILE ...]\n"
		"             --ip ADDR[/PREFIX] [--ip ADDR[/PREFIX] ...]\n"
		"             [--journal FILE] [--mx-mode prefer|rotate|single] [--no-kernel]\n"
		"             [--kernel-if NAME] [--kernel-table N] [--tcp-max-conns N]\n"
		"             [--tcp-max-per-client N] [--tcp-idle-timeout SECONDS] [--help]\n"
		"\n"
		"  --zone FILE         RFC 1035 master file to serve; repeat for more zones\n"
		"  --ip ADDR[/PREFIX]  IPv4 or IPv6 service address to answer on (ARP or NDP,\n"
		"                      DNS over UDP and TCP); repeat for more. PREFIX is the\n"
		"                      on-link prefix length (default /32 or /128), given to\n"
		"                      the kernel's exception interface; only ADDR is served\n"
		"  --journal FILE      append every accepted control change to FILE (synced\n"
		"                      before mxlbctl is answered) and replay it over the\n"
		"                      zone files at start and at zone reload\n"
		"  --mx-mode MODE      how MX and SRV pools show the selected member:\n"
		"                      prefer (default), rotate or single\n"
		"  --no-xdp-steer      net_af_xdp ports keep the PMD's own XDP program, which\n"
		"                      sends every frame to mxlbd, instead of dns_steer, which\n"
		"                      sends DNS over UDP to mxlbd and the rest to the kernel\n"
		"  --all-down POLICY   what a pool answers when no member is up: all (every\n"
		"                      member, the default), next (the second preference\n"
		"                      group only) or null (Null MX / SRV \".\"); per pool:\n"
		"                      mxlbctl all-down OWNER TYPE POLICY\n"
		"  --identity TEXT     answer CHAOS TXT id.server and hostname.bind with TEXT\n"
		"                      (REFUSED when not given)\n"
		"  --version TEXT      answer CHAOS TXT version.bind and version.server\n"
		"  --rrl-rate N        response rate limiting: at most N identical responses\n"
		"                      per second to one client prefix (default 0: off)\n"
		"  --rrl-slip N        every Nth limited response is sent truncated (TC) instead\n"
		"                      of dropped (default 2; 0: drop all)\n"
		"  --rrl-ipv4-prefix L client prefix length of an IPv4 bucket (default 24)\n"
		"  --rrl-ipv6-prefix L client prefix length of an IPv6 bucket (default 56)\n"
		"  --rrl-buckets N     buckets per worker (default 65536)\n"
		"  --no-kernel         no exception path: what the fast path does not answer\n"
		"                      (TCP, ICMP, ...) is dropped and counted; no DNS over TCP\n"
		"  --kernel-if NAME    name of the exception interface (a tap) mxlbd creates\n"
		"                      (default: the first free mxlbN)\n"
		"  --kernel-table N    routing table and rule priority of the source rules\n"
		"                      that send the kernel's replies out of that interface\n"
		"                      (default %u)\n"
		"  --tcp-max-conns N   open DNS over TCP connections in all (default %u)\n"
		"  --tcp-max-per-client N\n"
		"                      open connections from one client address (default %u)\n"
		"  --tcp-idle-timeout SECONDS\n"
		"                      close a connection idle that long (default %u)\n"
		"  --help              print this text\n"
		"\n"
		"EAL options are DPDK's own, e.g. -l 0-1 --no-pci\n"
		"--vdev=net_af_packet0,iface=eth1 --file-prefix mxlb (the default prefix, which\n"
		"mxlbctl -p names). The main lcore does not serve but answers mxlbctl: every\n"
		"other lcore of -l is a worker with one RX/TX queue pair per port.\n",
		MXLB_KERN_TABLE, MXLB_TCP_MAX_CONNS, MXLB_TCP_MAX_PER_CLIENT,
		MXLB_TCP_IDLE_MS / 1000);
}

static int mxlb_opts_fail(const char *msg, const char *arg)
{
	if (arg != NULL)
		fprintf(stderr, "mxlbd: %s: %s\n", msg, arg);
	else
		fprintf(stderr, "mxlbd: %s\n", msg);
	mxlb_opts_usage(stderr);
	return -EINVAL;
}

static int mxlb_opts_ip(struct mxlb_opts *o, const char *arg)
{
	struct mxlb_addr *a = &o->addrs[o->naddrs];
	size_t i;

	if (o->naddrs >= MXLB_ADDR_MAX)
		return mxlb_opts_fail("too many --ip addresses", arg);
	if (mxlb_addr_parse(a, arg) != 0)
		return mxlb_opts_fail("--ip needs ADDR or ADDR/PREFIX", arg);
	for (i = 0; i < o->naddrs; i++)
		if (o->addrs[i].family == a->family &&
		    memcmp(o->addrs[i].v6, a->v6, a->family == AF_INET ? 4 : 16) == 0)
			return mxlb_opts_fail("--ip given twice", arg);
	o->naddrs++;
	return 0;
}

/* An unsigned decimal option value from LO to HI. */
static int mxlb_opts_uint(const char *name, const char *arg, unsigned long lo, unsigned long hi,
			  uint32_t *out)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 10);
	if (arg[0] < '0' || arg[0] > '9' || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "mxlbd: --%s must be a number from %lu to %lu, not '%s'\n", name,
			lo, hi, arg);
		mxlb_opts_usage(stderr);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

/* --kernel-table: a table of our own, and a rule priority before the main
 * table's rule (32766); 253-255 are the kernel's default, main and local. */
static int mxlb_opts_table(struct mxlb_opts *o, const char *arg)
{
	int ret = mxlb_opts_uint("kernel-table", arg, 1, 32765, &o->slow.table);

	if (ret == 0 && o->slow.table >= 253 && o->slow.table <= 255)
		return mxlb_opts_fail("--kernel-table 253, 254 and 255 are the kernel's", arg);
	return ret;
}

static int mxlb_opts_mode(struct mxlb_opts *o, const char *arg)
{
	size_t m;

	for (m = MXLB_MODE_PREFER; m <= MXLB_MODE_SINGLE; m++) {
		if (strcmp(arg, mxlb_edit_mode_name((unsigned)m)) == 0) {
			o->mx_mode = (enum mxlb_mode)m;
			return 0;
		}
	}
	return mxlb_opts_fail("--mx-mode must be prefer, rotate or single", arg);
}

int mxlb_opts_parse(struct mxlb_opts *o, int argc, char *const *argv)
{
	char **args;
	int c, ret = 0;

	memset(o, 0, sizeof(*o));
	o->mx_mode = MXLB_MODE_PREFER;
	mxlb_rrl_opts_init(&o->rrl);
	mxlb_slow_opts_init(&o->slow);
	o->zones = calloc((size_t)argc + 1, sizeof(*o->zones));
	/* getopt_long permutes its array: parse a copy. */
	args = calloc((size_t)argc + 1, sizeof(*args));
	if (o->zones == NULL || args == NULL) {
		fprintf(stderr, "mxlbd: options: %s\n", strerror(ENOMEM));
		free(args);
		mxlb_opts_free(o);
		return -ENOMEM;
	}
	memcpy(args, argv, (size_t)argc * sizeof(*args));
	args[0] = (char *)"mxlbd"; /* the name getopt puts in its messages */

	optind = 0; /* full reinitialisation: EAL may have used getopt before */
	opterr = 1;
	while (ret == 0 && (c = getopt_long(argc, args, "h", mxlb_opts_long, NULL)) != -1) {
		switch (c) {
		case MXLB_OPTS_ZONE:
			o->zones[o->nzones++] = optarg;
			break;
		case MXLB_OPTS_IP:
			ret = mxlb_opts_ip(o, optarg);
			break;
		case MXLB_OPTS_MX_MODE:
			ret = mxlb_opts_mode(o, optarg);
			break;
		case MXLB_OPTS_NO_XDP_STEER:
			o->no_xdp_steer = true;
			break;
		case MXLB_OPTS_ALLDOWN:
			if (strcmp(optarg, "all") == 0)
				o->alldown = MXLB_ALLDOWN_ALL;
			else if (strcmp(optarg, "next") == 0)
				o->alldown = MXLB_ALLDOWN_NEXT;
			else if (strcmp(optarg, "null") == 0)
				o->alldown = MXLB_ALLDOWN_NULL;
			else
				ret =
				    mxlb_opts_fail("--all-down must be all, next or null", optarg);
			break;
		case MXLB_OPTS_IDENTITY:
			o->identity = optarg;
			break;
		case MXLB_OPTS_VERSION:
			o->version = optarg;
			break;
		case MXLB_OPTS_RRL_RATE:
			ret = mxlb_opts_uint("rrl-rate", optarg, 0, 10000000, &o->rrl.rate);
			break;
		case MXLB_OPTS_RRL_SLIP:
			ret = mxlb_opts_uint("rrl-slip", optarg, 0, 100, &o->rrl.slip);
			break;
		case MXLB_OPTS_RRL_V4: {
			uint32_t v;
			ret = mxlb_opts_uint("rrl-ipv4-prefix", optarg, 1, 32, &v);
			o->rrl.v4_prefix = (uint8_t)v;
			break;
		}
		case MXLB_OPTS_RRL_V6: {
			uint32_t v;
			ret = mxlb_opts_uint("rrl-ipv6-prefix", optarg, 1, 128, &v);
			o->rrl.v6_prefix = (uint8_t)v;
			break;
		}
		case MXLB_OPTS_RRL_BUCKETS:
			ret =
			    mxlb_opts_uint("rrl-buckets", optarg, 1024, 1u << 24, &o->rrl.buckets);
			break;
		case MXLB_OPTS_NO_KERNEL:
			o->slow.no_kernel = true;
			break;
		case MXLB_OPTS_KERNEL_IF:
			o->slow.ifname = optarg;
			break;
		case MXLB_OPTS_KERNEL_TABLE:
			ret = mxlb_opts_table(o, optarg);
			break;
		case MXLB_OPTS_TCP_MAX_CONNS:
			ret = mxlb_opts_uint("tcp-max-conns", optarg, 1, 65536,
					     &o->slow.tcp.max_conns);
			break;
		case MXLB_OPTS_TCP_MAX_PER_CLIENT:
			ret = mxlb_opts_uint("tcp-max-per-client", optarg, 1, 65536,
					     &o->slow.tcp.max_per_client);
			break;
		case MXLB_OPTS_TCP_IDLE_TIMEOUT:
			ret = mxlb_opts_uint("tcp-idle-timeout", optarg, 1, 3600,
					     &o->slow.tcp.idle_ms);
			o->slow.tcp.idle_ms *= 1000;
			break;
		case MXLB_OPTS_JOURNAL:
			if (o->journal != NULL)
				ret = mxlb_opts_fail("--journal given twice", optarg);
			else if (optarg[0] == '\0')
				ret = mxlb_opts_fail("--journal needs a file name", NULL);
			else
				o->journal = optarg;
			break;
		case 'h':
			mxlb_opts_usage(stdout);
			ret = MXLB_OPTS_HELP;
			break;
		default: /* getopt has said what was wrong */
			mxlb_opts_usage(stderr);
			ret = -EINVAL;
			break;
		}
	}
	if (ret == 0 && optind < argc)
		ret = mxlb_opts_fail("unexpected argument", args[optind]);
	if (ret == 0 && o->nzones == 0)
		ret = mxlb_opts_fail("--zone FILE is required", NULL);
	if (ret == 0 && o->naddrs == 0)
		ret = mxlb_opts_fail("--ip ADDR is required", NULL);
	optind = 0;
	free(args);
	if (ret != 0)
		mxlb_opts_free(o);
	return ret;
}

void mxlb_opts_free(struct mxlb_opts *o)
{
	free(o->zones);
	o->zones = NULL;
	o->nzones = 0;
}
