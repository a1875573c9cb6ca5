#!/usr/bin/env bash
# Catalog benchmark (issue #4): a catalog of 1,000,000 segments (10,000 tracks
# × 4 renditions × 25 segments) on a real file. Prints the bulk insert rate of
# UpsertSegments and the latency of the per-request queries.
# Targets: ≥ 100,000 rows/s; p99 < 5 ms. VEZA_BENCH_STRICT=1 fails on a miss.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(go test -run '^$' -bench . -benchtime "${BENCHTIME:-1s}" ./pkg/catalog)
echo "$out" | grep -E '^(Benchmark|ok|FAIL)'
echo "$out" | awk -v strict="${VEZA_BENCH_STRICT:-0}" '
	function verdict(ok) { if (!ok) miss++; return ok ? "ok" : "MISSED" }
	/^BenchmarkInsert1M/ {
		for (i = 1; i < NF; i++) if ($(i+1) == "rows/s") r = $i
		printf "catalog: bulk insert %d segments/s (target >= 100000: %s)\n", r, verdict(r >= 100000)
	}
	/^Benchmark(JobStatus|Track|Segments)1M/ {
		name = $1; sub(/^Benchmark/, "", name); sub(/1M(-[0-9]+)?$/, "", name)
		for (i = 1; i < NF; i++) { if ($(i+1) == "p50-ms") p50 = $i; if ($(i+1) == "p99-ms") p99 = $i }
		printf "catalog: %-9s p50 %.3f ms, p99 %.3f ms (target p99 < 5 ms: %s)\n", name, p50, p99, verdict(p99 < 5)
	}
	/^BenchmarkTracks1M/ { printf "catalog: list of all 10000 tracks %.0f ms\n", $3 / 1e6 }
	END { if (miss && strict == 1) exit 1 }'
