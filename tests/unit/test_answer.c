/* Plain authoritative answers (DESIGN §4): every RRset type, header flags,
 * NXDOMAIN / NODATA with the SOA, REFUSED outside our zones, case handling. */
#include <string.h>

#include <criterion/criterion.h>

#include "helpers.h"

static struct mxlb_image *img;
static struct mxlb_worker *w;

static void setup(void)
{
	static const char *const files[] = {"mail.zone", "other.zone"};
	img = t_load_opts(files, 2, NULL);
	w = t_worker(img, 0, 1);
}

static void teardown(void)
{
	t_worker_free(w);
	t_image_free(img);
}

TestSuite(answer, .init = setup, .fini = teardown);

static const struct t_rr soa_net = {
    "example.net.", LDNS_RR_TYPE_SOA, 300,
    "ns1.example.net. hostmaster.example.net. 2024010101 7200 900 1209600 300"};
static const struct t_rr soa_org = {"example.org.", LDNS_RR_TYPE_SOA, 60,
				    "ns.example.org. admin.example.org. 7 3600 600 86400 600"};

static void ask(struct t_resp *r, const char *name, uint16_t type)
{
	struct t_query q = {.name = name, .type = type};
	t_ask(r, w, img, &q);
}

/* NXDOMAIN or NODATA: AA, empty answer, the SOA alone in authority. */
static void expect_negative(const struct t_resp *r, ldns_pkt_rcode rcode, const struct t_rr *soa)
{
	t_expect_header(r, rcode, true, false);
	t_expect_question(r);
	cr_assert_eq(r->an, 0, "ANCOUNT %u", r->an);
	cr_assert_eq(r->ns, 1, "NSCOUNT %u", r->ns);
	cr_assert_eq(r->ar, 0, "ARCOUNT %u", r->ar);
	t_expect_section(r, LDNS_SECTION_AUTHORITY, soa, 1);
	t_expect_edns(r, false, false, 0);
}

static void expect_refused(const struct t_resp *r)
{
	t_expect_header(r, LDNS_RCODE_REFUSED, false, false);
	t_expect_question(r);
	cr_assert_eq(r->an, 0, "ANCOUNT %u", r->an);
	cr_assert_eq(r->ns, 0, "NSCOUNT %u", r->ns);
	cr_assert_eq(r->ar, 0, "ARCOUNT %u", r->ar);
}

Test(answer, soa_at_apex)
{
	struct t_resp r;
	ask(&r, "example.net.", LDNS_RR_TYPE_SOA);
	struct t_rr an = soa_net;
	an.ttl = 3600; /* the SOA itself keeps its TTL */
	t_expect_answer(&r, &an, 1, NULL, 0);
	t_free(&r);
}

Test(answer, ns_at_apex)
{
	struct t_resp r;
	ask(&r, "example.net.", LDNS_RR_TYPE_NS);
	t_expect_header(&r, LDNS_RCODE_NOERROR, true, false);
	t_expect_question(&r);
	static const struct t_rr an[] = {
	    {"example.net.", LDNS_RR_TYPE_NS, 3600, "ns1.example.net."},
	    {"example.net.", LDNS_RR_TYPE_NS, 3600, "ns2.example.net."},
	};
	cr_assert_eq(r.an, 2);
	cr_assert_eq(r.ns, 0);
	t_expect_section_set(&r, LDNS_SECTION_ANSWER, an, T_N(an));
	t_free(&r);
}

Test(answer, single_a)
{
	struct t_resp r;
	static const struct t_rr an[] = {{"one.example.net.", LDNS_RR_TYPE_A, 300, "192.0.2.1"}};
	for (int i = 0; i < 3; i++) {
		ask(&r, "one.example.net.", LDNS_RR_TYPE_A);
		t_expect_answer(&r, an, 1, NULL, 0);
		t_free(&r);
	}
}

Test(answer, single_aaaa)
{
	struct t_resp r;
	static const struct t_rr an[] = {
	    {"mx1.example.net.", LDNS_RR_TYPE_AAAA, 700, "2001:db8::11"}};
	ask(&r, "mx1.example.net.", LDNS_RR_TYPE_AAAA);
	t_expect_answer(&r, an, 1, NULL, 0);
	t_free(&r);
}

/* A one-record MX RRset is not a pool: the same answer every time, the
 * preference untouched, the target's addresses in additional. */
Test(answer, single_mx_not_a_pool)
{
	static const struct t_rr an[] = {
	    {"solo.example.net.", LDNS_RR_TYPE_MX, 300, "10 mx1.example.net."}};
	static const struct t_rr ad[] = {
	    {"mx1.example.net.", LDNS_RR_TYPE_A, 600, "198.51.100.11"},
	    {"mx1.example.net.", LDNS_RR_TYPE_AAAA, 700, "2001:db8::11"},
	};
	for (int i = 0; i < 4; i++) {
		struct t_resp r;
		ask(&r, "solo.example.net.", LDNS_RR_TYPE_MX);
		t_expect_answer(&r, an, 1, ad, 2);
		t_free(&r);
	}
}

Test(answer, txt)
{
	struct t_resp r;
	ask(&r, "txt.example.net.", LDNS_RR_TYPE_TXT);
	t_expect_header(&r, LDNS_RCODE_NOERROR, true, false);
	t_expect_question(&r);
	static const struct t_rr an[] = {
	    {"txt.example.net.", LDNS_RR_TYPE_TXT, 300, "\"hello world\" \"second string\""},
	    {"txt.example.net.", LDNS_RR_TYPE_TXT, 300, "\"v=spf1 -all\""},
	};
	cr_assert_eq(r.an, 2);
	cr_assert_eq(r.ns, 0);
	cr_assert_eq(r.ar, 0);
	t_expect_section_set(&r, LDNS_SECTION_ANSWER, an, T_N(an));
	t_free(&r);
}

Test(answer, cname_queried_as_cname)
{
	struct t_resp r;
	static const struct t_rr an[] = {
	    {"alias.example.net.", LDNS_RR_TYPE_CNAME, 300, "mx1.example.net."}};
	ask(&r, "alias.example.net.", LDNS_RR_TYPE_CNAME);
	t_expect_answer(&r, an, 1, NULL, 0);
	t_free(&r);
}

Test(answer, cname_out_of_zone_target)
{
	struct t_resp r;
	static const struct t_rr an[] = {
	    {"extalias.example.net.", LDNS_RR_TYPE_CNAME, 300, "mail.other.test."}};
	ask(&r, "extalias.example.net.", LDNS_RR_TYPE_A);
	t_expect_answer(&r, an, 1, NULL, 0);
	t_free(&r);
}

/* Another type at a CNAME name: the CNAME first; the in-zone target's A may
 * follow (RFC 1034 §4.3.2 step 3a), nothing else. */
Test(answer, cname_in_zone_target)
{
	struct t_resp r;
	ask(&r, "alias.example.net.", LDNS_RR_TYPE_A);
	t_expect_header(&r, LDNS_RCODE_NOERROR, true, false);
	t_expect_question(&r);
	static const struct t_rr an[] = {
	    {"alias.example.net.", LDNS_RR_TYPE_CNAME, 300, "mx1.example.net."},
	    {"mx1.example.net.", LDNS_RR_TYPE_A, 600, "198.51.100.11"},
	};
	cr_assert(r.an == 1 || r.an == 2, "ANCOUNT %u", r.an);
	t_expect_section(&r, LDNS_SECTION_ANSWER, an, r.an);
	t_free(&r);
}

Test(answer, header_flags_and_id)
{
	static const uint16_t ids[] = {0x0000, 0x0001, 0xbeef, 0xffff};
	for (size_t i = 0; i < T_N(ids); i++) {
		for (int rd = 0; rd <= 1; rd++) {
			struct t_resp r;
			struct t_query q = {.name = "one.example.net.",
					    .type = LDNS_RR_TYPE_A,
					    .id = ids[i],
					    .rd = rd};
			t_ask(&r, w, img, &q);
			/* t_query_wire maps id 0 to T_ID: check the ID against the query */
			t_expect_header(&r, LDNS_RCODE_NOERROR, true, false);
			cr_assert_eq(!!(r.flags & 0x0100), rd, "RD not copied (query RD=%d)", rd);
			cr_assert_eq(r.flags & 0x0080, 0, "RA set");
			cr_assert_eq(r.id, ids[i] ? ids[i] : T_ID);
			t_free(&r);
		}
	}
}

/* CD, AD, Z and RA never set: copying CD is for recursive servers (RFC 4035
 * §3.2.2). */
Test(answer, cd_ad_z_clear)
{
	static const uint16_t flags[] = {0x0010, 0x0000, 0x0030, 0x0050, 0x0170};
	for (size_t i = 0; i < T_N(flags); i++) {
		struct t_buf b = {.n = 0};
		tb_header(&b, T_ID, flags[i], 1, 0, 0, 0);
		tb_name(&b, "one.example.net.");
		tb_u16(&b, LDNS_RR_TYPE_A);
		tb_u16(&b, LDNS_RR_CLASS_IN);
		struct t_resp r;
		t_send(&r, w, img, b.b, b.n, T_CAP);
		t_expect_header(&r, LDNS_RCODE_NOERROR, true, false);
		cr_assert_eq(r.flags & 0x0010, 0, "CD set (query 0x%04x)", flags[i]);
		cr_assert_eq(r.flags & 0x0040, 0, "Z set (query 0x%04x)", flags[i]);
		t_free(&r);
	}
}

Test(answer, nxdomain_flags_rd)
{
	for (int rd = 0; rd <= 1; rd++) {
		struct t_resp r;
		struct t_query q = {.name = "nope.example.net.", .type = LDNS_RR_TYPE_A, .rd = rd};
		t_ask(&r, w, img, &q);
		expect_negative(&r, LDNS_RCODE_NXDOMAIN, &soa_net);
		cr_assert_eq(!!(r.flags & 0x0100), rd);
		t_free(&r);
	}
}

Test(answer, nxdomain_soa_ttl_is_minimum)
{
	struct t_resp r;
	ask(&r, "nope.example.net.", LDNS_RR_TYPE_MX);
	expect_negative(&r, LDNS_RCODE_NXDOMAIN, &soa_net); /* min(3600, 300) */
	t_free(&r);
}

Test(answer, nxdomain_soa_ttl_is_soa_ttl)
{
	struct t_resp r;
	ask(&r, "nope.example.org.", LDNS_RR_TYPE_A);
	expect_negative(&r, LDNS_RCODE_NXDOMAIN, &soa_org); /* min(60, 600) */
	t_free(&r);
}

Test(answer, nxdomain_below_existing_name)
{
	struct t_resp r;
	ask(&r, "x.mx1.example.net.", LDNS_RR_TYPE_A);
	expect_negative(&r, LDNS_RCODE_NXDOMAIN, &soa_net);
	t_free(&r);
}

Test(answer, nodata_missing_type)
{
	struct t_resp r;
	ask(&r, "mx1.example.net.", LDNS_RR_TYPE_MX);
	expect_negative(&r, LDNS_RCODE_NOERROR, &soa_net);
	t_free(&r);
	ask(&r, "mx2.example.net.", LDNS_RR_TYPE_AAAA);
	expect_negative(&r, LDNS_RCODE_NOERROR, &soa_net);
	t_free(&r);
	ask(&r, "example.org.", LDNS_RR_TYPE_TXT);
	expect_negative(&r, LDNS_RCODE_NOERROR, &soa_org);
	t_free(&r);
}

Test(answer, nodata_empty_non_terminal)
{
	struct t_resp r;
	ask(&r, "ent.example.net.", LDNS_RR_TYPE_A);
	expect_negative(&r, LDNS_RCODE_NOERROR, &soa_net);
	t_free(&r);
	ask(&r, "_tcp.example.net.", LDNS_RR_TYPE_SRV);
	expect_negative(&r, LDNS_RCODE_NOERROR, &soa_net);
	t_free(&r);
	/* and the names below it are still there */
	static const struct t_rr an[] = {
	    {"deep.ent.example.net.", LDNS_RR_TYPE_A, 300, "192.0.2.7"}};
	ask(&r, "deep.ent.example.net.", LDNS_RR_TYPE_A);
	t_expect_answer(&r, an, 1, NULL, 0);
	t_free(&r);
}

Test(answer, second_zone)
{
	struct t_resp r;
	static const struct t_rr an[] = {
	    {"example.org.", LDNS_RR_TYPE_MX, 60, "5 mail.example.org."}};
	static const struct t_rr ad[] = {{"mail.example.org.", LDNS_RR_TYPE_A, 60, "192.0.2.81"}};
	ask(&r, "example.org.", LDNS_RR_TYPE_MX);
	t_expect_answer(&r, an, 1, ad, 1);
	t_free(&r);
	cr_assert_eq(mxlb_image_zone_count(img), 2);
}

Test(answer, refused_out_of_zone)
{
	static const char *const names[] = {"www.example.com.", "net.", ".", "example.nett.",
					    "xexample.net."};
	for (size_t i = 0; i < T_N(names); i++) {
		for (int rd = 0; rd <= 1; rd++) {
			struct t_resp r;
			struct t_query q = {.name = names[i], .type = LDNS_RR_TYPE_A, .rd = rd};
			t_ask(&r, w, img, &q);
			expect_refused(&r);
			t_free(&r);
		}
	}
}

Test(answer, refused_class_not_in)
{
	static const uint16_t classes[] = {LDNS_RR_CLASS_CH, LDNS_RR_CLASS_HS, 42};
	for (size_t i = 0; i < T_N(classes); i++) {
		struct t_resp r;
		struct t_query q = {
		    .name = "example.net.", .type = LDNS_RR_TYPE_SOA, .qclass = classes[i]};
		t_ask(&r, w, img, &q);
		expect_refused(&r);
		t_free(&r);
	}
}

Test(answer, case_preserved_in_question)
{
	struct t_resp r;
	ask(&r, "OnE.ExAmPlE.NeT.", LDNS_RR_TYPE_A);
	static const struct t_rr an[] = {{"one.example.net.", LDNS_RR_TYPE_A, 300, "192.0.2.1"}};
	t_expect_answer(&r, an, 1, NULL, 0); /* echo checked byte for byte */
	cr_assert_eq(memcmp(r.buf + 12,
			    "\x03OnE\x07"
			    "ExAmPlE\x03NeT\x00",
			    17),
		     0);
	t_free(&r);

	ask(&r, "EXAMPLE.NET.", LDNS_RR_TYPE_MX);
	t_expect_header(&r, LDNS_RCODE_NOERROR, true, false);
	t_expect_question(&r);
	cr_assert_eq(r.an, 4);
	t_free(&r);

	ask(&r, "NoPe.ExAmPlE.NeT.", LDNS_RR_TYPE_A);
	expect_negative(&r, LDNS_RCODE_NXDOMAIN, &soa_net);
	t_free(&r);

	ask(&r, "Www.ExAmPlE.CoM.", LDNS_RR_TYPE_A);
	expect_refused(&r);
	t_free(&r);
}

#define L63(c)                                                                                     \
	c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c  \
	    c c c c c c c c c c c c c c c c c c
#define L49(c)                                                                                     \
	c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c  \
	    c c c c

/* An owner name of exactly 255 octets is stored and answered. */
Test(answer, name_of_255_octets)
{
	static const char name[] = L63("a") "." L63("b") "." L63("c") "." L49("d") ".example.net.";
	static const char upper[] = L63("A") "." L63("b") "." L63("C") "." L49("d") ".EXAMPLE.net.";
	cr_assert_eq(strlen(name), 254); /* 255 octets in wire form */
	static const struct t_rr an[] = {{name, LDNS_RR_TYPE_A, 300, "192.0.2.255"}};
	struct t_resp r;
	ask(&r, name, LDNS_RR_TYPE_A);
	cr_assert_eq(t_question_len(r.query, r.qlen), 255 + 4);
	t_expect_answer(&r, an, 1, NULL, 0);
	t_free(&r);
	ask(&r, upper, LDNS_RR_TYPE_A);
	t_expect_answer(&r, an, 1, NULL, 0);
	t_free(&r);
	ask(&r, name, LDNS_RR_TYPE_TXT);
	expect_negative(&r, LDNS_RCODE_NOERROR, &soa_net);
	t_free(&r);
}

Test(answer, stats_count_rcodes)
{
	struct t_resp r;
	ask(&r, "one.example.net.", LDNS_RR_TYPE_A); /* NOERROR */
	t_free(&r);
	ask(&r, "mx1.example.net.", LDNS_RR_TYPE_MX); /* NODATA */
	t_free(&r);
	ask(&r, "nope.example.net.", LDNS_RR_TYPE_A); /* NXDOMAIN */
	t_free(&r);
	ask(&r, "nope2.example.net.", LDNS_RR_TYPE_A); /* NXDOMAIN */
	t_free(&r);
	ask(&r, "www.example.com.", LDNS_RR_TYPE_A); /* REFUSED */
	t_free(&r);
	cr_assert_eq(w->stats.queries, 5);
	cr_assert_eq(w->stats.rcode[LDNS_RCODE_NOERROR], 2);
	cr_assert_eq(w->stats.rcode[LDNS_RCODE_NXDOMAIN], 2);
	cr_assert_eq(w->stats.rcode[LDNS_RCODE_REFUSED], 1);
	cr_assert_eq(w->stats.rcode[LDNS_RCODE_FORMERR], 0);
	cr_assert_eq(w->stats.truncated, 0);
	cr_assert_eq(w->stats.badvers, 0);
	for (int i = 0; i < MXLB_DROP_MAX; i++)
		cr_assert_eq(w->stats.drop[i], 0);
}
