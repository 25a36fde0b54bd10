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

int mxlb_addr_set_add(struct mxlb_addr_set *set, const struct mxlb_addr *a)
{
	if (a->family != AF_INET)
		return -EAFNOSUPPORT;
	if (mxlb_addr_set_has4(set, a->v4))
		return -EEXIST;
	if (set->n4 >= MXLB_ADDR_MAX)
		return -ENOSPC;
	memcpy(&set->v4[set->n4++], a->v4, sizeof(set->v4[0]));
	return 0;
}
