#include "worker.h"

#include <stdlib.h>

struct mxlb_worker *mxlb_worker_new(uint32_t index, uint32_t nworkers, const struct mxlb_image *img)
{
	struct mxlb_worker *w = aligned_alloc(64, sizeof(*w));
	if (!w)
		return NULL;
	*w = (struct mxlb_worker){.index = index, .nworkers = nworkers ? nworkers : 1};
	w->npools = img->npools;
	w->rr = calloc(w->npools ? w->npools : 1, sizeof(*w->rr));
	if (!w->rr) {
		free(w);
		return NULL;
	}
	/* Interleave the workers: worker k of W starts a pool of len turns at
	 * turn (k * len) / W. */
	for (uint32_t p = 0; p < w->npools; p++)
		w->rr[p] = (uint32_t)(((uint64_t)index * img->pools[p].len) / w->nworkers);
	return w;
}

void mxlb_worker_free(struct mxlb_worker *w)
{
	if (!w)
		return;
	free(w->rr);
	free(w);
}
