/* CPU time of a thread, from /proc/.../schedstat (the time it ran, and the
 * time it was runnable while another task had its core): on a shared
 * machine, how much of the core a busy-polling thread really had, and so
 * what a packet cost it in CPU time. DPDK-free. */
#ifndef MXGEN_SCHED_H
#define MXGEN_SCHED_H

#include <stdbool.h>
#include <stdint.h>

struct mxgen_sched {
	bool ok;
	uint64_t run_ns;
	uint64_t wait_ns;
};

/* Reads PATH (a schedstat file, or a symbolic link to one). S->ok is false
 * when it cannot be read. */
void mxgen_sched_read(struct mxgen_sched *s, const char *path);

/* The difference B - A; ok only when both are. */
struct mxgen_sched mxgen_sched_delta(const struct mxgen_sched *a, const struct mxgen_sched *b);

#endif
