#!/usr/bin/env bash
# Fetches the pinned hls.js into pkg/player/playerjs/hls.min.js for release
# builds with `-tags embedplayer` (a goreleaser before-hook). The version
# and both hashes come from pkg/player/hlsjs.go, the same pins veza checks
# at run time; a mismatch fails. The file is git-ignored: third-party code
# is never committed.
set -euo pipefail
cd "$(dirname "$0")/.."
pins=pkg/player/hlsjs.go
ver=$(sed -n 's/^[[:space:]]*HLSJSVersion = "\(.*\)"$/\1/p' "$pins")
integrity=$(sed -n 's/^[[:space:]]*HLSJSIntegrity = "\(.*\)"$/\1/p' "$pins")
sha=$(sed -n 's/^[[:space:]]*HLSJSSHA256 = "\(.*\)"$/\1/p' "$pins")
if [ -z "$ver" ] || [ -z "$integrity" ] || [ -z "$sha" ]; then
	echo "player-js: cannot read the hls.js pins from $pins" >&2
	exit 1
fi
out=pkg/player/playerjs/hls.min.js
if [ -f "$out" ] && echo "$sha  $out" | sha256sum -c --status; then
	exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "player-js: npm not found (apt-get install npm)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "hls.js@$ver" --ignore-scripts --silent >/dev/null)
tgz=$tmp/hls.js-$ver.tgz
got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
if [ "$got" != "$integrity" ]; then
	echo "player-js: hls.js@$ver tarball integrity $got, want $integrity" >&2
	exit 1
fi
tar -xzf "$tgz" -C "$tmp" package/dist/hls.min.js
echo "$sha  $tmp/package/dist/hls.min.js" | sha256sum -c --status || { echo "player-js: dist/hls.min.js sha256 mismatch" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
cp "$tmp/package/dist/hls.min.js" "$out"
echo "player-js: $out (hls.js $ver, sha256 $sha)" >&2
