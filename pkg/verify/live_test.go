package verify

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/veza-media/veza/pkg/hls"
)

// livePlaylist writes a live playlist text: segments seq..seq+n-1 of dur
// seconds named s<seq>.ts, each with a date.
func livePlaylist(seq, n int, dur float64, extra string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:%d\n%s", seq, extra)
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := seq; i < seq+n; i++ {
		fmt.Fprintf(&b, "#EXT-X-PROGRAM-DATE-TIME:%s\n#EXTINF:%.3f,\ns%d.ts\n", hls.FormatDateTime(start.Add(time.Duration(i)*2*time.Second)), dur, i)
	}
	return b.String()
}

func TestLiveChecker(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	type step struct {
		at   float64
		text string
	}
	for _, tt := range []struct {
		name  string
		steps []step
		want  []string
	}{
		{name: "healthy sliding window", steps: []step{
			{0, livePlaylist(0, 6, 2, "")}, {2, livePlaylist(1, 6, 2, "")}, {4, livePlaylist(2, 6, 2, "")},
			{6, livePlaylist(2, 7, 2, "") + "#EXT-X-ENDLIST\n"},
		}, want: []string{}},
		{name: "window too small", steps: []step{
			{0, livePlaylist(0, 3, 2, "")}, {2, livePlaylist(1, 3, 2, "")},
		}, want: []string{"L1/MUST"}},
		{name: "growing window is fine", steps: []step{
			{0, livePlaylist(0, 1, 2, "")}, {2, livePlaylist(0, 2, 2, "")},
		}, want: []string{}},
		{name: "late update", steps: []step{
			{0, livePlaylist(0, 6, 2, "")}, {3.5, livePlaylist(0, 7, 2, "")},
		}, want: []string{"L2/MUST"}},
		{name: "early update", steps: []step{
			{0, livePlaylist(0, 6, 2, "")}, {0.5, livePlaylist(0, 7, 2, "")},
		}, want: []string{"L2/MUST"}},
		{name: "sequence not raised", steps: []step{
			{0, livePlaylist(0, 6, 2, "")}, {2, strings.Replace(livePlaylist(1, 6, 2, ""), "SEQUENCE:1", "SEQUENCE:0", 1)},
		}, want: []string{"L3/MUST"}},
		{name: "sequence went down", steps: []step{
			{0, livePlaylist(5, 6, 2, "")}, {2, livePlaylist(4, 6, 2, "")},
		}, want: []string{"L3/MUST"}},
		{name: "segment rewritten", steps: []step{
			{0, livePlaylist(0, 6, 2, "")}, {2, strings.Replace(livePlaylist(0, 7, 2, ""), "#EXTINF:2.000,\ns3.ts", "#EXTINF:1.500,\ns3.ts", 1)},
		}, want: []string{"L3/MUST"}},
		{name: "changed after endlist", steps: []step{
			{0, livePlaylist(0, 6, 2, "") + "#EXT-X-ENDLIST\n"}, {2, livePlaylist(0, 7, 2, "") + "#EXT-X-ENDLIST\n"},
		}, want: []string{"L3/MUST"}},
		{name: "discontinuity sequence not raised", steps: []step{
			{0, strings.Replace(livePlaylist(0, 6, 2, ""), "#EXT-X-PROGRAM-DATE-TIME:2024-01-01T00:00:00.000Z\n", "#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:2024-01-01T00:00:00.000Z\n", 1)},
			{2, livePlaylist(1, 6, 2, "")},
		}, want: []string{"L3/MUST"}},
		{name: "no dates", steps: []step{
			{0, "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\na.ts\n"},
		}, want: []string{"L5/MUST"}},
		{name: "date without milliseconds", steps: []step{
			{0, "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-PROGRAM-DATE-TIME:2024-01-01T00:00:00Z\n#EXTINF:2.0,\na.ts\n"},
		}, want: []string{"L5/MUST"}},
		{name: "extinf above target in one version", steps: []step{
			{0, livePlaylist(0, 6, 2, "")}, {2, livePlaylist(0, 6, 2, "") + "#EXTINF:2.600,\nlong.ts\n"},
		}, want: []string{"M2/MUST"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &PlaylistReport{Path: "live.m3u8"}
			lc := newLiveChecker(r, "/seg")
			for _, s := range tt.steps {
				lc.snapshot(snapshot{mtime: at(s.at), data: []byte(s.text)})
			}
			got := ruleIDs(r)
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("findings %v, want %v:\n%+v", got, tt.want, r.Findings)
			}
		})
	}
}

func TestLiveDeletionsAndStall(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	r := &PlaylistReport{Path: "live.m3u8"}
	lc := newLiveChecker(r, "/seg")
	lc.snapshot(snapshot{mtime: t0, data: []byte(livePlaylist(0, 6, 2, ""))})
	t1 := t0.Add(2 * time.Second)
	lc.snapshot(snapshot{mtime: t1, data: []byte(livePlaylist(1, 6, 2, ""))})
	// s0.ts left at t1; it must stay until t1 + 2 s + 12 s.
	deleted := func(string) bool { return false }
	present := func(string) bool { return true }
	lc.checkDeletions(t1.Add(time.Second), present)
	if len(r.Findings) != 0 || len(lc.pending) != 1 {
		t.Fatalf("present file: %+v, pending %v", r.Findings, lc.pending)
	}
	lc.checkDeletions(t1.Add(3*time.Second), deleted)
	if got := ruleIDs(r); !slices.Equal(got, []string{"L4/MUST"}) || r.Findings[0].Segment != "s0.ts" {
		t.Fatalf("deleted early: %+v", r.Findings)
	}
	// Deleted after its hold time: fine.
	t2 := t1.Add(2 * time.Second)
	lc.snapshot(snapshot{mtime: t2, data: []byte(livePlaylist(2, 6, 2, ""))})
	lc.checkDeletions(t2.Add(15*time.Second), deleted)
	if len(r.Findings) != 1 || len(lc.pending) != 0 {
		t.Fatalf("late deletion reported: %+v", r.Findings)
	}
	// Nothing new for 3.5 s > 1.5 × 2 s + 0.1 s slack: a stall, once.
	lc.checkStall(t2.Add(2900*time.Millisecond), 100*time.Millisecond)
	lc.checkStall(t2.Add(3500*time.Millisecond), 100*time.Millisecond)
	lc.checkStall(t2.Add(5*time.Second), 100*time.Millisecond)
	if got := ruleIDs(r); !slices.Equal(got, []string{"L4/MUST", "L2/MUST"}) {
		t.Fatalf("stall: %+v", r.Findings)
	}
}

// liveFFmpeg runs ffmpeg as a real-time live HLS producer into dir for
// seconds, with 1 s segments; extra are hls options.
func liveFFmpeg(t *testing.T, dir string, seconds int, extra ...string) chan error {
	t.Helper()
	fixtures(t) // ffmpeg present
	args := []string{"-re", "-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=160x120:rate=24:duration=%d", seconds),
		"-c:v", "libx264", "-preset", "ultrafast", "-g", "24", "-keyint_min", "24", "-sc_threshold", "0",
		"-f", "hls", "-hls_time", "1"}
	args = append(args, extra...)
	args = append(args, "-hls_segment_filename", "s%d.ts", "live.m3u8")
	done := make(chan error, 1)
	go func() { done <- ffmpeg(dir, args...) }()
	// Wait for the first playlist.
	for i := 0; i < 100; i++ {
		if _, err := os.Stat(filepath.Join(dir, "live.m3u8")); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	return done
}

func TestVerifyLiveFFmpeg(t *testing.T) {
	t.Parallel()
	// ffmpeg with a 6-segment window, dates and a long deletion threshold
	// follows every live rule; with the default threshold it deletes
	// segments a second after they leave the window (L4).
	good, bad := t.TempDir(), t.TempDir()
	doneGood := liveFFmpeg(t, good, 9, "-hls_list_size", "6", "-hls_flags", "delete_segments+program_date_time", "-hls_delete_threshold", "8")
	doneBad := liveFFmpeg(t, bad, 9, "-hls_list_size", "3", "-hls_flags", "delete_segments+program_date_time")
	type result struct {
		rep *Report
		err error
	}
	ch := make(chan result, 2)
	for _, d := range []string{good, bad} {
		go func() {
			rep, err := Live(context.Background(), filepath.Join(d, "live.m3u8"), LiveOptions{Duration: 20 * time.Second})
			ch <- result{rep, err}
		}()
	}
	byPath := map[string]*Report{}
	for range 2 {
		res := <-ch
		if res.err != nil {
			t.Fatal(res.err)
		}
		byPath[filepath.Dir(res.rep.Playlists[0].Path)] = res.rep
	}
	for _, d := range []chan error{doneGood, doneBad} {
		if err := <-d; err != nil {
			t.Fatal(err)
		}
	}
	// The good producer may still be late (L2) when the machine is busy:
	// ffmpeg -re is only as punctual as the CPU lets it be. L2 itself is
	// tested on made-up snapshots in TestLiveChecker.
	rep := byPath[good]
	for _, r := range rules(rep) {
		if r != "L2/MUST" {
			t.Errorf("good live output has %s:\n%s", r, dump(rep))
			break
		}
	}
	if rep.Segments() < 8 {
		t.Errorf("good live output: %d segments seen, want ≥ 8:\n%s", rep.Segments(), dump(rep))
	}
	wantRules(t, byPath[bad], "L1/MUST", "L4/MUST")
}
