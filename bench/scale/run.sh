#!/usr/bin/env bash
# make bench-scale: 1,000,000 mail domains sharing one pool of 8 exchanges and
# 1,000 domains with pools of their own. Load time, peak memory and random-name
# qps of the engine (build/scale), then the same zones in mxlbd on a net_null
# port: time to ready, peak RSS and hugepages in use, with its load progress.
set -euo pipefail
cd "$(dirname "$0")/../.."

domains=${MXLB_SCALE_DOMAINS:-1000000}
own=${MXLB_SCALE_OWN:-1000}
dir=build/scale-zones
mkdir -p "$dir"
if [[ ! -s $dir/mail.example.zone || ! -s $dir/.params || "$(cat "$dir/.params")" != "$domains $own" ]]; then
	echo "scale: generating $domains + $own mail domains into $dir"
	python3 bench/scale/gen.py "$dir" "$domains" "$own"
	echo "$domains $own" >"$dir/.params"
fi
zones=("$dir/isp.example.zone" "$dir/mail.example.zone")

results=()
while read -r line; do
	echo "$line"
	results+=("$line")
done < <(build/scale "$dir/names.txt" "${zones[@]}")

# mxlbd itself: a net_null port, so nothing leaves the machine.
scripts/hugepages.sh
prefix=mxlb-scale
log=$(mktemp /tmp/mxlb-scale.XXXXXX.log)
free_before=$(awk '/HugePages_Free/ { print $2 }' /proc/meminfo)
start=$(date +%s.%N)
build/mxlbd -l 0-1 --no-pci --vdev=net_null0 --file-prefix "$prefix" -- \
	--zone "${zones[0]}" --zone "${zones[1]}" --ip 198.18.0.1 >"$log" 2>&1 &
pid=$!
cleanup() {
	kill -INT "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -f "$log" /dev/hugepages/"$prefix"map_*
	rm -rf "/var/run/dpdk/$prefix"
}
trap cleanup EXIT
while ! grep -q '^mxlbd: ready' "$log"; do
	if ! kill -0 "$pid" 2>/dev/null; then
		cat "$log" >&2
		exit 1
	fi
	sleep 0.1
done
ready=$(date +%s.%N)
hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")
free_after=$(awk '/HugePages_Free/ { print $2 }' /proc/meminfo)
grep -E 'records read|pools serve' "$log" | sed 's/^/  mxlbd: /' || true
for line in "BENCH scale_mxlbd_ready_s $(awk -v a="$start" -v b="$ready" "BEGIN { printf \"%.2f\", b - a }") s" \
	"BENCH scale_mxlbd_peak_rss_mib $((hwm / 1024)) MiB" \
	"BENCH scale_mxlbd_hugepages_mib $(((free_before - free_after) * 2)) MiB"; do
	echo "$line"
	results+=("$line")
done
scripts/bench-record.sh "make bench-scale" "${results[@]}"
