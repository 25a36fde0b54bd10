#include "helpers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "edit.h"

/* ---- what a failed assertion leaves behind ---- */

/* Swept in reverse: workers, then unpublished versions (discarded against
 * their parents), then images, packets, memory. */
enum { T_MEM, T_PKT, T_IMG, T_VER, T_WRK };

static struct {
	void *p;
	const struct mxlb_image *parent; /* T_VER */
	int kind;
} t_live[256];

static void t_sweep(void)
{
	for (int kind = T_WRK; kind >= T_MEM; kind--) {
		for (size_t i = 0; i < T_N(t_live); i++) {
			if (!t_live[i].p || t_live[i].kind != kind)
				continue;
			if (kind == T_WRK)
				mxlb_worker_free(t_live[i].p);
			else if (kind == T_VER)
				mxlb_image_discard(t_live[i].p, t_live[i].parent);
			else if (kind == T_IMG)
				mxlb_image_free(t_live[i].p);
			else if (kind == T_PKT)
				ldns_pkt_free(t_live[i].p);
			else
				free(t_live[i].p);
			t_live[i].p = NULL;
		}
	}
}

static void t_track_as(void *p, int kind, const struct mxlb_image *parent)
{
	static bool registered;
	if (!registered) {
		atexit(t_sweep);
		registered = true;
	}
	for (size_t i = 0; p && i < T_N(t_live); i++) {
		if (!t_live[i].p) {
			t_live[i].p = p;
			t_live[i].parent = parent;
			t_live[i].kind = kind;
			return;
		}
	}
	cr_assert(!p, "test bug: too many live objects");
}

static void t_track(void *p, int kind)
{
	t_track_as(p, kind, NULL);
}

static void t_untrack(const void *p)
{
	for (size_t i = 0; p && i < T_N(t_live); i++)
		if (t_live[i].p == p)
			t_live[i].p = NULL;
}

void t_image_track(struct mxlb_image *img, const struct mxlb_image *parent)
{
	t_track_as(img, parent ? T_VER : T_IMG, parent);
}

void t_image_untrack(const struct mxlb_image *img)
{
	t_untrack(img);
}

/* ---- images and workers ---- */

const char *t_path(const char *file)
{
	static char path[4096];
	snprintf(path, sizeof(path), "%s/%s", MXLB_TEST_DATA, file);
	return path;
}

static char t_log[16384];
static size_t t_log_len;

static void t_log_sink(void *arg, const char *msg)
{
	(void)arg;
	int n = snprintf(t_log + t_log_len, sizeof(t_log) - t_log_len, "%s\n", msg);
	if (n > 0)
		t_log_len += (size_t)n < sizeof(t_log) - t_log_len ? (size_t)n
								   : sizeof(t_log) - t_log_len - 1;
}

const char *t_log_text(void)
{
	return t_log;
}

void t_log_reset(void)
{
	t_log[0] = 0;
	t_log_len = 0;
}

void t_opts(struct mxlb_image_opts *opts)
{
	mxlb_image_opts_init(opts);
	opts->log = t_log_sink;
	opts->log_arg = NULL;
}

struct mxlb_image *t_load_opts(const char *const *files, size_t n,
			       const struct mxlb_image_opts *opts)
{
	struct mxlb_image_opts def;
	char paths[8][4096];
	const char *argv[8];
	char err[512] = "";
	struct mxlb_image *img = NULL;

	cr_assert(n <= 8);
	for (size_t i = 0; i < n; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/%s", MXLB_TEST_DATA, files[i]);
		argv[i] = paths[i];
	}
	if (!opts) {
		t_opts(&def);
		opts = &def;
	}
	int rc = mxlb_image_load(&img, argv, n, opts, err, sizeof(err));
	cr_assert_eq(rc, 0, "mxlb_image_load(%s) = %d: %s", files[0], rc, err);
	cr_assert_not_null(img);
	t_track(img, T_IMG);
	return img;
}

void t_image_free(struct mxlb_image *img)
{
	t_untrack(img);
	mxlb_image_free(img);
}

void t_worker_free(struct mxlb_worker *w)
{
	t_untrack(w);
	mxlb_worker_free(w);
}

struct mxlb_image *t_load(const char *file)
{
	return t_load_opts(&file, 1, NULL);
}

struct mxlb_worker *t_worker(const struct mxlb_image *img, uint32_t index, uint32_t nworkers)
{
	struct mxlb_worker *w = mxlb_worker_new(index, nworkers, img);
	cr_assert_not_null(w, "mxlb_worker_new(%u, %u)", index, nworkers);
	t_track(w, T_WRK);
	return w;
}

/* ---- queries ---- */

uint8_t *t_query_wire(const struct t_query *q, size_t *len)
{
	ldns_rdf *name = ldns_dname_new_frm_str(q->name);
	cr_assert_not_null(name, "bad test name %s", q->name);
	ldns_pkt *p = ldns_pkt_query_new(name, (ldns_rr_type)q->type,
					 q->qclass ? (ldns_rr_class)q->qclass : LDNS_RR_CLASS_IN,
					 q->rd ? LDNS_RD : 0);
	cr_assert_not_null(p);
	ldns_pkt_set_id(p, q->id ? q->id : T_ID);
	ldns_pkt_set_rd(p, q->rd);
	if (q->edns) {
		ldns_pkt_set_edns_udp_size(p, q->edns);
		ldns_pkt_set_edns_version(p, q->edns_version);
		ldns_pkt_set_edns_do(p, q->do_bit);
	}
	uint8_t *wire = NULL;
	cr_assert_eq(ldns_pkt2wire(&wire, p, len), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	return wire;
}

void tb_u8(struct t_buf *b, uint8_t v)
{
	cr_assert(b->n < sizeof(b->b));
	b->b[b->n++] = v;
}

void tb_u16(struct t_buf *b, uint16_t v)
{
	tb_u8(b, (uint8_t)(v >> 8));
	tb_u8(b, (uint8_t)v);
}

void tb_u32(struct t_buf *b, uint32_t v)
{
	tb_u16(b, (uint16_t)(v >> 16));
	tb_u16(b, (uint16_t)v);
}

void tb_bytes(struct t_buf *b, const void *p, size_t n)
{
	cr_assert(b->n + n <= sizeof(b->b));
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

void tb_header(struct t_buf *b, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns,
	       uint16_t ar)
{
	tb_u16(b, id);
	tb_u16(b, flags);
	tb_u16(b, qd);
	tb_u16(b, an);
	tb_u16(b, ns);
	tb_u16(b, ar);
}

void tb_name(struct t_buf *b, const char *name)
{
	const char *p = name;
	while (*p && strcmp(p, ".") != 0) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		tb_u8(b, (uint8_t)n);
		tb_bytes(b, p, n);
		p += n;
		if (*p == '.')
			p++;
	}
	tb_u8(b, 0);
}

void tb_opt(struct t_buf *b, uint16_t udp, uint8_t ext_rcode, uint8_t version, uint16_t flags)
{
	tb_u8(b, 0);
	tb_u16(b, LDNS_RR_TYPE_OPT);
	tb_u16(b, udp);
	tb_u8(b, ext_rcode);
	tb_u8(b, version);
	tb_u16(b, flags);
	tb_u16(b, 0);
}

/* ---- responses ---- */

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

void t_send(struct t_resp *r, struct mxlb_worker *w, const struct mxlb_image *img,
	    const uint8_t *query, size_t qlen, size_t cap)
{
	memset(r, 0, sizeof(*r));
	cr_assert(cap >= qlen);
	r->query = malloc(qlen);
	cr_assert_not_null(r->query);
	t_track(r->query, T_MEM);
	if (qlen)
		memcpy(r->query, query, qlen);
	r->qlen = qlen;
	r->buf = malloc(cap); /* exactly CAP: ASan reports any access beyond */
	cr_assert_not_null(r->buf);
	t_track(r->buf, T_MEM);
	if (qlen)
		memcpy(r->buf, query, qlen);
	r->cap = cap;
	r->len = mxlb_respond(w, img, r->buf, qlen, cap);
	cr_assert_leq(r->len, cap, "mxlb_respond returned %zu > cap %zu", r->len, cap);
	if (r->len == 0)
		return;
	cr_assert_geq(r->len, 12, "response of %zu octets is shorter than a header", r->len);
	r->id = rd16(r->buf);
	r->flags = rd16(r->buf + 2);
	r->qd = rd16(r->buf + 4);
	r->an = rd16(r->buf + 6);
	r->ns = rd16(r->buf + 8);
	r->ar = rd16(r->buf + 10);
	ldns_status st = ldns_wire2pkt(&r->pkt, r->buf, r->len);
	if (st == LDNS_STATUS_OK)
		t_track(r->pkt, T_PKT);
	cr_assert_eq(st, LDNS_STATUS_OK, "ldns cannot parse the %zu-octet response: %s", r->len,
		     ldns_get_errorstr_by_id(st));
}

void t_ask(struct t_resp *r, struct mxlb_worker *w, const struct mxlb_image *img,
	   const struct t_query *q)
{
	size_t qlen = 0;
	uint8_t *wire = t_query_wire(q, &qlen);
	t_track(wire, T_MEM);
	t_send(r, w, img, wire, qlen, T_CAP);
	t_untrack(wire);
	free(wire);
	cr_assert_gt(r->len, 0, "no response to %s type %u", q->name, q->type);
}

void t_free(struct t_resp *r)
{
	t_untrack(r->pkt);
	t_untrack(r->query);
	t_untrack(r->buf);
	if (r->pkt)
		ldns_pkt_free(r->pkt);
	free(r->query);
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

size_t t_question_len(const uint8_t *query, size_t qlen)
{
	size_t pos = 12;
	for (;;) {
		if (pos >= qlen)
			return 0;
		uint8_t n = query[pos];
		if (n & 0xc0)
			return 0;
		pos += 1 + n;
		if (n == 0)
			break;
	}
	if (pos + 4 > qlen)
		return 0;
	return pos + 4 - 12;
}

/* ---- checks ---- */

void t_expect_header(const struct t_resp *r, ldns_pkt_rcode rcode, bool aa, bool tc)
{
	cr_assert_gt(r->len, 0, "query was dropped");
	cr_assert_geq(r->qlen, 4);
	uint16_t qid = rd16(r->query);
	bool qrd = (r->query[2] & 0x01) != 0;
	cr_assert_eq(r->id, qid, "ID 0x%04x, query had 0x%04x", r->id, qid);
	cr_assert(r->flags & 0x8000, "QR clear in response");
	cr_assert_eq(r->flags & 0xf, (unsigned)rcode, "RCODE %u, expected %u", r->flags & 0xf,
		     (unsigned)rcode);
	cr_assert_eq((r->flags >> 11) & 0xf, 0, "opcode %u, expected 0", (r->flags >> 11) & 0xf);
	cr_assert_eq(!!(r->flags & 0x0400), aa, "AA %d, expected %d", !!(r->flags & 0x0400), aa);
	cr_assert_eq(!!(r->flags & 0x0200), tc, "TC %d, expected %d", !!(r->flags & 0x0200), tc);
	cr_assert_eq(!!(r->flags & 0x0100), qrd, "RD %d, query had %d", !!(r->flags & 0x0100), qrd);
	cr_assert_eq(r->flags & 0x0080, 0, "RA set");
	cr_assert_eq(r->flags & 0x0020, 0, "AD set");
}

void t_expect_question(const struct t_resp *r)
{
	size_t ql = t_question_len(r->query, r->qlen);
	cr_assert_gt(ql, 0, "test bug: query has no parsable question");
	cr_assert_eq(r->qd, 1, "QDCOUNT %u, expected 1", r->qd);
	cr_assert_geq(r->len, 12 + ql, "response too short for the question");
	cr_assert_eq(memcmp(r->buf + 12, r->query + 12, ql), 0,
		     "question not echoed byte for byte");
}

void t_expect_edns(const struct t_resp *r, bool present, bool do_bit, uint8_t ext_rcode)
{
	cr_assert_not_null(r->pkt);
	cr_assert_eq(ldns_pkt_edns(r->pkt), present, "OPT %s in response, expected %s",
		     ldns_pkt_edns(r->pkt) ? "present" : "absent", present ? "present" : "absent");
	if (!present)
		return;
	cr_assert_eq(ldns_pkt_edns_udp_size(r->pkt), MXLB_EDNS_PAYLOAD, "OPT payload size %u",
		     ldns_pkt_edns_udp_size(r->pkt));
	cr_assert_eq(ldns_pkt_edns_version(r->pkt), 0, "OPT version %u",
		     ldns_pkt_edns_version(r->pkt));
	cr_assert_eq(ldns_pkt_edns_extended_rcode(r->pkt), ext_rcode,
		     "OPT extended RCODE %u, expected %u", ldns_pkt_edns_extended_rcode(r->pkt),
		     ext_rcode);
	cr_assert_eq(ldns_pkt_edns_z(r->pkt), do_bit ? 0x8000 : 0,
		     "OPT flags 0x%04x, expected 0x%04x", ldns_pkt_edns_z(r->pkt),
		     do_bit ? 0x8000 : 0);
	ldns_rdf *data = ldns_pkt_edns_data(r->pkt);
	cr_assert(data == NULL || ldns_rdf_size(data) == 0, "OPT carries %zu octets of options",
		  data ? ldns_rdf_size(data) : 0);
}

const char *t_rdata_str(const ldns_rr *rr)
{
	static char out[4096];
	size_t n = 0;
	out[0] = 0;
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
		char *s = ldns_rdf2str(ldns_rr_rdf(rr, i));
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s", i ? " " : "", s ? s : "?");
		free(s);
		if (n >= sizeof(out))
			break;
	}
	return out;
}

static const char *t_owner_str(const ldns_rr *rr)
{
	static char out[1024];
	char *s = ldns_rdf2str(ldns_rr_owner(rr));
	snprintf(out, sizeof(out), "%s", s ? s : "?");
	free(s);
	return out;
}

static bool t_rr_matches(const ldns_rr *rr, const struct t_rr *e)
{
	return strcasecmp(t_owner_str(rr), e->owner) == 0 && ldns_rr_get_type(rr) == e->type &&
	       ldns_rr_get_class(rr) == LDNS_RR_CLASS_IN && ldns_rr_ttl(rr) == e->ttl &&
	       strcmp(t_rdata_str(rr), e->rdata) == 0;
}

static const char *t_type_str(uint16_t type)
{
	static char out[2][32];
	static int k;
	k ^= 1;
	char *s = ldns_rr_type2str((ldns_rr_type)type);
	snprintf(out[k], sizeof(out[k]), "%s", s ? s : "?");
	free(s);
	return out[k];
}

void t_expect_rr(const ldns_rr *rr, const struct t_rr *e, const char *where, size_t i)
{
	cr_assert_not_null(rr);
	char got_owner[1024];
	snprintf(got_owner, sizeof(got_owner), "%s", t_owner_str(rr));
	cr_assert(strcasecmp(got_owner, e->owner) == 0, "%s[%zu]: owner %s, expected %s", where, i,
		  got_owner, e->owner);
	cr_assert_eq(ldns_rr_get_type(rr), e->type, "%s[%zu] %s: type %s, expected %s", where, i,
		     e->owner, t_type_str(ldns_rr_get_type(rr)), t_type_str(e->type));
	cr_assert_eq(ldns_rr_get_class(rr), LDNS_RR_CLASS_IN, "%s[%zu]: class %u", where, i,
		     ldns_rr_get_class(rr));
	cr_assert_eq(ldns_rr_ttl(rr), e->ttl, "%s[%zu] %s %s: TTL %u, expected %u", where, i,
		     e->owner, t_type_str(e->type), ldns_rr_ttl(rr), e->ttl);
	cr_assert_str_eq(t_rdata_str(rr), e->rdata, "%s[%zu] %s %s: rdata '%s', expected '%s'",
			 where, i, e->owner, t_type_str(e->type), t_rdata_str(rr), e->rdata);
}

static const char *t_section_name(ldns_pkt_section s)
{
	switch (s) {
	case LDNS_SECTION_ANSWER:
		return "answer";
	case LDNS_SECTION_AUTHORITY:
		return "authority";
	case LDNS_SECTION_ADDITIONAL:
		return "additional";
	default:
		return "section";
	}
}

static ldns_rr_list *t_section(const struct t_resp *r, ldns_pkt_section s)
{
	cr_assert_not_null(r->pkt);
	switch (s) {
	case LDNS_SECTION_ANSWER:
		return ldns_pkt_answer(r->pkt);
	case LDNS_SECTION_AUTHORITY:
		return ldns_pkt_authority(r->pkt);
	case LDNS_SECTION_ADDITIONAL:
		return ldns_pkt_additional(r->pkt);
	default:
		cr_assert_fail("bad section");
	}
	return NULL;
}

static void t_dump_section(const struct t_resp *r, ldns_pkt_section s, char *out, size_t len)
{
	ldns_rr_list *l = t_section(r, s);
	size_t n = 0;
	out[0] = 0;
	for (size_t i = 0; l && i < ldns_rr_list_rr_count(l) && n < len; i++) {
		ldns_rr *rr = ldns_rr_list_rr(l, i);
		n += (size_t)snprintf(out + n, len - n, "\n    %s %u %s %s", t_owner_str(rr),
				      ldns_rr_ttl(rr), t_type_str(ldns_rr_get_type(rr)),
				      t_rdata_str(rr));
	}
}

void t_expect_section(const struct t_resp *r, ldns_pkt_section s, const struct t_rr *exp, size_t n)
{
	ldns_rr_list *l = t_section(r, s);
	size_t got = l ? ldns_rr_list_rr_count(l) : 0;
	static char dump[8192];
	if (got != n)
		t_dump_section(r, s, dump, sizeof(dump));
	cr_assert_eq(got, n, "%s section has %zu records, expected %zu:%s", t_section_name(s), got,
		     n, dump);
	for (size_t i = 0; i < n; i++) {
		if (!t_rr_matches(ldns_rr_list_rr(l, i), &exp[i]))
			t_dump_section(r, s, dump, sizeof(dump));
		cr_assert(t_rr_matches(ldns_rr_list_rr(l, i), &exp[i]),
			  "%s[%zu] differs from %s %u %s %s; section is:%s", t_section_name(s), i,
			  exp[i].owner, exp[i].ttl, t_type_str(exp[i].type), exp[i].rdata, dump);
	}
}

void t_expect_section_set(const struct t_resp *r, ldns_pkt_section s, const struct t_rr *exp,
			  size_t n)
{
	ldns_rr_list *l = t_section(r, s);
	size_t got = l ? ldns_rr_list_rr_count(l) : 0;
	bool used[64] = {false};
	cr_assert_leq(n, 64);
	cr_assert_eq(got, n, "%s section has %zu records, expected %zu", t_section_name(s), got, n);
	for (size_t i = 0; i < n; i++) {
		bool found = false;
		for (size_t j = 0; j < n && !found; j++) {
			if (!used[j] && t_rr_matches(ldns_rr_list_rr(l, j), &exp[i])) {
				used[j] = true;
				found = true;
			}
		}
		cr_assert(found, "%s section lacks %s %u %s %s", t_section_name(s), exp[i].owner,
			  exp[i].ttl, t_type_str(exp[i].type), exp[i].rdata);
	}
}

size_t t_expect_section_prefix(const struct t_resp *r, ldns_pkt_section s, const struct t_rr *exp,
			       size_t n)
{
	ldns_rr_list *l = t_section(r, s);
	size_t got = l ? ldns_rr_list_rr_count(l) : 0;
	cr_assert_leq(got, n, "%s section has %zu records, at most %zu expected", t_section_name(s),
		      got, n);
	for (size_t i = 0; i < got; i++)
		t_expect_rr(ldns_rr_list_rr(l, i), &exp[i], t_section_name(s), i);
	return got;
}

void t_expect_answer(const struct t_resp *r, const struct t_rr *an, size_t nan,
		     const struct t_rr *ad, size_t nad)
{
	ldns_pkt *q = NULL;
	cr_assert_eq(ldns_wire2pkt(&q, r->query, r->qlen), LDNS_STATUS_OK);
	bool edns = ldns_pkt_edns(q);
	bool do_bit = ldns_pkt_edns_do(q);
	ldns_pkt_free(q);

	t_expect_header(r, LDNS_RCODE_NOERROR, true, false);
	t_expect_question(r);
	cr_assert_eq(r->an, nan, "ANCOUNT %u, expected %zu", r->an, nan);
	cr_assert_eq(r->ns, 0, "NSCOUNT %u, expected 0", r->ns);
	cr_assert_eq(r->ar, nad + edns, "ARCOUNT %u, expected %zu", r->ar, nad + edns);
	t_expect_section(r, LDNS_SECTION_ANSWER, an, nan);
	t_expect_section(r, LDNS_SECTION_AUTHORITY, NULL, 0);
	t_expect_section(r, LDNS_SECTION_ADDITIONAL, ad, nad);
	t_expect_edns(r, edns, do_bit, 0);
}

/* ---- a journal in a directory of its own ---- */

char t_jdir[256], t_jpath[512];

void t_journal_setup(void)
{
	snprintf(t_jdir, sizeof(t_jdir), "/tmp/mxlb-journal-XXXXXX");
	cr_assert_not_null(mkdtemp(t_jdir), "mkdtemp: %s", strerror(errno));
	snprintf(t_jpath, sizeof(t_jpath), "%s/journal", t_jdir);
}

void t_journal_teardown(void)
{
	char p[600];
	unlink(t_jpath);
	snprintf(p, sizeof(p), "%s.tmp", t_jpath);
	unlink(p);
	rmdir(t_jdir);
}

/* ---- journal replay over an image ---- */

int t_replay_edit(void *arg, unsigned format, int argc, const char *const *argv)
{
	struct t_replay *r = arg;
	char m[512];
	t_image_untrack(r->img);
	int rc = mxlb_edit_replay(&r->img, format, argc, argv, m, sizeof(m));
	t_image_track(r->img, NULL);
	cr_assert_eq(rc, MXLB_EDIT_APPLIED, "replay of %s: rc %d: %s", argv[0], rc, m);
	r->applied++;
	return 0;
}

void t_same_section(const struct t_resp *x, const struct t_resp *y, ldns_pkt_section s)
{
	ldns_rr_list *a =
	    s == LDNS_SECTION_ANSWER ? ldns_pkt_answer(x->pkt) : ldns_pkt_additional(x->pkt);
	ldns_rr_list *b =
	    s == LDNS_SECTION_ANSWER ? ldns_pkt_answer(y->pkt) : ldns_pkt_additional(y->pkt);
	size_t n = a ? ldns_rr_list_rr_count(a) : 0;
	cr_assert_eq(n, b ? ldns_rr_list_rr_count(b) : 0, "section %d: counts differ", s);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(ldns_rr_compare(ldns_rr_list_rr(a, i), ldns_rr_list_rr(b, i)), 0,
			     "section %d record %zu differs", s, i);
}
