/* Addresses, routes and source rules of the exception interface, over
 * rtnetlink (rtnetlink(7)); sysctls through /proc/sys. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kern.h"

#define MXLB_KERN_MSG 512

/* One request: the netlink header, the family header and attributes. */
struct mxlb_kern_req {
	union {
		struct nlmsghdr h;
		uint8_t buf[MXLB_KERN_MSG];
	};
};

static int mxlb_kern_fail(const char *what, const char *ifname, int err)
{
	fprintf(stderr, "mxlbd: kernel: %s (dev %s): %s\n", what, ifname, strerror(-err));
	return err;
}

static void *mxlb_kern_start(struct mxlb_kern_req *r, uint16_t type, uint16_t flags, size_t hdr)
{
	memset(r, 0, sizeof(*r));
	r->h.nlmsg_len = (uint32_t)NLMSG_LENGTH(hdr);
	r->h.nlmsg_type = type;
	r->h.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
	return NLMSG_DATA(&r->h);
}

static void mxlb_kern_attr(struct mxlb_kern_req *r, uint16_t type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)(r->buf + NLMSG_ALIGN(r->h.nlmsg_len));

	/* Every request here is far smaller than the buffer. */
	a->rta_type = type;
	a->rta_len = (uint16_t)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->h.nlmsg_len = (uint32_t)(NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(a->rta_len));
}

static void mxlb_kern_attr32(struct mxlb_kern_req *r, uint16_t type, uint32_t v)
{
	mxlb_kern_attr(r, type, &v, sizeof(v));
}

/* Sends R and waits for the kernel's acknowledgement: 0 or a negative errno. */
static int mxlb_kern_talk(struct mxlb_kern *k, struct mxlb_kern_req *r)
{
	struct sockaddr_nl to = {.nl_family = AF_NETLINK};
	uint8_t buf[4096] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *h;
	ssize_t n;
	size_t left;

	r->h.nlmsg_seq = ++k->seq;
	if (sendto(k->fd, r, r->h.nlmsg_len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	for (;;) {
		n = recv(k->fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		left = (size_t)n;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != k->seq || h->nlmsg_type != NLMSG_ERROR)
				continue;
			return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
		}
	}
}

static size_t mxlb_kern_alen(const struct mxlb_addr *a)
{
	return a->family == AF_INET ? 4 : 16;
}

static const void *mxlb_kern_abytes(const struct mxlb_addr *a)
{
	return a->family == AF_INET ? (const void *)a->v4 : (const void *)a->v6;
}

/* RTM_NEWADDR / RTM_DELADDR of A on the interface. */
static int mxlb_kern_addr(struct mxlb_kern *k, const struct mxlb_addr *a, bool add)
{
	struct mxlb_kern_req r;
	struct ifaddrmsg *m = mxlb_kern_start(&r, add ? RTM_NEWADDR : RTM_DELADDR,
					      add ? NLM_F_CREATE | NLM_F_EXCL : 0, sizeof(*m));

	m->ifa_family = (uint8_t)a->family;
	m->ifa_prefixlen = a->prefix;
	m->ifa_flags = IFA_F_NODAD;
	m->ifa_scope = RT_SCOPE_UNIVERSE;
	m->ifa_index = k->ifindex;
	if (a->family == AF_INET)
		mxlb_kern_attr(&r, IFA_LOCAL, a->v4, 4);
	mxlb_kern_attr(&r, IFA_ADDRESS, mxlb_kern_abytes(a), mxlb_kern_alen(a));
	mxlb_kern_attr32(&r, IFA_FLAGS, IFA_F_NODAD | IFA_F_NOPREFIXROUTE);
	return mxlb_kern_talk(k, &r);
}

/* A device route in the table: DST/LEN dev IFNAME (LEN 0: the default). */
static int mxlb_kern_route(struct mxlb_kern *k, int family, const uint8_t *dst, uint8_t len,
			   bool add)
{
	struct mxlb_kern_req r;
	struct rtmsg *m = mxlb_kern_start(&r, add ? RTM_NEWROUTE : RTM_DELROUTE,
					  add ? NLM_F_CREATE | NLM_F_REPLACE : 0, sizeof(*m));

	m->rtm_family = (uint8_t)family;
	m->rtm_dst_len = len;
	m->rtm_table = k->table < 256 ? (uint8_t)k->table : RT_TABLE_UNSPEC;
	m->rtm_protocol = RTPROT_STATIC;
	m->rtm_scope = family == AF_INET ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
	m->rtm_type = RTN_UNICAST;
	mxlb_kern_attr32(&r, RTA_TABLE, k->table);
	if (len > 0)
		mxlb_kern_attr(&r, RTA_DST, dst, family == AF_INET ? 4 : 16);
	mxlb_kern_attr32(&r, RTA_OIF, k->ifindex);
	return mxlb_kern_talk(k, &r);
}

/* The rule `from A lookup TABLE priority PRIORITY`. */
static int mxlb_kern_rule(struct mxlb_kern *k, const struct mxlb_addr *a, bool add)
{
	struct mxlb_kern_req r;
	struct fib_rule_hdr *m = mxlb_kern_start(&r, add ? RTM_NEWRULE : RTM_DELRULE,
						 add ? NLM_F_CREATE | NLM_F_EXCL : 0, sizeof(*m));

	m->family = (uint8_t)a->family;
	m->src_len = (uint8_t)(mxlb_kern_alen(a) * 8);
	m->table = k->table < 256 ? (uint8_t)k->table : RT_TABLE_UNSPEC;
	m->action = FR_ACT_TO_TBL;
	mxlb_kern_attr(&r, FRA_SRC, mxlb_kern_abytes(a), mxlb_kern_alen(a));
	mxlb_kern_attr32(&r, FRA_TABLE, k->table);
	mxlb_kern_attr32(&r, FRA_PRIORITY, k->priority);
	return mxlb_kern_talk(k, &r);
}

/* Writes VALUE to /proc/sys/net/FAMILY/conf/IFNAME/KEY. */
static int mxlb_kern_sysctl(const struct mxlb_kern *k, const char *family, const char *key,
			    const char *value)
{
	char path[128];
	ssize_t n;
	int fd, err = 0;

	snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s", family, k->ifname, key);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, value, strlen(value));
	if (n < 0)
		err = -errno;
	close(fd);
	return err;
}

/* The IPv6 settings of the interface, before its addresses: off without
 * IPv6 service addresses; otherwise no DAD (the addresses are the
 * service's, answered by the fast path whatever another host claims), no
 * router advertisements and no SLAAC addresses of its own. */
static int mxlb_kern_ipv6(struct mxlb_kern *k, bool v6)
{
	static const char *const keys[] = {"accept_ra", "autoconf", "accept_dad", "dad_transmits"};
	size_t i;
	int ret;

	ret = mxlb_kern_sysctl(k, "ipv6", "disable_ipv6", v6 ? "0" : "1");
	if (ret == -ENOENT && !v6)
		return 0; /* the kernel has no IPv6 */
	if (ret != 0)
		return mxlb_kern_fail("sysctl net.ipv6.conf disable_ipv6", k->ifname, ret);
	for (i = 0; v6 && i < sizeof(keys) / sizeof(keys[0]); i++) {
		ret = mxlb_kern_sysctl(k, "ipv6", keys[i], "0");
		if (ret != 0)
			return mxlb_kern_fail(keys[i], k->ifname, ret);
	}
	return 0;
}

/* The network of A: its address with the host bits cleared. */
static void mxlb_kern_network(const struct mxlb_addr *a, uint8_t *out)
{
	size_t n = mxlb_kern_alen(a), i;
	unsigned bits = a->prefix;

	memcpy(out, mxlb_kern_abytes(a), n);
	for (i = 0; i < n; i++) {
		if (bits >= 8) {
			bits -= 8;
			continue;
		}
		out[i] &= (uint8_t)(0xff00u >> bits);
		bits = 0;
	}
}

int mxlb_kern_setup(struct mxlb_kern *k, const char *ifname, const struct mxlb_addr *addrs,
		    size_t n, uint32_t table, uint32_t priority)
{
	struct sockaddr_nl local = {.nl_family = AF_NETLINK};
	char what[128], text[MXLB_ADDR_STRLEN];
	uint8_t net[16];
	bool fam[2] = {false, false};
	size_t i;
	int ret, f;

	memset(k, 0, sizeof(*k));
	k->fd = -1;
	snprintf(k->ifname, sizeof(k->ifname), "%s", ifname);
	k->table = table;
	k->priority = priority;
	k->n = n < MXLB_ADDR_MAX ? n : MXLB_ADDR_MAX;
	memcpy(k->addrs, addrs, k->n * sizeof(addrs[0]));
	k->ifindex = if_nametoindex(ifname);
	if (k->ifindex == 0)
		return mxlb_kern_fail("if_nametoindex", ifname, -errno);
	k->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (k->fd < 0)
		return mxlb_kern_fail("netlink socket", ifname, -errno);
	if (bind(k->fd, (struct sockaddr *)&local, sizeof(local)) != 0)
		return mxlb_kern_fail("netlink bind", ifname, -errno);

	for (i = 0; i < k->n; i++)
		fam[k->addrs[i].family == AF_INET6] = true;
	ret = mxlb_kern_ipv6(k, fam[1]);
	if (ret != 0)
		return ret;
	for (i = 0; i < k->n; i++) {
		const struct mxlb_addr *a = &k->addrs[i];

		mxlb_addr_format(a, text, sizeof(text));
		ret = mxlb_kern_addr(k, a, true);
		if (ret != 0) {
			snprintf(what, sizeof(what), "ip addr add %s nodad noprefixroute", text);
			return mxlb_kern_fail(what, ifname, ret);
		}
		k->addr_added[i] = true;
		if (a->prefix == mxlb_kern_alen(a) * 8)
			continue;
		mxlb_kern_network(a, net);
		ret = mxlb_kern_route(k, a->family, net, a->prefix, true);
		if (ret != 0) {
			snprintf(what, sizeof(what), "ip route replace %s table %u", text, table);
			return mxlb_kern_fail(what, ifname, ret);
		}
		k->net_added[i] = true;
	}
	for (f = 0; f < 2; f++) {
		if (!fam[f])
			continue;
		ret = mxlb_kern_route(k, f ? AF_INET6 : AF_INET, NULL, 0, true);
		if (ret != 0) {
			snprintf(what, sizeof(what), "ip -%d route replace default table %u",
				 f ? 6 : 4, table);
			return mxlb_kern_fail(what, ifname, ret);
		}
		k->default_added[f] = true;
	}
	for (i = 0; i < k->n; i++) {
		/* Rules left by a run that was killed: the same ones again. */
		for (f = 0; f < 64 && mxlb_kern_rule(k, &k->addrs[i], false) == 0; f++)
			;
		ret = mxlb_kern_rule(k, &k->addrs[i], true);
		if (ret != 0) {
			snprintf(what, sizeof(what), "ip rule add from %s lookup %u priority %u",
				 mxlb_addr_format(&k->addrs[i], text, sizeof(text)), table,
				 priority);
			return mxlb_kern_fail(what, ifname, ret);
		}
		k->rule_added[i] = true;
	}
	return 0;
}

void mxlb_kern_cleanup(struct mxlb_kern *k)
{
	uint8_t net[16];
	size_t i;
	int f;

	if (k->fd < 0)
		return;
	for (i = 0; i < k->n; i++) {
		if (k->rule_added[i])
			mxlb_kern_rule(k, &k->addrs[i], false);
		k->rule_added[i] = false;
	}
	/* Routes and addresses go with the interface too; removed here so
	 * that nothing is left should the interface outlive mxlbd. */
	for (f = 0; f < 2; f++) {
		if (k->default_added[f])
			mxlb_kern_route(k, f ? AF_INET6 : AF_INET, NULL, 0, false);
		k->default_added[f] = false;
	}
	for (i = 0; i < k->n; i++) {
		if (k->net_added[i]) {
			mxlb_kern_network(&k->addrs[i], net);
			mxlb_kern_route(k, k->addrs[i].family, net, k->addrs[i].prefix, false);
		}
		k->net_added[i] = false;
		if (k->addr_added[i])
			mxlb_kern_addr(k, &k->addrs[i], false);
		k->addr_added[i] = false;
	}
	close(k->fd);
	k->fd = -1;
}
