/* The fixture of the edit tests: the image of tests/unit/data/edit.zone
 * (its header lists the pools), changes applied through mxlb_edit_apply with
 * the checks every call must pass (APPLY, STEP, NOCHANGE), the pools and
 * members of an image, and whole answers checked with ldns (CHECK). */
#ifndef MXLB_TEST_EDIT_FIXTURE_H
#define MXLB_TEST_EDIT_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "edit.h"
#include "helpers.h"
#include "pool.h"

#define MX   LDNS_RR_TYPE_MX
#define SRV  LDNS_RR_TYPE_SRV
#define A    LDNS_RR_TYPE_A
#define AAAA LDNS_RR_TYPE_AAAA

#define ZONE "edit.zone"
#define APEX "edit.test."
#define E(h) h ".edit.test." /* in-zone host */
#define O(h) h ".out.test."  /* out-of-zone host: no additional data */

#define ARGV(...) ((const char *const[]){__VA_ARGS__})
#define NARG(...) ((int)T_N(ARGV(__VA_ARGS__)))

/* The image of FILE (data-relative), version 1, freed at exit if a test
 * fails; load() is that of ZONE. */
struct mxlb_image *load_opts(const char *file, const struct mxlb_image_opts *opts);

struct mxlb_image *load(void);

void free_image(struct mxlb_image *img);

/* What mxlbd does once no worker reads OLD any more. */
void publish(struct mxlb_image *old, struct mxlb_image *next);

/* ARGV quoted and joined, for messages. */
const char *joined(int argc, const char *const *argv);

/* mxlb_edit_apply with the checks every call must pass: *NEXT is set to
 * NULL unless applied; an applied change is version + 1 of CUR, and CUR keeps
 * its version. */
int apply(const struct mxlb_image *cur, struct mxlb_image **next, char *msg, size_t msglen,
	  int argc, const char *const *argv);

/* A change that must be accepted, with exactly EXPMSG unless NULL; returns
 * the new, unpublished version (APPLY, and STEP to publish it too). */
struct mxlb_image *apply_ok(int line, const struct mxlb_image *cur, const char *expmsg, int argc,
			    const char *const *argv);

/* A change that must change nothing, its message containing SUB. */
void nochange_at(int line, const struct mxlb_image *cur, const char *sub, int argc,
		 const char *const *argv);

/* TYPE's name, from ldns (four rotating buffers). */
const char *type_str(uint16_t type);

/* The pool answering OWNER TYPE in IMG, or NULL when the RRset is a fixed
 * block (or absent); pool() asserts there is one. Names compared through
 * ldns, not the engine. */
const struct mxlb_cpool *pool_or_null(const struct mxlb_image *img, const char *owner,
				      uint16_t type);

const struct mxlb_cpool *pool(const struct mxlb_image *img, const char *owner, uint16_t type);

/* Index of the member of P with RDATA (presentation form, names absolute),
 * found on RDATA that ldns encoded; -1 if none (member() asserts). */
int member_or_neg(const struct mxlb_cpool *p, const char *rdata);

uint16_t member(const struct mxlb_cpool *p, const char *rdata);

/* Asks OWNER TYPE and checks the whole response: NOERROR, AA, the question,
 * exactly the N answer records RD (in order, TTL TTL), the A record of each
 * in-zone MX/SRV target in answer order in the additional section, nothing
 * else (CHECK). */
void check_at(int line, struct mxlb_worker *w, const struct mxlb_image *img, const char *owner,
	      uint16_t type, uint32_t ttl, size_t n, const char *const *rd);

/* The k-th answer of the unchanged 3-member apex pool. */
void check_apex3(int line, struct mxlb_worker *w, const struct mxlb_image *img, size_t k);

#define APPLY(cur, expmsg, ...)                                                                    \
	apply_ok(__LINE__, cur, expmsg, NARG(__VA_ARGS__), ARGV(__VA_ARGS__))

/* Applies and publishes: *IMG becomes the new version. */
#define STEP(img, expmsg, ...)                                                                     \
	do {                                                                                       \
		struct mxlb_image *next_ = APPLY(*(img), expmsg, __VA_ARGS__);                     \
		publish(*(img), next_);                                                            \
		*(img) = next_;                                                                    \
	} while (0)

#define NOCHANGE(cur, sub, ...)                                                                    \
	nochange_at(__LINE__, cur, sub, NARG(__VA_ARGS__), ARGV(__VA_ARGS__))

#define CHECK(w, img, owner, type, ttl, ...)                                                       \
	check_at(__LINE__, w, img, owner, type, ttl, T_N(ARGV(__VA_ARGS__)), ARGV(__VA_ARGS__))

#endif
