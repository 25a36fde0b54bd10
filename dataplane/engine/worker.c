#include "worker.h"

#include <stdlib.h>

#include "pool.h"

struct mxlb_worker *mxlb_worker_new(uint32_t index, uint32_t nworkers, const struct mxlb_image *img)
{
	if (nworkers == 0 || index >= nworkers || nworkers > img->base->opts.nworkers)
		return NULL;
	struct mxlb_worker *w = aligned_alloc(64, sizeof(*w));
	if (!w)
		return NULL;
	*w = (struct mxlb_worker){.index = index, .nworkers = nworkers};
	for (uint32_t p = 0; p < img->npools; p++)
		mxlb_pool_stripe(img->pools[p], index)->rr = MXLB_NONE;
	return w;
}

void mxlb_worker_free(struct mxlb_worker *w)
{
	if (w)
		mxlb_rrl_free(w->rrl);
	free(w);
}
