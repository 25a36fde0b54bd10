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
	iproute2 ethtool procps
	clang-format python3
	clang libclang-rt-14-dev
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
	"${as_root[@]}" apt-get update -q
	"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends "${missing[@]}"
	mapfile -t missing < <(missing_packages)
	if ((${#missing[@]} > 0)); then
		echo "deps: still missing after install: ${missing[*]}" >&2
		exit 1
	fi
fi

if ! pkg-config --exists libdpdk ldns criterion; then
	for lib in libdpdk ldns criterion; do
		pkg-config --exists "$lib" || echo "deps: pkg-config does not find $lib" >&2
	done
	exit 1
fi
