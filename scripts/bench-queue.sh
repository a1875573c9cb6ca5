#!/usr/bin/env bash
# Queue benchmark (issue #18). Twenty 4-second audio files through the
# 4-rung audio ladder, two ways, in interleaved rounds:
#   queue: veza submit to Debian's nats-server, two idle `veza worker --jobs 1`
#          (started before the clock), until veza jobs shows all 20 done;
#   local: veza ladder --jobs 2 on the same files.
# Target: the queue path within 1.1x of the local one. Also prints, from
# `go test -bench` on embedded JetStream: submitting 10,000 jobs (target
# >= 1,000 jobs/s), `veza jobs`'s listing of them (target < 1 s) and the
# median from a submit to an idle worker starting the job (target < 50 ms).
# VEZA_BENCH_STRICT=1 fails on a miss.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
JOBS=${JOBS:-20}
strict=${VEZA_BENCH_STRICT:-0}
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
veza=$PWD/bin/veza
[ -x "$veza" ] || go build -o "$veza" ./cmd/veza
nats=$(command -v nats-server || echo /usr/sbin/nats-server)
[ -x "$nats" ] || { echo "bench-queue: nats-server missing; run scripts/deps.sh" >&2; exit 1; }

port=$((20000 + RANDOM % 20000))
"$nats" -a 127.0.0.1 -p "$port" -js -sd "$work/nats" >"$work/nats.log" 2>&1 &
pids+=($!)
url=nats://127.0.0.1:$port
for _ in $(seq 100); do "$veza" jobs --queue "$url" >/dev/null 2>&1 && break; sleep 0.1; done

mkdir -p "$work/in"
for i in $(seq -w 1 "$JOBS"); do
	ffmpeg -hide_banner -loglevel error -y -f lavfi -i "sine=frequency=$((200 + 10#$i * 20)):sample_rate=48000:duration=${SECONDS_EACH:-4}" \
		-ac 2 "$work/in/t$i.wav"
done
for w in 1 2; do
	"$veza" worker --queue "$url" --name "w$w" --jobs 1 --catalog "$work/w$w.db" 2>"$work/w$w.log" &
	pids+=($!)
done

now() { date +%s.%N; }
queue_round() { # out
	local out=$1 start n
	start=$(now)
	"$veza" submit --queue "$url" --ladder audio -o "$out" "$work"/in/*.wav >/dev/null
	while :; do
		n=$("$veza" jobs --queue "$url" --state done 2>/dev/null | grep -cF " $out/" || true)
		[ "$n" -ge "$JOBS" ] && break
		sleep 0.05
	done
	echo "$(now) - $start" | bc -l
}
local_round() { # out
	local start
	start=$(now)
	"$veza" ladder --ladder audio --jobs 2 -o "$1" "$work"/in/*.wav >/dev/null 2>&1
	echo "$(now) - $start" | bc -l
}

ratios=()
for r in $(seq "$ROUNDS"); do
	l=$(local_round "$work/local$r")
	q=$(queue_round "$work/queue$r")
	ratios+=("$(echo "$q / $l" | bc -l)")
	printf "queue: round %d: local %.2f s, queue %.2f s, queue/local %.3f\n" "$r" "$l" "$q" "${ratios[-1]}"
done
med=$(printf '%s\n' "${ratios[@]}" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}')
miss=0
ok() { if [ "$1" = 1 ]; then echo ok; else miss=1; echo MISSED; fi; }
printf "queue: %d audio-ladder jobs, median queue/local %.3f (target <= 1.1: %s)\n" "$JOBS" "$med" "$(ok "$(echo "$med <= 1.1" | bc -l)")"

out=$(go test -run '^$' -bench 'Submit10k' -benchtime 1x ./pkg/queue 2>&1; go test -run '^$' -bench SubmitToStart -benchtime 200x ./pkg/queue 2>&1)
echo "$out" | grep -E '^(Benchmark|FAIL)' || true
rate=$(echo "$out" | awk '/^BenchmarkSubmit10k/ { for (i = 1; i < NF; i++) if ($(i+1) == "jobs/s") print $i }')
list=$(echo "$out" | awk '/^BenchmarkSubmit10k/ { for (i = 1; i < NF; i++) if ($(i+1) == "list-s") print $i }')
p50=$(echo "$out" | awk '/^BenchmarkSubmitToStart/ { for (i = 1; i < NF; i++) if ($(i+1) == "p50-ms") v = $i } END { print v }')
printf "queue: submit of 10000 jobs to embedded JetStream %.0f jobs/s (target >= 1000: %s)\n" "$rate" "$(ok "$(echo "$rate >= 1000" | bc -l)")"
printf "queue: veza jobs listing 10000 jobs %.3f s (target < 1 s: %s)\n" "$list" "$(ok "$(echo "$list < 1" | bc -l)")"
printf "queue: submit to an idle worker starting the job, median %.2f ms (target < 50 ms: %s)\n" "$p50" "$(ok "$(echo "$p50 < 50" | bc -l)")"
[ "$miss" = 1 ] && [ "$strict" = 1 ] && exit 1
exit 0
