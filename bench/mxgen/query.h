/* The query file, in dnsperf's format: one "NAME TYPE" per line, blank lines
 * and lines starting with '#' or ';' ignored. Each line becomes one DNS query
 * message (ID 0, RD clear as a resolver asks an authoritative server, one
 * question of class IN, an OPT record when EDNS is on), kept in one arena.
 * DPDK-free. */
#ifndef MXGEN_QUERY_H
#define MXGEN_QUERY_H

#include <stddef.h>
#include <stdint.h>

#define MXGEN_QUERY_HDR_LEN 12
/* Longest query message: header, a 255-octet name, type and class, OPT. */
#define MXGEN_QUERY_MSG_MAX (MXGEN_QUERY_HDR_LEN + 255 + 4 + 11)
/* Most lines taken from a file. */
#define MXGEN_QUERY_MAX (1u << 20)

struct mxgen_query {
	uint32_t msg;	 /* offset of the message in the message arena */
	uint32_t text;	 /* offset of "NAME TYPE" in the text arena */
	uint16_t len;	 /* message length */
	uint16_t qlen;	 /* question length (name, type, class) behind the header */
	uint16_t type;	 /* QTYPE */
	uint16_t edns;	 /* OPT payload size, 0 without OPT */
	uint32_t lineno; /* line of the file */
};

struct mxgen_queries {
	struct mxgen_query *q;
	size_t n;
	/* Distinct queries: lines with the same message share a class, numbered
	 * in order of first appearance. */
	uint32_t *cls;	 /* class of each line */
	uint32_t *first; /* first line of each class */
	size_t ncls;
	uint8_t *msgs; /* message arena */
	size_t msgs_len, msgs_cap;
	char *texts; /* text arena */
	size_t texts_len, texts_cap;
};

/* Reads PATH into QS. EDNS is the OPT payload size every query carries (0:
 * no OPT). Returns 0, or a negative errno with ERR naming the file, the line
 * and the reason. */
int mxgen_query_load(struct mxgen_queries *qs, const char *path, uint16_t edns, char *err,
		     size_t errlen);

void mxgen_query_free(struct mxgen_queries *qs);

static inline const uint8_t *mxgen_query_msg(const struct mxgen_queries *qs, size_t i)
{
	return qs->msgs + qs->q[i].msg;
}

static inline const char *mxgen_query_text(const struct mxgen_queries *qs, size_t i)
{
	return qs->texts + qs->q[i].text;
}

/* The QTYPE named S (A, MX, ..., or TYPEnnn), or -1. */
int mxgen_query_type(const char *s);

/* Name of RCODE (extended, 12 bits): "NOERROR", "NXDOMAIN", ... or "RCODE<n>"
 * written into BUF. */
const char *mxgen_query_rcode_name(unsigned rcode, char *buf, size_t len);

#endif
