#include "edit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldns/ldns.h>

#include "build.h"
#include "glue.h"
#include "pool.h"

static int say(char *msg, size_t len, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int say(char *msg, size_t len, int rc, const char *fmt, ...)
{
	va_list ap;
	if (msg && len) {
		va_start(ap, fmt);
		vsnprintf(msg, len, fmt, ap);
		va_end(ap);
	}
	return rc;
}

int mxlb_edit_is_change(int argc, const char *const *argv)
{
	static const char *const words[] = {"member", "weight", "drain",   "undrain",
					    "down",   "up",	"all-down"};
	if (argc < 1)
		return 0;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(argv[0], words[i]) == 0)
			return 1;
	return 0;
}

/* Whether ref value VAL of IMG is a pool to edits: glue-only pools
 * (mxlb_cpool.glue_only) are one-record RRsets to them. */
static int is_pool(const struct mxlb_image *img, uint32_t val)
{
	return (val & MXLB_REF_POOL) && !img->pools[val & MXLB_REF_IDX]->glue_only;
}

/* A pool RRset addressed by OWNER TYPE RDATA. */
struct addr {
	const struct mxlb_node *node;
	uint32_t ref; /* index in refs */
	uint32_t val; /* the ref's value */
	uint16_t type;
	char owner[1024];
	char what[1100]; /* "OWNER TYPE" for messages */
	uint8_t rdata[65535];
	uint16_t rdlen;
};

static int text_to_wire(const char *text, uint8_t *wire, size_t *len)
{
	ldns_rdf *d = NULL;
	if (ldns_str2rdf_dname(&d, text) != LDNS_STATUS_OK || !d)
		return -1;
	*len = ldns_rdf_size(d);
	memcpy(wire, ldns_rdf_data(d), *len);
	ldns_rdf_deep_free(d);
	return 0;
}

static int find_owner(const struct mxlb_image *img, const char *text, struct addr *a, char *msg,
		      size_t msglen)
{
	uint8_t wire[MXLB_WIRE_NAME_MAX + 2], lname[MXLB_WIRE_NAME_MAX + MXLB_NAME_PAD] = {0},
									 loff[MXLB_NAME_LABELS_MAX];
	size_t len;
	unsigned nl;

	if (text_to_wire(text, wire, &len) < 0 || mxlb_name_fold(wire, len, lname, loff, &nl) == 0)
		return say(msg, msglen, -EINVAL, "malformed owner name '%s'", text);
	mxlb_name_to_text(lname, a->owner, sizeof(a->owner));
	a->node = mxlb_image_find(img, lname, len, mxlb_name_hash_wire(lname, len));
	if (a->node)
		return 0;
	for (unsigned i = 1; i <= nl; i++) {
		unsigned off = i < nl ? loff[i] : (unsigned)len - 1;
		const struct mxlb_node *n = mxlb_image_find(
		    img, lname + off, len - off, mxlb_name_hash_wire(lname + off, len - off));
		if (n) {
			char zone[1024];
			mxlb_name_to_text(img->names + img->nodes[img->zones[n->zone].apex].name,
					  zone, sizeof(zone));
			return say(msg, msglen, -ENOENT, "no owner %s in zone %s", a->owner, zone);
		}
	}
	return say(msg, msglen, -ENOENT, "unknown zone: %s is in no zone that mxlbd serves",
		   a->owner);
}

/* Parses RDATA as the zone file would at OWNER: relative names are completed
 * with the zone's apex. */
static int parse_rdata(const struct mxlb_image *img, struct addr *a, const char *rdtext, char *msg,
		       size_t msglen)
{
	const uint8_t *apex = img->names + img->nodes[img->zones[a->node->zone].apex].name;
	char line[4096];
	ldns_rr *rr = NULL;
	int rc = 0;

	/* ldns reduces numbers modulo 2^16: check the 16-bit fields first */
	unsigned nums = a->type == MXLB_TYPE_MX ? 1 : a->type == MXLB_TYPE_SRV ? 3 : 0;
	const char *t = rdtext;
	for (unsigned k = 0; k < nums; k++) {
		char *end;
		while (*t == ' ' || *t == '\t')
			t++;
		unsigned long v = strtoul(t, &end, 10);
		if (end == t || v > 65535 || (*end != ' ' && *end != '\t'))
			return say(
			    msg, msglen, -EINVAL,
			    "malformed %s RDATA '%s': field %u is not a number from 0 to 65535",
			    ldns_rr_descript(a->type)->_name, rdtext, k + 1);
		t = end;
	}
	snprintf(line, sizeof(line), "%s 3600 IN %s %s", a->owner, ldns_rr_descript(a->type)->_name,
		 rdtext);
	ldns_rdf *origin = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, mxlb_name_len(apex), apex);
	ldns_status s = ldns_rr_new_frm_str(&rr, line, 3600, origin, NULL);
	if (s != LDNS_STATUS_OK) {
		rc = say(msg, msglen, -EINVAL, "malformed %s RDATA '%s': %s",
			 ldns_rr_descript(a->type)->_name, rdtext, ldns_get_errorstr_by_id(s));
	} else {
		ldns_buffer *buf = ldns_buffer_new(512);
		if (!buf || ldns_rr_rdata2buffer_wire(buf, rr) != LDNS_STATUS_OK ||
		    ldns_buffer_position(buf) > sizeof(a->rdata) - 64) {
			rc = say(msg, msglen, -EINVAL, "cannot encode %s RDATA '%s'",
				 ldns_rr_descript(a->type)->_name, rdtext);
		} else {
			a->rdlen = (uint16_t)ldns_buffer_position(buf);
			memcpy(a->rdata, ldns_buffer_begin(buf), a->rdlen);
		}
		ldns_buffer_free(buf);
	}
	ldns_rr_free(rr);
	ldns_rdf_deep_free(origin);
	return rc;
}

/* OWNER TYPE RDATA: the pool (or one-record RRset) and the member. */
static int address(const struct mxlb_image *img, const char *owner, const char *type,
		   const char *rdata, struct addr *a, char *msg, size_t msglen)
{
	int rc = find_owner(img, owner, a, msg, msglen);
	if (rc < 0)
		return rc;
	a->type = (uint16_t)ldns_get_rr_type_by_name(type);
	if (!mxlb_pool_type(a->type))
		return say(msg, msglen, -EINVAL, "%s is not a pool type (MX, SRV, A or AAAA)",
			   type);
	const char *tname = ldns_rr_descript(a->type)->_name;
	snprintf(a->what, sizeof(a->what), "%s %s", a->owner, tname);
	a->ref = MXLB_NONE;
	for (uint16_t i = 0; i < a->node->nrefs; i++)
		if (img->refs[a->node->refs + i].type == a->type) {
			a->ref = a->node->refs + i;
			a->val = __atomic_load_n(&img->refs[a->ref].val, __ATOMIC_ACQUIRE);
		}
	if (a->ref == MXLB_NONE)
		return say(msg, msglen, -ENOENT,
			   "%s has no %s records (add the RRset to the zone "
			   "file first)",
			   a->owner, tname);
	return parse_rdata(img, a, rdata, msg, msglen);
}

static int parse_weight(const char *text, uint16_t *w, char *msg, size_t msglen)
{
	/* Decimal digits only: strtol would also take " 5", "+5" and "0x5". */
	long v = 0;
	size_t i = 0;
	for (; text[i] >= '0' && text[i] <= '9' && v <= MXLB_POOL_WEIGHT_MAX; i++)
		v = v * 10 + (text[i] - '0');
	if (i == 0 || text[i] != 0 || v < 1 || v > MXLB_POOL_WEIGHT_MAX)
		return say(msg, msglen, -EINVAL, "weight must be an integer from 1 to %d, not '%s'",
			   MXLB_POOL_WEIGHT_MAX, text);
	*w = (uint16_t)v;
	return 0;
}

/* Builds SPEC into pool ID of a new version of CUR, with the glue of the new
 * version. */
static int rebuild(const struct mxlb_image *cur, uint32_t id, const struct mxlb_pool_spec *spec,
		   struct mxlb_image **next)
{
	struct mxlb_blockw *w = mxlb_block_writer_new();
	int rc = -ENOMEM;
	if (!w)
		return rc;
	if (!*next && !(*next = mxlb_image_next(cur))) {
		mxlb_block_writer_free(w);
		return rc;
	}
	struct mxlb_gluesrc g = mxlb_glue_src(*next);
	struct mxlb_cpool *p = mxlb_pool_new(spec, &g, w, &rc);
	mxlb_block_writer_free(w);
	if (!p)
		return rc;
	if (id == (*next)->npools)
		(*next)->npools++;
	else if ((*next)->pools[id] != cur->pools[id])
		mxlb_pool_free((*next)->pools[id]);
	(*next)->pools[id] = p;
	return 0;
}

static void drop_next(const struct mxlb_image *cur, struct mxlb_image **next)
{
	if (!*next)
		return;
	mxlb_image_discard(*next, cur);
	*next = NULL;
}

static const char *plural(uint32_t n)
{
	return n == 1 ? "" : "s";
}

/* A note when a new MX exchange or SRV target lies in a served zone but has
 * no address there: clients would get a name that does not resolve. */
static void no_address_note(const struct mxlb_image *img, uint16_t type, const uint8_t *rdata,
			    uint16_t rdlen, char *out, size_t outlen)
{
	uint8_t lname[MXLB_WIRE_NAME_MAX + MXLB_NAME_PAD] = {0}, loff[MXLB_NAME_LABELS_MAX];
	unsigned off = type == MXLB_TYPE_MX ? 2 : type == MXLB_TYPE_SRV ? 6 : 0, nl;
	char text[1024];

	if (off == 0 || rdlen <= off)
		return;
	size_t len = mxlb_name_fold(rdata + off, rdlen - off, lname, loff, &nl);
	if (len == 0)
		return;
	const struct mxlb_node *n =
	    mxlb_image_find(img, lname, len, mxlb_name_hash_wire(lname, len));
	int in_zone = n != NULL;
	for (unsigned i = 1; !n && i <= nl && !in_zone; i++) {
		unsigned at = i < nl ? loff[i] : (unsigned)len - 1;
		in_zone = mxlb_image_find(img, lname + at, len - at,
					  mxlb_name_hash_wire(lname + at, len - at)) != NULL;
	}
	if (!in_zone || (n && n->nglue > 0))
		return;
	mxlb_name_to_text(lname, text, sizeof(text));
	snprintf(out, outlen, "; note: %s has no A or AAAA record in the served zones", text);
}

static int member_edit(const struct mxlb_image *cur, int argc, const char *const *argv,
		       struct mxlb_image **next, char *msg, size_t msglen)
{
	static struct addr a;
	static struct mxlb_pool_spec spec;
	const char *op = argv[0];
	uint16_t weight = 1;
	int rc, add = 0, del = 0;

	if (strcmp(op, "member") == 0 && argc >= 2 && strcmp(argv[1], "add") == 0) {
		add = 1;
		if (argc != 5 && !(argc == 7 && strcmp(argv[5], "--weight") == 0))
			return say(msg, msglen, -EINVAL,
				   "usage: member add OWNER TYPE \"RDATA\" [--weight W]");
		if (argc == 7 && (rc = parse_weight(argv[6], &weight, msg, msglen)) < 0)
			return rc;
	} else if (strcmp(op, "member") == 0 && argc >= 2 && strcmp(argv[1], "del") == 0) {
		del = 1;
		if (argc != 5)
			return say(msg, msglen, -EINVAL, "usage: member del OWNER TYPE \"RDATA\"");
	} else if (strcmp(op, "weight") == 0) {
		if (argc != 5)
			return say(msg, msglen, -EINVAL, "usage: weight OWNER TYPE \"RDATA\" W");
		if ((rc = parse_weight(argv[4], &weight, msg, msglen)) < 0)
			return rc;
	} else {
		return say(msg, msglen, -EINVAL, "usage: member add|del OWNER TYPE \"RDATA\"");
	}
	const char *const *w3 = strcmp(op, "member") == 0 ? argv + 2 : argv + 1;
	if ((rc = address(cur, w3[0], w3[1], w3[2], &a, msg, msglen)) < 0)
		return rc;

	uint32_t id;
	const struct mxlb_base *base = cur->base;
	int pool = is_pool(cur, a.val);
	if (pool) {
		id = a.val & MXLB_REF_IDX;
		mxlb_pool_spec_of(cur->pools[id], &spec);
	} else {
		/* A one-record RRset: becomes a pool when it grows (DESIGN §2),
		 * its own whether a glue-only pool answered it or a fixed block. */
		uint32_t si = base->ref_single[a.ref];
		const struct mxlb_glue *s = &base->singles[si];
		id = cur->npools;
		spec = (struct mxlb_pool_spec){
		    .type = a.type,
		    .mode = (uint8_t)(a.type == MXLB_TYPE_MX || a.type == MXLB_TYPE_SRV
					  ? base->opts.mx_mode
					  : base->opts.a_mode),
		    .ttl = s->ttl,
		    .nworkers = base->opts.nworkers,
		    .owner = (uint32_t)(a.node - cur->nodes),
		    .sharers = 1,
		    .nmembers = 1,
		};
		spec.rdata[0] = base->gluedata + s->rdata;
		spec.rdlen[0] = s->rdlen;
		spec.weight[0] = 1;
		spec.flags[0] = 0;
	}
	int m = -1;
	for (uint16_t i = 0; i < spec.nmembers && m < 0; i++)
		if (mxlb_pool_rdata_equal(a.type, spec.rdata[i], spec.rdlen[i], a.rdata, a.rdlen))
			m = i;
	if (add && m >= 0)
		return say(msg, msglen, -EEXIST, "%s already has member %s", a.what, w3[2]);
	if (!add && m < 0)
		return say(msg, msglen, -ENOENT, "%s has no member %s", a.what, w3[2]);
	if (add && spec.nmembers == MXLB_POOL_MEMBERS_MAX)
		return say(msg, msglen, -E2BIG, "%s has %d members already, the most a pool holds",
			   a.what, MXLB_POOL_MEMBERS_MAX);
	if (del && spec.nmembers == 1)
		return say(msg, msglen, -EPERM, "cannot remove %s: the last member of %s", w3[2],
			   a.what);
	if (!add && !del && !pool)
		return say(msg, msglen, -EINVAL, "%s has one record: weights apply to pools",
			   a.what);

	if (add) {
		spec.rdata[spec.nmembers] = a.rdata;
		spec.rdlen[spec.nmembers] = a.rdlen;
		spec.weight[spec.nmembers] = weight;
		spec.flags[spec.nmembers] = 0;
		spec.nmembers++;
	} else if (del) {
		for (uint16_t i = (uint16_t)m; i + 1 < spec.nmembers; i++) {
			spec.rdata[i] = spec.rdata[i + 1];
			spec.rdlen[i] = spec.rdlen[i + 1];
			spec.weight[i] = spec.weight[i + 1];
			spec.flags[i] = spec.flags[i + 1];
		}
		spec.nmembers--;
	} else {
		if (spec.weight[m] == weight)
			return say(msg, msglen, MXLB_EDIT_NOCHANGE,
				   "%s member %s has weight %u already", a.what, w3[2], weight);
		spec.weight[m] = weight;
	}
	if ((rc = rebuild(cur, id, &spec, next)) < 0) {
		drop_next(cur, next);
		return say(msg, msglen, rc, "%s: %s", a.what, strerror(-rc));
	}
	if (!pool)
		(*next)->patch = (struct mxlb_patch){.ref = a.ref, .val = MXLB_REF_POOL | id};
	const struct mxlb_cpool *p = (*next)->pools[id];
	char note[1200] = "";
	if (add)
		no_address_note(cur, a.type, a.rdata, a.rdlen, note, sizeof(note));
	return say(msg, msglen, MXLB_EDIT_APPLIED, "version %llu: %s %s %s: %u member%s%s%s",
		   (unsigned long long)(*next)->version,
		   add	 ? "added to"
		   : del ? "removed from"
			 : "weight set in",
		   a.what, w3[2], p->nmembers, plural(p->nmembers),
		   p->sharers > 1 ? " (pool shared by several owners: applies to all)" : "", note);
}

static const char *const alldown_names[] = {"all", "next", "null"};

const char *mxlb_edit_alldown_name(unsigned policy)
{
	return policy < 3 ? alldown_names[policy] : "?";
}

const char *mxlb_edit_mode_name(unsigned mode)
{
	static const char *const names[] = {
	    [MXLB_MODE_PREFER] = "prefer",
	    [MXLB_MODE_ROTATE] = "rotate",
	    [MXLB_MODE_SINGLE] = "single",
	};
	return mode < sizeof(names) / sizeof(names[0]) ? names[mode] : "?";
}

const char *mxlb_edit_flags_name(uint8_t flags)
{
	static const char *const names[] = {
	    [0] = "up",
	    [MXLB_MEMBER_F_DRAIN] = "drain",
	    [MXLB_MEMBER_F_DOWN] = "down",
	    [MXLB_MEMBER_F_DOWN | MXLB_MEMBER_F_DRAIN] = "down+drain",
	};
	return flags < sizeof(names) / sizeof(names[0]) ? names[flags] : "?";
}

/* all-down OWNER TYPE all|next|null: the pool's answer when no member is up. */
static int alldown_edit(const struct mxlb_image *cur, int argc, const char *const *argv,
			struct mxlb_image **next, char *msg, size_t msglen)
{
	static struct addr a;
	static struct mxlb_pool_spec spec;
	int rc, policy = -1;

	if (argc != 4)
		return say(msg, msglen, -EINVAL, "usage: all-down OWNER TYPE all|next|null");
	for (int i = 0; i < 3; i++)
		if (strcmp(argv[3], alldown_names[i]) == 0)
			policy = i;
	if (policy < 0)
		return say(msg, msglen, -EINVAL,
			   "all-down policy must be all, next or null, not '%s'", argv[3]);
	if ((rc = find_owner(cur, argv[1], &a, msg, msglen)) < 0)
		return rc;
	a.type = (uint16_t)ldns_get_rr_type_by_name(argv[2]);
	if (!mxlb_pool_type(a.type))
		return say(msg, msglen, -EINVAL, "%s is not a pool type (MX, SRV, A or AAAA)",
			   argv[2]);
	snprintf(a.what, sizeof(a.what), "%s %s", a.owner, ldns_rr_descript(a.type)->_name);
	uint32_t val = MXLB_NONE;
	for (uint16_t i = 0; i < a.node->nrefs; i++)
		if (cur->refs[a.node->refs + i].type == a.type)
			val = __atomic_load_n(&cur->refs[a.node->refs + i].val, __ATOMIC_ACQUIRE);
	if (val == MXLB_NONE)
		return say(msg, msglen, -ENOENT, "%s has no %s records", a.owner, argv[2]);
	if (!is_pool(cur, val))
		return say(msg, msglen, -EINVAL,
			   "%s has one record: the all-down policy is a pool's", a.what);
	uint32_t id = val & MXLB_REF_IDX;
	mxlb_pool_spec_of(cur->pools[id], &spec);
	if (spec.alldown == policy)
		return say(msg, msglen, MXLB_EDIT_NOCHANGE, "%s: all-down policy is %s already",
			   a.what, argv[3]);
	spec.alldown = (uint8_t)policy;
	if ((rc = rebuild(cur, id, &spec, next)) < 0) {
		drop_next(cur, next);
		return say(msg, msglen, rc, "%s: %s", a.what, strerror(-rc));
	}
	return say(msg, msglen, MXLB_EDIT_APPLIED, "version %llu: %s: all-down policy %s%s",
		   (unsigned long long)(*next)->version, a.what, argv[3],
		   cur->pools[id]->sharers > 1 ? " (pool shared by several owners: applies to all)"
					       : "");
}

/* Does member M of P have host or address TARGET? */
static int member_is(const struct mxlb_cpool *p, uint16_t m, const uint8_t *name,
		     const uint8_t *addr, uint16_t addrlen)
{
	const struct mxlb_member *mb = &p->members[m];
	const uint8_t *rd = p->rdata + mb->rdata;
	if (addrlen)
		return (p->type == MXLB_TYPE_A || p->type == MXLB_TYPE_AAAA) &&
		       mb->rdlen == addrlen && memcmp(rd, addr, addrlen) == 0;
	int off = p->type == MXLB_TYPE_MX ? 2 : p->type == MXLB_TYPE_SRV ? 6 : -1;
	return off >= 0 && mb->rdlen > off && mxlb_name_equal(rd + off, name);
}

/* The flags of a member with flags F after OP (drain, undrain, down, up)
 * read in FORMAT. */
static uint8_t state_flags(const char *op, unsigned format, uint8_t f)
{
	if (format == MXLB_EDIT_SINGLE) {
		/* One state: the member's effective state in, the flags of one
		 * state out. drain, down and up set the state whatever it was
		 * (up also ended a drain, drain also ended a down); undrain
		 * ended a drain only. */
		if (strcmp(op, "drain") == 0)
			return MXLB_MEMBER_F_DRAIN;
		if (strcmp(op, "down") == 0)
			return MXLB_MEMBER_F_DOWN;
		if (strcmp(op, "up") == 0)
			return 0;
		return mxlb_member_state(f) == MXLB_MEMBER_DRAIN ? 0 : f;
	}
	if (strcmp(op, "drain") == 0)
		return f | MXLB_MEMBER_F_DRAIN;
	if (strcmp(op, "undrain") == 0)
		return f & (uint8_t)~MXLB_MEMBER_F_DRAIN;
	if (strcmp(op, "down") == 0)
		return f | MXLB_MEMBER_F_DOWN;
	return f & (uint8_t)~MXLB_MEMBER_F_DOWN; /* up */
}

/* When OP leaves a member with flags F in another state than its name says
 * (up and undrain: up; drain: drain) because the other flag is set: that
 * state and what ends it; NULL otherwise. */
static const char *const *state_still(const char *op, uint8_t f)
{
	static const char *const drained[] = {"drained", "undrain ends a drain"},
				 *const down[] = {"down", "up ends a down"};
	if (strcmp(op, "up") == 0 && (f & MXLB_MEMBER_F_DRAIN))
		return drained;
	if (strcmp(op, "down") != 0 && strcmp(op, "up") != 0 && (f & MXLB_MEMBER_F_DOWN))
		return down;
	return NULL;
}

/* drain|undrain|down|up HOST-OR-ADDRESS: sets or clears the member's DRAIN
 * flag (drain, undrain) or DOWN flag (down, up) in every pool that has it;
 * the other flag stays as it was. */
static int state_edit(const struct mxlb_image *cur, unsigned format, int argc,
		      const char *const *argv, struct mxlb_image **next, char *msg, size_t msglen)
{
	static struct mxlb_pool_spec spec;
	const char *op = argv[0], *const *still = NULL;
	uint8_t name[MXLB_WIRE_NAME_MAX + 2], addr[16];
	uint16_t addrlen = 0;
	size_t len;
	int rc;

	if (argc != 2)
		return say(msg, msglen, -EINVAL, "usage: %s HOST-OR-ADDRESS", op);
	if (inet_pton(AF_INET, argv[1], addr) == 1)
		addrlen = 4;
	else if (inet_pton(AF_INET6, argv[1], addr) == 1)
		addrlen = 16;
	else if (text_to_wire(argv[1], name, &len) < 0)
		return say(msg, msglen, -EINVAL, "'%s' is neither a host name nor an address",
			   argv[1]);

	unsigned found = 0, changed = 0, pools = 0, nstill = 0;
	for (uint32_t id = 0; id < cur->npools; id++) {
		const struct mxlb_cpool *p = cur->pools[id];
		int touched = 0;
		if (p->glue_only)
			continue; /* a one-record RRset: no member states */
		mxlb_pool_spec_of(p, &spec);
		for (uint16_t m = 0; m < p->nmembers; m++) {
			if (!member_is(p, m, name, addr, addrlen))
				continue;
			found++;
			uint8_t f = state_flags(op, format, spec.flags[m]);
			const char *const *why = state_still(op, f);
			if (why) {
				still = why;
				nstill++;
			}
			if (f != spec.flags[m]) {
				spec.flags[m] = f;
				touched = 1;
				changed++;
			}
		}
		if (!touched)
			continue;
		pools++;
		if ((rc = rebuild(cur, id, &spec, next)) < 0) {
			drop_next(cur, next);
			return say(msg, msglen, rc, "%s %s: %s", op, argv[1], strerror(-rc));
		}
	}
	if (!found)
		return say(msg, msglen, -ENOENT, "no pool has a member %s %s", argv[1],
			   addrlen ? "(address of an A/AAAA pool)"
				   : "(exchange of an MX or target of an SRV pool)");
	char note[128] = "";
	if (still)
		snprintf(note, sizeof(note), "; %s%s in %u (%s)", changed ? "still " : "", still[0],
			 nstill, still[1]);
	if (!changed) {
		static const char *const already[][2] = {{"drain", "already drained"},
							 {"undrain", "not drained"},
							 {"down", "already down"},
							 {"up", "not down"}};
		const char *is = "unchanged";
		for (size_t i = 0; i < sizeof(already) / sizeof(already[0]); i++)
			if (strcmp(op, already[i][0]) == 0)
				is = already[i][1];
		return say(msg, msglen, MXLB_EDIT_NOCHANGE, "%s: %s in %u pool member%s%s", argv[1],
			   is, found, plural(found), note);
	}
	return say(msg, msglen, MXLB_EDIT_APPLIED,
		   "version %llu: %s %s: %u member%s in %u pool%s%s",
		   (unsigned long long)(*next)->version, op, argv[1], changed, plural(changed),
		   pools, plural(pools), note);
}

/* The additional sections of the MX and SRV pools follow the address pools
 * that the change rebuilt (glue.h); the message says how many pools that
 * took. */
static int follow_glue(const struct mxlb_image *cur, struct mxlb_image **next, char *msg,
		       size_t msglen)
{
	struct mxlb_glue_rebuilt n;
	int rc = mxlb_glue_follow(cur, *next, &n);
	if (rc < 0) {
		drop_next(cur, next);
		return say(msg, msglen, rc,
			   "cannot rebuild the additional sections of MX and SRV pools: %s",
			   strerror(-rc));
	}
	size_t len = msg ? strnlen(msg, msglen) : 0;
	char pools[64] = "", single[96] = "";
	if (n.pools)
		snprintf(pools, sizeof(pools), "%u MX/SRV pool%s", n.pools, plural(n.pools));
	/* one answer per distinct RRset, however many owners share it */
	if (n.single)
		snprintf(single, sizeof(single), "%s%u one-record MX/SRV answer%s",
			 n.pools ? " and " : "", n.single, plural(n.single));
	if ((n.pools || n.single) && msg && len + 1 < msglen)
		snprintf(msg + len, msglen - len, "; additional section updated in %s%s", pools,
			 single);
	return MXLB_EDIT_APPLIED;
}

static int edit_apply(const struct mxlb_image *cur, unsigned format, int argc,
		      const char *const *argv, struct mxlb_image **next, char *msg, size_t msglen)
{
	int rc;
	*next = NULL;
	if (!mxlb_edit_is_change(argc, argv))
		return say(msg, msglen, -EINVAL, "'%s' is not a change", argc ? argv[0] : "");
	if (strcmp(argv[0], "member") == 0 || strcmp(argv[0], "weight") == 0)
		rc = member_edit(cur, argc, argv, next, msg, msglen);
	else if (strcmp(argv[0], "all-down") == 0)
		rc = alldown_edit(cur, argc, argv, next, msg, msglen);
	else
		rc = state_edit(cur, format, argc, argv, next, msg, msglen);
	return rc == MXLB_EDIT_APPLIED ? follow_glue(cur, next, msg, msglen) : rc;
}

int mxlb_edit_apply(const struct mxlb_image *cur, int argc, const char *const *argv,
		    struct mxlb_image **next, char *msg, size_t msglen)
{
	return edit_apply(cur, MXLB_EDIT_FLAGS, argc, argv, next, msg, msglen);
}

int mxlb_edit_replay(struct mxlb_image **img, unsigned format, int argc, const char *const *argv,
		     char *msg, size_t msglen)
{
	struct mxlb_image *next = NULL;
	int rc = edit_apply(*img, format, argc, argv, &next, msg, msglen);
	if (rc == MXLB_EDIT_APPLIED) {
		mxlb_image_commit(next);
		mxlb_image_retire(*img, next);
		*img = next;
	}
	return rc;
}

char *mxlb_edit_rdata_text(uint16_t type, const uint8_t *rdata, uint16_t rdlen, char *out,
			   size_t outlen)
{
	uint8_t wire[65535 + 11];
	ldns_rr *rr = NULL;
	size_t pos = 0, o = 0;

	out[0] = 0;
	wire[0] = 0; /* root owner */
	mxlb_wire_put16(wire + 1, type);
	mxlb_wire_put16(wire + 3, MXLB_CLASS_IN);
	mxlb_wire_put32(wire + 5, 0);
	mxlb_wire_put16(wire + 9, rdlen);
	memcpy(wire + 11, rdata, rdlen);
	if (ldns_wire2rr(&rr, wire, 11u + rdlen, &pos, LDNS_SECTION_ANSWER) != LDNS_STATUS_OK) {
		snprintf(out, outlen, "(undecodable RDATA)");
		return out;
	}
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
		char *t = ldns_rdf2str(ldns_rr_rdf(rr, i));
		int w = snprintf(out + o, outlen - o, "%s%s", i ? " " : "", t ? t : "?");
		free(t);
		if (w < 0 || (size_t)w >= outlen - o)
			break;
		o += (size_t)w;
	}
	ldns_rr_free(rr);
	return out;
}

const char *mxlb_edit_type_name(uint16_t type, char *buf, size_t len)
{
	const ldns_rr_descriptor *d = ldns_rr_descript(type);
	if (d && d->_name)
		snprintf(buf, len, "%s", d->_name);
	else
		snprintf(buf, len, "TYPE%u", type);
	return buf;
}
