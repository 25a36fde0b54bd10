/* Checks of every frame that comes back: Ethernet, IPv4 and UDP headers and
 * checksums, then the DNS answer against what the first answer to the same
 * query line showed (header flags, rcode, section counts, OPT), the question
 * echoed byte for byte, and every record parsed with bounds checks. In echo
 * mode the frame must be the query as sent, MAC addresses swapped. Each frame
 * ends in one verdict. DPDK-free. */
#ifndef MXGEN_CHECK_H
#define MXGEN_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "frame.h"

enum mxgen_check_verdict {
	MXGEN_CHECK_OK = 0,
	MXGEN_CHECK_ETH,      /* length, MAC addresses or EtherType */
	MXGEN_CHECK_IP,	      /* version/IHL, length, fragment, protocol, addresses */
	MXGEN_CHECK_IP_SUM,   /* IPv4 header checksum */
	MXGEN_CHECK_UDP,      /* ports, length, flow */
	MXGEN_CHECK_UDP_SUM,  /* UDP checksum */
	MXGEN_CHECK_ID,	      /* no outstanding query with this ID from this flow */
	MXGEN_CHECK_DUP,      /* second answer to one query */
	MXGEN_CHECK_HEADER,   /* QR clear or opcode changed */
	MXGEN_CHECK_FLAGS,    /* header flags differ from the first answer */
	MXGEN_CHECK_RCODE,    /* rcode differs from the first answer */
	MXGEN_CHECK_COUNTS,   /* section counts differ from the first answer */
	MXGEN_CHECK_QUESTION, /* question not echoed byte for byte */
	MXGEN_CHECK_PARSE,    /* a record runs past the end, bad name, trailing octets */
	MXGEN_CHECK_OPT,      /* OPT misplaced, repeated, version, or presence changed */
	MXGEN_CHECK_ECHO,     /* echo mode: frame differs from the query sent */
	MXGEN_CHECK_MAX
};

/* What the first answer to a query line showed; later answers must match. */
struct mxgen_expect {
	bool known;
	bool opt;	/* OPT in the additional section */
	uint16_t flags; /* header octets 2-3, rcode bits included */
	uint16_t rcode; /* extended rcode (RFC 6891 §6.1.3) */
	uint16_t qd, an, ns, ar;
	uint16_t len; /* length of the first answer (not checked: 'single' mode varies) */
};

struct mxgen_check_ctx {
	uint8_t mac[6];	   /* ours */
	uint8_t peer[6];   /* the responder's */
	uint8_t server[4]; /* service address */
	const struct mxgen_frames *fs;
};

const char *mxgen_check_name(enum mxgen_check_verdict v);

/* Ethernet, IPv4 and UDP of an answer of LEN octets at F: from the peer's
 * MAC and the service address, port 53, to one of our flows. Sets *FLOW,
 * *ID, *DNS and *DNS_LEN. */
enum mxgen_check_verdict mxgen_check_udp(const struct mxgen_check_ctx *c, const uint8_t *f,
					 uint32_t len, uint32_t *flow, uint16_t *id,
					 const uint8_t **dns, uint16_t *dns_len);

/* The DNS answer DNS of LEN octets to the query message QUERY with a
 * question of QLEN octets. With E not yet known the answer is only parsed
 * and E records what it showed. */
enum mxgen_check_verdict mxgen_check_dns(const uint8_t *dns, uint16_t len, const uint8_t *query,
					 uint16_t qlen, struct mxgen_expect *e);

/* Echo mode, first step: the flow and ID of a returned query (headers as we
 * sent them, MAC addresses swapped). */
enum mxgen_check_verdict mxgen_check_echo_id(const struct mxgen_check_ctx *c, const uint8_t *f,
					     uint32_t len, uint32_t *flow, uint16_t *id);

/* Echo mode, second step: the whole frame against the query QI from FLOW
 * with ID as mxgen_frame_fill makes it, MAC addresses swapped. */
enum mxgen_check_verdict mxgen_check_echo(const struct mxgen_check_ctx *c, const uint8_t *f,
					  uint32_t len, uint32_t qi, uint32_t flow, uint16_t id);

#endif
