#!/usr/bin/env bash
# Publish benchmark (issue #17): `veza publish` of a ladder-shaped folder
# (4 renditions × 50 segments of 256 KiB, their playlists and a master:
# 205 objects, 50 MiB) against `aws s3 sync` (Debian's awscli) and
# `rclone copy` (Debian's rclone), each with its defaults, to the same local
# versitygw, each run to a fresh prefix, interleaved over ROUNDS rounds.
# Then the live path: the median time from a segment handed to the
# Publisher (when it is complete) to the object being in the bucket.
# Target: veza at least as fast as the faster of the two; live median
# under 100 ms. VEZA_BENCH_STRICT=1 fails on a miss.
#
# Needs versitygw (make test installs it), awscli and rclone
# (VEZA_DEPS_BENCH=1 scripts/deps.sh). /usr/bin/aws is called by path: a
# pyenv shim of another aws may come first on PATH.
# Settings: ROUNDS (3), VEZA (bin/veza), AWS (/usr/bin/aws), RCLONE (/usr/bin/rclone).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
VEZA=${VEZA:-bin/veza}
AWS=${AWS:-/usr/bin/aws}
RCLONE=${RCLONE:-/usr/bin/rclone}
for t in "$AWS" "$RCLONE"; do
	[ -x "$t" ] || { echo "bench-publish: $t not found; install awscli and rclone (VEZA_DEPS_BENCH=1 scripts/deps.sh)" >&2; exit 1; }
done
gw=$(command -v versitygw || echo "$(go env GOPATH)/bin/versitygw")
[ -x "$gw" ] || { echo "bench-publish: versitygw not found; make test installs it" >&2; exit 1; }
[ -x "$VEZA" ] || go build -o "$VEZA" ./cmd/veza

work=$(mktemp -d /tmp/veza-bench-publish.XXXXXX)
gwpid=
cleanup() {
	[ -n "$gwpid" ] && kill "$gwpid" 2>/dev/null && wait "$gwpid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# The folder: what a ladder writes, random bytes in the segments.
dir=$work/out
for r in 0 1 2 3; do
	mkdir -p "$dir/film/r$r"
	{
		printf '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n'
		for i in $(seq 0 49); do
			f=$(printf 'seg_%05d.ts' "$i")
			head -c 262144 /dev/urandom >"$dir/film/r$r/$f"
			printf '#EXTINF:4.0,\n%s\n' "$f"
		done
		printf '#EXT-X-ENDLIST\n'
	} >"$dir/film/r$r/index.m3u8"
done
{
	printf '#EXTM3U\n'
	for r in 0 1 2 3; do printf '#EXT-X-STREAM-INF:BANDWIDTH=%d\nr%d/index.m3u8\n' $((500000 * (r + 1))) "$r"; done
} >"$dir/film/master.m3u8"
objects=$(find "$dir" -type f | wc -l)
bytes=$(du -sb "$dir" | cut -f1)

# The server: POSIX backend, fresh credentials.
mkdir -p "$work/data" "$work/meta"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export AWS_ACCESS_KEY_ID=VEZABENCH$RANDOM AWS_SECRET_ACCESS_KEY=$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=$work/aws-config AWS_SHARED_CREDENTIALS_FILE=$work/none
printf '[default]\ns3 =\n    addressing_style = path\n' >"$AWS_CONFIG_FILE"
"$gw" --access "$AWS_ACCESS_KEY_ID" --secret "$AWS_SECRET_ACCESS_KEY" --region us-east-1 --port "127.0.0.1:$port" --quiet \
	posix --sidecar "$work/meta" "$work/data" >"$work/gw.log" 2>&1 &
gwpid=$!
url=http://127.0.0.1:$port
for _ in $(seq 100); do curl -s -o /dev/null "$url" && break; sleep 0.1; done
"$AWS" --endpoint-url "$url" s3 mb s3://bench >/dev/null

export RCLONE_CONFIG=/dev/null RCLONE_S3_PROVIDER=Other RCLONE_S3_ENDPOINT=$url RCLONE_S3_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID \
	RCLONE_S3_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY RCLONE_S3_REGION=us-east-1 RCLONE_S3_FORCE_PATH_STYLE=true

now() { date +%s.%N; }
run() { # tool round: time one upload of the folder to a fresh prefix
	local t0 t1
	t0=$(now)
	case $1 in
	veza) "$VEZA" publish "$dir" "s3://bench/veza-$2" --s3-endpoint "$url" --s3-path-style >/dev/null ;;
	aws) "$AWS" --endpoint-url "$url" s3 sync "$dir" "s3://bench/aws-$2" --only-show-errors ;;
	# A CA bundle set for other AWS tools trips rclone on plain http.
	rclone) env -u AWS_CA_BUNDLE "$RCLONE" copy "$dir" ":s3:bench/rclone-$2" ;;
	esac
	t1=$(now)
	echo "$1 $(echo "$t1 - $t0" | bc)" >>"$work/times"
	n=$("$AWS" --endpoint-url "$url" s3 ls --recursive "s3://bench/$1-$2/" | wc -l)
	[ "$n" = "$objects" ] || { echo "bench-publish: $1 round $2 left $n of $objects objects" >&2; exit 1; }
}
tools=(veza aws rclone)
for r in $(seq "$ROUNDS"); do
	# Rotate who goes first so each meets the machine in every state.
	for k in 0 1 2; do run "${tools[(k + r) % 3]}" "$r"; done
done

median() { grep "^$1 " "$work/times" | cut -d' ' -f2 | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
v=$(median veza)
a=$(median aws)
c=$(median rclone)
mb=$(echo "scale=1; $bytes / 1048576" | bc)
echo "publish: $objects objects, $mb MiB to versitygw on loopback, median of $ROUNDS interleaved rounds (load $(cut -d' ' -f1-3 /proc/loadavg))"
printf '  veza publish   %6.2f s\n  aws s3 sync    %6.2f s\n  rclone copy    %6.2f s\n' "$v" "$a" "$c"
best=$(echo "if ($a < $c) $a else $c" | bc)
ratio=$(echo "scale=2; $best / $v" | bc)
ok=$(echo "$v <= $best" | bc)
echo "  veza is ${ratio}x the faster baseline's speed (target >= 1.00: $([ "$ok" = 1 ] && echo ok || echo MISSED))"

out=$(go test -run '^$' -bench BenchmarkPublisherLatency -benchtime 1x ./pkg/publish)
p50=$(echo "$out" | awk '/^BenchmarkPublisherLatency/ { for (i = 1; i < NF; i++) if ($(i+1) == "upload-p50-ms") print $i }')
p99=$(echo "$out" | awk '/^BenchmarkPublisherLatency/ { for (i = 1; i < NF; i++) if ($(i+1) == "upload-p99-ms") print $i }')
[ -n "$p50" ] || { echo "$out" >&2; exit 1; }
live_ok=$(echo "$p50 < 100" | bc)
echo "live: segment complete -> object in the bucket, median $p50 ms, p99 $p99 ms (target median < 100 ms: $([ "$live_ok" = 1 ] && echo ok || echo MISSED))"
if [ "${VEZA_BENCH_STRICT:-0}" = 1 ] && { [ "$ok" != 1 ] || [ "$live_ok" != 1 ]; }; then exit 1; fi
