#!/usr/bin/env bash
# Installs the Debian packages that building, testing and the demo need, and
# only those that are missing. Quiet and quick when everything is present,
# since every public make target runs it first.
set -euo pipefail

PACKAGES=(
	gcc make pkg-config
	libdpdk-dev dpdk
	libldns-dev libcriterion-dev
	knot-dnsutils ldnsutils dnsperf
	knot
	iproute2 ethtool procps
	clang-format python3
	bpftool libbpf-dev iputils-ping
	clang libclang-rt-14-dev
	libssl-dev openssl
	postfix dovecot-pop3d dovecot-imapd
	gnuplot-nox # the plots of make bench-memif and bench-peers
)

# Prints the packages of PACKAGES that dpkg does not report as installed,
# with one dpkg-query call for all of them.
missing_packages() {
	local -A installed=()
	local pkg status
	while read -r pkg status; do
		if [[ "$status" == ii* ]]; then
			installed[$pkg]=1
		fi
	done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${PACKAGES[@]}" 2>/dev/null || true)
	for pkg in "${PACKAGES[@]}"; do
		if [[ -z "${installed[$pkg]:-}" ]]; then
			printf '%s\n' "$pkg"
		fi
	done
}

mapfile -t missing < <(missing_packages)

if ((${#missing[@]} > 0)); then
	echo "deps: installing ${missing[*]}"
	if ((EUID == 0)); then
		as_root=()
	elif command -v sudo >/dev/null 2>&1; then
		as_root=(sudo)
	else
		echo "deps: missing packages: ${missing[*]}" >&2
		echo "deps: not root and no sudo; install them as root" >&2
		exit 1
	fi
	installing=("${missing[@]}")
	# Postfix (for the health checker's integration test) asks how to
	# configure itself; answer before the install: local only.
	if [[ " ${installing[*]} " == *" postfix "* ]]; then
		echo "postfix postfix/main_mailer_type select Local only" |
			"${as_root[@]}" debconf-set-selections
		echo "postfix postfix/mailname string mxlb.test" |
			"${as_root[@]}" debconf-set-selections
	fi
	"${as_root[@]}" apt-get update -q
	"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends "${missing[@]}"
	# The knot package (knotd, for the differential test) starts and enables
	# the system's knotd on install. The tests run knotd of their own, with
	# their own configuration, in their own namespace; the system's is of no
	# use to them: stop and disable it (systemd, or the init script where
	# there is no systemd, as in containers).
	if [[ " ${installing[*]} " == *" knot "* ]]; then
		echo "deps: stopping and disabling the system's knotd (the tests start their own)"
		if [[ -d /run/systemd/system ]]; then
			"${as_root[@]}" systemctl disable --now knot.service || true
		elif [[ -x /etc/init.d/knot ]]; then
			"${as_root[@]}" /etc/init.d/knot stop >/dev/null 2>&1 || true
			"${as_root[@]}" update-rc.d knot disable >/dev/null 2>&1 || true
		fi
	fi
	# The same for Postfix and Dovecot: the health test runs instances of
	# its own, bound to its own namespace's addresses.
	for svc in postfix dovecot; do
		if [[ " ${installing[*]} " == *" $svc"* ]]; then
			echo "deps: stopping and disabling the system's $svc (the tests start their own)"
			if [[ -d /run/systemd/system ]]; then
				"${as_root[@]}" systemctl disable --now "$svc.service" || true
			elif [[ -x /etc/init.d/$svc ]]; then
				"${as_root[@]}" "/etc/init.d/$svc" stop >/dev/null 2>&1 || true
				"${as_root[@]}" update-rc.d "$svc" disable >/dev/null 2>&1 || true
			fi
		fi
	done
	mapfile -t missing < <(missing_packages)
	if ((${#missing[@]} > 0)); then
		echo "deps: still missing after install: ${missing[*]}" >&2
		exit 1
	fi
fi

if ! pkg-config --exists libdpdk ldns criterion libbpf; then
	for lib in libdpdk ldns criterion libbpf; do
		pkg-config --exists "$lib" || echo "deps: pkg-config does not find $lib" >&2
	done
	exit 1
fi
