package ladder

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/layout"
)

var (
	mediaOnce sync.Once
	mediaDir  string
	mediaErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if mediaDir != "" {
		os.RemoveAll(mediaDir)
	}
	os.Exit(code)
}

// media returns a tiny clip made once per test run with lavfi.
func media(t *testing.T, name string) string {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatal("ffmpeg is required for this test (make test installs it)")
	}
	mediaOnce.Do(func() {
		mediaDir, mediaErr = os.MkdirTemp("", "veza-ladder-media-")
		if mediaErr != nil {
			return
		}
		clips := map[string][]string{
			// 4 s, keyframe every second: copyable into 2 s segments.
			"av.mp4": {"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=4", "-f", "lavfi", "-i", "sine=frequency=440:duration=4",
				"-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"},
			// one keyframe only: must be re-encoded.
			"longgop.mp4": {"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=4",
				"-c:v", "libx264", "-preset", "ultrafast", "-g", "1000", "-pix_fmt", "yuv420p"},
			"audio.flac": {"-f", "lavfi", "-i", "sine=frequency=330:duration=4", "-c:a", "flac"},
			"tiny.mp4": {"-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=0.4", "-f", "lavfi", "-i", "sine=duration=0.4",
				"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"},
		}
		for name, args := range clips {
			full := append([]string{"-hide_banner", "-loglevel", "error", "-y"}, args...)
			full = append(full, filepath.Join(mediaDir, name))
			if out, err := exec.Command("ffmpeg", full...).CombinedOutput(); err != nil {
				mediaErr = fmt.Errorf("making %s: %v: %s", name, err, out)
				return
			}
		}
	})
	if mediaErr != nil {
		t.Fatal(mediaErr)
	}
	return filepath.Join(mediaDir, name)
}

func openCatalog(t *testing.T, dir string) *catalog.DB {
	t.Helper()
	db, err := catalog.Open(catalog.DefaultPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

var small = Ladder{Name: "small", Rungs: []Rung{
	{Name: "240p", Height: 240, Bitrate: 300, AudioBitrate: 64},
	{Name: "120p", Height: 120, Bitrate: 100, AudioBitrate: 64},
}}

// checkRendition asserts the playlist is final and the catalog holds exactly
// its segments with the playlist's durations.
func checkRendition(t *testing.T, db *catalog.DB, out, track, name string) *hls.MediaPlaylist {
	t.Helper()
	playlist := filepath.Join(out, track, name, layout.Playlist)
	pl, err := hls.ReadMedia(playlist)
	if err != nil {
		t.Fatal(err)
	}
	if pl.Type != hls.TypeVOD || !pl.EndList || pl.TargetDuration < 1 {
		t.Errorf("%s: type %q endlist %v target %d", playlist, pl.Type, pl.EndList, pl.TargetDuration)
	}
	rows, err := db.Segments(context.Background(), track, name)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(pl.Segments) {
		t.Fatalf("%s: %d catalog rows for %d segments", name, len(rows), len(pl.Segments))
	}
	for i, s := range pl.Segments {
		if rows[i].Duration != s.Duration || filepath.Base(rows[i].Path) != s.URI || rows[i].Bytes <= 0 {
			t.Errorf("%s segment %d: row %+v, playlist %+v", name, i, rows[i], s)
		}
		if _, err := os.Stat(filepath.Join(out, rows[i].Path)); err != nil {
			t.Errorf("catalog path %s: %v", rows[i].Path, err)
		}
	}
	return pl
}

func TestRunVideoLadderAndResume(t *testing.T) {
	ctx := context.Background()
	out := t.TempDir()
	db := openCatalog(t, out)
	var segEvents int
	cfg := Config{Input: media(t, "av.mp4"), OutDir: out, Ladder: small, SegmentTime: 2, Catalog: db,
		Encoding: Encoding{Preset: "ultrafast"},
		OnEvent: func(e Event) {
			if e.Encode != nil && e.Encode.Type() == "segment_completed" {
				segEvents++
			}
		}}
	res, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.TrackID != "av" || res.Strategy != StrategySingle || len(res.Encoded) != 2 {
		t.Fatalf("result %+v", res)
	}
	a := checkRendition(t, db, out, "av", "240p")
	b := checkRendition(t, db, out, "av", "120p")
	if segEvents != len(a.Segments)+len(b.Segments) {
		t.Errorf("%d segment events for %d segments", segEvents, len(a.Segments)+len(b.Segments))
	}
	// Aligned renditions: same cuts.
	if len(a.Segments) != len(b.Segments) {
		t.Fatalf("renditions not aligned: %d vs %d segments", len(a.Segments), len(b.Segments))
	}
	for i := range a.Segments {
		if a.Segments[i].Duration != b.Segments[i].Duration {
			t.Errorf("segment %d: %v vs %v", i, a.Segments[i].Duration, b.Segments[i].Duration)
		}
	}
	m, err := hls.ReadMaster(res.Master)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Variants) != 2 || !m.IndependentSegments {
		t.Fatalf("master %+v", m)
	}
	for i, v := range m.Variants {
		if !strings.HasPrefix(v.Codecs, "avc1.") || !strings.HasSuffix(v.Codecs, ",mp4a.40.2") || v.Resolution.IsZero() || v.FrameRate != 25 {
			t.Errorf("variant %d: %+v", i, v)
		}
		pl, _ := hls.ReadMedia(filepath.Join(out, "av", v.URI))
		peak, avg, err := hls.MeasureBandwidth(pl, filepath.Join(out, "av", filepath.Dir(v.URI)))
		if err != nil || peak != v.Bandwidth || avg != v.AverageBandwidth {
			t.Errorf("variant %d: BANDWIDTH %d/%d, measured %d/%d (%v)", i, v.Bandwidth, v.AverageBandwidth, peak, avg, err)
		}
	}
	if m.Variants[0].Resolution.Height != 240 || m.Variants[1].Resolution.Width != 160 {
		t.Errorf("sizes %+v %+v", m.Variants[0].Resolution, m.Variants[1].Resolution)
	}

	// A rerun does nothing.
	res, err = Run(ctx, cfg)
	if err != nil || !res.UpToDate || len(res.Encoded) != 0 {
		t.Fatalf("rerun: %+v %v", res, err)
	}
	// A lost segment makes only its rendition encode again.
	if err := os.Remove(filepath.Join(out, "av", "120p", "seg_00001.ts")); err != nil {
		t.Fatal(err)
	}
	res, err = Run(ctx, cfg)
	if err != nil || res.UpToDate || strings.Join(res.Encoded, ",") != "120p" || strings.Join(res.Reused, ",") != "240p" {
		t.Fatalf("resume: %+v %v", res, err)
	}
	checkRendition(t, db, out, "av", "120p")
	// --force rebuilds everything.
	cfg.Force = true
	res, err = Run(ctx, cfg)
	if err != nil || len(res.Encoded) != 2 {
		t.Fatalf("force: %+v %v", res, err)
	}
	jobs, err := db.Jobs(ctx, catalog.JobFilter{TrackID: "av"})
	if err != nil || len(jobs) != 3 {
		t.Fatalf("jobs %d %v", len(jobs), err)
	}
	for _, j := range jobs {
		if j.Status != catalog.StatusDone || j.Progress < 0.99 {
			t.Errorf("job %+v", j)
		}
	}
}

func TestRunAudioLadderParallel(t *testing.T) {
	out := t.TempDir()
	db := openCatalog(t, out)
	res, err := Run(context.Background(), Config{Input: media(t, "audio.flac"), OutDir: out, Catalog: db, Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Strategy != StrategyParallel || len(res.Variants) != 4 {
		t.Fatalf("%+v", res)
	}
	m, err := hls.ReadMaster(res.Master)
	if err != nil {
		t.Fatal(err)
	}
	prev := int64(1 << 62)
	for _, v := range m.Variants {
		if v.Codecs != "mp4a.40.2" || !v.Resolution.IsZero() || v.Bandwidth >= prev {
			t.Errorf("variant %+v", v)
		}
		prev = v.Bandwidth
	}
	for _, n := range []string{"hi_res", "high", "medium", "low"} {
		checkRendition(t, db, out, "audio", n)
	}
}

func TestRunTinyClipNeverTargetZero(t *testing.T) {
	out := t.TempDir()
	db := openCatalog(t, out)
	res, err := Run(context.Background(), Config{Input: media(t, "tiny.mp4"), OutDir: out, Catalog: db, Encoding: Encoding{Preset: "ultrafast"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Variants) != 1 || res.Variants[0].Height != 120 {
		t.Fatalf("%+v", res.Variants)
	}
	pl := checkRendition(t, db, out, "tiny", res.Variants[0].Name)
	if pl.TargetDuration != 1 {
		t.Errorf("target %d", pl.TargetDuration)
	}
}

func TestSegmentChoosesCopyOrEncode(t *testing.T) {
	ctx := context.Background()
	out := t.TempDir()
	db := openCatalog(t, out)
	res, err := Segment(ctx, Config{Input: media(t, "av.mp4"), OutDir: out, Catalog: db, SegmentTime: 2}, SegmentAuto)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.Reason, "copy:") || res.Variants[0].Name != CopyName {
		t.Fatalf("copyable source: %+v", res)
	}
	checkRendition(t, db, out, "av", CopyName)

	_, err = Segment(ctx, Config{Input: media(t, "longgop.mp4"), OutDir: out, Catalog: db, SegmentTime: 2}, SegmentCopy)
	if !errors.Is(err, ErrCannotCopy) || !strings.Contains(err.Error(), "longgop.mp4") {
		t.Fatalf("forced copy of a long GOP: %v", err)
	}
	res, err = Segment(ctx, Config{Input: media(t, "longgop.mp4"), OutDir: out, Catalog: db, SegmentTime: 2, Encoding: Encoding{Preset: "ultrafast"}}, SegmentAuto)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.Reason, "encode:") {
		t.Fatalf("long GOP: %+v", res)
	}
	pl := checkRendition(t, db, out, "longgop", res.Variants[0].Name)
	for i, s := range pl.Segments[:len(pl.Segments)-1] {
		if s.Duration > 2.5 {
			t.Errorf("segment %d: %.3f s", i, s.Duration)
		}
	}
}

func TestRunBadInput(t *testing.T) {
	out := t.TempDir()
	db := openCatalog(t, out)
	bad := filepath.Join(t.TempDir(), "notes.mp4")
	os.WriteFile(bad, []byte("just some text, not media\n"), 0o644)
	_, err := Run(context.Background(), Config{Input: bad, OutDir: out, Catalog: db})
	if err == nil || !strings.Contains(err.Error(), "notes.mp4") {
		t.Fatalf("err %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "notes")); !os.IsNotExist(err) {
		t.Errorf("output folder made for a bad input: %v", err)
	}
}

func TestCopySegments(t *testing.T) {
	cases := []struct {
		kf       []float64
		dur, tgt float64
		want     string
	}{
		{[]float64{0, 1, 2, 3, 4, 5}, 6, 2, "[2 2 2]"},
		{[]float64{0, 3, 6}, 7, 2, "[3 3 1]"},
		{[]float64{0}, 10, 4, "[10]"},
		{nil, 5, 4, "[5]"},
		{[]float64{1.4, 2.4, 3.4}, 3, 1, "[1 1 1]"},
	}
	for _, c := range cases {
		var parts []string
		for _, d := range CopySegments(c.kf, c.dur, c.tgt) {
			parts = append(parts, strconv.FormatFloat(math.Round(d*1000)/1000, 'f', -1, 64))
		}
		if got := "[" + strings.Join(parts, " ") + "]"; got != c.want {
			t.Errorf("%v/%v/%v: %s, want %s", c.kf, c.dur, c.tgt, got, c.want)
		}
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"/x/My Concert (2024).mp4": "my-concert-2024",
		"-weird--name-.mkv":        "weird-name",
		"ünïcode.flac":             "n-code",
		"…":                        "",
	} {
		got := Slug(in)
		if want == "" {
			if !strings.HasPrefix(got, "track-") {
				t.Errorf("%q: %q", in, got)
			}
			continue
		}
		if got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

// TestTrackIDStaysInOutDir: a chosen track id names one folder under the
// output folder; "../x" used to write (and with --force delete) beside it.
func TestTrackIDStaysInOutDir(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "out")
	for _, id := range []string{"../x", "a/b", ".hidden", ".."} {
		_, err := Run(context.Background(), Config{Input: media(t, "audio.flac"), OutDir: out, TrackID: id,
			Catalog: openCatalog(t, out)})
		if !errors.Is(err, catalog.ErrBadTrackID) {
			t.Errorf("track %q: err %v, want ErrBadTrackID", id, err)
		}
	}
	entries, _ := os.ReadDir(parent)
	for _, e := range entries {
		if e.Name() != "out" {
			t.Errorf("%s written beside the output folder", e.Name())
		}
	}
}
