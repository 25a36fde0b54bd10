/* The published zone image pointer and its QSBR variable. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "publish.h"

const struct mxlb_image *mxlb_publish_current;
struct rte_rcu_qsbr *mxlb_publish_qsbr;

int mxlb_publish_init(uint32_t nworkers)
{
	size_t size = rte_rcu_qsbr_get_memsize(nworkers);
	int ret;

	if (size == 1) {
		fprintf(stderr, "mxlbd: rte_rcu_qsbr_get_memsize(%u): %s\n", nworkers,
			rte_strerror(rte_errno));
		return -EINVAL;
	}
	mxlb_publish_qsbr = rte_zmalloc("mxlb_qsbr", size, RTE_CACHE_LINE_SIZE);
	if (mxlb_publish_qsbr == NULL) {
		fprintf(stderr, "mxlbd: QSBR variable (%zu octets): rte_zmalloc: %s\n", size,
			strerror(ENOMEM));
		return -ENOMEM;
	}
	ret = rte_rcu_qsbr_init(mxlb_publish_qsbr, nworkers);
	if (ret != 0) {
		fprintf(stderr, "mxlbd: rte_rcu_qsbr_init(%u): %s\n", nworkers,
			rte_strerror(rte_errno));
		mxlb_publish_fini();
		return -EINVAL;
	}
	return 0;
}

void mxlb_publish_fini(void)
{
	rte_free(mxlb_publish_qsbr);
	mxlb_publish_qsbr = NULL;
}

void mxlb_publish_set(const struct mxlb_image *img)
{
	__atomic_store_n(&mxlb_publish_current, img, __ATOMIC_RELEASE);
}

void mxlb_publish_sync(void)
{
	if (mxlb_publish_qsbr != NULL)
		rte_rcu_qsbr_synchronize(mxlb_publish_qsbr, RTE_QSBR_THRID_INVALID);
}
