#!/usr/bin/env bash
# Prints the commit a benchmark ran on, for its RESULTS.md entry: the short
# hash, marked "(with uncommitted changes)" when a tracked file differs from
# it. The benchmarks' own outputs (bench/RESULTS.md, the plots and their
# data), which a run rewrites before it records, do not count.
set -euo pipefail
cd "$(dirname "$0")/.."

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n "$(git status --porcelain --untracked-files=no -- . ':(exclude)bench/RESULTS.md' \
	':(exclude)bench/*.png' ':(exclude)bench/*.dat' 2>/dev/null)" ]]; then
	commit+=" (with uncommitted changes)"
fi
echo "$commit"
