#!/usr/bin/env bash
# make bench: runs every scripts/bench-*.sh in turn. Each prints its own
# figures as ratios against a baseline measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
only=${BENCH:-}
for b in scripts/bench-*.sh; do
	name=$(basename "$b" .sh)
	name=${name#bench-}
	if [ -n "$only" ] && [ "$only" != "$name" ]; then continue; fi
	echo "=== bench $name"
	bash "$b"
done
