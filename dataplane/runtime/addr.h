/* Service addresses: the addresses mxlbd answers on, given as
 * --ip ADDR[/PREFIX]. DPDK-free so that unit tests can link it. */
#ifndef MXLB_ADDR_H
#define MXLB_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Most --ip options accepted. */
#define MXLB_ADDR_MAX 64
/* Room for "ADDR/PREFIX" as text, including the NUL. */
#define MXLB_ADDR_STRLEN 52

/* One --ip option. PREFIX is the on-link prefix length of the address, as in
 * `ip addr add ADDR/PREFIX`: only ADDR itself is served; the prefix is kept
 * for the kernel side of the exception path. */
struct mxlb_addr {
	int family;	/* AF_INET or AF_INET6 */
	uint8_t prefix; /* 32 (IPv4) or 128 (IPv6) when not given */
	union {
		uint8_t v4[4]; /* network byte order */
		uint8_t v6[16];
	};
};

/* The service addresses, searched once per packet. */
struct mxlb_addr_set {
	uint32_t n4;
	uint32_t n6;
	uint32_t v4[MXLB_ADDR_MAX];    /* network byte order, as read from the wire */
	uint8_t v6[MXLB_ADDR_MAX][16]; /* network byte order */
	uint32_t snm6[MXLB_ADDR_MAX];  /* low 24 bits of each v6, as on the wire: its
					* solicited-node multicast group ff02::1:ffXX:XXXX */
};

/* Parses "ADDR" or "ADDR/PREFIX" (IPv4 dotted quad or IPv6 text form).
 * Returns 0, or -EINVAL when S is not an address or PREFIX is out of range. */
int mxlb_addr_parse(struct mxlb_addr *a, const char *s);

/* Writes A as "ADDR/PREFIX" into BUF of LEN octets (MXLB_ADDR_STRLEN is
 * enough). Returns BUF. */
char *mxlb_addr_format(const struct mxlb_addr *a, char *buf, size_t len);

/* Adds the IPv4 or IPv6 address A to SET. Returns 0, -EADDRNOTAVAIL when A
 * cannot be a unicast service address (unspecified, loopback, multicast,
 * broadcast, IPv4-mapped), -EEXIST when SET holds it already, -ENOSPC when
 * SET is full. */
int mxlb_addr_set_add(struct mxlb_addr_set *set, const struct mxlb_addr *a);

/* Whether the four octets at P (network byte order) are a service address. */
static inline bool mxlb_addr_set_has4(const struct mxlb_addr_set *set, const uint8_t *p)
{
	uint32_t a;
	uint32_t i;

	memcpy(&a, p, sizeof(a));
	for (i = 0; i < set->n4; i++)
		if (set->v4[i] == a)
			return true;
	return false;
}

/* Whether the 16 octets at P are an IPv6 service address. */
static inline bool mxlb_addr_set_has6(const struct mxlb_addr_set *set, const uint8_t *p)
{
	uint32_t i;

	for (i = 0; i < set->n6; i++)
		if (memcmp(set->v6[i], p, 16) == 0)
			return true;
	return false;
}

/* Whether the 16 octets at P are the solicited-node multicast group
 * (RFC 4291 §2.7.1) of an IPv6 service address. */
static inline bool mxlb_addr_set_has_snm6(const struct mxlb_addr_set *set, const uint8_t *p)
{
	static const uint8_t snm[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff};
	uint32_t low = 0;
	uint32_t i;

	if (memcmp(p, snm, sizeof(snm)) != 0)
		return false;
	memcpy((uint8_t *)&low + 1, p + 13, 3);
	for (i = 0; i < set->n6; i++)
		if (set->snm6[i] == low)
			return true;
	return false;
}

#endif
