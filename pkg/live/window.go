package live

import (
	"fmt"
	"time"

	"github.com/veza-media/veza/pkg/hls"
)

// MinWindowSegments is the fewest segments a sliding window keeps once it
// slides (HLS-RULES L1).
const MinWindowSegments = 6

// published is one segment of the public playlist.
type published struct {
	Seq      uint64
	URI      string // relative to the playlist
	Path     string // on disk
	Duration float64
	Bytes    int64
	// PDT is the wall-clock time of the segment's first frame.
	PDT           time.Time
	Discontinuity bool
	// done is the file's modification time: when it was complete.
	done time.Time
}

// removal is a segment that left the window and whose file is kept until
// deleteAt (HLS-RULES L4).
type removal struct {
	seg      published
	deleteAt time.Time
}

// window is the public media playlist of a live job: which segments it
// lists, its sequence numbers and what waits for deletion. It does no I/O,
// so the rules L1, L3 and L4 are table-tested on it.
type window struct {
	// size is the number of segments kept once the window slides; 0 keeps
	// every segment (an EVENT playlist).
	size int
	// target is EXT-X-TARGETDURATION. It only grows: a segment longer than
	// the target raises it rather than break M2.
	target      int
	independent bool

	segs    []published
	nextSeq uint64
	discSeq uint64 // EXT-X-DISCONTINUITY-SEQUENCE
	ended   bool
	pending []removal
}

// newWindow makes the window of a playlist with target duration
// segmentTime. size 0 makes an EVENT playlist that keeps everything; any
// other size is raised to what L1 asks (6 segments and 3 × the target).
func newWindow(size int, segmentTime time.Duration, independent bool) *window {
	w := &window{target: max(1, roundHalfUp(segmentTime.Seconds())), independent: independent}
	if size > 0 {
		w.size = max(size, MinWindowSegments)
	}
	return w
}

func roundHalfUp(d float64) int {
	return hls.RoundHalfUp(hls.Segment{Duration: d, DurationText: extinf(d)})
}

// extinf is the EXTINF text of a duration, six decimals as ffmpeg writes.
func extinf(d float64) string { return fmt.Sprintf("%.6f", d) }

// duration is the sum of the segments' durations.
func (w *window) duration() float64 {
	var d float64
	for _, s := range w.segs {
		d += s.Duration
	}
	return d
}

// add appends a segment, numbered by the caller in sequence, at now. It
// returns the segments that left the window (their files are
// kept, see due) and whether the target duration had to grow.
func (w *window) add(s published, now time.Time) (seg published, dropped []published, raised bool) {
	// A client may have loaded the version before this one just now: what
	// leaves must stay readable for that version's duration plus its own
	// (L4); half a target duration more covers the time the new version
	// takes to reach the disk and clock slack.
	before := w.duration()
	w.nextSeq = s.Seq + 1
	if r := roundHalfUp(s.Duration); r > w.target {
		w.target, raised = r, true
	}
	w.segs = append(w.segs, s)
	if w.size > 0 {
		minDur := 3 * float64(w.target)
		for len(w.segs) > w.size && w.duration()-w.segs[0].Duration >= minDur {
			d := w.segs[0]
			w.segs = w.segs[1:]
			if d.Discontinuity {
				w.discSeq++
			}
			hold := time.Duration((before + d.Duration + float64(w.target)/2) * float64(time.Second))
			w.pending = append(w.pending, removal{seg: d, deleteAt: now.Add(hold)})
			dropped = append(dropped, d)
		}
	}
	return s, dropped, raised
}

// due returns the removed segments whose files may be deleted at now and
// forgets them.
func (w *window) due(now time.Time) []published {
	var out []published
	keep := w.pending[:0]
	for _, r := range w.pending {
		if now.Before(r.deleteAt) {
			keep = append(keep, r)
			continue
		}
		out = append(out, r.seg)
	}
	w.pending = keep
	return out
}

// playlist is the window as a media playlist.
func (w *window) playlist() *hls.MediaPlaylist {
	pl := &hls.MediaPlaylist{
		TargetDuration:        w.target,
		DiscontinuitySequence: w.discSeq,
		EndList:               w.ended,
		IndependentSegments:   w.independent,
		Segments:              make([]hls.Segment, 0, len(w.segs)),
	}
	if w.size == 0 {
		pl.Type = hls.TypeEvent
	}
	if len(w.segs) > 0 {
		pl.MediaSequence = w.segs[0].Seq
	} else {
		pl.MediaSequence = w.nextSeq
	}
	for _, s := range w.segs {
		pl.Segments = append(pl.Segments, hls.Segment{
			URI: s.URI, Duration: s.Duration, DurationText: extinf(s.Duration),
			Discontinuity: s.Discontinuity, ProgramDateTime: s.PDT,
		})
	}
	return pl
}
