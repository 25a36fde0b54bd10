/* mxlbd's removal of its hugepage files (dataplane/runtime/huge.c): only
 * PREFIX "map_" N removed, in a plain directory standing in for a hugetlbfs
 * mount. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "huge.h"

static void touch(const char *dir, const char *name)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	int fd = open(p, O_CREAT | O_WRONLY, 0600);
	cr_assert_geq(fd, 0, "%s: %s", p, strerror(errno));
	close(fd);
}

static int exists(const char *dir, const char *name)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

Test(huge, only_the_prefix_files_removed)
{
	char dir[] = "/tmp/mxlb-huge-XXXXXX";
	static const char *const ours[] = {"pmap_0", "pmap_1", "pmap_123"};
	static const char *const theirs[] = {"pmap_",  "pmap_x",  "pmap_0.lock", "p2map_0",
					     "qmap_0", "xpmap_0", "pmap_1a",	 "pmap"};

	cr_assert_not_null(mkdtemp(dir));
	for (size_t i = 0; i < T_N(ours); i++)
		touch(dir, ours[i]);
	for (size_t i = 0; i < T_N(theirs); i++)
		touch(dir, theirs[i]);
	cr_assert_eq(mxlb_huge_unlink_dir(dir, ""), 0, "an empty prefix removes nothing");
	cr_assert_eq(mxlb_huge_unlink_dir(dir, "../p"), 0, "a prefix with a slash removes nothing");
	cr_assert_eq(mxlb_huge_unlink_dir(dir, "p"), T_N(ours));
	for (size_t i = 0; i < T_N(ours); i++)
		cr_assert(!exists(dir, ours[i]), "%s left", ours[i]);
	for (size_t i = 0; i < T_N(theirs); i++) {
		cr_assert(exists(dir, theirs[i]), "%s removed", theirs[i]);
		char p[512];
		snprintf(p, sizeof(p), "%s/%s", dir, theirs[i]);
		unlink(p);
	}
	cr_assert_eq(mxlb_huge_unlink_dir(dir, "p"), 0, "nothing left to remove");
	rmdir(dir);
	cr_assert_eq(mxlb_huge_unlink_dir(dir, "p"), 0, "a missing directory");
}
