package hls

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
)

// MeasureBandwidth measures a media playlist's bit rates the way HLS-RULES
// P1 defines them, from the segment sizes on disk (dir is the playlist's
// folder) and the EXTINF durations:
//
//   - peak is the highest bits/seconds over every run of consecutive segments
//     whose EXTINF sum lies between 0.5 and 1.5 × the target duration. A
//     segment longer than 1.5 × target on its own still counts as a run, and
//     when no run qualifies (a playlist shorter than half its target) peak is
//     the average;
//   - average is all bits over the whole duration.
//
// Sizes are whole files, or the byte range when there is one, so container
// overhead and muxed audio are included. The EXT-X-MAP init section is not
// counted: a player fetches it once, not per segment. Audio in a separate
// rendition is not included either; a variant's BANDWIDTH adds the peak of
// its largest audio rendition. Both values are rounded up, so a BANDWIDTH
// set from them is never below the measurement. The validator (P1, P2) and
// the ladder's master writer both call this function, so they agree.
func MeasureBandwidth(media *MediaPlaylist, dir string) (peak, average int64, err error) {
	if len(media.Segments) == 0 {
		return 0, 0, errors.New("no segments to measure")
	}
	sizes := make([]int64, len(media.Segments))
	for i, s := range media.Segments {
		if s.ByteRange != nil {
			sizes[i] = s.ByteRange.Length
			continue
		}
		path, err := ResolveURI(dir, s.URI)
		if err != nil {
			return 0, 0, err
		}
		st, err := os.Stat(path)
		if err != nil {
			return 0, 0, fmt.Errorf("segment %q: %w", s.URI, err)
		}
		sizes[i] = st.Size()
	}
	durs := make([]float64, len(media.Segments))
	for i, s := range media.Segments {
		durs[i] = s.Duration
	}
	peak, average = peakAndAverage(sizes, durs, media.TargetDuration)
	return peak, average, nil
}

// peakAndAverage is the arithmetic of MeasureBandwidth. A target duration
// below 1 (absent or 0) is replaced by the longest segment, the nearest
// meaning it can have.
func peakAndAverage(sizes []int64, durs []float64, target int) (peak, average int64) {
	t := float64(target)
	if t < 1 {
		for _, d := range durs {
			t = max(t, d)
		}
	}
	lo, hi := 0.5*t, 1.5*t
	var totalBits, totalDur float64
	for i := range sizes {
		totalBits += float64(sizes[i]) * 8
		totalDur += durs[i]
	}
	if totalDur <= 0 {
		return 0, 0
	}
	avg := totalBits / totalDur
	best := -1.0
	for i := range sizes {
		var bits, dur float64
		for j := i; j < len(sizes); j++ {
			bits += float64(sizes[j]) * 8
			dur += durs[j]
			if dur > hi {
				if j == i {
					// A segment too long for any run still has a rate.
					best = max(best, bits/dur)
				}
				break
			}
			if dur >= lo && dur > 0 {
				best = max(best, bits/dur)
			}
		}
	}
	if best < 0 {
		best = avg
	}
	return int64(math.Ceil(best)), int64(math.Ceil(avg))
}

// ResolveURI turns a URI from a playlist in dir into a local file path. It
// fails for URIs with a scheme (http://…): veza checks files, not servers.
// Query strings are dropped and %-escapes decoded, as a web server would.
func ResolveURI(dir, uri string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", fmt.Errorf("URI %q: %w", clip(uri), err)
	}
	if u.Scheme != "" || u.Host != "" {
		return "", &RemoteURIError{URI: uri}
	}
	p := filepath.FromSlash(u.Path)
	if p == "" {
		return "", fmt.Errorf("URI %q has no path", clip(uri))
	}
	if filepath.IsAbs(p) {
		return p, nil
	}
	return filepath.Join(dir, p), nil
}

// RemoteURIError is a URI that names a server rather than a file.
type RemoteURIError struct{ URI string }

func (e *RemoteURIError) Error() string {
	return fmt.Sprintf("URI %q is remote: only local files can be checked", clip(e.URI))
}

// PeakAndAverage is MeasureBandwidth's arithmetic on segment sizes (bytes)
// and durations (seconds) already known, such as those of a live window
// sampled over time.
func PeakAndAverage(sizes []int64, durs []float64, target int) (peak, average int64) {
	return peakAndAverage(sizes, durs, target)
}
