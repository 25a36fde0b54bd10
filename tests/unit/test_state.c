/* Member flags (image.h, edit.h; DESIGN §2-3): drain/undrain set and clear
 * a member's DRAIN flag, down/up its DOWN flag, and neither undoes the
 * other. The effective state is down when DOWN is set, else drain when
 * DRAIN is, else up. Checked through the answers (parsed with ldns), the
 * messages of the changes, the journal replayed over the zone as mxlbd does
 * it at start (replay.c), records of the single-state format 1 included,
 * and what `pools` prints (show.c).
 *
 * Zone: tests/unit/data/edit.zone. grp is MX 10 g1, 10 g2, 20 g3, 20 g4 and
 * wt is MX 10 wa, 10 wb, all out of zone (no additional section). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "edit.h"
#include "helpers.h"
#include "journal.h"
#include "pool.h"
#include "replay.h"
#include "show.h"
#include "text.h"

#define ARGV(...) ((const char *const[]){__VA_ARGS__})
#define NARG(...) ((int)T_N(ARGV(__VA_ARGS__)))
#define G(h)	  h ".out.test."
#define GRP	  "grp.edit.test."
#define WT	  "wt.edit.test."

/* Not tracked by the helpers: changes replace the image. */
static struct mxlb_image *load(void)
{
	struct mxlb_image_opts o;
	struct mxlb_image *img = NULL;
	char err[512] = "";
	const char *files[] = {MXLB_TEST_DATA "/edit.zone"};
	t_opts(&o);
	cr_assert_eq(mxlb_image_load(&img, files, 1, &o, err, sizeof(err)), 0, "%s", err);
	return img;
}

/* A change that must end in RC with message MSG (when not NULL). */
static void change_at(int line, struct mxlb_image **img, int rc, const char *msg, int argc,
		      const char *const *argv)
{
	char got[512] = "";
	uint64_t v = (*img)->version;
	int r = mxlb_edit_replay(img, MXLB_EDIT_FLAGS, argc, argv, got, sizeof(got));
	cr_assert_eq(r, rc, "line %d: %s %s: rc %d, expected %d: %s", line, argv[0], argv[1], r, rc,
		     got);
	if (msg)
		cr_assert_str_eq(got, msg, "line %d: %s %s: message '%s', expected '%s'", line,
				 argv[0], argv[1], got, msg);
	cr_assert_eq((*img)->version, rc == MXLB_EDIT_APPLIED ? v + 1 : v, "line %d: version",
		     line);
}

#define CHANGE(img, rc, msg, ...)                                                                  \
	change_at(__LINE__, img, rc, msg, NARG(__VA_ARGS__), ARGV(__VA_ARGS__))
#define APPLIED(img, msg, ...)	 CHANGE(img, MXLB_EDIT_APPLIED, msg, __VA_ARGS__)
#define UNCHANGED(img, msg, ...) CHANGE(img, MXLB_EDIT_NOCHANGE, msg, __VA_ARGS__)

/* Whether the wire name at P (LEN octets) is NAME, compared through ldns. */
static int name_is(const uint8_t *p, size_t len, const char *name)
{
	ldns_rdf *d = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, len, p);
	cr_assert_not_null(d);
	char *s = ldns_rdf2str(d);
	int same = s && strcasecmp(s, name) == 0;
	free(s);
	ldns_rdf_deep_free(d);
	return same;
}

/* The pool at OWNER MX. */
static const struct mxlb_cpool *mx_pool(const struct mxlb_image *img, const char *owner)
{
	for (uint32_t i = 0; i < img->npools; i++) {
		const struct mxlb_cpool *p = img->pools[i];
		const struct mxlb_node *n = &img->nodes[p->owner];
		if (p->type == LDNS_RR_TYPE_MX && name_is(img->names + n->name, n->name_len, owner))
			return p;
	}
	cr_assert_fail("no MX pool at %s", owner);
	return NULL;
}

/* The flags of the member of OWNER's MX pool whose exchange is HOST. */
static uint8_t flags_of(const struct mxlb_image *img, const char *owner, const char *host)
{
	const struct mxlb_cpool *p = mx_pool(img, owner);
	for (uint16_t m = 0; m < p->nmembers; m++) {
		const struct mxlb_member *mb = &p->members[m];
		if (mb->rdlen > 2 && name_is(p->rdata + mb->rdata + 2, mb->rdlen - 2u, host))
			return mb->flags;
	}
	cr_assert_fail("%s MX has no member %s", owner, host);
	return 0;
}

/* Asks OWNER MX; the answer must be exactly the N records RD, in order,
 * nothing else (out-of-zone exchanges: no additional section). */
static void expect_mx_at(int line, struct mxlb_worker *w, const struct mxlb_image *img,
			 const char *owner, size_t n, const char *const *rd)
{
	struct t_query q = {.name = owner, .type = LDNS_RR_TYPE_MX};
	struct t_rr an[8];
	struct t_resp r;
	cr_assert_leq(n, T_N(an));
	for (size_t i = 0; i < n; i++)
		an[i] = (struct t_rr){owner, LDNS_RR_TYPE_MX, 300, rd[i]};
	t_ask(&r, w, img, &q);
	cr_assert_eq(ldns_pkt_ancount(r.pkt), n, "line %d: %s: %u answers, expected %zu", line,
		     owner, ldns_pkt_ancount(r.pkt), n);
	t_expect_answer(&r, an, n, NULL, 0);
	t_free(&r);
}

#define EXPECT_MX(w, img, owner, ...)                                                              \
	expect_mx_at(__LINE__, w, img, owner, T_N(ARGV(__VA_ARGS__)), ARGV(__VA_ARGS__))

/* Drain, then down, then up: the drain is still there (the health checker's
 * up does not end an operator's drain); undrain ends it. */
Test(state, drain_down_up_leaves_drained)
{
	struct mxlb_image *img = load();
	struct mxlb_worker *w = t_worker(img, 0, 1);

	APPLIED(&img, "version 2: drain g1.out.test.: 1 member in 1 pool", "drain", G("g1"));
	cr_assert_eq(flags_of(img, GRP, G("g1")), MXLB_MEMBER_F_DRAIN);
	EXPECT_MX(w, img, GRP, "10 " G("g2"), "20 " G("g3"), "20 " G("g4"), "21 " G("g1"));

	APPLIED(&img, "version 3: down g1.out.test.: 1 member in 1 pool", "down", G("g1"));
	cr_assert_eq(flags_of(img, GRP, G("g1")), MXLB_MEMBER_F_DRAIN | MXLB_MEMBER_F_DOWN);
	cr_assert_eq(mxlb_member_state(flags_of(img, GRP, G("g1"))), MXLB_MEMBER_DOWN);
	EXPECT_MX(w, img, GRP, "10 " G("g2"), "20 " G("g3"), "20 " G("g4"));

	APPLIED(&img,
		"version 4: up g1.out.test.: 1 member in 1 pool; still drained in 1 (undrain ends "
		"a drain)",
		"up", G("g1"));
	cr_assert_eq(flags_of(img, GRP, G("g1")), MXLB_MEMBER_F_DRAIN);
	for (int k = 0; k < 3; k++)
		EXPECT_MX(w, img, GRP, "10 " G("g2"), "20 " G("g3"), "20 " G("g4"), "21 " G("g1"));
	/* never selected: the schedule is g2 alone */
	const struct mxlb_cpool *p = mx_pool(img, GRP);
	uint16_t next[8];
	mxlb_pool_preview(p, 0, 1, T_N(next), next);
	for (size_t k = 0; k < T_N(next); k++)
		cr_assert_eq(p->members[next[k]].flags, 0, "preview %zu selects a drained member",
			     k);

	UNCHANGED(&img,
		  "g1.out.test.: not down in 1 pool member; drained in 1 (undrain ends a drain)",
		  "up", G("g1"));
	UNCHANGED(&img, "g1.out.test.: already drained in 1 pool member", "drain", G("g1"));

	APPLIED(&img, "version 5: undrain g1.out.test.: 1 member in 1 pool", "undrain", G("g1"));
	cr_assert_eq(flags_of(img, GRP, G("g1")), 0);
	t_worker_free(w);
	w = t_worker(img, 0, 1);
	EXPECT_MX(w, img, GRP, "10 " G("g1"), "11 " G("g2"), "20 " G("g3"), "20 " G("g4"));
	EXPECT_MX(w, img, GRP, "10 " G("g2"), "11 " G("g1"), "20 " G("g3"), "20 " G("g4"));
	t_worker_free(w);
	mxlb_image_free(img);
}

/* Down, then undrain: still down (nothing to change, and the message says
 * why). Drain and undrain while down leave it down; only up lists it. */
Test(state, down_undrain_leaves_down)
{
	struct mxlb_image *img = load();
	struct mxlb_worker *w = t_worker(img, 0, 1);

	APPLIED(&img, "version 2: down g1.out.test.: 1 member in 1 pool", "down", G("g1"));
	UNCHANGED(&img, "g1.out.test.: not drained in 1 pool member; down in 1 (up ends a down)",
		  "undrain", G("g1"));
	UNCHANGED(&img, "g1.out.test.: already down in 1 pool member", "down", G("g1"));
	cr_assert_eq(flags_of(img, GRP, G("g1")), MXLB_MEMBER_F_DOWN);
	EXPECT_MX(w, img, GRP, "10 " G("g2"), "20 " G("g3"), "20 " G("g4"));

	APPLIED(&img,
		"version 3: drain g1.out.test.: 1 member in 1 pool; still down in 1 (up ends a "
		"down)",
		"drain", G("g1"));
	EXPECT_MX(w, img, GRP, "10 " G("g2"), "20 " G("g3"), "20 " G("g4"));
	APPLIED(&img,
		"version 4: undrain g1.out.test.: 1 member in 1 pool; still down in 1 (up ends a "
		"down)",
		"undrain", G("g1"));
	cr_assert_eq(flags_of(img, GRP, G("g1")), MXLB_MEMBER_F_DOWN);
	EXPECT_MX(w, img, GRP, "10 " G("g2"), "20 " G("g3"), "20 " G("g4"));

	APPLIED(&img, "version 5: up g1.out.test.: 1 member in 1 pool", "up", G("g1"));
	cr_assert_eq(flags_of(img, GRP, G("g1")), 0);
	t_worker_free(w);
	w = t_worker(img, 0, 1);
	EXPECT_MX(w, img, GRP, "10 " G("g1"), "11 " G("g2"), "20 " G("g3"), "20 " G("g4"));
	t_worker_free(w);
	mxlb_image_free(img);
}

/* The all-down policy (fail open by default) follows the effective state: a
 * member drained and down counts as down, and when the checker brings the
 * other back, the drained one stays out of rotation. */
Test(state, all_down_follows_the_effective_state)
{
	struct mxlb_image *img = load();
	struct mxlb_worker *w = t_worker(img, 0, 1);

	APPLIED(&img, NULL, "drain", G("wa"));
	APPLIED(&img, NULL, "down", G("wb"));
	cr_assert_eq(mx_pool(img, WT)->failopen, 1);
	APPLIED(&img, NULL, "down", G("wa"));
	cr_assert_eq(mx_pool(img, WT)->failopen, 1);
	EXPECT_MX(w, img, WT, "10 " G("wa"), "11 " G("wb"));

	APPLIED(&img, NULL, "up", G("wb"));
	cr_assert_eq(mx_pool(img, WT)->failopen, 0);
	EXPECT_MX(w, img, WT, "10 " G("wb"));
	EXPECT_MX(w, img, WT, "10 " G("wb"));

	APPLIED(&img, NULL, "up", G("wa"));
	cr_assert_eq(mx_pool(img, WT)->failopen, 0);
	EXPECT_MX(w, img, WT, "10 " G("wb"), "11 " G("wa"));
	EXPECT_MX(w, img, WT, "10 " G("wb"), "11 " G("wa"));
	t_worker_free(w);
	mxlb_image_free(img);
}

/* ---- the journal replayed over the zone, as mxlbd does at start ---- */

TestSuite(state_journal, .init = t_journal_setup, .fini = t_journal_teardown);

/* Appends a record of FORMAT ('1', '2') with the words ARGV, as journal.h
 * describes it, to the journal file. */
static void write_record(char format, int argc, const char *const *argv)
{
	uint8_t rec[512];
	size_t len = 0;
	for (int i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]) + 1;
		cr_assert_leq(12 + len + l, sizeof(rec));
		memcpy(rec + 12 + len, argv[i], l);
		len += l;
	}
	uint32_t crc = mxlb_journal_crc(rec + 12, len);
	memcpy(rec, "MXJ", 3);
	rec[3] = (uint8_t)format;
	for (int i = 0; i < 4; i++) {
		rec[4 + i] = (uint8_t)(len >> (24 - 8 * i));
		rec[8 + i] = (uint8_t)(crc >> (24 - 8 * i));
	}
	int fd = open(t_jpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, rec, 12 + len), (ssize_t)(12 + len));
	close(fd);
}

#define RECORD(format, ...) write_record(format, NARG(__VA_ARGS__), ARGV(__VA_ARGS__))

/* The zone with the journal replayed over it (mxlb_replay_open); R holds
 * the report, J the open journal. */
static struct mxlb_image *restart(struct mxlb_replay *r, struct mxlb_journal *j)
{
	*r = (struct mxlb_replay){.img = load()};
	int rc = mxlb_replay_open(r, j, t_jpath);
	cr_assert_eq(rc, 0, "replay: %d: %s", rc, r->err);
	cr_assert_str_eq(r->note, "");
	return r->img;
}

/* Drain, down and up written by this mxlbd replay to drained; so does the
 * same journal again at zone reload. */
Test(state_journal, combination_replays_drained)
{
	struct mxlb_replay r;
	struct mxlb_journal j;
	struct mxlb_image *img = restart(&r, &j);
	cr_assert_eq(r.kept + r.dropped, 0);
	static const char *const words[][2] = {
	    {"drain", G("g1")}, {"down", G("g1")}, {"up", G("g1")}, {"down", G("g2")}};
	for (size_t i = 0; i < T_N(words); i++)
		cr_assert_eq(mxlb_journal_append(&j, 2, words[i]), 0);
	mxlb_journal_close(&j);
	mxlb_replay_fini(&r);
	mxlb_image_free(img);

	img = restart(&r, &j);
	cr_assert_eq(r.kept, 4);
	cr_assert_eq(r.dropped, 0);
	cr_assert_eq(img->version, 5);
	cr_assert_eq(flags_of(img, GRP, G("g1")), MXLB_MEMBER_F_DRAIN);
	cr_assert_eq(flags_of(img, GRP, G("g2")), MXLB_MEMBER_F_DOWN);
	struct mxlb_worker *w = t_worker(img, 0, 1);
	/* group 10 has no member up: group 20 takes turns, g1 after it */
	EXPECT_MX(w, img, GRP, "20 " G("g3"), "21 " G("g4"), "22 " G("g1"));
	EXPECT_MX(w, img, GRP, "20 " G("g4"), "21 " G("g3"), "22 " G("g1"));
	t_worker_free(w);

	/* zone reload: the zone again, the journal over it */
	mxlb_image_free(img);
	r.img = load();
	cr_assert_eq(mxlb_replay_again(&r, &j), 0, "%s", r.err);
	img = r.img;
	cr_assert_eq(r.kept, 4);
	cr_assert_eq(flags_of(img, GRP, G("g1")), MXLB_MEMBER_F_DRAIN);
	cr_assert_eq(flags_of(img, GRP, G("g2")), MXLB_MEMBER_F_DOWN);
	mxlb_journal_close(&j);
	mxlb_replay_fini(&r);
	mxlb_image_free(img);
}

/* Format 1 records (an mxlbd of one state per member) replay with the
 * meaning they were written with, so the members come back as that mxlbd
 * served them; the format 2 records after them apply as flags. */
Test(state_journal, single_state_records_keep_their_meaning)
{
	RECORD('1', "drain", G("g1")); /* ... then up: up (it ended the drain) */
	RECORD('1', "up", G("g1"));
	RECORD('1', "drain", G("g2")); /* ... then down: down, not drained */
	RECORD('1', "down", G("g2"));
	RECORD('1', "down", G("g3")); /* ... then drain: drained, not down */
	RECORD('1', "drain", G("g3"));
	RECORD('1', "down", G("g4")); /* ... then undrain: still down */
	RECORD('1', "undrain", G("g4"));
	RECORD('1', "down", G("wa")); /* ... then drain, undrain: up */
	RECORD('1', "drain", G("wa"));
	RECORD('1', "undrain", G("wa"));

	struct mxlb_replay r;
	struct mxlb_journal j;
	struct mxlb_image *img = restart(&r, &j);
	cr_assert_eq(r.kept, 11);
	cr_assert_eq(r.dropped, 0);
	cr_assert_eq(img->version, 11, "one record changed nothing: version %llu",
		     (unsigned long long)img->version);
	cr_assert_eq(flags_of(img, GRP, G("g1")), 0);
	cr_assert_eq(flags_of(img, GRP, G("g2")), MXLB_MEMBER_F_DOWN);
	cr_assert_eq(flags_of(img, GRP, G("g3")), MXLB_MEMBER_F_DRAIN);
	cr_assert_eq(flags_of(img, GRP, G("g4")), MXLB_MEMBER_F_DOWN);
	cr_assert_eq(flags_of(img, WT, G("wa")), 0);
	struct mxlb_worker *w = t_worker(img, 0, 1);
	EXPECT_MX(w, img, GRP, "10 " G("g1"), "11 " G("g3"));
	t_worker_free(w);
	mxlb_replay_fini(&r);
	mxlb_image_free(img);

	/* this mxlbd appends format 2: up g2 ends its down, and g4, down
	 * since format 1, is drained and then up: drained */
	static const char *const words[][2] = {
	    {"up", G("g2")}, {"drain", G("g4")}, {"up", G("g4")}};
	for (size_t i = 0; i < T_N(words); i++)
		cr_assert_eq(mxlb_journal_append(&j, 2, words[i]), 0);
	mxlb_journal_close(&j);

	img = restart(&r, &j);
	cr_assert_eq(r.kept, 14);
	cr_assert_eq(flags_of(img, GRP, G("g1")), 0);
	cr_assert_eq(flags_of(img, GRP, G("g2")), 0);
	cr_assert_eq(flags_of(img, GRP, G("g3")), MXLB_MEMBER_F_DRAIN);
	cr_assert_eq(flags_of(img, GRP, G("g4")), MXLB_MEMBER_F_DRAIN);
	w = t_worker(img, 0, 1);
	EXPECT_MX(w, img, GRP, "10 " G("g1"), "11 " G("g2"), "12 " G("g3"), "12 " G("g4"));
	EXPECT_MX(w, img, GRP, "10 " G("g2"), "11 " G("g1"), "12 " G("g3"), "12 " G("g4"));
	t_worker_free(w);
	mxlb_journal_close(&j);
	mxlb_replay_fini(&r);
	mxlb_image_free(img);
}

/* ---- what `pools` shows ---- */

/* The words of the text line of member HOST in T ("10", "g1.out.test.",
 * "weight", "1", STATE, "served", N): its state word, or "". */
static const char *state_word(const char *t, const char *host)
{
	static char word[32];
	char line[512];
	word[0] = 0;
	for (const char *p = t; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		p += n + (nl != NULL);
		char *save, *w[8];
		int k = 0;
		for (char *tok = strtok_r(line, " ", &save); tok && k < 8;
		     tok = strtok_r(NULL, " ", &save))
			w[k++] = tok;
		if (k == 7 && strcmp(w[1], host) == 0 && strcmp(w[2], "weight") == 0 &&
		    strcmp(w[5], "served") == 0) {
			snprintf(word, sizeof(word), "%s", w[4]);
			break;
		}
	}
	return word;
}

/* Both flags, in text (the state column: up, drain, down, down+drain) and
 * in JSON (the effective state under "state", as before, and the flags as
 * booleans). */
Test(state, pools_show_both_flags)
{
	struct mxlb_image *img = load();
	APPLIED(&img, NULL, "drain", G("g2"));
	APPLIED(&img, NULL, "down", G("g3"));
	APPLIED(&img, NULL, "drain", G("g4"));
	APPLIED(&img, NULL, "down", G("g4"));

	struct mxlb_text t = {0};
	cr_assert_eq(mxlb_show_pools(&t, img, 2, ARGV(GRP, "MX"), false), 0, "%s",
		     mxlb_text_str(&t));
	const char *s = mxlb_text_str(&t);
	cr_assert(strncmp(s, "version 5: 1 pool\n", 18) == 0, "%s", s);
	cr_assert_str_eq(state_word(s, G("g1")), "up", "%s", s);
	cr_assert_str_eq(state_word(s, G("g2")), "drain", "%s", s);
	cr_assert_str_eq(state_word(s, G("g3")), "down", "%s", s);
	cr_assert_str_eq(state_word(s, G("g4")), "down+drain", "%s", s);

	mxlb_text_reset(&t);
	cr_assert_eq(mxlb_show_pools(&t, img, 2, ARGV(GRP, "MX"), true), 0);
	s = mxlb_text_str(&t);
	static const char *const members[] = {
	    "{\"rdata\":\"10 g1.out.test.\",\"weight\":1,\"state\":\"up\",\"drain\":false,"
	    "\"down\":false,\"served\":0}",
	    "{\"rdata\":\"10 g2.out.test.\",\"weight\":1,\"state\":\"drain\",\"drain\":true,"
	    "\"down\":false,\"served\":0}",
	    "{\"rdata\":\"20 g3.out.test.\",\"weight\":1,\"state\":\"down\",\"drain\":false,"
	    "\"down\":true,\"served\":0}",
	    "{\"rdata\":\"20 g4.out.test.\",\"weight\":1,\"state\":\"down\",\"drain\":true,"
	    "\"down\":true,\"served\":0}",
	};
	char all[1024] = "";
	for (size_t i = 0; i < T_N(members); i++)
		snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s%s", i ? "," : "",
			 members[i]);
	char want[1200];
	snprintf(want, sizeof(want), "\"members\":[%s]}]}\n", all);
	cr_assert(strstr(s, want) != NULL, "JSON %s lacks %s", s, want);
	cr_assert(strncmp(s, "{\"version\":5,\"pools\":[{", 23) == 0, "%s", s);

	mxlb_text_free(&t);
	mxlb_image_free(img);
}
