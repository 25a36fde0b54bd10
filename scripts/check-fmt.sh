#!/usr/bin/env bash
# Fails, listing them, when clang-format with the repository's .clang-format
# would change any tracked C source or header. `make fmt` fixes them.
set -euo pipefail

cd "$(dirname "$0")/.."

if ! command -v clang-format >/dev/null 2>&1; then
	echo "check-fmt: clang-format not found (make deps installs it)" >&2
	exit 1
fi

if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	echo "check-fmt: not in a git work tree; it checks the files git tracks" >&2
	exit 1
fi
mapfile -t files < <(git ls-files -- '*.c' '*.h')
if ((${#files[@]} == 0)); then
	echo "check-fmt: no tracked C files"
	exit 0
fi

bad=()
for f in "${files[@]}"; do
	[[ -f "$f" ]] || continue
	if ! msg=$(clang-format --style=file --dry-run -Werror "$f" 2>&1); then
		bad+=("$f")
		# Anything but a formatting difference (a bad .clang-format, an
		# unreadable file) is shown as clang-format said it.
		if ! grep -q 'clang-format-violations' <<<"$msg"; then
			printf '%s\n' "$msg" | head -n 3 >&2
		fi
	fi
done

if ((${#bad[@]} > 0)); then
	echo "check-fmt: ${#bad[@]} of ${#files[@]} files need clang-format (run make fmt):" >&2
	printf '  %s\n' "${bad[@]}" >&2
	exit 1
fi
echo "check-fmt: ${#files[@]} files formatted"
