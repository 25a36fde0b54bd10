/* MX and SRV pools (DESIGN §3): the selected member in sequence, and how each
 * mode (prefer, rotate, single) shows it in the answer. One worker (index 0
 * of 1): every pool counter starts at 0, so the k-th answer from a pool selects
 * member schedule[k % len] with schedule = 0, 1, ..., n-1 of the active group. */
#include <stdarg.h>
#include <stdio.h>

#include <criterion/criterion.h>

#include "helpers.h"

/* An expected section, built per query. */
struct exp {
	struct t_rr rr[48];
	char text[48][160];
	size_t n;
};

static void add(struct exp *e, const char *owner, uint16_t type, uint32_t ttl, const char *fmt, ...)
{
	cr_assert_lt(e->n, T_N(e->rr));
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->text[e->n], sizeof(e->text[e->n]), fmt, ap);
	va_end(ap);
	e->rr[e->n] = (struct t_rr){owner, type, ttl, e->text[e->n]};
	e->n++;
}

/* Targets of the example.net. mail pool, in zone-file order. */
struct target {
	const char *name;
	uint16_t pref; /* zone-file preference (SRV: priority) */
	const char *a, *aaaa;
	uint32_t a_ttl, aaaa_ttl;
};

static const struct target mail[] = {
    {"mx1.example.net.", 10, "198.51.100.11", "2001:db8::11", 600, 700},
    {"mx2.example.net.", 10, "198.51.100.12", NULL, 600, 0},
    {"mx3.example.net.", 10, "198.51.100.13", "2001:db8::13", 600, 700},
    {"backup.example.net.", 20, "198.51.100.20", "2001:db8::20", 900, 900},
};

static void add_glue(struct exp *ad, const struct target *t)
{
	if (t->a)
		add(ad, t->name, LDNS_RR_TYPE_A, t->a_ttl, "%s", t->a);
	if (t->aaaa)
		add(ad, t->name, LDNS_RR_TYPE_AAAA, t->aaaa_ttl, "%s", t->aaaa);
}

static struct mxlb_image *load_mode(const char *file, enum mxlb_mode mode)
{
	struct mxlb_image_opts opts;
	t_opts(&opts);
	opts.mx_mode = mode;
	return t_load_opts(&file, 1, &opts);
}

static void ask(struct t_resp *r, struct mxlb_worker *w, const struct mxlb_image *img,
		const char *name, uint16_t type)
{
	struct t_query q = {.name = name, .type = type};
	t_ask(r, w, img, &q);
}

/* Expected answer and additional of the k-th MX answer of the mail pool:
 * selected member s = k % 3 of group {mx1, mx2, mx3}; backup after. */
static void mail_expect(size_t k, enum mxlb_mode mode, struct exp *an, struct exp *ad)
{
	size_t s = k % 3;
	size_t order[4] = {s, (s + 1) % 3, (s + 2) % 3, 3};
	size_t n = mode == MXLB_MODE_SINGLE ? 1 : 4;
	an->n = ad->n = 0;
	for (size_t i = 0; i < n; i++) {
		const struct target *t = &mail[order[i]];
		unsigned pref = t->pref;
		if (mode == MXLB_MODE_PREFER && i > 0 && i < 3)
			pref = 11;
		add(an, "example.net.", LDNS_RR_TYPE_MX, 300, "%u %s", pref, t->name);
	}
	for (size_t i = 0; i < n; i++)
		add_glue(ad, &mail[order[i]]);
}

static void run_mail(enum mxlb_mode mode)
{
	struct mxlb_image *img = load_mode("mail.zone", mode);
	struct mxlb_worker *w = t_worker(img, 0, 1);
	for (size_t k = 0; k < 9; k++) {
		struct exp an, ad;
		struct t_resp r;
		mail_expect(k, mode, &an, &ad);
		ask(&r, w, img, "example.net.", LDNS_RR_TYPE_MX);
		t_expect_answer(&r, an.rr, an.n, ad.rr, ad.n);
		t_free(&r);
	}
	t_worker_free(w);
	t_image_free(img);
}

Test(select, mx_prefer_three_rounds)
{
	run_mail(MXLB_MODE_PREFER);
}

Test(select, mx_rotate_three_rounds)
{
	run_mail(MXLB_MODE_ROTATE);
}

Test(select, mx_single_three_rounds)
{
	run_mail(MXLB_MODE_SINGLE);
}

/* Prefer is the default of mxlb_image_opts_init. */
Test(select, mx_prefer_is_default)
{
	struct mxlb_image_opts opts;
	mxlb_image_opts_init(&opts);
	cr_assert_eq(opts.mx_mode, MXLB_MODE_PREFER);
	cr_assert_eq(opts.a_mode, MXLB_MODE_ROTATE);
	struct mxlb_image *img = t_load("mail.zone");
	struct mxlb_worker *w = t_worker(img, 0, 1);
	struct exp an, ad;
	struct t_resp r;
	for (size_t k = 0; k < 2; k++) {
		mail_expect(k, MXLB_MODE_PREFER, &an, &ad);
		ask(&r, w, img, "example.net.", LDNS_RR_TYPE_MX);
		t_expect_answer(&r, an.rr, an.n, ad.rr, ad.n);
		t_free(&r);
	}
	t_worker_free(w);
	t_image_free(img);
}

/* Only answers from the pool move its counter; the query name's case does
 * not make it another pool. */
Test(select, only_pool_answers_advance)
{
	struct mxlb_image *img = t_load("mail.zone");
	struct mxlb_worker *w = t_worker(img, 0, 1);
	static const char *const names[] = {"example.net.", "EXAMPLE.NET.", "eXample.Net."};
	struct exp an, ad;
	struct t_resp r;
	for (size_t k = 0; k < 6; k++) {
		ask(&r, w, img, "example.net.", LDNS_RR_TYPE_SOA);
		t_free(&r);
		ask(&r, w, img, "example.net.", LDNS_RR_TYPE_A); /* NODATA */
		t_free(&r);
		ask(&r, w, img, "solo.example.net.", LDNS_RR_TYPE_MX);
		t_free(&r);
		ask(&r, w, img, "nope.example.net.", LDNS_RR_TYPE_MX);
		t_free(&r);
		mail_expect(k, MXLB_MODE_PREFER, &an, &ad);
		ask(&r, w, img, names[k % 3], LDNS_RR_TYPE_MX);
		t_expect_header(&r, LDNS_RCODE_NOERROR, true, false);
		t_expect_question(&r);
		t_expect_section(&r, LDNS_SECTION_ANSWER, an.rr, an.n);
		t_expect_section(&r, LDNS_SECTION_ADDITIONAL, ad.rr, ad.n);
		t_free(&r);
	}
	t_worker_free(w);
	t_image_free(img);
}

/* The additional section holds only in-zone targets. */
Test(select, mx_out_of_zone_target)
{
	struct mxlb_image *img = t_load("mail.zone");
	struct mxlb_worker *w = t_worker(img, 0, 1);
	static const char *const names[] = {"mx1.example.net.", "mail.other.test."};
	for (size_t k = 0; k < 4; k++) {
		struct exp an = {.n = 0}, ad = {.n = 0};
		struct t_resp r;
		add(&an, "ext.example.net.", LDNS_RR_TYPE_MX, 300, "10 %s", names[k % 2]);
		add(&an, "ext.example.net.", LDNS_RR_TYPE_MX, 300, "11 %s", names[(k + 1) % 2]);
		add_glue(&ad, &mail[0]);
		ask(&r, w, img, "ext.example.net.", LDNS_RR_TYPE_MX);
		t_expect_answer(&r, an.rr, an.n, ad.rr, ad.n);
		t_free(&r);
	}
	t_worker_free(w);
	t_image_free(img);
}

/* SRV pool: _submission._tcp: 10 5 587 mx1, 10 5 588 mx2, 20 0 589 backup.
 * Priority plays the part of the MX preference; weight, port, target kept. */
static const struct {
	const char *target;
	unsigned prio, weight, port;
	size_t glue; /* index in mail[] */
} srv[] = {
    {"mx1.example.net.", 10, 5, 587, 0},
    {"mx2.example.net.", 10, 5, 588, 1},
    {"backup.example.net.", 20, 0, 589, 3},
};

static void run_srv(enum mxlb_mode mode)
{
	static const char owner[] = "_submission._tcp.example.net.";
	struct mxlb_image *img = load_mode("mail.zone", mode);
	struct mxlb_worker *w = t_worker(img, 0, 1);
	for (size_t k = 0; k < 6; k++) {
		size_t s = k % 2;
		size_t order[3] = {s, 1 - s, 2};
		size_t n = mode == MXLB_MODE_SINGLE ? 1 : 3;
		struct exp an = {.n = 0}, ad = {.n = 0};
		for (size_t i = 0; i < n; i++) {
			unsigned prio = srv[order[i]].prio;
			if (mode == MXLB_MODE_PREFER && i == 1)
				prio = 11;
			add(&an, owner, LDNS_RR_TYPE_SRV, 300, "%u %u %u %s", prio,
			    srv[order[i]].weight, srv[order[i]].port, srv[order[i]].target);
		}
		for (size_t i = 0; i < n; i++)
			add_glue(&ad, &mail[srv[order[i]].glue]);
		struct t_resp r;
		ask(&r, w, img, owner, LDNS_RR_TYPE_SRV);
		t_expect_answer(&r, an.rr, an.n, ad.rr, ad.n);
		t_free(&r);
	}
	t_worker_free(w);
	t_image_free(img);
}

Test(select, srv_prefer)
{
	run_srv(MXLB_MODE_PREFER);
}

Test(select, srv_rotate)
{
	run_srv(MXLB_MODE_ROTATE);
}

Test(select, srv_single)
{
	run_srv(MXLB_MODE_SINGLE);
}

/* ---- preference remapping (remap.zone) ---- */

/* Expected prefer-mode answer: selected (k % nsel) first at the group's
 * value, the rest of the group in rotation order at VALUE+1 (remapped: 10,
 * 11), then the other groups in file order at their (remapped) values. */
static void remap_expect(const char *owner, size_t k, size_t nsel, size_t n,
			 const char *const *target, const unsigned *group_pref, unsigned sel,
			 unsigned others, struct exp *an)
{
	size_t s = k % nsel;
	an->n = 0;
	for (size_t i = 0; i < nsel; i++)
		add(an, owner, LDNS_RR_TYPE_MX, 300, "%u %s", i == 0 ? sel : others,
		    target[(s + i) % nsel]);
	for (size_t i = nsel; i < n; i++)
		add(an, owner, LDNS_RR_TYPE_MX, 300, "%u %s", group_pref[i], target[i]);
}

static void run_remap(const char *owner, size_t nsel, size_t n, const char *const *target,
		      const unsigned *group_pref, unsigned sel, unsigned others)
{
	struct mxlb_image *img = t_load("remap.zone");
	struct mxlb_worker *w = t_worker(img, 0, 1);
	for (size_t k = 0; k < 2 * nsel + 1; k++) {
		struct exp an;
		struct t_resp r;
		remap_expect(owner, k, nsel, n, target, group_pref, sel, others, &an);
		ask(&r, w, img, owner, LDNS_RR_TYPE_MX);
		t_expect_answer(&r, an.rr, an.n, NULL, 0);
		t_free(&r);
	}
	t_worker_free(w);
	t_image_free(img);
}

static const char *const abcde[] = {"a.remap.test.", "b.remap.test.", "c.remap.test.",
				    "d.remap.test.", "e.remap.test."};

/* 10 a, 10 b, 11 c: no free value between 10 and 11 -> a|b 10, 11; c 20. */
Test(select, remap_tight)
{
	static const unsigned pref[] = {0, 0, 20};
	run_remap("tight.remap.test.", 2, 3, abcde, pref, 10, 11);
}

/* 10 a, 10 b, 11 c, 11 d, 40 e -> 10/11, c 20, d 20, e 30. */
Test(select, remap_three_groups)
{
	static const unsigned pref[] = {0, 0, 20, 20, 30};
	run_remap("three.remap.test.", 2, 5, abcde, pref, 10, 11);
}

/* 65535 a, 65535 b: no value above 65535 -> 10, 11. */
Test(select, remap_top_value)
{
	static const unsigned pref[] = {0, 0};
	run_remap("top.remap.test.", 2, 2, abcde, pref, 10, 11);
}

/* 10 a, 10 b, 12 c: 11 is free, nothing remapped. */
Test(select, no_remap_when_room)
{
	static const unsigned pref[] = {0, 0, 12};
	run_remap("roomy.remap.test.", 2, 3, abcde, pref, 10, 11);
}

/* 10 a, 20 b: a one-member group is selected every time. */
Test(select, one_member_group)
{
	static const unsigned pref[] = {0, 20};
	run_remap("lone.remap.test.", 1, 2, abcde, pref, 10, 11);
}

/* The remap is announced in the zone-load log, naming the owner. */
Test(select, remap_is_logged)
{
	t_log_reset();
	struct mxlb_image *img = t_load("remap.zone");
	cr_assert_not_null(strstr(t_log_text(), "tight.remap.test"),
			   "zone-load log does not mention tight.remap.test:\n%s", t_log_text());
	cr_assert_not_null(strstr(t_log_text(), "three.remap.test"),
			   "zone-load log does not mention three.remap.test:\n%s", t_log_text());
	t_image_free(img);
}

/* Rotate mode never rewrites values, so nothing is remapped there. */
Test(select, rotate_keeps_tight_values)
{
	struct mxlb_image *img = load_mode("remap.zone", MXLB_MODE_ROTATE);
	struct mxlb_worker *w = t_worker(img, 0, 1);
	for (size_t k = 0; k < 4; k++) {
		struct exp an = {.n = 0};
		struct t_resp r;
		add(&an, "tight.remap.test.", LDNS_RR_TYPE_MX, 300, "10 %s", abcde[k % 2]);
		add(&an, "tight.remap.test.", LDNS_RR_TYPE_MX, 300, "10 %s", abcde[(k + 1) % 2]);
		add(&an, "tight.remap.test.", LDNS_RR_TYPE_MX, 300, "11 %s", abcde[2]);
		ask(&r, w, img, "tight.remap.test.", LDNS_RR_TYPE_MX);
		t_expect_answer(&r, an.rr, an.n, NULL, 0);
		t_free(&r);
	}
	t_worker_free(w);
	t_image_free(img);
}
