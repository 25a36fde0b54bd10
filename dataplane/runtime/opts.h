/* mxlbd's own command line, the part after EAL's "--" (DESIGN §5):
 *   --zone FILE [--zone FILE ...] --ip ADDR[/PREFIX] [--ip ...]
 *   [--journal FILE] [--mx-mode prefer|rotate|single] [--no-kernel]
 *   [--kernel-if NAME] [--kernel-table N] [--tcp-max-conns N]
 *   [--tcp-max-per-client N] [--tcp-idle-timeout SECONDS] [--help] */
#ifndef MXLB_OPTS_H
#define MXLB_OPTS_H

#include <stddef.h>
#include <stdio.h>

#include "addr.h"
#include "image.h"
#include "rrl.h"
#include "slow.h"

/* mxlb_opts_parse result: --help was given and the usage printed. */
#define MXLB_OPTS_HELP 1

struct mxlb_opts {
	const char **zones; /* --zone files in the order given; point into argv */
	size_t nzones;
	struct mxlb_addr addrs[MXLB_ADDR_MAX]; /* --ip, in the order given */
	size_t naddrs;
	enum mxlb_mode mx_mode;	    /* --mx-mode; prefer when not given */
	const char *journal;	    /* --journal FILE, or NULL; points into argv */
	bool no_xdp_steer;	    /* --no-xdp-steer: net_af_xdp ports keep the PMD's program */
	enum mxlb_alldown alldown;  /* --all-down; all when not given */
	const char *identity;	    /* --identity: CHAOS id.server / hostname.bind, or NULL */
	const char *version;	    /* --version: CHAOS version.bind / version.server, or NULL */
	struct mxlb_rrl_opts rrl;   /* --rrl-*: response rate limiting, off by default */
	struct mxlb_slow_opts slow; /* --no-kernel, --kernel-if, --kernel-table, --tcp-* */
};

/* Parses ARGC/ARGV, where ARGV[0] is the program name and the rest are
 * mxlbd's options. ARGV is not modified. Returns 0, MXLB_OPTS_HELP, or a
 * negative errno after printing what was wrong (and the usage) to stderr. */
int mxlb_opts_parse(struct mxlb_opts *o, int argc, char *const *argv);

void mxlb_opts_free(struct mxlb_opts *o);

void mxlb_opts_usage(FILE *out);

#endif
