/* dns_steer: the XDP program of mxlbd's af_xdp ports. DNS over UDP to a
 * service address goes to the AF_XDP socket of the RX queue it arrived on
 * (mxlbd's fast path); every other frame, ARP, ICMP, TCP (DNS over TCP as
 * well), fragments, goes on to the kernel stack, which owns the interface
 * and the service addresses.
 *
 * Checks run in a fixed order and each frame bumps one counter of dns_stats
 * (dns_steer.h): Ethernet and one 802.1Q tag, EtherType, IP header, fragment,
 * protocol UDP, destination port, destination address. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "dns_steer.h"

#define DNS_STEER_VLAN_LEN 4 /* 802.1Q tag: TCI, then the inner EtherType */
#define DNS_STEER_IP4_MF   0x2000
#define DNS_STEER_IP4_OFF  0x1fff

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, DNS_STEER_QUEUES_MAX);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dns_steer_cfg);
} dns_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DNS_STEER_ADDRS_MAX);
	__type(key, __u32);
	__type(value, __u8);
} dns_addr4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DNS_STEER_ADDRS_MAX);
	__type(key, struct dns_steer_addr6);
	__type(value, __u8);
} dns_addr6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DNS_STEER_COUNTER_MAX);
	__type(key, __u32);
	__type(value, __u64);
} dns_stats SEC(".maps");

/* Bumps counter C of this CPU and returns ACT, the frame's verdict. */
static __always_inline int dns_steer_count(__u32 c, int act)
{
	__u64 *v = bpf_map_lookup_elem(&dns_stats, &c);

	if (v != NULL)
		*v += 1;
	return act;
}

static __always_inline int dns_steer_pass(__u32 c)
{
	return dns_steer_count(c, XDP_PASS);
}

/* The UDP header at L4 of a frame to address ADDR (a service address when
 * it is in its map): checks port and address, and steers. */
static __always_inline int dns_steer_udp(struct xdp_md *ctx, void *l4, void *end, void *addr_map,
					 const void *addr)
{
	const struct udphdr *udp = l4;
	const struct dns_steer_cfg *cfg;
	__u32 zero = 0;
	int act;

	if ((void *)(udp + 1) > end)
		return dns_steer_pass(DNS_STEER_SHORT);
	cfg = bpf_map_lookup_elem(&dns_cfg, &zero);
	if (cfg == NULL || cfg->port == 0 || udp->dest != cfg->port)
		return dns_steer_pass(DNS_STEER_NOT_PORT);
	if (bpf_map_lookup_elem(addr_map, addr) == NULL)
		return dns_steer_pass(DNS_STEER_NOT_SERVICE);
	/* With no XSK in the queue's slot the flags (XDP_PASS) are the result:
	 * the kernel then answers with a port unreachable, as for a server
	 * that is down. */
	act = (int)bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
	return dns_steer_count(act == XDP_REDIRECT ? DNS_STEER_STEERED : DNS_STEER_NO_XSK, act);
}

static __always_inline int dns_steer_ip4(struct xdp_md *ctx, void *l3, void *end)
{
	const struct iphdr *ip = l3;
	__u32 ihl;

	if ((void *)(ip + 1) > end)
		return dns_steer_pass(DNS_STEER_SHORT);
	if (ip->version != 4 || ip->ihl < 5)
		return dns_steer_pass(DNS_STEER_BAD_IP);
	/* RFC 791: MF set or a nonzero offset is a fragment; only the first
	 * one holds the UDP header, and reassembly is the kernel's. */
	if ((ip->frag_off & bpf_htons(DNS_STEER_IP4_MF | DNS_STEER_IP4_OFF)) != 0)
		return dns_steer_pass(DNS_STEER_FRAGMENT);
	if (ip->protocol != IPPROTO_UDP)
		return dns_steer_pass(DNS_STEER_NOT_UDP);
	/* Options are skipped; the UDP header check bounds them too. */
	ihl = (__u32)ip->ihl * 4;
	return dns_steer_udp(ctx, l3 + ihl, end, &dns_addr4, &ip->daddr);
}

static __always_inline int dns_steer_ip6(struct xdp_md *ctx, void *l3, void *end)
{
	const struct ipv6hdr *ip6 = l3;

	if ((void *)(ip6 + 1) > end)
		return dns_steer_pass(DNS_STEER_SHORT);
	if (ip6->version != 6)
		return dns_steer_pass(DNS_STEER_BAD_IP);
	/* Only UDP right behind the fixed header: extension headers are rare
	 * in queries and the kernel handles them. */
	if (ip6->nexthdr == IPPROTO_FRAGMENT)
		return dns_steer_pass(DNS_STEER_FRAGMENT);
	if (ip6->nexthdr != IPPROTO_UDP)
		return dns_steer_pass(DNS_STEER_NOT_UDP);
	return dns_steer_udp(ctx, (void *)(ip6 + 1), end, &dns_addr6, &ip6->daddr);
}

SEC("xdp")
int dns_steer(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	const struct ethhdr *eth = data;
	void *l3 = data + sizeof(*eth);
	__be16 proto;

	if (l3 > end)
		return dns_steer_pass(DNS_STEER_SHORT);
	proto = eth->h_proto;
	/* One 802.1Q tag (DESIGN §4); a second one (QinQ) is not IP. */
	if (proto == bpf_htons(ETH_P_8021Q)) {
		if (l3 + DNS_STEER_VLAN_LEN > end)
			return dns_steer_pass(DNS_STEER_SHORT);
		proto = *(const __be16 *)(l3 + 2);
		l3 += DNS_STEER_VLAN_LEN;
	}
	if (proto == bpf_htons(ETH_P_IP))
		return dns_steer_ip4(ctx, l3, end);
	if (proto == bpf_htons(ETH_P_IPV6))
		return dns_steer_ip6(ctx, l3, end);
	return dns_steer_pass(DNS_STEER_NOT_IP);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
