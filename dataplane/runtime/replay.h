/* Replay of the change journal over an image that no worker reads yet: at
 * start, over the image just loaded from the zone files, and at zone reload,
 * over the image reloaded from them (DESIGN §5). A journaled change that no
 * longer applies (its owner, pool or member has gone from the zone files) is
 * dropped from the journal and reported; one that fails for want of memory
 * fails the whole replay and is kept. */
#ifndef MXLB_REPLAY_H
#define MXLB_REPLAY_H

#include <stdint.h>

#include "image.h"
#include "journal.h"
#include "text.h"

struct mxlb_replay {
	struct mxlb_image *img; /* in: as loaded; out: with the changes applied */
	/* one line per journaled change: "kept: CMD" or "dropped: CMD: reason" */
	struct mxlb_text report;
	uint64_t kept;	  /* changes still applied (or already so) */
	uint64_t dropped; /* changes that no longer apply */
	int failed;	  /* a negative errno when a change could not be tried */
	char note[512];	  /* a torn last record, or "" */
	char err[1024];	  /* why the replay failed */
};

/* Opens the journal at PATH into J and replays it over R->img. Returns 0 or
 * a negative errno with R->err naming what failed. */
int mxlb_replay_open(struct mxlb_replay *r, struct mxlb_journal *j, const char *path);

/* Replays the open journal J again over R->img. Returns 0 or a negative
 * errno with R->err naming what failed. */
int mxlb_replay_again(struct mxlb_replay *r, struct mxlb_journal *j);

/* Frees the report (not the image). */
void mxlb_replay_fini(struct mxlb_replay *r);

#endif
