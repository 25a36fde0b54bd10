/* Member states (drain, undrain, down, up) and answer counts through the
 * engine API, on the fixture of the edit tests (edit_fixture.h): every
 * answer checked by parsing the response with ldns. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "edit_fixture.h"

/* ======================================================================
 * Member states: drain, undrain, down, up (DESIGN §2-3).
 * ====================================================================== */

/* Drained: listed last with a preference above every up member, never
 * selected. mx3 is in the apex pool and in alt. */
Test(edit_state, drain_undrain)
{
	struct mxlb_image *img = load();
	STEP(&img, "version 2: drain mx3.edit.test.: 2 members in 2 pools", "drain", E("mx3"));
	const struct mxlb_cpool *p = pool(img, APEX, MX);
	cr_assert_eq(p->members[member(p, "10 mx3.edit.test.")].flags, MXLB_MEMBER_F_DRAIN);
	cr_assert_eq(p->members[member(p, "10 mx1.edit.test.")].flags, 0);
	cr_assert_eq(p->len, 2);
	cr_assert_eq(p->failopen, 0);
	struct mxlb_worker *w = t_worker(img, 0, 1);
	for (int round = 0; round < 2; round++) {
		CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx2"), "12 " E("mx3"));
		CHECK(w, img, APEX, MX, 300, "10 " E("mx2"), "11 " E("mx1"), "12 " E("mx3"));
	}
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx2"), "12 " E("mx3"));
	/* alt: mx2 alone up in its group; mx3 (drained) after it */
	CHECK(w, img, E("alt"), MX, 300, "10 " E("mx2"), "11 " E("mx3"));

	NOCHANGE(img, "mx3.edit.test.: already drained in 2 pool members", "drain", E("mx3"));
	cr_assert_eq(img->version, 2);

	/* counter 1 carries over into the 3-member schedule: mx2 next */
	STEP(&img, "version 3: undrain mx3.edit.test.: 2 members in 2 pools", "undrain", E("mx3"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx2"), "11 " E("mx3"), "11 " E("mx1"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx3"), "11 " E("mx1"), "11 " E("mx2"));
	CHECK(w, img, E("alt"), MX, 300, "10 " E("mx2"), "20 " E("mx3"));
	NOCHANGE(img, "mx3.edit.test.: not drained in 2 pool members", "undrain", E("mx3"));
	NOCHANGE(img, "mx3.edit.test.: not down in 2 pool members", "up", E("mx3"));
	t_worker_free(w);
	free_image(img);
}

/* Down: not listed at all. Drain and undrain leave the down flag alone;
 * up ends the down, and a drain set meanwhile is still there after it. */
Test(edit_state, down_up)
{
	struct mxlb_image *img = load();
	STEP(&img, "version 2: down mx3.edit.test.: 2 members in 2 pools", "down", E("mx3"));
	const struct mxlb_cpool *p = pool(img, APEX, MX);
	cr_assert_eq(p->members[member(p, "10 mx3.edit.test.")].flags, MXLB_MEMBER_F_DOWN);
	struct mxlb_worker *w = t_worker(img, 0, 1);
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx2"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx2"), "11 " E("mx1"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx2"));
	CHECK(w, img, E("alt"), MX, 300, "10 " E("mx2"));
	NOCHANGE(img, "mx3.edit.test.: already down in 2 pool members", "down", E("mx3"));
	NOCHANGE(img, "mx3.edit.test.: not drained in 2 pool members; down in 2 (up ends a down)",
		 "undrain", E("mx3"));

	/* drained as well: still down, still not listed */
	STEP(&img,
	     "version 3: drain mx3.edit.test.: 2 members in 2 pools; still down in 2 (up ends a "
	     "down)",
	     "drain", E("mx3"));
	p = pool(img, APEX, MX);
	cr_assert_eq(p->members[member(p, "10 mx3.edit.test.")].flags,
		     MXLB_MEMBER_F_DOWN | MXLB_MEMBER_F_DRAIN);
	CHECK(w, img, APEX, MX, 300, "10 " E("mx2"), "11 " E("mx1"));
	CHECK(w, img, E("alt"), MX, 300, "10 " E("mx2"));

	/* up: drained now, listed last, never selected */
	STEP(&img,
	     "version 4: up mx3.edit.test.: 2 members in 2 pools; still drained in 2 (undrain "
	     "ends a drain)",
	     "up", E("mx3"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx2"), "12 " E("mx3"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx2"), "11 " E("mx1"), "12 " E("mx3"));
	CHECK(w, img, E("alt"), MX, 300, "10 " E("mx2"), "11 " E("mx3"));

	STEP(&img, "version 5: undrain mx3.edit.test.: 2 members in 2 pools", "undrain", E("mx3"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx2"), "11 " E("mx3"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx2"), "11 " E("mx3"), "11 " E("mx1"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx3"), "11 " E("mx1"), "11 " E("mx2"));
	CHECK(w, img, E("alt"), MX, 300, "10 " E("mx2"), "20 " E("mx3"));
	t_worker_free(w);
	free_image(img);
}

/* Every member of the preferred group down: the fallback group takes turns
 * (its selected member keeps 20, the other shows 21). */
Test(edit_state, preferred_group_down_fallback_rotates)
{
	struct mxlb_image *img = load();
	struct mxlb_worker *w = t_worker(img, 0, 1);
	CHECK(w, img, E("grp"), MX, 300, "10 " O("g1"), "11 " O("g2"), "20 " O("g3"),
	      "20 " O("g4"));
	STEP(&img, "version 2: down g1.out.test.: 1 member in 1 pool", "down", O("g1"));
	t_worker_free(w);
	w = t_worker(img, 0, 1);
	CHECK(w, img, E("grp"), MX, 300, "10 " O("g2"), "20 " O("g3"), "20 " O("g4"));
	CHECK(w, img, E("grp"), MX, 300, "10 " O("g2"), "20 " O("g3"), "20 " O("g4"));

	STEP(&img, "version 3: down g2.out.test.: 1 member in 1 pool", "down", O("g2"));
	t_worker_free(w);
	w = t_worker(img, 0, 1);
	cr_assert_eq(pool(img, E("grp"), MX)->failopen, 0);
	for (int round = 0; round < 2; round++) {
		CHECK(w, img, E("grp"), MX, 300, "20 " O("g3"), "21 " O("g4"));
		CHECK(w, img, E("grp"), MX, 300, "20 " O("g4"), "21 " O("g3"));
	}

	/* drained while down: still not listed */
	STEP(&img, NULL, "drain", O("g1"));
	t_worker_free(w);
	w = t_worker(img, 0, 1);
	CHECK(w, img, E("grp"), MX, 300, "20 " O("g3"), "21 " O("g4"));

	/* up, still drained: a drained member of the preferred group is
	 * listed after the up ones */
	STEP(&img, NULL, "up", O("g1"));
	t_worker_free(w);
	w = t_worker(img, 0, 1);
	CHECK(w, img, E("grp"), MX, 300, "20 " O("g3"), "21 " O("g4"), "22 " O("g1"));
	CHECK(w, img, E("grp"), MX, 300, "20 " O("g4"), "21 " O("g3"), "22 " O("g1"));

	/* one member of the preferred group up again: it takes every turn */
	STEP(&img, NULL, "undrain", O("g1"));
	t_worker_free(w);
	w = t_worker(img, 0, 1);
	CHECK(w, img, E("grp"), MX, 300, "10 " O("g1"), "20 " O("g3"), "20 " O("g4"));
	CHECK(w, img, E("grp"), MX, 300, "10 " O("g1"), "20 " O("g3"), "20 " O("g4"));
	t_worker_free(w);
	free_image(img);
}

/* Every member down: fail open, all of them answered (DESIGN §3). */
Test(edit_state, all_down_fails_open)
{
	struct mxlb_image *img = load();
	STEP(&img, NULL, "down", O("g1"));
	STEP(&img, NULL, "down", O("g2"));
	STEP(&img, "version 4: down g3.out.test.: 1 member in 1 pool", "down", O("g3"));
	struct mxlb_worker *w = t_worker(img, 0, 1);
	cr_assert_eq(pool(img, E("grp"), MX)->failopen, 0);
	CHECK(w, img, E("grp"), MX, 300, "20 " O("g4"));
	CHECK(w, img, E("grp"), MX, 300, "20 " O("g4"));

	STEP(&img, "version 5: down g4.out.test.: 1 member in 1 pool", "down", O("g4"));
	const struct mxlb_cpool *p = pool(img, E("grp"), MX);
	cr_assert_eq(p->failopen, 1);
	for (uint16_t m = 0; m < p->nmembers; m++)
		cr_assert_eq(mxlb_member_state(p->members[m].flags), MXLB_MEMBER_DOWN);
	t_worker_free(w);
	w = t_worker(img, 0, 1);
	for (int round = 0; round < 2; round++) {
		CHECK(w, img, E("grp"), MX, 300, "10 " O("g1"), "11 " O("g2"), "20 " O("g3"),
		      "20 " O("g4"));
		CHECK(w, img, E("grp"), MX, 300, "10 " O("g2"), "11 " O("g1"), "20 " O("g3"),
		      "20 " O("g4"));
	}

	STEP(&img, NULL, "up", O("g3"));
	cr_assert_eq(pool(img, E("grp"), MX)->failopen, 0);
	t_worker_free(w);
	w = t_worker(img, 0, 1);
	CHECK(w, img, E("grp"), MX, 300, "20 " O("g3"));
	t_worker_free(w);
	free_image(img);
}

/* Drained or down, no member is up: the pool fails open too. */
Test(edit_state, all_drained_fails_open)
{
	struct mxlb_image *img = load();
	STEP(&img, NULL, "drain", O("wa"));
	struct mxlb_worker *w = t_worker(img, 0, 1);
	CHECK(w, img, E("wt"), MX, 300, "10 " O("wb"), "11 " O("wa"));
	STEP(&img, NULL, "down", O("wb"));
	cr_assert_eq(pool(img, E("wt"), MX)->failopen, 1);
	t_worker_free(w);
	w = t_worker(img, 0, 1);
	CHECK(w, img, E("wt"), MX, 300, "10 " O("wa"), "11 " O("wb"));
	CHECK(w, img, E("wt"), MX, 300, "10 " O("wb"), "11 " O("wa"));
	t_worker_free(w);
	free_image(img);
}

Test(edit_state, address_pool_fails_open)
{
	struct mxlb_image *img = load();
	STEP(&img, "version 2: down 192.0.2.10: 2 members in 2 pools", "down", "192.0.2.10");
	struct mxlb_worker *w = t_worker(img, 0, 1);
	CHECK(w, img, E("addr"), A, 120, "192.0.2.11");
	CHECK(w, img, E("addr2"), A, 120, "192.0.2.12");
	STEP(&img, "version 3: down 192.0.2.11: 1 member in 1 pool", "down", "192.0.2.11");
	cr_assert_eq(pool(img, E("addr"), A)->failopen, 1);
	cr_assert_eq(pool(img, E("addr2"), A)->failopen, 0);
	t_worker_free(w);
	w = t_worker(img, 0, 1);
	CHECK(w, img, E("addr"), A, 120, "192.0.2.10", "192.0.2.11");
	CHECK(w, img, E("addr"), A, 120, "192.0.2.11", "192.0.2.10");
	CHECK(w, img, E("addr"), A, 120, "192.0.2.10", "192.0.2.11");
	CHECK(w, img, E("addr2"), A, 120, "192.0.2.12");
	t_worker_free(w);
	free_image(img);
}

/* A host name reaches every pool whose member it is: mx2 is an exchange at
 * two owners (the apex, alt) and an SRV target. The pools without mx2 stay
 * shared with the old version. Case does not matter. */
Test(edit_state, host_in_many_pools)
{
	struct mxlb_image *img = load();
	const struct mxlb_cpool *apex = pool(img, APEX, MX), *alt = pool(img, E("alt"), MX),
				*srv = pool(img, E("_smtp._tcp"), SRV);
	struct mxlb_image *next =
	    APPLY(img, "version 2: drain mx2.edit.test.: 3 members in 3 pools", "drain", E("mx2"));
	uint32_t changed = 0;
	for (uint32_t i = 0; i < img->npools; i++) {
		const struct mxlb_cpool *p = img->pools[i];
		if (p == apex || p == alt || p == srv) {
			cr_assert_neq(next->pools[i], p, "pool %u not rebuilt", i);
			changed++;
		} else {
			cr_assert_eq(next->pools[i], p, "pool %u rebuilt", i);
		}
	}
	cr_assert_eq(changed, 3);
	publish(img, next);
	img = next;
	struct mxlb_worker *w = t_worker(img, 0, 1);
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx3"), "12 " E("mx2"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx3"), "11 " E("mx1"), "12 " E("mx2"));
	CHECK(w, img, E("alt"), MX, 300, "20 " E("mx3"), "21 " E("mx2"));
	CHECK(w, img, E("alt"), MX, 300, "20 " E("mx3"), "21 " E("mx2"));
	CHECK(w, img, E("_smtp._tcp"), SRV, 300, "10 0 25 " E("mx1"), "11 0 25 " E("mx2"));
	CHECK(w, img, E("_smtp._tcp"), SRV, 300, "10 0 25 " E("mx1"), "11 0 25 " E("mx2"));

	STEP(&img, "version 3: down MX2.EDIT.TEST.: 3 members in 3 pools", "down",
	     "MX2.EDIT.TEST.");
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx3"));
	CHECK(w, img, E("alt"), MX, 300, "20 " E("mx3"));
	CHECK(w, img, E("_smtp._tcp"), SRV, 300, "10 0 25 " E("mx1"));

	/* up ends the down only: drained again */
	STEP(&img,
	     "version 4: up mx2.edit.test: 3 members in 3 pools; still drained in 3 (undrain ends "
	     "a drain)",
	     "up", "mx2.edit.test");
	CHECK(w, img, E("alt"), MX, 300, "20 " E("mx3"), "21 " E("mx2"));
	CHECK(w, img, E("_smtp._tcp"), SRV, 300, "10 0 25 " E("mx1"), "11 0 25 " E("mx2"));

	STEP(&img, "version 5: undrain mx2.edit.test: 3 members in 3 pools", "undrain",
	     "mx2.edit.test");
	t_worker_free(w);
	w = t_worker(img, 0, 1);
	check_apex3(__LINE__, w, img, 0);
	CHECK(w, img, E("alt"), MX, 300, "10 " E("mx2"), "20 " E("mx3"));
	CHECK(w, img, E("_smtp._tcp"), SRV, 300, "10 0 25 " E("mx1"), "11 0 25 " E("mx2"));
	CHECK(w, img, E("_smtp._tcp"), SRV, 300, "10 0 25 " E("mx2"), "11 0 25 " E("mx1"));
	t_worker_free(w);
	free_image(img);
}

/* An address reaches every A (or AAAA) pool holding it, in any spelling. */
Test(edit_state, address_in_many_pools)
{
	struct mxlb_image *img = load();
	const struct mxlb_cpool *v6 = pool(img, E("v6"), AAAA), *v6b = pool(img, E("v6b"), AAAA);
	STEP(&img, "version 2: drain 192.0.2.10: 2 members in 2 pools", "drain", "192.0.2.10");
	cr_assert_eq(pool(img, E("v6"), AAAA), v6);
	cr_assert_eq(pool(img, E("v6b"), AAAA), v6b);
	struct mxlb_worker *w = t_worker(img, 0, 1);
	CHECK(w, img, E("addr"), A, 120, "192.0.2.11", "192.0.2.10");
	CHECK(w, img, E("addr"), A, 120, "192.0.2.11", "192.0.2.10");
	CHECK(w, img, E("addr2"), A, 120, "192.0.2.12", "192.0.2.10");

	const struct mxlb_cpool *addr = pool(img, E("addr"), A);
	STEP(&img, "version 3: down 2001:0db8:0:0:0:0:0:10: 2 members in 2 pools", "down",
	     "2001:0db8:0:0:0:0:0:10");
	cr_assert_eq(pool(img, E("addr"), A), addr);
	CHECK(w, img, E("v6"), AAAA, 120, "2001:db8::11");
	CHECK(w, img, E("v6b"), AAAA, 120, "2001:db8::12");
	CHECK(w, img, E("v6"), AAAA, 120, "2001:db8::11");

	STEP(&img, "version 4: up 2001:db8::10: 2 members in 2 pools", "up", "2001:db8::10");
	t_worker_free(w);
	w = t_worker(img, 0, 1);
	CHECK(w, img, E("v6"), AAAA, 120, "2001:db8::10", "2001:db8::11");
	CHECK(w, img, E("v6"), AAAA, 120, "2001:db8::11", "2001:db8::10");
	CHECK(w, img, E("v6b"), AAAA, 120, "2001:db8::10", "2001:db8::12");
	t_worker_free(w);
	free_image(img);
}

/* ======================================================================
 * Answer counts and the schedule preview.
 * ====================================================================== */

static void expect_served(const struct mxlb_cpool *p, const char *const *rd, const uint64_t *count,
			  size_t n, int line)
{
	cr_assert_eq(p->nmembers, n, "line %d: %u members", line, p->nmembers);
	for (size_t i = 0; i < n; i++) {
		uint64_t got = mxlb_pool_served(p, member(p, rd[i]));
		cr_assert_eq(got, count[i], "line %d: %s served %llu, expected %llu", line, rd[i],
			     (unsigned long long)got, (unsigned long long)count[i]);
	}
}

#define SERVED(p, rd, ...)                                                                         \
	do {                                                                                       \
		static const uint64_t c_[] = {__VA_ARGS__};                                        \
		cr_assert_eq(T_N(c_), T_N(rd));                                                    \
		expect_served(p, rd, c_, T_N(c_), __LINE__);                                       \
	} while (0)

static const char *const mx123[] = {E("10 mx1"), E("10 mx2"), E("10 mx3")};
static const char *const mx1234[] = {E("10 mx1"), E("10 mx2"), E("10 mx3"), E("10 mx4")};
static const char *const mx134[] = {E("10 mx1"), E("10 mx3"), E("10 mx4")};

/* Served counts per member carry across versions: at build time from the
 * old pool, and once the old version is retired (mxlb_pool_settle) with the
 * answers it gave after the new one was built. */
Test(edit_count, served_carries_over)
{
	struct mxlb_image *img = load();
	struct mxlb_worker *w = t_worker(img, 0, 1);
	SERVED(pool(img, APEX, MX), mx123, 0, 0, 0);
	check_apex3(__LINE__, w, img, 0); /* mx1 */
	check_apex3(__LINE__, w, img, 1); /* mx2 */
	SERVED(pool(img, APEX, MX), mx123, 1, 1, 0);

	struct mxlb_image *next = APPLY(img, NULL, "member", "add", APEX, "MX", "10 mx4");
	SERVED(pool(next, APEX, MX), mx1234, 1, 1, 0, 0);
	CHECK(w, next, APEX, MX, 300, "10 " E("mx3"), "11 " E("mx4"), "11 " E("mx1"),
	      "11 " E("mx2"));
	CHECK(w, next, APEX, MX, 300, "10 " E("mx4"), "11 " E("mx1"), "11 " E("mx2"),
	      "11 " E("mx3"));
	CHECK(w, next, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx2"), "11 " E("mx3"),
	      "11 " E("mx4"));
	SERVED(pool(next, APEX, MX), mx1234, 2, 1, 1, 1);
	/* one more answer from the old version, before it is retired */
	check_apex3(__LINE__, w, img, 2); /* mx3 */
	SERVED(pool(img, APEX, MX), mx123, 1, 1, 1);
	publish(img, next);
	img = next;
	SERVED(pool(img, APEX, MX), mx1234, 2, 1, 2, 1);

	/* mx2 leaves: the others keep their counts; counter 1 selects mx3 */
	STEP(&img, NULL, "member", "del", APEX, "MX", "10 mx2");
	SERVED(pool(img, APEX, MX), mx134, 2, 2, 1);
	CHECK(w, img, APEX, MX, 300, "10 " E("mx3"), "11 " E("mx4"), "11 " E("mx1"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx4"), "11 " E("mx1"), "11 " E("mx3"));
	SERVED(pool(img, APEX, MX), mx134, 2, 3, 2);
	/* a drained member keeps its count and gains nothing */
	STEP(&img, NULL, "drain", E("mx4"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx3"), "12 " E("mx4"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx3"), "11 " E("mx1"), "12 " E("mx4"));
	SERVED(pool(img, APEX, MX), mx134, 3, 4, 2);
	t_worker_free(w);
	free_image(img);
}

/* The counts add up over every worker's stripe, and each worker's counter
 * carries over on its own. Worker 0 of 2 starts at turn 0, worker 1 at
 * (1 * 3) / 2 = 1. */
Test(edit_count, served_over_workers)
{
	struct mxlb_image *img = load();
	struct mxlb_worker *w0 = t_worker(img, 0, 2), *w1 = t_worker(img, 1, 2);
	check_apex3(__LINE__, w0, img, 0); /* mx1 */
	check_apex3(__LINE__, w1, img, 1); /* mx2 */
	check_apex3(__LINE__, w0, img, 1); /* mx2 */
	check_apex3(__LINE__, w1, img, 2); /* mx3 */
	SERVED(pool(img, APEX, MX), mx123, 1, 2, 1);
	STEP(&img, NULL, "member", "add", APEX, "MX", "10 mx4");
	/* w0 at 2, w1 at 0 */
	CHECK(w0, img, APEX, MX, 300, "10 " E("mx3"), "11 " E("mx4"), "11 " E("mx1"),
	      "11 " E("mx2"));
	CHECK(w1, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx2"), "11 " E("mx3"),
	      "11 " E("mx4"));
	CHECK(w1, img, APEX, MX, 300, "10 " E("mx2"), "11 " E("mx3"), "11 " E("mx4"),
	      "11 " E("mx1"));
	SERVED(pool(img, APEX, MX), mx1234, 2, 3, 2, 0);
	t_worker_free(w0);
	t_worker_free(w1);
	free_image(img);
}

/* A member's count is its own: 192.0.2.97 does not inherit the count of
 * 192.0.2.65 (RDATA that differ only by 0x20 in one octet). */
Test(edit_count, served_by_exact_rdata)
{
	struct mxlb_image *img = load_opts("edit_fold.zone", NULL);
	struct mxlb_worker *w = t_worker(img, 0, 1);
	CHECK(w, img, "f1.fold.test.", A, 120, "192.0.2.65", "192.0.2.66");
	STEP(&img, NULL, "member", "add", "f1.fold.test.", "A", "192.0.2.97");
	static const char *const f1[] = {"192.0.2.65", "192.0.2.66", "192.0.2.97"};
	const struct mxlb_cpool *p = pool(img, "f1.fold.test.", A);
	cr_assert_eq(p->nmembers, 3);
	for (uint16_t m = 0; m < 3; m++) {
		char text[64];
		mxlb_edit_rdata_text(A, p->rdata + p->members[m].rdata, p->members[m].rdlen, text,
				     sizeof(text));
		cr_assert_str_eq(text, f1[m]);
		uint64_t got = mxlb_pool_served(p, m);
		cr_assert_eq(got, m == 0 ? 1 : 0, "%s served %llu, expected %d", f1[m],
			     (unsigned long long)got, m == 0 ? 1 : 0);
	}
	t_worker_free(w);
	free_image(img);
}

/* mxlb_pool_preview: exactly the members the worker then selects. */
Test(edit_count, preview_matches_selection)
{
	struct mxlb_image *img = load();
	const struct mxlb_cpool *p = pool(img, APEX, MX);
	uint16_t out[16];
	static const uint16_t fresh[] = {0, 1, 2, 0, 1, 2, 0};
	mxlb_pool_preview(p, 0, 1, 7, out);
	cr_assert_arr_eq(out, fresh, sizeof(fresh));
	/* worker 1 of 2, before its first answer: from turn (1 * 3) / 2 = 1 */
	static const uint16_t w1[] = {1, 2, 0, 1};
	mxlb_pool_preview(p, 1, 2, 4, out);
	cr_assert_arr_eq(out, w1, sizeof(w1));
	struct mxlb_worker *w = t_worker(img, 1, 2);
	for (size_t k = 0; k < 4; k++)
		check_apex3(__LINE__, w, img, w1[k]);
	t_worker_free(w);

	w = t_worker(img, 0, 1);
	check_apex3(__LINE__, w, img, 0);
	check_apex3(__LINE__, w, img, 1);
	STEP(&img, NULL, "member", "add", APEX, "MX", "10 mx4");
	p = pool(img, APEX, MX);
	static const uint16_t after[] = {2, 3, 0, 1, 2, 3, 0};
	mxlb_pool_preview(p, 0, 1, 7, out);
	cr_assert_arr_eq(out, after, sizeof(after));
	for (size_t k = 0; k < T_N(after); k++) {
		struct t_query q = {.name = APEX, .type = MX};
		struct t_resp r;
		t_ask(&r, w, img, &q);
		t_expect_header(&r, LDNS_RCODE_NOERROR, true, false);
		ldns_rr_list *an = ldns_pkt_answer(r.pkt);
		cr_assert_eq(ldns_rr_list_rr_count(an), 4);
		char first[128];
		snprintf(first, sizeof(first), "%s", t_rdata_str(ldns_rr_list_rr(an, 0)));
		cr_assert_str_eq(first, mx1234[after[k]], "answer %zu selected %s, preview said %s",
				 k, first, mx1234[after[k]]);
		t_free(&r);
	}

	/* weights 3, 1: the preview is the smooth WRR sequence */
	STEP(&img, NULL, "weight", E("wt"), "MX", "10 wa.out.test.", "3");
	static const uint16_t wt[] = {0, 0, 1, 0, 0, 0, 1, 0};
	mxlb_pool_preview(pool(img, E("wt"), MX), 0, 1, 8, out);
	cr_assert_arr_eq(out, wt, sizeof(wt));
	/* drained members are never previewed */
	STEP(&img, NULL, "drain", E("mx2"));
	p = pool(img, APEX, MX);
	mxlb_pool_preview(p, 0, 1, 6, out);
	uint16_t m2 = member(p, E("10 mx2"));
	for (size_t k = 0; k < 6; k++)
		cr_assert_neq(out[k], m2, "preview %zu selects the drained mx2", k);
	t_worker_free(w);
	free_image(img);
}
