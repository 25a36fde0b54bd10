# Shared helpers of the integration scenarios; sourced by *.test.sh.
#
#   mx_start ARGS...    the scenario's test host (netns mxi<pid>) and mxlbd
#                       on it (ARGS go after `--`, --file-prefix mxit<pid>);
#                       waits for "mxlbd: ready"; sets MX_NS, MX_IF, MX_PID,
#                       MX_LOG, MX_PREFIX
#   mx_launch ARGS...   the same without waiting for ready
#   MX_SERVER_NS        1 (the default): mxlbd runs in a network namespace
#                       of its own, MX_SRV (mxi<pid>s), which holds the
#                       root-side end of the veth, so that what it sets up in
#                       the kernel (exception interface, service addresses,
#                       source rules, its TCP sockets) stays there and
#                       scenarios run side by side; `srv CMD` runs CMD in it.
#                       0 (set before sourcing): the root namespace
#   mx_wait_exit [S]    waits up to S seconds for mxlbd to exit by itself
#   mx_stop             SIGINT, wait; sets MX_RC to mxlbd's exit status
#   ns CMD...           runs CMD inside the test host's namespace
#   dnsq ARGS...        kdig from the namespace to the service address,
#                       output normalised (see dns_normalise)
#   drillq ARGS...      the same with drill
#   check_* / t_done    assertions that print expected and got
#
# A trap removes the test host and stops mxlbd (by pid) when the scenario
# exits, also on failure or signal. Needs root.
# shellcheck shell=bash

MXLB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MXLBD=${MXLBD:-$MXLB_ROOT/build/mxlbd}
# shellcheck disable=SC2034 # used by the scenarios
IT_DIR=$MXLB_ROOT/tests/integration
SERVICE_V4=198.18.0.1

# EAL -l list (ranges and commas). Worker lcores are all but the main one:
# 0-1 gives one worker; with more, the af_packet vdev gets qpairs=N.
MX_LCORES=${MX_LCORES:-0-1}
MX_READY_TIMEOUT=${MX_READY_TIMEOUT:-30}
MX_STOP_TIMEOUT=${MX_STOP_TIMEOUT:-15}

MX_NS=mxi$$
MX_SRV=${MX_NS}s
MX_SERVER_NS=${MX_SERVER_NS:-1}
MX_PREFIX=mxit$$
MX_IF=
MX_PID=
MX_RC=
MX_TMP=$(mktemp -d /tmp/mxlb-it.XXXXXX)
MX_LOG=$MX_TMP/mxlbd.log

T_CHECKS=0
T_FAILS=0

# ---------------------------------------------------------------- processes

# True while process $1 exists and is not a zombie.
pid_running() {
	local state
	[[ -r /proc/$1/stat ]] || return 1
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[[ -n "$state" && "$state" != Z ]]
}

# Waits up to $2 seconds for process $1 to end; false on time-out.
pid_wait_gone() {
	local pid=$1 deadline=$((SECONDS + $2))
	while pid_running "$pid"; do
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}

# Number of worker lcores that an EAL -l list gives (all but the main one).
lcore_workers() {
	local list=$1 n=0 part a b
	local -a parts
	IFS=, read -r -a parts <<<"$list"
	for part in "${parts[@]}"; do
		if [[ "$part" == *-* ]]; then
			a=${part%-*}
			b=${part#*-}
			n=$((n + b - a + 1))
		else
			n=$((n + 1))
		fi
	done
	echo $((n - 1))
}

# Moves the test host's root-side end MX_IF into the server namespace, with
# the settings testhost.sh gives it (a namespace starts with defaults).
mx_server_ns() {
	ip netns add "$MX_SRV"
	ip link set dev "$MX_IF" netns "$MX_SRV"
	ip netns exec "$MX_SRV" sh -c "
		echo 1 >/proc/sys/net/ipv6/conf/$MX_IF/disable_ipv6
		echo 0 >/proc/sys/net/ipv4/conf/$MX_IF/forwarding
		echo 1 >/proc/sys/net/ipv4/conf/$MX_IF/rp_filter
	"
	ip -n "$MX_SRV" link set dev lo up
	ip -n "$MX_SRV" link set dev "$MX_IF" arp off up
}

# Runs a command inside the server namespace.
srv() {
	ip netns exec "$MX_SRV" "$@"
}

# Creates the test host and starts mxlbd on it in the background.
mx_launch() {
	local workers vdev
	local -a run=()
	if [[ ! -x "$MXLBD" ]]; then
		echo "mxlbd not built: $MXLBD (run make build)" >&2
		return 1
	fi
	if ((MX_SERVER_NS)) && ip -n "$MX_SRV" link show dev "$MX_NS-d" >/dev/null 2>&1; then
		MX_IF=$MX_NS-d # a second start in the same scenario
	else
		MX_IF=$("$MXLB_ROOT/scripts/testhost.sh" up "$MX_NS")
		if ((MX_SERVER_NS)); then
			mx_server_ns
		fi
	fi
	if ((MX_SERVER_NS)); then
		# nsenter, unlike ip netns exec, keeps /sys (and /sys/fs/bpf).
		run=(nsenter "--net=/run/netns/$MX_SRV")
	fi
	workers=$(lcore_workers "$MX_LCORES")
	vdev="net_af_packet0,iface=$MX_IF"
	if ((workers > 1)); then
		vdev+=",qpairs=$workers"
	fi
	MX_CMD=("$MXLBD" -l "$MX_LCORES" --no-pci "--vdev=$vdev" --file-prefix "$MX_PREFIX" -- "$@")
	echo "+ ${run[*]}${run[*]:+ }${MX_CMD[*]}"
	# Emptied here, not by the background job's redirection, which may
	# run after mx_wait_ready has read the last run's "ready" line.
	: >"$MX_LOG"
	"${run[@]}" "${MX_CMD[@]}" >>"$MX_LOG" 2>&1 &
	MX_PID=$!
}

# Waits for "mxlbd: ready" in the log; on failure shows the log.
mx_wait_ready() {
	local deadline=$((SECONDS + MX_READY_TIMEOUT))
	while ! grep -qs '^mxlbd: ready' "$MX_LOG"; do
		if ! pid_running "$MX_PID"; then
			wait "$MX_PID" && MX_RC=0 || MX_RC=$?
			MX_PID=
			echo "mxlbd exited ($MX_RC) before it was ready; its output:" >&2
			sed 's/^/    | /' "$MX_LOG" >&2
			return 1
		fi
		if ((SECONDS >= deadline)); then
			echo "mxlbd not ready after ${MX_READY_TIMEOUT}s; its output:" >&2
			sed 's/^/    | /' "$MX_LOG" >&2
			return 1
		fi
		sleep 0.1
	done
}

mx_start() {
	mx_launch "$@"
	mx_wait_ready
}

# Stops mxlbd with SIGINT and waits for it; MX_RC gets its exit status
# (124 when it had to be killed).
mx_stop() {
	[[ -n "$MX_PID" ]] || return 0
	kill -INT "$MX_PID" 2>/dev/null || true
	if pid_wait_gone "$MX_PID" "$MX_STOP_TIMEOUT"; then
		wait "$MX_PID" && MX_RC=0 || MX_RC=$?
	else
		echo "mxlbd still running ${MX_STOP_TIMEOUT}s after SIGINT; killing it" >&2
		kill -KILL "$MX_PID" 2>/dev/null || true
		wait "$MX_PID" 2>/dev/null || true
		MX_RC=124
	fi
	MX_PID=
}

# Waits for a launched mxlbd to exit by itself; MX_RC gets its status.
mx_wait_exit() {
	local timeout=${1:-$MX_READY_TIMEOUT}
	if pid_wait_gone "$MX_PID" "$timeout"; then
		wait "$MX_PID" && MX_RC=0 || MX_RC=$?
		MX_PID=
	else
		mx_stop
		MX_RC=124
	fi
}

# Removes the hugepage files and runtime directory of our --file-prefix; DPDK
# keeps them after the process ends, and each would pin its hugepages.
mx_clean_prefix() {
	local f
	for f in /dev/hugepages/"$MX_PREFIX"map_*; do
		[[ -e "$f" ]] && rm -f "$f"
	done
	rm -rf "/var/run/dpdk/$MX_PREFIX"
}

mx_cleanup() {
	local rc=$?
	# Finish the cleanup even when stdout is gone or a step fails.
	set +e
	trap - EXIT INT TERM HUP
	trap '' PIPE
	mx_stop 2>/dev/null || true
	if [[ -e /run/netns/$MX_SRV ]]; then
		ip netns del "$MX_SRV" || true
	fi
	"$MXLB_ROOT/scripts/testhost.sh" down "$MX_NS" || true
	mx_clean_prefix
	rm -rf "$MX_TMP"
	exit "$rc"
}

trap mx_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE

# Runs a command inside the test host's namespace.
ns() {
	ip netns exec "$MX_NS" "$@"
}

# ------------------------------------------------------------------ queries

# Turns kdig or drill text output into one line per item:
#   status RCODE
#   flags FLAG...                (header flags, lower case, space separated)
#   question NAME CLASS TYPE
#   answer|authority|additional NAME TTL CLASS TYPE RDATA...
# with fields separated by single spaces.
dns_normalise() {
	awk '
	/^;; ->>HEADER<<-/ {
		if (match($0, /(status|rcode): [A-Z0-9]+/)) {
			s = substr($0, RSTART, RLENGTH)
			sub(/^[a-z]+: /, "", s)
			print "status " s
		}
		next
	}
	/^;; [Ff]lags:/ {
		s = $0
		sub(/^;; [Ff]lags: */, "", s)
		sub(/ *;.*$/, "", s)
		print "flags " s
		next
	}
	/^;; [A-Z]+ (PSEUDO)?SECTION:/ { sec = tolower($2); next }
	/^[ \t]*$/ { sec = ""; next }
	/^;/ {
		if (sec == "question") {
			s = $0
			sub(/^;+[ \t]*/, "", s)
			$0 = s
			$1 = $1
			print "question " $0
		}
		next
	}
	sec == "answer" || sec == "authority" || sec == "additional" {
		$1 = $1
		print sec " " $0
	}
	'
}

# kdig query from the namespace; always succeeds, a failed query shows as
# "status TIMEOUT" (with kdig's message as "error ...").
dnsq() {
	local out rc=0
	out=$(ns kdig "@$SERVICE_V4" +retry=0 +timeout=2 "$@" 2>&1) || rc=$?
	if ((rc != 0)); then
		echo "status TIMEOUT"
		printf '%s\n' "$out" | sed 's/^/error /'
		return 0
	fi
	printf '%s\n' "$out" | dns_normalise
}

# drill query from the namespace; same output as dnsq.
drillq() {
	local out rc=0
	out=$(ns drill "$@" "@$SERVICE_V4" 2>&1) || rc=$?
	if ((rc != 0)) || ! grep -q '^;; ->>HEADER<<-' <<<"$out"; then
		echo "status TIMEOUT"
		printf '%s\n' "$out" | sed 's/^/error /'
		return 0
	fi
	printf '%s\n' "$out" | dns_normalise
}

# Lines of normalised output $2 whose first word is $1, without that word.
dns_get() {
	awk -v k="$1" '$1 == k { sub(/^[^ ]+ /, ""); print }' <<<"$2"
}

# Records of section $1 in $2, reduced to fields $3.. (awk field numbers of
# "NAME TTL CLASS TYPE RDATA...", e.g. 4 for the type).
dns_fields() {
	local sec=$1 out=$2
	shift 2
	dns_get "$sec" "$out" | awk -v f="$*" '
		BEGIN { n = split(f, idx, " ") }
		{
			line = ""
			for (i = 1; i <= n; i++)
				line = line (i > 1 ? " " : "") $(idx[i])
			print line
		}'
}

# ------------------------------------------------------------- assertions

# Passed checks print only with MXLB_IT_VERBOSE=1; failed ones always.
t_ok() {
	T_CHECKS=$((T_CHECKS + 1))
	if [[ "${MXLB_IT_VERBOSE:-0}" == 1 ]]; then
		echo "  ok   $1"
	fi
}

t_fail() {
	T_CHECKS=$((T_CHECKS + 1))
	T_FAILS=$((T_FAILS + 1))
	echo "  FAIL $1"
	echo "       expected: $2"
	echo "       got:      $3"
}

# Multi-line values print on one line, lines joined by " | ".
t_flat() {
	printf '%s' "$1" | awk 'BEGIN { ORS = "" } { print (NR > 1 ? " | " : "") $0 }'
}

# check_eq DESC EXPECTED GOT
check_eq() {
	if [[ "$2" == "$3" ]]; then
		t_ok "$1"
	else
		t_fail "$1" "$(t_flat "$2")" "$(t_flat "$3")"
	fi
}

# check_match DESC ERE GOT
check_match() {
	if [[ "$3" =~ $2 ]]; then
		t_ok "$1"
	else
		t_fail "$1" "match /$2/" "$(t_flat "$3")"
	fi
}

# check_word DESC WORD WORDS: WORD is one of the blank-separated WORDS.
check_word() {
	if [[ " $3 " == *" $2 "* ]]; then
		t_ok "$1"
	else
		t_fail "$1" "'$2' among: $3" "$3"
	fi
}

# check_no_word DESC WORD WORDS: WORD is not one of WORDS.
check_no_word() {
	if [[ " $3 " != *" $2 "* ]]; then
		t_ok "$1"
	else
		t_fail "$1" "no '$2'" "$3"
	fi
}

# check_cmp DESC VALUE OP LIMIT: integer comparison (OP: -eq -lt -le -gt -ge).
check_cmp() {
	local ok=0
	if [[ "$2" =~ ^-?[0-9]+$ && "$4" =~ ^-?[0-9]+$ ]]; then
		case $3 in
		-eq) (($2 == $4)) && ok=1 ;;
		-lt) (($2 < $4)) && ok=1 ;;
		-le) (($2 <= $4)) && ok=1 ;;
		-gt) (($2 > $4)) && ok=1 ;;
		-ge) (($2 >= $4)) && ok=1 ;;
		esac
	fi
	if ((ok)); then
		t_ok "$1"
	else
		t_fail "$1" "$3 $4" "$2"
	fi
}

# Ends the scenario: prints the tally, exits non-zero if any check failed.
t_done() {
	echo "  $T_CHECKS checks, $T_FAILS failed"
	((T_FAILS == 0))
}
