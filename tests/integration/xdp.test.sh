#!/usr/bin/env bash
# xdp: mxlbd on a net_af_xdp port that it shares with the kernel (issue 8).
#
# The test host's mxlbd end moves into a server namespace of its own
# (mxi<pid>s), where the kernel owns the service address 198.18.0.1/24 and
# answers ARP and ICMP, so that the root namespace gets no address and no
# route. mxlbd runs there (nsenter keeps /sys/fs/bpf) with
#   --vdev=net_af_xdp0,iface=<end>,start_queue=0,queue_count=1
# and attaches dns_steer through the PMD's xdp_prog=.
#   - dns_steer attached; UDP DNS answered by mxlbd (the server namespace has
#     no DNS server of its own), in the one-worker selection order
#   - ping, a TCP connection to port 8025 and a UDP datagram to port 5300
#     reach the kernel (python3 listeners in the server namespace)
#   - DNS over TCP: answered by mxlbd's TCP listener, a kernel socket
#   - mxlbctl stats (text, --json, --prometheus) has dns_steer's counters
#     beside mxlbd's rx_packets, which equal the steered ones
#   - SIGINT: exit 0, final counters: mxlbd received exactly what dns_steer
#     steered, ICMP/TCP/other UDP counted as passed; program detached
#   - SIGKILL leaves dns_steer attached with no socket: DNS is refused by the
#     kernel, ping still answered; the next start replaces the program
#   - --no-xdp-steer: the PMD's own program, which sends everything to mxlbd:
#     DNS answered, ping through mxlbd's exception port; left behind by a
#     killed run, it is replaced by the next start that steers
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"

Z=basic.example.
SRV=${MX_NS}s
SERVICE_PREFIX=24
XDP_LCORES=${MXLB_IT_XDP_LCORES:-0-1} # one worker: the veth has one RX queue
LISTENER_PIDS=()

# Server namespaces of scenarios killed outright (their pid is gone).
while read -r ns _; do
	if [[ "$ns" =~ ^mxi([0-9]+)s$ ]] && ! kill -0 "${BASH_REMATCH[1]}" 2>/dev/null; then
		echo "removing stale server namespace $ns"
		ip netns del "$ns" || true
	fi
done < <(ip netns list)

xdp_cleanup() {
	local rc=$? pid
	set +e
	mx_stop 2>/dev/null
	for pid in "${LISTENER_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	[[ -e /run/netns/$SRV ]] && ip netns del "$SRV"
	(exit "$rc")
	mx_cleanup
}
trap xdp_cleanup EXIT

srv() {
	ip netns exec "$SRV" "$@"
}

# The test host, with its mxlbd end moved into the server namespace.
xdp_host() {
	MX_IF=$("$MXLB_ROOT/scripts/testhost.sh" up "$MX_NS")
	ip netns add "$SRV"
	ip link set dev "$MX_IF" netns "$SRV"
	srv sh -c "echo 0 >/proc/sys/net/ipv6/conf/$MX_IF/accept_dad"
	ip -n "$SRV" link set dev lo up
	ip -n "$SRV" link set dev "$MX_IF" arp on up
	ip -n "$SRV" addr add "$SERVICE_V4/$SERVICE_PREFIX" dev "$MX_IF"
	ip -n "$SRV" -6 addr add 2001:db8::1/64 dev "$MX_IF" nodad
}

# mxlbd inside the server namespace on the af_xdp port; ARGS after `--`.
xdp_start() {
	MX_CMD=("$MXLBD" -l "$XDP_LCORES" --no-pci
		"--vdev=net_af_xdp0,iface=$MX_IF,start_queue=0,queue_count=1"
		--file-prefix "$MX_PREFIX" -- --zone "$IT_DIR/basic.zone" --ip "$SERVICE_V4" "$@")
	echo "+ nsenter --net=/run/netns/$SRV ${MX_CMD[*]}"
	nsenter --net="/run/netns/$SRV" "${MX_CMD[@]}" >"$MX_LOG" 2>&1 &
	MX_PID=$!
	mx_wait_ready
}

# Name of the XDP program attached to the mxlbd end, or "none".
xdp_prog() {
	ip -n "$SRV" -d link show dev "$MX_IF" |
		awk '/prog\/xdp/ { for (i = 1; i < NF; i++) if ($i == "name") { print $(i + 1); f = 1 } }
		     END { if (!f) print "none" }'
}

# One ping from the client; "ok" or "lost".
ping_once() {
	if ns ping -c 1 -W 1 "$1" >/dev/null 2>&1; then echo ok; else echo lost; fi
}

# The selected MX exchange of one query (the one at preference 10).
mx_selected() {
	dns_fields answer "$(dnsq "$Z" MX)" 5 6 | awk '$1 == 10 { print $2 }'
}

# Counter $1 of the "mxlbd: xdp" line in $2.
xdp_counter() {
	awk -v k="$1" '/^mxlbd: xdp .*steered/ { for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' <<<"$2"
}

# Total of mxlbd's counter table row $1 in $2.
mx_counter() {
	awk -v k="$1" '$1 == k { print $NF }' <<<"$2"
}

xdp_host
echo "server namespace $SRV, mxlbd end $MX_IF, client namespace $MX_NS"

echo "== steering on"
xdp_start
check_match "mxlbd says it steers" "dns_steer prog id [0-9]+ in (native|generic) mode steers UDP port 53 of 1 address" \
	"$(grep '^mxlbd: xdp' "$MX_LOG")"
check_eq "dns_steer attached to $MX_IF" dns_steer "$(xdp_prog)"

queries=0
for i in 0 1 2 3 4 5; do
	check_eq "UDP query $((i + 1)) answered by mxlbd: mx$((i % 3 + 1)) selected" \
		"mx$((i % 3 + 1)).$Z" "$(mx_selected)"
	queries=$((queries + 1))
done
out=$(dnsq "www.$Z" A)
queries=$((queries + 1))
check_eq "A pool query answered" NOERROR "$(dns_get status "$out")"
check_word "A pool query: AA" aa "$(dns_get flags "$out")"

pings=3
check_eq "ping 198.18.0.1: answered by the kernel" "0% packet loss" \
	"$(ns ping -c "$pings" -i 0.2 -W 1 "$SERVICE_V4" | grep -o '[0-9.]*% packet loss')"
check_eq "ping 2001:db8::1: answered by the kernel" ok "$(ping_once 2001:db8::1)"

ready=$MX_TMP/listener.ready
srv python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 8025))
s.listen(1)
open(sys.argv[2], "w").close()
s.settimeout(20)
c, _ = s.accept()
c.sendall(b"220 kernel\r\n")
c.close()
' "$SERVICE_V4" "$ready.tcp" &
LISTENER_PIDS+=($!)
srv python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 5300))
open(sys.argv[2], "w").close()
s.settimeout(20)
d, a = s.recvfrom(512)
s.sendto(b"kernel:" + d, a)
' "$SERVICE_V4" "$ready.udp" &
LISTENER_PIDS+=($!)
for _ in $(seq 50); do
	[[ -e $ready.tcp && -e $ready.udp ]] && break
	sleep 0.1
done
got=$(ns python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], 8025), timeout=3)
print(s.recv(64).decode().strip())
' "$SERVICE_V4" 2>&1 || true)
check_eq "TCP to port 8025 reaches the kernel's listener" "220 kernel" "$got"
got=$(ns python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto(b"hello", (sys.argv[1], 5300))
print(s.recv(64).decode())
' "$SERVICE_V4" 2>&1 || true)
check_eq "UDP to port 5300 reaches the kernel's socket" "kernel:hello" "$got"

# Not counted in QUERIES: TCP is not steered, the kernel passes it to
# mxlbd's TCP listener on the interface's address.
check_eq "mxlbd listens on TCP port 53" yes "$([[ -n "$(srv ss -Htln 'sport = :53')" ]] && echo yes || echo no)"
out=$(dnsq +tcp "$Z" MX)
check_eq "DNS over TCP answered" NOERROR "$(dns_get status "$out")"
check_word "DNS over TCP: AA" aa "$(dns_get flags "$out")"

MXLBCTL=${MXLBCTL:-$MXLB_ROOT/build/mxlbctl}
json=$("$MXLBCTL" -p "$MX_PREFIX" stats --json 2>&1 || true)
ctl=$(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
x = d["xdp"][0]
print(d["rx_packets"], x["iface"], x["steered"], x["not_udp"], x["not_port"])
' "$json" 2>&1 || true)
read -r ctl_rx ctl_if ctl_steered ctl_not_udp ctl_not_port <<<"$ctl"
check_cmp "mxlbctl stats --json: rx_packets" "${ctl_rx:-none}" -ge "$queries"
check_eq "mxlbctl stats --json: steering counters of $MX_IF" "$MX_IF" "${ctl_if:-$ctl}"
check_eq "mxlbctl stats --json: mxlbd received what dns_steer steered" "${ctl_rx:-none}" \
	"${ctl_steered:-none}"
check_cmp "mxlbctl stats --json: ICMP and TCP passed" "${ctl_not_udp:-none}" -ge $((pings + 2))
check_cmp "mxlbctl stats --json: UDP to port 5300 passed" "${ctl_not_port:-none}" -ge 1
text=$("$MXLBCTL" -p "$MX_PREFIX" stats 2>&1 || true)
check_match "mxlbctl stats: a line of steering counters" \
	"xdp $MX_IF \\(net_af_xdp0\\): steered [0-9]+ no_xsk 0 not_ip [0-9]+" "$text"
prom=$("$MXLBCTL" -p "$MX_PREFIX" stats --prometheus 2>&1 || true)
check_match "mxlbctl stats --prometheus: mxlb_xdp_frames_total" \
	"mxlb_xdp_frames_total\\{iface=\"$MX_IF\",vdev=\"net_af_xdp0\",verdict=\"steered\"\\} [1-9]" "$prom"
echo "  mxlbctl stats: $(grep '^xdp ' <<<"$text")"

mx_stop
check_eq "exit status after SIGINT" 0 "$MX_RC"
after=$(sed -n '/^mxlbd: stopping/,$p' "$MX_LOG")
steered=$(xdp_counter steered "$after")
rx=$(mx_counter rx "$after")
check_cmp "dns_steer steered at least the UDP queries" "${steered:-none}" -ge "$queries"
check_eq "mxlbd received exactly what dns_steer steered" "${steered:-none}" "${rx:-none}"
check_cmp "mxlbd counted the queries" "$(mx_counter queries "$after")" -ge "$queries"
check_eq "no query without a socket" 0 "$(xdp_counter no_xsk "$after")"
check_cmp "ICMP and TCP passed (not_udp)" "$(xdp_counter not_udp "$after")" -ge $((pings + 2))
check_cmp "UDP to port 5300 passed (not_port)" "$(xdp_counter not_port "$after")" -ge 1
check_cmp "ARP or NDP passed" $(($(xdp_counter not_ip "$after") + $(xdp_counter not_udp "$after"))) -ge 1
check_eq "dns_steer detached at exit" none "$(xdp_prog)"
echo "  $(grep '^mxlbd: xdp .*steered' <<<"$after")"

echo "== a run killed outright, and the next start"
xdp_start
stale_id=$(ip -n "$SRV" -d link show dev "$MX_IF" | grep -o 'prog/xdp id [0-9]*' | awk '{ print $3 }')
kill -KILL "$MX_PID"
wait "$MX_PID" 2>/dev/null || true
MX_PID=
mx_clean_prefix
check_eq "dns_steer left attached by the killed run" dns_steer "$(xdp_prog)"
check_eq "with no socket the kernel refuses DNS" TIMEOUT "$(dns_get status "$(dnsq "$Z" MX)")"
check_eq "and still answers ping" ok "$(ping_once "$SERVICE_V4")"
xdp_start
check_match "the next start replaces it" "detached dns_steer \\(prog id $stale_id\\) left by an earlier run" \
	"$(grep '^mxlbd: xdp' "$MX_LOG")"
check_eq "dns_steer attached again" dns_steer "$(xdp_prog)"
check_eq "DNS answered again" "mx1.$Z" "$(mx_selected)"
mx_stop
check_eq "exit status after SIGINT" 0 "$MX_RC"
check_eq "dns_steer detached at exit" none "$(xdp_prog)"

echo "== --no-xdp-steer: the PMD's own program"
xdp_start --no-xdp-steer
prog=$(xdp_prog)
check_eq "no steering messages" "" "$(grep '^mxlbd: xdp' "$MX_LOG" || true)"
check_no_word "dns_steer not attached" dns_steer "$prog"
check_no_word "a program attached" none "$prog"
check_eq "DNS answered by mxlbd" "mx1.$Z" "$(mx_selected)"
check_eq "ping goes to mxlbd, which hands it to the kernel (exception port)" ok \
	"$(ping_once "$SERVICE_V4")"
mx_stop
check_eq "exit status after SIGINT" 0 "$MX_RC"
check_eq "no steering counters" "" "$(grep '^mxlbd: xdp' "$MX_LOG" || true)"
check_eq "the PMD's program detached at exit" none "$(xdp_prog)"

echo "== a --no-xdp-steer run killed outright, then steering"
xdp_start --no-xdp-steer
kill -KILL "$MX_PID"
wait "$MX_PID" 2>/dev/null || true
MX_PID=
mx_clean_prefix
left=$(xdp_prog)
check_no_word "the PMD's program left attached" none "$left"
xdp_start
check_match "the steering start replaces it" "detached $left \\(prog id [0-9]+\\) left by an earlier run" \
	"$(grep '^mxlbd: xdp' "$MX_LOG")"
check_eq "dns_steer attached" dns_steer "$(xdp_prog)"
check_eq "DNS answered" "mx1.$Z" "$(mx_selected)"
check_eq "ping answered by the kernel" ok "$(ping_once "$SERVICE_V4")"
mx_stop
check_eq "exit status after SIGINT" 0 "$MX_RC"
check_eq "dns_steer detached at exit" none "$(xdp_prog)"

t_done
