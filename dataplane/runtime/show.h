/* The read-only control commands, answered from the current image (and,
 * for status, mxlbd's own state): status, pools, preview. Text for people,
 * or JSON in the shapes of the control contract. */
#ifndef MXLB_SHOW_H
#define MXLB_SHOW_H

#include <stdbool.h>
#include <stdint.h>

#include "image.h"
#include "text.h"

#define MXLB_SHOW_PREVIEW_DEFAULT 8
#define MXLB_SHOW_PREVIEW_MAX	  1000

/* What status reports besides the image. */
struct mxlb_show_status {
	const struct mxlb_image *img;
	long pid;
	uint64_t uptime; /* seconds */
	unsigned nworkers;
	const unsigned *lcores; /* lcore id of worker k */
	const char *journal;	/* path, or NULL without --journal */
	uint64_t journal_records;
};

void mxlb_show_status(struct mxlb_text *t, const struct mxlb_show_status *s, bool json);

/* pools [OWNER [TYPE]]: ARGV holds the words after "pools". Returns 0, or a
 * negative errno with T holding only the reason. */
int mxlb_show_pools(struct mxlb_text *t, const struct mxlb_image *img, int argc,
		    const char *const *argv, bool json);

/* preview OWNER TYPE [N]: the next N members each of the NWORKERS workers
 * (on LCORES) would select. ARGV holds the words after "preview". Returns 0,
 * or a negative errno with T holding only the reason. */
int mxlb_show_preview(struct mxlb_text *t, const struct mxlb_image *img, const unsigned *lcores,
		      unsigned nworkers, int argc, const char *const *argv, bool json);

#endif
