#!/usr/bin/env bash
# Trick-play benchmark (issue 16). The built-in video ladder from a 10 s
# 1080p source, interleaved rounds in one run:
#   off: veza ladder --thumbnails=false (I-frame playlists only: they are
#        read from the finished segments and cannot be turned off);
#   on:  veza ladder (I-frame playlists and seek-bar thumbnails, the sheets
#        drawn off the encode's own split);
#   raw: the best hand-written command (one decode, split filter, four HLS
#        outputs, no master, no I-frame playlists, no thumbnails).
# Prints wall and CPU (user+sys) means and the ratios on/off and on/raw.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
veza=./bin/veza

ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=1920x1080:rate=30:duration=10" \
	-f lavfi -i "sine=frequency=440:sample_rate=48000:duration=10" \
	-c:v libx264 -preset ultrafast -crf 18 -pix_fmt yuv420p -c:a aac -b:a 192k "$work/v.mp4"

x264() { # height width bitrate maxrate bufsize profile
	echo "-c:v libx264 -preset veryfast -sc_threshold 0 -x264-params open-gop=0 -profile:v $6 -g 60 -keyint_min 60 -b:v ${3}k -maxrate ${4}k -bufsize ${5}k -c:a aac -b:a 128k -ac 2 -ar 48000"
}
rungs=("1080 1920 5000 5350 7500 high" "720 1280 2800 2996 4200 high" "480 854 1200 1284 1800 main" "360 640 700 749 1050 main")
raw() {
	local out=$1 graph="[0:v:0]fps=30,format=yuv420p,split=4[s0][s1][s2][s3]" args=() k=0 r
	for r in "${rungs[@]}"; do
		set -- $r
		mkdir -p "$out/$1"
		graph+=";[s$k]scale=$2:$1:flags=bicubic,setsar=1[v$k]"
		args+=(-map "[v$k]" -map 0:a:0 $(x264 $r) -f hls -hls_time 4 -hls_playlist_type vod -hls_list_size 0
			-hls_segment_filename "$out/$1/seg_%05d.ts" "$out/$1/index.m3u8")
		k=$((k + 1))
	done
	ffmpeg -hide_banner -loglevel error -y -i "$work/v.mp4" -filter_complex "$graph" "${args[@]}"
}
off() { $veza ladder -q --thumbnails=false "$work/v.mp4" -o "$1" >/dev/null; }
on() { $veza ladder -q "$work/v.mp4" -o "$1" >/dev/null; }

declare -A wall cpu
for r in $(seq "$ROUNDS"); do
	for k in off on raw; do
		rm -rf "$work/out"
		# bash's time keyword counts the children: ffmpeg and ffprobe.
		TIMEFORMAT='%R %U %S'
		{ time $k "$work/out" 2>"$work/err"; } 2>"$work/t"
		read -r w u s <"$work/t"
		wall[$k]=$(echo "${wall[$k]:-0} + $w" | bc -l)
		cpu[$k]=$(echo "${cpu[$k]:-0} + $u + $s" | bc -l)
		printf 'round %d %-3s wall %6.2f s  cpu %6.2f s\n' "$r" "$k" "$w" "$(echo "$u + $s" | bc -l)"
	done
done
for k in off on raw; do
	printf '%-3s mean wall %6.2f s  cpu %6.2f s\n' "$k" "$(echo "${wall[$k]} / $ROUNDS" | bc -l)" "$(echo "${cpu[$k]} / $ROUNDS" | bc -l)"
done
printf 'on/off: wall %.3f  cpu %.3f (target <= 1.03)\n' "$(echo "${wall[on]} / ${wall[off]}" | bc -l)" "$(echo "${cpu[on]} / ${cpu[off]}" | bc -l)"
printf 'on/raw: wall %.3f  cpu %.3f\n' "$(echo "${wall[on]} / ${wall[raw]}" | bc -l)" "$(echo "${cpu[on]} / ${cpu[raw]}" | bc -l)"
