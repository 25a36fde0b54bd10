#!/usr/bin/env bash
# Demo: mxlbd serving examples/example.net.zone on a test host, then a few
# queries from the test host's namespace so that the selected mail exchange
# (the one record at the lowest preference) is seen to move. Stays up until
# Ctrl-C; MXLB_DEMO_ONESHOT=1 exits after the queries. Needs root.
#
#   MXLB_DEMO_NAME      test host name (default mxdemo)
#   MXLB_DEMO_ONESHOT   1: stop after printing; exit status 1 unless every
#                       MX query was answered with a selected exchange
#   MXLBD               the mxlbd binary (default build/mxlbd)
set -euo pipefail

cd "$(dirname "$0")/.."

name=${MXLB_DEMO_NAME:-mxdemo}
oneshot=${MXLB_DEMO_ONESHOT:-0}
zone=examples/example.net.zone
service=198.18.0.1
prefix=mxlb-demo
ready_timeout=30

if ((EUID != 0)); then
	echo "demo: needs root (hugepages, network namespace, af_packet)" >&2
	exit 1
fi
mxlbd=${MXLBD:-build/mxlbd}
if [[ ! -x "$mxlbd" ]]; then
	echo "demo: $mxlbd is missing; run make build" >&2
	exit 1
fi

log=
pid=

# True while process $1 exists and is not a zombie.
pid_running() {
	local state
	[[ -r /proc/$1/stat ]] || return 1
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[[ -n "$state" && "$state" != Z ]]
}

# shellcheck disable=SC2317 # invoked by the traps
cleanup() {
	local rc=$? i
	# Finish the cleanup even when stdout is gone or a step fails.
	set +e
	trap - EXIT INT TERM HUP
	trap '' PIPE
	if [[ -n "$pid" ]] && pid_running "$pid"; then
		echo
		echo "demo: stopping mxlbd (pid $pid)"
		kill -INT "$pid" 2>/dev/null || true
		for ((i = 0; i < 150; i++)); do
			pid_running "$pid" || break
			sleep 0.1
		done
		if pid_running "$pid"; then
			echo "demo: mxlbd still running 15s after SIGINT; killing it" >&2
			kill -KILL "$pid" 2>/dev/null || true
		fi
		wait "$pid" 2>/dev/null || true
		# mxlbd's output since it became ready: the final counters.
		sed -n '/^mxlbd: ready/,$p' "$log" | tail -n +2
	fi
	scripts/testhost.sh down "$name" || true
	rm -f /dev/hugepages/"$prefix"map_* 2>/dev/null || true
	rm -rf "/var/run/dpdk/$prefix"
	[[ -z "$log" ]] || rm -f "$log"
	exit "$rc"
}
# A demo already running owns the test host and the prefix: leave it be.
if [[ -e /run/netns/$name ]]; then
	echo "demo: network namespace $name exists: a demo is already running." >&2
	echo "demo: stop it first (Ctrl-C in its terminal, or kill -TERM its demo.sh);" >&2
	echo "demo: if none runs, remove what a killed one left: scripts/testhost.sh down $name" >&2
	exit 1
fi
log=$(mktemp /tmp/mxlb-demo.XXXXXX.log)
trap cleanup EXIT
# Ctrl-C is the normal way to end the demo.
trap 'exit 0' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE

scripts/hugepages.sh
iface=$(scripts/testhost.sh up "$name")

cmd=("$mxlbd" -l 0-1 --no-pci "--vdev=net_af_packet0,iface=$iface" --file-prefix "$prefix"
	-- --zone "$zone" --ip "$service")
echo "demo: ${cmd[*]}"
# A session of its own: Ctrl-C reaches this script, which then stops mxlbd.
setsid "${cmd[@]}" >"$log" 2>&1 </dev/null &
pid=$!

deadline=$((SECONDS + ready_timeout))
while ! grep -q '^mxlbd: ready' "$log"; do
	if ! pid_running "$pid"; then
		echo "demo: mxlbd exited before it was ready; its output:" >&2
		sed 's/^/  | /' "$log" >&2
		pid=
		exit 1
	fi
	if ((SECONDS >= deadline)); then
		echo "demo: mxlbd not ready after ${ready_timeout}s; its output:" >&2
		sed 's/^/  | /' "$log" >&2
		exit 1
	fi
	sleep 0.1
done
echo "demo: mxlbd ready (pid $pid) on $iface, answering on $service"
echo

kdig_cmd=(ip netns exec "$name" kdig +noall +answer "@$service")

echo "Six MX queries for example.net: the exchange at preference 10 is the one"
echo "selected; the rest of its group is listed at 11, the fallback at 20."
unanswered=0
for i in 1 2 3 4 5 6; do
	echo
	out=$("${kdig_cmd[@]}" +retry=0 +timeout=2 example.net MX 2>&1) || true
	sel=$(awk '$4 == "MX" && $5 == 10 { print $6 }' <<<"$out")
	if [[ $(grep -c . <<<"$sel") != 1 ]]; then
		unanswered=$((unanswered + 1))
		sel="none: no single exchange at preference 10"
	fi
	echo "query $i: selected $sel"
	printf '%s\n' "$out" | sed 's/^/  /'
done

echo
echo "Two A queries for www.example.net: the pool is rotated, the selected first."
for i in 1 2; do
	echo
	out=$("${kdig_cmd[@]}" +retry=0 +timeout=2 www.example.net A 2>&1) || true
	printf '%s\n' "$out" | sed 's/^/  /'
done

echo
echo "Query it yourself (as root), for example:"
echo "  ${kdig_cmd[*]} example.net MX"
echo "  ip netns exec $name kdig @$service _imaps._tcp.example.net SRV"
echo "and change its pools with mxlbctl (README.md, mxlbctl), for example:"
echo "  build/mxlbctl -p $prefix pools"
echo "  build/mxlbctl -p $prefix drain mx2.example.net"

if [[ "$oneshot" == 1 ]]; then
	if ((unanswered > 0)); then
		echo "demo: $unanswered of 6 MX answers had no selected exchange" >&2
		exit 1
	fi
	exit 0
fi

echo
echo "demo: mxlbd stays up; Ctrl-C stops it and removes the test host."
while pid_running "$pid"; do
	sleep 1
done
echo "demo: mxlbd exited by itself; its output:" >&2
sed 's/^/  | /' "$log" >&2
pid=
exit 1
