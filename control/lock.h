/* The control lock: one mxlbctl at a time talks to mxlbd, because the
 * control rings are single-producer, single-consumer. The lock is the
 * ctl_pid field of the stats memzone, taken by compare-and-swap from 0 to
 * the caller's pid, and taken over from a holder that no longer exists. */
#ifndef MXLB_LOCK_H
#define MXLB_LOCK_H

#include <stdbool.h>
#include <sys/types.h>

#include "shared.h"

/* Whether process PID exists and has not exited (a zombie has). */
bool mxlb_lock_alive(pid_t pid);

/* Takes the lock for SELF, waiting up to TIMEOUT_MS while a live process
 * holds it. Returns 0, or -EBUSY with *HOLDER the pid that kept it. */
int mxlb_lock_take(struct mxlb_shared_stats *s, pid_t self, unsigned timeout_ms, pid_t *holder);

/* Gives the lock back if SELF holds it. */
void mxlb_lock_give(struct mxlb_shared_stats *s, pid_t self);

#endif
