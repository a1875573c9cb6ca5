#!/usr/bin/env bash
# Transcode benchmark (issues #3, #14): veza against the command an expert
# types without looking at veza. For each case, `veza transcode` and that
# ffmpeg command run on the same input, interleaved over ROUNDS rounds in
# this one run. Printed: median wall and CPU (user+sys, ffmpeg included)
# ratios veza/expert, the peak RSS of the veza process itself (VmHWM,
# sampled while it runs: veza's own memory, ffmpeg's excluded) and
# /usr/bin/time's %M for the veza run (the largest process of the tree,
# normally ffmpeg). Targets: wall <= 1.02x on the 60 s job, veza RSS <= 40 MB.
#   video: 60 s 1920x1080 H.264 source, preset h264-720p (H.264 CRF 23 up to 720p + AAC 128k)
#   audio: 120 s stereo WAV, preset aac-128
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
veza=./bin/veza
[ -x "$veza" ] || { echo "bench-transcode: build first (make build)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench-transcode: needs /usr/bin/time (VEZA_DEPS_BENCH=1 scripts/deps.sh)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=1920x1080:rate=30:duration=60" \
	-f lavfi -i "sine=frequency=440:sample_rate=48000:duration=60" \
	-c:v libx264 -preset ultrafast -crf 18 -pix_fmt yuv420p -c:a aac -b:a 192k -shortest "$work/v.mp4"
ffmpeg -hide_banner -loglevel error -y -f lavfi -i "sine=frequency=330:sample_rate=48000:duration=120" -ac 2 "$work/a.wav"

# The expert's commands, as ffmpeg's H.264 and AAC encoding guides write
# them for "H.264 at CRF 23, 720p, AAC 128k, web-ready MP4" and "AAC 128k".
expert_video() {
	ffmpeg -hide_banner -nostdin -y -i "$work/v.mp4" -vf scale=-2:720 -c:v libx264 -preset veryfast -crf 23 \
		-c:a aac -b:a 128k -movflags +faststart "$1/v.mp4"
}
expert_audio() {
	ffmpeg -hide_banner -nostdin -y -i "$work/a.wav" -c:a aac -b:a 128k "$1/a.m4a"
}
probe_video() { "$veza" probe -q --json "$work/v.mp4" >/dev/null; }
probe_audio() { "$veza" probe -q --json "$work/a.wav" >/dev/null; }
veza_video() { "$veza" transcode -q "$work/v.mp4" -o "$1" --preset h264-720p >/dev/null; }
veza_audio() { "$veza" transcode -q "$work/a.wav" -o "$1" --preset aac-128 >/dev/null; }
export -f expert_video expert_audio veza_video veza_audio probe_video probe_audio
export work veza

# measure NAME FUNC: prints "wall cpu maxrss_kb own_hwm_kb"
measure() {
	local fn=$1 out tf hwm=0 pid
	out=$(mktemp -d "$work/out.XXXX")
	tf=$(mktemp "$work/time.XXXX")
	/usr/bin/time -o "$tf" -f "%e %U %S %M" bash -c "$fn $out" 2>/dev/null &
	pid=$!
	# Sample veza's own high-water mark while it runs.
	while kill -0 "$pid" 2>/dev/null; do
		for p in $(pgrep -f "^$veza transcode" 2>/dev/null); do
			v=$(awk '/VmHWM/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
			[ -n "$v" ] && [ "$v" -gt "$hwm" ] && hwm=$v
		done
		sleep 0.05
	done
	wait "$pid"
	rm -rf "$out"
	read -r wall user sys maxrss <"$tf"
	echo "$wall $(echo "$user + $sys" | bc -l) $maxrss $hwm"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

for case in video audio; do
	: >"$work/veza.txt"
	: >"$work/expert.txt"
	: >"$work/probe.txt"
	for r in $(seq "$ROUNDS"); do
		measure "veza_$case" >>"$work/veza.txt"
		measure "expert_$case" >>"$work/expert.txt"
		measure "probe_$case" >>"$work/probe.txt"
	done
	pw=$(awk '{print $1}' "$work/probe.txt" | median)
	pc=$(awk '{print $2}' "$work/probe.txt" | median)
	vw=$(awk '{print $1}' "$work/veza.txt" | median)
	bw=$(awk '{print $1}' "$work/expert.txt" | median)
	vc=$(awk '{print $2}' "$work/veza.txt" | median)
	bc_=$(awk '{print $2}' "$work/expert.txt" | median)
	tree=$(awk '{print $3}' "$work/veza.txt" | sort -g | tail -1)
	own=$(awk '{print $4}' "$work/veza.txt" | sort -g | tail -1)
	printf '%-6s wall %.2fs vs %.2fs expert = %.3fx   cpu %.2fs vs %.2fs = %.3fx   veza RSS %.1f MB (tree peak %.1f MB)   %d rounds\n' \
		"$case" "$vw" "$bw" "$(echo "$vw / $bw" | bc -l)" "$vc" "$bc_" "$(echo "$vc / $bc_" | bc -l)" \
		"$(echo "$own / 1024" | bc -l)" "$(echo "$tree / 1024" | bc -l)" "$ROUNDS"
	# veza transcode probes every input first (to recognise media, find its
	# duration and picture height); this is that probe alone.
	printf '%-6s   of which the input probe (veza probe): wall %.2fs, cpu %.2fs\n' "$case" "$pw" "$pc"
done
