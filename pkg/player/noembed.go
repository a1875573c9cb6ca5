//go:build !embedplayer

package player

// embeddedHLSJS is empty in ordinary builds: hls.js is fetched on first
// use instead (see LoadHLSJS).
var embeddedHLSJS []byte
