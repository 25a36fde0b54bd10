/* Query parsing: header, the one question, and the OPT record of the
 * additional section, over a bounds-checked cursor. */
#ifndef MXLB_QUERY_H
#define MXLB_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "name.h"

/* What the parser concluded about the message; the responder turns each into
 * one kind of answer. */
enum mxlb_query_verdict {
	MXLB_QUERY_OK = 0,
	MXLB_QUERY_DROP_SHORT,	  /* no complete header: nothing to answer to */
	MXLB_QUERY_DROP_RESPONSE, /* QR set */
	MXLB_QUERY_NOTIMP,	  /* opcode other than QUERY */
	MXLB_QUERY_FORMERR,	  /* malformed; q->qend says whether the question parsed */
	MXLB_QUERY_BADVERS,	  /* EDNS version above 0 */
};

struct mxlb_query {
	uint16_t qtype;
	uint16_t qclass;
	uint16_t qend;	   /* offset just past the question; 0 if it did not parse */
	uint8_t qname_len; /* wire length of QNAME including the root label */
	uint8_t nlabels;   /* non-root labels of QNAME */
	uint8_t edns;	   /* an OPT record was present */
	uint8_t edns_version;
	uint16_t edns_flags; /* DO is bit 15 */
	uint16_t edns_size;  /* requestor's UDP payload size as sent */
	uint32_t hash;	     /* mxlb_name_hash of lname */
	uint8_t tcp;	     /* set by the responder, not the parser: over TCP */
	uint8_t loff[MXLB_NAME_LABELS_MAX];
	uint8_t lname[MXLB_WIRE_NAME_MAX + MXLB_NAME_PAD]; /* QNAME in lower case, zero padded */
};

#define MXLB_EDNS_DO 0x8000

enum mxlb_query_verdict mxlb_query_parse(const uint8_t *buf, size_t len, struct mxlb_query *q);

#endif
