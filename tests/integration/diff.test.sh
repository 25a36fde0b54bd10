#!/usr/bin/env bash
# diff: mxlbd against knotd, the reference authoritative server, on one zone.
#   - knotd (started here with its own configuration, run directory and
#     database in a temporary directory, listening on 127.0.0.1:53 inside
#     the test host's namespace, so no system knotd or port 53 of the
#     machine is involved) and mxlbd (one worker, on the usual test host)
#     both serve diff.zone
#   - diff.py sends each of several hundred generated queries (every name of
#     the zone and missing, empty, synthesized, delegated and outside names,
#     every type present plus unknown and meta types, ANY, mixed case, EDNS
#     absent / 512 / 1232 / 4096 / under 512, DO, version 1, options, RD /
#     CD / AD, other classes and opcodes, sizes that force TC) to both and
#     compares RCODE, flags (AA TC RD RA AD CD), question, OPT and the set
#     of records in each section (MX preference and SRV priority left out in
#     pools, which mxlb rewrites)
#   - the deliberate differences are the rules in diff.py (DELIBERATE), each
#     with the RFC behind mxlb's answer and a check that mxlb's side is
#     right; any other difference fails the scenario with the query and both
#     answers printed. They are:
#       ede               knotd adds Extended DNS Errors (REFUSED); optional,
#                         RFC 8914 §2; mxlb sends no options
#       opcode-notimp     opcode other than QUERY: NOTIMP from the header
#                         alone, no question (issue 5; RFC 1035 §4.1.1,
#                         RFC 8906 §3.1.4); knotd echoes the question
#       ixfr-udp          IXFR: mxlb NOTIMP, no transfers (RFC 1035 §4.1.1,
#                         RFC 1995 §2); knotd NOTAUTH from its transfer ACL
#       any-one-rrset     ANY: one RRset of the server's choice (RFC 8482
#                         §4.1); mxlb's must equal knotd's answer for its type
#       cname-rrsig-nsec  RRSIG / NSEC at a CNAME: mxlb follows the CNAME
#                         (RFC 1034 §4.3.2, RFC 2181 §10.1; no DNSSEC);
#                         knotd answers NODATA as in a signed zone
#       qclass-any        QCLASS *: mxlb REFUSED, IN only (RFC 1035 §4.1.1,
#                         §6.2); knotd answers with AA
#
#   MXLB_IT_DIFF_VERBOSE  1: print every query with its verdict
#   KNOTD                 the knotd binary (default: knotd on PATH)
set -euo pipefail
MX_LCORES=0-1
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"

KNOTD=${KNOTD:-$(command -v knotd || true)}
KNOT_ADDR=127.0.0.1
KNOT_PORT=53
KNOT_DIR=$MX_TMP/knot
KNOT_LOG=$MX_TMP/knotd.log
KNOT_PID=

if [[ -z "$KNOTD" || ! -x "$KNOTD" ]]; then
	echo "knotd not found (Debian package knot; make deps installs it)" >&2
	exit 1
fi

# Stops our knotd (by pid) before lib.sh removes the namespace it runs in,
# and makes sure that no knotd with our configuration is left.
knot_stop() {
	local pid
	[[ -n "$KNOT_PID" ]] || return 0
	kill -TERM "$KNOT_PID" 2>/dev/null || true
	if ! pid_wait_gone "$KNOT_PID" 10; then
		echo "knotd still running 10s after SIGTERM; killing it" >&2
		kill -KILL "$KNOT_PID" 2>/dev/null || true
	fi
	wait "$KNOT_PID" 2>/dev/null || true
	KNOT_PID=
	for pid in $(pgrep -f -x "$KNOTD -c $KNOT_DIR/knot.conf" || true); do
		echo "knotd $pid with our configuration still running; killing it" >&2
		kill -KILL "$pid" 2>/dev/null || true
	done
}

diff_cleanup() {
	local rc=$?
	set +e
	knot_stop
	(exit "$rc")
	mx_cleanup
}
trap diff_cleanup EXIT

mx_start --zone "$IT_DIR/diff.zone" --ip "$SERVICE_V4"
echo "mxlbd ready (pid $MX_PID, test host $MX_NS)"

mkdir -p "$KNOT_DIR/run" "$KNOT_DIR/db"
cp "$IT_DIR/diff.zone" "$KNOT_DIR/diff.zone"
# No identity, version or NSID: mxlbd runs without --identity / --version
# and has no NSID, so both refuse the CHAOS names and neither sends NSID.
# Zone file only: no journal, nothing written back.
cat >"$KNOT_DIR/knot.conf" <<EOF
server:
    rundir: "$KNOT_DIR/run"
    listen: $KNOT_ADDR@$KNOT_PORT
    identity: ""
    version: ""
    nsid: ""
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: info
database:
    storage: "$KNOT_DIR/db"
template:
  - id: default
    storage: "$KNOT_DIR"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    semantic-checks: on
zone:
  - domain: diff.example.
    file: "$KNOT_DIR/diff.zone"
EOF
# `ip netns exec` execs knotd in place: $! is knotd's own pid.
ip netns exec "$MX_NS" "$KNOTD" -c "$KNOT_DIR/knot.conf" >"$KNOT_LOG" 2>&1 &
KNOT_PID=$!

deadline=$((SECONDS + 15))
until ns kdig "@$KNOT_ADDR" -p "$KNOT_PORT" +retry=0 +timeout=1 diff.example. SOA 2>/dev/null |
	grep -q 'status: NOERROR'; do
	if ! pid_running "$KNOT_PID" || ((SECONDS >= deadline)); then
		echo "knotd did not serve diff.example.; its output:" >&2
		sed 's/^/    | /' "$KNOT_LOG" >&2
		exit 1
	fi
	sleep 0.2
done
if [[ "$(cat "/proc/$KNOT_PID/comm" 2>/dev/null)" != knotd ]]; then
	echo "pid $KNOT_PID is not knotd" >&2
	exit 1
fi
echo "knotd ready (pid $KNOT_PID, $KNOT_ADDR:$KNOT_PORT in $MX_NS)"
if grep -qiE 'warning|error' "$KNOT_LOG"; then
	echo "knotd's zone load notes:"
	grep -iE 'warning|error' "$KNOT_LOG" | sed 's/^/    | /'
fi

args=(--mxlb "$SERVICE_V4:53" --knot "$KNOT_ADDR:$KNOT_PORT")
if [[ "${MXLB_IT_DIFF_VERBOSE:-0}" == 1 ]]; then
	args+=(--verbose)
fi
set +e
ns python3 "$IT_DIR/diff.py" "${args[@]}"
rc=$?
set -e
if ((rc == 0)); then
	t_ok "mxlbd answers as knotd does, but for the deliberate differences"
else
	t_fail "mxlbd answers as knotd does, but for the deliberate differences" \
		"no mismatch" "diff.py exit $rc (mismatches above)"
fi

knot_stop
check_eq "no knotd with our configuration left" "" \
	"$(pgrep -f -x "$KNOTD -c $KNOT_DIR/knot.conf" || true)"
mx_stop
check_eq "mxlbd exit status after SIGINT" 0 "$MX_RC"
t_done
