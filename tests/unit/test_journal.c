/* The change journal (journal.h, DESIGN §5): records appended and made
 * durable, replayed in order with exactly the words written, a torn or
 * corrupt last record dropped and cut off so that the journal always loads,
 * records the callback drops removed by rewriting the file. Files live in a
 * fresh mkdtemp directory under /tmp per test. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "edit.h"
#include "helpers.h"
#include "journal.h"

#define ARGV(...) ((const char *const[]){__VA_ARGS__})
#define NARG(...) ((int)T_N(ARGV(__VA_ARGS__)))

/* ---- a scratch directory per test ---- */

TestSuite(journal, .init = t_journal_setup, .fini = t_journal_teardown);

/* ---- what the replay callback saw ---- */

#define REC_MAX 64

struct rec {
	unsigned format;
	int argc;
	const char *word[MXLB_JOURNAL_ARGS_MAX]; /* in the seen's arena */
};

struct seen {
	size_t n;
	struct rec r[REC_MAX];
	uint64_t drop; /* bit i: return 1 (drop) for the i-th record */
	size_t used;
	char arena[4 * MXLB_JOURNAL_RECORD_MAX];
};

static int collect(void *arg, unsigned format, int argc, const char *const *argv)
{
	struct seen *s = arg;
	cr_assert_lt(s->n, REC_MAX);
	cr_assert_geq(argc, 1);
	cr_assert_leq(argc, MXLB_JOURNAL_ARGS_MAX);
	struct rec *r = &s->r[s->n];
	r->format = format;
	r->argc = argc;
	for (int i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]) + 1;
		cr_assert_leq(s->used + l, sizeof(s->arena), "test bug: arena full");
		memcpy(s->arena + s->used, argv[i], l);
		r->word[i] = s->arena + s->used;
		s->used += l;
	}
	return (s->drop >> s->n++) & 1;
}

static int never(void *arg, unsigned format, int argc, const char *const *argv)
{
	(void)arg;
	(void)format;
	(void)argc;
	(void)argv;
	cr_assert_fail("callback called for an empty journal");
	return 0;
}

/* Commands written in the tests, by index. */
struct cmd {
	int argc;
	const char *const *argv;
};

#define CMD(...)                                                                                   \
	{                                                                                          \
		NARG(__VA_ARGS__), ARGV(__VA_ARGS__)                                               \
	}

static const struct cmd cmds[] = {
    CMD("member", "add", "example.net", "MX", "10 mx5.example.net."),
    CMD("drain", "mx2.example.net."),
    CMD("weight", "example.net.", "MX", "10 mx1.example.net.", "3"),
    CMD("member", "add", "www.example.net.", "A", "198.51.100.9", "--weight", "2"),
    CMD("down", "2001:db8::11"),
    CMD("member", "del", "_submission._tcp.example.net.", "SRV", "10 5 588 mx2.example.net."),
    CMD("up", "mx2.example.net."),
};

static void expect_seen(const struct seen *s, const struct cmd *const *exp, size_t n)
{
	cr_assert_eq(s->n, n, "replay gave %zu records, expected %zu", s->n, n);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(s->r[i].format, MXLB_JOURNAL_FORMAT, "record %zu: format %u", i,
			     s->r[i].format);
		cr_assert_eq(s->r[i].argc, exp[i]->argc, "record %zu: %d words, expected %d", i,
			     s->r[i].argc, exp[i]->argc);
		for (int k = 0; k < exp[i]->argc; k++)
			cr_assert_str_eq(s->r[i].word[k], exp[i]->argv[k],
					 "record %zu word %d: '%s', expected '%s'", i, k,
					 s->r[i].word[k], exp[i]->argv[k]);
	}
}

/* Opens the journal (must succeed) and replays into S; returns the note. */
static const char *open_j(struct mxlb_journal *j, struct seen *s)
{
	static char note[1024];
	char err[1024] = "";
	memset(note, 'x', sizeof(note) - 1);
	note[sizeof(note) - 1] = 0;
	int rc = mxlb_journal_open(j, t_jpath, collect, s, note, sizeof(note), err, sizeof(err));
	cr_assert_eq(rc, 0, "mxlb_journal_open(%s) = %d: %s", t_jpath, rc, err);
	cr_assert_geq(j->fd, 0);
	return note;
}

static void append_ok(struct mxlb_journal *j, const struct cmd *c)
{
	uint64_t before = j->records;
	int rc = mxlb_journal_append(j, c->argc, c->argv);
	cr_assert_eq(rc, 0, "mxlb_journal_append(%s ...) = %d", c->argv[0], rc);
	cr_assert_eq(j->records, before + 1);
}

/* Writes CMDS[0..n) into a new journal and closes it. */
static void write_journal(size_t n)
{
	struct mxlb_journal j;
	struct seen s = {0};
	const char *note = open_j(&j, &s);
	cr_assert_str_eq(note, "");
	cr_assert_eq(s.n, 0);
	for (size_t i = 0; i < n; i++)
		append_ok(&j, &cmds[i]);
	mxlb_journal_close(&j);
}

static off_t file_size(void)
{
	struct stat st;
	cr_assert_eq(stat(t_jpath, &st), 0, "stat %s: %s", t_jpath, strerror(errno));
	return st.st_size;
}

/* Octets of the record of C in FORMAT as journal.h defines it: "MXJ" and
 * the format digit, payload length (u32 BE), CRC-32C of the payload (u32
 * BE), the words each ended by NUL. */
static size_t encode_format(const struct cmd *c, char format, uint8_t *out, size_t cap)
{
	size_t len = 0;
	for (int i = 0; i < c->argc; i++)
		len += strlen(c->argv[i]) + 1;
	cr_assert_leq(12 + len, cap);
	uint8_t *p = out + 12;
	for (int i = 0; i < c->argc; i++) {
		size_t l = strlen(c->argv[i]) + 1;
		memcpy(p, c->argv[i], l);
		p += l;
	}
	uint32_t crc = mxlb_journal_crc(out + 12, len);
	memcpy(out, "MXJ", 3);
	out[3] = (uint8_t)format;
	for (int i = 0; i < 4; i++) {
		out[4 + i] = (uint8_t)(len >> (24 - 8 * i));
		out[8 + i] = (uint8_t)(crc >> (24 - 8 * i));
	}
	return 12 + len;
}

/* The record of C as mxlb_journal_append writes it: format 2. */
static size_t encode(const struct cmd *c, uint8_t *out, size_t cap)
{
	return encode_format(c, '2', out, cap);
}

static size_t rec_len(const struct cmd *c)
{
	uint8_t buf[MXLB_JOURNAL_RECORD_MAX];
	return encode(c, buf, sizeof(buf));
}

static size_t recs_len(size_t n)
{
	size_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += rec_len(&cmds[i]);
	return sum;
}

static void append_raw(const void *p, size_t n)
{
	int fd = open(t_jpath, O_WRONLY | O_APPEND);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, p, n), (ssize_t)n);
	close(fd);
}

static void truncate_to(off_t size)
{
	cr_assert_eq(truncate(t_jpath, size), 0, "truncate: %s", strerror(errno));
}

static void poke(off_t off, uint8_t xor)
{
	int fd = open(t_jpath, O_RDWR);
	uint8_t b;
	cr_assert_geq(fd, 0);
	cr_assert_eq(pread(fd, &b, 1, off), 1);
	b ^= xor;
	cr_assert_eq(pwrite(fd, &b, 1, off), 1);
	close(fd);
}

static int tmp_exists(void)
{
	char p[600];
	snprintf(p, sizeof(p), "%s.tmp", t_jpath);
	return access(p, F_OK) == 0;
}

static const struct cmd *const first[] = {&cmds[0], &cmds[1], &cmds[2], &cmds[3],
					  &cmds[4], &cmds[5], &cmds[6]};

/* After a torn tail was dropped: the good records are the file, a further
 * open has nothing to report, and appending works. */
static void expect_recovered(size_t ngood)
{
	struct mxlb_journal j;
	struct seen s = {0};
	cr_assert_eq(file_size(), (off_t)recs_len(ngood), "file of %lld octets, expected %zu",
		     (long long)file_size(), recs_len(ngood));
	const char *note = open_j(&j, &s);
	cr_assert_str_eq(note, "", "second open reports '%s'", note);
	expect_seen(&s, first, ngood);
	cr_assert_eq(j.records, ngood);
	append_ok(&j, &cmds[6]);
	mxlb_journal_close(&j);

	struct seen s2 = {0};
	note = open_j(&j, &s2);
	cr_assert_str_eq(note, "");
	const struct cmd *exp[REC_MAX];
	for (size_t i = 0; i < ngood; i++)
		exp[i] = &cmds[i];
	exp[ngood] = &cmds[6];
	expect_seen(&s2, exp, ngood + 1);
	mxlb_journal_close(&j);
}

/* A torn last record: dropped, reported, cut off. */
static void expect_torn(size_t ngood)
{
	struct mxlb_journal j;
	struct seen s = {0};
	const char *note = open_j(&j, &s);
	cr_assert(strstr(note, "torn") != NULL && strstr(note, "dropped") != NULL,
		  "note '%s' does not say a torn record was dropped", note);
	cr_assert(strstr(note, t_jpath) != NULL, "note '%s' does not name %s", note, t_jpath);
	expect_seen(&s, first, ngood);
	cr_assert_eq(j.records, ngood);
	mxlb_journal_close(&j);
	expect_recovered(ngood);
}

/* ---- tests ---- */

Test(journal, crc32c)
{
	/* the CRC-32C check value (RFC 3720 B.4, "123456789") */
	cr_assert_eq(mxlb_journal_crc((const uint8_t *)"123456789", 9), 0xE3069283u);
	cr_assert_eq(mxlb_journal_crc((const uint8_t *)"", 0), 0);
	static const uint8_t zeros[32] = {0};
	cr_assert_eq(mxlb_journal_crc(zeros, 32), 0x8A9136AAu); /* RFC 3720 B.4 */
}

Test(journal, missing_file_is_created_empty)
{
	struct mxlb_journal j;
	char note[256] = "x", err[256] = "";
	int rc = mxlb_journal_open(&j, t_jpath, never, NULL, note, sizeof(note), err, sizeof(err));
	cr_assert_eq(rc, 0, "rc %d: %s", rc, err);
	cr_assert_str_eq(note, "");
	cr_assert_eq(j.records, 0);
	cr_assert_eq(file_size(), 0);
	mxlb_journal_close(&j);
	cr_assert_eq(j.fd, -1);
}

Test(journal, empty_file)
{
	int fd = open(t_jpath, O_CREAT | O_WRONLY, 0644);
	cr_assert_geq(fd, 0);
	close(fd);
	struct mxlb_journal j;
	char note[256] = "x", err[256] = "";
	int rc = mxlb_journal_open(&j, t_jpath, never, NULL, note, sizeof(note), err, sizeof(err));
	cr_assert_eq(rc, 0, "rc %d: %s", rc, err);
	cr_assert_str_eq(note, "");
	cr_assert_eq(j.records, 0);
	rc = mxlb_journal_replay(&j, never, NULL, note, sizeof(note), err, sizeof(err));
	cr_assert_eq(rc, 0, "rc %d: %s", rc, err);
	cr_assert_str_eq(note, "");
	mxlb_journal_close(&j);
	cr_assert_eq(file_size(), 0);
}

Test(journal, nonexistent_directory)
{
	char path[700];
	snprintf(path, sizeof(path), "%s/no/such/dir/journal", t_jdir);
	struct mxlb_journal j;
	char note[256] = "", err[1024] = "";
	struct seen s = {0};
	int rc = mxlb_journal_open(&j, path, collect, &s, note, sizeof(note), err, sizeof(err));
	cr_assert_eq(rc, -ENOENT, "rc %d: %s", rc, err);
	cr_assert(strstr(err, path) != NULL, "error '%s' does not name %s", err, path);
	cr_assert_eq(s.n, 0);
}

Test(journal, append_and_replay_in_order)
{
	write_journal(T_N(cmds));
	cr_assert_eq(file_size(), (off_t)recs_len(T_N(cmds)));
	struct mxlb_journal j;
	struct seen s = {0};
	const char *note = open_j(&j, &s);
	cr_assert_str_eq(note, "");
	expect_seen(&s, first, T_N(cmds));
	cr_assert_eq(j.records, T_N(cmds));
	/* mxlb_journal_replay again (zone reload): the same, plus what was
	 * appended since */
	append_ok(&j, &cmds[1]);
	struct seen s2 = {0};
	char note2[256] = "x", err[256] = "";
	int rc = mxlb_journal_replay(&j, collect, &s2, note2, sizeof(note2), err, sizeof(err));
	cr_assert_eq(rc, 0, "rc %d: %s", rc, err);
	cr_assert_str_eq(note2, "");
	const struct cmd *exp[] = {&cmds[0], &cmds[1], &cmds[2], &cmds[3],
				   &cmds[4], &cmds[5], &cmds[6], &cmds[1]};
	expect_seen(&s2, exp, T_N(exp));
	cr_assert_eq(j.records, T_N(exp));
	mxlb_journal_close(&j);
}

/* The file holds exactly the records journal.h describes. */
Test(journal, record_format)
{
	write_journal(3);
	uint8_t want[3 * MXLB_JOURNAL_RECORD_MAX], got[3 * MXLB_JOURNAL_RECORD_MAX];
	size_t n = 0;
	for (size_t i = 0; i < 3; i++)
		n += encode(&cmds[i], want + n, sizeof(want) - n);
	int fd = open(t_jpath, O_RDONLY);
	cr_assert_geq(fd, 0);
	ssize_t r = read(fd, got, sizeof(got));
	close(fd);
	cr_assert_eq(r, (ssize_t)n, "file of %zd octets, expected %zu", r, n);
	cr_assert_arr_eq(got, want, n);
}

/* Records of format 1 (from an mxlbd of one state per member) are offered
 * with that format, beside format 2 ones, and a rewrite copies each record's
 * octets: a format 1 record stays format 1. */
Test(journal, record_formats)
{
	uint8_t buf[3 * MXLB_JOURNAL_RECORD_MAX];
	size_t n0 = encode_format(&cmds[1], '1', buf, sizeof(buf));
	size_t n = n0 + encode_format(&cmds[6], '1', buf + n0, sizeof(buf) - n0);
	n += encode(&cmds[2], buf + n, sizeof(buf) - n);
	int fd = open(t_jpath, O_CREAT | O_WRONLY, 0644);
	cr_assert_geq(fd, 0);
	close(fd);
	append_raw(buf, n);

	struct mxlb_journal j;
	struct seen s = {.drop = 1u << 0};
	cr_assert_str_eq(open_j(&j, &s), "");
	cr_assert_eq(s.n, 3);
	static const unsigned formats[] = {1, 1, 2};
	const struct cmd *exp[] = {&cmds[1], &cmds[6], &cmds[2]};
	for (size_t i = 0; i < 3; i++) {
		cr_assert_eq(s.r[i].format, formats[i], "record %zu: format %u", i, s.r[i].format);
		cr_assert_str_eq(s.r[i].word[0], exp[i]->argv[0]);
	}
	/* the first dropped: the file is the other two, octet for octet */
	uint8_t got[3 * MXLB_JOURNAL_RECORD_MAX];
	fd = open(t_jpath, O_RDONLY);
	cr_assert_geq(fd, 0);
	ssize_t r = read(fd, got, sizeof(got));
	close(fd);
	cr_assert_eq(r, (ssize_t)(n - n0));
	cr_assert_arr_eq(got, buf + n0, n - n0);
	append_ok(&j, &cmds[4]);
	mxlb_journal_close(&j);

	struct seen s2 = {0};
	cr_assert_str_eq(open_j(&j, &s2), "");
	cr_assert_eq(s2.n, 3);
	static const unsigned formats2[] = {1, 2, MXLB_JOURNAL_FORMAT};
	const struct cmd *exp2[] = {&cmds[6], &cmds[2], &cmds[4]};
	for (size_t i = 0; i < 3; i++) {
		cr_assert_eq(s2.r[i].format, formats2[i], "record %zu: format %u", i,
			     s2.r[i].format);
		cr_assert_str_eq(s2.r[i].word[0], exp2[i]->argv[0]);
	}
	mxlb_journal_close(&j);
}

/* A record whose format octet is no format digit ends the journal, like a
 * torn one. */
Test(journal, bad_format_is_torn)
{
	static const char fmt[] = {'0', 'X', (char)0xb2};
	for (size_t i = 0; i < T_N(fmt); i++) {
		unlink(t_jpath);
		write_journal(2);
		uint8_t buf[MXLB_JOURNAL_RECORD_MAX];
		append_raw(buf, encode_format(&cmds[2], fmt[i], buf, sizeof(buf)));
		expect_torn(2);
	}
}

/* A whole record of a newer format (a downgraded mxlbd) is not cut off: the
 * replay fails with a message naming the record and its format, and the
 * file stays as it was, every octet. */
Test(journal, newer_format_refused_file_kept)
{
	static const char fmt[] = {'3', '9'};
	for (size_t i = 0; i < T_N(fmt); i++) {
		unlink(t_jpath);
		write_journal(2);
		uint8_t buf[MXLB_JOURNAL_RECORD_MAX];
		append_raw(buf, encode_format(&cmds[2], fmt[i], buf, sizeof(buf)));
		append_raw(buf, encode_format(&cmds[3], '2', buf, sizeof(buf)));
		const off_t before = file_size();

		struct mxlb_journal j;
		struct seen s = {0};
		char note[256] = "", err[512] = "";
		int rc = mxlb_journal_open(&j, t_jpath, collect, &s, note, sizeof(note), err,
					   sizeof(err));
		cr_assert_eq(rc, -EPROTO, "format %c: rc %d (%s)", fmt[i], rc, err);
		char want[64];
		snprintf(want, sizeof(want), "record 3 (offset %zu) is of format %c", recs_len(2),
			 fmt[i]);
		cr_assert(strstr(err, want) != NULL, "error '%s' lacks '%s'", err, want);
		cr_assert(strstr(err, t_jpath) != NULL, "error '%s' does not name the file", err);
		cr_assert_str_eq(note, "");
		cr_assert_eq(file_size(), before, "the file changed");
		if (j.fd >= 0)
			mxlb_journal_close(&j);
	}
}

Test(journal, words_with_spaces_and_quotes)
{
	const struct cmd odd[] = {
	    CMD("member", "add", "example.net.", "TXT", "\"quoted \\\" text\" 'single' x"),
	    CMD("weight", "  leading and trailing  ", "\ttab\tand\nnewline", "\\backslash\\"),
	    CMD("drain", ""),
	    CMD("x"),
	    CMD("member", "add", "b\xc3\xbc\x63her.example.", "MX", "10 mx.example.", "--weight",
		"7"),
	};
	struct mxlb_journal j;
	struct seen s = {0};
	open_j(&j, &s);
	for (size_t i = 0; i < T_N(odd); i++)
		append_ok(&j, &odd[i]);
	mxlb_journal_close(&j);
	struct seen s2 = {0};
	cr_assert_str_eq(open_j(&j, &s2), "");
	const struct cmd *exp[T_N(odd)];
	for (size_t i = 0; i < T_N(odd); i++)
		exp[i] = &odd[i];
	expect_seen(&s2, exp, T_N(odd));
	mxlb_journal_close(&j);
}

/* The most words a record holds, and the largest record. */
Test(journal, limits)
{
	static const char *const many[MXLB_JOURNAL_ARGS_MAX] = {
	    "w0", "w1", "w2",  "w3",  "w4",  "w5",  "w6",  "w7",
	    "w8", "w9", "w10", "w11", "w12", "w13", "w14", "w15"};
	static char big[MXLB_JOURNAL_RECORD_MAX - 12];
	memset(big, 'b', sizeof(big) - 1); /* payload: this word and its NUL: exactly the max */
	const struct cmd ok[] = {{MXLB_JOURNAL_ARGS_MAX, many}, {1, ARGV(big)}};
	struct mxlb_journal j;
	struct seen s = {0};
	open_j(&j, &s);
	append_ok(&j, &ok[0]);
	append_ok(&j, &ok[1]);
	off_t size = file_size();

	static const char *const toomany[MXLB_JOURNAL_ARGS_MAX + 1] = {
	    "w0", "w1",	 "w2",	"w3",  "w4",  "w5",  "w6",  "w7", "w8",
	    "w9", "w10", "w11", "w12", "w13", "w14", "w15", "w16"};
	static char huge[MXLB_JOURNAL_RECORD_MAX];
	memset(huge, 'h', sizeof(huge) - 1);
	cr_assert_eq(mxlb_journal_append(&j, MXLB_JOURNAL_ARGS_MAX + 1, toomany), -EINVAL);
	cr_assert_eq(mxlb_journal_append(&j, 0, many), -EINVAL);
	cr_assert_eq(mxlb_journal_append(&j, 1, ARGV(huge)), -E2BIG);
	cr_assert_eq(file_size(), size, "a refused append left octets behind");
	cr_assert_eq(j.records, 2);
	mxlb_journal_close(&j);

	struct seen s2 = {0};
	cr_assert_str_eq(open_j(&j, &s2), "");
	const struct cmd *exp[] = {&ok[0], &ok[1]};
	expect_seen(&s2, exp, 2);
	mxlb_journal_close(&j);
}

/* A crash in the middle of the last append: the file ends 1 to 11 octets
 * short of the last record (header intact, payload cut). */
Test(journal, torn_last_record_cut_short)
{
	cr_assert_gt(rec_len(&cmds[2]), 12 + 11, "test bug: last record too short");
	for (off_t cut = 1; cut <= 11; cut++) {
		unlink(t_jpath);
		write_journal(3);
		truncate_to((off_t)recs_len(3) - cut);
		expect_torn(2);
	}
}

/* Cut inside the header of the last record. */
Test(journal, torn_last_header)
{
	for (size_t keep = 1; keep < 12; keep++) {
		unlink(t_jpath);
		write_journal(3);
		truncate_to((off_t)(recs_len(2) + keep));
		expect_torn(2);
	}
}

/* A cut record followed by garbage. */
Test(journal, torn_record_then_garbage)
{
	static const char junk[] = "garbage after the cut\x01\x02";
	for (off_t cut = 1; cut <= 11; cut += 5) {
		unlink(t_jpath);
		write_journal(3);
		truncate_to((off_t)recs_len(3) - cut);
		append_raw(junk, sizeof(junk));
		expect_torn(2);
	}
}

/* Garbage after the last complete record: that record stays. */
Test(journal, garbage_after_last_record)
{
	write_journal(3);
	append_raw("\0\0\0junk", 7);
	expect_torn(3);
}

/* A header that claims more than there is, or more than a record may hold. */
Test(journal, torn_bogus_lengths)
{
	static const uint8_t past_end[] = {'M', 'X', 'J', '1', 0, 0, 0, 40, 0, 0, 0, 0, 'd', 0};
	static const uint8_t huge[] = {'M', 'X', 'J', '1', 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0};
	static const uint8_t zero[] = {'M', 'X', 'J', '1', 0, 0, 0, 0, 0, 0, 0, 0};
	const struct {
		const uint8_t *p;
		size_t n;
	} tails[] = {{past_end, sizeof(past_end)}, {huge, sizeof(huge)}, {zero, sizeof(zero)}};
	for (size_t i = 0; i < T_N(tails); i++) {
		unlink(t_jpath);
		write_journal(2);
		append_raw(tails[i].p, tails[i].n);
		expect_torn(2);
	}
}

/* A CRC mismatch in the last record: torn. In the payload, in the CRC
 * field, and in the magic. */
Test(journal, crc_mismatch_last_record)
{
	size_t at = recs_len(2);
	const off_t offs[] = {
	    (off_t)(at + 12),			 /* first payload octet */
	    (off_t)(at + rec_len(&cmds[2]) - 2), /* last octet before the final NUL */
	    (off_t)(at + 8),			 /* CRC field */
	    (off_t)(at + 11),			 /* CRC field, low octet */
	    (off_t)(at + 1),			 /* magic */
	};
	for (size_t i = 0; i < T_N(offs); i++) {
		unlink(t_jpath);
		write_journal(3);
		poke(offs[i], 0x01);
		expect_torn(2);
	}
}

/* A corrupt record ends the journal (journal.h): nothing after it is
 * replayed, and the file is cut before it. */
Test(journal, corrupt_middle_record_ends_journal)
{
	write_journal(4);
	poke((off_t)(recs_len(1) + 14), 0x20);
	expect_torn(1);
}

/* Records the callback drops (return 1) are removed: the file is rewritten
 * with the kept ones, in order, and stays appendable. */
Test(journal, callback_drops_records)
{
	write_journal(5);
	struct mxlb_journal j;
	struct seen s = {.drop = (1u << 1) | (1u << 3)};
	const char *note = open_j(&j, &s);
	cr_assert_str_eq(note, "");
	expect_seen(&s, first, 5); /* every record is offered */
	cr_assert_eq(j.records, 3);
	cr_assert(!tmp_exists(), "rewrite left %s.tmp behind", t_jpath);
	size_t kept = rec_len(&cmds[0]) + rec_len(&cmds[2]) + rec_len(&cmds[4]);
	cr_assert_eq(file_size(), (off_t)kept);
	append_ok(&j, &cmds[6]);
	cr_assert_eq(j.records, 4);
	mxlb_journal_close(&j);

	struct seen s2 = {0};
	cr_assert_str_eq(open_j(&j, &s2), "");
	const struct cmd *exp[] = {&cmds[0], &cmds[2], &cmds[4], &cmds[6]};
	expect_seen(&s2, exp, T_N(exp));
	cr_assert_eq(j.records, 4);
	mxlb_journal_close(&j);
}

/* Dropped on a zone-reload replay of the open journal. */
Test(journal, replay_drops_records)
{
	write_journal(3);
	struct mxlb_journal j;
	struct seen s = {0};
	open_j(&j, &s);
	struct seen s2 = {.drop = 1u << 0};
	char note[256] = "x", err[256] = "";
	int rc = mxlb_journal_replay(&j, collect, &s2, note, sizeof(note), err, sizeof(err));
	cr_assert_eq(rc, 0, "rc %d: %s", rc, err);
	cr_assert_str_eq(note, "");
	expect_seen(&s2, first, 3);
	cr_assert_eq(j.records, 2);
	append_ok(&j, &cmds[5]);
	mxlb_journal_close(&j);
	struct seen s3 = {0};
	open_j(&j, &s3);
	const struct cmd *exp[] = {&cmds[1], &cmds[2], &cmds[5]};
	expect_seen(&s3, exp, T_N(exp));
	mxlb_journal_close(&j);
}

Test(journal, callback_drops_everything)
{
	write_journal(3);
	struct mxlb_journal j;
	struct seen s = {.drop = 7};
	open_j(&j, &s);
	cr_assert_eq(s.n, 3);
	cr_assert_eq(j.records, 0);
	cr_assert_eq(file_size(), 0);
	mxlb_journal_close(&j);
	char note[256] = "x", err[256] = "";
	int rc = mxlb_journal_open(&j, t_jpath, never, NULL, note, sizeof(note), err, sizeof(err));
	cr_assert_eq(rc, 0, "rc %d: %s", rc, err);
	cr_assert_str_eq(note, "");
	mxlb_journal_close(&j);
}

/* A torn tail and a dropped record in one replay: the rewrite holds the
 * kept good records only. */
Test(journal, torn_and_dropped)
{
	write_journal(4);
	truncate_to((off_t)recs_len(4) - 3);
	struct mxlb_journal j;
	struct seen s = {.drop = 1u << 0};
	const char *note = open_j(&j, &s);
	cr_assert(strstr(note, "torn"), "note '%s'", note);
	expect_seen(&s, first, 3);
	cr_assert_eq(j.records, 2);
	mxlb_journal_close(&j);
	cr_assert_eq(file_size(), (off_t)(rec_len(&cmds[1]) + rec_len(&cmds[2])));
	struct seen s2 = {0};
	cr_assert_str_eq(open_j(&j, &s2), "");
	const struct cmd *exp[] = {&cmds[1], &cmds[2]};
	expect_seen(&s2, exp, T_N(exp));
	mxlb_journal_close(&j);
}

/* ---- the journal replayed as changes over the zone (mxlbd's start) ---- */

struct replay {
	struct mxlb_image *img;
	int applied, nochange, refused;
	char last[512];
};

static int replay_edit(void *arg, unsigned format, int argc, const char *const *argv)
{
	struct replay *r = arg;
	int rc = mxlb_edit_replay(&r->img, format, argc, argv, r->last, sizeof(r->last));
	if (rc < 0) {
		r->refused++;
		return 1; /* no longer applies: dropped */
	}
	if (rc == MXLB_EDIT_NOCHANGE)
		r->nochange++;
	else
		r->applied++;
	return 0;
}

static struct mxlb_image *image_at_exit;

static void free_at_exit(void)
{
	mxlb_image_free(image_at_exit);
	image_at_exit = NULL;
}

Test(journal, replay_changes_over_zone)
{
	const struct cmd changes[] = {
	    CMD("member", "add", "edit.test.", "MX", "10 mx4"),
	    CMD("drain", "mx2.edit.test."),
	    CMD("member", "del", "edit.test.", "MX", "10 mx9"), /* never applies */
	    CMD("weight", "wt.edit.test.", "MX", "10 wa.out.test.", "3"),
	    CMD("drain", "mx2.edit.test."), /* valid, changes nothing */
	};
	struct mxlb_journal j;
	struct seen s = {0};
	open_j(&j, &s);
	for (size_t i = 0; i < T_N(changes); i++)
		append_ok(&j, &changes[i]);
	mxlb_journal_close(&j);

	struct mxlb_image_opts opts;
	t_opts(&opts);
	char zone[4096], err[512] = "", note[512] = "x";
	const char *files[] = {zone};
	snprintf(zone, sizeof(zone), "%s/edit.zone", MXLB_TEST_DATA);
	struct replay r = {0};
	cr_assert_eq(mxlb_image_load(&r.img, files, 1, &opts, err, sizeof(err)), 0, "%s", err);
	atexit(free_at_exit);
	int rc =
	    mxlb_journal_open(&j, t_jpath, replay_edit, &r, note, sizeof(note), err, sizeof(err));
	image_at_exit = r.img;
	cr_assert_eq(rc, 0, "rc %d: %s", rc, err);
	cr_assert_str_eq(note, "");
	cr_assert_eq(r.applied, 3);
	cr_assert_eq(r.nochange, 1);
	cr_assert_eq(r.refused, 1);
	cr_assert_eq(r.img->version, 4);
	cr_assert_eq(j.records, 4);
	mxlb_journal_close(&j);

	/* the refused record is gone from the file */
	struct seen s2 = {0};
	open_j(&j, &s2);
	const struct cmd *exp[] = {&changes[0], &changes[1], &changes[3], &changes[4]};
	expect_seen(&s2, exp, T_N(exp));
	mxlb_journal_close(&j);

	/* and the image answers with the changes */
	struct mxlb_worker *w = t_worker(r.img, 0, 1);
	static const char *const apex[][4] = {
	    {"10 mx1.edit.test.", "11 mx3.edit.test.", "11 mx4.edit.test.", "12 mx2.edit.test."},
	    {"10 mx3.edit.test.", "11 mx4.edit.test.", "11 mx1.edit.test.", "12 mx2.edit.test."},
	    {"10 mx4.edit.test.", "11 mx1.edit.test.", "11 mx3.edit.test.", "12 mx2.edit.test."},
	};
	static const char *const glue[] = {"198.51.100.1", "198.51.100.2", "198.51.100.3",
					   "198.51.100.4"};
	for (size_t k = 0; k < 6; k++) {
		struct t_query q = {.name = "edit.test.", .type = LDNS_RR_TYPE_MX};
		struct t_resp resp;
		struct t_rr an[4], ad[4];
		for (size_t i = 0; i < 4; i++) {
			const char *rd = apex[k % 3][i];
			const char *host = strchr(rd, ' ') + 1;
			an[i] = (struct t_rr){"edit.test.", LDNS_RR_TYPE_MX, 300, rd};
			ad[i] = (struct t_rr){host, LDNS_RR_TYPE_A, 600, glue[host[2] - '1']};
		}
		t_ask(&resp, w, r.img, &q);
		t_expect_answer(&resp, an, 4, ad, 4);
		t_free(&resp);
	}
	static const char seq[] = "aabaaaba";
	for (size_t k = 0; k < 8; k++) {
		struct t_query q = {.name = "wt.edit.test.", .type = LDNS_RR_TYPE_MX};
		struct t_resp resp;
		struct t_rr an[2] = {
		    {"wt.edit.test.", LDNS_RR_TYPE_MX, 300,
		     seq[k] == 'a' ? "10 wa.out.test." : "10 wb.out.test."},
		    {"wt.edit.test.", LDNS_RR_TYPE_MX, 300,
		     seq[k] == 'a' ? "11 wb.out.test." : "11 wa.out.test."},
		};
		t_ask(&resp, w, r.img, &q);
		t_expect_answer(&resp, an, 2, NULL, 0);
		t_free(&resp);
	}
	t_worker_free(w);
	free_at_exit();
}
