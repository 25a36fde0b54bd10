/* The zone image the workers answer from. Workers read the pointer once per
 * loop round, only through mxlb_publish_get, so that publishing a new image
 * (later under RCU QSBR) has exactly one reader to pair with. */
#ifndef MXLB_PUBLISH_H
#define MXLB_PUBLISH_H

#include "image.h"

extern const struct mxlb_image *mxlb_publish_current;

/* The current image; acquire pairs with the release in mxlb_publish_set. */
static inline const struct mxlb_image *mxlb_publish_get(void)
{
	return __atomic_load_n(&mxlb_publish_current, __ATOMIC_ACQUIRE);
}

/* Makes IMG the image of every later loop round. */
void mxlb_publish_set(const struct mxlb_image *img);

#endif
