#!/usr/bin/env bash
# Change latency (make bench-ctl): how long from an mxlbctl call to the first
# answer that shows the change. mxlbd (one worker, --journal) serves
# bench.zone on a test host; querier.py sends MX queries back to back from
# the namespace and stamps every change of state of mx-bench (drained or up)
# it sees; driver.py drains and undrains mx-bench through mxlbctl, stamping
# CLOCK_MONOTONIC just before each call. Both stamps come from the same
# clock on the same machine, so latency = first answer - call.
#
# Prints BENCH lines (p50, p99, mxlbctl's process time) and appends a dated
# entry to bench/RESULTS.md. Needs root.
#
#   MXLB_BENCH_CHANGES   changes to time (default 200)
#   MXLBCTL              the mxlbctl binary (default build/mxlbctl)
set -euo pipefail

cd "$(dirname "$0")/../.."
changes=${MXLB_BENCH_CHANGES:-200}
results=bench/RESULTS.md

if ((EUID != 0)); then
	echo "bench-ctl: needs root (network namespaces, hugepages, af_packet)" >&2
	exit 1
fi
MXLBCTL=${MXLBCTL:-$PWD/build/mxlbctl}
for b in build/mxlbd "$MXLBCTL"; do
	if [[ ! -x "$b" ]]; then
		echo "bench-ctl: $b is missing; run make build" >&2
		exit 1
	fi
done
scripts/hugepages.sh

# The integration helpers: test host, mxlbd by pid, cleanup on any exit.
# shellcheck source=tests/integration/lib.sh
source tests/integration/lib.sh

here=bench/ctl-latency
# Load of the machine before this run adds its own: other work skews it.
read -r l1 l5 l15 _ </proc/loadavg
host=mx-bench.bench.example.
mx_start --zone "$here/bench.zone" --ip "$SERVICE_V4" --journal "$MX_TMP/journal"
echo "bench-ctl: mxlbd ready (pid $MX_PID, test host $MX_NS, one worker)"

out=$MX_TMP/results
python3 "$here/driver.py" --mxlbctl "$MXLBCTL" --prefix "$MX_PREFIX" --netns "$MX_NS" \
	--server "$SERVICE_V4" --name bench.example. --host "$host" --changes "$changes" \
	--journal-dir "$MX_TMP" --out "$out"

mx_stop
if [[ "$MX_RC" != 0 ]]; then
	echo "bench-ctl: mxlbd exited with status $MX_RC" >&2
	exit 1
fi

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
	commit+=" (modified)"
fi
cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
dpdk=$(pkg-config --modversion libdpdk 2>/dev/null || echo unknown)
if [[ ! -f "$results" ]]; then
	printf '# Benchmark results\n\nEntries appended by the bench targets (newest last).\n' >"$results"
fi
{
	# shellcheck disable=SC2016 # the backquotes are Markdown
	printf '\n## %s `make bench-ctl`\n\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	printf 'commit %s; %s, %s cores; DPDK %s; load average %s %s %s before the run\n\n' \
		"$commit" "${cpu:-unknown CPU}" "$(nproc)" "$dpdk" "$l1" "$l5" "$l15"
	echo '```'
	grep '^BENCH ' "$out"
	echo '```'
	echo
	sed -n 's/^note /- /p' "$out"
} >>"$results"
echo "bench-ctl: entry appended to $results"
