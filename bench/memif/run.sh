#!/usr/bin/env bash
# Packet-path benchmark over net_memif (make bench-memif): build/mxgen, a DPDK
# query generator on core 0, sends the queries of queries.txt (MX pool hits,
# a few A and NXDOMAIN, all with EDNS) to
#   1. build/mxlb-echo on core 1, which swaps MAC addresses and sends every
#      frame back: the ceiling of the rig;
#   2. build/mxlbd with one worker on core 1 (its main lcore shares core 0
#      with the generator; it sleeps 100 us between polls of the control
#      ring), serving examples/example.net.zone on 198.18.0.1,
# with the same parameters, in rounds of one after the other (the fastest
# round of each is reported), all in a network namespace of their own.
# mxgen is the memif server, the peer the client. It checks every answer (every query back, for the
# echo), measures the throughput at full speed, then the latency at
# MXLB_BENCH_LOAD of the throughput just measured, a load sustained without
# loss.
#
# Prints BENCH lines, appends a dated entry to bench/RESULTS.md, and writes
# the latency distributions to bench/memif-latency.dat and their plot to
# bench/memif-latency.png (gnuplot). Needs root (hugepages).
#
#   MXLB_BENCH_DURATION  measured seconds of each phase (default 10)
#   MXLB_BENCH_WARMUP    unmeasured seconds before each phase (default 2)
#   MXLB_BENCH_LOAD      latency phase load, fraction of the throughput (0.5)
#   MXLB_BENCH_FLOWS     source address/port pairs (256)
#   MXLB_BENCH_ROUNDS    rounds of echo then mxlbd; each system's fastest is
#                        reported (default 5: the host of this VM makes rounds vary by up to 2x)
#   MXLB_BENCH_IDLE_CONTROL  0: leave the control threads of mxlbd, the echo
#                        and mxgen at normal priority (default 1: SCHED_IDLE,
#                        see demote_others)
#   MXLB_BENCH_ZEROCOPY  1: the clients (echo, mxlbd) use memif zero-copy
#                        (zero-copy=yes, EAL --single-file-segments); default 0
#   MXLB_BENCH_WAIT_IDLE seconds to wait, before each phase, for the machine to
#                        be MXLB_BENCH_IDLE % idle (default 30; as bench-peers)
#   MXLB_BENCH_IDLE      idle share that counts as idle, % (default 75)
#   MXLB_BENCH_NOTE      one line of text added to the RESULTS.md entry
#   MXLB_BENCH_RESULTS   the results file (default bench/RESULTS.md)
set -euo pipefail

cd "$(dirname "$0")/../.."
here=bench/memif
results=${MXLB_BENCH_RESULTS:-bench/RESULTS.md}
datfile=bench/memif-latency.dat
pngfile=bench/memif-latency.png
duration=${MXLB_BENCH_DURATION:-10}
warmup=${MXLB_BENCH_WARMUP:-2}
load=${MXLB_BENCH_LOAD:-0.5}
flows=${MXLB_BENCH_FLOWS:-256}
rounds=${MXLB_BENCH_ROUNDS:-5}
idle_control=${MXLB_BENCH_IDLE_CONTROL:-1}
wait_idle_s=${MXLB_BENCH_WAIT_IDLE:-30}
idle_pct=${MXLB_BENCH_IDLE:-75}
zone=examples/example.net.zone
queries=$here/queries.txt
server_ip=198.18.0.1
zerocopy=${MXLB_BENCH_ZEROCOPY:-0}
client_vdev=""
client_eal=()
memif_mode="copy mode"
if [[ "$zerocopy" == 1 ]]; then
	client_vdev=",zero-copy=yes"
	client_eal=(--single-file-segments) # not with --huge-unlink
	memif_mode="zero-copy clients"
fi

# Core placement (a 2-core machine): the generator alone on lcore 0; the
# echo, and mxlbd's one worker, on lcore 1. mxlbd's main lcore is lcore 0
# too: it only polls the control ring, sleeping 100 us in between.
gen_lcores=0
echo_lcores=1
mxlbd_lcores=0-1
gen_mac=02:00:00:00:00:02
echo_mac=02:00:00:00:00:ec
mxlbd_mac=02:00:00:00:00:01

if ((EUID != 0)); then
	echo "bench-memif: needs root (hugepages)" >&2
	exit 1
fi
for b in build/mxgen build/mxlb-echo build/mxlbd; do
	if [[ ! -x "$b" ]]; then
		echo "bench-memif: $b is missing; run make bench-memif" >&2
		exit 1
	fi
done
scripts/hugepages.sh
if ! command -v gnuplot >/dev/null 2>&1; then
	echo "bench-memif: installing gnuplot-nox for the plot"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends gnuplot-nox \
		>/dev/null || echo "bench-memif: gnuplot-nox did not install; no plot" >&2
fi

# mxlbd's exception path makes a tap interface and a TCP listener on the
# service address: in a network namespace of their own they clash with
# nothing else on the machine (other tests' mxlbd on 198.18.0.1), and the
# memif sockets (abstract, so per namespace) are private too.
if [[ -z "${MXLB_BENCH_IN_NETNS:-}" ]]; then
	exec env MXLB_BENCH_IN_NETNS=1 unshare --net -- bash "$here/run.sh"
fi
ip link set lo up

tmp=$(mktemp -d /tmp/mxlb-bench-memif.XXXXXX)
tag=mxb$$
sock=/run/mxlb-bench-$$
pids=()

# Stops what this script started, by pid: SIGINT, then SIGKILL after 15 s.
stop_pid() {
	local pid=$1 i
	kill -INT "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 150; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

# Drops $1 from pids once it has been waited for (its number may be reused).
forget_pid() {
	local p rest=()
	for p in "${pids[@]}"; do
		if [[ "$p" != "$1" ]]; then
			rest+=("$p")
		fi
	done
	pids=("${rest[@]}")
}

cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		stop_pid "$pid"
	done
	# Sockets are abstract (memif's default): nothing on disk, unless a
	# memif version without abstract sockets made them files.
	rm -f "$sock"-*.sock
	rm -rf "$tmp" /var/run/dpdk/"$tag"-*
	rm -f /dev/hugepages/"$tag"-*
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits up to $2 seconds for the text $3 in the file $1; fails when the
# process $4 exits first.
wait_for() {
	local file=$1 secs=$2 text=$3 pid=$4 i
	for ((i = 0; i < secs * 10; i++)); do
		grep -q -- "$text" "$file" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# Idle share of the machine over one second, in % (/proc/stat).
machine_idle() {
	local a b
	a=$(awk '/^cpu / { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9; exit }' /proc/stat)
	sleep 1
	b=$(awk '/^cpu / { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9; exit }' /proc/stat)
	awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " ")
		t = y[2] - x[2]; printf "%.0f\n", (t > 0 ? 100 * (y[1] - x[1]) / t : 0) }'
}

# Waits up to wait_idle_s seconds for the machine to be idle_pct % idle;
# prints the idle share seen last.
wait_idle() {
	local t0=$SECONDS idle
	idle=$(machine_idle)
	while ((idle < idle_pct && SECONDS - t0 < wait_idle_s)); do
		sleep 1
		idle=$(machine_idle)
	done
	echo "$idle"
}

# Puts every thread of process $1 but the one named $2 in SCHED_IDLE: the
# control threads (mxlbd's main lcore, its exception and TCP services, the
# EAL interrupt threads) share core 0 with the generator on this rig and,
# waking every 100 us, would preempt it thousands of times a second; on a
# real host they have a core of their own. Returns how many it demoted.
demote_others() {
	local pid=$1 keep=$2 t n=0
	for t in /proc/"$pid"/task/*; do
		[[ "$(cat "$t/comm" 2>/dev/null)" == "$keep" ]] && continue
		chrt --idle -p 0 "$(basename "$t")" >/dev/null 2>&1 && n=$((n + 1))
	done
	echo "$n"
}

# Back to SCHED_OTHER, every thread of process $1: before it is stopped, so
# that its shutdown (on the main thread) does not wait for an idle core.
promote_all() {
	local t
	for t in /proc/"$1"/task/*; do
		chrt --other -p 0 "$(basename "$t")" >/dev/null 2>&1 || true
	done
}

# TID of the thread named $2 in process $1 (the first when several).
thread_of() {
	local t
	for t in /proc/"$1"/task/*; do
		if [[ "$(cat "$t/comm" 2>/dev/null)" == "$2" ]]; then
			basename "$t"
			return 0
		fi
	done
	return 1
}

declare -A R=()

# Whether the latency phase of round $1 ran at a load its peer sustained:
# at least 90% of the offered rate went out, and the generator found the
# peer's ring full in under half of its bursts (a full ring means a standing
# queue: the peer had fallen behind, as a busy machine makes it now and then).
sustained() {
	awk -v s="${R[$1.lat_samples]:-0}" -v a="${R[$1.lat_sent_pps]:-0}" \
		-v o="${R[$1.lat_offered_pps]:-0}" -v f="${R[$1.lat_port_full_pct]:-100}" \
		'BEGIN { exit !(s > 0 && o > 0 && a >= 0.9 * o && f < 50) }'
}

# Whether the throughput phase of round $1 had the rig to itself: the
# generator and the peer each ran at least 90% of the time (schedstat), so
# other work on the machine did not take their cores.
undisturbed() {
	awk -v g="${R[$1.tput_gen_core_pct]:-0}" -v p="${R[$1.tput_peer_core_pct]:-0}" \
		'BEGIN { exit !(g >= 90 && p >= 90) }'
}

# "Mpps (p50/p99 us, idle %)" of round $1: the throughput marked ! when
# disturbed, the latency * when not at a sustained load; the machine's idle
# share just before the phase.
round_text() {
	if [[ -z "${R[$1.tput_pps]:-}" ]]; then
		printf 'failed'
		return 0
	fi
	awk -v v="${R[$1.tput_pps]:-0}" 'BEGIN { printf "%.3f", v / 1e6 }'
	undisturbed "$1" || printf '!'
	awk -v a="${R[$1.lat_p50_us]:-0}" -v b="${R[$1.lat_p99_us]:-0}" \
		'BEGIN { printf " (%.2f/%.2f", a, b }'
	sustained "$1" || printf '*'
	printf ', idle %s%%)' "${R[$1.idle]:-?}"
}

# Of the rounds of system $1, the one that the test $2 accepts with the
# largest (or, with $4 = min, smallest) figure $3; with none accepted, the
# best of all, and a warning.
pick_round() {
	local sys=$1 test=$2 key=$3 how=${4:-max} n pick="" pass
	for pass in 1 2; do
		for ((round = 1; round <= rounds; round++)); do
			n=$sys-$round
			[[ -n "${R[$n.tput_pps]:-}" ]] || continue # the round failed
			# A latency phase without answers has no latency to offer.
			if [[ "$key" == lat_* ]] && ! awk -v s="${R[$n.lat_samples]:-0}" \
				'BEGIN { exit !(s > 0) }'; then
				continue
			fi
			if ((pass == 1)) && ! "$test" "$n"; then
				continue
			fi
			if [[ -z "$pick" ]] || awk -v a="${R[$n.$key]}" -v b="${R[$pick.$key]}" \
				-v how="$how" 'BEGIN { exit !(how == "max" ? a > b : a < b) }'; then
				pick=$n
			fi
		done
		[[ -n "$pick" ]] && break
		echo "bench-memif: warning: no round of $sys passes $test; taking the best of all" >&2
	done
	echo "$pick"
}

# One phase: mxgen against the peer that the command after $2 starts ($1
# names the phase, echo-N or mxlbd-N; $2 is the name of the peer's packet
# thread). Results go to R[$1.key].
run_phase() {
	local name=$1 peer_thread=$2
	shift 2
	local gen_out=$tmp/gen-$name.out peer_out=$tmp/peer-$name.out
	local gen_args=(--queries "$queries" --server "$server_ip" --duration "$duration"
		--warmup "$warmup" --latency-load "$load" --flows "$flows"
		--hist "$tmp/hist-$name.dat" --label "$name" --linger 10
		--peer-schedstat "$tmp/peer-sched-$name")
	local gen_pid peer_pid gen_rc=0 peer_rc=0 tid="" k v demoted=""

	[[ "$name" == echo* ]] && gen_args+=(--echo --peer-mac "$echo_mac")
	R[$name.idle]=$(wait_idle)
	# Each process in a session of its own: with autogroup scheduling the
	# processes of one session share one group's weight on a shared machine.
	setsid build/mxgen -l "$gen_lcores" --no-pci --in-memory --no-telemetry \
		"--vdev=net_memif0,role=server,socket=$sock-$name.sock,mac=$gen_mac" \
		-- "${gen_args[@]}" >"$gen_out" 2>&1 &
	gen_pid=$!
	pids+=("$gen_pid")
	if ! wait_for "$gen_out" 20 "waiting for the peer" "$gen_pid"; then
		echo "bench-memif: mxgen did not start:" >&2
		cat "$gen_out" >&2
		return 1
	fi
	setsid "$@" >"$peer_out" 2>&1 &
	peer_pid=$!
	pids+=("$peer_pid")
	# mxgen says "done" once it no longer polls the port; only then may
	# the peer leave (DPDK 22.11's memif unmaps the rings of a peer that
	# leaves under a queue being polled), so the peer is stopped first.
	# Meanwhile: the peer's packet thread, for mxgen to read its CPU time,
	# and the control threads out of the generator's way.
	while kill -0 "$gen_pid" 2>/dev/null && ! grep -q '^mxgen: done' "$gen_out"; do
		if [[ -z "$tid" ]] && tid=$(thread_of "$peer_pid" "$peer_thread"); then
			ln -sf "/proc/$peer_pid/task/$tid/schedstat" "$tmp/peer-sched-$name"
		fi
		if [[ -z "$demoted" && "$idle_control" == 1 ]] &&
			grep -q -E '^(mxlbd|mxlb-echo): ready' "$peer_out"; then
			demoted=$(demote_others "$peer_pid" "$peer_thread")
			demoted+="+$(demote_others "$gen_pid" mxgen)"
		fi
		if [[ "$name" == mxlbd* && ! -s "$tmp/top-mxlbd.txt" ]] &&
			grep -q '^mxgen: throughput' "$gen_out"; then
			top -b -n 1 -w 200 | sed -n '8,16p' >"$tmp/top-mxlbd.txt" 2>/dev/null || true
		fi
		if ! kill -0 "$peer_pid" 2>/dev/null; then
			stop_pid "$gen_pid" # the peer is gone: no point waiting for it
			break
		fi
		sleep 0.2
	done
	# What the peer's packet thread is doing (a thread that neither ran nor
	# waited for a core in a phase was blocked in the kernel: worth a look).
	if [[ -n "$tid" && -r "/proc/$peer_pid/task/$tid/stat" ]]; then
		echo "bench-memif: $name: peer thread $tid: state" \
			"$(awk '{ print $3 }' "/proc/$peer_pid/task/$tid/stat")," \
			"wchan $(cat "/proc/$peer_pid/task/$tid/wchan" 2>/dev/null)" >>"$tmp/threads-$name"
		cat "/proc/$peer_pid/task/$tid/stack" >>"$tmp/threads-$name" 2>/dev/null || true
	fi
	if kill -0 "$peer_pid" 2>/dev/null; then
		if [[ -n "$demoted" ]]; then
			promote_all "$peer_pid"
			promote_all "$gen_pid"
		fi
		stop_pid "$peer_pid"
	fi
	wait "$peer_pid" || peer_rc=$?
	wait "$gen_pid" || gen_rc=$?
	forget_pid "$peer_pid"
	forget_pid "$gen_pid"
	sed 's/^/  mxgen: /; s/^  mxgen: mxgen: /  mxgen: /' "$gen_out" | grep -v '^  mxgen: EAL:' |
		grep -v 'mxgen-result' | grep -v 'mp action callback' || true
	# The peer's own lines, and of mxlbd's counter table the rows not zero.
	awk '/^(mxlbd|mxlb-echo):/ { print "  " $0; table = /counters$/; next }
		table && NF >= 2 && $NF != "0" { print "  " $0 }' "$peer_out" || true
	head -n 1 "$tmp/threads-$name" 2>/dev/null || true
	if ((gen_rc == 2)); then
		echo "bench-memif: $name: answers failed the checks (see above)" >&2
		return 1
	fi
	if ((gen_rc != 0)); then
		echo "bench-memif: $name: mxgen exited with status $gen_rc" >&2
		cat "$tmp/threads-$name" >&2 2>/dev/null || true
		cat "$peer_out" >&2
		return 1
	fi
	if ((peer_rc != 0)); then
		echo "bench-memif: $name: the peer exited with status $peer_rc" >&2
		cat "$peer_out" >&2
		return 1
	fi
	while read -r _ k v; do
		R[$name.$k]=$v
	done < <(grep '^mxgen-result ' "$gen_out")
	for k in tput_pps lat_offered_pps lat_sent_pps lat_samples lat_p50_us lat_p99_us \
		lat_p999_us lat_max_us lat_lost lat_port_full_pct tput_lost tput_port_full_pct; do
		if [[ -z "${R[$name.$k]:-}" ]]; then
			echo "bench-memif: $name: mxgen reported no $k" >&2
			return 1
		fi
	done
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench-memif: load average $load_before on $(nproc) cores before the run"

mxlbd_eal=("${client_eal[@]}")
if [[ "$zerocopy" != 1 ]]; then
	mxlbd_eal=(--huge-unlink) # no hugepage files left behind, even on a crash
fi

# Rounds of echo then mxlbd. The machine is shared: other work only ever
# slows a round down or adds latency, so each system is reported by its
# fastest round, and its latency by the round with the lowest p99 among
# those whose latency phase ran at a sustained load; every round is listed.
rounds_text=""
failed=()
for ((round = 1; round <= rounds; round++)); do
	echo "bench-memif: round $round/$rounds: mxgen (lcore $gen_lcores) -> mxlb-echo (lcore $echo_lcores)"
	run_phase "echo-$round" mxlb-echo \
		build/mxlb-echo -l "$echo_lcores" --no-pci --in-memory --no-telemetry "${client_eal[@]}" \
		"--vdev=net_memif0,role=client,socket=$sock-echo-$round.sock,mac=$echo_mac$client_vdev" -- ||
		failed+=("echo-$round")

	echo "bench-memif: round $round/$rounds: mxgen (lcore $gen_lcores) -> mxlbd (worker lcore 1, main lcore 0)"
	run_phase "mxlbd-$round" rte-worker-1 \
		build/mxlbd -l "$mxlbd_lcores" --no-pci --no-telemetry \
		--file-prefix "$tag-mxlbd-$round" "${mxlbd_eal[@]}" \
		"--vdev=net_memif0,role=client,socket=$sock-mxlbd-$round.sock,mac=$mxlbd_mac$client_vdev" \
		-- --zone "$zone" --ip "$server_ip" ||
		failed+=("mxlbd-$round")
	rounds_text+="${rounds_text:+; }$(round_text "echo-$round") / $(round_text "mxlbd-$round")"
done
for sys in echo mxlbd; do
	ok=0
	for ((round = 1; round <= rounds; round++)); do
		[[ -n "${R[$sys-$round.tput_pps]:-}" ]] && ok=1
	done
	if ((ok == 0)); then
		echo "bench-memif: every round of $sys failed (see above)" >&2
		exit 1
	fi
done
failed_text=""
if ((${#failed[@]} > 0)); then
	echo "bench-memif: warning: failed and left out: ${failed[*]}" >&2
	failed_text=$'\n'"- failed rounds, left out: ${failed[*]} (the run's output says why)"
fi
declare -A bestlat=()
# (pick_round runs in a subshell: its warnings are kept through a file.)
best_echo=$(pick_round echo undisturbed tput_pps max 2>>"$tmp/warnings")
best_mxlbd=$(pick_round mxlbd undisturbed tput_pps max 2>>"$tmp/warnings")
bestlat[echo]=$(pick_round echo sustained lat_p99_us min 2>>"$tmp/warnings")
bestlat[mxlbd]=$(pick_round mxlbd sustained lat_p99_us min 2>>"$tmp/warnings")
if [[ -s "$tmp/warnings" ]]; then
	cat "$tmp/warnings" >&2
fi
lat_note=$(sed -n 's/^bench-memif: warning: no round of \([a-z]*\) passes \([a-z]*\).*/\1 \2/p' \
	"$tmp/warnings" | paste -sd, -)
# The fastest rounds become R[echo.*] and R[mxlbd.*], their lat_* figures
# those of the rounds chosen for latency.
for k in "${!R[@]}"; do
	case "$k" in
	"$best_echo".*) R[echo.${k#*.}]=${R[$k]} ;;
	"$best_mxlbd".*) R[mxlbd.${k#*.}]=${R[$k]} ;;
	esac
done
for k in "${!R[@]}"; do
	case "$k" in
	"${bestlat[echo]}".lat_*) R[echo.${k#*.}]=${R[$k]} ;;
	"${bestlat[mxlbd]}".lat_*) R[mxlbd.${k#*.}]=${R[$k]} ;;
	esac
done
cp "$tmp/hist-${bestlat[echo]}.dat" "$tmp/hist-echo.dat"
cp "$tmp/hist-${bestlat[mxlbd]}.dat" "$tmp/hist-mxlbd.dat"
echo "bench-memif: per round, echo / mxlbd: Mpps (latency p50/p99 us, machine idle before);" \
	"! = disturbed (generator or peer ran < 90% of the time), * = load not sustained:" \
	"$rounds_text"
echo "bench-memif: reported: throughput of $best_echo and $best_mxlbd, latency of" \
	"${bestlat[echo]} and ${bestlat[mxlbd]}"

load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# The figures.
mpps() { awk -v v="$1" 'BEGIN { printf "%.3f", v / 1e6 }'; }
echo_mpps=$(mpps "${R[echo.tput_pps]}")
mxlbd_mpps=$(mpps "${R[mxlbd.tput_pps]}")
ratio=$(awk -v a="${R[mxlbd.tput_pps]}" -v b="${R[echo.tput_pps]}" 'BEGIN { printf "%.3f", a / b }')
p50=$(awk -v v="${R[mxlbd.lat_p50_us]}" 'BEGIN { printf "%.2f", v }')
p99=$(awk -v v="${R[mxlbd.lat_p99_us]}" 'BEGIN { printf "%.2f", v }')

echo "BENCH memif_echo_mpps $echo_mpps Mpps"
echo "BENCH memif_mxlbd_mpps $mxlbd_mpps Mpps"
echo "BENCH memif_ratio $ratio ratio"
echo "BENCH memif_p50_us $p50 us"
echo "BENCH memif_p99_us $p99 us"
# CPU time per answer of the peer's packet thread at full speed: what a
# packet costs it whatever share of its core the machine left it (an upper
# bound where the peer was not the bottleneck, i.e. the generator's TX ring
# was seldom full).
r() { echo "${R[$1]:-n/a}"; }
cpu_ratio=$(awk -v e="$(r echo.tput_peer_cpu_ns)" -v m="$(r mxlbd.tput_peer_cpu_ns)" \
	'BEGIN { if (e + 0 > 0 && m + 0 > 0) printf "%.3f", e / m; else print "n/a" }')
per_core() { awk -v n="$1" 'BEGIN { if (n + 0 > 0) printf "%.2f", 1000 / n; else print "n/a" }'; }
echo "bench-memif: CPU per answer at full speed: echo $(r echo.tput_peer_cpu_ns) ns" \
	"($(per_core "$(r echo.tput_peer_cpu_ns)") Mpps per core), mxlbd worker" \
	"$(r mxlbd.tput_peer_cpu_ns) ns ($(per_core "$(r mxlbd.tput_peer_cpu_ns)") Mpps per core)," \
	"ratio $cpu_ratio; generator $(r echo.tput_gen_cpu_ns) / $(r mxlbd.tput_gen_cpu_ns) ns"
echo "bench-memif: share of their core the machine left them at full speed: generator" \
	"$(r echo.tput_gen_core_pct)% / $(r mxlbd.tput_gen_core_pct)%, echo" \
	"$(r echo.tput_peer_core_pct)%, mxlbd worker $(r mxlbd.tput_peer_core_pct)%;" \
	"load average $load_after after the run"

# Latency distributions and their plot.
{
	echo "# bench-memif latency distributions, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "# index 0: mxlb-echo, index 1: mxlbd (one worker); each at $load x its own throughput"
	cat "$tmp/hist-echo.dat" "$tmp/hist-mxlbd.dat"
} >"$datfile"
if command -v gnuplot >/dev/null 2>&1; then
	# The body of the distributions: up to 4 x the larger p90.
	xmax=$(awk -v a="${R[echo.lat_p90_us]:-10}" -v b="${R[mxlbd.lat_p90_us]:-10}" \
		'BEGIN { m = a > b ? a : b; m *= 4; if (m < 5) m = 5; printf "%.1f", m }')
	gnuplot -e "datafile='$datfile'; outfile='$pngfile'; xmax=$xmax" \
		-e "echo_title='mxlb-echo at $(mpps "${R[echo.lat_offered_pps]}") Mpps'" \
		-e "mxlbd_title='mxlbd, 1 worker, at $(mpps "${R[mxlbd.lat_offered_pps]}") Mpps'" \
		"$here/latency.gp"
	echo "bench-memif: plot $pngfile, data $datfile"
else
	echo "bench-memif: no gnuplot: data in $datfile, no plot" >&2
fi

commit=$(scripts/bench-commit.sh)
cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
cores=$(nproc)
dpdk=$(pkg-config --modversion libdpdk 2>/dev/null || echo unknown)
others=$(awk '$NF != "mxgen" && $NF != "mxlbd" && $NF != "top" && $9 + 0 >= 5 {
	printf "%s%s %s%%", sep, $NF, $9; sep = ", " }' "$tmp/top-mxlbd.txt" 2>/dev/null || true)
if [[ ! -f "$results" ]]; then
	printf '# Benchmark results\n\nOne dated entry per run, newest last.\n' >"$results"
fi
quality=""
if grep -q 'passes undisturbed' "$tmp/warnings" 2>/dev/null; then
	quality=" — disturbed: no round had the rig to itself, figures not comparable"
	echo "bench-memif: warning: every round was disturbed by other work on the machine:" \
		"the figures say more about the machine than about mxlbd" >&2
fi
cat >>"$results" <<EOF

## $(date -u '+%Y-%m-%d %H:%M UTC') — memif (make bench-memif)$quality

- commit $commit; CPU ${cpu:-unknown}, $cores cores; DPDK $dpdk
- rig: build/mxgen on lcore $gen_lcores (memif server) against build/mxlb-echo on
  lcore $echo_lcores, then build/mxlbd -l $mxlbd_lcores (one worker on lcore 1,
  main lcore 0 shared with mxgen), net_memif $memif_mode, $flows flows,
  $(grep -cv '^#' "$queries") query lines of $queries with EDNS; every answer checked;
  ${duration} s measured after ${warmup} s warm-up per phase
- memif_echo_mpps $echo_mpps Mpps, memif_mxlbd_mpps $mxlbd_mpps Mpps, memif_ratio $ratio
  (goal >= 0.5): each the fastest of its undisturbed rounds ($best_echo, $best_mxlbd;
  undisturbed: generator and peer ran >= 90% of the time); latency from the
  round with the lowest p99 at a sustained load (${bestlat[echo]}, ${bestlat[mxlbd]})${lat_note:+;
  no round passed, best of all taken: $lat_note}. Each phase waited up to
  ${wait_idle_s} s for the machine to be ${idle_pct}% idle. Per round, echo / mxlbd: Mpps
  (latency p50/p99 us, idle share before), ! = disturbed, * = load not sustained:
  $rounds_text$failed_text
- latency at $load x each one's throughput, $(mpps "${R[echo.lat_offered_pps]}") Mpps (echo) and
  $(mpps "${R[mxlbd.lat_offered_pps]}") Mpps (mxlbd): mxlbd p50 $p50 us, p99 $p99 us, p99.9
  ${R[mxlbd.lat_p999_us]} us, max ${R[mxlbd.lat_max_us]} us (lost ${R[mxlbd.lat_lost]});
  echo p50 ${R[echo.lat_p50_us]} us, p99 ${R[echo.lat_p99_us]} us, p99.9 ${R[echo.lat_p999_us]} us
- generator TX ring full in ${R[echo.tput_port_full_pct]}% (echo) and ${R[mxlbd.tput_port_full_pct]}% (mxlbd) of
  bursts at full speed; lost at full speed: echo ${R[echo.tput_lost]}, mxlbd ${R[mxlbd.tput_lost]}
- CPU time per answer at full speed (schedstat of the packet threads): echo
  $(r echo.tput_peer_cpu_ns) ns, mxlbd worker $(r mxlbd.tput_peer_cpu_ns) ns: ratio $cpu_ratio,
  $(per_core "$(r mxlbd.tput_peer_cpu_ns)") Mpps per dedicated core; generator $(r echo.tput_gen_cpu_ns) / $(r mxlbd.tput_gen_cpu_ns) ns
- machine load: load average $load_before before, $load_after after; share of
  its core each had at full speed: generator $(r echo.tput_gen_core_pct)% / $(r mxlbd.tput_gen_core_pct)%,
  echo $(r echo.tput_peer_core_pct)%, mxlbd worker $(r mxlbd.tput_peer_core_pct)%${others:+; other busy processes: $others}
${MXLB_BENCH_NOTE:+- $MXLB_BENCH_NOTE
}- command: \`make bench-memif\` (MXLB_BENCH_DURATION=$duration MXLB_BENCH_WARMUP=$warmup
  MXLB_BENCH_LOAD=$load MXLB_BENCH_FLOWS=$flows MXLB_BENCH_ROUNDS=$rounds MXLB_BENCH_ZEROCOPY=$zerocopy
  MXLB_BENCH_IDLE_CONTROL=$idle_control MXLB_BENCH_WAIT_IDLE=$wait_idle_s
  MXLB_BENCH_IDLE=$idle_pct); plot
  bench/memif-latency.png
EOF
echo "bench-memif: entry appended to $results"
