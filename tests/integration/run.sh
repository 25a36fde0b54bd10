#!/usr/bin/env bash
# Runs the integration scenarios (tests/integration/*.test.sh, or the ones
# named as arguments, e.g. `run.sh basic`), each on its own test host, and
# prints PASS or FAIL for each and a closing "N passed, N failed" line.
# Exits non-zero when any scenario failed. Needs root.
#
#   MXLB_IT_TIMEOUT   seconds one scenario may take (default 300)
#   MXLB_IT_VERBOSE   1: print passed checks too, not only failed ones
#   MXLB_IT_QPS       dnsperf rate of the basic scenario (default 20000)
#   MXLB_IT_SECONDS   dnsperf duration of the basic scenario (default 5)
set -euo pipefail

cd "$(dirname "$0")/../.."
dir=tests/integration
limit=${MXLB_IT_TIMEOUT:-300}

if ((EUID != 0)); then
	echo "integration: needs root (network namespaces, hugepages, af_packet)" >&2
	exit 1
fi
if [[ ! -x build/mxlbd ]]; then
	echo "integration: build/mxlbd is missing; run make build" >&2
	exit 1
fi
scripts/hugepages.sh

# Test hosts and DPDK files left by scenarios that were killed outright
# (lib.sh names them after the scenario's pid: mxi<pid>, mxit<pid>).
while read -r ns _; do
	if [[ "$ns" =~ ^mxi([0-9]+)s?$ ]] && ! kill -0 "${BASH_REMATCH[1]}" 2>/dev/null; then
		echo "integration: removing stale test host $ns"
		scripts/testhost.sh down "$ns"
	fi
done < <(ip netns list)
for d in /var/run/dpdk/mxit*; do
	[[ -d "$d" ]] || continue
	pid=${d##*/mxit}
	if [[ "$pid" =~ ^[0-9]+$ ]] && ! kill -0 "$pid" 2>/dev/null; then
		rm -rf "$d"
		rm -f /dev/hugepages/mxit"$pid"map_*
	fi
done

scenarios=()
if (($# > 0)); then
	for name in "$@"; do
		name=${name%.test.sh}
		name=${name##*/}
		if [[ ! -f "$dir/$name.test.sh" ]]; then
			echo "integration: no scenario $dir/$name.test.sh" >&2
			exit 2
		fi
		scenarios+=("$dir/$name.test.sh")
	done
else
	for f in "$dir"/*.test.sh; do
		[[ -e "$f" ]] && scenarios+=("$f")
	done
fi
if ((${#scenarios[@]} == 0)); then
	echo "integration: no scenarios in $dir" >&2
	exit 1
fi

# Ctrl-C stops the run once the current scenario has cleaned up.
trap 'echo "integration: interrupted"; exit 130' INT TERM

passed=0
failed=0
failures=()
for t in "${scenarios[@]}"; do
	name=$(basename "$t" .test.sh)
	echo "--- $name"
	start=$SECONDS
	set +e
	timeout --kill-after=15 "$limit" bash "$t" </dev/null 2>&1 | sed -u 's/^/  /'
	rc=${PIPESTATUS[0]}
	set -e
	took=$((SECONDS - start))
	if ((rc == 0)); then
		passed=$((passed + 1))
		echo "PASS $name (${took}s)"
	else
		failed=$((failed + 1))
		failures+=("$name")
		if ((rc == 124)); then
			echo "FAIL $name (timed out after ${limit}s)"
		else
			echo "FAIL $name (exit $rc, ${took}s)"
		fi
	fi
done

if ((failed > 0)); then
	echo "failed: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
((failed == 0))
