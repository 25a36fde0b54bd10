/* Journal replay over an unpublished image. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "edit.h"
#include "replay.h"

_Static_assert(MXLB_JOURNAL_FORMAT == MXLB_EDIT_FLAGS,
	       "a journal record's format is its MXLB_EDIT_*");

/* FORMAT: the record's (journal.h), which is how edit.h numbers the
 * meanings of drain, undrain, down and up. */
static int mxlb_replay_one(void *arg, unsigned format, int argc, const char *const *argv)
{
	struct mxlb_replay *r = arg;
	char msg[2048];
	int rc;

	if (r->failed != 0)
		return 0;
	msg[0] = '\0';
	rc = mxlb_edit_replay(&r->img, format, argc, argv, msg, sizeof(msg));
	if (rc == -ENOMEM) {
		r->failed = rc;
		snprintf(r->err, sizeof(r->err), "journal replay: %s", strerror(-rc));
		return 0;
	}
	if (rc < 0) {
		mxlb_text_printf(&r->report, "dropped: ");
		mxlb_text_command(&r->report, argc, argv);
		mxlb_text_printf(&r->report, ": %s\n", msg);
		r->dropped++;
		return 1;
	}
	mxlb_text_printf(&r->report, "kept: ");
	mxlb_text_command(&r->report, argc, argv);
	mxlb_text_printf(&r->report, "\n");
	r->kept++;
	return 0;
}

static int mxlb_replay_done(struct mxlb_replay *r, int rc)
{
	if (rc == 0 && r->failed != 0)
		rc = r->failed;
	if (rc == 0 && r->report.oom) {
		snprintf(r->err, sizeof(r->err), "journal replay: report: %s", strerror(ENOMEM));
		rc = -ENOMEM;
	}
	return rc;
}

static void mxlb_replay_start(struct mxlb_replay *r)
{
	mxlb_text_reset(&r->report);
	r->kept = 0;
	r->dropped = 0;
	r->failed = 0;
	r->note[0] = '\0';
	r->err[0] = '\0';
}

int mxlb_replay_open(struct mxlb_replay *r, struct mxlb_journal *j, const char *path)
{
	int rc;

	mxlb_replay_start(r);
	rc = mxlb_journal_open(j, path, mxlb_replay_one, r, r->note, sizeof(r->note), r->err,
			       sizeof(r->err));
	return mxlb_replay_done(r, rc);
}

int mxlb_replay_again(struct mxlb_replay *r, struct mxlb_journal *j)
{
	int rc;

	mxlb_replay_start(r);
	rc = mxlb_journal_replay(j, mxlb_replay_one, r, r->note, sizeof(r->note), r->err,
				 sizeof(r->err));
	return mxlb_replay_done(r, rc);
}

void mxlb_replay_fini(struct mxlb_replay *r)
{
	mxlb_text_free(&r->report);
}
