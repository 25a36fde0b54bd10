#!/usr/bin/env bash
# make bench-micro: the engine alone on one core (and, as the mix "frame",
# the worker's frame path for an MX query: classification with software
# checksum checks, the engine, the reply with software checksums; no PMD).
# ns per query from the TSC
# (best of five runs of 2M queries), instructions per query from callgrind
# (the difference between runs of 20000 and 120000 queries, so that loading
# the zone cancels out).
set -euo pipefail
cd "$(dirname "$0")/../.."

bin=build/micro
zone=examples/example.net.zone
mixes=(mx a nxdomain nodata formerr frame)
out=$(mktemp -d /tmp/mxlb-micro.XXXXXX)
trap 'rm -rf "$out"' EXIT

results=()
while read -r line; do
	echo "$line"
	results+=("$line")
done < <(taskset -c 1 "$bin" "$zone" 2>/dev/null || "$bin" "$zone" 2>/dev/null)

# Instructions executed by N queries of MIX.
instr() {
	valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$bin" "$zone" --count "$1" "$2" \
		2>&1 | awk '/Collected/ { print $4 }'
}
for m in "${mixes[@]}"; do
	lo=$(instr "$m" 20000)
	hi=$(instr "$m" 120000)
	line="BENCH micro_${m}_instr $(((hi - lo) / 100000)) instr"
	echo "$line"
	results+=("$line")
done

scripts/bench-record.sh "make bench-micro" "${results[@]}"
