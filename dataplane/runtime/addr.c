/* Parsing and formatting of --ip ADDR[/PREFIX] and the service address set. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "addr.h"

/* Parses the decimal prefix length in S, 0 < value <= MAX. */
static int mxlb_addr_parse_prefix(const char *s, unsigned max, uint8_t *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > max)
		return -EINVAL;
	*out = (uint8_t)v;
	return 0;
}

int mxlb_addr_parse(struct mxlb_addr *a, const char *s)
{
	char host[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t hlen = slash != NULL ? (size_t)(slash - s) : strlen(s);

	memset(a, 0, sizeof(*a));
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = '\0';

	if (inet_pton(AF_INET, host, a->v4) == 1) {
		a->family = AF_INET;
		a->prefix = 32;
	} else if (inet_pton(AF_INET6, host, a->v6) == 1) {
		a->family = AF_INET6;
		a->prefix = 128;
	} else {
		return -EINVAL;
	}
	if (slash == NULL)
		return 0;
	return mxlb_addr_parse_prefix(slash + 1, a->family == AF_INET ? 32 : 128, &a->prefix);
}

char *mxlb_addr_format(const struct mxlb_addr *a, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (inet_ntop(a->family, a->family == AF_INET ? (const void *)a->v4 : (const void *)a->v6,
		      host, sizeof(host)) == NULL)
		snprintf(host, sizeof(host), "?");
	snprintf(buf, len, "%s/%u", host, a->prefix);
	return buf;
}

/* Addresses that cannot be a host's unicast address: unspecified,
 * 0.0.0.0/8, loopback, multicast, 240.0.0.0/4 with the limited broadcast
 * (RFC 1122 §3.2.1.3); for IPv6 ::, ::1, ff00::/8 and IPv4-mapped
 * ::ffff:0:0/96 (RFC 4291 §2.5). */
static bool mxlb_addr_unicast(const struct mxlb_addr *a)
{
	static const uint8_t zero[16];
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (a->family == AF_INET)
		return a->v4[0] != 0 && a->v4[0] != 127 && a->v4[0] < 224;
	if (a->v6[0] == 0xff || memcmp(a->v6, mapped, sizeof(mapped)) == 0)
		return false;
	if (memcmp(a->v6, zero, 15) == 0 && (a->v6[15] == 0 || a->v6[15] == 1))
		return false;
	return true;
}

int mxlb_addr_set_add(struct mxlb_addr_set *set, const struct mxlb_addr *a)
{
	uint32_t low = 0;

	if (a->family != AF_INET && a->family != AF_INET6)
		return -EAFNOSUPPORT;
	if (!mxlb_addr_unicast(a))
		return -EADDRNOTAVAIL;
	if (a->family == AF_INET) {
		if (mxlb_addr_set_has4(set, a->v4))
			return -EEXIST;
		if (set->n4 >= MXLB_ADDR_MAX)
			return -ENOSPC;
		memcpy(&set->v4[set->n4++], a->v4, sizeof(set->v4[0]));
		return 0;
	}
	if (mxlb_addr_set_has6(set, a->v6))
		return -EEXIST;
	if (set->n6 >= MXLB_ADDR_MAX)
		return -ENOSPC;
	memcpy(set->v6[set->n6], a->v6, 16);
	memcpy((uint8_t *)&low + 1, a->v6 + 13, 3);
	set->snm6[set->n6++] = low;
	return 0;
}
