/* status, pools and preview. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "edit.h"
#include "name.h"
#include "pool.h"
#include "show.h"
#include "wire.h"

/* Room for the presentation form of any RDATA of a pool type and any name. */
#define MXLB_SHOW_TEXT 1100

static const char *const mxlb_show_states[] = {
    [MXLB_MEMBER_UP] = "up",
    [MXLB_MEMBER_DRAIN] = "drain",
    [MXLB_MEMBER_DOWN] = "down",
};

static int mxlb_show_fail(struct mxlb_text *t, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A refusal: T holds only the reason. */
static int mxlb_show_fail(struct mxlb_text *t, int err, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mxlb_text_reset(t);
	mxlb_text_printf(t, "%s", msg);
	return err;
}

/* Presentation name TEXT ("mx1.example.net", trailing dot optional, "\."
 * and "\DDD" escapes) into the uncompressed wire form WIRE. Returns its
 * length or 0 when TEXT is not a name. */
static size_t mxlb_show_name_wire(const char *text, uint8_t wire[MXLB_WIRE_NAME_MAX])
{
	const char *p = text;
	size_t len = 0, lab;

	if (strcmp(text, ".") == 0) {
		wire[0] = 0;
		return 1;
	}
	while (*p != '\0') {
		lab = len++;
		if (lab >= MXLB_WIRE_NAME_MAX - 1)
			return 0;
		wire[lab] = 0;
		while (*p != '\0' && *p != '.') {
			unsigned c = (unsigned char)*p++;

			if (c == '\\' && p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9' &&
			    p[2] >= '0' && p[2] <= '9') {
				c = (unsigned)(p[0] - '0') * 100 + (unsigned)(p[1] - '0') * 10 +
				    (unsigned)(p[2] - '0');
				p += 3;
				if (c > 255)
					return 0;
			} else if (c == '\\') {
				if (*p == '\0')
					return 0;
				c = (unsigned char)*p++;
			}
			if (wire[lab] == MXLB_WIRE_LABEL_MAX || len >= MXLB_WIRE_NAME_MAX - 1)
				return 0;
			wire[len++] = (uint8_t)c;
			wire[lab]++;
		}
		if (wire[lab] == 0)
			return 0; /* empty label */
		if (*p == '.')
			p++;
	}
	wire[len++] = 0;
	return len;
}

/* The node of owner name TEXT, or NULL with the reason in T. */
static const struct mxlb_node *mxlb_show_owner(struct mxlb_text *t, const struct mxlb_image *img,
					       const char *text, int *err)
{
	uint8_t wire[MXLB_WIRE_NAME_MAX], lname[MXLB_WIRE_NAME_MAX + MXLB_NAME_PAD] = {0};
	uint8_t loff[MXLB_NAME_LABELS_MAX];
	const struct mxlb_node *n;
	unsigned nl;
	size_t len;

	len = mxlb_show_name_wire(text, wire);
	if (len == 0 || mxlb_name_fold(wire, len, lname, loff, &nl) != len) {
		*err = mxlb_show_fail(t, -EINVAL, "malformed owner name '%s'", text);
		return NULL;
	}
	n = mxlb_image_find(img, lname, len, mxlb_name_hash(lname));
	if (n == NULL)
		*err = mxlb_show_fail(t, -ENOENT, "no owner %s in any zone mxlbd serves", text);
	return n;
}

/* Pool type TEXT ("MX", case-insensitive), or 0 with the reason in T. */
static uint16_t mxlb_show_type(struct mxlb_text *t, const char *text, int *err)
{
	static const struct {
		const char *name;
		uint16_t type;
	} types[] = {
	    {"MX", MXLB_TYPE_MX},
	    {"SRV", MXLB_TYPE_SRV},
	    {"A", MXLB_TYPE_A},
	    {"AAAA", MXLB_TYPE_AAAA},
	};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(text, types[i].name) == 0)
			return types[i].type;
	*err = mxlb_show_fail(t, -EINVAL, "%s is not a pool type (MX, SRV, A or AAAA)", text);
	return 0;
}

/* Pool id of ref I of node N, or MXLB_NONE when that RRset is no pool. */
static uint32_t mxlb_show_ref_pool(const struct mxlb_image *img, const struct mxlb_node *n,
				   uint16_t i, uint16_t *type)
{
	const struct mxlb_rrref *r = &img->refs[n->refs + i];
	uint32_t val = __atomic_load_n(&r->val, __ATOMIC_ACQUIRE);

	*type = r->type;
	if ((val & MXLB_REF_POOL) == 0 || img->pools[val & MXLB_REF_IDX]->glue_only)
		return MXLB_NONE; /* a one-record RRset */
	return val & MXLB_REF_IDX;
}

/* The number pools shows for pool ID: its place among the pools that are
 * not glue-only (mxlb_cpool.glue_only), which take ids of their own. */
static uint32_t mxlb_show_pool_number(const struct mxlb_image *img, uint32_t id)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < id; i++)
		n += !img->pools[i]->glue_only;
	return n;
}

static void mxlb_show_owner_text(const struct mxlb_image *img, const struct mxlb_cpool *p,
				 char *out, size_t len)
{
	mxlb_name_to_text(img->names + img->nodes[p->owner].name, out, len);
}

static void mxlb_show_member_text(const struct mxlb_cpool *p, uint16_t m, char *out, size_t len)
{
	if (m == MXLB_POOL_NULL_MEMBER) { /* the all-down null answer */
		snprintf(out, len, "%s", p->type == MXLB_TYPE_MX ? "0 ." : "0 0 0 .");
		return;
	}
	mxlb_edit_rdata_text(p->type, p->rdata + p->members[m].rdata, p->members[m].rdlen, out,
			     len);
}

/* The effective state of a member with FLAGS. */
static const char *mxlb_show_state(uint8_t flags)
{
	unsigned state = mxlb_member_state(flags);

	return state < sizeof(mxlb_show_states) / sizeof(mxlb_show_states[0])
		   ? mxlb_show_states[state]
		   : "?";
}

void mxlb_show_status(struct mxlb_text *t, const struct mxlb_show_status *s, bool json)
{
	unsigned k;

	if (json) {
		mxlb_text_printf(t,
				 "{\"pid\":%ld,\"version\":%" PRIu64 ",\"uptime_s\":%" PRIu64
				 ",\"workers\":[",
				 s->pid, s->img->version, s->uptime);
		for (k = 0; k < s->nworkers; k++)
			mxlb_text_printf(t, "%s{\"worker\":%u,\"lcore\":%u}", k ? "," : "", k,
					 s->lcores[k]);
		mxlb_text_printf(t,
				 "],\"zones\":%u,\"names\":%" PRIu64 ",\"pools\":%u,\"journal\":",
				 mxlb_image_zone_count(s->img), mxlb_image_name_count(s->img),
				 mxlb_image_pool_count(s->img));
		if (s->journal != NULL)
			mxlb_text_json(t, s->journal);
		else
			mxlb_text_printf(t, "null");
		mxlb_text_printf(t, ",\"journal_records\":%" PRIu64 "}\n", s->journal_records);
		return;
	}
	mxlb_text_printf(t, "mxlbd pid %ld, version %" PRIu64 ", up %" PRIu64 " s\n", s->pid,
			 s->img->version, s->uptime);
	mxlb_text_printf(t, "workers: %u:", s->nworkers);
	for (k = 0; k < s->nworkers; k++)
		mxlb_text_printf(t, "%s worker %u on lcore %u", k ? "," : "", k, s->lcores[k]);
	mxlb_text_printf(t, "\nzones %u, names %" PRIu64 ", pools %u\n",
			 mxlb_image_zone_count(s->img), mxlb_image_name_count(s->img),
			 mxlb_image_pool_count(s->img));
	if (s->journal != NULL)
		mxlb_text_printf(t, "journal %s: %" PRIu64 " record%s\n", s->journal,
				 s->journal_records, s->journal_records == 1 ? "" : "s");
	else
		mxlb_text_printf(t, "journal: none (changes are lost at restart)\n");
}

static void mxlb_show_pool(struct mxlb_text *t, const struct mxlb_image *img, uint32_t id,
			   uint32_t number, bool json, bool first)
{
	const struct mxlb_cpool *p = img->pools[id];
	char owner[MXLB_SHOW_TEXT], rdata[MXLB_SHOW_TEXT], type[16];
	uint16_t m;

	mxlb_show_owner_text(img, p, owner, sizeof(owner));
	mxlb_edit_type_name(p->type, type, sizeof(type));
	if (json) {
		mxlb_text_printf(t, "%s{\"id\":%u,\"owner\":", first ? "" : ",", number);
		mxlb_text_json(t, owner);
		mxlb_text_printf(t, ",\"type\":");
		mxlb_text_json(t, type);
		mxlb_text_printf(
		    t,
		    ",\"mode\":\"%s\",\"sharers\":%u,\"failopen\":%s,\"alldown\":\"%s\","
		    "\"members\":[",
		    mxlb_edit_mode_name(p->mode), p->sharers, p->failopen ? "true" : "false",
		    mxlb_edit_alldown_name(p->alldown));
		for (m = 0; m < p->nmembers; m++) {
			mxlb_show_member_text(p, m, rdata, sizeof(rdata));
			mxlb_text_printf(t, "%s{\"rdata\":", m ? "," : "");
			mxlb_text_json(t, rdata);
			uint8_t f = p->members[m].flags;
			mxlb_text_printf(t,
					 ",\"weight\":%u,\"state\":\"%s\",\"drain\":%s,\"down\":%s,"
					 "\"served\":%" PRIu64 "}",
					 p->members[m].weight, mxlb_show_state(f),
					 f & MXLB_MEMBER_F_DRAIN ? "true" : "false",
					 f & MXLB_MEMBER_F_DOWN ? "true" : "false",
					 mxlb_pool_served(p, m));
		}
		mxlb_text_printf(t, "]}");
		return;
	}
	mxlb_text_printf(t, "pool %u: %s %s, mode %s, %u owner%s, fail-open %s, all-down %s%s\n",
			 number, owner, type, mxlb_edit_mode_name(p->mode), p->sharers,
			 p->sharers == 1 ? "" : "s", p->failopen ? "yes (no member up)" : "no",
			 mxlb_edit_alldown_name(p->alldown),
			 p->remapped ? ", preferences remapped" : "");
	for (m = 0; m < p->nmembers; m++) {
		mxlb_show_member_text(p, m, rdata, sizeof(rdata));
		mxlb_text_printf(t, "  %-40s weight %-4u %-10s served %" PRIu64 "\n", rdata,
				 p->members[m].weight, mxlb_edit_flags_name(p->members[m].flags),
				 mxlb_pool_served(p, m));
	}
}

static void mxlb_show_pools_head(struct mxlb_text *t, const struct mxlb_image *img, uint32_t n,
				 bool json)
{
	if (json)
		mxlb_text_printf(t, "{\"version\":%" PRIu64 ",\"pools\":[", img->version);
	else
		mxlb_text_printf(t, "version %" PRIu64 ": %u pool%s\n", img->version, n,
				 n == 1 ? "" : "s");
}

int mxlb_show_pools(struct mxlb_text *t, const struct mxlb_image *img, int argc,
		    const char *const *argv, bool json)
{
	const struct mxlb_node *n;
	static uint32_t ids[UINT16_MAX];
	uint32_t id, count = 0;
	uint16_t type = 0, rtype, i;
	int err = 0;

	if (argc > 2)
		return mxlb_show_fail(t, -EINVAL, "usage: pools [OWNER [TYPE]] [--json]");
	if (argc == 0) {
		mxlb_show_pools_head(t, img, mxlb_image_pool_count(img), json);
		for (id = 0; id < img->npools; id++) {
			if (img->pools[id]->glue_only)
				continue;
			mxlb_show_pool(t, img, id, count, json, count == 0);
			count++;
		}
		if (json)
			mxlb_text_printf(t, "]}\n");
		return 0;
	}
	n = mxlb_show_owner(t, img, argv[0], &err);
	if (n == NULL)
		return err;
	if (argc == 2 && (type = mxlb_show_type(t, argv[1], &err)) == 0)
		return err;
	for (i = 0; i < n->nrefs; i++) {
		id = mxlb_show_ref_pool(img, n, i, &rtype);
		if (id != MXLB_NONE && (type == 0 || rtype == type))
			ids[count++] = id;
	}
	if (count == 0)
		return mxlb_show_fail(t, -ENOENT,
				      "%s has no %s pool (no such RRset of two or more "
				      "records)",
				      argv[0], argc == 2 ? argv[1] : "MX, SRV, A or AAAA");
	mxlb_show_pools_head(t, img, count, json);
	for (i = 0; i < count; i++)
		mxlb_show_pool(t, img, ids[i], mxlb_show_pool_number(img, ids[i]), json, i == 0);
	if (json)
		mxlb_text_printf(t, "]}\n");
	return 0;
}

int mxlb_show_preview(struct mxlb_text *t, const struct mxlb_image *img, const unsigned *lcores,
		      unsigned nworkers, int argc, const char *const *argv, bool json)
{
	static uint16_t next[MXLB_SHOW_PREVIEW_MAX];
	char owner[MXLB_SHOW_TEXT], rdata[MXLB_SHOW_TEXT], tname[16];
	const struct mxlb_cpool *p = NULL;
	const struct mxlb_node *n;
	uint32_t id, count = MXLB_SHOW_PREVIEW_DEFAULT;
	uint16_t type, rtype, i;
	unsigned k;
	int err = 0;
	char *end;

	if (argc < 2 || argc > 3)
		return mxlb_show_fail(t, -EINVAL, "usage: preview OWNER TYPE [N] [--json]");
	if (argc == 3) {
		long v = strtol(argv[2], &end, 10);

		if (argv[2][0] == '\0' || *end != '\0' || v < 1 || v > MXLB_SHOW_PREVIEW_MAX)
			return mxlb_show_fail(
			    t, -EINVAL, "N must be an integer from 1 to 1000, not '%s'", argv[2]);
		count = (uint32_t)v;
	}
	n = mxlb_show_owner(t, img, argv[0], &err);
	if (n == NULL)
		return err;
	type = mxlb_show_type(t, argv[1], &err);
	if (type == 0)
		return err;
	for (i = 0; i < n->nrefs && p == NULL; i++) {
		id = mxlb_show_ref_pool(img, n, i, &rtype);
		if (id != MXLB_NONE && rtype == type)
			p = img->pools[id];
	}
	if (p == NULL)
		return mxlb_show_fail(t, -ENOENT,
				      "%s has no %s pool (no such RRset of two or more "
				      "records)",
				      argv[0], argv[1]);
	mxlb_name_to_text(img->names + n->name, owner, sizeof(owner));
	mxlb_edit_type_name(type, tname, sizeof(tname));
	if (json) {
		mxlb_text_printf(t, "{\"version\":%" PRIu64 ",\"owner\":", img->version);
		mxlb_text_json(t, owner);
		mxlb_text_printf(t, ",\"type\":");
		mxlb_text_json(t, tname);
		mxlb_text_printf(t, ",\"workers\":[");
	} else {
		mxlb_text_printf(
		    t, "version %" PRIu64 ": %s %s: the next %u answer%s of each worker\n",
		    img->version, owner, tname, count, count == 1 ? "" : "s");
	}
	for (k = 0; k < nworkers; k++) {
		mxlb_pool_preview(p, k, nworkers, count, next);
		if (json)
			mxlb_text_printf(t, "%s{\"worker\":%u,\"lcore\":%u,\"next\":[",
					 k ? "," : "", k, lcores[k]);
		else
			mxlb_text_printf(t, "worker %u (lcore %u):\n", k, lcores[k]);
		for (id = 0; id < count; id++) {
			mxlb_show_member_text(p, next[id], rdata, sizeof(rdata));
			if (json) {
				mxlb_text_printf(t, "%s", id ? "," : "");
				mxlb_text_json(t, rdata);
			} else {
				mxlb_text_printf(t, "  %s\n", rdata);
			}
		}
		if (json)
			mxlb_text_printf(t, "]}");
	}
	if (json)
		mxlb_text_printf(t, "]}\n");
	return 0;
}
