package encode

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// PlaylistEntry is one segment line of a media playlist with its #EXTINF.
type PlaylistEntry struct {
	URI      string
	Duration time.Duration
}

// ParsePlaylistEntries reads the segments of a media playlist: each URI with
// the duration of the #EXTINF before it. It is deliberately tolerant — the
// monitor reads playlists ffmpeg is still producing, and a URI without a
// valid #EXTINF is skipped rather than failing the whole read. Full
// validation is pkg/hls's job.
func ParsePlaylistEntries(data []byte) []PlaylistEntry {
	var out []PlaylistEntry
	var dur time.Duration
	have := false
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
		case strings.HasPrefix(line, "#EXTINF:"):
			v := strings.TrimPrefix(line, "#EXTINF:")
			if i := strings.IndexByte(v, ','); i >= 0 {
				v = v[:i]
			}
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			have = err == nil && f >= 0 && f < math.MaxInt64/float64(time.Second)
			if have {
				dur = time.Duration(f * float64(time.Second)).Round(time.Microsecond)
			}
		case strings.HasPrefix(line, "#"):
		default:
			if have {
				out = append(out, PlaylistEntry{URI: line, Duration: dur})
			}
			have = false
		}
	}
	return out
}
