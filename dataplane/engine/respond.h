/* The packet-to-response function: one DNS message in, one verdict out. */
#ifndef MXLB_RESPOND_H
#define MXLB_RESPOND_H

#include <stddef.h>
#include <stdint.h>

#include "image.h"
#include "rrl.h"
#include "worker.h"

/* Our EDNS(0) UDP payload size (RFC 6891 §6.2.5, DNS flag day 2020). */
#define MXLB_EDNS_PAYLOAD 1232
/* Largest UDP response we build; a client's larger size is capped here. */
#define MXLB_UDP_MAX 1232
/* Largest response over TCP: what the two-octet length prefix can say
 * (RFC 1035 §4.2.2, RFC 7766 §8). */
#define MXLB_TCP_MAX 65535

/* Answers the DNS query of LEN octets in BUF, in place: the response is
 * written over the query in BUF, which has CAP octets of room (CAP >= LEN).
 * Returns the length of the response, or 0 when the query is dropped (the
 * reason is counted in w->stats.drop). Never reads past BUF+LEN, never writes
 * past BUF+CAP. */
size_t mxlb_respond(struct mxlb_worker *w, const struct mxlb_image *img, uint8_t *buf, size_t len,
		    size_t cap);

/* As mxlb_respond for a query that came over TCP (the DNS message without
 * its length prefix): the response is limited by CAP and MXLB_TCP_MAX only,
 * whatever the query's EDNS payload size, and never truncated below that. */
size_t mxlb_respond_tcp(struct mxlb_worker *w, const struct mxlb_image *img, uint8_t *buf,
			size_t len, size_t cap);

/* As mxlb_respond for a query from client C, which response rate limiting
 * (w->rrl) charges: a limited response is dropped (0, counted in
 * MXLB_DROP_RRL) or slipped, sent as a truncated reply with no records. */
size_t mxlb_respond_from(struct mxlb_worker *w, const struct mxlb_image *img, uint8_t *buf,
			 size_t len, size_t cap, const struct mxlb_client *c);

#endif
