package player

import (
	"context"
	"errors"
)

// The hls.js build veza serve's watch pages and veza check load. It is
// third-party code, so it is never committed: veza fetches the pinned npm
// release on first use and checks both hashes. package.json and package-lock.json at the repository root pin
// the same version and integrity, and a test keeps them in step.
const (
	// HLSJSVersion is the hls.js release used.
	HLSJSVersion = "1.7.4"
	// HLSJSIntegrity is npm's integrity string of that release's tarball.
	HLSJSIntegrity = "sha512-3GlxGdPvT2YHvQYOt+yOzT/DEior/qJVNIylHA77kgeoBTdQQqi70GwefNEUmHQeNGyjC8U62+bruqW/Tpm+tg=="
	// HLSJSSHA256 is the SHA-256 of dist/hls.min.js in that tarball.
	HLSJSSHA256 = "cfc70cc9e9fc63d071919e087670abc760c8fd1bc889b88588026e4d22193bbe"
)

// ErrHLSJSMissing says that hls.js is neither embedded, cached nor
// fetchable.
var ErrHLSJSMissing = errors.New("hls.js not available")

var hlsjsFile = npmFile{pkg: "hls.js", pin: pinned{HLSJSVersion, HLSJSIntegrity, HLSJSSHA256},
	file: "package/dist/hls.min.js", missing: ErrHLSJSMissing}

// LoadHLSJS returns hls.min.js and says where it came from: Path, the
// copy embedded in release builds, the cache, or a fresh `npm pack` (only
// with Fetch). Every copy but Path is checked against the pinned SHA-256.
func LoadHLSJS(ctx context.Context, o Options) (js []byte, from string, err error) {
	return loadNPMFile(ctx, o, hlsjsFile, embeddedHLSJS)
}
