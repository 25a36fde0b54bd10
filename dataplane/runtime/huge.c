/* Removing a primary's hugepage files (huge.h). */
#include <dirent.h>
#include <errno.h>
#include <mntent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "huge.h"

/* Whether NAME is PREFIX "map_" followed by decimal digits only. */
static int mxlb_huge_is_ours(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);
	const char *p;

	if (strncmp(name, prefix, n) != 0 || strncmp(name + n, "map_", 4) != 0)
		return 0;
	p = name + n + 4;
	if (*p == 0)
		return 0;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return 1;
}

unsigned mxlb_huge_unlink_dir(const char *dir, const char *prefix)
{
	char path[4096];
	struct dirent *e;
	unsigned n = 0;
	DIR *d = opendir(dir);

	if (d == NULL || *prefix == 0 || strchr(prefix, '/') != NULL) {
		if (d != NULL)
			closedir(d);
		return 0;
	}
	while ((e = readdir(d)) != NULL) {
		if (!mxlb_huge_is_ours(e->d_name, prefix))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path))
			continue;
		if (unlink(path) == 0)
			n++;
		else if (errno != ENOENT)
			fprintf(stderr, "mxlbd: hugepage file %s: %s\n", path, strerror(errno));
	}
	closedir(d);
	return n;
}

unsigned mxlb_huge_unlink(const char *prefix)
{
	struct mntent *m;
	unsigned n = 0;
	FILE *f;

	if (prefix == NULL || *prefix == 0 || strchr(prefix, '/') != NULL)
		return 0;
	f = setmntent("/proc/mounts", "r");
	if (f == NULL)
		return 0;
	while ((m = getmntent(f)) != NULL)
		if (strcmp(m->mnt_type, "hugetlbfs") == 0)
			n += mxlb_huge_unlink_dir(m->mnt_dir, prefix);
	endmntent(f);
	return n;
}
