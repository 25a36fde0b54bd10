#!/usr/bin/env bash
# modes: --mx-mode rotate and --mx-mode single on basic.zone, one worker.
#   rotate: every record, preferences unchanged, group 10 rotated so that the
#           selected exchange comes first, the fallback after it
#   single: only the selected exchange, and only its A record in additional
# A pools rotate in both modes.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"

Z=basic.example.
members=("mx1.$Z" "mx2.$Z" "mx3.$Z")
declare -A ADDR=([mx1.$Z]=198.18.2.1 [mx2.$Z]=198.18.2.2 [mx3.$Z]=198.18.2.3)

echo "== --mx-mode rotate"
mx_start --zone "$IT_DIR/basic.zone" --ip "$SERVICE_V4" --mx-mode rotate
for i in 0 1 2 3; do
	out=$(dnsq "$Z" MX)
	got=$(dns_fields answer "$out" 5 6)
	echo "  q$((i + 1)): $(tr '\n' ' ' <<<"$got")"
	want=$(for j in 0 1 2; do echo "10 ${members[(i + j) % 3]}"; done; echo "20 backup.$Z")
	check_eq "rotate q$((i + 1)): group rotated, values kept, fallback last" "$want" "$got"
	check_word "rotate q$((i + 1)): AA" aa "$(dns_get flags "$out")"
done
out=$(dnsq "www.$Z" A)
check_eq "rotate: A pool still rotates (first query)" \
	"198.18.3.1 198.18.3.2 198.18.3.3" "$(dns_fields answer "$out" 5 | tr '\n' ' ' | sed 's/ $//')"
mx_stop
check_eq "rotate: exit status after SIGINT" 0 "$MX_RC"

echo "== --mx-mode single"
mx_start --zone "$IT_DIR/basic.zone" --ip "$SERVICE_V4" --mx-mode single
for i in 0 1 2 3; do
	out=$(dnsq "$Z" MX)
	got=$(dns_fields answer "$out" 5 6)
	sel=${members[i % 3]}
	echo "  q$((i + 1)): $(tr '\n' ' ' <<<"$got")"
	check_eq "single q$((i + 1)): only the selected exchange" "10 $sel" "$got"
	check_eq "single q$((i + 1)): additional holds its A record only" \
		"$sel A ${ADDR[$sel]}" "$(dns_fields additional "$out" 1 4 5 | awk '$2 == "A"')"
done
mx_stop
check_eq "single: exit status after SIGINT" 0 "$MX_RC"

t_done
