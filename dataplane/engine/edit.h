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
 * matches A or AAAA members, in every pool. drain and undrain set and clear
 * the member's DRAIN flag, down and up its DOWN flag (image.h): maintenance
 * and health do not undo each other. */
#ifndef MXLB_EDIT_H
#define MXLB_EDIT_H

#include <stddef.h>
#include <stdint.h>

#include "image.h"

enum {
	MXLB_EDIT_APPLIED = 0,	/* *next is a new version */
	MXLB_EDIT_NOCHANGE = 1, /* valid, but the image is already so: *next is NULL */
};

/* What drain, undrain, down and up mean in a replayed change: the format of
 * the journal record that holds it (journal.h; the numbers are the same). */
enum {
	/* Written by an mxlbd that kept one state per member: drain, down and
	 * up set that state, whatever it was (the health checker's up also
	 * ended an operator's drain); undrain ended a drain, not a down.
	 * Replayed with that meaning, so that an old journal brings back what
	 * the old mxlbd served: the member's effective state in, the flags of
	 * the one resulting state out (never both). */
	MXLB_EDIT_SINGLE = 1,
	/* Two flags, as every change is applied now. */
	MXLB_EDIT_FLAGS = 2,
};

/* True when ARGV[0..ARGC) names a change (member, weight, drain, undrain,
 * down, up), whether or not it is valid. */
int mxlb_edit_is_change(int argc, const char *const *argv);

/* Validates and applies a change to CUR (drain and down as flags, format
 * MXLB_EDIT_FLAGS). Returns MXLB_EDIT_APPLIED with *NEXT a new, unpublished
 * version (mxlb_image_next; publish it, then mxlb_image_commit and
 * mxlb_image_retire), MXLB_EDIT_NOCHANGE, or a negative errno when refused:
 * -EINVAL for a malformed command, -ENOENT for an unknown zone, owner, RRset
 * or member, -EEXIST for a duplicate member, -EPERM for removing the last
 * member, -ENOMEM. MSG receives one line: what was done, why there was
 * nothing to do, or why it was refused. CUR is not changed. */
int mxlb_edit_apply(const struct mxlb_image *cur, int argc, const char *const *argv,
		    struct mxlb_image **next, char *msg, size_t msglen);

/* mxlb_edit_apply on an image no worker reads yet (start-up, zone reload),
 * with drain, undrain, down and up read in FORMAT (MXLB_EDIT_SINGLE or
 * MXLB_EDIT_FLAGS): *IMG is replaced by the new version, committed, and the
 * old one freed. */
int mxlb_edit_replay(struct mxlb_image **img, unsigned format, int argc, const char *const *argv,
		     char *msg, size_t msglen);

/* Presentation form of the RDATA of a TYPE record ("10 mx1.example.net.").
 * Returns OUT. */
char *mxlb_edit_rdata_text(uint16_t type, const uint8_t *rdata, uint16_t rdlen, char *out,
			   size_t outlen);

/* Name of an all-down policy (enum mxlb_alldown): "all", "next", "null". */
const char *mxlb_edit_alldown_name(unsigned policy);

/* Name of a mode (enum mxlb_mode) as given to --mx-mode: "prefer", "rotate",
 * "single"; "?" past them. */
const char *mxlb_edit_mode_name(unsigned mode);

/* Name of a member's flags (MXLB_MEMBER_F_*): "up", "drain", "down",
 * "down+drain". */
const char *mxlb_edit_flags_name(uint8_t flags);

/* Name of TYPE ("MX"), or "TYPE<n>". */
const char *mxlb_edit_type_name(uint16_t type, char *buf, size_t len);

#endif
