/* What the XDP steering program (dns_steer.bpf.c) and its loader
 * (dataplane/runtime/xdp.c) share: map names, the configuration layout and
 * the counter indexes. Kernel UAPI types only, so that both the BPF target
 * and user space include it. */
#ifndef MXLB_DNS_STEER_H
#define MXLB_DNS_STEER_H

#include <linux/types.h>

/* Kernel names of the program and its maps (BPF_OBJ_NAME_LEN: at most 15
 * characters). xsks_map is the name DPDK's af_xdp PMD looks up in the object
 * it is given as xdp_prog=FILE; it fills slot Q with the XSK of queue Q. */
#define DNS_STEER_PROG_NAME "dns_steer"
#define DNS_STEER_MAP_XSKS  "xsks_map"
#define DNS_STEER_MAP_CFG   "dns_cfg"
#define DNS_STEER_MAP_ADDR4 "dns_addr4"
#define DNS_STEER_MAP_ADDR6 "dns_addr6"
#define DNS_STEER_MAP_STATS "dns_stats"

#define DNS_STEER_QUEUES_MAX 256 /* xsks_map slots: RX queue indexes served */
#define DNS_STEER_ADDRS_MAX  64	 /* entries of each address map */

/* The one value of dns_cfg (an array of one, key 0). All zero, as the map is
 * created, steers nothing: until the loader has filled it every packet goes
 * to the kernel. */
struct dns_steer_cfg {
	__u16 port; /* UDP destination port to steer, network byte order; 0: none */
	__u16 pad;
	__u32 flags; /* none defined; 0 */
};

/* dns_addr4 maps an IPv4 service address (__u32, network byte order) and
 * dns_addr6 an IPv6 one (struct dns_steer_addr6) to a __u8 that is 1. */
struct dns_steer_addr6 {
	__u8 a[16];
};

/* Indexes of dns_stats, a per-CPU array of __u64: every frame the program
 * sees bumps exactly one of them, in the order the checks run. */
enum dns_steer_counter {
	DNS_STEER_STEERED = 0, /* UDP to the port of a service address: to the XSK */
	DNS_STEER_NO_XSK,      /* as STEERED, but no XSK on its RX queue: passed */
	DNS_STEER_NOT_IP,      /* EtherType neither IPv4 nor IPv6 (ARP, QinQ, ...) */
	DNS_STEER_SHORT,       /* frame ends inside a header it announces */
	DNS_STEER_BAD_IP,      /* IPv4 IHL below 5, or IP version not the EtherType's */
	DNS_STEER_FRAGMENT,    /* IPv4 fragment or IPv6 Fragment header: the kernel's */
	DNS_STEER_NOT_UDP,     /* not UDP (TCP, ICMP, IPv6 extension headers, ...) */
	DNS_STEER_NOT_PORT,    /* UDP to another port (or dns_cfg not filled yet) */
	DNS_STEER_NOT_SERVICE, /* UDP to the port of an address not served */
	DNS_STEER_COUNTER_MAX
};

/* Counter names as printed by mxlbd and mxlbctl, in index order. */
#define DNS_STEER_COUNTER_NAMES                                                                    \
	{                                                                                          \
		"steered", "no_xsk", "not_ip", "short", "bad_ip", "fragment", "not_udp",           \
		    "not_port", "not_service"                                                      \
	}

#endif
