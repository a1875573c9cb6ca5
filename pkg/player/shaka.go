package player

import (
	"context"
	"errors"
)

// The Shaka Player build veza check uses to play DASH manifests. Shaka
// rather than dash.js: ffmpeg's fMP4 renditions carry audio and video
// muxed in one file, which dash.js refuses by design and Shaka plays
// wherever Media Source Extensions accept a muxed SourceBuffer (Chromium
// does). Like hls.js it is never committed: veza fetches the pinned npm
// release on first use, checks both hashes and caches the one file it
// needs, the DASH-only build. package.json pins the same version.
const (
	// ShakaVersion is the shaka-player release used.
	ShakaVersion = "5.2.12"
	// ShakaIntegrity is npm's integrity string of that release's tarball.
	ShakaIntegrity = "sha512-vEsuVDI3+oLh+yqpjXexQZlg2XMUBI0VrqatDuKWacPaxAud6Uph5uCowUPLhUgNG5XKWCpoM4l1r8qYzWH+zg=="
	// ShakaSHA256 is the SHA-256 of dist/shaka-player.dash.js in it.
	ShakaSHA256 = "425228cf35605b471a8270e778281fd9c0f0826e4bab4531f6c004267bb55ebc"
)

// ErrShakaMissing says that Shaka Player is neither cached nor fetchable.
var ErrShakaMissing = errors.New("shaka-player not available")

// LoadShaka returns Shaka Player's DASH build and says where it came
// from: o.Path as is, the cache, or a fresh `npm pack` (only with
// o.Fetch). Cached and fetched copies are checked against the pinned
// SHA-256; the tarball against npm's integrity string.
func LoadShaka(ctx context.Context, o Options) (js []byte, from string, err error) {
	return loadNPMFile(ctx, o, shakaFile, nil)
}

var shakaFile = npmFile{pkg: "shaka-player", pin: pinned{ShakaVersion, ShakaIntegrity, ShakaSHA256},
	file: "package/dist/shaka-player.dash.js", missing: ErrShakaMissing}
