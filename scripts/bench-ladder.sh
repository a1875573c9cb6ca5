#!/usr/bin/env bash
# Ladder benchmark: veza ladder against what an expert writes from ffmpeg's
# documentation without looking at veza — never against a copy of veza's own
# arguments. Rounds are interleaved; wall and CPU time (user + system, the
# children included) come from /usr/bin/time, and every ratio is measured in
# this run.
#
#   video: a 10 s 1080p30 noisy source with mono AAC, the 4-rung video ladder.
#          Expert: one ffmpeg, split=4, scale=-2:H per rung, libx264
#          veryfast with a fixed 2 s GOP and no scene cuts, per-rung
#          -b:v/-maxrate/-bufsize, AAC 128k, -var_stream_map.
#   audio: a 5-minute stereo FLAC, the 4-rung AAC audio ladder. Expert: the
#          faster of one ffmpeg with four outputs and two ffmpeg in parallel.
#   short: a 4 s 720p clip (fixed costs show most): the 3 rungs that fit.
#   languages: a 20 s 1080p source with English and French AAC (issue #15),
#          the 4-rung video ladder, whose audio veza demuxes into one group.
#          Expert: one ffmpeg with -var_stream_map and agroup (each language
#          encoded once); also the muxed layout an expert writes without
#          groups (the default language encoded into every variant), which
#          the demuxed ladder should beat.
#
# It also prints veza's wall time against the bound a ladder cannot beat
# (its CPU time divided by the cores) and where veza's time went on the
# short clip.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
cores=$(nproc)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
veza=$PWD/bin/veza

ffmpeg -hide_banner -loglevel error -y \
	-f lavfi -i "testsrc2=size=1920x1080:rate=30:duration=10,noise=alls=12:allf=t" \
	-f lavfi -i "sine=frequency=440:sample_rate=48000:duration=10" \
	-c:v libx264 -preset ultrafast -crf 16 -pix_fmt yuv420p -c:a aac -b:a 128k -ac 1 "$work/v.mp4"
ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=1280x720:rate=30:duration=4" \
	-f lavfi -i "sine=frequency=440:sample_rate=48000:duration=4" \
	-c:v libx264 -preset ultrafast -crf 18 -pix_fmt yuv420p -c:a aac -b:a 128k -ac 1 "$work/s.mp4"
ffmpeg -hide_banner -loglevel error -y \
	-f lavfi -i "sine=frequency=330:sample_rate=48000:duration=300,aformat=channel_layouts=stereo" -c:a flac "$work/a.flac"
ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=1920x1080:rate=30:duration=20" \
	-f lavfi -i "sine=frequency=440:sample_rate=48000:duration=20" -f lavfi -i "sine=frequency=660:sample_rate=48000:duration=20" \
	-map 0 -map 1 -map 2 -c:v libx264 -preset ultrafast -crf 18 -pix_fmt yuv420p -c:a aac -b:a 128k -ac 2 \
	-metadata:s:a:0 language=eng -metadata:s:a:1 language=fre -disposition:a:0 default -disposition:a:1 0 "$work/l.mkv"

# The expert's video ladder: height kbit/s maxrate bufsize, one process.
expert_video() { # input out rung...
	local in=$1 out=$2
	shift 2
	local n=$# graph="[0:v]split=$#" maps=() vsm="" i=0
	for k in $(seq 0 $((n - 1))); do graph+="[s$k]"; done
	for r in "$@"; do
		set -- $r
		graph+=";[s$i]scale=-2:$1[v$i]"
		maps+=(-map "[v$i]" -map 0:a -c:v:$i libx264 -b:v:$i "${2}k" -maxrate:v:$i "${3}k" -bufsize:v:$i "${4}k")
		vsm+="v:$i,a:$i "
		i=$((i + 1))
	done
	echo ffmpeg -hide_banner -loglevel error -y -i "$in" -filter_complex "'$graph'" "${maps[@]}" \
		-preset veryfast -g 60 -keyint_min 60 -sc_threshold 0 -c:a aac -b:a 128k \
		-f hls -hls_time 4 -hls_playlist_type vod -hls_segment_filename "$out/%v/seg_%05d.ts" \
		-master_pl_name master.m3u8 -var_stream_map "'${vsm% }'" "$out/%v/index.m3u8"
}
# The expert's demuxed ladder: video rungs, then both languages once each
# into one audio group.
expert_groups() { # input out rung...
	local in=$1 out=$2
	shift 2
	local n=$# graph="[0:v]split=$#" maps=() vsm="" i=0
	for k in $(seq 0 $((n - 1))); do graph+="[s$k]"; done
	for r in "$@"; do
		set -- $r
		graph+=";[s$i]scale=-2:$1[v$i]"
		maps+=(-map "[v$i]" -c:v:$i libx264 -b:v:$i "${2}k" -maxrate:v:$i "${3}k" -bufsize:v:$i "${4}k")
		vsm+="v:$i,agroup:aud "
		i=$((i + 1))
	done
	echo ffmpeg -hide_banner -loglevel error -y -i "$in" -filter_complex "'$graph'" "${maps[@]}" -map 0:a:0 -map 0:a:1 \
		-preset veryfast -g 60 -keyint_min 60 -sc_threshold 0 -c:a aac -b:a 128k \
		-f hls -hls_time 4 -hls_playlist_type vod -hls_segment_filename "$out/%v/seg_%05d.ts" \
		-master_pl_name master.m3u8 \
		-var_stream_map "'${vsm}a:0,agroup:aud,language:en,default:yes a:1,agroup:aud,language:fr'" "$out/%v/index.m3u8"
}
video_rungs=("1080 5000 5350 7500" "720 2800 2996 4200" "480 1200 1284 1800" "360 700 749 1050")
short_rungs=("720 2800 2996 4200" "480 1200 1284 1800" "360 700 749 1050")
audio_out() { # out rate... : one ffmpeg, one output per rate
	local out=$1 args=""
	shift
	for b in "$@"; do
		args+=" -map 0:a -c:a aac -b:a ${b}k -f hls -hls_time 10 -hls_playlist_type vod -hls_segment_filename $out/$b/seg_%05d.ts $out/$b/index.m3u8"
	done
	echo "mkdir -p $(printf "$out/%s " "$@") && ffmpeg -hide_banner -loglevel error -y -i $work/a.flac$args"
}

declare -A wall cpu
measure() { # name command-string
	local name=$1 out="$work/out-$1"
	rm -rf "$out"
	mkdir -p "$out"
	/usr/bin/time -f "%e %U %S" -o "$work/time" bash -c "${2//@OUT@/$out}" >/dev/null
	read -r e u s <"$work/time"
	wall[$name]=$(echo "${wall[$name]:-0} + $e" | bc -l)
	cpu[$name]=$(echo "${cpu[$name]:-0} + $u + $s" | bc -l)
	printf '  %-16s wall %6.2f s  cpu %6.2f s\n' "$name" "$e" "$(echo "$u + $s" | bc -l)"
}

for i in $(seq 1 "$ROUNDS"); do
	echo "round $i/$ROUNDS"
	measure video-veza "$veza ladder -q --force --ladder video $work/v.mp4 -o @OUT@"
	measure video-expert "$(expert_video "$work/v.mp4" @OUT@ "${video_rungs[@]}")"
	measure audio-veza "$veza ladder -q --force --ladder audio $work/a.flac -o @OUT@"
	measure audio-one "$(audio_out @OUT@ 320 192 128 64)"
	measure audio-two "($(audio_out @OUT@ 320 64)) & ($(audio_out @OUT@ 192 128)); wait"
	measure short-veza "$veza ladder -q --force --ladder video $work/s.mp4 -o @OUT@"
	measure short-expert "$(expert_video "$work/s.mp4" @OUT@ "${short_rungs[@]}")"
	measure lang-veza "$veza ladder -q --force --ladder video $work/l.mkv -o @OUT@"
	measure lang-groups "$(expert_groups "$work/l.mkv" @OUT@ "${video_rungs[@]}")"
	measure lang-muxed "$(expert_video "$work/l.mkv" @OUT@ "${video_rungs[@]}" | sed 's/-map 0:a /-map 0:a:0 /g')"
done

ratio() { echo "scale=3; $1 / $2" | bc -l; }
best() { if (($(echo "${wall[$1]} < ${wall[$2]}" | bc -l))); then echo "$1"; else echo "$2"; fi; }
report() { # case veza expert
	printf '%s: veza / expert  wall %s  cpu %s   (target <= 1.03)\n' "$1" \
		"$(ratio "${wall[$2]}" "${wall[$3]}")" "$(ratio "${cpu[$2]}" "${cpu[$3]}")"
	printf '%s: veza wall / (veza cpu / %d cores) = %s   (1.00 is the bound)\n' "$1" "$cores" \
		"$(ratio "${wall[$2]}" "$(echo "${cpu[$2]} / $cores" | bc -l)")"
}
echo
report video video-veza video-expert
a=$(best audio-one audio-two)
echo "audio: the faster expert is $a"
report audio audio-veza "$a"
report short short-veza short-expert
printf 'languages: veza / expert with audio groups  wall %s  cpu %s   (target <= 1.00)\n' \
	"$(ratio "${wall[lang-veza]}" "${wall[lang-groups]}")" "$(ratio "${cpu[lang-veza]}" "${cpu[lang-groups]}")"
printf 'languages: veza / expert muxed (one language in every variant)  wall %s  cpu %s   (target < 1.00)\n' \
	"$(ratio "${wall[lang-veza]}" "${wall[lang-muxed]}")" "$(ratio "${cpu[lang-veza]}" "${cpu[lang-muxed]}")"

echo
echo "where veza's wall time goes on the short clip (one more run, --json):"
rm -rf "$work/phases"
$veza ladder -q --json --force --ladder video "$work/s.mp4" -o "$work/phases" |
	grep -o '"\(probe\|hash\|resume\|encode\|publish\|elapsed\)": [0-9.e+-]*' | tr -d '"' | tr '\n' ' '
echo
