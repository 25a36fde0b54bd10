#!/usr/bin/env bash
# Appends a dated entry to bench/RESULTS.md: the command, the commit, the
# machine, and the BENCH lines given as arguments.
#   scripts/bench-record.sh "make bench-x" "BENCH a 1 unit" ...
set -euo pipefail
cd "$(dirname "$0")/.."

cmd=$1
shift
commit=$(scripts/bench-commit.sh)
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
{
	echo
	echo "## $(date -u +%Y-%m-%dT%H:%M:%SZ) \`$cmd\`"
	echo
	echo "commit $commit; $cpu, $(nproc) cores; DPDK $(pkg-config --modversion libdpdk 2>/dev/null || echo '?'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
	echo
	echo '```'
	printf '%s\n' "$@"
	echo '```'
} >>bench/RESULTS.md
