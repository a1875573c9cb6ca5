package live

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/ladder"
	"github.com/veza-media/veza/pkg/verify"
)

// smallLadder has a rung above the 320x240 test source (dropped, and
// brought back at the source's size) and one below it.
func smallLadder() *ladder.Ladder {
	return &ladder.Ladder{Name: "small", Rungs: []ladder.Rung{
		{Name: "480p", Codec: "h264", Height: 480, Bitrate: 1200, AudioBitrate: 64},
		{Name: "180p", Codec: "h264", Height: 180, Bitrate: 150, AudioBitrate: 64},
	}}
}

// TestUDPLadder: a UDP source becomes a live ladder of two renditions,
// never above the source's 240p, from one encoder: the master is written
// once with both, every window is valid while it runs, the renditions'
// segments line up, and each rendition's segments are catalog rows.
func TestUDPLadder(t *testing.T) {
	needFFmpeg(t)
	t.Parallel()
	udpTurn(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out := t.TempDir()
	db := openCatalog(t, out)
	port := freePort(t)
	ev := newEvents(t)
	cfg := Config{Input: fmt.Sprintf("udp://127.0.0.1:%d", port), OutDir: out, Catalog: db, TrackID: "abr",
		Ladder: smallLadder(), SegmentTime: time.Second, IdleTimeout: 2 * time.Second, WaitTimeout: 30 * time.Second,
		Preset: "ultrafast", OnEvent: ev.add}
	done := start(ctx, cfg)
	waitFor[Waiting](t, ev, 10*time.Second)
	time.Sleep(300 * time.Millisecond)
	sent := make(chan error, 1)
	go func() { sent <- send(ctx, fmt.Sprintf("udp://127.0.0.1:%d?pkt_size=1316", port), 8) }()

	plan := waitFor[LadderPlanned](t, ev, 15*time.Second)
	if fmt.Sprint(plan.Renditions) != "[240p 180p]" {
		t.Fatalf("renditions %v, want [240p 180p] (480p capped at the source's size)", plan.Renditions)
	}
	dir := filepath.Join(out, "abr", "live")
	mw := waitFor[MasterWritten](t, ev, 15*time.Second)
	// verify samples every rendition of the live master at once, and
	// checks the declared bit rates and the alignment over the window (L6).
	verified := make(chan *verify.Report, 1)
	go func() {
		rep, err := verify.Live(ctx, mw.Path, verify.LiveOptions{Duration: 30 * time.Second})
		if err != nil {
			t.Errorf("verify.Live %s: %v", mw.Path, err)
		}
		verified <- rep
	}()
	st1, err := os.Stat(mw.Path)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("Run: %v", r.err)
	}
	if rep := <-verified; rep != nil {
		mustFindings(t, rep)
		if len(rep.Playlists) != 3 {
			t.Errorf("verify reported %d playlists, want the master and its 2 renditions", len(rep.Playlists))
		}
	}
	if n := len(ev.of("master_written")); n != 1 {
		t.Errorf("master written %d times", n)
	}
	if st2, err := os.Stat(mw.Path); err != nil || !st2.ModTime().Equal(st1.ModTime()) {
		t.Errorf("the master was rewritten while the stream ran: %v", err)
	}
	m, err := hls.ReadMaster(filepath.Join(dir, "master.m3u8"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]hls.Resolution{"240p/index.m3u8": {Width: 320, Height: 240}, "180p/index.m3u8": {Width: 240, Height: 180}}
	if len(m.Variants) != 2 {
		t.Fatalf("master variants %+v", m.Variants)
	}
	for _, v := range m.Variants {
		if v.Resolution != want[v.URI] || v.Bandwidth <= v.AverageBandwidth || v.AverageBandwidth <= 0 ||
			v.FrameRate != 25 || len(v.Codecs) < len("avc1.640000,mp4a.40.2") {
			t.Errorf("variant %+v", v)
		}
	}

	// The renditions end together, with the same segments: sequence
	// numbers, durations within a frame, and catalog rows.
	var ref *hls.MediaPlaylist
	for _, name := range plan.Renditions {
		pl, err := hls.ReadMedia(filepath.Join(dir, name, "index.m3u8"))
		if err != nil {
			t.Fatal(err)
		}
		if !pl.EndList || len(pl.Segments) < 5 {
			t.Errorf("%s: endlist %v, %d segments", name, pl.EndList, len(pl.Segments))
		}
		if ref == nil {
			ref = pl
		} else if pl.MediaSequence != ref.MediaSequence || len(pl.Segments) != len(ref.Segments) {
			t.Errorf("%s: %d segments from %d, the first rendition %d from %d", name, len(pl.Segments), pl.MediaSequence, len(ref.Segments), ref.MediaSequence)
		} else {
			for i, s := range pl.Segments {
				if math.Abs(s.Duration-ref.Segments[i].Duration) > 0.04 {
					t.Errorf("%s %s: %.3f s, the first rendition's %.3f s", name, s.URI, s.Duration, ref.Segments[i].Duration)
				}
			}
		}
		segs, err := db.Segments(ctx, "abr", name)
		if err != nil || len(segs) != r.res.Segments {
			t.Errorf("%s: %d catalog segments (%v), %d published", name, len(segs), err, r.res.Segments)
		}
	}
	tr, err := db.Track(ctx, "abr")
	if err != nil {
		t.Fatal(err)
	}
	if tr.Live || len(tr.Renditions) != 2 || tr.Status != catalog.StatusDone {
		t.Errorf("track %+v", tr)
	}
}
