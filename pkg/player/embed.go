//go:build embedplayer

package player

import _ "embed"

// embeddedHLSJS is hls.min.js, built into release binaries with
// `-tags embedplayer` after scripts/player-js.sh fetched and checked it
// into playerjs/ (a goreleaser before-hook). The file is git-ignored.
//
//go:embed playerjs/hls.min.js
var embeddedHLSJS []byte
