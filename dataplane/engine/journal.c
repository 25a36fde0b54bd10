#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wire.h"

#define HDR 12

uint32_t mxlb_journal_crc(const uint8_t *p, size_t n)
{
	static uint32_t table[256];
	if (!table[1])
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
			table[i] = c;
		}
	uint32_t c = 0xFFFFFFFFu;
	for (size_t i = 0; i < n; i++)
		c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
	return c ^ 0xFFFFFFFFu;
}

static int fail(char *err, size_t errlen, int rc, const char *what, const char *path)
{
	if (err && errlen)
		snprintf(err, errlen, "journal %s: %s: %s", path, what, strerror(-rc));
	return rc;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Encodes a record into OUT (MXLB_JOURNAL_RECORD_MAX); returns its length or
 * a negative errno. */
static ssize_t encode(int argc, const char *const *argv, uint8_t *out)
{
	size_t len = 0;
	if (argc < 1 || argc > MXLB_JOURNAL_ARGS_MAX)
		return -EINVAL;
	for (int i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]) + 1;
		if (HDR + len + l > MXLB_JOURNAL_RECORD_MAX)
			return -E2BIG;
		memcpy(out + HDR + len, argv[i], l);
		len += l;
	}
	memcpy(out, "MXJ", 3);
	out[3] = (uint8_t)('0' + MXLB_JOURNAL_FORMAT);
	mxlb_wire_put32(out + 4, (uint32_t)len);
	mxlb_wire_put32(out + 8, mxlb_journal_crc(out + HDR, len));
	return (ssize_t)(HDR + len);
}

static int fsync_dir(const char *path)
{
	char copy[4096];
	snprintf(copy, sizeof(copy), "%s", path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return -errno;
	int rc = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

/* Writes KEEP[0..n) (offsets of records in BUF) to PATH.tmp and renames it
 * over the journal. */
static int rewrite(struct mxlb_journal *j, const uint8_t *buf, const size_t *keep, size_t n)
{
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", j->path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = write_all(fd, buf + keep[i], HDR + mxlb_wire_get32(buf + keep[i] + 4));
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (rc == 0 && rename(tmp, j->path) < 0)
		rc = -errno;
	if (rc == 0)
		rc = fsync_dir(j->path);
	if (rc < 0) {
		unlink(tmp);
		return rc;
	}
	int nfd = open(j->path, O_RDWR | O_APPEND | O_CLOEXEC);
	if (nfd < 0)
		return -errno;
	close(j->fd);
	j->fd = nfd;
	j->records = n;
	return 0;
}

int mxlb_journal_replay(struct mxlb_journal *j, mxlb_journal_fn fn, void *arg, char *note,
			size_t notelen, char *err, size_t errlen)
{
	struct stat st;
	if (note && notelen)
		note[0] = 0;
	if (fstat(j->fd, &st) < 0)
		return fail(err, errlen, -errno, "stat", j->path);
	size_t size = (size_t)st.st_size;
	uint8_t *buf = malloc(size ? size : 1);
	size_t *keep = malloc((size / HDR + 1) * sizeof(size_t));
	if (!buf || !keep) {
		free(buf);
		free(keep);
		return fail(err, errlen, -ENOMEM, "read", j->path);
	}
	size_t got = 0;
	while (got < size) {
		ssize_t r = pread(j->fd, buf + got, size - got, (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int rc = r < 0 ? -errno : -EIO;
			free(buf);
			free(keep);
			return fail(err, errlen, rc, "read", j->path);
		}
		got += (size_t)r;
	}

	size_t off = 0, nkeep = 0, total = 0;
	int dropped = 0, rc = 0;
	while (off < size) {
		size_t len = size - off >= HDR ? mxlb_wire_get32(buf + off + 4) : 0;
		if (size - off < HDR || memcmp(buf + off, "MXJ", 3) != 0 || buf[off + 3] < '1' ||
		    buf[off + 3] > '9' || len > MXLB_JOURNAL_RECORD_MAX || size - off - HDR < len ||
		    len == 0 || buf[off + HDR + len - 1] != 0 ||
		    mxlb_journal_crc(buf + off + HDR, len) != mxlb_wire_get32(buf + off + 8))
			break;
		/* A whole record of a format from a newer mxlbd is no torn tail:
		 * cutting it off would lose changes. Refuse the journal as it is. */
		if (buf[off + 3] > '0' + MXLB_JOURNAL_FORMAT) {
			if (err && errlen)
				snprintf(
				    err, errlen,
				    "journal %s: record %zu (offset %zu) is of format %c, newer "
				    "than this mxlbd reads (up to %d); the file is left as it is",
				    j->path, total + 1, off, buf[off + 3], MXLB_JOURNAL_FORMAT);
			free(buf);
			free(keep);
			return -EPROTO;
		}
		const char *argv[MXLB_JOURNAL_ARGS_MAX];
		int argc = 0;
		for (size_t p = off + HDR; p < off + HDR + len && argc < MXLB_JOURNAL_ARGS_MAX;) {
			argv[argc++] = (const char *)buf + p;
			p += strlen((const char *)buf + p) + 1;
		}
		total++;
		if (fn(arg, (unsigned)(buf[off + 3] - '0'), argc, argv) == 0)
			keep[nkeep++] = off;
		else
			dropped = 1;
		off += HDR + len;
	}
	if (off < size) {
		if (note && notelen)
			snprintf(note, notelen,
				 "journal %s: dropped a torn record at offset %zu (%zu octets)",
				 j->path, off, size - off);
		if (!dropped && (ftruncate(j->fd, (off_t)off) < 0 || fsync(j->fd) < 0))
			rc = fail(err, errlen, -errno, "truncate", j->path);
	}
	j->records = total;
	if (rc == 0 && dropped && (rc = rewrite(j, buf, keep, nkeep)) < 0)
		fail(err, errlen, rc, "rewrite", j->path);
	free(buf);
	free(keep);
	return rc;
}

int mxlb_journal_open(struct mxlb_journal *j, const char *path, mxlb_journal_fn fn, void *arg,
		      char *note, size_t notelen, char *err, size_t errlen)
{
	if (strlen(path) >= sizeof(j->path) - 8)
		return fail(err, errlen, -ENAMETOOLONG, "open", path);
	snprintf(j->path, sizeof(j->path), "%s", path);
	j->records = 0;
	j->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (j->fd < 0)
		return fail(err, errlen, -errno, "open", path);
	int rc = fsync_dir(path);
	if (rc == 0)
		rc = mxlb_journal_replay(j, fn, arg, note, notelen, err, errlen);
	else
		fail(err, errlen, rc, "sync directory", path);
	if (rc < 0) {
		close(j->fd);
		j->fd = -1;
	}
	return rc;
}

int mxlb_journal_append(struct mxlb_journal *j, int argc, const char *const *argv)
{
	uint8_t rec[MXLB_JOURNAL_RECORD_MAX];
	ssize_t n = encode(argc, argv, rec);
	if (n < 0)
		return (int)n;
	off_t end = lseek(j->fd, 0, SEEK_END);
	if (end < 0)
		return -errno;
	int rc = write_all(j->fd, rec, (size_t)n);
	if (rc == 0 && fdatasync(j->fd) < 0)
		rc = -errno;
	if (rc < 0) {
		if (ftruncate(j->fd, end) == 0)
			fdatasync(j->fd);
		return rc;
	}
	j->records++;
	return 0;
}

void mxlb_journal_close(struct mxlb_journal *j)
{
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
}
