#!/usr/bin/env bash
# Benchmark of veza serve against nginx serving the same folder on loopback:
# a 1.5 MB segment and a master playlist, wrk with 64 connections, runs
# interleaved (nginx, veza, nginx, veza, ...) so machine noise hits both.
# Prints each server's median requests/s and p99 and veza's ratios.
# Target: veza >= 0.9x nginx's requests/s, p99 <= 1.2x nginx's.
#
# Needs wrk and nginx (make bench installs wrk and nginx-light).
# Settings: ROUNDS (5), DURATION (4s), CONNS (64), THREADS (2), VEZA (bin/veza).
# Medians of the rounds are compared; the load average is printed because
# other work on the machine moves both servers' figures a lot.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-4s}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
VEZA=${VEZA:-bin/veza}
for t in wrk nginx; do
	command -v "$t" >/dev/null 2>&1 || { echo "bench-serve: $t not found; install it (apt-get install wrk nginx-light)" >&2; exit 1; }
done
[ -x "$VEZA" ] || go build -o "$VEZA" ./cmd/veza

work=$(mktemp -d /tmp/veza-bench-serve.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# The folder: one finished track, as veza ladder writes it.
root=$work/out
mkdir -p "$root/track/720p" "$work/nginx"
head -c 1572864 /dev/urandom >"$root/track/720p/segment_00001.ts"
{
	echo "#EXTM3U"
	echo "#EXT-X-VERSION:3"
	echo "#EXT-X-TARGETDURATION:4"
	echo "#EXT-X-PLAYLIST-TYPE:VOD"
	for i in $(seq 0 29); do printf '#EXTINF:4.000000,\nsegment_%05d.ts\n' "$i"; done
	echo "#EXT-X-ENDLIST"
} >"$root/track/720p/index.m3u8"
{
	echo "#EXTM3U"
	echo "#EXT-X-VERSION:3"
	echo "#EXT-X-INDEPENDENT-SEGMENTS"
	for r in "1080p 1920x1080 5800000 avc1.640028" "720p 1280x720 3300000 avc1.64001f" "480p 854x480 1500000 avc1.64001e" "360p 640x360 800000 avc1.64001e" "240p 426x240 400000 avc1.640015"; do
		set -- $r
		printf '#EXT-X-STREAM-INF:BANDWIDTH=%s,AVERAGE-BANDWIDTH=%s,CODECS="%s,mp4a.40.2",RESOLUTION=%s,FRAME-RATE=30.000\n%s/index.m3u8\n' "$3" "$(($3 * 9 / 10))" "$4" "$2" "$1"
	done
} >"$root/track/master.m3u8"
chmod -R a+rX "$work"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
nport=$(free_port)
vport=$(free_port)

cat >"$work/nginx/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	client_body_temp_path $work/nginx/body;
	proxy_temp_path $work/nginx/proxy;
	fastcgi_temp_path $work/nginx/fastcgi;
	uwsgi_temp_path $work/nginx/uwsgi;
	scgi_temp_path $work/nginx/scgi;
	types {
		application/vnd.apple.mpegurl m3u8;
		video/mp2t ts;
	}
	server {
		listen 127.0.0.1:$nport;
		root $root;
	}
}
EOF
nginx -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" &
pids+=($!)
"$VEZA" serve "$root" --addr "127.0.0.1:$vport" -q --fetch-player=false &
pids+=($!)

wait_up() {
	for _ in $(seq 1 100); do
		curl -fs -o /dev/null "http://127.0.0.1:$1/track/master.m3u8" && return 0
		sleep 0.1
	done
	echo "bench-serve: server on port $1 did not start" >&2
	exit 1
}
wait_up "$nport"
wait_up "$vport"
for p in "$nport" "$vport"; do # same bytes from both
	cmp -s <(curl -fs "http://127.0.0.1:$p/track/720p/segment_00001.ts") "$root/track/720p/segment_00001.ts" ||
		{ echo "bench-serve: port $p serves wrong bytes" >&2; exit 1; }
done

# run SERVER TARGET: one wrk run, prints "req/s p99_ms"
run() {
	local port=$1 path=$2 out
	out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "http://127.0.0.1:$port$path")
	awk '
		/Requests\/sec:/ { rps = $2 }
		$1 == "99%" {
			v = $2
			if (v ~ /us$/) { sub(/us$/, "", v); v = v / 1000 }
			else if (v ~ /ms$/) { sub(/ms$/, "", v) }
			else if (v ~ /s$/) { sub(/s$/, "", v); v = v * 1000 }
			p99 = v
		}
		END { printf "%.0f %.3f\n", rps, p99 }' <<<"$out"
}

median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

declare -A rps p99
load0=$(cut -d' ' -f1-3 /proc/loadavg)
for target in segment:/track/720p/segment_00001.ts playlist:/track/master.m3u8; do
	name=${target%%:*}
	path=${target#*:}
	wrk -t1 -c8 -d1s "http://127.0.0.1:$nport$path" >/dev/null # warm up both
	wrk -t1 -c8 -d1s "http://127.0.0.1:$vport$path" >/dev/null
	for r in $(seq 1 "$ROUNDS"); do
		for srv in nginx veza; do
			port=$nport
			[ "$srv" = veza ] && port=$vport
			read -r q l < <(run "$port" "$path")
			echo "  round $r $name $srv: $q req/s, p99 ${l} ms" >&2
			rps[$name.$srv]+="$q "
			p99[$name.$srv]+="$l "
		done
	done
done

echo
echo "load average before and after: $load0 / $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-9s %12s %12s %8s %12s %12s %8s\n' target "nginx req/s" "veza req/s" ratio "nginx p99" "veza p99" ratio
fail=0
for name in segment playlist; do
	nq=$(tr ' ' '\n' <<<"${rps[$name.nginx]}" | grep . | median)
	vq=$(tr ' ' '\n' <<<"${rps[$name.veza]}" | grep . | median)
	nl=$(tr ' ' '\n' <<<"${p99[$name.nginx]}" | grep . | median)
	vl=$(tr ' ' '\n' <<<"${p99[$name.veza]}" | grep . | median)
	rq=$(awk -v a="$vq" -v b="$nq" 'BEGIN { printf "%.2f", a / b }')
	rl=$(awk -v a="$vl" -v b="$nl" 'BEGIN { printf "%.2f", a / b }')
	printf '%-9s %12.0f %12.0f %7sx %10.2fms %10.2fms %7sx\n' "$name" "$nq" "$vq" "$rq" "$nl" "$vl" "$rl"
	awk -v q="$rq" -v l="$rl" 'BEGIN { exit !(q >= 0.9 && l <= 1.2) }' || fail=1
done
echo
if [ "$fail" = 0 ]; then
	echo "bench-serve: target met (req/s >= 0.9x nginx, p99 <= 1.2x nginx)"
else
	echo "bench-serve: target NOT met (req/s >= 0.9x nginx, p99 <= 1.2x nginx)"
fi
