/* Master file reading through ldns: one record at a time into the builder's
 * compact source records, so that large zone sets never sit in memory as
 * ldns objects. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <ldns/ldns.h>

#include "build.h"
#include "zonetext.h"

/* Records between progress notes while a large file loads. */
#define MXLB_ZONE_PROGRESS 1000000

struct reader {
	struct mxlb_build *b;
	uint64_t count; /* records read from this file */
	struct timespec start;
	const char *path;
	uint16_t file;
	ldns_buffer *wire;
	size_t first; /* first src of this file */
	int soa_line;
	uint32_t soa_owner; /* srcdata offset of the SOA owner */
};

static void progress(const struct reader *r)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double s =
	    (double)(now.tv_sec - r->start.tv_sec) + (double)(now.tv_nsec - r->start.tv_nsec) / 1e9;
	mxlb_build_log(r->b, "%s: %llu records read, %.0f records/s", r->path,
		       (unsigned long long)r->count, s > 0 ? (double)r->count / s : 0.0);
}

static int add_rr(struct reader *r, ldns_rr *rr, int line)
{
	struct mxlb_build *b = r->b;
	const ldns_rdf *owner = ldns_rr_owner(rr);
	uint16_t type = (uint16_t)ldns_rr_get_type(rr);

	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
		return mxlb_build_fail(b, -EINVAL, "%s:%d: only class IN is served", r->path, line);
	if (type == MXLB_TYPE_OPT || type == MXLB_TYPE_ANY || type == MXLB_TYPE_AXFR ||
	    type == MXLB_TYPE_IXFR || type == 0)
		return mxlb_build_fail(b, -EINVAL, "%s:%d: type %u cannot be zone data", r->path,
				       line, type);
	if (type == MXLB_TYPE_SOA) {
		if (r->soa_line)
			return mxlb_build_fail(b, -EINVAL,
					       "%s:%d: second SOA record (first on line %d)",
					       r->path, line, r->soa_line);
		r->soa_line = line;
	}

	ldns_buffer_clear(r->wire);
	if (ldns_rr_rdata2buffer_wire(r->wire, rr) != LDNS_STATUS_OK)
		return mxlb_build_fail(b, -ENOMEM, "%s:%d: cannot encode RDATA", r->path, line);
	size_t rdlen = ldns_buffer_position(r->wire);
	size_t olen = ldns_rdf_size(owner);
	if (rdlen > 65535 - 64)
		return mxlb_build_fail(b, -E2BIG, "%s:%d: RDATA too long", r->path, line);

	if (MXLB_VEC_RESERVE(b->src, 1) || MXLB_VEC_RESERVE(b->srcdata, olen + rdlen))
		return mxlb_build_fail(b, -ENOMEM, "%s: out of memory", r->path);
	uint32_t ooff = (uint32_t)b->srcdata.n;
	memcpy(b->srcdata.v + ooff, ldns_rdf_data(owner), olen);
	memcpy(b->srcdata.v + ooff + olen, ldns_buffer_begin(r->wire), rdlen);
	b->srcdata.n += olen + rdlen;
	if (type == MXLB_TYPE_SOA)
		r->soa_owner = ooff;

	struct mxlb_src_rr *s = &b->src.v[b->src.n];
	*s = (struct mxlb_src_rr){
	    .node = ooff, /* owner name for now; the node once the apex is known */
	    .seq = (uint32_t)b->src.n,
	    .rdata = ooff + (uint32_t)olen,
	    .ttl = ldns_rr_ttl(rr),
	    .line = (uint32_t)line,
	    .type = type,
	    .rdlen = (uint16_t)rdlen,
	    .file = r->file,
	};
	b->src.n++;
	if (++r->count % MXLB_ZONE_PROGRESS == 0)
		progress(r);
	return 0;
}

/* Places every record of the file under the zone's apex: owners outside the
 * zone are an error (RFC 1034 §4.2.1: a zone holds the names at and below its
 * apex), as is a second zone with the same apex. */
static int attach(struct reader *r)
{
	struct mxlb_build *b = r->b;
	uint8_t apex[MXLB_WIRE_NAME_MAX], lname[MXLB_WIRE_NAME_MAX], loff[MXLB_NAME_LABELS_MAX];
	unsigned nl;
	char text[1024];

	if (!r->soa_line)
		return mxlb_build_fail(b, -EINVAL, "%s: no SOA record: the SOA owner is the apex",
				       r->path);
	memcpy(apex, b->srcdata.v + r->soa_owner, mxlb_name_len(b->srcdata.v + r->soa_owner));
	mxlb_name_fold(apex, sizeof(apex), lname, loff, &nl);
	if (mxlb_build_find(b, lname) != MXLB_NONE) {
		mxlb_name_to_text(apex, text, sizeof(text));
		return mxlb_build_fail(b, -EEXIST, "%s:%d: %s is already served by another zone",
				       r->path, r->soa_line, text);
	}
	if (MXLB_VEC_RESERVE(b->zones, 1))
		return mxlb_build_fail(b, -ENOMEM, "%s: out of memory", r->path);
	uint16_t zone = (uint16_t)b->zones.n;
	int64_t an = mxlb_build_node(b, lname, zone);
	if (an < 0)
		return mxlb_build_fail(b, (int)an, "%s: out of memory", r->path);
	b->zones.v[b->zones.n++] = (struct mxlb_zone_ent){.apex = (uint32_t)an, .soa = MXLB_NONE};

	for (size_t i = r->first; i < b->src.n; i++) {
		struct mxlb_src_rr *s = &b->src.v[i];
		const uint8_t *owner = b->srcdata.v + s->node;
		if (!mxlb_name_is_within(owner, apex)) {
			mxlb_name_to_text(owner, text, sizeof(text));
			return mxlb_build_fail(b, -EINVAL, "%s:%u: %s is outside the zone", r->path,
					       s->line, text);
		}
		mxlb_name_fold(owner, MXLB_WIRE_NAME_MAX, lname, loff, &nl);
		uint32_t n = mxlb_build_find(b, lname);
		if (n != MXLB_NONE && b->nodes.v[n].zone != zone) {
			mxlb_name_to_text(owner, text, sizeof(text));
			return mxlb_build_fail(b, -EEXIST, "%s:%u: %s is also in another zone",
					       r->path, s->line, text);
		}
		if (n == MXLB_NONE) {
			int64_t nn = mxlb_build_node(b, lname, zone);
			if (nn < 0)
				return mxlb_build_fail(b, (int)nn, "%s: out of memory", r->path);
			n = (uint32_t)nn;
		}
		s->node = n;
	}
	return 0;
}

int mxlb_zone_read(struct mxlb_build *b, uint16_t file)
{
	struct reader r = {.b = b, .path = b->files[file], .file = file, .first = b->src.n};
	clock_gettime(CLOCK_MONOTONIC, &r.start);
	ldns_rdf *origin = NULL, *prev = NULL;
	uint32_t ttl = 3600; /* used until a $TTL or SOA sets one (RFC 2308 §4) */
	int line = 1, rc = 0;

	struct mxlb_zonetext *src = NULL;
	int err = 0;
	FILE *fp = mxlb_zonetext_open(r.path, &src, &err);
	if (!fp) {
		if (err == -EINVAL)
			return mxlb_build_fail(b, err, "%s: not a regular file", r.path);
		return mxlb_build_fail(b, err, "%s: %s", r.path, strerror(-err));
	}
	r.wire = ldns_buffer_new(4096);
	if (!r.wire) {
		fclose(fp);
		return mxlb_build_fail(b, -ENOMEM, "%s: out of memory", r.path);
	}
	char text[MXLB_ZONETEXT_ENTRY_MAX], why[512];
	long from = 0;
	while (rc == 0 && !feof(fp) && !ferror(fp)) {
		ldns_rr *rr = NULL;
		int at = line;
		ldns_status s = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &origin, &prev, &line);
		/* ldns counts the newline that ends the entry: report the
		 * entry's last line. */
		int where = line > at ? line - 1 : line;
		long to = ftell(fp);
		/* What ldns reads without a word (zonetext.h), from the text of
		 * the entry it just read. */
		if (s != LDNS_STATUS_SYNTAX_INCLUDE) {
			mxlb_zonetext_entry(src, from, to, text, sizeof(text));
			int bad = mxlb_zonetext_check(text, s == LDNS_STATUS_OK ? rr : NULL, why,
						      sizeof(why));
			if (bad < 0) {
				rc = mxlb_build_fail(b, bad, "%s:%d: %s", r.path, where, why);
				ldns_rr_free(rr);
				break;
			}
		}
		from = to;
		switch (s) {
		case LDNS_STATUS_OK:
			rc = add_rr(&r, rr, where);
			ldns_rr_free(rr);
			break;
		case LDNS_STATUS_SYNTAX_EMPTY:
		case LDNS_STATUS_SYNTAX_TTL:
		case LDNS_STATUS_SYNTAX_ORIGIN:
			break;
		case LDNS_STATUS_SYNTAX_INCLUDE:
			rc = mxlb_build_fail(b, -ENOTSUP, "%s:%d: $INCLUDE is not supported",
					     r.path, where);
			break;
		default:
			rc = mxlb_build_fail(b, -EINVAL, "%s:%d: %s", r.path, where,
					     ldns_get_errorstr_by_id(s));
			break;
		}
	}
	if (rc == 0 && ferror(fp))
		rc = mxlb_build_fail(b, -EIO, "%s: read error", r.path);
	fclose(fp);
	ldns_buffer_free(r.wire);
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	if (rc == 0)
		rc = attach(&r);
	return rc;
}
