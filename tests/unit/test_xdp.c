/* The XDP steering program (bpf/dns_steer.bpf.c) run by the kernel on
 * crafted frames through BPF_PROG_TEST_RUN, and mxlbd's rewriting of the
 * net_af_xdp --vdev arguments (dataplane/runtime/xdp.c).
 *
 * Every frame must end in exactly one counter of dns_stats, and the verdict
 * must go with it: XDP_REDIRECT only for DNS over UDP to a service address.
 * With no XSK in the queue's xsks_map slot the program's redirect falls back
 * to XDP_PASS and counts no_xsk, which is what "would be steered" looks like
 * here; the redirect suite puts a real XSK (bound to the loopback device of a
 * network namespace of its own) in the slot and sees XDP_REDIRECT and
 * steered. Loading a program needs root (CAP_BPF and CAP_NET_ADMIN): without
 * it the program tests are skipped. No hugepages, no EAL. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_xdp.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>

#include "dns_steer.h"
#include "dns_steer.skel.h"
#include "xdp.h"

#ifndef SOL_XDP
#define SOL_XDP 283
#endif

#define T_N(a) (sizeof(a) / sizeof((a)[0]))

static struct dns_steer_bpf *skel;

/* ------------------------------------------------------------------ frames */

/* A frame under construction: Ethernet (802.1Q tag when VLAN), then the IP
 * header, then UDP (or another protocol). */
struct t_frame {
	uint8_t b[256];
	size_t len;
	size_t l4; /* offset of the L4 header */
};

static void t_put(struct t_frame *f, const void *p, size_t n)
{
	cr_assert_leq(f->len + n, sizeof(f->b));
	memcpy(f->b + f->len, p, n);
	f->len += n;
}

static void t_put16(struct t_frame *f, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	t_put(f, b, 2);
}

static void t_eth(struct t_frame *f, int vlan, uint16_t type)
{
	static const uint8_t macs[12] = {0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2};

	f->len = 0;
	t_put(f, macs, sizeof(macs));
	if (vlan) {
		t_put16(f, 0x8100);
		t_put16(f, 42); /* VLAN id 42, priority 0 */
	}
	t_put16(f, type);
}

/* IPv4 header to DST (dotted quad) with protocol PROTO, IHL words, flags
 * and fragment offset FRAG (host order); lengths are not checked by the
 * program, so 0. */
static void t_ip4(struct t_frame *f, const char *dst, uint8_t proto, unsigned ihl, uint16_t frag)
{
	uint8_t h[60] = {0};
	struct in_addr a;

	cr_assert_eq(inet_pton(AF_INET, dst, &a), 1);
	h[0] = (uint8_t)(0x40 | ihl);
	h[6] = (uint8_t)(frag >> 8);
	h[7] = (uint8_t)frag;
	h[8] = 64;
	h[9] = proto;
	h[12] = 198, h[13] = 18, h[14] = 0, h[15] = 2;
	memcpy(h + 16, &a, 4);
	t_put(f, h, ihl * 4);
	f->l4 = f->len;
}

static void t_ip6(struct t_frame *f, const char *dst, uint8_t next)
{
	uint8_t h[40] = {0x60};
	struct in6_addr a;

	cr_assert_eq(inet_pton(AF_INET6, dst, &a), 1);
	h[6] = next;
	h[7] = 64;
	h[8] = 0x20, h[9] = 0x01, h[10] = 0x0d, h[11] = 0xb8, h[23] = 2;
	memcpy(h + 24, &a, 16);
	t_put(f, h, sizeof(h));
	f->l4 = f->len;
}

/* UDP from port 40000 to DPORT with a 12-octet DNS header as payload. */
static void t_udp(struct t_frame *f, uint16_t dport)
{
	static const uint8_t dns[12] = {0x12, 0x34, 0x01, 0, 0, 1};

	t_put16(f, 40000);
	t_put16(f, dport);
	t_put16(f, 8 + sizeof(dns));
	t_put16(f, 0);
	t_put(f, dns, sizeof(dns));
}

/* A DNS query: IPv4 (IHL words) or IPv6, tagged or not, to DST port 53. */
static void t_query(struct t_frame *f, int v6, int vlan, const char *dst, unsigned ihl)
{
	t_eth(f, vlan, v6 ? 0x86dd : 0x0800);
	if (v6)
		t_ip6(f, dst, IPPROTO_UDP);
	else
		t_ip4(f, dst, IPPROTO_UDP, ihl, 0);
	t_udp(f, 53);
}

/* --------------------------------------------------------------- running */

static void t_counters(uint64_t *c)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t v[ncpu];
	uint32_t k;
	int i;

	for (k = 0; k < DNS_STEER_COUNTER_MAX; k++) {
		cr_assert_eq(
		    bpf_map__lookup_elem(skel->maps.dns_stats, &k, sizeof(k), v, sizeof(v), 0), 0);
		c[k] = 0;
		for (i = 0; i < ncpu; i++)
			c[k] += v[i];
	}
}

/* Runs the program on the first LEN octets of F; checks that the verdict is
 * ACT and that exactly counter WANT moved, by one. */
static void t_expect_len(const struct t_frame *f, size_t len, int act, unsigned want,
			 const char *what)
{
	uint64_t before[DNS_STEER_COUNTER_MAX], after[DNS_STEER_COUNTER_MAX];
	uint8_t out[sizeof(f->b)];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b, .data_size_in = (uint32_t)len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);
	unsigned k;

	t_counters(before);
	cr_assert_eq(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.dns_steer), &o), 0,
		     "%s (%zu octets): BPF_PROG_TEST_RUN: %s", what, len, strerror(errno));
	t_counters(after);
	cr_expect_eq(o.retval, (uint32_t)act, "%s (%zu octets): verdict %u, expected %d", what, len,
		     o.retval, act);
	for (k = 0; k < DNS_STEER_COUNTER_MAX; k++)
		cr_expect_eq(after[k] - before[k], k == want ? 1u : 0u,
			     "%s (%zu octets): counter %s moved by %llu (expected %s)", what, len,
			     mxlb_xdp_counter_name(k), (unsigned long long)(after[k] - before[k]),
			     mxlb_xdp_counter_name(want));
}

static void t_expect(const struct t_frame *f, int act, unsigned want, const char *what)
{
	t_expect_len(f, f->len, act, want, what);
}

static void t_set_port(uint16_t port)
{
	struct dns_steer_cfg cfg = {.port = htons(port)};
	uint32_t zero = 0;

	cr_assert_eq(bpf_map__update_elem(skel->maps.dns_cfg, &zero, sizeof(zero), &cfg,
					  sizeof(cfg), BPF_ANY),
		     0);
}

/* The program loaded and configured as mxlbd does: port 53, 198.18.0.1 and
 * 2001:db8::1. Skips the test when the kernel refuses for want of
 * privilege. */
static void t_load(void)
{
	struct dns_steer_addr6 a6;
	const uint8_t one = 1;
	uint32_t a4;
	int err;

	if (geteuid() != 0)
		cr_skip_test("loading a BPF program needs root (CAP_BPF)");
	skel = dns_steer_bpf__open();
	cr_assert_not_null(skel, "dns_steer_bpf__open: %s", strerror(errno));
	err = dns_steer_bpf__load(skel);
	if (err == -EPERM || err == -EACCES) {
		dns_steer_bpf__destroy(skel);
		skel = NULL;
		cr_skip_test("loading a BPF program needs root (CAP_BPF): %s", strerror(-err));
	}
	cr_assert_eq(err, 0, "dns_steer_bpf__load: %s", strerror(-err));
	cr_assert_eq(inet_pton(AF_INET, "198.18.0.1", &a4), 1);
	cr_assert_eq(inet_pton(AF_INET6, "2001:db8::1", a6.a), 1);
	cr_assert_eq(bpf_map__update_elem(skel->maps.dns_addr4, &a4, sizeof(a4), &one, 1, BPF_ANY),
		     0);
	cr_assert_eq(bpf_map__update_elem(skel->maps.dns_addr6, &a6, sizeof(a6), &one, 1, BPF_ANY),
		     0);
	t_set_port(53);
}

static void t_unload(void)
{
	dns_steer_bpf__destroy(skel);
	skel = NULL;
}

TestSuite(xdp_steer, .init = t_load, .fini = t_unload);

/* ------------------------------------------------------------- verdicts */

Test(xdp_steer, dns_queries_would_be_steered)
{
	struct t_frame f;

	t_query(&f, 0, 0, "198.18.0.1", 5);
	t_expect(&f, XDP_PASS, DNS_STEER_NO_XSK, "IPv4");
	t_query(&f, 0, 1, "198.18.0.1", 5);
	t_expect(&f, XDP_PASS, DNS_STEER_NO_XSK, "IPv4 in VLAN 42");
	t_query(&f, 0, 0, "198.18.0.1", 15);
	t_expect(&f, XDP_PASS, DNS_STEER_NO_XSK, "IPv4 with 40 octets of options");
	t_query(&f, 1, 0, "2001:db8::1", 0);
	t_expect(&f, XDP_PASS, DNS_STEER_NO_XSK, "IPv6");
	t_query(&f, 1, 1, "2001:db8::1", 0);
	t_expect(&f, XDP_PASS, DNS_STEER_NO_XSK, "IPv6 in VLAN 42");
	/* A datagram cut short behind the UDP header is still mxlbd's: its
	 * checks count it. */
	t_query(&f, 0, 0, "198.18.0.1", 5);
	t_expect_len(&f, f.l4 + 8, XDP_PASS, DNS_STEER_NO_XSK, "IPv4, UDP header only");
}

Test(xdp_steer, other_addresses_pass)
{
	struct t_frame f;

	t_query(&f, 0, 0, "198.18.0.2", 5);
	t_expect(&f, XDP_PASS, DNS_STEER_NOT_SERVICE, "IPv4 to 198.18.0.2");
	t_query(&f, 0, 1, "198.19.255.255", 5);
	t_expect(&f, XDP_PASS, DNS_STEER_NOT_SERVICE, "IPv4 broadcast in VLAN 42");
	t_query(&f, 1, 0, "2001:db8::2", 0);
	t_expect(&f, XDP_PASS, DNS_STEER_NOT_SERVICE, "IPv6 to 2001:db8::2");
	t_query(&f, 1, 0, "ff02::fb", 0);
	t_expect(&f, XDP_PASS, DNS_STEER_NOT_SERVICE, "IPv6 multicast");
	/* IPv4-mapped is not the IPv4 service address. */
	t_query(&f, 1, 0, "::ffff:198.18.0.1", 0);
	t_expect(&f, XDP_PASS, DNS_STEER_NOT_SERVICE, "IPv6, IPv4-mapped service address");
}

Test(xdp_steer, other_ports_pass)
{
	static const uint16_t ports[] = {0, 52, 54, 80, 853, 5353, 13568 /* 53 swapped */, 65535};
	struct t_frame f;
	char what[64];

	for (size_t i = 0; i < T_N(ports); i++) {
		snprintf(what, sizeof(what), "IPv4 UDP to port %u", ports[i]);
		t_eth(&f, 0, 0x0800);
		t_ip4(&f, "198.18.0.1", IPPROTO_UDP, 5, 0);
		t_udp(&f, ports[i]);
		t_expect(&f, XDP_PASS, DNS_STEER_NOT_PORT, what);
		snprintf(what, sizeof(what), "IPv6 UDP to port %u in VLAN 42", ports[i]);
		t_eth(&f, 1, 0x86dd);
		t_ip6(&f, "2001:db8::1", IPPROTO_UDP);
		t_udp(&f, ports[i]);
		t_expect(&f, XDP_PASS, DNS_STEER_NOT_PORT, what);
	}
}

Test(xdp_steer, unconfigured_steers_nothing)
{
	struct t_frame f;

	t_set_port(0);
	t_query(&f, 0, 0, "198.18.0.1", 5);
	t_expect(&f, XDP_PASS, DNS_STEER_NOT_PORT, "IPv4 before the port is set");
	t_query(&f, 1, 1, "2001:db8::1", 0);
	t_expect(&f, XDP_PASS, DNS_STEER_NOT_PORT, "IPv6 before the port is set");
	t_set_port(5300);
	t_query(&f, 0, 0, "198.18.0.1", 5);
	t_expect(&f, XDP_PASS, DNS_STEER_NOT_PORT, "IPv4 to 53 with port 5300 configured");
}

Test(xdp_steer, not_udp_passes)
{
	static const uint8_t tcp[20] = {0x9c, 0x40, 0, 53, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02};
	static const uint8_t icmp[8] = {8, 0, 0, 0, 0, 1, 0, 1};
	static const uint8_t hbh[8] = {IPPROTO_UDP, 0, 5, 2, 0, 0, 1, 0};
	struct t_frame f;

	t_eth(&f, 0, 0x0800);
	t_ip4(&f, "198.18.0.1", IPPROTO_TCP, 5, 0);
	t_put(&f, tcp, sizeof(tcp));
	t_expect(&f, XDP_PASS, DNS_STEER_NOT_UDP, "IPv4 TCP to port 53");
	t_eth(&f, 1, 0x0800);
	t_ip4(&f, "198.18.0.1", IPPROTO_ICMP, 5, 0);
	t_put(&f, icmp, sizeof(icmp));
	t_expect(&f, XDP_PASS, DNS_STEER_NOT_UDP, "IPv4 ICMP echo in VLAN 42");
	t_eth(&f, 0, 0x86dd);
	t_ip6(&f, "2001:db8::1", IPPROTO_TCP);
	t_put(&f, tcp, sizeof(tcp));
	t_expect(&f, XDP_PASS, DNS_STEER_NOT_UDP, "IPv6 TCP to port 53");
	t_eth(&f, 0, 0x86dd);
	t_ip6(&f, "2001:db8::1", IPPROTO_ICMPV6);
	t_put(&f, icmp, sizeof(icmp));
	t_expect(&f, XDP_PASS, DNS_STEER_NOT_UDP, "ICMPv6");
	/* UDP behind an extension header: left to the kernel. */
	t_eth(&f, 0, 0x86dd);
	t_ip6(&f, "2001:db8::1", 0 /* hop-by-hop */);
	t_put(&f, hbh, sizeof(hbh));
	t_udp(&f, 53);
	t_expect(&f, XDP_PASS, DNS_STEER_NOT_UDP, "IPv6 hop-by-hop, then UDP to 53");
}

Test(xdp_steer, fragments_pass)
{
	static const uint8_t frag6[8] = {IPPROTO_UDP, 0, 0, 1, 0, 0, 0, 7};
	static const uint16_t frags[] = {0x2000 /* MF, first */,  0x0001, 0x0100, 0x1fff,
					 0x2001 /* MF, middle */, 0x6000 /* DF|MF */};
	struct t_frame f;
	char what[64];

	for (size_t i = 0; i < T_N(frags); i++) {
		snprintf(what, sizeof(what), "IPv4 fragment, flags/offset 0x%04x", frags[i]);
		t_eth(&f, 0, 0x0800);
		t_ip4(&f, "198.18.0.1", IPPROTO_UDP, 5, frags[i]);
		t_udp(&f, 53);
		t_expect(&f, XDP_PASS, DNS_STEER_FRAGMENT, what);
	}
	/* DF alone is not a fragment. */
	t_eth(&f, 0, 0x0800);
	t_ip4(&f, "198.18.0.1", IPPROTO_UDP, 5, 0x4000);
	t_udp(&f, 53);
	t_expect(&f, XDP_PASS, DNS_STEER_NO_XSK, "IPv4 with DF");
	t_eth(&f, 1, 0x86dd);
	t_ip6(&f, "2001:db8::1", IPPROTO_FRAGMENT);
	t_put(&f, frag6, sizeof(frag6));
	t_udp(&f, 53);
	t_expect(&f, XDP_PASS, DNS_STEER_FRAGMENT, "IPv6 Fragment header in VLAN 42");
}

Test(xdp_steer, not_ip_passes)
{
	static const uint8_t arp[28] = {0, 1, 8, 0, 6, 4, 0, 1};
	static const uint16_t types[] = {0x0806, 0x88cc /* LLDP */, 0x8847 /* MPLS */, 0x88a8,
					 0x0000};
	struct t_frame f;
	char what[64];

	for (size_t i = 0; i < T_N(types); i++) {
		snprintf(what, sizeof(what), "EtherType 0x%04x", types[i]);
		t_eth(&f, 0, types[i]);
		t_put(&f, arp, sizeof(arp));
		t_expect(&f, XDP_PASS, DNS_STEER_NOT_IP, what);
	}
	t_eth(&f, 1, 0x0806);
	t_put(&f, arp, sizeof(arp));
	t_expect(&f, XDP_PASS, DNS_STEER_NOT_IP, "ARP in VLAN 42");
	/* QinQ: a second tag is not looked behind. */
	t_eth(&f, 1, 0x8100);
	t_put16(&f, 7);
	t_put16(&f, 0x0800);
	t_ip4(&f, "198.18.0.1", IPPROTO_UDP, 5, 0);
	t_udp(&f, 53);
	t_expect(&f, XDP_PASS, DNS_STEER_NOT_IP, "two 802.1Q tags");
	/* An 802.1ad outer tag is not 802.1Q. */
	t_eth(&f, 0, 0x88a8);
	t_put16(&f, 7);
	t_put16(&f, 0x0800);
	t_ip4(&f, "198.18.0.1", IPPROTO_UDP, 5, 0);
	t_udp(&f, 53);
	t_expect(&f, XDP_PASS, DNS_STEER_NOT_IP, "802.1ad tag");
}

Test(xdp_steer, bad_ip_passes)
{
	struct t_frame f;

	for (unsigned ihl = 0; ihl < 5; ihl++) {
		t_eth(&f, 0, 0x0800);
		t_ip4(&f, "198.18.0.1", IPPROTO_UDP, 5, 0);
		f.b[14] = (uint8_t)(0x40 | ihl);
		t_udp(&f, 53);
		t_expect(&f, XDP_PASS, DNS_STEER_BAD_IP, "IPv4 IHL below 5");
	}
	t_eth(&f, 0, 0x0800);
	t_ip6(&f, "2001:db8::1", IPPROTO_UDP);
	t_udp(&f, 53);
	t_expect(&f, XDP_PASS, DNS_STEER_BAD_IP, "IPv6 header behind EtherType IPv4");
	t_eth(&f, 1, 0x86dd);
	t_ip4(&f, "198.18.0.1", IPPROTO_UDP, 5, 0);
	t_put(&f, f.b + 14, 20); /* room for a whole IPv6 header */
	t_udp(&f, 53);
	t_expect(&f, XDP_PASS, DNS_STEER_BAD_IP, "IPv4 header behind EtherType IPv6");
}

/* Every length from the Ethernet header (the least BPF_PROG_TEST_RUN takes)
 * up to the end of the UDP header is short; from there on the query is
 * steered. */
Test(xdp_steer, truncated_at_every_length)
{
	static const struct {
		int v6, vlan;
		unsigned ihl;
		const char *dst, *what;
	} q[] = {
	    {0, 0, 5, "198.18.0.1", "IPv4"},
	    {0, 1, 5, "198.18.0.1", "IPv4 in VLAN 42"},
	    {0, 0, 6, "198.18.0.1", "IPv4 with options"},
	    {0, 1, 15, "198.18.0.1", "IPv4 with options in VLAN 42"},
	    {1, 0, 0, "2001:db8::1", "IPv6"},
	    {1, 1, 0, "2001:db8::1", "IPv6 in VLAN 42"},
	};
	struct t_frame f;

	for (size_t i = 0; i < T_N(q); i++) {
		t_query(&f, q[i].v6, q[i].vlan, q[i].dst, q[i].ihl);
		for (size_t len = 14; len <= f.len; len++)
			t_expect_len(&f, len, XDP_PASS,
				     len < f.l4 + 8 ? DNS_STEER_SHORT : DNS_STEER_NO_XSK,
				     q[i].what);
	}
}

/* -------------------------------------------------------- a real redirect */

/* An XSK bound to queue 0 of the loopback device, in copy mode, in a network
 * namespace of this test's own (Criterion runs each test in a process of its
 * own): BPF_PROG_TEST_RUN runs the program on that queue. */
static int t_xsk(void)
{
	struct sockaddr_xdp sa = {
	    .sxdp_family = AF_XDP, .sxdp_queue_id = 0, .sxdp_flags = XDP_COPY};
	const size_t frames = 64, frame = 4096;
	struct xdp_umem_reg reg = {.len = frames * frame, .chunk_size = (uint32_t)frame};
	int ring = 64, fd;
	void *umem;

	cr_assert_eq(unshare(CLONE_NEWNET), 0, "unshare(CLONE_NEWNET): %s", strerror(errno));
	fd = socket(AF_XDP, SOCK_RAW, 0);
	cr_assert_geq(fd, 0, "socket(AF_XDP): %s", strerror(errno));
	umem = mmap(NULL, reg.len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(umem, MAP_FAILED);
	reg.addr = (uint64_t)(uintptr_t)umem;
	cr_assert_eq(setsockopt(fd, SOL_XDP, XDP_UMEM_REG, &reg, sizeof(reg)), 0,
		     "XDP_UMEM_REG: %s", strerror(errno));
	cr_assert_eq(setsockopt(fd, SOL_XDP, XDP_UMEM_FILL_RING, &ring, sizeof(ring)), 0);
	cr_assert_eq(setsockopt(fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, &ring, sizeof(ring)), 0);
	cr_assert_eq(setsockopt(fd, SOL_XDP, XDP_RX_RING, &ring, sizeof(ring)), 0);
	sa.sxdp_ifindex = if_nametoindex("lo");
	cr_assert_neq(sa.sxdp_ifindex, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "bind AF_XDP to lo: %s",
		     strerror(errno));
	return fd;
}

Test(xdp_steer, redirected_to_the_xsk_of_the_queue)
{
	static const uint8_t arp[28] = {0, 1, 8, 0, 6, 4, 0, 1};
	uint32_t slot = 0;
	struct t_frame f;
	int xsk = t_xsk();

	cr_assert_eq(bpf_map__update_elem(skel->maps.xsks_map, &slot, sizeof(slot), &xsk,
					  sizeof(xsk), BPF_ANY),
		     0, "xsks_map[0] = XSK: %s", strerror(errno));
	t_query(&f, 0, 0, "198.18.0.1", 5);
	t_expect(&f, XDP_REDIRECT, DNS_STEER_STEERED, "IPv4");
	t_query(&f, 1, 1, "2001:db8::1", 0);
	t_expect(&f, XDP_REDIRECT, DNS_STEER_STEERED, "IPv6 in VLAN 42");
	/* What is not DNS stays with the kernel while the XSK is there. */
	t_query(&f, 0, 0, "198.18.0.7", 5);
	t_expect(&f, XDP_PASS, DNS_STEER_NOT_SERVICE, "IPv4 to another address");
	t_eth(&f, 0, 0x0806);
	t_put(&f, arp, sizeof(arp));
	t_expect(&f, XDP_PASS, DNS_STEER_NOT_IP, "ARP");
	/* With the XSK gone from the slot the query falls back to the kernel. */
	cr_assert_eq(bpf_map__delete_elem(skel->maps.xsks_map, &slot, sizeof(slot), 0), 0);
	t_query(&f, 0, 0, "198.18.0.1", 5);
	t_expect(&f, XDP_PASS, DNS_STEER_NO_XSK, "IPv4 with the slot empty");
	close(xsk);
}

/* ------------------------------------------------------ --vdev arguments */

static void t_args(struct mxlb_xdp *x, bool on, char **argv, int argc)
{
	cr_assert_eq(mxlb_xdp_args(x, on, argc, argv, "/proc/self/fd/9"), 0);
	cr_assert_eq(x->argc, argc);
	cr_assert_null(x->argv[argc]);
}

Test(xdp_args, program_added_to_every_af_xdp_vdev)
{
	char *argv[] = {"mxlbd",
			"-l",
			"0-1",
			"--vdev=net_af_xdp0,iface=eth1,start_queue=0,queue_count=1",
			"--vdev",
			"net_af_xdp1,iface=eth2",
			"--vdev=net_af_packet0,iface=eth3",
			"--vdev",
			"net_tap0,iface=mxlb0",
			"--no-pci"};
	struct mxlb_xdp x;

	t_args(&x, true, argv, (int)T_N(argv));
	cr_expect_str_eq(x.argv[3], "--vdev=net_af_xdp0,iface=eth1,start_queue=0,queue_count=1,"
				    "xdp_prog=/proc/self/fd/9");
	cr_expect_str_eq(x.argv[4], "--vdev");
	cr_expect_str_eq(x.argv[5], "net_af_xdp1,iface=eth2,xdp_prog=/proc/self/fd/9");
	for (int i = 0; i < (int)T_N(argv); i++)
		if (i != 3 && i != 5)
			cr_expect_eq(x.argv[i], argv[i], "argument %d changed", i);
	cr_assert_eq(x.n, 2);
	cr_expect_str_eq(x.port[0].vdev, "net_af_xdp0");
	cr_expect_str_eq(x.port[0].ifname, "eth1");
	cr_expect(x.port[0].steer);
	cr_expect_str_eq(x.port[1].vdev, "net_af_xdp1");
	cr_expect_str_eq(x.port[1].ifname, "eth2");
	cr_expect(x.port[1].steer);
	cr_expect_str_eq(argv[3], "--vdev=net_af_xdp0,iface=eth1,start_queue=0,queue_count=1");
	cr_expect(mxlb_xdp_port_steers(&x, "net_af_xdp0"));
	cr_expect(mxlb_xdp_port_steers(&x, "net_af_xdp1"));
	cr_expect_not(mxlb_xdp_port_steers(&x, "net_af_packet0"));
	cr_expect_not(mxlb_xdp_port_steers(&x, "net_af_xdp"));
	mxlb_xdp_fini(&x);
}

Test(xdp_args, no_xdp_steer_changes_nothing)
{
	char *argv[] = {"mxlbd", "--vdev=net_af_xdp0,iface=eth1", "--vdev",
			"net_af_xdp1,iface=eth2"};
	struct mxlb_xdp x;

	t_args(&x, false, argv, (int)T_N(argv));
	for (int i = 0; i < (int)T_N(argv); i++)
		cr_expect_eq(x.argv[i], argv[i], "argument %d changed", i);
	cr_assert_eq(x.n, 2); /* still known: stale dns_steer is cleared there */
	cr_expect_not(x.port[0].steer);
	cr_expect_not(x.port[1].steer);
	cr_expect_not(mxlb_xdp_port_steers(&x, "net_af_xdp0"));
	mxlb_xdp_fini(&x);
}

Test(xdp_args, own_program_kept)
{
	char *argv[] = {"mxlbd", "--vdev=net_af_xdp0,xdp_prog=/opt/mine.o,iface=eth1",
			"--vdev=net_af_xdp1", "--vdev"};
	struct mxlb_xdp x;

	t_args(&x, true, argv, (int)T_N(argv));
	for (int i = 0; i < (int)T_N(argv); i++)
		cr_expect_eq(x.argv[i], argv[i], "argument %d changed", i);
	/* The one without iface= is the PMD's to refuse; the trailing --vdev
	 * EAL's. */
	cr_assert_eq(x.n, 1);
	cr_expect_str_eq(x.port[0].ifname, "eth1");
	cr_expect_not(x.port[0].steer);
	mxlb_xdp_fini(&x);
}

Test(xdp_args, iface_is_a_whole_key)
{
	char *argv[] = {"mxlbd", "--vdev=net_af_xdp0,xiface=bad,iface=good,ifaces=no"};
	struct mxlb_xdp x;

	t_args(&x, true, argv, (int)T_N(argv));
	cr_assert_eq(x.n, 1);
	cr_expect_str_eq(x.port[0].ifname, "good");
	mxlb_xdp_fini(&x);
}

/* ------------------------------------------------- counters as mxlbctl prints them */

static char *t_print(const struct mxlb_xdp_shared *s, uint32_t n, enum mxlb_xdp_format f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	cr_assert_not_null(out);
	mxlb_xdp_print_shared(out, s, n, f);
	fclose(out);
	return buf;
}

Test(xdp_report, formats)
{
	struct mxlb_xdp_shared s[2] = {
	    {.ifname = "eth1", .vdev = "net_af_xdp0", .ncounters = DNS_STEER_COUNTER_MAX},
	    {.ifname = "eth2", .vdev = "net_af_xdp1", .ncounters = 0},
	};
	char *t;

	for (unsigned k = 0; k < DNS_STEER_COUNTER_MAX; k++)
		s[0].c[k] = 10 + k;
	t = t_print(s, 2, MXLB_XDP_TEXT);
	cr_expect_str_eq(t, "xdp eth1 (net_af_xdp0): steered 10 no_xsk 11 not_ip 12 short 13 "
			    "bad_ip 14 fragment 15 not_udp 16 not_port 17 not_service 18\n"
			    "xdp eth2 (net_af_xdp1): counters unreadable\n");
	free(t);
	t = t_print(s, 1, MXLB_XDP_JSON);
	cr_expect_str_eq(t,
			 "{\"iface\":\"eth1\",\"vdev\":\"net_af_xdp0\",\"steered\":10,"
			 "\"no_xsk\":11,\"not_ip\":12,\"short\":13,\"bad_ip\":14,\"fragment\":15,"
			 "\"not_udp\":16,\"not_port\":17,\"not_service\":18}");
	free(t);
	t = t_print(s, 1, MXLB_XDP_PROMETHEUS);
	cr_expect(strstr(t, "# TYPE mxlb_xdp_frames_total counter\n") != NULL, "%s", t);
	cr_expect(strstr(t, "mxlb_xdp_frames_total{iface=\"eth1\",vdev=\"net_af_xdp0\","
			    "verdict=\"not_service\"} 18\n") != NULL,
		  "%s", t);
	free(t);
	t = t_print(s, 0, MXLB_XDP_PROMETHEUS);
	cr_expect_str_eq(t, "", "no family without a port");
	free(t);
}
