/* A/AAAA pools, per-worker counters and their start offsets, pool sharing
 * between owners with identical member sets (DESIGN §2-3). */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "helpers.h"

static const char *const www_a[] = {"198.51.100.1", "198.51.100.2", "198.51.100.3"};
static const char *const www_aaaa[] = {"2001:db8::1", "2001:db8::2"};
static const char *const quad_a[] = {"198.51.100.41", "198.51.100.42", "198.51.100.43",
				     "198.51.100.44"};

/* Answer of an address pool of N members in rotate mode with S selected:
 * every address, starting at S, in zone-file order around the ring. */
static void expect_rotated(const struct t_resp *r, const char *owner, uint16_t type, uint32_t ttl,
			   const char *const *addr, size_t n, size_t s)
{
	struct t_rr an[8];
	cr_assert_leq(n, T_N(an));
	for (size_t i = 0; i < n; i++)
		an[i] = (struct t_rr){owner, type, ttl, addr[(s + i) % n]};
	t_expect_answer(r, an, n, NULL, 0);
}

static void ask(struct t_resp *r, struct mxlb_worker *w, const struct mxlb_image *img,
		const char *name, uint16_t type)
{
	struct t_query q = {.name = name, .type = type};
	t_ask(r, w, img, &q);
}

static void ask_www_a(struct mxlb_worker *w, const struct mxlb_image *img, size_t s)
{
	struct t_resp r;
	ask(&r, w, img, "www.example.net.", LDNS_RR_TYPE_A);
	expect_rotated(&r, "www.example.net.", LDNS_RR_TYPE_A, 120, www_a, 3, s);
	t_free(&r);
}

static void ask_quad(struct mxlb_worker *w, const struct mxlb_image *img, size_t s)
{
	struct t_resp r;
	ask(&r, w, img, "quad.example.net.", LDNS_RR_TYPE_A);
	expect_rotated(&r, "quad.example.net.", LDNS_RR_TYPE_A, 60, quad_a, 4, s);
	t_free(&r);
}

Test(pools, pool_count)
{
	struct mxlb_image *img = t_load("mail.zone");
	/* apex MX, www A, www AAAA, quad A, _submission._tcp SRV, ext MX; the
	 * NS pair, TXT pair and single-record RRsets are not pools */
	cr_assert_eq(mxlb_image_pool_count(img), 6);
	cr_assert_eq(mxlb_image_zone_count(img), 1);
	struct mxlb_worker *w = t_worker(img, 0, 1);
	cr_assert_eq(w->index, 0);
	cr_assert_eq(w->nworkers, 1);
	t_worker_free(w);
	t_image_free(img);
}

/* k = 0, 1, 2, ...: [.1 .2 .3], [.2 .3 .1], [.3 .1 .2], [.1 .2 .3], ... */
Test(pools, a_rotate)
{
	struct mxlb_image *img = t_load("mail.zone");
	struct mxlb_worker *w = t_worker(img, 0, 1);
	for (size_t k = 0; k < 7; k++)
		ask_www_a(w, img, k % 3);
	t_worker_free(w);
	t_image_free(img);
}

/* A and AAAA at one owner are separate pools with separate counters. */
Test(pools, aaaa_rotate_independent_of_a)
{
	struct mxlb_image *img = t_load("mail.zone");
	struct mxlb_worker *w = t_worker(img, 0, 1);
	for (size_t k = 0; k < 5; k++) {
		struct t_resp r;
		ask(&r, w, img, "www.example.net.", LDNS_RR_TYPE_AAAA);
		expect_rotated(&r, "www.example.net.", LDNS_RR_TYPE_AAAA, 120, www_aaaa, 2, k % 2);
		t_free(&r);
		if (k % 2 == 0)
			ask_www_a(w, img, k / 2 % 3);
	}
	t_worker_free(w);
	t_image_free(img);
}

Test(pools, a_single_mode)
{
	struct mxlb_image_opts opts;
	t_opts(&opts);
	opts.a_mode = MXLB_MODE_SINGLE;
	const char *file = "mail.zone";
	struct mxlb_image *img = t_load_opts(&file, 1, &opts);
	struct mxlb_worker *w = t_worker(img, 0, 1);
	for (size_t k = 0; k < 8; k++) {
		struct t_resp r;
		struct t_rr an = {"quad.example.net.", LDNS_RR_TYPE_A, 60, quad_a[k % 4]};
		ask(&r, w, img, "quad.example.net.", LDNS_RR_TYPE_A);
		t_expect_answer(&r, &an, 1, NULL, 0);
		t_free(&r);
	}
	t_worker_free(w);
	t_image_free(img);
}

/* The A/AAAA mode does not follow --mx-mode. */
Test(pools, a_rotate_under_mx_single)
{
	struct mxlb_image_opts opts;
	t_opts(&opts);
	opts.mx_mode = MXLB_MODE_SINGLE;
	const char *file = "mail.zone";
	struct mxlb_image *img = t_load_opts(&file, 1, &opts);
	struct mxlb_worker *w = t_worker(img, 0, 1);
	for (size_t k = 0; k < 4; k++)
		ask_quad(w, img, k % 4);
	t_worker_free(w);
	t_image_free(img);
}

/* Worker 1 of 2 starts a 4-member pool at (1 * 4) / 2 = 2; the counters of
 * the two workers are independent. */
Test(pools, two_workers_offsets)
{
	struct mxlb_image *img = t_load("mail.zone");
	struct mxlb_worker *w0 = t_worker(img, 0, 2);
	struct mxlb_worker *w1 = t_worker(img, 1, 2);
	cr_assert_eq(w1->index, 1);
	cr_assert_eq(w1->nworkers, 2);
	ask_quad(w0, img, 0);
	ask_quad(w0, img, 1);
	ask_quad(w0, img, 2);
	ask_quad(w1, img, 2); /* not moved by worker 0 */
	ask_quad(w1, img, 3);
	ask_quad(w1, img, 0);
	ask_quad(w0, img, 3); /* not moved by worker 1 */
	ask_quad(w1, img, 1);
	ask_quad(w0, img, 0);
	t_worker_free(w0);
	t_worker_free(w1);
	t_image_free(img);
}

/* Offsets of other pool sizes and worker counts: (index * len) / nworkers. */
Test(pools, worker_offsets)
{
	struct mxlb_image *img = t_load("mail.zone");
	static const struct {
		uint32_t index, n;
		size_t quad, www; /* first selected member of quad (4), www (3) */
	} c[] = {
	    {1, 2, 2, 1}, {1, 3, 1, 1}, {2, 3, 2, 2}, {3, 4, 3, 2}, {7, 8, 3, 2}, {0, 8, 0, 0},
	};
	for (size_t i = 0; i < T_N(c); i++) {
		struct mxlb_worker *w = t_worker(img, c[i].index, c[i].n);
		ask_quad(w, img, c[i].quad);
		ask_www_a(w, img, c[i].www);
		ask_quad(w, img, (c[i].quad + 1) % 4);
		ask_www_a(w, img, (c[i].www + 1) % 3);
		t_worker_free(w);
	}
	t_image_free(img);
}

/* A fresh worker starts over; a worker's counters survive other pools. */
Test(pools, new_worker_starts_at_zero)
{
	struct mxlb_image *img = t_load("mail.zone");
	struct mxlb_worker *w = t_worker(img, 0, 1);
	ask_quad(w, img, 0);
	ask_quad(w, img, 1);
	ask_www_a(w, img, 0);
	t_worker_free(w);
	w = t_worker(img, 0, 1);
	ask_quad(w, img, 0);
	ask_www_a(w, img, 0);
	ask_quad(w, img, 1);
	t_worker_free(w);
	t_image_free(img);
}

/* Wrapping the counter past many rounds keeps the sequence. */
Test(pools, many_rounds)
{
	struct mxlb_image *img = t_load("mail.zone");
	struct mxlb_worker *w = t_worker(img, 0, 1);
	for (size_t k = 0; k < 100; k++)
		ask_quad(w, img, k % 4);
	t_worker_free(w);
	t_image_free(img);
}

/* ---- sharing (share.zone) ---- */

static void ask_share(struct mxlb_worker *w, const struct mxlb_image *img, const char *owner,
		      const char *first, unsigned first_pref, const char *second,
		      unsigned second_pref)
{
	char rd0[64], rd1[64];
	snprintf(rd0, sizeof(rd0), "%u %s", first_pref, first);
	snprintf(rd1, sizeof(rd1), "%u %s", second_pref, second);
	struct t_rr an[] = {{owner, LDNS_RR_TYPE_MX, 300, rd0}, {owner, LDNS_RR_TYPE_MX, 300, rd1}};
	struct t_rr a1 = {"mx1.share.test.", LDNS_RR_TYPE_A, 300, "198.51.100.1"};
	struct t_rr a2 = {"mx2.share.test.", LDNS_RR_TYPE_A, 300, "198.51.100.2"};
	struct t_rr ad[2];
	bool mx1_first = strcmp(first, "mx1.share.test.") == 0;
	ad[0] = mx1_first ? a1 : a2;
	ad[1] = mx1_first ? a2 : a1;
	struct t_resp r;
	ask(&r, w, img, owner, LDNS_RR_TYPE_MX);
	t_expect_answer(&r, an, 2, ad, 2);
	t_free(&r);
}

/* d1 and d2 have identical MX sets: one pool, counted once; d3 differs. */
Test(pools, shared_pool_counted_once)
{
	struct mxlb_image *img = t_load("share.zone");
	cr_assert_eq(mxlb_image_pool_count(img), 2);
	t_image_free(img);
}

/* The shared pool has one counter: d1 then d2 select members 0 then 1. */
Test(pools, shared_pool_shares_counter)
{
	struct mxlb_image *img = t_load("share.zone");
	struct mxlb_worker *w = t_worker(img, 0, 1);
	static const char mx1[] = "mx1.share.test.", mx2[] = "mx2.share.test.";
	ask_share(w, img, "d1.share.test.", mx1, 10, mx2, 11);
	ask_share(w, img, "d2.share.test.", mx2, 10, mx1, 11);
	ask_share(w, img, "d2.share.test.", mx1, 10, mx2, 11);
	ask_share(w, img, "d1.share.test.", mx2, 10, mx1, 11);
	/* d3 (10 mx1, 20 mx2) has its own pool; mx1 is its only first choice */
	ask_share(w, img, "d3.share.test.", mx1, 10, mx2, 20);
	ask_share(w, img, "d3.share.test.", mx1, 10, mx2, 20);
	ask_share(w, img, "d1.share.test.", mx1, 10, mx2, 11);
	t_worker_free(w);
	t_image_free(img);
}

/* Sharing holds per worker too: worker 1 of 2 starts the shared pool at 1. */
Test(pools, shared_pool_second_worker)
{
	struct mxlb_image *img = t_load("share.zone");
	struct mxlb_worker *w0 = t_worker(img, 0, 2);
	struct mxlb_worker *w1 = t_worker(img, 1, 2);
	static const char mx1[] = "mx1.share.test.", mx2[] = "mx2.share.test.";
	ask_share(w1, img, "d2.share.test.", mx2, 10, mx1, 11);
	ask_share(w1, img, "d1.share.test.", mx1, 10, mx2, 11);
	ask_share(w0, img, "d2.share.test.", mx1, 10, mx2, 11);
	ask_share(w0, img, "d1.share.test.", mx2, 10, mx1, 11);
	t_worker_free(w0);
	t_worker_free(w1);
	t_image_free(img);
}
