// Package player holds the browser players veza serves and drives: hls.js
// for HLS and Shaka Player for DASH. Neither is committed: each is pinned
// by npm version, tarball integrity and script SHA-256, fetched with
// `npm pack` on first use, checked and cached; release builds embed hls.js
// (build tag embedplayer). pkg/serve's watch pages and pkg/check's
// playback test load them from here.
package player
