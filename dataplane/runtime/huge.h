/* The hugepage files of a DPDK primary process. EAL leaves them behind at
 * exit (it only removes and re-creates them at the next start with the same
 * --file-prefix), so the pages stay taken until then; mxlbd removes its own
 * once EAL has let go of them. */
#ifndef MXLB_HUGE_H
#define MXLB_HUGE_H

/* Removes the files PREFIX "map_" N (N decimal) from every hugetlbfs mount
 * in /proc/mounts: what EAL creates for the primary process of PREFIX.
 * Returns how many it removed. Call after rte_eal_cleanup, and only from the
 * primary that owned PREFIX: its name is the last component of
 * rte_eal_get_runtime_dir(), not what the command line said (rte_eal_init
 * rewrites the argument array). */
unsigned mxlb_huge_unlink(const char *prefix);

/* The same in the directory DIR alone. */
unsigned mxlb_huge_unlink_dir(const char *dir, const char *prefix);

#endif
