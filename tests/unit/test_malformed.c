/* Malformed and unusual queries (DESIGN §4): each ends in one verdict (drop,
 * FORMERR, NOTIMP), never a crash. Every query runs in a heap buffer of
 * exactly its own length with CAP == LEN, so ASan reports any access past it. */
#include <string.h>

#include <criterion/criterion.h>

#include "helpers.h"

static struct mxlb_image *img;
static struct mxlb_worker *w;

static void setup(void)
{
	img = t_load("mail.zone");
	w = t_worker(img, 0, 1);
}

static void teardown(void)
{
	t_worker_free(w);
	t_image_free(img);
}

TestSuite(malformed, .init = setup, .fini = teardown);

#define RD 0x0100

/* Header (RD set) and the question example.net. MX IN. */
static void base(struct t_buf *b, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar)
{
	b->n = 0;
	tb_header(b, T_ID, RD, qd, an, ns, ar);
	tb_name(b, "example.net.");
	tb_u16(b, LDNS_RR_TYPE_MX);
	tb_u16(b, LDNS_RR_CLASS_IN);
}

static void send_exact(struct t_resp *r, const struct t_buf *b)
{
	t_send(r, w, img, b->b, b->n, b->n);
}

/* FORMERR: QR, RD copied, AA/TC/RA clear, empty answer and authority; the
 * question echoed when it parsed, else QDCOUNT 0. */
static void expect_formerr(const struct t_resp *r, int question)
{
	cr_assert_gt(r->len, 0, "query dropped, FORMERR expected");
	cr_assert_eq(r->id, T_ID, "ID 0x%04x", r->id);
	cr_assert(r->flags & 0x8000, "QR clear");
	cr_assert_eq((r->flags >> 11) & 0xf, 0, "opcode %u", (r->flags >> 11) & 0xf);
	cr_assert_eq(r->flags & 0x0400, 0, "AA set on FORMERR");
	cr_assert_eq(r->flags & 0x0200, 0, "TC set on FORMERR");
	cr_assert_eq(!!(r->flags & 0x0100), !!(r->query[2] & 1), "RD not copied");
	cr_assert_eq(r->flags & 0x0080, 0, "RA set");
	cr_assert_eq(r->flags & 0xf, LDNS_RCODE_FORMERR, "RCODE %u, expected FORMERR",
		     r->flags & 0xf);
	cr_assert_eq(r->an, 0, "ANCOUNT %u", r->an);
	cr_assert_eq(r->ns, 0, "NSCOUNT %u", r->ns);
	if (question == 1) {
		t_expect_question(r);
	} else if (question == 0) {
		cr_assert_eq(r->qd, 0, "QDCOUNT %u, expected 0", r->qd);
		cr_assert_eq(r->ar, 0, "ARCOUNT %u", r->ar);
		cr_assert_eq(r->len, 12, "header-only FORMERR expected, got %zu octets", r->len);
	} else {
		cr_assert_leq(r->qd, 1, "QDCOUNT %u", r->qd);
	}
}

static void formerr_case(const struct t_buf *b, int question)
{
	struct t_resp r;
	uint64_t before = w->stats.rcode[LDNS_RCODE_FORMERR];
	send_exact(&r, b);
	expect_formerr(&r, question);
	cr_assert_eq(w->stats.rcode[LDNS_RCODE_FORMERR], before + 1);
	t_free(&r);
}

/* ---- drops ---- */

Test(malformed, shorter_than_header_dropped)
{
	struct t_buf b;
	base(&b, 1, 0, 0, 0);
	for (size_t len = 0; len < 12; len++) {
		struct t_resp r;
		t_send(&r, w, img, b.b, len, len);
		cr_assert_eq(r.len, 0, "%zu-octet packet answered", len);
		cr_assert_eq(w->stats.drop[MXLB_DROP_SHORT], len + 1);
		t_free(&r);
	}
	cr_assert_eq(w->stats.queries, 12);
}

Test(malformed, response_dropped)
{
	struct t_buf b;
	base(&b, 1, 0, 0, 0);
	b.b[2] |= 0x80; /* QR */
	struct t_resp r;
	send_exact(&r, &b);
	cr_assert_eq(r.len, 0);
	cr_assert_eq(w->stats.drop[MXLB_DROP_RESPONSE], 1);
	t_free(&r);
	/* a header-only response too */
	t_send(&r, w, img, b.b, 12, 12);
	cr_assert_eq(r.len, 0);
	cr_assert_eq(w->stats.drop[MXLB_DROP_RESPONSE], 2);
	cr_assert_eq(w->stats.drop[MXLB_DROP_SHORT], 0);
	cr_assert_eq(w->stats.queries, 2);
	t_free(&r);
}

/* ---- opcodes ---- */

/* NOTIMP from the header alone: 12 octets, ID and opcode echoed, QR set, no
 * other flag (RD not copied), all counts 0, whatever follows the header. */
Test(malformed, unknown_opcode_notimp)
{
	static const uint8_t opcodes[] = {1, 2, 3, 5, 6, 15};
	for (size_t i = 0; i < T_N(opcodes); i++) {
		for (int garbage = 0; garbage <= 2; garbage++) {
			struct t_buf b;
			uint16_t flags = (uint16_t)(opcodes[i] << 11) | 0x0700 | 0x00b0;
			b.n = 0;
			if (garbage == 0) {
				base(&b, 1, 0, 0, 0);
			} else {
				tb_header(&b, 0xa55a, 0, 0xffff, 0x1234, 0xffff, 0xffff);
				if (garbage == 2)
					tb_bytes(&b, "\xc0\x0c\xff\x41\x00\x00\x01", 7);
			}
			b.b[0] = 0xa5;
			b.b[1] = 0x5a;
			b.b[2] = (uint8_t)(flags >> 8);
			b.b[3] = (uint8_t)flags;
			struct t_resp r;
			send_exact(&r, &b);
			cr_assert_eq(r.len, 12, "opcode %u: %zu-octet reply", opcodes[i], r.len);
			const uint8_t expect[12] = {0xa5, 0x5a, (uint8_t)(0x80 | opcodes[i] << 3),
						    0x04};
			cr_assert_eq(memcmp(r.buf, expect, 12), 0,
				     "opcode %u: header %02x%02x %02x%02x %02x%02x %02x%02x "
				     "%02x%02x %02x%02x",
				     opcodes[i], r.buf[0], r.buf[1], r.buf[2], r.buf[3], r.buf[4],
				     r.buf[5], r.buf[6], r.buf[7], r.buf[8], r.buf[9], r.buf[10],
				     r.buf[11]);
			t_free(&r);
		}
	}
	cr_assert_eq(w->stats.rcode[LDNS_RCODE_NOTIMPL], 3 * T_N(opcodes));
}

/* ---- header counts ---- */

Test(malformed, qdcount_zero)
{
	struct t_buf b = {.n = 0};
	tb_header(&b, T_ID, RD, 0, 0, 0, 0);
	formerr_case(&b, 0);
	/* RD clear is copied too */
	b.b[2] = 0;
	formerr_case(&b, 0);
}

Test(malformed, qdcount_two)
{
	struct t_buf b;
	base(&b, 2, 0, 0, 0);
	tb_name(&b, "one.example.net.");
	tb_u16(&b, LDNS_RR_TYPE_A);
	tb_u16(&b, LDNS_RR_CLASS_IN);
	formerr_case(&b, -1);
	/* QDCOUNT 2 with one question present */
	base(&b, 2, 0, 0, 0);
	formerr_case(&b, -1);
}

Test(malformed, ancount_nonzero)
{
	struct t_buf b;
	base(&b, 1, 1, 0, 0);
	tb_u16(&b, 0xc00c);
	tb_u16(&b, LDNS_RR_TYPE_A);
	tb_u16(&b, LDNS_RR_CLASS_IN);
	tb_u32(&b, 300);
	tb_u16(&b, 4);
	tb_bytes(&b, "\xc0\x00\x02\x01", 4);
	formerr_case(&b, 1);
	/* ANCOUNT 1 and no record present */
	base(&b, 1, 1, 0, 0);
	formerr_case(&b, 1);
}

Test(malformed, nscount_nonzero)
{
	struct t_buf b;
	base(&b, 1, 0, 1, 0);
	tb_u16(&b, 0xc00c);
	tb_u16(&b, LDNS_RR_TYPE_NS);
	tb_u16(&b, LDNS_RR_CLASS_IN);
	tb_u32(&b, 300);
	tb_u16(&b, 2);
	tb_u16(&b, 0xc00c);
	formerr_case(&b, 1);
}

/* ---- the question name ---- */

Test(malformed, label_types)
{
	static const uint8_t bad[] = {0x40, 0x41, 0x7f, 0x80, 0x81, 0xbf};
	for (size_t i = 0; i < T_N(bad); i++) {
		struct t_buf b = {.n = 0};
		tb_header(&b, T_ID, RD, 1, 0, 0, 0);
		tb_u8(&b, bad[i]);
		for (int j = 0; j < 64; j++)
			tb_u8(&b, 'a');
		tb_bytes(&b,
			 "\x07"
			 "example\x03net",
			 12);
		tb_u8(&b, 0);
		tb_u16(&b, LDNS_RR_TYPE_A);
		tb_u16(&b, LDNS_RR_CLASS_IN);
		formerr_case(&b, 0);
	}
	/* the bad label after a good one */
	struct t_buf b = {.n = 0};
	tb_header(&b, T_ID, RD, 1, 0, 0, 0);
	tb_bytes(&b, "\x03www\x41", 5);
	tb_bytes(&b, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 65);
	tb_u8(&b, 0);
	tb_u16(&b, LDNS_RR_TYPE_A);
	tb_u16(&b, LDNS_RR_CLASS_IN);
	formerr_case(&b, 0);
}

Test(malformed, compression_pointer_in_question)
{
	struct t_buf b = {.n = 0};
	/* pointing to itself */
	tb_header(&b, T_ID, RD, 1, 0, 0, 0);
	tb_u16(&b, 0xc00c);
	tb_u16(&b, LDNS_RR_TYPE_A);
	tb_u16(&b, LDNS_RR_CLASS_IN);
	formerr_case(&b, 0);
	/* a loop through a label */
	b.n = 0;
	tb_header(&b, T_ID, RD, 1, 0, 0, 0);
	tb_bytes(&b, "\x03www", 4);
	tb_u16(&b, 0xc00c);
	tb_u16(&b, LDNS_RR_TYPE_A);
	tb_u16(&b, LDNS_RR_CLASS_IN);
	formerr_case(&b, 0);
	/* pointing into the header */
	b.n = 0;
	tb_header(&b, T_ID, RD, 1, 0, 0, 0);
	tb_bytes(&b, "\x03www", 4);
	tb_u16(&b, 0xc000);
	tb_u16(&b, LDNS_RR_TYPE_A);
	tb_u16(&b, LDNS_RR_CLASS_IN);
	formerr_case(&b, 0);
	/* pointing forward, past the end */
	b.n = 0;
	tb_header(&b, T_ID, RD, 1, 0, 0, 0);
	tb_u16(&b, 0xffff);
	tb_u16(&b, LDNS_RR_TYPE_A);
	tb_u16(&b, LDNS_RR_CLASS_IN);
	formerr_case(&b, 0);
	/* pointing to a well-formed name after the question */
	b.n = 0;
	tb_header(&b, T_ID, RD, 1, 0, 0, 0);
	tb_u16(&b, 0xc012);
	tb_u16(&b, LDNS_RR_TYPE_A);
	tb_u16(&b, LDNS_RR_CLASS_IN);
	tb_name(&b, "example.net.");
	formerr_case(&b, 0);
}

/* A name of NLABELS labels of LEN[i] octets (of p, q, r, ...: not in the
 * zone), then SUFFIX. */
static void long_name(struct t_buf *b, const char *suffix, size_t nlabels, const size_t *len)
{
	b->n = 0;
	tb_header(b, T_ID, RD, 1, 0, 0, 0);
	for (size_t i = 0; i < nlabels; i++) {
		tb_u8(b, (uint8_t)len[i]);
		for (size_t j = 0; j < len[i]; j++)
			tb_u8(b, (uint8_t)('p' + i % 8));
	}
	tb_name(b, suffix);
	tb_u16(b, LDNS_RR_TYPE_A);
	tb_u16(b, LDNS_RR_CLASS_IN);
}

Test(malformed, name_of_255_octets_parses)
{
	static const size_t len[] = {63, 63, 63, 49};
	struct t_buf b;
	struct t_resp r;
	long_name(&b, "example.net.", 4, len);
	cr_assert_eq(t_question_len(b.b, b.n), 255 + 4);
	send_exact(&r, &b);
	/* the NXDOMAIN reply (with SOA) needs more room than the query */
	t_free(&r);
	t_send(&r, w, img, b.b, b.n, T_CAP);
	t_expect_header(&r, LDNS_RCODE_NXDOMAIN, true, false);
	t_expect_question(&r);
	cr_assert_eq(r.ns, 1);
	t_free(&r);
	long_name(&b, "example.com.", 4, len);
	t_send(&r, w, img, b.b, b.n, b.n); /* REFUSED fits in the query's room */
	t_expect_header(&r, LDNS_RCODE_REFUSED, false, false);
	t_expect_question(&r);
	t_free(&r);
}

Test(malformed, name_of_256_octets_formerr)
{
	static const size_t len[] = {63, 63, 63, 50};
	struct t_buf b;
	long_name(&b, "example.net.", 4, len);
	formerr_case(&b, 0);
	long_name(&b, "example.com.", 4, len);
	formerr_case(&b, 0);
}

/* 127 labels: 121 one-octet labels + example.net. = 255 octets; 122 = 257. */
Test(malformed, many_labels)
{
	size_t len[122];
	for (size_t i = 0; i < 122; i++)
		len[i] = 1;
	struct t_buf b;
	struct t_resp r;
	long_name(&b, "example.net.", 121, len);
	cr_assert_eq(t_question_len(b.b, b.n), 255 + 4);
	t_send(&r, w, img, b.b, b.n, T_CAP);
	t_expect_header(&r, LDNS_RCODE_NXDOMAIN, true, false);
	t_expect_question(&r);
	t_free(&r);
	long_name(&b, "example.net.", 122, len);
	formerr_case(&b, 0);
}

Test(malformed, truncated_question)
{
	struct t_buf full;
	base(&full, 1, 0, 0, 0);
	/* every cut between the end of the header and the end of the question */
	for (size_t cut = 12; cut < full.n; cut++) {
		struct t_buf b = full;
		b.n = cut;
		formerr_case(&b, 0);
	}
	/* a name without its root label, filling the packet */
	struct t_buf b = {.n = 0};
	tb_header(&b, T_ID, RD, 1, 0, 0, 0);
	tb_bytes(&b,
		 "\x07"
		 "example\x03net",
		 12);
	formerr_case(&b, 0);
}

/* ---- additional section / OPT ---- */

Test(malformed, two_opt)
{
	struct t_buf b;
	base(&b, 1, 0, 0, 2);
	tb_opt(&b, 1232, 0, 0, 0);
	tb_opt(&b, 1232, 0, 0, 0);
	formerr_case(&b, 1);
}

Test(malformed, opt_owner_not_root)
{
	struct t_buf b;
	base(&b, 1, 0, 0, 1);
	tb_name(&b, "example.net.");
	tb_u16(&b, LDNS_RR_TYPE_OPT);
	tb_u16(&b, 1232);
	tb_u32(&b, 0);
	tb_u16(&b, 0);
	formerr_case(&b, 1);
	/* compressed to the question name */
	base(&b, 1, 0, 0, 1);
	tb_u16(&b, 0xc00c);
	tb_u16(&b, LDNS_RR_TYPE_OPT);
	tb_u16(&b, 1232);
	tb_u32(&b, 0);
	tb_u16(&b, 0);
	formerr_case(&b, 1);
}

Test(malformed, truncated_opt)
{
	struct t_buf full;
	base(&full, 1, 0, 0, 1);
	size_t qend = full.n;
	tb_opt(&full, 1232, 0, 0, 0);
	/* every cut inside the OPT RR, including no RR at all */
	for (size_t cut = qend; cut < full.n; cut++) {
		struct t_buf b = full;
		b.n = cut;
		formerr_case(&b, 1);
	}
	/* RDLENGTH beyond the end */
	struct t_buf b;
	base(&b, 1, 0, 0, 1);
	tb_u8(&b, 0);
	tb_u16(&b, LDNS_RR_TYPE_OPT);
	tb_u16(&b, 1232);
	tb_u32(&b, 0);
	tb_u16(&b, 4);
	tb_u16(&b, 10);
	formerr_case(&b, 1);
}

Test(malformed, trailing_garbage)
{
	struct t_buf b;
	base(&b, 1, 0, 0, 0);
	tb_u8(&b, 0);
	formerr_case(&b, 1);
	base(&b, 1, 0, 0, 0);
	tb_bytes(&b, "\xde\xad\xbe\xef", 4);
	formerr_case(&b, 1);
	base(&b, 1, 0, 0, 1);
	tb_opt(&b, 1232, 0, 0, 0);
	tb_bytes(&b, "\x00\x01", 2);
	formerr_case(&b, 1);
}

Test(malformed, stats)
{
	struct t_buf b;
	struct t_resp r;
	base(&b, 0, 0, 0, 0);
	b.n = 5;
	send_exact(&r, &b); /* short */
	t_free(&r);
	base(&b, 1, 0, 0, 0);
	b.b[2] |= 0x80;
	send_exact(&r, &b); /* response */
	t_free(&r);
	base(&b, 1, 1, 0, 0);
	send_exact(&r, &b); /* FORMERR */
	t_free(&r);
	base(&b, 1, 0, 0, 0);
	b.b[2] = 5 << 3;
	send_exact(&r, &b); /* NOTIMP */
	t_free(&r);
	base(&b, 1, 0, 0, 0);
	t_send(&r, w, img, b.b, b.n, T_CAP); /* NOERROR */
	t_free(&r);
	cr_assert_eq(w->stats.queries, 5);
	cr_assert_eq(w->stats.drop[MXLB_DROP_SHORT], 1);
	cr_assert_eq(w->stats.drop[MXLB_DROP_RESPONSE], 1);
	cr_assert_eq(w->stats.drop[MXLB_DROP_NOROOM], 0);
	cr_assert_eq(w->stats.rcode[LDNS_RCODE_FORMERR], 1);
	cr_assert_eq(w->stats.rcode[LDNS_RCODE_NOTIMPL], 1);
	cr_assert_eq(w->stats.rcode[LDNS_RCODE_NOERROR], 1);
}
