#!/usr/bin/env bash
# control: mxlbctl changing the pools of a running mxlbd (--journal, one
# worker, so that the selection is deterministic), on control.zone.
#   - status, pools and preview (--json) describe what is served
#   - member add: the new exchange is listed and takes turns; weight: the
#     schedule follows it; drain: listed last, above every up member, never
#     selected; down: not listed; up / undrain; member del
#   - drain and down are two flags: a drained member taken down and up
#     again (as the health checker does) is still drained
#   - every accepted change is one new version, printed by mxlbctl
#   - refusals (unknown owner, unknown zone, malformed RDATA, TXT, no such
#     member, removing the last member, ...): exit 1, the problem named on
#     stderr, version, pools and answers unchanged
#   - no mxlbd behind the prefix: exit 2 and "is mxlbd running with
#     --file-prefix X?"
#   - kill -9 and restart with the same journal: the acknowledged state is
#     back (pools --json without the served counts) and answers follow it
#   - a torn journal tail: mxlbd starts, reports the dropped record, state
#     intact
#   - kill -9 while changes stream in: after the restart the state holds
#     every acknowledged change (and at most the one in flight)
#   - dnsperf (and a checker that decodes every answer) while 200 changes
#     stream in: no query lost, every answer NOERROR and well formed, no
#     FORMERR/SERVFAIL in mxlbd's counters, all 200 acknowledged, final
#     version = start + the changes that changed something
#
#   MXLBCTL                 the mxlbctl binary (default build/mxlbctl)
#   MXLB_IT_CTL_QPS         dnsperf rate while changes stream in (10000)
#   MXLB_IT_CTL_CHANGES     number of streamed changes (200, a multiple of 8)
#   MXLB_IT_CTL_SECONDS     least dnsperf duration (10); longer when the
#                           changes need longer to go through
set -euo pipefail
# One worker: the selection sequence is exactly deterministic.
MX_LCORES=0-1
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"

Z=ctl.example.
MXLBCTL=${MXLBCTL:-$MXLB_ROOT/build/mxlbctl}
CTL_TIMEOUT=20
STREAM_QPS=${MXLB_IT_CTL_QPS:-10000}
STREAM_CHANGES=${MXLB_IT_CTL_CHANGES:-200}
STREAM_MIN_SECONDS=${MXLB_IT_CTL_SECONDS:-10}
JOURNAL=$MX_TMP/journal
NOPREFIX=mxitnone$$
ZONE_ARGS=(--zone "$IT_DIR/control.zone" --ip "$SERVICE_V4" --journal "$JOURNAL")

declare -A ADDR=(
	[mx1.$Z]=198.18.4.1 [mx2.$Z]=198.18.4.2 [mx3.$Z]=198.18.4.3
	[mx4.$Z]=198.18.4.4 [mx5.$Z]=198.18.4.5 [backup.$Z]=198.18.4.20
)

if [[ ! -x "$MXLBCTL" ]]; then
	echo "mxlbctl not built: $MXLBCTL (run make build)" >&2
	exit 1
fi

# Background processes of this scenario (dnsperf, the answer checker; started
# with ip netns exec, which execs them, so that $! is their pid), ended by pid
# before lib.sh's cleanup runs; also the runtime directory that a
# mxlbctl aimed at a prefix without mxlbd may leave.
BG_PIDS=()
# shellcheck disable=SC2317 # invoked by the trap
ctl_cleanup() {
	local rc=$? p
	for p in "${BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	rm -rf "/var/run/dpdk/$NOPREFIX"
	(exit "$rc")
	mx_cleanup
}
trap ctl_cleanup EXIT

# ------------------------------------------------------------------ helpers

# ctl ARGS...: mxlbctl -p PREFIX ARGS; sets CTL_RC, CTL_OUT, CTL_ERR and
# CTL_MS (wall time of the call in ms).
ctl() {
	local t0 t1
	t0=$EPOCHREALTIME
	CTL_RC=0
	timeout "$CTL_TIMEOUT" "$MXLBCTL" -p "$MX_PREFIX" "$@" \
		>"$MX_TMP/ctl.out" 2>"$MX_TMP/ctl.err" || CTL_RC=$?
	t1=$EPOCHREALTIME
	CTL_MS=$(((${t1/[.,]/} - ${t0/[.,]/}) / 1000))
	CTL_OUT=$(<"$MX_TMP/ctl.out")
	CTL_ERR=$(<"$MX_TMP/ctl.err")
}

# ctl_ok DESC ARGS...: ctl that must exit 0 (printing data).
ctl_ok() {
	local desc=$1
	shift
	ctl "$@"
	check_eq "mxlbctl $desc: exit status" 0 "$CTL_RC"
	if ((CTL_RC != 0)); then
		echo "    mxlbctl $*: stderr: $(t_flat "$CTL_ERR")"
	fi
}

# jget EXPR JSON: prints Python expression EXPR over d, the parsed JSON (a
# list one item a line); "INVALID-JSON ..." or "NO-VALUE ..." on failure.
jget() {
	python3 -c '
import json, sys
try:
    d = json.loads(sys.argv[2])
except ValueError as e:
    print("INVALID-JSON: %s" % e)
    sys.exit(0)
try:
    r = eval(sys.argv[1])
except Exception as e:
    print("NO-VALUE: %s: %s" % (type(e).__name__, e))
    sys.exit(0)
def show(x):
    if isinstance(x, bool):
        return "true" if x else "false"
    if x is None:
        return "null"
    if isinstance(x, (dict, list)):
        return json.dumps(x, sort_keys=True)
    return str(x)
if isinstance(r, list):
    for x in r:
        print(show(x))
else:
    print(show(r))
' "$1" "$2"
}

# The pools of `pools --json` output $1 without the served counts and the
# version: what a restart must bring back.
pools_state() {
	jget 'json.dumps([dict(p, members=[{k: v for k, v in m.items() if k != "served"}
		for m in p["members"]]) for p in d["pools"]], sort_keys=True)' "$1"
}

# "RDATA WEIGHT STATE" of each member of the MX pool at $Z in `pools --json`
# output $1.
mx_members() {
	jget '["%s %s %s" % (m["rdata"], m["weight"], m["state"]) for p in d["pools"]
		if p["owner"].lower() == "ctl.example." and p["type"] == "MX" for m in p["members"]]' "$1"
}

# Sets CUR_V (and STATUS, the JSON) from `status --json`.
status_version() {
	ctl_ok "status --json" status --json
	STATUS=$CTL_OUT
	CUR_V=$(jget 'd["version"]' "$STATUS")
}

# preview_next N: PREV gets the exchanges that worker 0 selects next.
preview_next() {
	ctl_ok "preview $Z MX $1 --json" preview "$Z" MX "$1" --json
	mapfile -t PREV < <(jget '[r.split()[-1] for r in d["workers"][0]["next"]]' "$CTL_OUT")
}

# Short form of exchange names for the log: mx1.ctl.example. -> mx1.
short() {
	local s=${1//.ctl.example./}
	s=${s//$'\n'/ }
	echo "${s% }"
}

# mx_query: one MX query for $Z; OUT (normalised), ANS ("PREF EXCHANGE"
# lines in answer order), SEL (the exchange at preference 10).
mx_query() {
	OUT=$(dnsq "$Z" MX)
	ANS=$(dns_fields answer "$OUT" 5 6)
	SEL=$(awk '$1 == 10 { print $2 }' <<<"$ANS")
}

# mx_check DESC: the answer in OUT/ANS is well formed: NOERROR, AA, one
# record at preference 10 and first, preferences in order, TTL 3600, the
# exchanges distinct, additional = A of each exchange in answer order.
mx_check() {
	local desc=$1 prefs addl want_addl
	check_eq "$desc: status" NOERROR "$(dns_get status "$OUT")"
	check_word "$desc: AA" aa "$(dns_get flags "$OUT")"
	check_eq "$desc: one record at preference 10" 1 "$(awk '$1 == 10' <<<"$ANS" | grep -c . || true)"
	check_eq "$desc: selected listed first" 10 "$(head -n 1 <<<"$ANS" | awk '{ print $1 }')"
	prefs=$(awk '{ print $1 }' <<<"$ANS")
	check_eq "$desc: preferences in ascending order" "$(sort -n <<<"$prefs")" "$prefs"
	check_eq "$desc: exchanges distinct" "$(awk '{ print $2 }' <<<"$ANS" | sort)" \
		"$(awk '{ print $2 }' <<<"$ANS" | sort -u)"
	check_eq "$desc: TTL" 3600 "$(dns_fields answer "$OUT" 2 | sort -u)"
	want_addl=$(while read -r _ e; do echo "$e A ${ADDR[$e]:-none}"; done <<<"$ANS")
	addl=$(dns_fields additional "$OUT" 1 4 5 | awk '$2 == "A"')
	check_eq "$desc: additional: A of the exchanges in answer order" "$want_addl" "$addl"
}

# mx_run N DESC: N checked MX queries; SELS gets the selected exchanges,
# ANSS the answers.
mx_run() {
	local n=$1 desc=$2 i
	SELS=()
	ANSS=()
	for ((i = 0; i < n; i++)); do
		mx_query
		mx_check "$desc q$((i + 1))"
		SELS+=("$SEL")
		ANSS+=("$ANS")
	done
	echo "  $desc: selected $(short "$(printf '%s\n' "${SELS[@]}")")"
	echo "  $desc: e.g. $(t_flat "$(short "${ANSS[0]}")")"
}

# count_sel EXCHANGE: how often SELS holds EXCHANGE.
count_sel() {
	local e n=0
	for e in "${SELS[@]}"; do
		[[ "$e" == "$1" ]] && n=$((n + 1))
	done
	echo "$n"
}

# Accepted changes so far (the journal's records) and their cost.
EXP_V=
ACCEPTED=0
CHG_MS=0
CHG_N=0

# change DESC ARGS...: mxlbctl ARGS must be accepted as version EXP_V + 1;
# CHG_OUT gets what it printed.
change() {
	local desc=$1
	shift
	ctl "$@"
	CHG_OUT=$CTL_OUT
	echo "  mxlbctl $*: $(t_flat "$CTL_OUT")$( ((CTL_RC == 0)) || echo " [exit $CTL_RC: $(t_flat "$CTL_ERR")]")"
	check_eq "$desc: exit status" 0 "$CTL_RC"
	check_match "$desc: acknowledged as version $((EXP_V + 1))" "^version $((EXP_V + 1)): " "$CTL_OUT"
	CHG_MS=$((CHG_MS + CTL_MS))
	CHG_N=$((CHG_N + 1))
	if ((CTL_RC == 0)); then
		EXP_V=$((EXP_V + 1))
		ACCEPTED=$((ACCEPTED + 1))
	fi
	status_version
	check_eq "$desc: status version" "$EXP_V" "$CUR_V"
}

# refuse DESC ERE ARGS...: mxlbctl ARGS must be refused: exit 1, stderr
# matching ERE; version, pools and the next answer as if it had not been
# sent.
refuse() {
	local desc=$1 re=$2 pools0 set0 prefs0
	shift 2
	ctl_ok "pools --json" pools --json
	pools0=$(pools_state "$CTL_OUT")
	preview_next 2
	mx_query
	check_eq "$desc: answer before matches preview" "${PREV[0]:-}" "$SEL"
	set0=$(awk '{ print $2 }' <<<"$ANS" | sort)
	prefs0=$(awk '{ print $1 }' <<<"$ANS")

	ctl "$@"
	echo "  mxlbctl $*: exit $CTL_RC: $(t_flat "$CTL_ERR")"
	check_eq "$desc: exit status" 1 "$CTL_RC"
	check_match "$desc: stderr names the problem" "$re" "$CTL_ERR"
	check_eq "$desc: nothing on stdout" "" "$CTL_OUT"

	status_version
	check_eq "$desc: version unchanged" "$EXP_V" "$CUR_V"
	ctl_ok "pools --json" pools --json
	check_eq "$desc: pools unchanged" "$pools0" "$(pools_state "$CTL_OUT")"
	mx_query
	mx_check "$desc: answer after"
	check_eq "$desc: next selection as previewed before" "${PREV[1]:-}" "$SEL"
	check_eq "$desc: same exchanges listed" "$set0" "$(awk '{ print $2 }' <<<"$ANS" | sort)"
	check_eq "$desc: same preferences" "$prefs0" "$(awk '{ print $1 }' <<<"$ANS")"
}

# Kills mxlbd with SIGKILL (no clean shutdown) and keeps its log.
mx_kill9() {
	local keep=$1
	kill -KILL "$MX_PID"
	wait "$MX_PID" 2>/dev/null || true
	MX_PID=
	cp "$MX_LOG" "$MX_TMP/$keep"
	mx_clean_prefix
}

# ============================================================== the scenario

mx_start "${ZONE_ARGS[@]}"
echo "mxlbd ready (pid $MX_PID, test host $MX_NS, port $MX_IF, journal $JOURNAL)"

echo "== status, pools, preview (--json)"
status_version
echo "  status: $STATUS"
V0=$CUR_V
EXP_V=$V0
check_match "status: version is a number" '^[0-9]+$' "$V0"
check_eq "status: pid" "$MX_PID" "$(jget 'd["pid"]' "$STATUS")"
check_eq "status: one worker on lcore 1" '{"lcore": 1, "worker": 0}' "$(jget 'd["workers"]' "$STATUS")"
check_eq "status: zones" 1 "$(jget 'd["zones"]' "$STATUS")"
check_eq "status: journal" "$JOURNAL" "$(jget 'd["journal"]' "$STATUS")"
check_eq "status: journal records" 0 "$(jget 'd["journal_records"]' "$STATUS")"
check_cmp "status: pools (MX and www A)" "$(jget 'd["pools"]' "$STATUS")" -ge 2
check_cmp "status: uptime_s" "$(jget 'd["uptime_s"]' "$STATUS")" -ge 0
ctl_ok "status" status
check_match "status (text) names the journal" "$JOURNAL" "$CTL_OUT"

ctl_ok "pools --json" pools --json
POOLS=$CTL_OUT
check_eq "pools: version" "$V0" "$(jget 'd["version"]' "$POOLS")"
check_eq "pools: the MX pool of $Z" \
	"ctl.example. MX prefer 1 false" \
	"$(jget '["%s %s %s %s %s" % (p["owner"], p["type"], p["mode"], p["sharers"], str(p["failopen"]).lower())
		for p in d["pools"] if p["type"] == "MX"]' "$POOLS")"
check_eq "pools: MX members, weights, states" \
	"10 mx1.$Z 1 up
10 mx2.$Z 1 up
10 mx3.$Z 1 up
20 backup.$Z 1 up" "$(mx_members "$POOLS")"
check_eq "pools: the www A pool" "198.18.5.1 198.18.5.2" \
	"$(jget '" ".join(m["rdata"] for p in d["pools"] if p["owner"] == "www.ctl.example." and p["type"] == "A"
		for m in p["members"])' "$POOLS")"
check_eq "pools: served counts are numbers" "true" \
	"$(jget 'all(isinstance(m["served"], int) for p in d["pools"] for m in p["members"])' "$POOLS")"
check_eq "pools: pool ids distinct" "true" \
	"$(jget 'len(set(p["id"] for p in d["pools"])) == len(d["pools"])' "$POOLS")"
ctl_ok "pools $Z MX --json" pools "$Z" MX --json
check_eq "pools $Z MX: only that pool" "ctl.example. MX" \
	"$(jget '["%s %s" % (p["owner"], p["type"]) for p in d["pools"]]' "$CTL_OUT")"
ctl_ok "pools $Z MX" pools "$Z" MX
check_match "pools (text) lists mx1" "mx1\.ctl\.example\." "$CTL_OUT"

ctl_ok "preview $Z MX 6 --json" preview "$Z" MX 6 --json
PV=$CTL_OUT
check_eq "preview: header" "$V0 ctl.example. MX" \
	"$(jget '"%s %s %s" % (d["version"], d["owner"], d["type"])' "$PV")"
check_eq "preview: worker 0 on lcore 1" "0 1" \
	"$(jget '["%s %s" % (w["worker"], w["lcore"]) for w in d["workers"]]' "$PV")"
check_eq "preview: next 6 go mx1 mx2 mx3 mx1 mx2 mx3" \
	"10 mx1.$Z|10 mx2.$Z|10 mx3.$Z|10 mx1.$Z|10 mx2.$Z|10 mx3.$Z" \
	"$(jget '"|".join(d["workers"][0]["next"])' "$PV")"
ctl_ok "preview $Z MX --json (N default 8)" preview "$Z" MX --json
check_eq "preview: N defaults to 8" 8 "$(jget 'len(d["workers"][0]["next"])' "$CTL_OUT")"
ctl_ok "preview $Z MX 3" preview "$Z" MX 3
check_match "preview (text) lists mx1" "mx1\.ctl\.example\." "$CTL_OUT"

mx_run 3 "start"
check_eq "start: mx1 mx2 mx3 in turn" "mx1.$Z mx2.$Z mx3.$Z" "${SELS[*]}"
check_eq "start: 4 records" 4 "$(grep -c . <<<"${ANSS[0]}")"

echo "== member add"
change "member add mx4" member add "$Z" MX "10 mx4.$Z"
check_match "member add: message" "added to ctl\.example\. MX 10 mx4\.ctl\.example\.: 5 members" "$CHG_OUT"
preview_next 8
mx_run 8 "after add"
check_eq "after add: selection as previewed" "${PREV[*]}" "${SELS[*]}"
for e in mx1 mx2 mx3 mx4; do
	check_eq "after add: $e selected 2 times in 8" 2 "$(count_sel "$e.$Z")"
done
for a in "${ANSS[@]}"; do
	check_eq "after add: 5 records, mx4 listed" "5 1" \
		"$(grep -c . <<<"$a") $(grep -c " mx4.$Z\$" <<<"$a")"
done
check_eq "after add: backup still at 20" "20 backup.$Z" "$(tail -n 1 <<<"${ANSS[0]}")"

echo "== weight"
change "weight mx1 3" weight "$Z" MX "10 mx1.$Z" 3
preview_next 12
mx_run 12 "weight 3"
check_eq "weight 3: selection as previewed" "${PREV[*]}" "${SELS[*]}"
check_eq "weight 3: mx1 selected 6 times in 12 (3 of 6)" 6 "$(count_sel "mx1.$Z")"
for e in mx2 mx3 mx4; do
	check_eq "weight 3: $e selected 2 times in 12" 2 "$(count_sel "$e.$Z")"
done
ctl_ok "pools --json" pools --json
check_eq "weight 3: pools shows it" "10 mx1.$Z 3 up" "$(mx_members "$CTL_OUT" | sed -n 1p)"
# 3 + 8 + 12 MX queries so far, all answered from this pool.
check_eq "served: the answers so far, counted per member" 23 \
	"$(jget 'sum(m["served"] for p in d["pools"] if p["type"] == "MX" for m in p["members"])' "$CTL_OUT")"

echo "== drain"
change "drain mx2" drain "mx2.$Z"
check_match "drain: message" "drain mx2\.ctl\.example\.: 1 member in 1 pool" "$CHG_OUT"
preview_next 20
mx_run 20 "drained"
check_eq "drained: selection as previewed" "${PREV[*]}" "${SELS[*]}"
check_eq "drained: mx2 never selected in 20" 0 "$(count_sel "mx2.$Z")"
check_eq "drained: mx2 in no preview" "" "$(printf '%s\n' "${PREV[@]}" | grep -x "mx2.$Z" || true)"
for a in "${ANSS[@]}"; do
	check_eq "drained: 5 records, mx2 last" "5 mx2.$Z" "$(grep -c . <<<"$a") $(tail -n 1 <<<"$a" | awk '{ print $2 }')"
	check_eq "drained: mx2's preference above every up member" 1 \
		"$(awk -v d="mx2.$Z" '$2 == d { p = $1 } $2 != d && $1 > m { m = $1 } END { print (p > m) ? 1 : 0 }' <<<"$a")"
done
check_eq "drained: mx2 at 21 (backup is 20)" "21 mx2.$Z" "$(tail -n 1 <<<"${ANSS[0]}")"
ctl_ok "pools --json" pools --json
check_eq "drained: pools shows it" "10 mx2.$Z 1 drain" "$(mx_members "$CTL_OUT" | grep "mx2")"
ctl drain "mx2.$Z"
check_eq "drain again: exit 0 (nothing changed)" 0 "$CTL_RC"
check_match "drain again: no new version printed" "^($EXP_V)?\$" \
	"$(sed -nE 's/^version ([0-9]+):.*/\1/p' <<<"$CTL_OUT")"
status_version
check_eq "drain again: version unchanged" "$EXP_V" "$CUR_V"

echo "== down, up"
change "down mx3" down "mx3.$Z"
# Group 10 now has mx1 (weight 3) and mx4 up: a schedule of 4 turns.
preview_next 8
mx_run 8 "mx3 down"
check_eq "mx3 down: selection as previewed" "${PREV[*]}" "${SELS[*]}"
for a in "${ANSS[@]}"; do
	check_eq "mx3 down: 4 records, mx3 not listed" "4 0" "$(grep -c . <<<"$a") $(grep -c " mx3.$Z\$" <<<"$a" || true)"
done
check_eq "mx3 down: mx1 mx2 mx3 mx4 selected 6 0 0 2 times in 8" "6 0 0 2" \
	"$(count_sel "mx1.$Z") $(count_sel "mx2.$Z") $(count_sel "mx3.$Z") $(count_sel "mx4.$Z")"
ctl_ok "pools --json" pools --json
check_eq "mx3 down: pools shows it" "10 mx3.$Z 1 down" "$(mx_members "$CTL_OUT" | grep "mx3")"
change "up mx3" up "mx3.$Z"
preview_next 10
mx_run 10 "mx3 up"
check_eq "mx3 up: selection as previewed" "${PREV[*]}" "${SELS[*]}"
check_eq "mx3 up: mx1 mx2 mx3 mx4 selected 6 0 2 2 times in 10 (mx2 still drained)" "6 0 2 2" \
	"$(count_sel "mx1.$Z") $(count_sel "mx2.$Z") $(count_sel "mx3.$Z") $(count_sel "mx4.$Z")"
check_eq "mx3 up: mx3 listed" 1 "$(grep -c " mx3.$Z\$" <<<"${ANSS[0]}" || true)"

echo "== drain and down are two flags"
# mx2 is drained; down and up (what the health checker sends) leave the drain.
change "down mx2 (drained)" down "mx2.$Z"
ctl_ok "pools --json" pools --json
check_eq "down+drain: pools shows the state down" "10 mx2.$Z 1 down" "$(mx_members "$CTL_OUT" | grep "mx2")"
check_eq "down+drain: pools shows both flags" "true true" \
	"$(jget '["%s %s" % (str(m["drain"]).lower(), str(m["down"]).lower()) for p in d["pools"]
		if p["owner"].lower() == "ctl.example." and p["type"] == "MX" for m in p["members"]
		if m["rdata"] == "10 mx2.ctl.example."]' "$CTL_OUT")"
ctl_ok "pools $Z MX" pools "$Z" MX
check_match "down+drain: pools (text) says down+drain" "10 mx2\.ctl\.example\. +weight 1 +down\+drain +served" \
	"$CTL_OUT"
mx_run 4 "mx2 down and drained"
for a in "${ANSS[@]}"; do
	check_eq "down+drain: 4 records, mx2 not listed" "4 0" "$(grep -c . <<<"$a") $(grep -c " mx2.$Z\$" <<<"$a" || true)"
done
change "up mx2 (still drained)" up "mx2.$Z"
check_match "up mx2: the reply says it is still drained" "up mx2\.ctl\.example\.: 1 member in 1 pool; still drained in 1" \
	"$CHG_OUT"
ctl_ok "pools --json" pools --json
check_eq "up mx2: drained, not up" "10 mx2.$Z 1 drain" "$(mx_members "$CTL_OUT" | grep "mx2")"
mx_run 4 "mx2 drained again"
check_eq "mx2 drained again: never selected" 0 "$(count_sel "mx2.$Z")"
check_eq "mx2 drained again: listed last" "mx2.$Z" "$(tail -n 1 <<<"${ANSS[0]}" | awk '{ print $2 }')"
ctl up "mx2.$Z"
check_eq "up again: exit 0 (nothing changed)" 0 "$CTL_RC"
check_match "up again: unchanged, and why" "unchanged: mx2\.ctl\.example\.: not down in 1 pool member; drained in 1" \
	"$CTL_OUT"
status_version
check_eq "up again: version unchanged" "$EXP_V" "$CUR_V"

change "undrain mx2" undrain "mx2.$Z"
preview_next 12
mx_run 12 "mx2 undrained"
check_eq "mx2 undrained: selection as previewed" "${PREV[*]}" "${SELS[*]}"
check_eq "mx2 undrained: weights 3 1 1 1 over 12" "6 2 2 2" \
	"$(count_sel "mx1.$Z") $(count_sel "mx2.$Z") $(count_sel "mx3.$Z") $(count_sel "mx4.$Z")"

echo "== member del"
change "member del mx4" member del "$Z" MX "10 mx4.$Z"
check_match "member del: message" "removed from ctl\.example\. MX 10 mx4\.ctl\.example\.: 4 members" "$CHG_OUT"
preview_next 10
mx_run 10 "after del"
check_eq "after del: selection as previewed" "${PREV[*]}" "${SELS[*]}"
check_eq "after del: mx4 neither selected nor listed" "0 0" \
	"$(count_sel "mx4.$Z") $(printf '%s\n' "${ANSS[@]}" | grep -c " mx4.$Z\$" || true)"
change "member del www 198.18.5.2" member del "www.$Z" A 198.18.5.2
out=$(dnsq "www.$Z" A)
check_eq "www A: one address left" "198.18.5.1" "$(dns_fields answer "$out" 5)"

echo "== refusals"
refuse "unknown owner" "nope\.ctl\.example" member add "nope.$Z" MX "10 mx9.$Z"
refuse "unknown zone" "unknown zone|no zone|other\\.test" member add mail.other.test. MX "10 mx1.other.test."
refuse "malformed RDATA" "RDATA|ten" member add "$Z" MX "ten mx9.$Z"
refuse "malformed RDATA (A)" "RDATA|198\.18\.5\.300" member add "www.$Z" A 198.18.5.300
refuse "TXT is not a pool type" "TXT" member add "$Z" TXT '"more text"'
refuse "no such member" "mx9\.ctl\.example" member del "$Z" MX "10 mx9.$Z"
refuse "duplicate member" "mx1\.ctl\.example" member add "$Z" MX "10 mx1.$Z"
refuse "removing the last member" "last" member del "www.$Z" A 198.18.5.1
refuse "weight out of range" "weight" weight "$Z" MX "10 mx1.$Z" 0
refuse "drain an unknown host" "mx9\.ctl\.example" drain "mx9.$Z"
refuse "not a command" "frobnicate" frobnicate "$Z"

echo "== journal and audit"
status_version
check_eq "journal: one record per change that changed something, none for refusals" "$ACCEPTED" \
	"$(jget 'd["journal_records"]' "$STATUS")"
for ((v = V0 + 1; v <= EXP_V; v++)); do
	check_eq "audit line for version $v" 1 \
		"$(grep -cE "^mxlbd: audit [^ ]+ version $v .* accepted: version $v: " "$MX_LOG" || true)"
done
check_cmp "audit lines for refusals" "$(grep -cE '^mxlbd: audit .*refused' "$MX_LOG" || true)" -ge 1
echo "  e.g. $(grep -m 1 '^mxlbd: audit' "$MX_LOG" || echo '(no audit line)')"

echo "== no mxlbd behind the prefix"
for args in "status" "drain mx1.$Z"; do
	rc=0
	# shellcheck disable=SC2086 # args is split on purpose
	timeout "$CTL_TIMEOUT" "$MXLBCTL" -p "$NOPREFIX" $args >"$MX_TMP/none.out" 2>"$MX_TMP/none.err" || rc=$?
	echo "  mxlbctl -p $NOPREFIX $args: exit $rc: $(t_flat "$(tail -n 3 "$MX_TMP/none.err")")"
	check_eq "no mxlbd ($args): exit status" 2 "$rc"
	check_match "no mxlbd ($args): says why" "is mxlbd running with --file-prefix $NOPREFIX\\?" \
		"$(<"$MX_TMP/none.err")"
done
rm -rf "/var/run/dpdk/$NOPREFIX"

echo "== kill -9, restart with the same journal"
# The state to come back: mx1 at weight 3, mx2 drained, mx3 down, mx4 gone,
# www down to one address.
change "weight mx2 2" weight "$Z" MX "10 mx2.$Z" 2
change "drain mx2" drain "mx2.$Z"
change "down mx3" down "mx3.$Z"
ctl_ok "pools --json" pools --json
before=$(pools_state "$CTL_OUT")
check_eq "before kill: members" \
	"10 mx1.$Z 3 up
10 mx2.$Z 2 drain
10 mx3.$Z 1 down
20 backup.$Z 1 up" "$(mx_members "$CTL_OUT")"
V_KILL=$EXP_V
mx_kill9 mxlbd.run1.log
mx_start "${ZONE_ARGS[@]}"
echo "  restarted: pid $MX_PID"
grep -iE 'journal' "$MX_LOG" | sed 's/^/    | /' || true
ctl_ok "pools --json" pools --json
check_eq "after restart: pools as acknowledged (served counts aside)" "$before" "$(pools_state "$CTL_OUT")"
status_version
echo "  version before kill $V_KILL, after restart $CUR_V"
check_cmp "after restart: version not behind" "$CUR_V" -ge "$V_KILL"
check_eq "after restart: journal records" "$ACCEPTED" "$(jget 'd["journal_records"]' "$STATUS")"
EXP_V=$CUR_V
preview_next 8
mx_run 8 "after restart"
check_eq "after restart: selection as previewed" "${PREV[*]}" "${SELS[*]}"
for a in "${ANSS[@]}"; do
	check_eq "after restart: mx1 backup listed, mx3 not, mx2 last at 21" \
		"mx1.$Z|backup.$Z|mx2.$Z" "$(awk '{ print $2 }' <<<"$a" | paste -sd '|')"
done
check_eq "after restart: mx1 the only up member of group 10" "8" "$(count_sel "mx1.$Z")"
out=$(dnsq "www.$Z" A)
check_eq "after restart: www A one address" "198.18.5.1" "$(dns_fields answer "$out" 5)"

echo "== torn journal tail"
size0=$(stat -c %s "$JOURNAL")
mx_kill9 mxlbd.run2.log
# A record header whose length promises more than follows: a crash in the
# middle of an append.
printf 'MXJ1\000\000\000\040torn' >>"$JOURNAL"
check_eq "torn: 12 octets appended" $((size0 + 12)) "$(stat -c %s "$JOURNAL")"
mx_start "${ZONE_ARGS[@]}"
echo "  restarted: pid $MX_PID"
grep -iE 'journal|torn|dropped' "$MX_LOG" | sed 's/^/    | /' || true
check_match "torn: mxlbd reports the dropped record" "[Tt]orn|dropped" \
	"$(grep -iE 'journal|torn|dropped' "$MX_LOG" || true)"
ctl_ok "pools --json" pools --json
check_eq "torn: pools intact" "$before" "$(pools_state "$CTL_OUT")"
status_version
check_eq "torn: journal records" "$ACCEPTED" "$(jget 'd["journal_records"]' "$STATUS")"
check_eq "torn: journal cut back to its last whole record" "$size0" "$(stat -c %s "$JOURNAL")"
EXP_V=$CUR_V
mx_run 4 "after torn"
check_eq "after torn: mx1 selected, mx2 last, mx3 absent" \
	"mx1.$Z|backup.$Z|mx2.$Z" "$(awk '{ print $2 }' <<<"${ANSS[0]}" | paste -sd '|')"

echo "== kill -9 while changes stream in"
# weight of mx3 (down, so answers do not move) set to 2, 3, 4, ... in the
# background until mxlbd is gone; after the restart the weight must be the
# last acknowledged one, or the one after it (journaled, not yet answered).
acked_file=$MX_TMP/acked
: >"$acked_file"
(
	for ((w = 2; w <= 1000; w++)); do
		timeout "$CTL_TIMEOUT" "$MXLBCTL" -p "$MX_PREFIX" weight "$Z" MX "10 mx3.$Z" "$w" \
			>/dev/null 2>&1 || break
		echo "$w" >>"$acked_file"
	done
) &
loop_pid=$!
BG_PIDS+=("$loop_pid")
deadline=$((SECONDS + 60))
while (($(wc -l <"$acked_file") < 5 && SECONDS < deadline)); do
	sleep 0.05
done
kill -KILL "$MX_PID"
wait "$MX_PID" 2>/dev/null || true
MX_PID=
wait "$loop_pid" || true
BG_PIDS=()
cp "$MX_LOG" "$MX_TMP/mxlbd.run3.log"
mx_clean_prefix
last_ack=$(tail -n 1 "$acked_file")
n_ack=$(grep -c . "$acked_file" || true)
echo "  $n_ack weight changes acknowledged before kill -9, the last: weight ${last_ack:-none}"
check_cmp "kill mid-stream: changes acknowledged before the kill" "$n_ack" -ge 5
mx_start "${ZONE_ARGS[@]}"
echo "  restarted: pid $MX_PID"
grep -iE 'torn|dropped [^0]' "$MX_LOG" | sed 's/^/    | /' || true
ctl_ok "pools --json" pools --json
w3=$(mx_members "$CTL_OUT" | awk -v e="mx3.$Z" '$2 == e { print $3 }')
echo "  after the restart mx3 has weight ${w3:-none}"
check_match "kill mid-stream: mx3 weight is the last acknowledged ($last_ack) or the next" \
	"^(${last_ack:-x}|$((${last_ack:-0} + 1)))\$" "$w3"
check_eq "kill mid-stream: the other members as before" \
	"10 mx1.$Z 3 up
10 mx2.$Z 2 drain
20 backup.$Z 1 up" "$(mx_members "$CTL_OUT" | grep -v " mx3\\.")"
status_version
EXP_V=$CUR_V
ACCEPTED=$((ACCEPTED + ${w3:-2} - 1))
check_eq "kill mid-stream: journal records" "$ACCEPTED" "$(jget 'd["journal_records"]' "$STATUS")"

echo "== $STREAM_CHANGES changes while dnsperf runs"
change "weight mx3 1" weight "$Z" MX "10 mx3.$Z" 1
change "undrain mx2" undrain "mx2.$Z"
change "up mx3" up "mx3.$Z"
change "weight mx2 1" weight "$Z" MX "10 mx2.$Z" 1
# The stream: 8 commands a round, 6 of them change something.
STREAM=(
	"drain mx2.$Z"
	"drain mx2.$Z"
	"weight $Z MX 10_mx1.$Z 2"
	"member add $Z MX 10_mx5.$Z"
	"undrain mx2.$Z"
	"weight $Z MX 10_mx1.$Z 2"
	"weight $Z MX 10_mx1.$Z 4"
	"member del $Z MX 10_mx5.$Z"
)
STREAM_CHANGING=(1 0 1 1 1 0 1 1)
per_ms=$((CHG_N > 0 ? CHG_MS / CHG_N : 0))
echo "  one change took ${per_ms} ms on average so far; dnsperf at $STREAM_QPS qps for as" \
	"long as the $STREAM_CHANGES changes take, at least ${STREAM_MIN_SECONDS}s"

qfile=$MX_TMP/queries.txt
cat >"$qfile" <<EOF
$Z MX
$Z MX
$Z MX
www.$Z A
mx1.$Z A
$Z SOA
EOF

# Checker: MX queries at ~1000/s, one at a time, every answer decoded and
# checked against what any version of the stream may show (mx1, mx3, backup
# always; mx2 up in group 10 or drained last; mx5 in group 10 or absent).
cat >"$MX_TMP/checker.py" <<'EOF'
import os, socket, struct, sys, time

server, stopfile = sys.argv[1], sys.argv[2]
Z = "ctl.example."
addr = {"mx1": "198.18.4.1", "mx2": "198.18.4.2", "mx3": "198.18.4.3",
        "mx5": "198.18.4.5", "backup": "198.18.4.20"}
addr = {k + "." + Z: v for k, v in addr.items()}

def name(buf, off):
    labels, jumped, end = [], False, off
    for _ in range(128):
        n = buf[off]
        if n == 0:
            off += 1
            break
        if n & 0xC0 == 0xC0:
            if not jumped:
                end = off + 2
            jumped = True
            off = ((n & 0x3F) << 8) | buf[off + 1]
            continue
        labels.append(buf[off + 1:off + 1 + n].decode().lower())
        off += 1 + n
    else:
        raise ValueError("name loop")
    return ".".join(labels) + ".", (end if jumped else off)

def check(q, r, qid):
    if len(r) < 12:
        return "short"
    rid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", r[:12])
    if rid != qid:
        return "id %d for %d" % (rid, qid)
    if flags & 0x8000 == 0 or flags & 0x0400 == 0 or flags & 0x0200 or flags & 0x0080:
        return "flags %04x" % flags
    if flags & 0x000F:
        return "rcode %d" % (flags & 0xF)
    if qd != 1 or r[12:len(q)] != q[12:]:
        return "question not echoed"
    off = len(q)
    recs = []
    for sec in range(an + ns + ar):
        owner, off = name(r, off)
        typ, cls, ttl, rdlen = struct.unpack("!HHIH", r[off:off + 10])
        off += 10
        rd = r[off:off + rdlen]
        if len(rd) != rdlen:
            return "RDATA past the end"
        if typ == 15:
            recs.append(("MX", owner, ttl, struct.unpack("!H", rd[:2])[0], name(r, off + 2)[0]))
        elif typ == 1:
            recs.append(("A", owner, ttl, socket.inet_ntoa(rd)))
        else:
            recs.append((typ, owner))
        off += rdlen
    if off != len(r):
        return "%d octets after the records" % (len(r) - off)
    ans, add = recs[:an], recs[an + ns:]
    if any(x[0] != "MX" or x[1] != Z or x[2] != 3600 for x in ans):
        return "answer not all MX %s TTL 3600: %r" % (Z, ans)
    prefs = [x[3] for x in ans]
    ex = [x[4] for x in ans]
    if len(set(ex)) != len(ex) or not set(ex) <= set(addr):
        return "exchanges %r" % ex
    for must in ("mx1." + Z, "mx3." + Z, "backup." + Z, "mx2." + Z):
        if must not in ex:
            return "%s missing: %r" % (must, ex)
    if prefs[0] != 10 or prefs.count(10) != 1 or prefs != sorted(prefs):
        return "preferences %r" % prefs
    if any(p not in (10, 11) for p, e in zip(prefs, ex) if e != "backup." + Z and e != "mx2." + Z):
        return "group 10 preferences %r %r" % (prefs, ex)
    bi = ex.index("backup." + Z)
    if prefs[bi] != 20:
        return "backup at %d" % prefs[bi]
    mi = ex.index("mx2." + Z)
    if prefs[mi] == 21:
        if mi != len(ex) - 1:
            return "drained mx2 not last: %r" % ex
    elif prefs[mi] not in (10, 11):
        return "mx2 at %d" % prefs[mi]
    want = [("A", e, 3600, addr[e]) for e in ex]
    got = [x for x in add if x[0] == "A"]
    if got != want:
        return "additional %r, want %r" % (got, want)
    return None

q0 = b"".join(bytes([len(l)]) + l.encode() for l in Z.split(".")[:-1]) + b"\0"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect((server, 53))
s.settimeout(5.0)  # as dnsperf's -t: no answer within 5 s is a lost query
n = bad = lost = 0
shapes = {}
qid = 0
examples = []
next_t = time.monotonic()
while not os.path.exists(stopfile):
    qid = (qid + 1) & 0xFFFF
    q = struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0) + q0 + struct.pack("!HH", 15, 1)
    s.send(q)
    try:
        while True:
            r = s.recv(4096)
            if len(r) >= 2 and struct.unpack("!H", r[:2])[0] == qid:
                break
    except socket.timeout:
        lost += 1
        continue
    n += 1
    try:
        why = check(q, r, qid)
    except (ValueError, IndexError, struct.error, UnicodeDecodeError) as e:
        why = "undecodable: %s" % e
    if why:
        bad += 1
        if len(examples) < 5:
            examples.append(why)
    else:
        k = len(r)
        shapes[k] = shapes.get(k, 0) + 1
    next_t += 0.001
    d = next_t - time.monotonic()
    if d > 0:
        time.sleep(d)
print("checker: %d answers, %d bad, %d lost, answer sizes %s" %
      (n, bad, lost, " ".join("%d:%d" % kv for kv in sorted(shapes.items()))))
for e in examples:
    print("checker: bad: " + e)
EOF

ctl_ok "stats --json" stats --json
stats0=$CTL_OUT
stopfile=$MX_TMP/checker.stop
ip netns exec "$MX_NS" python3 "$MX_TMP/checker.py" "$SERVICE_V4" "$stopfile" >"$MX_TMP/checker.out" 2>&1 &
checker_pid=$!
BG_PIDS+=("$checker_pid")
perf=$MX_TMP/dnsperf.out
perf_t0=$SECONDS
# -l is only a bound: dnsperf gets SIGINT once the changes are through.
ip netns exec "$MX_NS" dnsperf -s "$SERVICE_V4" -d "$qfile" -l 600 -c 1 -Q "$STREAM_QPS" >"$perf" 2>&1 &
perf_pid=$!
BG_PIDS+=("$perf_pid")
sleep 0.5

STREAM_V0=$EXP_V
changed=0
acked=0
last_v=$EXP_V
stream_t0=$EPOCHREALTIME
for ((i = 0; i < STREAM_CHANGES; i++)); do
	k=$((i % ${#STREAM[@]}))
	read -r -a words <<<"${STREAM[k]}"
	words=("${words[@]//_/ }")
	ctl "${words[@]}"
	if ((CTL_RC == 0)); then
		acked=$((acked + 1))
	else
		check_eq "stream change $((i + 1)) (${words[*]}): exit status" 0 "$CTL_RC [$(t_flat "$CTL_ERR")]"
	fi
	v=
	if [[ "$CTL_OUT" =~ ^version\ ([0-9]+): ]]; then
		v=${BASH_REMATCH[1]}
	fi
	if ((STREAM_CHANGING[k])); then
		changed=$((changed + 1))
		if [[ "$v" != $((last_v + 1)) ]]; then
			check_eq "stream change $((i + 1)) (${words[*]}): version" "$((last_v + 1))" "${v:-none}: $CTL_OUT"
		fi
		[[ -n "$v" ]] && last_v=$v
	elif [[ -n "$v" && "$v" != "$last_v" ]]; then
		check_eq "stream change $((i + 1)) (${words[*]}, changes nothing): no new version" \
			"no version or $last_v" "$CTL_OUT"
	fi
done
stream_t1=$EPOCHREALTIME
stream_ms=$(((${stream_t1/[.,]/} - ${stream_t0/[.,]/}) / 1000))
check_eq "stream: all $STREAM_CHANGES changes acknowledged (exit 0)" "$STREAM_CHANGES" "$acked"
echo "  $STREAM_CHANGES changes in ${stream_ms} ms ($((stream_ms / STREAM_CHANGES)) ms each), $changed of them changing something"
check_eq "stream: dnsperf and the checker still running after the last change" "yes yes" \
	"$(pid_running "$perf_pid" && echo yes || echo no) $(pid_running "$checker_pid" && echo yes || echo no)"
while ((SECONDS - perf_t0 < STREAM_MIN_SECONDS)); do
	sleep 0.2
done
sleep 1
kill -INT "$perf_pid" 2>/dev/null || true
wait "$perf_pid" || true
touch "$stopfile"
wait "$checker_pid" || true
BG_PIDS=()

sent=$(awk '/Queries sent:/ { print $3 }' "$perf")
done_q=$(awk '/Queries completed:/ { print $3 }' "$perf")
lost=$(awk '/Queries lost:/ { print $3 }' "$perf")
qps=$(awk '/Queries per second:/ { printf "%.0f", $4 }' "$perf")
inter=$(awk '/Queries interrupted:/ { print $3 }' "$perf")
runtime=$(awk '/Run time \(s\):/ { printf "%.0f", $4 }' "$perf")
rcodes=$(awk '/Response codes:/ { sub(/^.*Response codes: */, ""); print }' "$perf")
check_cmp "dnsperf ran at least ${STREAM_MIN_SECONDS}s" "${runtime:-none}" -ge "$STREAM_MIN_SECONDS"
check_cmp "dnsperf sent queries at the rate asked" "${sent:-none}" -ge $((STREAM_QPS * ${runtime:-0} * 9 / 10))
check_cmp "dnsperf: Queries lost" "${lost:-none}" -eq 0
check_eq "dnsperf: completed + interrupted by the stop = sent" "${sent:-none}" \
	"$((${done_q:-0} + ${inter:-0}))"
check_match "dnsperf: every response NOERROR" "^NOERROR ${done_q:-x} \\(100\\.00%\\)$" "$rcodes"
echo "dnsperf: ${qps:-?} qps for ${runtime:-?} s while the changes streamed in, ${sent:-?} sent," \
	"${lost:-?} lost, ${inter:-0} in flight at the stop, response codes: ${rcodes:-?}"
if [[ -z "$lost" || "$lost" != 0 ]]; then
	echo "    dnsperf's output ($(grep -c '^\[Timeout\]' "$perf" || true) time-out lines left out):"
	grep -v '^\[Timeout\]' "$perf" | head -n 40 | sed 's/^/    | /'
fi
sed 's/^/  /' "$MX_TMP/checker.out"
check_match "checker: answers decoded" "^checker: [1-9][0-9]* answers, 0 bad, 0 lost" \
	"$(head -n 1 "$MX_TMP/checker.out")"

ctl_ok "stats --json" stats --json
stats1=$CTL_OUT
for rc in formerr servfail; do
	check_eq "stats: no new $rc" 0 \
		"$(python3 -c 'import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(b["rcode"].get(sys.argv[3], 0) - a["rcode"].get(sys.argv[3], 0))' "$stats0" "$stats1" "$rc")"
done
check_cmp "stats: noerror answers counted at least as dnsperf completed" \
	"$(jget 'd["rcode"]["noerror"]' "$stats1")" -ge "${done_q:-0}"

status_version
check_eq "stream: final version = start + changes that changed something" \
	"$((STREAM_V0 + changed))" "$CUR_V"
EXP_V=$CUR_V
ACCEPTED=$((ACCEPTED + changed))
echo "  journal records now $(jget 'd["journal_records"]' "$STATUS") (changes that changed something: $ACCEPTED)"
ctl_ok "pools --json" pools --json
check_eq "stream: final members" \
	"10 mx1.$Z 4 up
10 mx2.$Z 1 up
10 mx3.$Z 1 up
20 backup.$Z 1 up" "$(mx_members "$CTL_OUT")"
preview_next 6
mx_run 6 "after the stream"
check_eq "after the stream: selection as previewed" "${PREV[*]}" "${SELS[*]}"
check_eq "after the stream: weights 4 1 1 over 6" "4 1 1 0" \
	"$(count_sel "mx1.$Z") $(count_sel "mx2.$Z") $(count_sel "mx3.$Z") $(count_sel "mx5.$Z")"
for a in "${ANSS[@]}"; do
	check_eq "after the stream: 4 records, no mx5" "4 0" "$(grep -c . <<<"$a") $(grep -c " mx5.$Z\$" <<<"$a" || true)"
done

echo "== SIGINT"
mx_stop
check_eq "mxlbd exit status after SIGINT" 0 "$MX_RC"
after=$(sed -n '/^mxlbd: counters/,$p' "$MX_LOG")
for rc in formerr servfail; do
	check_eq "final counters: $rc total" 0 "$(awk -v k="$rc" '$1 == k { print $NF }' <<<"$after")"
done
printf '%s\n' "$after" | grep -E '^ *(rx|tx|tx_full|queries|noerror|formerr|servfail|dns_drop) |^mxlbd: port' |
	sed 's/^/    | /'

t_done
