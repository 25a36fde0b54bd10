#!/usr/bin/env bash
# mxlbd beside its peers (make bench-peers): the same zone
# (examples/example.net.zone) and the same queries (bench/peers/queries.txt:
# 70 % MX pool hits, 10 % A pool, 10 % single A, 10 % NXDOMAIN, all with
# EDNS) against five servers, one after the other, in one run:
#
#   mxlbd_afxdp     mxlbd, net_af_xdp on the server end (start_queue=0,
#                   queue_count=1; mxlbd attaches its dns_steer XDP program:
#                   UDP/53 of 198.18.0.1 to the XSK, the rest to the
#                   kernel); the end also holds 198.18.0.1/24 (kernel ARP)
#   mxlbd_afpacket  mxlbd, net_af_packet on the server end (no address,
#                   no kernel ARP: mxlbd answers ARP; its exception tap and
#                   routing rules live in the server namespace)
#   knot_xdp        knotd 3.2, `xdp: listen: END@53` (plus a kernel socket on
#                   198.18.0.1@53, as knot.conf(5) recommends)
#   knot_udp        knotd over kernel UDP sockets on 198.18.0.1
#   nsd             nsd 4.6 on 198.18.0.1 (RRL off, as for the others)
#
# Rig: two network namespaces joined by one veth pair. The client namespace
# is a test host made by scripts/testhost.sh (198.18.0.2, checksum offload
# off); its other end, where testhost.sh leaves it in the root namespace, is
# moved into a server namespace of its own, so that the kernel-socket peers
# can own 198.18.0.1 without touching the root namespace (where other
# sessions' servers and test hosts live). Every server runs in the server
# namespace with its own config in a temp dir (under `ip netns exec`, which
# gives it a sysfs of that namespace; a private bpffs is mounted at
# /sys/fs/bpf for the XDP users), and is stopped by pid.
#
# Each round, for each system (the order rotates from round to round):
#   1. dnsperf, as fast as it goes (-c 8 -q 200 -t 1): qps, loss, latency
#      under saturation (closed loop, so ~ outstanding / qps);
#   2. dnsperf at a fixed rate (-Q RATE, -v): average, p50 and p99 latency;
#   3. kxdpgun from XDP on the client end (-Q KX_QPS): replies/s and loss.
# Beside each: the CPU the server's processes used (user + system, % of one
# core), and the idle share of the machine just before (this machine is
# shared: with MXLB_PEERS_WAIT_IDLE, each system waits that many seconds at
# most for the machine to be MXLB_PEERS_IDLE % idle before it starts).
# All three run DURATION seconds with the same client settings. Figures are
# medians over ROUNDS rounds, ratios are medians of the per-round ratios.
#
# Cores: the client (dnsperf, kxdpgun -F) is pinned to CLIENT_CPU with
# taskset, the server to SERVER_CPU: knotd and nsd, the whole process under
# taskset; mxlbd, through EAL (--lcores 0@S,1@S: its main lcore, which sleeps
# 100 us between control-ring polls, and its one worker, which busy-polls).
# veth has no IRQ: the kernel half of every packet (veth, XDP, af_packet,
# UDP stack) runs on the core of the process that sends it.
#
# Prints BENCH lines, appends a dated entry to bench/RESULTS.md, writes
# bench/peers/peers.dat and plots it (bench/peers/peers.gp) to
# bench/peers.png. Needs root.
#
#   MXLB_PEERS_DURATION    seconds per measurement (default 10)
#   MXLB_PEERS_ROUNDS      rounds (default 3)
#   MXLB_PEERS_RATE        fixed rate of the latency run, qps (default 10000)
#   MXLB_PEERS_KX_QPS      kxdpgun's offered rate, qps (default 1000000)
#   MXLB_PEERS_CLIENT_CPU  client core (default 0)
#   MXLB_PEERS_SERVER_CPU  server core (default 1)
#   MXLB_PEERS_SYSTEMS     subset, space separated (default: all five)
#   MXLB_PEERS_KEEP=1      keep the temp dir (configs, logs, raw outputs)
#   MXLB_PEERS_RECORD=0    a trial: no entry in RESULTS.md, no plot
#   MXLB_PEERS_RESULTS     the results file (default bench/RESULTS.md)
#   MXLB_PEERS_WAIT_IDLE   seconds to wait for an idle machine before each
#                          system (default 60; 0: do not wait)
#   MXLB_PEERS_IDLE        idle share that counts as idle, % (default 75)
#   MXLB_PEERS_MXLBD_MAIN  where mxlbd's main lcore runs: server (default:
#                          on the server core, beside the worker) or client
#   MXLB_PEERS_AFXDP_ARGS  more net_af_xdp devargs (e.g. busy_budget=0)
#   MXLBD                  the mxlbd binary (default build/mxlbd)
set -euo pipefail

cd "$(dirname "$0")/../.."
ROOT=$PWD
HERE=bench/peers

DURATION=${MXLB_PEERS_DURATION:-10}
ROUNDS=${MXLB_PEERS_ROUNDS:-3}
RATE=${MXLB_PEERS_RATE:-10000}
KX_QPS=${MXLB_PEERS_KX_QPS:-1000000}
CLIENT_CPU=${MXLB_PEERS_CLIENT_CPU:-0}
SERVER_CPU=${MXLB_PEERS_SERVER_CPU:-1}
ALL_SYSTEMS=(mxlbd_afxdp mxlbd_afpacket knot_xdp knot_udp nsd)
read -r -a SYSTEMS <<<"${MXLB_PEERS_SYSTEMS:-${ALL_SYSTEMS[*]}}"
MXLBD=${MXLBD:-$ROOT/build/mxlbd}
AFXDP_ARGS=${MXLB_PEERS_AFXDP_ARGS:-}
WAIT_IDLE=${MXLB_PEERS_WAIT_IDLE:-60}
MXLBD_MAIN=${MXLB_PEERS_MXLBD_MAIN:-server}
IDLE=${MXLB_PEERS_IDLE:-75}
HZ=$(getconf CLK_TCK)

ZONE=$ROOT/examples/example.net.zone
QUERIES=$ROOT/$HERE/queries.txt
RESULTS=${MXLB_PEERS_RESULTS:-$ROOT/bench/RESULTS.md}
PLOT_GP=$ROOT/$HERE/peers.gp
PLOT_DAT=$ROOT/$HERE/peers.dat
PLOT_PNG=$ROOT/bench/peers.png

SERVICE=198.18.0.1
PACKAGES=(knot nsd dnsperf knot-dnsutils gnuplot-nox)

say() { echo "bench-peers: $*"; }
die() {
	echo "bench-peers: $*" >&2
	exit 1
}

# ------------------------------------------------------------ arguments

for v in DURATION ROUNDS RATE KX_QPS CLIENT_CPU SERVER_CPU WAIT_IDLE IDLE; do
	[[ "${!v}" =~ ^[0-9]+$ ]] || die "MXLB_PEERS_$v must be a whole number, not '${!v}'"
done
((DURATION > 0 && ROUNDS > 0 && RATE > 0 && KX_QPS > 0)) || die "durations, rounds and rates must be > 0"
((CLIENT_CPU != SERVER_CPU)) || die "client and server need different cores"
# mxlbd's lcores: worker lcore 1 on the server core; the main lcore 0 (the
# control ring, polled every 100 us) beside it, like knotd's and nsd's other
# threads, or on the client core.
case $MXLBD_MAIN in
server) MXLBD_LCORES=(--lcores "0@$SERVER_CPU,1@$SERVER_CPU" --main-lcore 0) ;;
client) MXLBD_LCORES=(-l "$CLIENT_CPU,$SERVER_CPU" --main-lcore "$CLIENT_CPU") ;;
*) die "MXLB_PEERS_MXLBD_MAIN must be server or client, not '$MXLBD_MAIN'" ;;
esac
for s in "${SYSTEMS[@]}"; do
	[[ " ${ALL_SYSTEMS[*]} " == *" $s "* ]] || die "unknown system '$s' (known: ${ALL_SYSTEMS[*]})"
done
((${#SYSTEMS[@]} > 0)) || die "no system to measure"
((EUID == 0)) || die "needs root (network namespaces, hugepages, XDP)"
[[ -x "$MXLBD" ]] || die "$MXLBD is missing; run make build"
[[ -r "$QUERIES" && -r "$ZONE" ]] || die "missing $QUERIES or $ZONE"
ncpu=$(nproc)
((CLIENT_CPU < ncpu && SERVER_CPU < ncpu)) || die "cores $CLIENT_CPU and $SERVER_CPU: this machine has $ncpu"

# --------------------------------------------------------------- packages

# knotd and nsd pids (comm "knotd", "nsd", "nsd: main", ...), one a line.
daemon_pids() {
	ps -eo pid=,comm= | awk '$2 == "knotd" || $2 ~ /^nsd/ { print $1 }' | sort -n
}

install_packages() {
	local -a missing=()
	local pkg before after pid
	for pkg in "${PACKAGES[@]}"; do
		if [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null)" != ii* ]]; then
			missing+=("$pkg")
		fi
	done
	((${#missing[@]} > 0)) || return 0
	say "installing ${missing[*]}"
	before=$(daemon_pids)
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
	# The packages ship knot.service and nsd.service; whatever the install
	# started is stopped again (only what was not running before).
	if [[ -d /run/systemd/system ]]; then
		for pkg in knot nsd; do
			if [[ " ${missing[*]} " == *" $pkg "* ]] && systemctl is-active -q "$pkg" 2>/dev/null; then
				say "stopping the $pkg service the install started"
				systemctl stop "$pkg" || true
			fi
		done
	fi
	after=$(daemon_pids)
	for pid in $(comm -13 <(echo "$before") <(echo "$after")); do
		say "stopping $(ps -o comm= -p "$pid" 2>/dev/null || echo ?) (pid $pid) started by the install"
		kill -TERM "$pid" 2>/dev/null || true
	done
}

install_packages
for c in knotd nsd dnsperf kxdpgun kdig gnuplot taskset; do
	command -v "$c" >/dev/null || die "$c not found after installing ${PACKAGES[*]}"
done
scripts/hugepages.sh

# ------------------------------------------------------------ the rig

CNS=mxpc$$ # client namespace (test host), its end $CNS-c
SNS=mxps$$ # server namespace, holding $CNS-d
CIF=$CNS-c
SIF=$CNS-d
PREFIX=mxpeers$$
TMP=$(mktemp -d /tmp/mxlb-peers.XXXXXX)
SRV_PID=
SRV_NAME=
SRV_KIDS=
CLI_PID=
RIG_UP=0

# Fields of /proc/PID/stat after "pid (comm) ", which may hold blanks
# (nsd's children are "nsd: server 1"): $1 is the state, $12 utime.
proc_stat() {
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	echo "${st##*) }"
}

pid_running() {
	local st
	st=$(proc_stat "$1") || return 1
	[[ -n "$st" && "${st%% *}" != Z ]]
}

pid_wait_gone() {
	local pid=$1 deadline=$((SECONDS + $2))
	while pid_running "$pid"; do
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}

# All descendants of pid $1 (nsd forks xfrd and its server children).
pid_descendants() {
	local kid
	for kid in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		echo "$kid"
		pid_descendants "$kid"
	done
}

xdp_off() {
	if [[ -e /run/netns/$SNS ]] && ip -n "$SNS" link show dev "$SIF" >/dev/null 2>&1; then
		ip -n "$SNS" link set dev "$SIF" xdp off 2>/dev/null || true
	fi
	if [[ -e /run/netns/$CNS ]] && ip -n "$CNS" link show dev "$CIF" >/dev/null 2>&1; then
		ip -n "$CNS" link set dev "$CIF" xdp off 2>/dev/null || true
	fi
}

# Stops the running server (SIGINT for mxlbd, SIGTERM for the others), by
# pid, and its descendants; SRV_RC gets its exit status (124: killed).
SRV_RC=
srv_stop() {
	local sig=TERM kid
	SRV_RC=
	[[ -n "$SRV_PID" ]] || return 0
	[[ "$SRV_NAME" == mxlbd_* ]] && sig=INT
	SRV_KIDS="$SRV_KIDS $(pid_descendants "$SRV_PID" | tr '\n' ' ')"
	kill -"$sig" "$SRV_PID" 2>/dev/null || true
	if pid_wait_gone "$SRV_PID" 15; then
		wait "$SRV_PID" 2>/dev/null && SRV_RC=0 || SRV_RC=$?
	else
		echo "bench-peers: $SRV_NAME (pid $SRV_PID) still running 15 s after SIG$sig; killing it" >&2
		kill -KILL "$SRV_PID" 2>/dev/null || true
		wait "$SRV_PID" 2>/dev/null || true
		SRV_RC=124
	fi
	for kid in $SRV_KIDS; do
		if ! pid_wait_gone "$kid" 5; then
			kill -KILL "$kid" 2>/dev/null || true
		fi
	done
	SRV_PID=
	SRV_KIDS=
	xdp_off
}

cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM HUP
	trap '' PIPE
	if [[ -n "$CLI_PID" ]]; then
		kill -TERM "$CLI_PID" 2>/dev/null
		pid_wait_gone "$CLI_PID" 5 || kill -KILL "$CLI_PID" 2>/dev/null
		wait "$CLI_PID" 2>/dev/null
	fi
	srv_stop 2>/dev/null
	xdp_off
	if ((RIG_UP)); then
		scripts/testhost.sh down "$CNS" >/dev/null 2>&1
		[[ -e /run/netns/$SNS ]] && ip netns del "$SNS"
	fi
	for f in /dev/hugepages/"$PREFIX"map_*; do
		[[ -e "$f" ]] && rm -f "$f"
	done
	rm -rf "/var/run/dpdk/$PREFIX"
	if [[ "${MXLB_PEERS_KEEP:-0}" == 1 || $rc != 0 ]]; then
		echo "bench-peers: logs and raw outputs kept in $TMP" >&2
	else
		rm -rf "$TMP"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

rig_up() {
	RIG_UP=1
	scripts/testhost.sh up "$CNS" >/dev/null
	ip netns add "$SNS"
	ip link set dev "$SIF" netns "$SNS"
	ip -n "$SNS" link set dev lo up
	ip netns exec "$SNS" sh -c "
		echo 1 >/proc/sys/net/ipv6/conf/$SIF/disable_ipv6
		echo 0 >/proc/sys/net/ipv4/conf/$SIF/forwarding
	"
	ip -n "$SNS" link set dev "$SIF" up
	SMAC=$(ip -n "$SNS" -br link show dev "$SIF" | awk '{ print $3 }')
}

# The server end as the system needs it: 198.18.0.1/24 and kernel ARP
# (kernel = 1), or no address and no ARP (kernel = 0: mxlbd on af_packet,
# which sees every frame beside the kernel and answers ARP itself).
srv_if() {
	ip -n "$SNS" addr flush dev "$SIF"
	if (($1)); then
		ip -n "$SNS" link set dev "$SIF" arp on
		ip -n "$SNS" addr add "$SERVICE/24" dev "$SIF"
	else
		ip -n "$SNS" link set dev "$SIF" arp off
	fi
	ip -n "$CNS" neigh flush dev "$CIF" 2>/dev/null || true
}

# Kernel UDP datagrams received in the server namespace (XDP systems must
# leave it unchanged: the answers come from the XSK, not a socket).
srv_udp_in() {
	ip netns exec "$SNS" awk '/^Udp:/ { n++; if (n == 2) print $2 }' /proc/net/snmp
}

# Drop counters of both veth ends, "srv_rx srv_tx cli_rx cli_tx" (where a
# frame is lost before any server sees it: the XDP ring of veth, ...).
veth_drops() {
	ip netns exec "$SNS" cat /sys/class/net/"$SIF"/statistics/{rx,tx}_dropped | tr '\n' ' '
	ip netns exec "$CNS" cat /sys/class/net/"$CIF"/statistics/{rx,tx}_dropped | tr '\n' ' '
}

# CPU ticks of the server's main thread (for mxlbd: the main lcore, which
# shares the client's core).
main_ticks() {
	local st
	st=$(cat "/proc/$SRV_PID/task/$SRV_PID/stat" 2>/dev/null) || {
		echo 0
		return
	}
	awk '{ print $12 + $13 }' <<<"${st##*) }"
}

# CPU ticks (user + system) of the server and its descendants so far.
srv_ticks() {
	local p t=0
	for p in $SRV_PID $(pid_descendants "$SRV_PID"); do
		t=$((t + $(proc_stat "$p" | awk '{ print $12 + $13 } END { if (NR == 0) print 0 }')))
	done
	echo "$t"
}

# Now, as seconds since the epoch with fractions.
now() { date +%s.%N; }

# Share of one core, in %, of TICKS1 - TICKS0 over T1 - T0 seconds.
cpu_pct() {
	awk -v a="$1" -v b="$2" -v t0="$3" -v t1="$4" -v hz="$HZ" \
		'BEGIN { printf "%.0f\n", (t1 > t0 ? 100 * (b - a) / hz / (t1 - t0) : 0) }'
}

# ---------------------------------------------------------- the servers

write_knot_conf() { # FILE DIR XDP(0|1)
	mkdir -p "$2"
	{
		cat <<EOF
server:
    rundir: "$2"
    listen: $SERVICE@53
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
EOF
		if (($3)); then
			cat <<EOF
xdp:
    listen: $SIF@53
    udp: on
    tcp: off
EOF
		fi
		cat <<EOF
log:
  - target: stderr
    any: info
database:
    storage: "$2"
template:
  - id: default
    storage: "$2"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    semantic-checks: off
zone:
  - domain: example.net
    file: "$ZONE"
EOF
	} >"$1"
}

write_nsd_conf() { # FILE DIR
	mkdir -p "$2"
	cat >"$1" <<EOF
server:
    ip-address: $SERVICE
    port: 53
    server-count: 1
    username: ""
    chroot: ""
    zonesdir: "$2"
    database: ""
    zonelistfile: "$2/zone.list"
    xfrdfile: "$2/xfrd.state"
    xfrdir: "$2"
    pidfile: "$2/nsd.pid"
    verbosity: 1
    tcp-count: 10
    # Debian's nsd is built with RRL on at 200 qps per prefix; a benchmark
    # from one client address would measure the limiter.
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
remote-control:
    control-enable: no
zone:
    name: "example.net"
    zonefile: "$ZONE"
EOF
	nsd-checkconf "$1"
}

# Runs CMD... in the server namespace in the background, with a private
# bpffs at /sys/fs/bpf; SRV_PID is CMD's pid (ip and sh exec into it).
srv_launch() {
	local log=$1
	shift
	ip netns exec "$SNS" sh -c 'mount -t bpf bpf /sys/fs/bpf || exit 97; exec "$@"' sh "$@" \
		>"$log" 2>&1 &
	SRV_PID=$!
}

# Waits until the server answers the MX query from the client namespace.
srv_wait_answer() {
	local deadline=$((SECONDS + 30))
	while ! ip netns exec "$CNS" kdig "@$SERVICE" +retry=0 +timeout=1 example.net MX 2>/dev/null |
		grep -q 'status: NOERROR'; do
		if ! pid_running "$SRV_PID"; then
			echo "bench-peers: $SRV_NAME exited before it answered; its output:" >&2
			sed 's/^/    | /' "$1" >&2
			return 1
		fi
		if ((SECONDS >= deadline)); then
			echo "bench-peers: $SRV_NAME does not answer after 30 s; its output:" >&2
			sed 's/^/    | /' "$1" >&2
			return 1
		fi
		sleep 0.2
	done
}

srv_start() { # SYSTEM ROUND
	local sys=$1 dir=$TMP/$1.$2 log vdev
	mkdir -p "$dir"
	log=$dir/server.log
	SRV_NAME=$sys
	SRV_LOG=$log
	case $sys in
	mxlbd_afxdp | mxlbd_afpacket)
		if [[ $sys == mxlbd_afxdp ]]; then
			srv_if 1
			vdev="net_af_xdp0,iface=$SIF,start_queue=0,queue_count=1${AFXDP_ARGS:+,$AFXDP_ARGS}"
		else
			srv_if 0
			vdev="net_af_packet0,iface=$SIF"
		fi
		MXLBD_CMD=("$MXLBD" "${MXLBD_LCORES[@]}" --no-pci
			"--vdev=$vdev" --file-prefix "$PREFIX" -- --zone "$ZONE" --ip "$SERVICE")
		srv_launch "$log" "${MXLBD_CMD[@]}"
		local deadline=$((SECONDS + 30))
		while ! grep -q '^mxlbd: ready' "$log" 2>/dev/null; do
			if ! pid_running "$SRV_PID" || ((SECONDS >= deadline)); then
				echo "bench-peers: $sys did not get ready; its output:" >&2
				sed 's/^/    | /' "$log" >&2
				return 1
			fi
			sleep 0.1
		done
		;;
	knot_xdp | knot_udp)
		srv_if 1
		write_knot_conf "$dir/knot.conf" "$dir/knot" "$([[ $sys == knot_xdp ]] && echo 1 || echo 0)"
		srv_launch "$log" taskset -c "$SERVER_CPU" knotd -c "$dir/knot.conf"
		;;
	nsd)
		srv_if 1
		write_nsd_conf "$dir/nsd.conf" "$dir/nsd"
		srv_launch "$log" taskset -c "$SERVER_CPU" nsd -d -c "$dir/nsd.conf"
		;;
	esac
	srv_wait_answer "$log"
	if [[ $sys == knot_xdp ]] && ! grep -q 'initialized XDP interface' "$log"; then
		echo "bench-peers: knotd did not set up XDP; its output:" >&2
		sed 's/^/    | /' "$log" >&2
		return 1
	fi
}

# One MX answer from the client namespace: checks it (NOERROR, AA, 5 MX)
# and prints its size in octets.
srv_check() {
	local out n
	out=$(ip netns exec "$CNS" kdig "@$SERVICE" +retry=0 +timeout=2 example.net MX 2>&1) || {
		echo "bench-peers: $SRV_NAME: kdig failed: $out" >&2
		return 1
	}
	n=$(awk '/^;; ANSWER SECTION:/ { a = 1; next } /^$/ { a = 0 } a && $4 == "MX" { n++ } END { print n + 0 }' <<<"$out")
	if ! grep -q 'status: NOERROR' <<<"$out" || ! grep -Eq '^;; Flags: qr aa' <<<"$out" || ((n != 5)); then
		echo "bench-peers: $SRV_NAME: unexpected MX answer:" >&2
		sed 's/^/    | /' <<<"$out" >&2
		return 1
	fi
	sed -n 's/^;; Received \([0-9]*\) B.*/\1/p' <<<"$out"
}

# ------------------------------------------------------------ the clients

# Runs CMD... in the client namespace, pinned to CLIENT_CPU, output to $1;
# in the background so that a signal reaches the cleanup at once.
cli_run() {
	local out=$1 rc=0
	shift
	ip netns exec "$CNS" taskset -c "$CLIENT_CPU" timeout -k 5 $((DURATION + 30)) "$@" >"$out" 2>&1 &
	CLI_PID=$!
	wait "$CLI_PID" || rc=$?
	CLI_PID=
	if ((rc != 0)); then
		echo "bench-peers: $SRV_NAME: client failed ($rc): $*" >&2
		sed 's/^/    | /' "$out" >&2
		return 1
	fi
}

# Field helpers over dnsperf's summary.
dp_qps() { awk '/Queries per second:/ { print $4 }' "$1"; }
dp_loss() { sed -n 's/.*Queries lost: *[0-9]* (\([0-9.]*\)%).*/\1/p' "$1"; }
dp_lat_ms() { awk '/Average Latency \(s\):/ { printf "%.3f\n", $4 * 1000 }' "$1"; }
dp_resp() { sed -n 's/.*Average packet size:.*response \([0-9]*\).*/\1/p' "$1"; }

# pN (N in 0..100) of the per-query latencies of dnsperf -v, in ms.
dp_pct() {
	awk '/^> [A-Z]+ / && $NF ~ /^[0-9]+\.[0-9]+$/ { print $NF * 1000 }' "$1" | sort -g |
		awk -v p="$2" '{ v[NR] = $1 } END {
			if (NR == 0) { print "nan"; exit }
			i = int(NR * p / 100 + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR
			printf "%.3f\n", v[i]
		}'
}

kx_field() { # FILE queries|replies -> "count pps"
	sed -n "s/^total $2: *\([0-9]*\) (\([0-9]*\) pps).*/\1 \2/p" "$1"
}

# ------------------------------------------------------------ one system

declare -A M=() # M[metric,system,round]

measure() { # SYSTEM ROUND
	local sys=$1 r=$2 dir=$TMP/$1.$2 size u0 u1 q rp rpps
	local -a d0 d1
	local c0 c1 t0 s0 s1 tk idle waited
	read -r idle waited <<<"$(wait_idle)"
	M[idle,$sys,$r]=$idle
	M[waited,$sys,$r]=$waited
	srv_start "$sys" "$r"
	size=$(srv_check)
	M[size,$sys,$r]=$size
	u0=$(srv_udp_in)
	read -r -a d0 <<<"$(veth_drops)"
	c0=$(main_ticks)
	t0=$(now)

	s0=$(srv_ticks)
	cli_run "$dir/dnsperf_max.out" dnsperf -s "$SERVICE" -d "$QUERIES" -l "$DURATION" -e \
		-T 1 -c 8 -q 200 -t 1
	M[qps,$sys,$r]=$(dp_qps "$dir/dnsperf_max.out")
	M[loss,$sys,$r]=$(dp_loss "$dir/dnsperf_max.out")
	M[satlat,$sys,$r]=$(dp_lat_ms "$dir/dnsperf_max.out")
	M[resp,$sys,$r]=$(dp_resp "$dir/dnsperf_max.out")
	s1=$(srv_ticks)
	M[cpu,$sys,$r]=$(cpu_pct "$s0" "$s1" "$t0" "$(now)")

	cli_run "$dir/dnsperf_rate.out" dnsperf -s "$SERVICE" -d "$QUERIES" -l "$DURATION" -e \
		-T 1 -c 8 -q 200 -t 1 -Q "$RATE" -v
	M[lat,$sys,$r]=$(dp_lat_ms "$dir/dnsperf_rate.out")
	M[p50,$sys,$r]=$(dp_pct "$dir/dnsperf_rate.out" 50)
	M[p99,$sys,$r]=$(dp_pct "$dir/dnsperf_rate.out" 99)
	M[rloss,$sys,$r]=$(dp_loss "$dir/dnsperf_rate.out")
	M[rqps,$sys,$r]=$(dp_qps "$dir/dnsperf_rate.out")
	gzip -f "$dir/dnsperf_rate.out"

	s0=$(srv_ticks)
	tk=$(now)
	cli_run "$dir/kxdpgun.out" kxdpgun -t "$DURATION" -Q "$KX_QPS" -i "$TMP/queries.kx" \
		-I "$CIF" -R "$SMAC" -F "$CLIENT_CPU" "$SERVICE"
	s1=$(srv_ticks)
	M[kxcpu,$sys,$r]=$(cpu_pct "$s0" "$s1" "$tk" "$(now)")
	# kxdpgun (like knotd) leaves its XDP program on the interface.
	ip -n "$CNS" link set dev "$CIF" xdp off
	read -r q _ <<<"$(kx_field "$dir/kxdpgun.out" queries)"
	read -r rp rpps <<<"$(kx_field "$dir/kxdpgun.out" replies)"
	[[ -n "$q" && -n "$rp" ]] || {
		echo "bench-peers: $sys: no totals in kxdpgun's output:" >&2
		sed 's/^/    | /' "$dir/kxdpgun.out" >&2
		return 1
	}
	M[kx,$sys,$r]=$rpps
	M[kxsent,$sys,$r]=$(awk -v q="$q" -v d="$DURATION" 'BEGIN { printf "%.0f\n", q / d }')
	M[kxloss,$sys,$r]=$(awk -v q="$q" -v r="$rp" 'BEGIN { printf "%.2f\n", (q > 0 ? 100 * (1 - r / q) : 100) }')

	u1=$(srv_udp_in)
	M[udpin,$sys,$r]=$((u1 - u0))
	c1=$(main_ticks)
	M[maincpu,$sys,$r]=$(cpu_pct "$c0" "$c1" "$t0" "$(now)")
	read -r -a d1 <<<"$(veth_drops)"
	M[vdrop,$sys,$r]="server end rx $((d1[0] - d0[0])) tx $((d1[1] - d0[1])), client end rx $((d1[2] - d0[2])) tx $((d1[3] - d0[3]))"
	srv_stop
	M[rc,$sys,$r]=$SRV_RC
	if [[ $sys == mxlbd_* ]]; then
		[[ "$SRV_RC" == 0 ]] || echo "bench-peers: $sys exited with status $SRV_RC (see $SRV_LOG)" >&2
		# Every counter but the ones a clean run has, with its total.
		M[mxdrop,$sys,$r]=$(awk '/^mxlbd: counters/ { c = 1; next } c && /^  [a-z]/ && $NF > 0 &&
			$1 !~ /^(rx|tx|dns_reply|arp_reply|queries|noerror|nxdomain)$/ { printf "%s%s=%s", s, $1, $NF; s = " " }' "$SRV_LOG")
		M[port,$sys,$r]=$(sed -n 's/^mxlbd: port 0 ([^)]*): //p' "$SRV_LOG")
	fi
	printf 'round %d %-14s idle %s %% | dnsperf %6.0f qps loss %s %% lat %s ms cpu %s %% | @%s qps avg %s p50 %s p99 %s ms | kxdpgun %s/%s pps loss %s %% cpu %s %% | %s B | kernel udp %s | veth drops: %s\n' \
		"$r" "$sys" "${M[idle,$sys,$r]}" "${M[qps,$sys,$r]}" "${M[loss,$sys,$r]}" "${M[satlat,$sys,$r]}" "${M[cpu,$sys,$r]}" "$RATE" \
		"${M[lat,$sys,$r]}" "${M[p50,$sys,$r]}" "${M[p99,$sys,$r]}" "${M[kx,$sys,$r]}" \
		"${M[kxsent,$sys,$r]}" "${M[kxloss,$sys,$r]}" "${M[kxcpu,$sys,$r]}" \
		"$size" "${M[udpin,$sys,$r]}" "${M[vdrop,$sys,$r]}" |
		tee -a "$TMP/rounds.txt" | sed 's/^/bench-peers: /'
}

# ------------------------------------------------------------------- run

# Idle share of the machine over one second, in % (whole number).
machine_idle() {
	top -b -n 2 -d 1 | awk '/^top -/ { n++ } n == 2 && /^%Cpu/ { sub(/.* ni, */, ""); printf "%.0f\n", $1; exit }'
}

# Waits up to WAIT_IDLE seconds for the machine to be IDLE % idle; prints
# the idle share seen last and the seconds waited.
wait_idle() {
	local t0=$SECONDS idle
	idle=$(machine_idle)
	while ((idle < IDLE && SECONDS - t0 < WAIT_IDLE)); do
		sleep 2
		idle=$(machine_idle)
	done
	echo "$idle $((SECONDS - t0))"
}

# Other processes above 10 % of a core over one second, "comm(pcpu)", and
# the idle share of the machine; none of ours runs while this looks.
busy_others() {
	top -b -n 2 -d 1 -w 200 | awk '
		/^top -/ { n++; next }
		n == 2 && /^%Cpu/ { sub(/.* ni, */, ""); idle = $1 }
		n == 2 && $1 ~ /^[0-9]+$/ && $9 + 0 >= 10 { printf "%s%s(%s%%)", s, $12, $9; s = ", " }
		END { printf "%sidle %s%%\n", (s ? "; " : ""), idle }'
}

sed 's/$/ E/' "$QUERIES" >"$TMP/queries.kx" # kxdpgun: E = with EDNS
# The binary as it is now: a rebuild during the run changes nothing.
cp "$MXLBD" "$TMP/mxlbd"
MXLBD_SRC=$MXLBD
MXLBD=$TMP/mxlbd
rig_up
say "rig: client $CNS ($CIF, 198.18.0.2, cpu $CLIENT_CPU), server $SNS ($SIF $SMAC, $SERVICE, cpu $SERVER_CPU)"
say "${#SYSTEMS[@]} systems x $ROUNDS rounds x 3 measurements of $DURATION s"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
busy0=$(busy_others)
t0=$SECONDS
for ((r = 1; r <= ROUNDS; r++)); do
	n=${#SYSTEMS[@]}
	for ((k = 0; k < n; k++)); do
		measure "${SYSTEMS[$(((k + r - 1) % n))]}" "$r"
	done
done
elapsed=$((SECONDS - t0))
load1=$(cut -d' ' -f1-3 /proc/loadavg)
busy1=$(busy_others)

# ---------------------------------------------------------------- figures

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END {
	if (NR == 0) { print "nan"; exit }
	if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
range() { # FORMAT
	tr ' ' '\n' | grep -v '^$' | sort -g |
		awk -v f="$1" 'NR == 1 { lo = $1 } { hi = $1 } END { printf f "-" f "\n", lo, hi }'
}

# med METRIC SYSTEM / rng METRIC SYSTEM: over the rounds.
vals() {
	local r
	for ((r = 1; r <= ROUNDS; r++)); do printf '%s ' "${M[$1,$2,$r]}"; done
}
med() { vals "$1" "$2" | median; }
rng() { vals "$1" "$2" | range "${3:-%.0f}"; }
fmt() { awk -v v="$1" -v f="$2" 'BEGIN { if (v == "nan") print v; else printf f "\n", v }'; }
# Median over the rounds of METRIC(A) / METRIC(B).
ratio() {
	local r out=
	for ((r = 1; r <= ROUNDS; r++)); do
		out+=$(awk -v a="${M[$1,$2,$r]}" -v b="${M[$1,$3,$r]}" 'BEGIN { if (b > 0) printf "%.4f ", a / b }')
	done
	fmt "$(median <<<"$out")" %.2f
}

declare -A F=()
for s in "${SYSTEMS[@]}"; do
	F[qps,$s]=$(fmt "$(med qps "$s")" %.0f)
	F[loss,$s]=$(fmt "$(med loss "$s")" %.2f)
	F[lat,$s]=$(fmt "$(med lat "$s")" %.3f)
	F[p50,$s]=$(fmt "$(med p50 "$s")" %.3f)
	F[p99,$s]=$(fmt "$(med p99 "$s")" %.3f)
	F[satlat,$s]=$(fmt "$(med satlat "$s")" %.3f)
	F[rloss,$s]=$(fmt "$(med rloss "$s")" %.2f)
	F[kx,$s]=$(fmt "$(med kx "$s")" %.0f)
	F[kxsent,$s]=$(fmt "$(med kxsent "$s")" %.0f)
	F[kxloss,$s]=$(fmt "$(med kxloss "$s")" %.2f)
	F[cpu,$s]=$(fmt "$(med cpu "$s")" %.0f)
	F[kxcpu,$s]=$(fmt "$(med kxcpu "$s")" %.0f)
	F[udpin,$s]=$(fmt "$(med udpin "$s")" %.0f)
	echo "BENCH peers_${s}_qps ${F[qps,$s]} qps"
	echo "BENCH peers_${s}_loss ${F[loss,$s]} %"
	echo "BENCH peers_${s}_lat_ms ${F[lat,$s]} ms"
	echo "BENCH peers_${s}_p50_ms ${F[p50,$s]} ms"
	echo "BENCH peers_${s}_p99_ms ${F[p99,$s]} ms"
	echo "BENCH peers_${s}_kxdpgun_qps ${F[kx,$s]} qps"
	echo "BENCH peers_${s}_kxdpgun_loss ${F[kxloss,$s]} %"
done
RATIO_LINES=
for mx in mxlbd_afxdp mxlbd_afpacket; do
	[[ " ${SYSTEMS[*]} " == *" $mx "* ]] || continue
	for p in knot_xdp knot_udp nsd; do
		[[ " ${SYSTEMS[*]} " == *" $p "* ]] || continue
		F[ratio,$mx,$p]=$(ratio qps "$mx" "$p")
		F[kxratio,$mx,$p]=$(ratio kx "$mx" "$p")
		echo "BENCH peers_ratio_${mx}_${p} ${F[ratio,$mx,$p]} ratio"
		echo "BENCH peers_kxdpgun_ratio_${mx}_${p} ${F[kxratio,$mx,$p]} ratio"
		RATIO_LINES+="  - $mx / $p: dnsperf ${F[ratio,$mx,$p]}, kxdpgun ${F[kxratio,$mx,$p]}"$'\n'
	done
done

if [[ "${MXLB_PEERS_RECORD:-1}" == 0 ]]; then
	say "trial run (MXLB_PEERS_RECORD=0): no plot, no entry in ${RESULTS#"$ROOT"/}"
	exit 0
fi

# ------------------------------------------------------------------ plot

{
	echo "# bench-peers $(date -u '+%Y-%m-%d %H:%M UTC'): medians over $ROUNDS rounds of $DURATION s"
	echo "# system dnsperf_qps kxdpgun_replies_per_s lat_avg_ms_at_${RATE}qps p50_ms p99_ms"
	for s in "${SYSTEMS[@]}"; do
		echo "$s ${F[qps,$s]} ${F[kx,$s]} ${F[lat,$s]} ${F[p50,$s]} ${F[p99,$s]}"
	done
} >"$PLOT_DAT"
if gnuplot -e "datafile='$PLOT_DAT'; outfile='$PLOT_PNG'; rate='$RATE'" "$PLOT_GP"; then
	say "plot: ${PLOT_PNG#"$ROOT"/}"
else
	echo "bench-peers: gnuplot failed; figures are in $PLOT_DAT" >&2
fi

# ---------------------------------------------------------------- RESULTS

commit=$(scripts/bench-commit.sh)
cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
dpdk=$(pkg-config --modversion libdpdk 2>/dev/null || echo unknown)
knotv=$(knotd --version 2>&1 | awk '{ print $NF; exit }')
nsdv=$(nsd -v 2>&1 | awk '/^NSD version/ { print $3; exit }')
dnsperfv=$(dnsperf -h 2>&1 | awk '/^Version/ { print $2; exit }')
kxv=$(kxdpgun -V 2>&1 | awk '{ print $NF; exit }')
mxlbd_sum=$(md5sum "$MXLBD" | cut -c1-12)
mxlbd_xdp=$(grep -ho 'dns_steer prog id [0-9]* in [a-z]* mode' "$TMP"/mxlbd_afxdp.*/server.log 2>/dev/null |
	head -n 1 | sed 's/ prog id [0-9]*//')
knot_mode=$(grep -ho 'initialized XDP interface [^ ]*, UDP port [0-9]*, queues [0-9]*, [a-z]* mode' \
	"$TMP"/knot_xdp.*/server.log 2>/dev/null | head -n 1 | sed 's/.*queues/queues/')

table() {
	local s
	echo "| system | dnsperf qps (range) | loss % | sat. avg ms | server cpu % | avg / p50 / p99 ms @ $RATE qps | kxdpgun replies/s of sent (range) | kx loss % | server cpu % | MX answer B | kernel UDP in |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
	for s in "${SYSTEMS[@]}"; do
		echo "| $s | ${F[qps,$s]} ($(rng qps "$s")) | ${F[loss,$s]} | ${F[satlat,$s]} | ${F[cpu,$s]} | ${F[lat,$s]} / ${F[p50,$s]} / ${F[p99,$s]} | ${F[kx,$s]} of ${F[kxsent,$s]} ($(rng kx "$s")) | ${F[kxloss,$s]} | ${F[kxcpu,$s]} | ${M[size,$s,1]} | ${F[udpin,$s]} |"
	done
}

mxlbd_notes() {
	local s r
	for s in mxlbd_afxdp mxlbd_afpacket; do
		[[ " ${SYSTEMS[*]} " == *" $s "* ]] || continue
		for ((r = 1; r <= ROUNDS; r++)); do
			echo "  - $s round $r: exit ${M[rc,$s,$r]}; main lcore ${M[maincpu,$s,$r]} % of a core;"
			echo "    ${M[port,$s,$r]}${M[mxdrop,$s,$r]:+; other counters: ${M[mxdrop,$s,$r]}}"
		done
	done
}

entry=$TMP/entry.md
cat >"$entry" <<EOF

## $(date -u '+%Y-%m-%d %H:%M UTC') — peers (make bench-peers)

- commit $commit (${MXLBD_SRC#"$ROOT"/} md5 $mxlbd_sum, $(date -u -r "$MXLBD_SRC" '+%H:%M UTC' 2>/dev/null || echo ?)); CPU ${cpu:-unknown}, $ncpu cores;
  kernel $(uname -r); DPDK $dpdk, Knot DNS $knotv, NSD $nsdv, dnsperf $dnsperfv,
  kxdpgun $kxv
- rig: client namespace (testhost.sh, 198.18.0.2) and server namespace
  joined by one veth pair; zone examples/example.net.zone; queries
  bench/peers/queries.txt (70 % MX pool hit, 10 % A pool, 10 % single A,
  10 % NXDOMAIN; EDNS); client pinned to cpu $CLIENT_CPU (taskset; kxdpgun
  -F $CLIENT_CPU), server to cpu $SERVER_CPU (mxlbd: ${MXLBD_LCORES[*]}, one
  worker; knotd and nsd under taskset, 1 UDP worker / server-count 1);
  mxlbd af_xdp: ${mxlbd_xdp:-default XDP program}; knot XDP: ${knot_mode:-?}${AFXDP_ARGS:+; af_xdp devargs +$AFXDP_ARGS}
- each of $ROUNDS rounds, each system ($DURATION s each): dnsperf -T 1 -c 8 -q 200
  -t 1 -e flat out; dnsperf at -Q $RATE -v (latency percentiles); kxdpgun
  -Q $KX_QPS (UDP, batch 10, one XDP thread). Medians over rounds (range in
  brackets); ratios are medians of per-round ratios. Before each system
  the run waited (at most $WAIT_IDLE s) for the machine to be $IDLE % idle:
  idle share at each start in the per-round lines. Total $elapsed s.
- load before $load0, after $load1; other busy processes before: ${busy0:-none};
  after: ${busy1:-none}
- server cpu %: user + system time of the server's processes over the
  phase, in % of one core (mxlbd busy-polls: its share is what the
  scheduler gave it); the kernel's half of a packet that runs in softirq on
  the sending core is not in it, and softirq work that interrupts a server
  thread is charged to it.

$(table)

- ratios mxlbd / peer (qps):
${RATIO_LINES%$'\n'}
- per round (dnsperf flat out | dnsperf at the fixed rate | kxdpgun replies/sent):

\`\`\`
$(cat "$TMP/rounds.txt")
\`\`\`
- mxlbd counters at exit:
$(mxlbd_notes)
- command: \`make bench-peers\` (bench/peers/run.sh; MXLB_PEERS_DURATION=$DURATION
  MXLB_PEERS_ROUNDS=$ROUNDS MXLB_PEERS_RATE=$RATE MXLB_PEERS_KX_QPS=$KX_QPS
  MXLB_PEERS_WAIT_IDLE=$WAIT_IDLE MXLB_PEERS_IDLE=$IDLE${AFXDP_ARGS:+ MXLB_PEERS_AFXDP_ARGS=$AFXDP_ARGS}); plot bench/peers.png
EOF
if [[ ! -f "$RESULTS" ]]; then
	printf '# Benchmark results\n\nOne dated entry per run, newest last.\n' >>"$RESULTS"
fi
{
	flock 9
	cat "$entry" >>"$RESULTS"
} 9>>"$RESULTS"
say "entry appended to ${RESULTS#"$ROOT"/}"
