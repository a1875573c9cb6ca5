#!/usr/bin/env bash
# Live latency benchmark (issue #8): 100 segments of a real-time UDP stream
# through `veza segment`'s live path (pkg/live). For each segment, the time
# from its file being complete on disk to veza's playlist naming it, to its
# catalog row, to GET /api/jobs/{id} and to the playlist a pkg/serve handler
# returns. Prints median and p99 of each. Takes about 70 s.
# Target: median <= 50 ms. VEZA_BENCH_STRICT=1 fails on a miss.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(go test -run '^$' -bench BenchmarkLatency -benchtime 1x -v ./pkg/live)
echo "$out" | grep -E '^(Benchmark|ok|FAIL)|bench_test.go' | sed 's/^ *bench_test.go:[0-9]*: //'
echo "$out" | awk -v strict="${VEZA_BENCH_STRICT:-0}" '
	/^BenchmarkLatency.*ns\/op/ {
		for (i = 1; i < NF; i++) {
			if ($(i+1) == "playlist-p50-ms") p = $i
			if ($(i+1) == "catalog-p50-ms") c = $i
			if ($(i+1) == "serve-fresh-p50-ms") s = $i
		}
		printf "live: median to playlist %.1f ms, to catalog row %.1f ms, to serve (1 ms stat cache) %.1f ms (target <= 50 ms: %s)\n",
			p, c, s, (p <= 50 && c <= 50 && s <= 50) ? "ok" : "MISSED"
		if (!(p <= 50 && c <= 50 && s <= 50)) miss++
	}
	END { if (strict == "1" && miss) exit 1 }'
