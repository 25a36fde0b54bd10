/* The change journal: every accepted control change, appended and made
 * durable before it is acknowledged, replayed over the zone files at start
 * and at zone reload (DESIGN §5).
 *
 * A record is  "MXJ" FORMAT | length (u32, big-endian) | CRC-32C of the
 * payload (u32) | payload, and the payload is the command words, each ended
 * by a NUL. FORMAT is one digit, the meaning of the words drain, undrain,
 * down and up (edit.h, MXLB_EDIT_*): "1" from an mxlbd that kept one state
 * per member, "2" (what is appended now) for the two flags, drain and down.
 * Every other command means the same in both. A record keeps its format
 * when the journal is rewritten, so an old journal goes on replaying as it
 * was written. A record cut short by a crash (length past the end, CRC
 * mismatch) ends the journal: replay drops it and truncates the file there,
 * so a journal always loads. A whole record of a format newer than
 * MXLB_JOURNAL_FORMAT fails the replay (-EPROTO) and leaves the file alone.
 * (An mxlbd that knows only format 1 takes the first format 2 record for a
 * torn one and cuts the journal there.) */
#ifndef MXLB_JOURNAL_H
#define MXLB_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#define MXLB_JOURNAL_ARGS_MAX	16
#define MXLB_JOURNAL_RECORD_MAX 8192
#define MXLB_JOURNAL_FORMAT	2 /* of the records mxlb_journal_append writes */

struct mxlb_journal {
	int fd;
	char path[4096];
	uint64_t records; /* records in the file */
};

/* Called for each record in order, with the record's FORMAT (1 or 2).
 * Returns 0 to keep the record, 1 to drop it from the journal (the change no
 * longer applies). */
typedef int (*mxlb_journal_fn)(void *arg, unsigned format, int argc, const char *const *argv);

/* Opens (creating if missing) the journal at PATH and replays it through FN.
 * A torn last record is dropped and reported in NOTE (empty otherwise);
 * dropped records are removed by rewriting the file atomically. Returns 0 or
 * a negative errno with ERR naming what failed. */
int mxlb_journal_open(struct mxlb_journal *j, const char *path, mxlb_journal_fn fn, void *arg,
		      char *note, size_t notelen, char *err, size_t errlen);

/* Replays the open journal again (zone reload), with the same rules. */
int mxlb_journal_replay(struct mxlb_journal *j, mxlb_journal_fn fn, void *arg, char *note,
			size_t notelen, char *err, size_t errlen);

/* Appends one record (format MXLB_JOURNAL_FORMAT) and waits until it is on
 * stable storage (fdatasync). Returns 0 or a negative errno; on failure the
 * file is cut back to where it was, so that nothing unacknowledged stays
 * behind. */
int mxlb_journal_append(struct mxlb_journal *j, int argc, const char *const *argv);

void mxlb_journal_close(struct mxlb_journal *j);

/* CRC-32C (Castagnoli), as used for the records. */
uint32_t mxlb_journal_crc(const uint8_t *p, size_t n);

#endif
