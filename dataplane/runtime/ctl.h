/* The control service, run by the main lcore once the workers are
 * launched (DESIGN §5): takes mxlbctl's requests off the request ring one at
 * a time and answers on the response ring. Changes are validated by the
 * engine, journaled, published under RCU and acknowledged in that order;
 * zone reload rebuilds the image from the zone files and the journal. One
 * audit line per change on stdout. */
#ifndef MXLB_CTL_H
#define MXLB_CTL_H

#include <stdbool.h>
#include <stddef.h>

#include <rte_mempool.h>
#include <rte_ring.h>

#include "image.h"
#include "journal.h"
#include "shared.h"
#include "text.h"

struct mxlb_ctl {
	/* set by mxlbd before mxlb_ctl_init */
	const char *const *zones; /* the --zone files, loaded again by zone reload */
	size_t nzones;
	struct mxlb_image_opts io;    /* the options the image was loaded with */
	struct mxlb_journal *journal; /* NULL without --journal */
	unsigned nworkers;
	const unsigned *lcores; /* lcore id of worker k */
	struct mxlb_shared_stats *stats;
	struct mxlb_image *img; /* the published image: replaced by each change */
	/* created by mxlb_ctl_init */
	struct rte_ring *req;
	struct rte_ring *rsp;
	struct rte_mempool *pool;
	struct mxlb_text reply;
};

/* Creates the request and response rings and the message pool. Returns 0
 * or a negative errno after printing what failed; mxlb_ctl_fini undoes what
 * was made. */
int mxlb_ctl_init(struct mxlb_ctl *c);

/* Serves requests until *QUIT is set, sleeping 100 us whenever the request
 * ring is empty, 10 ms once it has been empty for about a second. */
void mxlb_ctl_run(struct mxlb_ctl *c, const volatile bool *quit);

/* Frees the rings, the pool and the reply buffer (not the image). */
void mxlb_ctl_fini(struct mxlb_ctl *c);

#endif
