#!/usr/bin/env bash
# health: `mxlbctl health` against real mail servers from Debian packages
# (Postfix for SMTP, Dovecot for POP3 and IMAP), each an instance of our own
# with its own configuration in the scenario's temp directory, on a mail
# host of their own: namespace mxh<pid>, joined to the test host by a veth
# pair, 198.18.2.0/24. mxlbd (one worker) serves health.zone; the checker
# runs on the test host (where mxlbd's service address is), resolves the
# exchange and target names through mxlbd itself, and probes:
#   mx1, mx2       smtp 25 starttls tls-verify=name   (MX pool, Postfix)
#   198.18.2.21    pop3 110 starttls                  (A pool, Dovecot 1)
#   198.18.2.22    pop3 110                           (A pool, Dovecot 2)
#   imap1          imaps 993 tls-verify=name          (SRV pool, Dovecot 1)
#   imap2          imap 143 starttls                  (SRV pool, Dovecot 2)
# Checks:
#   - a bad configuration line is refused with FILE:LINE and exit 1
#   - every member comes up; `mxlbctl pools` (text and --json) shows the
#     results beside the members
#   - Postfix 2 stopped: mx2 leaves the MX answers within interval x fall
#     (+ slack), the log gives the reason; started again: back within
#     interval x rise (+ slack)
#   - Dovecot 2 stopped: 198.18.2.22 leaves the A answers and imap2 the SRV
#     answers; started again: both back
#   - SIGTERM stops the checker (exit 0) and its results leave `pools`
set -euo pipefail
MX_LCORES=0-1
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"

MXLBCTL=${MXLBCTL:-$MXLB_ROOT/build/mxlbctl}
Z=health.test
INTERVAL_MS=1000
FALL=2
RISE=2
SLACK_MS=${MXLB_IT_HEALTH_SLACK_MS:-1500}
MAIL_NS=mxh$$
MAIL_A=mxh$$-a # on the test host: 198.18.2.1
MAIL_B=mxh$$-b # on the mail host: the servers' addresses
HCONF=$MX_TMP/health.conf
HLOG=$MX_TMP/health.log
HPID=

for cmd in postfix dovecot openssl; do
	if ! command -v "$cmd" >/dev/null 2>&1; then
		echo "$cmd not installed (make deps installs postfix, dovecot-pop3d, dovecot-imapd)" >&2
		exit 1
	fi
done

# Postfix runs its daemons as user postfix: they must reach their queue.
chmod 755 "$MX_TMP"

declare -A PF_PID=() DV_PID=()

# shellcheck disable=SC2317 # invoked by the trap
health_cleanup() {
	local rc=$? p
	set +e
	if [[ -n "$HPID" ]]; then
		kill -TERM "$HPID" 2>/dev/null
		pid_wait_gone "$HPID" 10 || kill -KILL "$HPID" 2>/dev/null
	fi
	for p in "${PF_PID[@]}" "${DV_PID[@]}"; do
		srv_stop "$p"
	done
	ip netns del "$MAIL_NS" 2>/dev/null
	(exit "$rc")
	mx_cleanup
}
trap health_cleanup EXIT

ms_now() {
	local t=$EPOCHREALTIME
	echo $((${t/[.,]/} / 1000))
}

# ------------------------------------------------------------ the mail host

mail_host_up() {
	local a
	ip netns add "$MAIL_NS"
	ip link add "$MAIL_A" type veth peer name "$MAIL_B"
	ip link set dev "$MAIL_A" netns "$MX_NS"
	ip link set dev "$MAIL_B" netns "$MAIL_NS"
	ns ip addr add 198.18.2.1/24 dev "$MAIL_A"
	ns ip link set dev "$MAIL_A" up
	ip -n "$MAIL_NS" link set dev lo up
	for a in 198.18.2.11 198.18.2.12 198.18.2.21 198.18.2.22; do
		ip -n "$MAIL_NS" addr add "$a/24" dev "$MAIL_B"
	done
	ip -n "$MAIL_NS" link set dev "$MAIL_B" up
	# One certificate names every server.
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
		-keyout "$MX_TMP/key.pem" -out "$MX_TMP/cert.pem" -subj "/CN=mx1.$Z" \
		-addext "subjectAltName=DNS:mx1.$Z,DNS:mx2.$Z,DNS:imap1.$Z,DNS:imap2.$Z" \
		2>/dev/null
}

# Waits up to 10 s until ADDR:PORT accepts connections (from the test host).
wait_port() {
	local deadline=$((SECONDS + 10))
	until ns timeout 1 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; do
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}

# pf_start N ADDR: Postfix instance N listening on ADDR:25 with STARTTLS.
pf_start() {
	local n=$1 addr=$2 d=$MX_TMP/pf$1
	mkdir -p "$d/conf" "$d/queue" "$d/data"
	chown postfix "$d/data"
	cat >"$d/conf/main.cf" <<-EOF
		compatibility_level = 3.6
		queue_directory = $d/queue
		data_directory = $d/data
		mail_owner = postfix
		myhostname = mx$n.$Z
		inet_interfaces = $addr
		inet_protocols = ipv4
		mydestination =
		local_recipient_maps =
		alias_maps =
		alias_database =
		maillog_file_prefixes = $MX_TMP
		maillog_file = $d/maillog
		smtpd_tls_cert_file = $MX_TMP/cert.pem
		smtpd_tls_key_file = $MX_TMP/key.pem
		smtpd_tls_security_level = may
	EOF
	cat >"$d/conf/master.cf" <<-EOF
		$addr:25 inet n - n - - smtpd
		cleanup unix n - n - 0 cleanup
		qmgr unix n - n 300 1 qmgr
		rewrite unix - - n - - trivial-rewrite
		bounce unix - - n - 0 bounce
		defer unix - - n - 0 bounce
		trace unix - - n - 0 bounce
		verify unix - - n - 1 verify
		proxymap unix - - n - - proxymap
		error unix - - n - - error
		retry unix - - n - - error
		discard unix - - n - - discard
		anvil unix - - n - 1 anvil
		scache unix - - n - 1 scache
		tlsmgr unix - - n 1000? 1 tlsmgr
		postlog unix-dgram n - n - 1 postlogd
	EOF
	# In a PID namespace of its own, with the master in the foreground as
	# its init: every daemon it forks is reaped, none is left behind.
	ip netns exec "$MAIL_NS" unshare --pid --fork postfix -c "$d/conf" start-fg \
		>"$d/fg.log" 2>&1 &
	PF_PID[$n]=$!
	wait_port "$addr" 25
}

# srv_stop PID: ends the server under unshare PID: SIGTERM to its init (the
# master), then waits for unshare, which reaps it.
srv_stop() {
	local init
	init=$(cat "/proc/$1/task/$1/children" 2>/dev/null) || true
	kill -TERM "${init:-$1}" 2>/dev/null || true
	pid_wait_gone "$1" 10 || kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

pf_stop() {
	srv_stop "${PF_PID[$1]}"
	unset "PF_PID[$1]"
}

# dv_start N ADDR: Dovecot instance N, POP3 and IMAP (plain, STARTTLS,
# implicit TLS) on ADDR.
dv_start() {
	local n=$1 addr=$2 d=$MX_TMP/dv$1
	mkdir -p "$d/run" "$d/state" "$d/mail"
	cat >"$d/dovecot.conf" <<-EOF
		base_dir = $d/run
		state_dir = $d/state
		log_path = $d/log
		protocols = pop3 imap
		listen = $addr
		ssl = yes
		ssl_cert = <$MX_TMP/cert.pem
		ssl_key = <$MX_TMP/key.pem
		mail_location = maildir:$d/mail/%u
		passdb {
		  driver = static
		  args = password=unused
		}
		userdb {
		  driver = static
		  args = uid=nobody gid=nogroup home=$d/mail/%u
		}
	EOF
	ip netns exec "$MAIL_NS" unshare --pid --fork dovecot -F -c "$d/dovecot.conf" \
		>"$d/fg.log" 2>&1 &
	DV_PID[$n]=$!
	wait_port "$addr" 110 && wait_port "$addr" 143 && wait_port "$addr" 993
}

dv_stop() {
	srv_stop "${DV_PID[$1]}"
	unset "DV_PID[$1]"
}

# ------------------------------------------------------------------ answers

mx_exchanges() {
	dns_fields answer "$(dnsq "$Z" MX)" 6 | sort | xargs
}
pop_addresses() {
	dns_fields answer "$(dnsq "pop.$Z" A)" 5 | sort | xargs
}
imap_targets() {
	dns_fields answer "$(dnsq "_imap._tcp.$Z" SRV)" 8 | sort | xargs
}

# wait_answer DESC FUNCTION EXPECTED LIMIT_MS: polls FUNCTION until it
# prints EXPECTED; checks that it did within LIMIT_MS of T0 (ms_now when
# the server was told to stop, or when it accepted connections again).
wait_answer() {
	local desc=$1 fn=$2 want=$3 limit=$4 t0=$T0 got
	while :; do
		got=$($fn)
		WAITED_MS=$(($(ms_now) - t0))
		[[ "$got" == "$want" ]] && break
		((WAITED_MS < limit + 5000)) || break
		sleep 0.1
	done
	check_eq "$desc" "$want" "$got"
	check_cmp "$desc: within ${limit} ms (took $WAITED_MS ms)" "$WAITED_MS" -le "$limit"
	echo "  $desc: $WAITED_MS ms (limit $limit)"
}

ctl() {
	CTL_RC=0
	CTL_OUT=$(timeout 20 "$MXLBCTL" -p "$MX_PREFIX" "$@" 2>"$MX_TMP/ctl.err") || CTL_RC=$?
	CTL_ERR=$(<"$MX_TMP/ctl.err")
}

# --------------------------------------------------------------- the scenario

mx_start --zone "$IT_DIR/health.zone" --ip "$SERVICE_V4"
mail_host_up
pf_start 1 198.18.2.11
pf_start 2 198.18.2.12
dv_start 1 198.18.2.21
dv_start 2 198.18.2.22

cat >"$HCONF" <<EOF
# the scenario's checks; names resolved by mxlbd itself
resolver=$SERVICE_V4 interval=${INTERVAL_MS}ms timeout=500ms fall=$FALL rise=$RISE
mx1.$Z      smtp  25  starttls tls-verify=name
mx2.$Z      smtp  25  starttls tls-verify=name
198.18.2.21 pop3  110 starttls
198.18.2.22 pop3  110
imap1.$Z    imaps 993 tls-verify=name
imap2.$Z    imap  143 starttls
EOF

# A bad line is refused before anything starts.
printf 'mx1.%s smtp 25\nmx2.%s smtpx 25\n' "$Z" "$Z" >"$MX_TMP/bad.conf"
ctl health --config "$MX_TMP/bad.conf"
check_eq "bad configuration: exit status" 1 "$CTL_RC"
check_eq "bad configuration: FILE:LINE: reason" \
	"mxlbctl health: $MX_TMP/bad.conf:2: unknown protocol 'smtpx' (tcp, smtp, submission, smtps, pop3, pop3s, imap, imaps)" \
	"$CTL_ERR"
ctl health --config "$HCONF" --check
check_eq "--check of the good configuration" "0 mxlbctl health: $HCONF: 6 checks" \
	"$CTL_RC $CTL_OUT"

ip netns exec "$MX_NS" "$MXLBCTL" -p "$MX_PREFIX" health --config "$HCONF" >"$HLOG" 2>&1 &
HPID=$!

# Every member up: six "up X: mxlbd: ..." acknowledgements.
deadline=$((SECONDS + 15))
while (($(grep -c '^mxlbctl health: up .*: mxlbd: ' "$HLOG" || true) < 6)); do
	if ((SECONDS >= deadline)) || ! pid_running "$HPID"; then
		break
	fi
	sleep 0.2
done
check_eq "all six members acknowledged up" 6 "$(grep -c '^mxlbctl health: up .*: mxlbd: ' "$HLOG" || true)"
check_match "names resolved through mxlbd" "mxlbctl health: mx2\\.$Z: addresses 198\\.18\\.2\\.12" \
	"$(cat "$HLOG")"
check_eq "MX answers: both exchanges" "mx1.$Z. mx2.$Z." "$(mx_exchanges)"
check_eq "A answers: both POP3 servers" "198.18.2.21 198.18.2.22" "$(pop_addresses)"
check_eq "SRV answers: both IMAP servers" "imap1.$Z. imap2.$Z." "$(imap_targets)"

ctl pools "$Z" MX
check_eq "pools: exit status" 0 "$CTL_RC"
check_match "pools: mx2's result beside it" \
	"10 mx2\\.$Z\\. +weight 1 +up +served [0-9]+
    health smtp/25: up since [0-9T:Z-]+; last [0-9T:Z-]+ ok: smtp 198\\.18\\.2\\.12:25: ok, certificate expires" \
	"$CTL_OUT"
ctl pools "pop.$Z" A --json
check_eq "pools --json: health of 198.18.2.22" "pop3 110 up ok true" "$(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
m = [m for p in d["pools"] for m in p["members"] if m["rdata"] == "198.18.2.22"][0]
h = m["health"][0]
print(h["protocol"], h["port"], h["state"], h["last"], json.dumps(h["checker_running"]))
' "$CTL_OUT" 2>&1)"

# Postfix 2 stops: mx2 leaves the answers within interval x fall.
T0=$(ms_now)
pf_stop 2
wait_answer "Postfix 2 stopped: mx2 leaves the MX answers" mx_exchanges "mx1.$Z." \
	$((INTERVAL_MS * FALL + SLACK_MS))
check_match "the log gives the reason" \
	"mxlbctl health: mx2\\.$Z: down: smtp 198\\.18\\.2\\.12:25: connect: Connection refused" \
	"$(cat "$HLOG")"
ctl pools "$Z" MX
check_match "pools: mx2 down, with the failure" \
	"10 mx2\\.$Z\\. +weight 1 +down +served [0-9]+
    health smtp/25: down since [0-9T:Z-]+; last [0-9T:Z-]+ failed: smtp 198\\.18\\.2\\.12:25: connect: Connection refused" \
	"$CTL_OUT"

# ... and starts again: back within interval x rise.
pf_start 2 198.18.2.12
T0=$(ms_now)
wait_answer "Postfix 2 started: mx2 back in the MX answers" mx_exchanges "mx1.$Z. mx2.$Z." \
	$((INTERVAL_MS * RISE + SLACK_MS))

# Dovecot 2 stops: its address leaves the A pool, its name the SRV pool.
T0=$(ms_now)
dv_stop 2
wait_answer "Dovecot 2 stopped: 198.18.2.22 leaves the A answers" pop_addresses "198.18.2.21" \
	$((INTERVAL_MS * FALL + SLACK_MS))
wait_answer "Dovecot 2 stopped: imap2 leaves the SRV answers" imap_targets "imap1.$Z." \
	$((INTERVAL_MS * FALL + SLACK_MS))
dv_start 2 198.18.2.22
T0=$(ms_now)
wait_answer "Dovecot 2 started: 198.18.2.22 back" pop_addresses "198.18.2.21 198.18.2.22" \
	$((INTERVAL_MS * RISE + SLACK_MS))
wait_answer "Dovecot 2 started: imap2 back" imap_targets "imap1.$Z. imap2.$Z." \
	$((INTERVAL_MS * RISE + SLACK_MS))

# SIGTERM: the checker stops, and its results leave pools.
kill -TERM "$HPID"
rc=0
wait "$HPID" || rc=$?
HPID=
check_eq "SIGTERM: the checker exits 0" 0 "$rc"
check_match "SIGTERM: the checker says it stopped" "mxlbctl health: stopped: [0-9]+ rounds" \
	"$(cat "$HLOG")"
ctl pools "$Z" MX
check_no_word "pools without a checker: no health lines" "health" "$CTL_OUT"

if ((T_FAILS > 0)); then
	echo "  checker log:"
	sed 's/^/    | /' "$HLOG"
fi
t_done
