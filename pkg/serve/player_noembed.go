//go:build !embedplayer

package serve

// embeddedPlayer is empty in ordinary builds: hls.js is fetched on first
// use instead (see LoadPlayer).
var embeddedPlayer []byte
