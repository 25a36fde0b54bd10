/* The published zone image pointer. */
#include "publish.h"

const struct mxlb_image *mxlb_publish_current;

void mxlb_publish_set(const struct mxlb_image *img)
{
	__atomic_store_n(&mxlb_publish_current, img, __ATOMIC_RELEASE);
}
