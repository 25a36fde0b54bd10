/* Control changes through the engine API (edit.h, DESIGN §2-3 and §5):
 * validation refusals that leave the image untouched, and applied changes
 * whose new version answers as the schedule semantics say.
 *
 * Zone: tests/unit/data/edit.zone (its header lists the pools). One worker
 * (index 0 of 1) unless said otherwise: a pool's k-th answer on a fresh worker
 * selects schedule[k % len], and the counter of a rebuilt pool carries over
 * from the version it replaces (the worker's stripe is copied), so that the
 * selection continues with schedule[c % len] (DESIGN §3).
 *
 * Prefer mode (default for MX and SRV): the selected member shows the group's
 * preference P, the other up members of its group P + 1 in the order they
 * follow the selected one (member order, around the ring), the fallback
 * groups their own values, drained members after every up member with one
 * more than the largest value shown. Rotate (default for A/AAAA): the up
 * members from the selected one on, drained ones after them. Every answer is
 * checked by parsing the response with ldns. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "edit_fixture.h"

/* ======================================================================
 * Refusals: the right negative errno, a message naming the problem, and
 * nothing applied: *next NULL, version, pools, members and refs unchanged,
 * and the image answers exactly as before.
 * ====================================================================== */

struct snap {
	uint64_t version;
	uint32_t npools;
	struct {
		const struct mxlb_cpool *p;
		uint32_t len;
		uint16_t nmembers;
		uint8_t failopen;
		uint8_t flags[16];
		uint16_t weight[16];
	} pool[32];
	uint32_t nrefs;
	uint32_t refs[512];
};

static void take_snap(const struct mxlb_image *img, struct snap *s)
{
	memset(s, 0, sizeof(*s));
	s->version = img->version;
	s->npools = img->npools;
	cr_assert_leq(img->npools, T_N(s->pool));
	for (uint32_t i = 0; i < img->npools; i++) {
		const struct mxlb_cpool *p = img->pools[i];
		s->pool[i].p = p;
		s->pool[i].len = p->len;
		s->pool[i].nmembers = p->nmembers;
		s->pool[i].failopen = p->failopen;
		cr_assert_leq(p->nmembers, 16);
		for (uint16_t m = 0; m < p->nmembers; m++) {
			s->pool[i].flags[m] = p->members[m].flags;
			s->pool[i].weight[m] = p->members[m].weight;
		}
	}
	s->nrefs = img->base->nrefs;
	cr_assert_leq(s->nrefs, T_N(s->refs));
	for (uint32_t i = 0; i < s->nrefs; i++)
		s->refs[i] = img->refs[i].val;
}

static void same_snap(int line, const struct mxlb_image *img, const struct snap *s)
{
	cr_assert_eq(img->version, s->version, "line %d: version changed", line);
	cr_assert_eq(img->npools, s->npools, "line %d: pool count changed", line);
	for (uint32_t i = 0; i < img->npools; i++) {
		const struct mxlb_cpool *p = img->pools[i];
		cr_assert_eq(p, s->pool[i].p, "line %d: pool %u replaced", line, i);
		cr_assert_eq(p->len, s->pool[i].len, "line %d: pool %u schedule changed", line, i);
		cr_assert_eq(p->nmembers, s->pool[i].nmembers, "line %d: pool %u members", line, i);
		cr_assert_eq(p->failopen, s->pool[i].failopen, "line %d: pool %u fail-open", line,
			     i);
		for (uint16_t m = 0; m < p->nmembers; m++) {
			cr_assert_eq(p->members[m].flags, s->pool[i].flags[m],
				     "line %d: pool %u member %u flags", line, i, m);
			cr_assert_eq(p->members[m].weight, s->pool[i].weight[m],
				     "line %d: pool %u member %u weight", line, i, m);
		}
	}
	cr_assert_eq(img->base->nrefs, s->nrefs);
	for (uint32_t i = 0; i < s->nrefs; i++)
		cr_assert_eq(img->refs[i].val, s->refs[i], "line %d: ref %u changed", line, i);
}

struct rf {
	struct mxlb_image *img;
	struct mxlb_worker *w;
	size_t k; /* answers given from the apex pool */
	struct snap s;
};

static void rf_init(struct rf *f)
{
	f->img = load();
	f->w = t_worker(f->img, 0, 1);
	f->k = 0;
	take_snap(f->img, &f->s);
	check_apex3(__LINE__, f->w, f->img, f->k++);
}

static void rf_fini(struct rf *f)
{
	t_worker_free(f->w);
	free_image(f->img);
}

static void refuse_at(int line, struct rf *f, int rc, const char *sub, int argc,
		      const char *const *argv)
{
	char msg[512];
	struct mxlb_image *next;
	int got = apply(f->img, &next, msg, sizeof(msg), argc, argv);
	cr_assert_eq(got, rc, "line %d: %s: rc %d, expected %d; message '%s'", line,
		     joined(argc, argv), got, rc, msg);
	cr_assert(strstr(msg, sub) != NULL, "line %d: %s: message '%s' does not contain '%s'", line,
		  joined(argc, argv), msg, sub);
	same_snap(line, f->img, &f->s);
	/* still answers as before: the apex sequence goes on, the single stays */
	check_apex3(line, f->w, f->img, f->k++);
	const char *one[] = {"192.0.2.50"};
	check_at(line, f->w, f->img, E("one"), A, 120, 1, one);
}

#define REFUSE(f, rc, sub, ...)                                                                    \
	refuse_at(__LINE__, f, rc, sub, NARG(__VA_ARGS__), ARGV(__VA_ARGS__))

Test(edit_refuse, unknown_zone)
{
	struct rf f;
	rf_init(&f);
	REFUSE(&f, -ENOENT, "unknown zone", "member", "add", "nosuch.example.", "MX",
	       "10 mx1.nosuch.example.");
	REFUSE(&f, -ENOENT, "unknown zone", "member", "del", "example.net.", "MX",
	       "10 mx1.example.net.");
	REFUSE(&f, -ENOENT, "unknown zone", "weight", "test.", "MX", "10 mx1.edit.test.", "2");
	/* the parent of the apex is not in the zone */
	REFUSE(&f, -ENOENT, "unknown zone", "member", "add", "test.", "A", "192.0.2.1");
	rf_fini(&f);
}

Test(edit_refuse, unknown_owner)
{
	struct rf f;
	rf_init(&f);
	REFUSE(&f, -ENOENT, "no owner nope.edit.test. in zone edit.test.", "member", "add",
	       "nope.edit.test.", "MX", "10 mx1");
	REFUSE(&f, -ENOENT, "no owner a.b.edit.test. in zone edit.test.", "member", "del",
	       "a.b.edit.test.", "A", "192.0.2.10");
	rf_fini(&f);
}

Test(edit_refuse, not_a_pool_type)
{
	struct rf f;
	rf_init(&f);
	REFUSE(&f, -EINVAL, "TXT is not a pool type", "member", "add", E("txt"), "TXT",
	       "\"second\"");
	REFUSE(&f, -EINVAL, "NS is not a pool type", "member", "add", APEX, "NS", "ns2");
	REFUSE(&f, -EINVAL, "SOA is not a pool type", "member", "del", APEX, "SOA",
	       "ns1 admin 1 3600 600 86400 300");
	REFUSE(&f, -EINVAL, "FOO is not a pool type", "weight", APEX, "FOO", "10 mx1", "2");
	rf_fini(&f);
}

Test(edit_refuse, malformed_rdata)
{
	struct rf f;
	rf_init(&f);
	REFUSE(&f, -EINVAL, "malformed MX RDATA 'ten mx4'", "member", "add", APEX, "MX", "ten mx4");
	REFUSE(&f, -EINVAL, "malformed MX RDATA", "member", "add", APEX, "MX", "10");
	REFUSE(&f, -EINVAL, "malformed MX RDATA", "member", "add", APEX, "MX", "");
	REFUSE(&f, -EINVAL, "malformed MX RDATA", "member", "add", APEX, "MX", "10 mx4 extra");
	REFUSE(&f, -EINVAL, "malformed A RDATA '192.0.2.300'", "member", "add", E("addr"), "A",
	       "192.0.2.300");
	REFUSE(&f, -EINVAL, "malformed A RDATA", "member", "add", E("addr"), "A", "192.0.2");
	REFUSE(&f, -EINVAL, "malformed AAAA RDATA", "member", "add", E("v6"), "AAAA",
	       "2001:db8::zz");
	REFUSE(&f, -EINVAL, "malformed SRV RDATA", "member", "add", E("_smtp._tcp"), "SRV",
	       "10 0 mx4");
	REFUSE(&f, -EINVAL, "malformed MX RDATA", "member", "del", APEX, "MX", "x mx1");
	REFUSE(&f, -EINVAL, "malformed MX RDATA", "weight", APEX, "MX", "mx1", "2");
	REFUSE(&f, -EINVAL, "malformed owner name", "member", "add", "a..edit.test.", "MX",
	       "10 mx4");
	rf_fini(&f);
}

/* An MX preference is a 16-bit number (RFC 1035 §3.3.9): 70000 is not one.
 * (ldns reads it as 70000 mod 65536 = 4464.) */
Test(edit_refuse, preference_out_of_range)
{
	struct rf f;
	rf_init(&f);
	REFUSE(&f, -EINVAL, "malformed MX RDATA", "member", "add", APEX, "MX", "70000 mx4");
	rf_fini(&f);
}

Test(edit_refuse, owner_without_that_rrset)
{
	struct rf f;
	rf_init(&f);
	REFUSE(&f, -ENOENT, "edit.test. has no SRV records", "member", "add", APEX, "SRV",
	       "10 0 25 mx1");
	REFUSE(&f, -ENOENT, "mx1.edit.test. has no AAAA records", "member", "add", E("mx1"), "AAAA",
	       "2001:db8::1");
	/* an empty non-terminal exists but holds nothing */
	REFUSE(&f, -ENOENT, "_tcp.edit.test. has no SRV records", "member", "add", E("_tcp"), "SRV",
	       "10 0 25 mx1");
	REFUSE(&f, -ENOENT, "txt.edit.test. has no MX records", "weight", E("txt"), "MX", "10 mx1",
	       "2");
	rf_fini(&f);
}

Test(edit_refuse, duplicate_member)
{
	struct rf f;
	rf_init(&f);
	REFUSE(&f, -EEXIST, "edit.test. MX already has member 10 mx1", "member", "add", APEX, "MX",
	       "10 mx1");
	REFUSE(&f, -EEXIST, "already has member", "member", "add", APEX, "MX", "10 mx2.edit.test.");
	REFUSE(&f, -EEXIST, "already has member", "member", "add", APEX, "MX", "10 mx3", "--weight",
	       "2");
	REFUSE(&f, -EEXIST, "already has member", "member", "add", E("addr"), "A", "192.0.2.11");
	REFUSE(&f, -EEXIST, "already has member", "member", "add", E("v6"), "AAAA",
	       "2001:0db8:0:0:0:0:0:10");
	/* a one-record RRset: its record is a member too */
	REFUSE(&f, -EEXIST, "already has member", "member", "add", E("one"), "A", "192.0.2.50");
	rf_fini(&f);
}

/* Names compare case-insensitively (RFC 4343 §3): 10 MX1.EDIT.TEST. is the
 * record 10 mx1.edit.test. the pool already has; adding it would list mx1
 * twice. */
Test(edit_refuse, duplicate_member_other_case)
{
	struct rf f;
	rf_init(&f);
	REFUSE(&f, -EEXIST, "already has member", "member", "add", APEX, "MX", "10 MX1.EDIT.TEST.");
	rf_fini(&f);
}

Test(edit_refuse, remove_non_member)
{
	struct rf f;
	rf_init(&f);
	REFUSE(&f, -ENOENT, "edit.test. MX has no member 10 mx4", "member", "del", APEX, "MX",
	       "10 mx4");
	/* the same host with another preference is another record */
	REFUSE(&f, -ENOENT, "has no member 20 mx1", "member", "del", APEX, "MX", "20 mx1");
	REFUSE(&f, -ENOENT, "has no member 192.0.2.12", "member", "del", E("addr"), "A",
	       "192.0.2.12");
	REFUSE(&f, -ENOENT, "has no member 10 mx9", "weight", APEX, "MX", "10 mx9", "2");
	REFUSE(&f, -ENOENT, "has no member 192.0.2.51", "member", "del", E("one"), "A",
	       "192.0.2.51");
	rf_fini(&f);
}

Test(edit_refuse, remove_last_member)
{
	struct rf f;
	rf_init(&f);
	REFUSE(&f, -EPERM, "last member", "member", "del", E("solo"), "MX", "10 mx1");
	REFUSE(&f, -EPERM, "last member", "member", "del", E("one"), "A", "192.0.2.50");
	rf_fini(&f);
}

/* A pool shrunk to one member keeps it. */
Test(edit_refuse, remove_last_member_of_shrunk_pool)
{
	struct mxlb_image *img = load();
	STEP(&img, "version 2: removed from addr.edit.test. A 192.0.2.10: 1 member", "member",
	     "del", E("addr"), "A", "192.0.2.10");
	char msg[512];
	struct mxlb_image *next;
	struct snap s;
	take_snap(img, &s);
	int rc = apply(img, &next, msg, sizeof(msg), 5,
		       ARGV("member", "del", E("addr"), "A", "192.0.2.11"));
	cr_assert_eq(rc, -EPERM, "rc %d: %s", rc, msg);
	cr_assert(strstr(msg, "cannot remove 192.0.2.11: the last member of addr.edit.test. A"),
		  "message '%s'", msg);
	same_snap(__LINE__, img, &s);
	struct mxlb_worker *w = t_worker(img, 0, 1);
	for (int k = 0; k < 2; k++)
		CHECK(w, img, E("addr"), A, 120, "192.0.2.11");
	t_worker_free(w);
	free_image(img);
}

Test(edit_refuse, bad_weights)
{
	struct rf f;
	rf_init(&f);
	static const char *const bad[] = {"0",
					  "1001",
					  "x",
					  "",
					  "3x",
					  "-1",
					  "65537",
					  "2.5",
					  " 5",
					  "+5",
					  "5 ",
					  "0x5",
					  "99999999999999999999"};
	for (size_t i = 0; i < T_N(bad); i++) {
		char sub[128];
		snprintf(sub, sizeof(sub), "weight must be an integer from 1 to 1000, not '%s'",
			 bad[i]);
		refuse_at(__LINE__, &f, -EINVAL, sub, 5,
			  ARGV("weight", APEX, "MX", "10 mx1", bad[i]));
		refuse_at(__LINE__, &f, -EINVAL, sub, 7,
			  ARGV("member", "add", APEX, "MX", "10 mx4", "--weight", bad[i]));
	}
	/* weights belong to pools */
	REFUSE(&f, -EINVAL, "one record", "weight", E("solo"), "MX", "10 mx1", "2");
	rf_fini(&f);
}

Test(edit_refuse, word_counts)
{
	struct rf f;
	rf_init(&f);
	REFUSE(&f, -EINVAL, "usage: member add|del", "member");
	REFUSE(&f, -EINVAL, "usage: member add|del", "member", "frob", APEX, "MX", "10 mx4");
	REFUSE(&f, -EINVAL, "usage: member add", "member", "add", APEX, "MX");
	REFUSE(&f, -EINVAL, "usage: member add", "member", "add", APEX, "MX", "10 mx4", "x");
	REFUSE(&f, -EINVAL, "usage: member add", "member", "add", APEX, "MX", "10 mx4", "--weight");
	REFUSE(&f, -EINVAL, "usage: member add", "member", "add", APEX, "MX", "10 mx4", "--wait",
	       "2");
	REFUSE(&f, -EINVAL, "usage: member add", "member", "add", APEX, "MX", "10 mx4", "--weight",
	       "2", "3");
	REFUSE(&f, -EINVAL, "usage: member del", "member", "del", APEX, "MX");
	REFUSE(&f, -EINVAL, "usage: member del", "member", "del", APEX, "MX", "10 mx1", "x");
	REFUSE(&f, -EINVAL, "usage: weight", "weight", APEX, "MX", "10 mx1");
	REFUSE(&f, -EINVAL, "usage: weight", "weight", APEX, "MX", "10 mx1", "2", "3");
	REFUSE(&f, -EINVAL, "usage: drain", "drain");
	REFUSE(&f, -EINVAL, "usage: undrain", "undrain");
	REFUSE(&f, -EINVAL, "usage: down", "down", E("mx1"), E("mx2"));
	REFUSE(&f, -EINVAL, "usage: up", "up");
	REFUSE(&f, -EINVAL, "'status' is not a change", "status");
	REFUSE(&f, -EINVAL, "'zone' is not a change", "zone", "reload");
	rf_fini(&f);
}

Test(edit_refuse, no_words)
{
	struct rf f;
	rf_init(&f);
	char msg[512];
	struct mxlb_image *next;
	int rc = apply(f.img, &next, msg, sizeof(msg), 0, ARGV(NULL));
	cr_assert_eq(rc, -EINVAL);
	cr_assert(strstr(msg, "is not a change"), "message '%s'", msg);
	same_snap(__LINE__, f.img, &f.s);
	rf_fini(&f);
}

Test(edit_refuse, host_no_pool_has)
{
	struct rf f;
	rf_init(&f);
	REFUSE(&f, -ENOENT, "no pool has a member nosuch.edit.test.", "drain", "nosuch.edit.test.");
	/* mx4 is in the zone but in no pool; solo's one MX record is no pool */
	REFUSE(&f, -ENOENT, "no pool has a member mx4.edit.test.", "down", E("mx4"));
	/* an exchange name is no A member, an address no MX member */
	REFUSE(&f, -ENOENT, "no pool has a member 198.51.100.1", "drain", "198.51.100.1");
	REFUSE(&f, -ENOENT, "no pool has a member 2001:db8::99", "up", "2001:db8::99");
	REFUSE(&f, -ENOENT, "no pool has a member 192.0.2.50", "undrain", "192.0.2.50");
	REFUSE(&f, -EINVAL, "'a..b' is neither a host name nor an address", "drain", "a..b");
	rf_fini(&f);
}

/* RDATA is compared as octets: only the names in it fold case. 192.0.2.97
 * (octet 0x61, 'a') is not 192.0.2.65 (0x41, 'A'). */
Test(edit_refuse, address_is_not_case_folded)
{
	struct mxlb_image *img = load_opts("edit_fold.zone", NULL);
	struct mxlb_worker *w = t_worker(img, 0, 1);
	struct snap s;
	take_snap(img, &s);
	static const char *const cmds[][6] = {
	    {"member", "del", "f1.fold.test.", "A", "192.0.2.97"},
	    {"weight", "f1.fold.test.", "A", "192.0.2.98", "3"},
	};
	static const int argc[] = {5, 5};
	for (size_t i = 0; i < T_N(cmds); i++) {
		char msg[512];
		struct mxlb_image *next;
		int rc = apply(img, &next, msg, sizeof(msg), argc[i], cmds[i]);
		if (rc == MXLB_EDIT_APPLIED) {
			const struct mxlb_cpool *p = pool(next, "f1.fold.test.", A);
			cr_assert_fail("%s applied to f1 = {192.0.2.65, 192.0.2.66}: '%s' (now %u "
				       "members, weights %u %u)",
				       joined(argc[i], cmds[i]), msg, p->nmembers,
				       p->members[0].weight,
				       p->nmembers > 1 ? p->members[1].weight : 0);
		}
		cr_assert_eq(rc, -ENOENT, "%s: rc %d, message '%s'", joined(argc[i], cmds[i]), rc,
			     msg);
		cr_assert(strstr(msg, "has no member"), "message '%s'", msg);
		same_snap(__LINE__, img, &s);
	}
	CHECK(w, img, "f1.fold.test.", A, 120, "192.0.2.65", "192.0.2.66");
	t_worker_free(w);
	free_image(img);
}

/* ======================================================================
 * Applied member changes.
 * ====================================================================== */

/* After two answers (mx1, mx2) from the 3-pool, mx4 joins: the counter (2)
 * carries over, so the next selections are mx3, mx4, mx1, mx2. The old
 * version, still readable until retired, answers from its own pool. */
Test(edit_apply, member_add_joins_sequence)
{
	struct mxlb_image *img = load();
	struct mxlb_worker *w = t_worker(img, 0, 1);
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx2"), "11 " E("mx3"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx2"), "11 " E("mx3"), "11 " E("mx1"));

	struct mxlb_image *next = APPLY(img, "version 2: added to edit.test. MX 10 mx4: 4 members",
					"member", "add", APEX, "MX", "10 mx4");
	const struct mxlb_cpool *po = pool(img, APEX, MX), *pn = pool(next, APEX, MX);
	cr_assert_neq(po, pn);
	cr_assert_eq(po->nmembers, 3);
	cr_assert_eq(pn->nmembers, 4);
	cr_assert_eq(pn->len, 4);
	cr_assert_eq(member(pn, "10 mx4.edit.test."), 3, "the new member comes last");
	/* every other pool is shared with the old version */
	cr_assert_eq(next->npools, img->npools);
	for (uint32_t i = 0; i < img->npools; i++)
		if (img->pools[i] != po)
			cr_assert_eq(next->pools[i], img->pools[i], "pool %u not shared", i);

	CHECK(w, next, APEX, MX, 300, "10 " E("mx3"), "11 " E("mx4"), "11 " E("mx1"),
	      "11 " E("mx2"));
	CHECK(w, next, APEX, MX, 300, "10 " E("mx4"), "11 " E("mx1"), "11 " E("mx2"),
	      "11 " E("mx3"));
	/* the old version is unchanged and keeps its own counter (2) */
	CHECK(w, img, APEX, MX, 300, "10 " E("mx3"), "11 " E("mx1"), "11 " E("mx2"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx2"), "11 " E("mx3"));
	CHECK(w, img, E("alt"), MX, 300, "10 " E("mx2"), "20 " E("mx3"));

	publish(img, next);
	img = next;
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx2"), "11 " E("mx3"),
	      "11 " E("mx4"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx2"), "11 " E("mx3"), "11 " E("mx4"),
	      "11 " E("mx1"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx3"), "11 " E("mx4"), "11 " E("mx1"),
	      "11 " E("mx2"));
	t_worker_free(w);
	free_image(img);
}

/* The owner may be written without the final dot, as in the contract's
 * example (mxlbctl member add example.net MX "10 mx5.example.net."), and
 * relative names in RDATA are completed with the zone's apex. */
Test(edit_apply, member_add_owner_without_dot)
{
	struct mxlb_image *img = load();
	STEP(&img, "version 2: added to edit.test. MX 10 mx5.edit.test.: 4 members", "member",
	     "add", "edit.test", "MX", "10 mx5.edit.test.");
	STEP(&img, "version 3: added to alt.edit.test. MX 30 mx4: 3 members", "member", "add",
	     "ALT.Edit.Test", "MX", "30 mx4");
	struct mxlb_worker *w = t_worker(img, 0, 1);
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx2"), "11 " E("mx3"),
	      "11 " E("mx5"));
	CHECK(w, img, E("alt"), MX, 300, "10 " E("mx2"), "20 " E("mx3"), "30 " E("mx4"));
	t_worker_free(w);
	free_image(img);
}

/* Weights 1, 1, 1, 2: smooth WRR gives 3, 0, 1, 2, 3 (mx4 leads). */
Test(edit_apply, member_add_with_weight)
{
	struct mxlb_image *img = load();
	STEP(&img, "version 2: added to edit.test. MX 10 mx4: 4 members", "member", "add", APEX,
	     "MX", "10 mx4", "--weight", "2");
	const struct mxlb_cpool *p = pool(img, APEX, MX);
	cr_assert_eq(p->members[member(p, "10 mx4.edit.test.")].weight, 2);
	cr_assert_eq(p->members[member(p, "10 mx1.edit.test.")].weight, 1);
	cr_assert_eq(p->len, 5);
	struct mxlb_worker *w = t_worker(img, 0, 1);
	for (int round = 0; round < 2; round++) {
		CHECK(w, img, APEX, MX, 300, "10 " E("mx4"), "11 " E("mx1"), "11 " E("mx2"),
		      "11 " E("mx3"));
		CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx2"), "11 " E("mx3"),
		      "11 " E("mx4"));
		CHECK(w, img, APEX, MX, 300, "10 " E("mx2"), "11 " E("mx3"), "11 " E("mx4"),
		      "11 " E("mx1"));
		CHECK(w, img, APEX, MX, 300, "10 " E("mx3"), "11 " E("mx4"), "11 " E("mx1"),
		      "11 " E("mx2"));
		CHECK(w, img, APEX, MX, 300, "10 " E("mx4"), "11 " E("mx1"), "11 " E("mx2"),
		      "11 " E("mx3"));
	}
	t_worker_free(w);
	free_image(img);
}

/* A member in a new preference value: a new fallback group. 11 leaves no
 * free value between the groups, so the pool's preferences are remapped to
 * 10, 20 keeping their order (DESIGN §3). */
Test(edit_apply, member_add_new_group)
{
	struct mxlb_image *img = load();
	STEP(&img, NULL, "member", "add", APEX, "MX", "20 mx4");
	struct mxlb_worker *w = t_worker(img, 0, 1);
	cr_assert_eq(pool(img, APEX, MX)->remapped, 0);
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx2"), "11 " E("mx3"),
	      "20 " E("mx4"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx2"), "11 " E("mx3"), "11 " E("mx1"),
	      "20 " E("mx4"));
	STEP(&img, NULL, "member", "del", APEX, "MX", "20 mx4");
	STEP(&img, NULL, "member", "add", APEX, "MX", "11 mx4");
	cr_assert_eq(pool(img, APEX, MX)->remapped, 1);
	t_worker_free(w);
	w = t_worker(img, 0, 1);
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx2"), "11 " E("mx3"),
	      "20 " E("mx4"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx2"), "11 " E("mx3"), "11 " E("mx1"),
	      "20 " E("mx4"));
	t_worker_free(w);
	free_image(img);
}

/* After mx1, mx2 (counter 2), mx2 leaves: [mx1, mx3], and 2 % 2 = 0 selects
 * mx1. Removal finds the member case-insensitively. */
Test(edit_apply, member_del)
{
	struct mxlb_image *img = load();
	struct mxlb_worker *w = t_worker(img, 0, 1);
	check_apex3(__LINE__, w, img, 0);
	check_apex3(__LINE__, w, img, 1);
	STEP(&img, "version 2: removed from edit.test. MX 10 mx2: 2 members", "member", "del", APEX,
	     "MX", "10 mx2");
	cr_assert_lt(member_or_neg(pool(img, APEX, MX), "10 mx2.edit.test."), 0);
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx3"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx3"), "11 " E("mx1"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx3"));
	/* alt and the SRV pool still hold mx2 */
	CHECK(w, img, E("alt"), MX, 300, "10 " E("mx2"), "20 " E("mx3"));
	STEP(&img, "version 3: removed from edit.test. MX 10 MX3.EDIT.TEST.: 1 member", "member",
	     "del", APEX, "MX", "10 MX3.EDIT.TEST.");
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"));
	/* and back */
	STEP(&img, "version 4: added to edit.test. MX 10 mx2: 2 members", "member", "add", APEX,
	     "MX", "10 mx2");
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx2"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx2"), "11 " E("mx1"));
	t_worker_free(w);
	free_image(img);
}

/* Smooth weighted round-robin: weights 3, 1 give 0, 0, 1, 0; weights 3, 2
 * give 0, 1, 0, 1, 0 (each from a fresh worker). */
Test(edit_apply, weight_schedule)
{
	struct mxlb_image *img = load();
	STEP(&img, "version 2: weight set in wt.edit.test. MX 10 wa.out.test.: 2 members", "weight",
	     E("wt"), "MX", "10 wa.out.test.", "3");
	const struct mxlb_cpool *p = pool(img, E("wt"), MX);
	cr_assert_eq(p->members[0].weight, 3);
	cr_assert_eq(p->members[1].weight, 1);
	cr_assert_eq(p->len, 4);
	static const char *const seq31 = "aabaaaba";
	struct mxlb_worker *w = t_worker(img, 0, 1);
	for (size_t k = 0; k < 8; k++) {
		if (seq31[k] == 'a')
			CHECK(w, img, E("wt"), MX, 300, "10 " O("wa"), "11 " O("wb"));
		else
			CHECK(w, img, E("wt"), MX, 300, "10 " O("wb"), "11 " O("wa"));
	}
	t_worker_free(w);

	NOCHANGE(img, "has weight 3 already", "weight", E("wt"), "MX", "10 wa.out.test.", "3");
	cr_assert_eq(img->version, 2);

	STEP(&img, NULL, "weight", E("wt"), "MX", "10 wb.out.test.", "2");
	static const char *const seq32 = "ababaababa";
	w = t_worker(img, 0, 1);
	for (size_t k = 0; k < 10; k++) {
		if (seq32[k] == 'a')
			CHECK(w, img, E("wt"), MX, 300, "10 " O("wa"), "11 " O("wb"));
		else
			CHECK(w, img, E("wt"), MX, 300, "10 " O("wb"), "11 " O("wa"));
	}
	t_worker_free(w);
	free_image(img);
}

Test(edit_apply, swrr_sequences)
{
	uint16_t out[16];
	static const uint16_t w31[] = {3, 1}, w111[] = {1, 1, 1}, w511[] = {5, 1, 1};
	static const uint16_t e31[] = {0, 0, 1, 0}, e111[] = {0, 1, 2},
			      e511[] = {0, 0, 1, 0, 2, 0, 0};
	cr_assert_eq(mxlb_pool_swrr(w31, 2, out), 4);
	cr_assert_arr_eq(out, e31, sizeof(e31));
	cr_assert_eq(mxlb_pool_swrr(w111, 3, out), 3);
	cr_assert_arr_eq(out, e111, sizeof(e111));
	cr_assert_eq(mxlb_pool_swrr(w511, 3, out), 7);
	cr_assert_arr_eq(out, e511, sizeof(e511));
}

/* A one-record RRset that grows to two becomes a pool (DESIGN §2): once
 * committed, the answers rotate. */
Test(edit_apply, single_a_grows_into_pool)
{
	struct mxlb_image *img = load();
	struct mxlb_worker *w = t_worker(img, 0, 1);
	cr_assert_null(pool_or_null(img, E("one"), A));
	CHECK(w, img, E("one"), A, 120, "192.0.2.50");
	uint32_t npools = img->npools;
	struct mxlb_image *next =
	    APPLY(img, "version 2: added to one.edit.test. A 192.0.2.51: 2 members", "member",
		  "add", E("one"), "A", "192.0.2.51");
	cr_assert_eq(next->npools, npools + 1);
	cr_assert_eq(img->npools, npools);
	/* the old version still answers with the one record */
	CHECK(w, img, E("one"), A, 120, "192.0.2.50");
	publish(img, next);
	img = next;
	const struct mxlb_cpool *p = pool(img, E("one"), A);
	cr_assert_eq(p->nmembers, 2);
	cr_assert_eq(p->sharers, 1);
	CHECK(w, img, E("one"), A, 120, "192.0.2.50", "192.0.2.51");
	CHECK(w, img, E("one"), A, 120, "192.0.2.51", "192.0.2.50");
	CHECK(w, img, E("one"), A, 120, "192.0.2.50", "192.0.2.51");
	/* a pool now: weights apply, and it can shrink back to one member */
	STEP(&img, NULL, "weight", E("one"), "A", "192.0.2.51", "2");
	STEP(&img, "version 4: removed from one.edit.test. A 192.0.2.50: 1 member", "member", "del",
	     E("one"), "A", "192.0.2.50");
	CHECK(w, img, E("one"), A, 120, "192.0.2.51");
	CHECK(w, img, E("one"), A, 120, "192.0.2.51");
	t_worker_free(w);
	free_image(img);
}

Test(edit_apply, single_mx_grows_into_pool)
{
	struct mxlb_image *img = load();
	struct mxlb_worker *w = t_worker(img, 0, 1);
	CHECK(w, img, E("solo"), MX, 300, "10 " E("mx1"));
	STEP(&img, "version 2: added to solo.edit.test. MX 10 mx5: 2 members", "member", "add",
	     E("solo"), "MX", "10 mx5");
	CHECK(w, img, E("solo"), MX, 300, "10 " E("mx1"), "11 " E("mx5"));
	CHECK(w, img, E("solo"), MX, 300, "10 " E("mx5"), "11 " E("mx1"));
	CHECK(w, img, E("solo"), MX, 300, "10 " E("mx1"), "11 " E("mx5"));
	/* and host names reach it now */
	STEP(&img, "version 3: drain mx5.edit.test.: 1 member in 1 pool", "drain", E("mx5"));
	CHECK(w, img, E("solo"), MX, 300, "10 " E("mx1"), "11 " E("mx5"));
	CHECK(w, img, E("solo"), MX, 300, "10 " E("mx1"), "11 " E("mx5"));
	t_worker_free(w);
	free_image(img);
}

/* d1 and d2 hold identical RRsets: one pool. A change addressed at one owner
 * applies to the pool, so to both (edit.h); d3 is another pool. */
Test(edit_apply, shared_pool_changes_both_owners)
{
	struct mxlb_image *img = load();
	const struct mxlb_cpool *d3 = pool(img, E("d3"), MX);
	cr_assert_eq(pool(img, E("d1"), MX), pool(img, E("d2"), MX));
	cr_assert_eq(pool(img, E("d1"), MX)->sharers, 2);
	STEP(&img,
	     "version 2: added to d1.edit.test. MX 10 s3.out.test.: 3 members (pool shared by "
	     "several owners: applies to all)",
	     "member", "add", E("d1"), "MX", "10 s3.out.test.");
	cr_assert_eq(pool(img, E("d1"), MX), pool(img, E("d2"), MX));
	cr_assert_eq(pool(img, E("d2"), MX)->nmembers, 3);
	cr_assert_eq(pool(img, E("d2"), MX)->sharers, 2);
	cr_assert_eq(pool(img, E("d3"), MX), d3, "d3 is not shared with d1");
	struct mxlb_worker *w = t_worker(img, 0, 1);
	/* one pool, one counter */
	CHECK(w, img, E("d1"), MX, 300, "10 " O("s1"), "11 " O("s2"), "11 " O("s3"));
	CHECK(w, img, E("d2"), MX, 300, "10 " O("s2"), "11 " O("s3"), "11 " O("s1"));
	CHECK(w, img, E("d1"), MX, 300, "10 " O("s3"), "11 " O("s1"), "11 " O("s2"));
	CHECK(w, img, E("d3"), MX, 300, "10 " O("s1"), "20 " O("s2"));
	/* addressed at the other owner */
	STEP(&img, NULL, "member", "del", E("d2"), "MX", "10 s1.out.test.");
	CHECK(w, img, E("d1"), MX, 300, "10 " O("s2"), "11 " O("s3"));
	CHECK(w, img, E("d2"), MX, 300, "10 " O("s3"), "11 " O("s2"));
	CHECK(w, img, E("d3"), MX, 300, "10 " O("s1"), "20 " O("s2"));
	t_worker_free(w);
	free_image(img);
}

/* f1 = {192.0.2.65, 192.0.2.66} and f2 = {192.0.2.97, 192.0.2.98} are not
 * identical: two pools, and a change at f1 leaves f2 alone. */
Test(edit_apply, different_addresses_not_shared)
{
	struct mxlb_image *img = load_opts("edit_fold.zone", NULL);
	struct mxlb_worker *w = t_worker(img, 0, 1);
	CHECK(w, img, "f1.fold.test.", A, 120, "192.0.2.65", "192.0.2.66");
	CHECK(w, img, "f2.fold.test.", A, 120, "192.0.2.97", "192.0.2.98");
	cr_assert_neq(pool(img, "f1.fold.test.", A), pool(img, "f2.fold.test.", A));
	STEP(&img, "version 2: added to f1.fold.test. A 192.0.2.67: 3 members", "member", "add",
	     "f1.fold.test.", "A", "192.0.2.67");
	t_worker_free(w);
	w = t_worker(img, 0, 1);
	CHECK(w, img, "f1.fold.test.", A, 120, "192.0.2.65", "192.0.2.66", "192.0.2.67");
	CHECK(w, img, "f2.fold.test.", A, 120, "192.0.2.97", "192.0.2.98");
	t_worker_free(w);
	free_image(img);
}

/* --mx-mode rotate survives a rebuild: values as loaded, rotated. */
Test(edit_apply, rotate_mode_kept)
{
	struct mxlb_image_opts opts;
	t_opts(&opts);
	opts.mx_mode = MXLB_MODE_ROTATE;
	struct mxlb_image *img = load_opts(ZONE, &opts);
	STEP(&img, NULL, "member", "add", APEX, "MX", "10 mx4");
	cr_assert_eq(pool(img, APEX, MX)->mode, MXLB_MODE_ROTATE);
	struct mxlb_worker *w = t_worker(img, 0, 1);
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "10 " E("mx2"), "10 " E("mx3"),
	      "10 " E("mx4"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx2"), "10 " E("mx3"), "10 " E("mx4"),
	      "10 " E("mx1"));
	/* drained: after every up member, with a value above theirs */
	STEP(&img, NULL, "drain", E("mx2"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx4"), "10 " E("mx1"), "10 " E("mx3"),
	      "11 " E("mx2"));
	CHECK(w, img, E("alt"), MX, 300, "20 " E("mx3"), "21 " E("mx2"));
	t_worker_free(w);
	free_image(img);
}

/* mxlb_edit_replay on an image no worker reads: replaced in place by the
 * committed new version; refusals and no-ops leave it as it is. */
Test(edit_apply, replay_unpublished)
{
	struct mxlb_image *img = load();
	char msg[512];
	struct mxlb_image *before = img;
	t_image_untrack(img);
	int rc = mxlb_edit_replay(&img, MXLB_EDIT_FLAGS, 5,
				  ARGV("member", "add", APEX, "MX", "10 mx4"), msg, sizeof(msg));
	t_image_track(img, NULL);
	cr_assert_eq(rc, MXLB_EDIT_APPLIED, "rc %d: %s", rc, msg);
	cr_assert_str_eq(msg, "version 2: added to edit.test. MX 10 mx4: 4 members");
	cr_assert_neq(img, before);
	cr_assert_eq(img->version, 2);

	/* the single grows: committed, so it is a pool at once */
	t_image_untrack(img);
	rc = mxlb_edit_replay(&img, MXLB_EDIT_FLAGS, 5,
			      ARGV("member", "add", E("one"), "A", "192.0.2.51"), msg, sizeof(msg));
	t_image_track(img, NULL);
	cr_assert_eq(rc, MXLB_EDIT_APPLIED, "rc %d: %s", rc, msg);
	cr_assert_eq(img->version, 3);
	cr_assert_not_null(pool_or_null(img, E("one"), A));

	before = img;
	rc = mxlb_edit_replay(&img, MXLB_EDIT_FLAGS, 5, ARGV("member", "del", APEX, "MX", "10 mx9"),
			      msg, sizeof(msg));
	cr_assert_eq(rc, -ENOENT, "rc %d: %s", rc, msg);
	cr_assert(strstr(msg, "has no member 10 mx9"), "message '%s'", msg);
	cr_assert_eq(img, before);
	cr_assert_eq(img->version, 3);

	rc = mxlb_edit_replay(&img, MXLB_EDIT_FLAGS, 2, ARGV("up", E("mx1")), msg, sizeof(msg));
	cr_assert_eq(rc, MXLB_EDIT_NOCHANGE, "rc %d: %s", rc, msg);
	cr_assert_eq(img, before);
	cr_assert_eq(img->version, 3);

	t_image_untrack(img);
	rc = mxlb_edit_replay(&img, MXLB_EDIT_FLAGS, 2, ARGV("drain", E("mx2")), msg, sizeof(msg));
	t_image_track(img, NULL);
	cr_assert_eq(rc, MXLB_EDIT_APPLIED, "rc %d: %s", rc, msg);
	cr_assert_eq(img->version, 4);

	struct mxlb_worker *w = t_worker(img, 0, 1);
	CHECK(w, img, APEX, MX, 300, "10 " E("mx1"), "11 " E("mx3"), "11 " E("mx4"),
	      "12 " E("mx2"));
	CHECK(w, img, APEX, MX, 300, "10 " E("mx3"), "11 " E("mx4"), "11 " E("mx1"),
	      "12 " E("mx2"));
	CHECK(w, img, E("one"), A, 120, "192.0.2.50", "192.0.2.51");
	CHECK(w, img, E("one"), A, 120, "192.0.2.51", "192.0.2.50");
	t_worker_free(w);
	free_image(img);
}

Test(edit_apply, is_change_and_names)
{
	static const char *const yes[] = {"member", "weight", "drain", "undrain", "down", "up"};
	static const char *const no[] = {"status", "pools", "zone", "stats", "preview", "Member"};
	for (size_t i = 0; i < T_N(yes); i++)
		cr_assert(mxlb_edit_is_change(1, &yes[i]), "%s", yes[i]);
	for (size_t i = 0; i < T_N(no); i++)
		cr_assert(!mxlb_edit_is_change(1, &no[i]), "%s", no[i]);
	cr_assert(!mxlb_edit_is_change(0, no));
	char buf[32];
	cr_assert_str_eq(mxlb_edit_type_name(15, buf, sizeof(buf)), "MX");
	cr_assert_str_eq(mxlb_edit_type_name(33, buf, sizeof(buf)), "SRV");
	cr_assert_str_eq(mxlb_edit_type_name(28, buf, sizeof(buf)), "AAAA");
	cr_assert_str_eq(mxlb_edit_type_name(65280, buf, sizeof(buf)), "TYPE65280");

	struct mxlb_image *img = load();
	const struct mxlb_cpool *p = pool(img, E("_smtp._tcp"), SRV);
	char text[256];
	const struct mxlb_member *m = &p->members[member(p, "10 0 25 mx2.edit.test.")];
	cr_assert_str_eq(
	    mxlb_edit_rdata_text(SRV, p->rdata + m->rdata, m->rdlen, text, sizeof(text)),
	    "10 0 25 mx2.edit.test.");
	p = pool(img, E("v6b"), AAAA);
	m = &p->members[member(p, "2001:db8::12")];
	cr_assert_str_eq(
	    mxlb_edit_rdata_text(AAAA, p->rdata + m->rdata, m->rdlen, text, sizeof(text)),
	    "2001:db8::12");
	free_image(img);
}
