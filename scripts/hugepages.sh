#!/usr/bin/env bash
# Ensures that at least MXLB_HUGEPAGES (default 512) 2 MB hugepages are
# reserved and that hugetlbfs is mounted at /dev/hugepages. Running it again
# changes nothing once both hold. Needs root.
set -euo pipefail

want=${MXLB_HUGEPAGES:-512}
mnt=/dev/hugepages
nr=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages

if ! [[ "$want" =~ ^[0-9]+$ ]]; then
	echo "hugepages: MXLB_HUGEPAGES must be a number of pages, not '$want'" >&2
	exit 1
fi
if [[ ! -e "$nr" ]]; then
	echo "hugepages: this kernel has no 2 MB hugepages ($nr missing)" >&2
	exit 1
fi

have=$(<"$nr")
mounted=0
if awk -v m="$mnt" '$2 == m && $3 == "hugetlbfs" { found = 1 } END { exit !found }' /proc/mounts; then
	mounted=1
fi

if ((have >= want && mounted)); then
	exit 0
fi

if ((EUID != 0)); then
	echo "hugepages: need root to reserve $want hugepages and mount hugetlbfs" \
		"(now $have reserved, hugetlbfs at $mnt: $([[ $mounted == 1 ]] && echo yes || echo no));" \
		"run: sudo $0" >&2
	exit 1
fi

if ((have < want)); then
	echo "$want" >"$nr"
	have=$(<"$nr")
	if ((have < want)); then
		echo "hugepages: asked for $want 2 MB hugepages, the kernel reserved only $have" \
			"(memory too fragmented or too small)" >&2
		exit 1
	fi
	echo "hugepages: $have 2 MB hugepages reserved"
fi

if ((!mounted)); then
	mkdir -p "$mnt"
	mount -t hugetlbfs -o pagesize=2M nodev "$mnt"
	echo "hugepages: hugetlbfs mounted at $mnt"
fi
