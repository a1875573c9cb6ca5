#!/usr/bin/env bash
# make demo: veza's main job end to end on a generated sample: make a clip
# with lavfi, probe it, build an ABR ladder, verify it, say how to preview it.
set -euo pipefail
out=${1:-demo-out}
veza=./bin/veza
mkdir -p "$out"
sample="$out/sample.mp4"
if [ ! -s "$sample" ]; then
	echo "demo: making a 12 s 1280x720 H.264+AAC sample in $sample" >&2
	ffmpeg -hide_banner -loglevel error -y \
		-f lavfi -i "testsrc2=size=1280x720:rate=30:duration=12" \
		-f lavfi -i "sine=frequency=440:sample_rate=48000:duration=12" \
		-c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac -b:a 128k -shortest "$sample"
fi
echo "== veza probe $sample"
$veza probe "$sample"
echo
echo "== veza ladder $sample -o $out/hls"
$veza ladder "$sample" -o "$out/hls"
echo
echo "== veza verify $out/hls/sample"
$veza verify "$out/hls/sample"
echo
echo "== veza catalog ls --catalog $out/hls/veza.db"
$veza catalog ls --catalog "$out/hls/veza.db" || true
echo
cat <<MSG
Done. To preview the ladder in a browser:
  $veza serve $out/hls            # then open http://127.0.0.1:8787/watch/sample
To check that it plays in headless Chromium (what CI does):
  $veza check $out/hls/sample/master.m3u8
MSG
