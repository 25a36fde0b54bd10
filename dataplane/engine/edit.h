/* Control changes to pools: validated against the current image and applied
 * as a new version that shares everything it does not change (DESIGN §5).
 *
 * A change is given as the words of its mxlbctl command line, which is also
 * what the journal stores:
 *   member add OWNER TYPE RDATA [--weight W]
 *   member del OWNER TYPE RDATA
 *   weight OWNER TYPE RDATA W
 *   drain|undrain|down|up HOST-OR-ADDRESS
 *   all-down OWNER TYPE all|next|null
 * OWNER TYPE addresses the pool at that owner, and so every owner that shares
 * it (identical RRsets share one pool). HOST-OR-ADDRESS addresses members:
 * a host name matches MX exchanges and SRV targets, an IPv4 or IPv6 address
 * matches A or AAAA members, in every pool. */
#ifndef MXLB_EDIT_H
#define MXLB_EDIT_H

#include <stddef.h>
#include <stdint.h>

#include "image.h"

enum {
	MXLB_EDIT_APPLIED = 0,	/* *next is a new version */
	MXLB_EDIT_NOCHANGE = 1, /* valid, but the image is already so: *next is NULL */
};

/* True when ARGV[0..ARGC) names a change (member, weight, drain, undrain,
 * down, up), whether or not it is valid. */
int mxlb_edit_is_change(int argc, const char *const *argv);

/* Validates and applies a change to CUR. Returns MXLB_EDIT_APPLIED with *NEXT
 * a new, unpublished version (mxlb_image_next; publish it, then
 * mxlb_image_commit and mxlb_image_retire), MXLB_EDIT_NOCHANGE, or a negative
 * errno when refused: -EINVAL for a malformed command, -ENOENT for an unknown
 * zone, owner, RRset or member, -EEXIST for a duplicate member, -EPERM for
 * removing the last member, -ENOMEM. MSG receives one line saying what was
 * done or why it was refused. CUR is not changed. */
int mxlb_edit_apply(const struct mxlb_image *cur, int argc, const char *const *argv,
		    struct mxlb_image **next, char *msg, size_t msglen);

/* mxlb_edit_apply on an image no worker reads yet (start-up, zone reload):
 * *IMG is replaced by the new version, committed, and the old one freed. */
int mxlb_edit_replay(struct mxlb_image **img, int argc, const char *const *argv, char *msg,
		     size_t msglen);

/* Presentation form of the RDATA of a TYPE record ("10 mx1.example.net.").
 * Returns OUT. */
char *mxlb_edit_rdata_text(uint16_t type, const uint8_t *rdata, uint16_t rdlen, char *out,
			   size_t outlen);

/* Name of an all-down policy (enum mxlb_alldown): "all", "next", "null". */
const char *mxlb_edit_alldown_name(unsigned policy);

/* Name of TYPE ("MX"), or "TYPE<n>". */
const char *mxlb_edit_type_name(uint16_t type, char *buf, size_t len);

#endif
