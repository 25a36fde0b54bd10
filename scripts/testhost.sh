#!/usr/bin/env bash
# Test host: a network namespace joined to the root namespace by a veth pair.
#
#   scripts/testhost.sh up NAME     create (or complete) it; prints the
#                                   root-side interface name
#   scripts/testhost.sh down NAME   remove what `up` made; no error if absent
#
# Names (NAME: 1-13 letters, digits or '_'):
#   namespace        NAME
#   NAME-d           root-side end, driven by mxlbd through net_af_packet;
#                    up, no address, no kernel IPv4 forwarding, no IPv6,
#                    no kernel ARP, strict reverse-path filter (the kernel
#                    drops what arrives here even for an address it has on
#                    mxlbd's exception interface: that copy comes through
#                    mxlbd)
#   NAME-c           namespace end, the client: 198.18.0.2/24 and
#                    2001:db8::2/64 (DAD off), TX checksum offload off
#
# mxlbd answers on 198.18.0.1 and 2001:db8::1. Needs root.
set -euo pipefail

usage() {
	echo "usage: $0 up|down NAME" >&2
	exit 2
}

(($# == 2)) || usage
cmd=$1
name=$2

if ! [[ "$name" =~ ^[A-Za-z0-9_]{1,13}$ ]]; then
	echo "testhost: NAME must be 1-13 letters, digits or '_', not '$name'" >&2
	exit 2
fi
if ((EUID != 0)); then
	echo "testhost: need root to create network namespaces and veth links" >&2
	exit 1
fi

dp=$name-d
cl=$name-c
CLIENT_V4=198.18.0.2/24
CLIENT_V6=2001:db8::2/64

# True when network namespace $1 exists.
netns_exists() {
	[[ -e /run/netns/$1 ]]
}

# True when link $1 exists in the root namespace.
link_exists() {
	ip link show dev "$1" >/dev/null 2>&1
}

# True when link $2 exists in namespace $1.
ns_link_exists() {
	ip -n "$1" link show dev "$2" >/dev/null 2>&1
}

up() {
	netns_exists "$name" || ip netns add "$name"

	if ! link_exists "$dp"; then
		# A client end left behind on its own is of no use: drop it.
		if ns_link_exists "$name" "$cl"; then
			ip -n "$name" link del dev "$cl"
		fi
		ip link del dev "$cl" 2>/dev/null || true
		ip link add "$dp" type veth peer name "$cl"
	fi
	if link_exists "$cl"; then
		ip link set dev "$cl" netns "$name"
	fi

	# Root side: the kernel keeps its hands off the packets mxlbd serves.
	echo 1 >"/proc/sys/net/ipv6/conf/$dp/disable_ipv6"
	echo 0 >"/proc/sys/net/ipv4/conf/$dp/forwarding"
	echo 1 >"/proc/sys/net/ipv4/conf/$dp/rp_filter"
	ip link set dev "$dp" arp off
	ip link set dev "$dp" up

	# Namespace side: the client host.
	ip netns exec "$name" sh -c "
		echo 0 >/proc/sys/net/ipv6/conf/all/accept_dad
		echo 0 >/proc/sys/net/ipv6/conf/default/accept_dad
		echo 0 >/proc/sys/net/ipv6/conf/$cl/accept_dad
		echo 0 >/proc/sys/net/ipv6/conf/$cl/dad_transmits
		echo 0 >/proc/sys/net/ipv6/conf/$cl/disable_ipv6
	"
	ip -n "$name" link set dev lo up
	ip -n "$name" addr replace "$CLIENT_V4" dev "$cl"
	ip -n "$name" -6 addr replace "$CLIENT_V6" dev "$cl" nodad
	ip -n "$name" link set dev "$cl" up
	ip netns exec "$name" ethtool -K "$cl" tx off >/dev/null

	echo "$dp"
}

down() {
	if link_exists "$dp"; then
		ip link del dev "$dp"
	fi
	if link_exists "$cl"; then
		ip link del dev "$cl"
	fi
	if netns_exists "$name"; then
		ip netns del "$name"
	fi
}

case "$cmd" in
up) up ;;
down) down ;;
*) usage ;;
esac
