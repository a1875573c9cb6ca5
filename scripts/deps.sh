#!/usr/bin/env bash
# Installs what veza's build, tests and demo need on Debian/Ubuntu, or says
# exactly what to install when not running as root. Used by make test/demo.
set -euo pipefail

need=()
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
command -v gcc >/dev/null 2>&1 || need+=(gcc)
# The queue's end-to-end test runs Debian's nats-server (in /usr/sbin).
command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || need+=(nats-server)
if [ "${VEZA_DEPS_BROWSER:-1}" = 1 ]; then
	command -v chromium >/dev/null 2>&1 || need+=(chromium)
	command -v npm >/dev/null 2>&1 || need+=(npm)
fi
if [ "${VEZA_DEPS_BENCH:-0}" = 1 ]; then
	command -v wrk >/dev/null 2>&1 || need+=(wrk)
	command -v nginx >/dev/null 2>&1 || need+=(nginx-light)
	command -v bc >/dev/null 2>&1 || need+=(bc)
	[ -x /usr/bin/time ] || need+=(time)
	# bench-publish's baselines, Debian's builds called by path.
	[ -x /usr/bin/aws ] || need+=(awscli)
	[ -x /usr/bin/rclone ] || need+=(rclone)
	command -v curl >/dev/null 2>&1 || need+=(curl)
fi
if ! command -v go >/dev/null 2>&1; then
	echo "deps: Go is not on PATH; install Go 1.26 or newer (https://go.dev/doc/install) and retry" >&2
	exit 1
fi
# The S3 server the publish tests run (internal/s3test pins the same version).
VERSITYGW_VERSION=v1.8.0
if ! command -v versitygw >/dev/null 2>&1 && [ ! -x "$(go env GOPATH)/bin/versitygw" ]; then
	echo "deps: installing versitygw $VERSITYGW_VERSION with go install" >&2
	go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"
fi
[ ${#need[@]} -eq 0 ] && exit 0

# unique, keep order
mapfile -t need < <(printf '%s\n' "${need[@]}" | awk '!seen[$0]++')
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "deps: installing ${need[*]} with apt-get" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
	exit 0
fi
echo "deps: missing ${need[*]}; install them with: sudo apt-get install ${need[*]}" >&2
exit 1
