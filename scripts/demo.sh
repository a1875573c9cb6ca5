#!/usr/bin/env bash
# make demo: build veza, make a sample clip with lavfi, and run veza's main job on it.
set -euo pipefail
out=${1:-demo-out}
mkdir -p "$out"
sample="$out/sample.mp4"
if [ ! -s "$sample" ]; then
	echo "demo: making a 10 s 1280x720 H.264+AAC sample in $sample" >&2
	ffmpeg -hide_banner -loglevel error -y \
		-f lavfi -i "testsrc2=size=1280x720:rate=30:duration=10" \
		-f lavfi -i "sine=frequency=440:sample_rate=48000:duration=10" \
		-c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac -b:a 128k -shortest "$sample"
fi
./bin/veza probe "$sample"
