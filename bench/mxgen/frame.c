/* Query frame templates and flows. */
#include <errno.h>
#include <stdlib.h>

#include "frame.h"

#define MXGEN_FRAME_ETHERTYPE_IPV4 0x0800
#define MXGEN_FRAME_IP_DF	   0x4000
#define MXGEN_FRAME_IP_TTL	   64
#define MXGEN_FRAME_IP_UDP	   17
#define MXGEN_FRAME_DNS_PORT	   53

uint32_t mxgen_frame_sum(const uint8_t *p, size_t n, uint32_t acc)
{
	for (; n >= 2; p += 2, n -= 2)
		acc += mxgen_frame_get16(p);
	if (n == 1)
		acc += (uint32_t)p[0] << 8;
	return acc;
}

/* One template: headers with source address, source port, DNS ID and both
 * checksums zero, and the sums that leave them out. */
static void mxgen_frame_one(struct mxgen_frame *t, uint8_t *f, const struct mxgen_query *q,
			    const uint8_t *msg, const uint8_t src_mac[6], const uint8_t dst_mac[6],
			    const uint8_t server[4])
{
	uint8_t *ip = f + MXGEN_FRAME_OFF_IP, *udp = f + MXGEN_FRAME_OFF_UDP;
	uint16_t ulen = (uint16_t)(MXGEN_FRAME_UDP_LEN + q->len);
	uint16_t len = (uint16_t)(MXGEN_FRAME_HDRS + q->len);
	uint8_t phdr[4] = {0, MXGEN_FRAME_IP_UDP, (uint8_t)(ulen >> 8), (uint8_t)ulen};

	memcpy(f, dst_mac, 6);
	memcpy(f + 6, src_mac, 6);
	mxgen_frame_put16(f + 12, MXGEN_FRAME_ETHERTYPE_IPV4);

	memset(ip, 0, MXGEN_FRAME_IP_LEN);
	ip[0] = 0x45;
	mxgen_frame_put16(ip + 2, (uint16_t)(MXGEN_FRAME_IP_LEN + ulen));
	mxgen_frame_put16(ip + 6, MXGEN_FRAME_IP_DF);
	ip[8] = MXGEN_FRAME_IP_TTL;
	ip[9] = MXGEN_FRAME_IP_UDP;
	memcpy(ip + 16, server, 4);

	mxgen_frame_put16(udp, 0);
	mxgen_frame_put16(udp + 2, MXGEN_FRAME_DNS_PORT);
	mxgen_frame_put16(udp + 4, ulen);
	mxgen_frame_put16(udp + 6, 0);
	memcpy(f + MXGEN_FRAME_OFF_DNS, msg, q->len);
	mxgen_frame_put16(f + MXGEN_FRAME_OFF_DNS, 0);

	t->dns_len = q->len;
	t->len = len;
	if (len < MXGEN_FRAME_MIN) {
		memset(f + len, 0, MXGEN_FRAME_MIN - len);
		t->len = MXGEN_FRAME_MIN;
	}
	t->ip_sum = mxgen_frame_sum(ip, MXGEN_FRAME_IP_LEN, 0);
	/* Pseudo header (RFC 768): addresses, zero, protocol, UDP length. */
	t->udp_sum = mxgen_frame_sum(ip + 12, 8, 0);
	t->udp_sum = mxgen_frame_sum(phdr, sizeof(phdr), t->udp_sum);
	t->udp_sum = mxgen_frame_sum(udp, ulen, t->udp_sum);
}

int mxgen_frame_build(struct mxgen_frames *fs, const struct mxgen_queries *qs,
		      const uint8_t src_mac[6], const uint8_t dst_mac[6], const uint8_t server[4],
		      uint32_t nflows)
{
	size_t i, off = 0;

	memset(fs, 0, sizeof(fs[0]));
	if (nflows == 0 || nflows > MXGEN_FRAME_FLOWS_MAX || (nflows & (nflows - 1)) != 0)
		return -EINVAL;
	fs->t = calloc(qs->n, sizeof(*fs->t));
	fs->arena = malloc(qs->msgs_len + qs->n * (MXGEN_FRAME_HDRS + MXGEN_FRAME_MIN));
	fs->flows = calloc(nflows, sizeof(*fs->flows));
	if (fs->t == NULL || fs->arena == NULL || fs->flows == NULL) {
		mxgen_frame_free(fs);
		return -ENOMEM;
	}
	for (i = 0; i < qs->n; i++) {
		fs->t[i].off = (uint32_t)off;
		mxgen_frame_one(&fs->t[i], fs->arena + off, &qs->q[i], mxgen_query_msg(qs, i),
				src_mac, dst_mac, server);
		off += fs->t[i].len;
	}
	fs->n = (uint32_t)qs->n;
	for (i = 0; i < nflows; i++) {
		struct mxgen_flow *fl = &fs->flows[i];

		fl->ip[0] = 198;
		fl->ip[1] = 19;
		fl->ip[2] = (uint8_t)(i >> 8);
		fl->ip[3] = (uint8_t)i;
		fl->port = (uint16_t)(MXGEN_FRAME_PORT_BASE + i);
		fl->ip_sum = mxgen_frame_sum(fl->ip, 4, 0);
		fl->udp_sum = fl->ip_sum + fl->port;
	}
	fs->nflows = nflows;
	return 0;
}

void mxgen_frame_free(struct mxgen_frames *fs)
{
	free(fs->t);
	free(fs->arena);
	free(fs->flows);
	memset(fs, 0, sizeof(*fs));
}
