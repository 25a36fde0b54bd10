/* Zone loading (DESIGN §2, image.h): good files compile into an image with
 * the expected counts; bad ones fail with a negative errno and an error that
 * starts "FILE:LINE: reason". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "helpers.h"

/* Loads FILES (data-relative); returns mxlb_image_load's result with ERR. */
static int load_err(const char *const *files, size_t n, char *err, size_t errlen)
{
	char paths[4][4096];
	const char *argv[4];
	cr_assert_leq(n, 4);
	for (size_t i = 0; i < n; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/%s", MXLB_TEST_DATA, files[i]);
		argv[i] = paths[i];
	}
	struct mxlb_image_opts opts;
	t_opts(&opts);
	struct mxlb_image *img = NULL;
	memset(err, 0, errlen);
	int rc = mxlb_image_load(&img, argv, n, &opts, err, errlen);
	if (rc == 0)
		t_image_free(img);
	return rc;
}

/* ERR starts with the full path of FILE, a colon, and (when LINE > 0) that
 * line number and a colon, followed by a non-empty reason. */
static void expect_err(const char *err, const char *file, int line)
{
	char prefix[4200];
	if (line > 0)
		snprintf(prefix, sizeof(prefix), "%s/%s:%d: ", MXLB_TEST_DATA, file, line);
	else
		snprintf(prefix, sizeof(prefix), "%s/%s:", MXLB_TEST_DATA, file);
	cr_assert(strncmp(err, prefix, strlen(prefix)) == 0, "error '%s' does not start with '%s'",
		  err, prefix);
	cr_assert_gt(strlen(err), strlen(prefix) + (line > 0 ? 0 : 3), "no reason in '%s'", err);
}

Test(zone, loads_good_zones)
{
	static const char *const good[] = {"mail.zone", "other.zone", "remap.zone", "share.zone",
					   "big.zone"};
	for (size_t i = 0; i < T_N(good); i++) {
		char err[512];
		int rc = load_err(&good[i], 1, err, sizeof(err));
		cr_assert_eq(rc, 0, "%s: %d %s", good[i], rc, err);
	}
}

Test(zone, counts)
{
	static const char *const files[] = {"mail.zone", "other.zone", "share.zone"};
	struct mxlb_image *img = t_load_opts(files, 3, NULL);
	cr_assert_eq(mxlb_image_zone_count(img), 3);
	/* mail 6 + other 0 + share 2 */
	cr_assert_eq(mxlb_image_pool_count(img), 8);
	cr_assert_gt(mxlb_image_name_count(img), 20);
	t_image_free(img);
}

Test(zone, syntax_error_names_file_and_line)
{
	const char *f = "bad_syntax.zone";
	char err[512];
	int rc = load_err(&f, 1, err, sizeof(err));
	cr_assert_lt(rc, 0, "bad zone loaded (rc %d)", rc);
	expect_err(err, f, 6);
}

Test(zone, unknown_type_names_file_and_line)
{
	const char *f = "bad_type.zone";
	char err[512];
	int rc = load_err(&f, 1, err, sizeof(err));
	cr_assert_lt(rc, 0, "bad zone loaded (rc %d)", rc);
	expect_err(err, f, 5);
}

/* The error names the file that failed, not the first one. */
Test(zone, error_in_second_file)
{
	static const char *const files[] = {"mail.zone", "bad_syntax.zone"};
	char err[512];
	int rc = load_err(files, 2, err, sizeof(err));
	cr_assert_lt(rc, 0);
	expect_err(err, "bad_syntax.zone", 6);
}

Test(zone, no_soa)
{
	const char *f = "no_soa.zone";
	char err[512];
	int rc = load_err(&f, 1, err, sizeof(err));
	cr_assert_lt(rc, 0, "zone without SOA loaded (rc %d)", rc);
	expect_err(err, f, 0);
}

Test(zone, nonexistent_file)
{
	const char *f = "does-not-exist.zone";
	char err[512];
	int rc = load_err(&f, 1, err, sizeof(err));
	cr_assert_eq(rc, -ENOENT, "rc %d, expected -ENOENT", rc);
	expect_err(err, f, 0);
}

/* The same apex twice: the second file's SOA line is named. */
Test(zone, duplicate_apex)
{
	static const char *const files[] = {"other.zone", "other.zone"};
	char err[512];
	int rc = load_err(files, 2, err, sizeof(err));
	cr_assert_lt(rc, 0, "zone loaded twice (rc %d)", rc);
	expect_err(err, "other.zone", 3);
}

Test(zone, out_of_zone_data)
{
	const char *f = "out_of_zone.zone";
	char err[512];
	int rc = load_err(&f, 1, err, sizeof(err));
	cr_assert_lt(rc, 0, "out-of-zone record loaded (rc %d)", rc);
	expect_err(err, f, 6);
}

/* RFC 1034 §3.6.2: a CNAME owner has no other data (line 6 or 7). */
Test(zone, cname_and_other_data)
{
	const char *f = "cname_other.zone";
	char err[512];
	int rc = load_err(&f, 1, err, sizeof(err));
	cr_assert_lt(rc, 0, "CNAME with other data loaded (rc %d)", rc);
	char p6[4200], p7[4200];
	snprintf(p6, sizeof(p6), "%s/%s:6: ", MXLB_TEST_DATA, f);
	snprintf(p7, sizeof(p7), "%s/%s:7: ", MXLB_TEST_DATA, f);
	cr_assert(strncmp(err, p6, strlen(p6)) == 0 || strncmp(err, p7, strlen(p7)) == 0,
		  "error '%s'", err);
}

Test(zone, two_soa)
{
	const char *f = "two_soa.zone";
	char err[512];
	int rc = load_err(&f, 1, err, sizeof(err));
	cr_assert_lt(rc, 0, "zone with two SOA loaded (rc %d)", rc);
	expect_err(err, f, 4);
}

/* A directory given as a zone file fails promptly (no endless read loop). */
Test(zone, directory_is_not_a_zone, .timeout = 20)
{
	char err[512] = "";
	const char *dir = MXLB_TEST_DATA;
	struct mxlb_image_opts opts;
	t_opts(&opts);
	struct mxlb_image *img = NULL;
	int rc = mxlb_image_load(&img, &dir, 1, &opts, err, sizeof(err));
	cr_assert_lt(rc, 0, "a directory loaded as a zone (rc %d)", rc);
	cr_assert(strncmp(err, dir, strlen(dir)) == 0, "error '%s' does not name %s", err, dir);
}

/* Nested zones: the closest enclosing zone answers, whatever the file order. */
Test(zone, nested_zones)
{
	static const char *const orders[2][2] = {{"mail.zone", "child.zone"},
						 {"child.zone", "mail.zone"}};
	static const struct t_rr soa = {
	    "child.example.net.", LDNS_RR_TYPE_SOA, 100,
	    "ns.child.example.net. admin.child.example.net. 5 3600 600 86400 100"};
	static const struct t_rr www = {"www.child.example.net.", LDNS_RR_TYPE_A, 300, "192.0.2.2"};
	for (int i = 0; i < 2; i++) {
		struct mxlb_image *img = t_load_opts(orders[i], 2, NULL);
		struct mxlb_worker *w = t_worker(img, 0, 1);
		cr_assert_eq(mxlb_image_zone_count(img), 2);
		struct t_resp r;
		struct t_query q = {.name = "www.child.example.net.", .type = LDNS_RR_TYPE_A};
		t_ask(&r, w, img, &q);
		t_expect_answer(&r, &www, 1, NULL, 0);
		t_free(&r);
		q.name = "nope.child.example.net.";
		t_ask(&r, w, img, &q);
		t_expect_header(&r, LDNS_RCODE_NXDOMAIN, true, false);
		t_expect_question(&r);
		t_expect_section(&r, LDNS_SECTION_AUTHORITY, &soa, 1);
		t_free(&r);
		/* and the parent still answers for itself */
		q.name = "one.example.net.";
		t_ask(&r, w, img, &q);
		struct t_rr one = {"one.example.net.", LDNS_RR_TYPE_A, 300, "192.0.2.1"};
		t_expect_answer(&r, &one, 1, NULL, 0);
		t_free(&r);
		t_worker_free(w);
		t_image_free(img);
	}
}

/* A short error buffer is filled, terminated, never overrun. */
Test(zone, short_error_buffer)
{
	const char *f = "bad_syntax.zone";
	char *err = malloc(16);
	cr_assert_not_null(err);
	int rc = load_err(&f, 1, err, 16);
	cr_assert_lt(rc, 0);
	cr_assert_lt(strnlen(err, 16), 16, "error not terminated");
	free(err);
}

/* The same files load twice into independent images. */
Test(zone, two_images)
{
	struct mxlb_image *a = t_load("mail.zone");
	struct mxlb_image *b = t_load("mail.zone");
	cr_assert_neq(a, b);
	cr_assert_eq(mxlb_image_pool_count(a), mxlb_image_pool_count(b));
	t_image_free(a);
	struct mxlb_worker *w = t_worker(b, 0, 1);
	struct t_resp r;
	struct t_query q = {.name = "one.example.net.", .type = LDNS_RR_TYPE_A};
	t_ask(&r, w, b, &q);
	struct t_rr an = {"one.example.net.", LDNS_RR_TYPE_A, 300, "192.0.2.1"};
	t_expect_answer(&r, &an, 1, NULL, 0);
	t_free(&r);
	t_worker_free(w);
	t_image_free(b);
}

/* ---- what ldns would read without a word (zonetext.h) ---- */

static const char zt_head[] = "$ORIGIN t.example.\n"
			      "$TTL 300\n"
			      "@ IN SOA ns1 admin 1 3600 600 86400 300\n"
			      "  IN NS ns1\n"
			      "ns1 IN A 192.0.2.1\n"
			      "mx1 IN A 192.0.2.2\n"; /* 6 lines */

/* Loads the zone ZT_HEAD + FILLER copies of a filler record + BODY from a
 * temporary file; returns the result with the error in ERR and the file's
 * path in PATH. */
static int zt_load(const char *body, unsigned filler, char *path, size_t plen, char *err,
		   size_t errlen)
{
	snprintf(path, plen, "/tmp/mxlb-zt-XXXXXX");
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	FILE *f = fdopen(fd, "w");
	cr_assert_not_null(f);
	fputs(zt_head, f);
	for (unsigned i = 0; i < filler; i++)
		fprintf(f, "h%u IN A 192.0.2.%u ; filler %u\n", i, i % 250 + 1, i);
	fputs(body, f);
	fclose(f);
	const char *files[1] = {path};
	struct mxlb_image_opts opts;
	t_opts(&opts);
	struct mxlb_image *img = NULL;
	memset(err, 0, errlen);
	int rc = mxlb_image_load(&img, files, 1, &opts, err, errlen);
	if (rc == 0)
		t_image_free(img);
	unlink(path);
	return rc;
}

/* BODY (after FILLER filler lines) fails at LINE with exactly REASON. */
static void zt_refused(const char *body, unsigned filler, int line, const char *reason)
{
	char path[64], err[512], want[700];
	int rc = zt_load(body, filler, path, sizeof(path), err, sizeof(err));
	cr_assert_lt(rc, 0, "loaded: %s", body);
	snprintf(want, sizeof(want), "%s:%d: %s", path, line, reason);
	cr_assert_str_eq(err, want, "for: %s", body);
}

static void zt_loads(const char *body)
{
	char path[64], err[512];
	int rc = zt_load(body, 0, path, sizeof(path), err, sizeof(err));
	cr_assert_eq(rc, 0, "refused: %s: %s", body, err);
}

Test(zone, sixteen_bit_fields_over_65535_refused)
{
	zt_refused("@ IN MX 70000 mx1\n", 0, 7,
		   "MX field 1 is 70000: not a number from 0 to 65535");
	zt_refused("; a comment\n\n   3600 IN MX 65536 mx1\n", 0, 9,
		   "MX field 1 is 65536: not a number from 0 to 65535");
	zt_refused("_s._tcp IN SRV ( 1 2\n  65536 mx1 )\n", 0, 8,
		   "SRV field 3 is 65536: not a number from 0 to 65535");
	zt_refused("_s._tcp IN SRV 65536 0 25 mx1\n", 0, 7,
		   "SRV field 1 is 65536: not a number from 0 to 65535");
	/* far into a file, past what the reading stream keeps of its start */
	zt_refused("@ IN MX 99999 mx1\n", 20000, 20007,
		   "MX field 1 is 99999: not a number from 0 to 65535");
}

Test(zone, sixteen_bit_fields_in_range_load)
{
	zt_loads("@ IN MX 65535 mx1\n"
		 "mx IN MX 0 mx1 ; an owner named like the type\n"
		 "  3600 IN MX 10 mx1\n"
		 "_s._tcp IN SRV ( 65535 65535 ; comment inside\n"
		 "  65535 mx1 )\n");
}

Test(zone, bad_ttl_directives_refused)
{
	const char *why = "not a TTL (seconds, or units such as 1h30m; at most 2147483647)";
	char reason[256];
	static const char *const bad[] = {"abc", "1x", "2147483648", "h1", "1hh", "-5"};
	for (size_t i = 0; i < T_N(bad); i++) {
		char body[64];
		snprintf(body, sizeof(body), "$TTL %s\nx IN A 192.0.2.9\n", bad[i]);
		snprintf(reason, sizeof(reason), "$TTL %s: %s", bad[i], why);
		zt_refused(body, 0, 7, reason);
	}
	snprintf(reason, sizeof(reason), "$TTL (none): %s", why);
	zt_refused("$TTL\nx IN A 192.0.2.9\n", 0, 7, reason);
	zt_loads("$TTL 1h30m\nx IN A 192.0.2.9\n$TTL 2W\ny IN A 192.0.2.9\n$TTL 2147483647\n");
}

Test(zone, unknown_and_incomplete_directives_refused)
{
	zt_refused("$FOO bar\n", 0, 7,
		   "unknown directive $FOO (zone files know $ORIGIN, $TTL and $INCLUDE)");
	zt_refused("$ORIGIN\n", 0, 7, "$ORIGIN needs a domain name");
	/* an owner that starts with "$" is written escaped */
	zt_loads("\\$x IN A 192.0.2.5\n");
}
