/* Shared helpers of the engine unit tests: load a zone from tests/unit/data,
 * build a query (with ldns or by hand), run it through mxlb_respond in a heap
 * buffer of exactly the given capacity, and check the parsed response field by
 * field against expected values written out in the tests. */
#ifndef MXLB_TEST_HELPERS_H
#define MXLB_TEST_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

#include "image.h"
#include "respond.h"
#include "worker.h"

#define T_N(a)	 (sizeof(a) / sizeof((a)[0]))
#define T_CAP	 4096 /* response buffer of ordinary queries */
#define T_ID	 0x5a3c
#define T_NOEDNS 0

/* ---- images and workers ---- */

/* Full path of a file in tests/unit/data (static buffer, one at a time). */
const char *t_path(const char *file);
/* Default options with the zone-load log captured (see t_log_text). */
void t_opts(struct mxlb_image_opts *opts);
/* Everything logged through t_opts options since the last t_log_reset. */
const char *t_log_text(void);
void t_log_reset(void);
/* Loads data files; asserts success. OPTS NULL: t_opts defaults. */
struct mxlb_image *t_load_opts(const char *const *files, size_t n,
			       const struct mxlb_image_opts *opts);
struct mxlb_image *t_load(const char *file);
struct mxlb_worker *t_worker(const struct mxlb_image *img, uint32_t index, uint32_t nworkers);
/* Free what t_load* / t_worker returned. Whatever a failed test leaves behind
 * is freed at exit, so that LeakSanitizer reports only the engine's leaks. */
void t_image_free(struct mxlb_image *img);
void t_worker_free(struct mxlb_worker *w);
/* Images a test builds itself, freed at exit when it fails: a committed one
 * (PARENT NULL), or a version not yet published, discarded against PARENT.
 * Untrack one before freeing, committing or discarding it. */
void t_image_track(struct mxlb_image *img, const struct mxlb_image *parent);
void t_image_untrack(const struct mxlb_image *img);

/* ---- queries ---- */

struct t_query {
	const char *name; /* presentation form, case kept */
	uint16_t type;
	uint16_t qclass; /* 0: IN */
	uint16_t id;	 /* 0: T_ID */
	bool rd;
	uint16_t edns; /* 0: no OPT; otherwise the advertised UDP payload size */
	bool do_bit;
	uint8_t edns_version;
};

/* Query in wire form (malloc'd; caller frees). */
uint8_t *t_query_wire(const struct t_query *q, size_t *len);

/* Hand-made packets. */
struct t_buf {
	uint8_t b[2048];
	size_t n;
};
void tb_u8(struct t_buf *b, uint8_t v);
void tb_u16(struct t_buf *b, uint16_t v);
void tb_u32(struct t_buf *b, uint32_t v);
void tb_bytes(struct t_buf *b, const void *p, size_t n);
/* Header: FLAGS is the second 16-bit word (QR, opcode, AA, TC, RD, ...). */
void tb_header(struct t_buf *b, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns,
	       uint16_t ar);
/* Uncompressed wire name from presentation form ("." is the root). */
void tb_name(struct t_buf *b, const char *name);
/* An OPT RR with the root owner and no options. */
void tb_opt(struct t_buf *b, uint16_t udp, uint8_t ext_rcode, uint8_t version, uint16_t flags);

/* ---- responses ---- */

struct t_resp {
	uint8_t *query; /* copy of the query as sent */
	size_t qlen;
	uint8_t *buf; /* the buffer mxlb_respond wrote into, exactly CAP octets */
	size_t cap;
	size_t len;			    /* mxlb_respond's return value */
	ldns_pkt *pkt;			    /* parsed response, NULL when len == 0 */
	uint16_t id, flags, qd, an, ns, ar; /* raw header of the response */
};

/* Runs QUERY (QLEN octets) in a heap buffer of exactly CAP octets (CAP >= QLEN;
 * CAP == QLEN makes ASan catch any read past the query). Asserts the return
 * is <= CAP and, when nonzero, that ldns parses it. */
void t_send(struct t_resp *r, struct mxlb_worker *w, const struct mxlb_image *img,
	    const uint8_t *query, size_t qlen, size_t cap);
/* Builds Q and runs it with T_CAP octets of room; asserts a reply came. */
void t_ask(struct t_resp *r, struct mxlb_worker *w, const struct mxlb_image *img,
	   const struct t_query *q);
void t_free(struct t_resp *r);

/* Octets of the question section of a query (name + type + class), 0 when
 * it does not parse as one uncompressed question. */
size_t t_question_len(const uint8_t *query, size_t qlen);

/* ---- checks ---- */

/* ID copied, QR set, opcode QUERY, AA as given, TC as given, RD copied from
 * the query, RA/AD clear, header RCODE as given. */
void t_expect_header(const struct t_resp *r, ldns_pkt_rcode rcode, bool aa, bool tc);
/* QDCOUNT 1 and the question octets identical to the query's. */
void t_expect_question(const struct t_resp *r);
/* OPT presence; when present: payload 1232, version 0, extended RCODE as
 * given, flags exactly DO (copied) and no options. */
void t_expect_edns(const struct t_resp *r, bool present, bool do_bit, uint8_t ext_rcode);

/* One expected RR. OWNER compares case-insensitively; RDATA is the ldns
 * presentation of the rdata fields joined by single spaces. Class IN. */
struct t_rr {
	const char *owner;
	uint16_t type;
	uint32_t ttl;
	const char *rdata;
};
void t_expect_rr(const ldns_rr *rr, const struct t_rr *e, const char *where, size_t i);
/* Section S holds exactly the N records EXP in that order. */
void t_expect_section(const struct t_resp *r, ldns_pkt_section s, const struct t_rr *exp, size_t n);
/* Same, in any order. */
void t_expect_section_set(const struct t_resp *r, ldns_pkt_section s, const struct t_rr *exp,
			  size_t n);
/* Section S holds the first K of the N records EXP, in order, for some K; returns K. */
size_t t_expect_section_prefix(const struct t_resp *r, ldns_pkt_section s, const struct t_rr *exp,
			       size_t n);
/* Rdata of RR as t_rr.rdata would spell it (static buffer). */
const char *t_rdata_str(const ldns_rr *rr);

/* NOERROR answer: header (AA, no TC), question, exactly the answer records
 * and additional records given, empty authority, no OPT. */
void t_expect_answer(const struct t_resp *r, const struct t_rr *an, size_t nan,
		     const struct t_rr *ad, size_t nad);

/* ---- a journal in a directory of its own ---- */

/* A suite's .init and .fini: t_journal_setup makes a fresh directory
 * T_JDIR under /tmp and names T_JPATH, its file "journal" (not created);
 * t_journal_teardown removes the journal, its ".tmp" rewrite and the
 * directory. */
extern char t_jdir[256], t_jpath[512];
void t_journal_setup(void);
void t_journal_teardown(void);

/* ---- journal replay over an image ---- */

/* The state of t_replay_edit: the image the records are applied to (tracked
 * as committed), and how many were. */
struct t_replay {
	struct mxlb_image *img;
	int applied;
};

/* A mxlb_journal_fn for ARG, a struct t_replay: applies each record with
 * mxlb_edit_replay, which must accept it. */
int t_replay_edit(void *arg, unsigned format, int argc, const char *const *argv);

/* The records of section S (answer or additional) of X and Y are the same,
 * in the same order, compared through ldns. */
void t_same_section(const struct t_resp *x, const struct t_resp *y, ldns_pkt_section s);

#endif
