// Package check is veza's playback smoke test: it serves HLS output with
// pkg/serve on a loopback port, drives Debian's headless Chromium with
// chromedp, asks Media Source Extensions whether each variant's CODECS
// string is playable, then plays every variant of every master playlist
// with hls.js, one at a time, and requires a few seconds of media to play
// without a fatal error. It catches what a syntax check cannot: codec
// strings MSE refuses, variants hls.js drops, segments that do not decode.
// The players come from pkg/player unless the caller hands them in.
package check
