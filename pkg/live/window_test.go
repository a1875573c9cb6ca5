package live

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/veza-media/veza/pkg/hls"
)

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func seg(i int, d float64) published {
	return published{Seq: uint64(i), URI: fmt.Sprintf("seg_%05d.ts", i), Path: fmt.Sprintf("/out/seg_%05d.ts", i), Duration: d,
		PDT: t0.Add(time.Duration(float64(i) * d * float64(time.Second)))}
}

// TestWindow adds segments one a second and checks each version of the
// playlist against L1 and L3, and the deletion times against L4.
func TestWindow(t *testing.T) {
	tests := []struct {
		name        string
		size        int
		segTime     time.Duration
		durs        []float64
		wantSeq     uint64 // MEDIA-SEQUENCE at the end
		wantSegs    int
		wantTarget  int
		wantDropped int
	}{
		{"grows until full", 10, 2 * time.Second, repeat(2, 8), 0, 8, 2, 0},
		{"slides by one", 10, 2 * time.Second, repeat(2, 13), 3, 10, 2, 3},
		{"never under 6 segments", 3, 2 * time.Second, repeat(2, 9), 3, 6, 2, 3},
		// 6 segments of 0.4 s are under 3 × the target of 1 s: more are kept.
		{"3 × target with short segments", 6, time.Second, repeat(0.4, 12), 4, 8, 1, 4},
		{"event keeps everything", 0, 2 * time.Second, repeat(2, 15), 0, 15, 2, 0},
		{"long segment raises the target", 6, 2 * time.Second, []float64{2, 2, 3.6, 2, 2, 2, 2, 2, 2}, 3, 6, 4, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWindow(tt.size, tt.segTime, true)
			var prev *hls.MediaPlaylist
			dropped := 0
			for i, d := range tt.durs {
				now := t0.Add(time.Duration(i+1) * time.Second)
				s, out, _ := w.add(seg(i, d), now)
				if s.Seq != uint64(i) {
					t.Fatalf("segment %d got sequence %d", i, s.Seq)
				}
				dropped += len(out)
				pl := w.playlist()
				checkVersion(t, prev, pl, tt.size == 0)
				prev = pl
				// L4: nothing is due before its duration + the previous
				// version's duration have passed.
				for _, r := range w.pending {
					if r.deleteAt.Before(now.Add(time.Duration(r.seg.Duration * float64(time.Second)))) {
						t.Errorf("%s may go at %s, before its own duration passed", r.seg.URI, r.deleteAt)
					}
				}
			}
			pl := w.playlist()
			if pl.MediaSequence != tt.wantSeq || len(pl.Segments) != tt.wantSegs || pl.TargetDuration != tt.wantTarget || dropped != tt.wantDropped {
				t.Errorf("sequence %d, %d segments, target %d, %d dropped; want %d, %d, %d, %d",
					pl.MediaSequence, len(pl.Segments), pl.TargetDuration, dropped, tt.wantSeq, tt.wantSegs, tt.wantTarget, tt.wantDropped)
			}
			if _, err := pl.Encode(); err != nil {
				t.Errorf("encode: %v", err)
			}
		})
	}
}

func repeat(d float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = d
	}
	return out
}

// checkVersion applies L1, L3 and L5 between two versions.
func checkVersion(t *testing.T, a, b *hls.MediaPlaylist, event bool) {
	t.Helper()
	if event && b.Type != hls.TypeEvent {
		t.Errorf("type %q, want EVENT", b.Type)
	}
	if b.MediaSequence > 0 && !event {
		if len(b.Segments) < MinWindowSegments || b.Duration() < 3*float64(b.TargetDuration) {
			t.Errorf("L1: window of %d segments, %.1f s, target %d", len(b.Segments), b.Duration(), b.TargetDuration)
		}
	}
	for _, s := range b.Segments {
		if s.ProgramDateTime.IsZero() {
			t.Errorf("L5: %s has no program date", s.URI)
		}
	}
	if a == nil {
		return
	}
	dropped := int(b.MediaSequence - a.MediaSequence)
	if dropped < 0 || dropped > len(a.Segments) {
		t.Fatalf("L3: media sequence %d -> %d", a.MediaSequence, b.MediaSequence)
	}
	for i, s := range a.Segments[dropped:] {
		if b.Segments[i].URI != s.URI {
			t.Errorf("L3: segment %d changed from %s to %s", i, s.URI, b.Segments[i].URI)
		}
	}
	if len(b.Segments) != len(a.Segments)-dropped+1 {
		t.Errorf("L3: %d segments after %d with %d dropped and one added", len(b.Segments), len(a.Segments), dropped)
	}
}

// TestWindowDeletion: a dropped segment is kept for the duration of the
// version it left plus its own and half a target duration, then is due
// once.
func TestWindowDeletion(t *testing.T) {
	w := newWindow(6, 2*time.Second, true)
	var dropAt time.Time
	for i := range 7 {
		now := t0.Add(time.Duration(2*i) * time.Second)
		_, out, _ := w.add(seg(i, 2), now)
		if len(out) > 0 {
			dropAt = now
		}
	}
	if dropAt.IsZero() || len(w.pending) != 1 {
		t.Fatalf("one segment should have left the window: %d pending", len(w.pending))
	}
	// The version before held 6 × 2 s; seg 0 lasts 2 s; target/2 is 1 s.
	want := dropAt.Add(15 * time.Second)
	if got := w.due(want.Add(-time.Millisecond)); len(got) != 0 {
		t.Errorf("due %v before %s", got, want)
	}
	if got := w.due(want); len(got) != 1 || got[0].URI != "seg_00000.ts" {
		t.Errorf("due at %s = %v, want seg_00000.ts", want, got)
	}
	if got := w.due(want.Add(time.Hour)); len(got) != 0 {
		t.Errorf("due twice: %v", got)
	}
}

// TestWindowDiscontinuity: EXT-X-DISCONTINUITY-SEQUENCE counts the
// discontinuities that left the window.
func TestWindowDiscontinuity(t *testing.T) {
	w := newWindow(6, time.Second, false)
	for i := range 12 {
		s := seg(i, 1)
		s.Discontinuity = i == 2 || i == 4 || i == 9
		w.add(s, t0.Add(time.Duration(i)*time.Second))
	}
	pl := w.playlist()
	// Segments 6-11 are listed; the discontinuities of 2 and 4 left.
	if pl.MediaSequence != 6 || pl.DiscontinuitySequence != 2 || pl.IndependentSegments {
		t.Errorf("sequence %d, discontinuity sequence %d, independent %v", pl.MediaSequence, pl.DiscontinuitySequence, pl.IndependentSegments)
	}
	w.ended = true
	data, err := w.playlist().Encode()
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, want := range []string{"#EXT-X-MEDIA-SEQUENCE:6\n", "#EXT-X-DISCONTINUITY-SEQUENCE:2\n",
		"#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:09.000Z\n#EXTINF:1.000000,\nseg_00009.ts\n", "#EXT-X-ENDLIST\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("playlist lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "PLAYLIST-TYPE") {
		t.Errorf("an ended window must keep its type (none):\n%s", text)
	}
	if _, err := hls.ParseMedia(data); err != nil {
		t.Errorf("veza cannot read its own playlist: %v", err)
	}
}
