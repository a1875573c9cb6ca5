#!/usr/bin/env bash
# Ladder benchmark (issue: veza ladder). Interleaved rounds in one run:
#   video: 4-rung ladder from a 20 s 1080p source: veza ladder vs (a) four
#          sequential ffmpeg runs and (b) the best hand-written single command
#          (one decode, split filter, four HLS outputs);
#   audio: the audio ladder from a 5-minute FLAC: veza ladder vs (a) four
#          sequential runs and (b) the best hand-written alternative (two
#          ffmpeg processes in parallel, two outputs each).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
veza=./bin/veza

ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=1920x1080:rate=30:duration=20" \
	-f lavfi -i "sine=frequency=440:sample_rate=48000:duration=20" \
	-c:v libx264 -preset ultrafast -crf 18 -pix_fmt yuv420p -c:a aac -b:a 192k "$work/v.mp4"
ffmpeg -hide_banner -loglevel error -y -f lavfi -i "sine=frequency=330:sample_rate=48000:duration=300,aformat=channel_layouts=stereo" \
	-c:a flac "$work/a.flac"

now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc -l; }

# Hand-written equivalents of the built-in ladders (same encoder settings).
x264() { # height width bitrate maxrate bufsize profile
	echo "-c:v libx264 -preset veryfast -sc_threshold 0 -x264-params open-gop=0 -profile:v $6 -g 60 -keyint_min 60 -b:v ${3}k -maxrate ${4}k -bufsize ${5}k -c:a aac -b:a 128k -ac 2 -ar 48000"
}
hls() { echo "-f hls -hls_time 4 -hls_playlist_type vod -hls_list_size 0 -hls_segment_filename $1/seg_%05d.ts $1/index.m3u8"; }
rungs=("1080 1920 5000 5350 7500 high" "720 1280 2800 2996 4200 high" "480 854 1200 1284 1800 main" "360 640 700 749 1050 main")

video_sequential() {
	local out=$1
	for r in "${rungs[@]}"; do
		set -- $r
		mkdir -p "$out/$1"
		ffmpeg -hide_banner -loglevel error -y -i "$work/v.mp4" -vf "fps=30,format=yuv420p,scale=$2:$1,setsar=1" -map 0:v:0 -map 0:a:0 $(x264 $r) $(hls "$out/$1")
	done
}
video_single() {
	local out=$1 graph="[0:v:0]fps=30,format=yuv420p,split=4[s0][s1][s2][s3]" args=() i=0
	for r in "${rungs[@]}"; do
		set -- $r
		mkdir -p "$out/$1"
		graph+=";[s$i]scale=$2:$1,setsar=1[v$i]"
		args+=(-map "[v$i]" -map 0:a:0 $(x264 $r) $(hls "$out/$1"))
		i=$((i + 1))
	done
	ffmpeg -hide_banner -loglevel error -y -i "$work/v.mp4" -filter_complex "$graph" "${args[@]}"
}
arates=(320 192 128 64)
audio_one() { # out rate...
	local out=$1 args=()
	shift
	for b in "$@"; do
		mkdir -p "$out/$b"
		args+=(-map 0:a:0 -c:a aac -b:a "${b}k" -ac 2 -ar 48000 $(hls "$out/$b"))
	done
	ffmpeg -hide_banner -loglevel error -y -i "$work/a.flac" "${args[@]}"
}
audio_sequential() { for b in "${arates[@]}"; do audio_one "$1" "$b"; done; }
audio_parallel() { audio_one "$1" 320 64 & audio_one "$1" 192 128 & wait; }

declare -A total
run() { # name command...
	local name=$1 out="$work/out-$1" t
	shift
	rm -rf "$out"
	mkdir -p "$out"
	t=$(now)
	"$@" "$out" >/dev/null
	t=$(elapsed "$t")
	total[$name]=$(echo "${total[$name]:-0} + $t" | bc -l)
	printf '  %-18s %6.2f s\n' "$name" "$t"
}
for i in $(seq 1 "$ROUNDS"); do
	echo "round $i/$ROUNDS"
	run video-veza $veza ladder -q --ladder video --force "$work/v.mp4" -o
	run video-sequential video_sequential
	run video-single video_single
	run audio-veza $veza ladder -q --ladder audio --force "$work/a.flac" -o
	run audio-sequential audio_sequential
	run audio-parallel audio_parallel
done
ratio() { echo "scale=2; ${total[$1]} / ${total[$2]}" | bc -l; }
echo "video: veza / best hand-written single = $(ratio video-veza video-single) (target <= 1.05)"
echo "video: sequential / veza               = $(ratio video-sequential video-veza) (target >= 1.25)"
echo "audio: veza / best hand-written parallel = $(ratio audio-veza audio-parallel) (target <= 1.05)"
echo "audio: sequential / veza                 = $(ratio audio-sequential audio-veza) (target >= 1.7)"
