/* The zone image the workers answer from, published by pointer swap under
 * RCU QSBR (DESIGN §5). Workers read the pointer once per loop round, only
 * through mxlb_publish_get, and report a quiescent state at the end of every
 * round, when they hold no reference into any image. The main lcore swaps
 * the pointer with mxlb_publish_set and waits with mxlb_publish_sync until
 * no worker can still read the image it replaced. */
#ifndef MXLB_PUBLISH_H
#define MXLB_PUBLISH_H

#include <stdint.h>

#include <rte_rcu_qsbr.h>

#include "image.h"

extern const struct mxlb_image *mxlb_publish_current;
extern struct rte_rcu_qsbr *mxlb_publish_qsbr;

/* Allocates the QSBR variable for NWORKERS reader threads (thread id =
 * worker index). Returns 0 or a negative errno after printing what failed. */
int mxlb_publish_init(uint32_t nworkers);

void mxlb_publish_fini(void);

/* The current image; acquire pairs with the release in mxlb_publish_set. */
static inline const struct mxlb_image *mxlb_publish_get(void)
{
	return __atomic_load_n(&mxlb_publish_current, __ATOMIC_ACQUIRE);
}

/* Makes IMG the image of every later loop round. */
void mxlb_publish_set(const struct mxlb_image *img);

/* Waits until every online worker has passed a quiescent state: none reads
 * an image published before the call any more. */
void mxlb_publish_sync(void);

/* Worker WORKER joins the readers: called by the worker lcore before its
 * loop. */
static inline void mxlb_publish_online(uint32_t worker)
{
	rte_rcu_qsbr_thread_register(mxlb_publish_qsbr, worker);
	rte_rcu_qsbr_thread_online(mxlb_publish_qsbr, worker);
}

/* End of a loop round: WORKER holds no reference into any image. */
static inline void mxlb_publish_quiescent(uint32_t worker)
{
	rte_rcu_qsbr_quiescent(mxlb_publish_qsbr, worker);
}

/* Worker WORKER leaves the readers: called after its loop. */
static inline void mxlb_publish_offline(uint32_t worker)
{
	rte_rcu_qsbr_thread_offline(mxlb_publish_qsbr, worker);
	rte_rcu_qsbr_thread_unregister(mxlb_publish_qsbr, worker);
}

#endif
