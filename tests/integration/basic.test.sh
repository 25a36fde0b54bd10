#!/usr/bin/env bash
# basic: one worker serving basic.zone and lowttl.zone.
#   - MX pool selection goes mx1, mx2, mx3, mx1, ... (prefer mode: selected
#     at 10, the other group members at 11, backup at 20), AA set, RD copied,
#     RA clear, A records of the targets in the additional section in answer
#     order; the same through drill
#   - A pool rotation, single A record, question case echoed
#   - NXDOMAIN and NODATA with the SOA in authority at min(SOA TTL, MINIMUM)
#   - REFUSED outside the zones
#   - dnsperf for 5 s loses no query
#   - SIGINT: exit 0 and final counters
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"

Z=basic.example.
DNSPERF_QPS=${MXLB_IT_QPS:-20000}
DNSPERF_SECONDS=${MXLB_IT_SECONDS:-5}

# In-zone addresses of the exchanges: name address name address ...
ADDR_LIST="mx1.$Z 198.18.2.1 mx2.$Z 198.18.2.2 mx3.$Z 198.18.2.3 backup.$Z 198.18.2.20"

mx_start --zone "$IT_DIR/basic.zone" --zone "$IT_DIR/lowttl.zone" --ip "$SERVICE_V4"
echo "mxlbd ready (pid $MX_PID, test host $MX_NS, port $MX_IF)"

# Checks one MX answer (normalised output $2, query number $1) against the
# expected selected exchange $3.
check_mx_answer() {
	local n=$1 out=$2 want=$3 prefs flags sel others backup exch addl want_addl e i
	check_eq "q$n status" NOERROR "$(dns_get status "$out")"
	flags=$(dns_get flags "$out")
	check_word "q$n AA set" aa "$flags"
	check_no_word "q$n RA clear" ra "$flags"
	prefs=$(dns_fields answer "$out" 4 5 6)
	check_eq "q$n answer count" 4 "$(grep -c . <<<"$prefs" || true)"
	sel=$(awk '$1 == "MX" && $2 == 10 { print $3 }' <<<"$prefs")
	check_eq "q$n selected (the one at preference 10)" "mx$want.$Z" "$sel"
	others=$(awk '$1 == "MX" && $2 == 11 { print $3 }' <<<"$prefs" | sort | tr '\n' ' ')
	e=$(for i in 1 2 3; do ((i == want)) || echo "mx$i.$Z"; done | sort | tr '\n' ' ')
	check_eq "q$n other group members at preference 11" "$e" "$others"
	backup=$(awk '$1 == "MX" && $2 == 20 { print $3 }' <<<"$prefs")
	check_eq "q$n fallback at preference 20" "backup.$Z" "$backup"
	check_eq "q$n answer TTLs" 3600 "$(dns_fields answer "$out" 2 | sort -u)"
	exch=$(awk '{ print $3 }' <<<"$prefs")
	want_addl=$(awk -v m="$ADDR_LIST" '
		BEGIN { n = split(m, kv, " "); for (i = 1; i < n; i += 2) a[kv[i]] = kv[i + 1] }
		NF { print $1 " A " (($1 in a) ? a[$1] : "(none in zone)") }' <<<"$exch")
	addl=$(dns_fields additional "$out" 1 4 5 | awk '$2 == "A"')
	check_eq "q$n additional: A of the targets in answer order" "$want_addl" "$addl"
}

echo "== MX pool selection, 9 queries (kdig)"
for i in $(seq 0 8); do
	out=$(dnsq +rec "$Z" MX)
	echo "  q$((i + 1)): $(dns_fields answer "$out" 5 6 | tr '\n' ' ')"
	check_mx_answer $((i + 1)) "$out" $((i % 3 + 1))
	check_word "q$((i + 1)) RD copied" rd "$(dns_get flags "$out")"
done

echo "== MX through drill (query 10)"
out=$(drillq "$Z" MX)
echo "  q10: $(dns_fields answer "$out" 5 6 | tr '\n' ' ')"
check_mx_answer 10 "$out" 1

echo "== question case echoed (drill, query 11), RD clear stays clear (kdig, query 12)"
# kdig sends the name in lower case; drill sends it as given.
out=$(drillq BaSiC.ExAmPlE MX)
check_eq "question echoed byte for byte" "BaSiC.ExAmPlE. IN MX" "$(dns_get question "$out")"
check_eq "q11 selected" "mx2.$Z" "$(dns_fields answer "$out" 5 6 | awk '$1 == 10 { print $2 }')"
out=$(dnsq +norec "$Z" MX)
check_no_word "RD not set when not asked" rd "$(dns_get flags "$out")"
check_eq "q12 selected" "mx3.$Z" "$(dns_fields answer "$out" 5 6 | awk '$1 == 10 { print $2 }')"

echo "== A pool rotation"
for i in 0 1 2; do
	out=$(dnsq "www.$Z" A)
	want=$(for j in 0 1 2; do echo "198.18.3.$(((i + j) % 3 + 1))"; done)
	check_eq "www A query $((i + 1)): all three, rotated" "$want" "$(dns_fields answer "$out" 5)"
	check_word "www A query $((i + 1)): AA" aa "$(dns_get flags "$out")"
done
out=$(dnsq "single.$Z" A)
check_eq "single A record" "single.$Z 3600 IN A 198.18.3.9" "$(dns_get answer "$out")"

echo "== negative answers"
soa="$Z 300 IN SOA ns1.$Z hostmaster.$Z 1 7200 3600 1209600 300"
out=$(dnsq "nope.$Z" A)
check_eq "NXDOMAIN status" NXDOMAIN "$(dns_get status "$out")"
check_word "NXDOMAIN AA" aa "$(dns_get flags "$out")"
check_eq "NXDOMAIN empty answer" "" "$(dns_get answer "$out")"
check_eq "NXDOMAIN SOA in authority, TTL min(3600, 300)" "$soa" "$(dns_get authority "$out")"

out=$(dnsq "mx1.$Z" AAAA)
check_eq "NODATA status" NOERROR "$(dns_get status "$out")"
check_eq "NODATA empty answer" "" "$(dns_get answer "$out")"
check_eq "NODATA SOA in authority, TTL min(3600, 300)" "$soa" "$(dns_get authority "$out")"

out=$(dnsq nope.lowttl.example. A)
check_eq "NXDOMAIN (second zone) status" NXDOMAIN "$(dns_get status "$out")"
check_eq "NXDOMAIN (second zone) SOA TTL min(60, 900)" \
	"lowttl.example. 60 IN SOA ns1.lowttl.example. hostmaster.lowttl.example. 1 7200 3600 1209600 900" \
	"$(dns_get authority "$out")"

echo "== outside the zones"
for q in www.example.com. example. mx1.basic.example.org.; do
	out=$(dnsq "$q" A)
	check_eq "REFUSED for $q" REFUSED "$(dns_get status "$out")"
done

echo "== dnsperf, ${DNSPERF_SECONDS}s at ${DNSPERF_QPS} qps"
qfile=$MX_TMP/queries.txt
cat >"$qfile" <<EOF
$Z MX
www.$Z A
mx1.$Z A
single.$Z A
nope.$Z A
$Z SOA
mx2.$Z AAAA
EOF
perf=$MX_TMP/dnsperf.out
ns dnsperf -s "$SERVICE_V4" -d "$qfile" -l "$DNSPERF_SECONDS" -c 1 -Q "$DNSPERF_QPS" >"$perf" 2>&1 || true
sent=$(awk '/Queries sent:/ { print $3 }' "$perf")
lost=$(awk '/Queries lost:/ { print $3 }' "$perf")
qps=$(awk '/Queries per second:/ { printf "%.0f", $4 }' "$perf")
check_cmp "dnsperf sent queries" "${sent:-none}" -ge $((DNSPERF_QPS * DNSPERF_SECONDS * 9 / 10))
check_cmp "dnsperf lost queries" "${lost:-none}" -eq 0
echo "dnsperf: ${qps:-?} qps, ${lost:-?} lost"
if [[ -z "$lost" || "$lost" != 0 ]]; then
	echo "    dnsperf's output ($(grep -c '^\[Timeout\]' "$perf" || true) time-out lines left out):"
	grep -v '^\[Timeout\]' "$perf" | head -n 40 | sed 's/^/    | /'
fi

echo "== SIGINT"
mx_stop
check_eq "mxlbd exit status after SIGINT" 0 "$MX_RC"
after=$(sed -n '/^mxlbd: ready/,$p' "$MX_LOG" | tail -n +2)
check_eq "final counters printed after SIGINT" "mxlbd: counters" \
	"$(grep -x 'mxlbd: counters' <<<"$after" || true)"
queries=$(awk '$1 == "queries" { print $NF }' <<<"$after")
check_cmp "queries counted at least as many as sent" "${queries:-none}" -ge "$((${sent:-0} + 20))"
echo "  mxlbd's closing output:"
printf '%s\n' "$after" | sed 's/^/    | /'

t_done
