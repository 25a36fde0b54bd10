/* All-down policies (issue 7): what a pool answers when no member is up.
 * all (fail open, the default): every member; next: the second preference
 * group only; null: a Null MX (RFC 7505 §3) or an SRV target "." (RFC 2782),
 * and for address pools every member. Set for every pool by the image
 * option, per pool by the change "all-down OWNER TYPE POLICY". */
#include <criterion/criterion.h>

#include "edit.h"
#include "helpers.h"

static void change(struct mxlb_image **img, int expect, int argc, const char *const *argv)
{
	char msg[512];
	int rc = mxlb_edit_replay(img, MXLB_EDIT_FLAGS, argc, argv, msg, sizeof(msg));
	cr_assert_eq(rc, expect, "%s %s: %d (%s)", argv[0], argc > 1 ? argv[1] : "", rc, msg);
}

#define CHANGE(img, expect, ...)                                                                   \
	do {                                                                                       \
		const char *const argv_[] = {__VA_ARGS__};                                         \
		change(img, expect, (int)(sizeof(argv_) / sizeof(argv_[0])), argv_);               \
	} while (0)

static void all_down(struct mxlb_image **img)
{
	CHANGE(img, MXLB_EDIT_APPLIED, "down", "mx1.ad.test.");
	CHANGE(img, MXLB_EDIT_APPLIED, "down", "mx2.ad.test.");
	CHANGE(img, MXLB_EDIT_APPLIED, "down", "backup.ad.test.");
	CHANGE(img, MXLB_EDIT_APPLIED, "down", "198.18.9.80");
	CHANGE(img, MXLB_EDIT_APPLIED, "down", "198.18.9.81");
}

static void ask(struct t_resp *r, struct mxlb_worker *w, const struct mxlb_image *img,
		const char *name, uint16_t type)
{
	struct t_query q = {.name = name, .type = type, .rd = true};
	t_ask(r, w, img, &q);
	t_expect_header(r, LDNS_RCODE_NOERROR, true, false);
}

/* Not tracked by the helpers: changes replace the image. */
static struct mxlb_image *load_with(enum mxlb_alldown policy)
{
	struct mxlb_image_opts o;
	struct mxlb_image *img = NULL;
	char err[512];
	t_opts(&o);
	o.alldown = policy;
	const char *files[] = {MXLB_TEST_DATA "/alldown.zone"};
	cr_assert_eq(mxlb_image_load(&img, files, 1, &o, err, sizeof(err)), 0, "%s", err);
	return img;
}

Test(alldown, all_is_the_default_and_fails_open)
{
	struct mxlb_image *img = load_with(MXLB_ALLDOWN_ALL);
	all_down(&img);
	struct mxlb_worker *w = t_worker(img, 0, 1);
	struct t_resp r;
	ask(&r, w, img, "ad.test.", LDNS_RR_TYPE_MX);
	static const struct t_rr mx[] = {{"ad.test.", 15, 300, "10 mx1.ad.test."},
					 {"ad.test.", 15, 300, "11 mx2.ad.test."},
					 {"ad.test.", 15, 300, "20 backup.ad.test."}};
	t_expect_section(&r, LDNS_SECTION_ANSWER, mx, 3);
	t_free(&r);
	t_worker_free(w);
	mxlb_image_free(img);
}

Test(alldown, next_serves_the_backup_group_only)
{
	struct mxlb_image *img = load_with(MXLB_ALLDOWN_NEXT);
	all_down(&img);
	struct mxlb_worker *w = t_worker(img, 0, 1);
	struct t_resp r;
	ask(&r, w, img, "ad.test.", LDNS_RR_TYPE_MX);
	static const struct t_rr mx[] = {{"ad.test.", 15, 300, "20 backup.ad.test."}};
	static const struct t_rr glue[] = {{"backup.ad.test.", 1, 300, "198.18.9.9"}};
	t_expect_answer(&r, mx, 1, glue, 1);
	t_free(&r);
	/* one group only: next is all */
	ask(&r, w, img, "_imap._tcp.ad.test.", LDNS_RR_TYPE_SRV);
	cr_assert_eq(ldns_rr_list_rr_count(ldns_pkt_answer(r.pkt)), 2);
	t_free(&r);
	t_worker_free(w);
	mxlb_image_free(img);
}

Test(alldown, null_is_a_null_mx_and_srv_dot)
{
	struct mxlb_image *img = load_with(MXLB_ALLDOWN_NULL);
	all_down(&img);
	struct mxlb_worker *w = t_worker(img, 0, 1);
	struct t_resp r;
	for (int i = 0; i < 3; i++) {
		ask(&r, w, img, "ad.test.", LDNS_RR_TYPE_MX);
		static const struct t_rr mx[] = {{"ad.test.", 15, 300, "0 ."}};
		t_expect_answer(&r, mx, 1, NULL, 0);
		t_free(&r);
	}
	ask(&r, w, img, "_imap._tcp.ad.test.", LDNS_RR_TYPE_SRV);
	static const struct t_rr srv[] = {{"_imap._tcp.ad.test.", 33, 300, "0 0 0 ."}};
	t_expect_answer(&r, srv, 1, NULL, 0);
	t_free(&r);
	/* address pools fail open */
	ask(&r, w, img, "www.ad.test.", LDNS_RR_TYPE_A);
	cr_assert_eq(ldns_rr_list_rr_count(ldns_pkt_answer(r.pkt)), 2);
	t_free(&r);
	t_worker_free(w);
	mxlb_image_free(img);
}

Test(alldown, per_pool_change_and_back_up)
{
	struct mxlb_image *img = load_with(MXLB_ALLDOWN_ALL);
	CHANGE(&img, MXLB_EDIT_APPLIED, "all-down", "ad.test", "MX", "null");
	CHANGE(&img, MXLB_EDIT_NOCHANGE, "all-down", "ad.test", "MX", "null");
	CHANGE(&img, -EINVAL, "all-down", "ad.test", "MX", "sometimes");
	CHANGE(&img, -EINVAL, "all-down", "ns.ad.test", "A", "null");
	CHANGE(&img, -EINVAL, "all-down", "ad.test", "TXT", "null");
	cr_assert_eq(img->version, 2);
	all_down(&img);
	struct mxlb_worker *w = t_worker(img, 0, 1);
	struct t_resp r;
	ask(&r, w, img, "ad.test.", LDNS_RR_TYPE_MX);
	static const struct t_rr null_mx[] = {{"ad.test.", 15, 300, "0 ."}};
	t_expect_answer(&r, null_mx, 1, NULL, 0);
	t_free(&r);
	/* the SRV pool kept the default */
	ask(&r, w, img, "_imap._tcp.ad.test.", LDNS_RR_TYPE_SRV);
	cr_assert_eq(ldns_rr_list_rr_count(ldns_pkt_answer(r.pkt)), 2);
	t_free(&r);
	/* a member up again: normal rotation */
	CHANGE(&img, MXLB_EDIT_APPLIED, "up", "mx2.ad.test.");
	ask(&r, w, img, "ad.test.", LDNS_RR_TYPE_MX);
	/* mx1 and backup are down: not listed */
	static const struct t_rr mx[] = {{"ad.test.", 15, 300, "10 mx2.ad.test."}};
	t_expect_section(&r, LDNS_SECTION_ANSWER, mx, 1);
	t_free(&r);
	t_worker_free(w);
	mxlb_image_free(img);
}
