#include "secondary.h"

#define _GNU_SOURCE 1
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_eal.h>

bool mxlb_secondary_primary_alive(const char *prefix)
{
	const char *dir = "/var/run";
	char path[PATH_MAX];

	if (getuid() != 0) {
		dir = getenv("XDG_RUNTIME_DIR");
		if (dir == NULL)
			dir = "/tmp";
	}
	snprintf(path, sizeof(path), "%s/dpdk/%s/config", dir, prefix);
	return rte_eal_primary_proc_alive(path) != 0;
}

/* The lowest CPU this process may run on, for the --lcores mapping. */
static int mxlb_secondary_cpu(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
			if (CPU_ISSET(cpu, &set))
				return cpu;
	return 0;
}

int mxlb_secondary_eal(const char *name, const char *prefix, unsigned lcore)
{
	char fp[PATH_MAX], lcores[64];
	char *args[8];
	int n = 0;

	snprintf(fp, sizeof(fp), "--file-prefix=%s", prefix);
	snprintf(lcores, sizeof(lcores), "--lcores=%u@%d", lcore, mxlb_secondary_cpu());
	args[n++] = (char *)name;
	args[n++] = (char *)"--proc-type=secondary";
	args[n++] = fp;
	args[n++] = (char *)"--no-pci";
	args[n++] = lcores;
	args[n++] = (char *)"--log-level=lib.eal:error";
	args[n++] = (char *)"--no-telemetry";
	args[n] = NULL;
	return rte_eal_init(n, args);
}
