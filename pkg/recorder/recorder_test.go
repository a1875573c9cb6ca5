package recorder

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/encode"
)

func TestRel(t *testing.T) {
	work := t.TempDir()
	t.Chdir(work)
	for _, c := range []struct{ root, path, want string }{
		{"out", "out/t/720p/index.m3u8", "t/720p/index.m3u8"},
		// A relative root with an absolute path (and the reverse) is
		// still relative to the root.
		{"out", filepath.Join(work, "out", "t", "seg_00000.ts"), "t/seg_00000.ts"},
		{filepath.Join(work, "out"), "out/t/key_00000.key", "t/key_00000.key"},
		{"out", "elsewhere/a.ts", "../elsewhere/a.ts"},
	} {
		r := &Recorder{Root: c.root}
		if got := r.Rel(c.path); got != c.want {
			t.Errorf("Rel(%q) under %q = %q, want %q", c.path, c.root, got, c.want)
		}
	}
}

func TestKind(t *testing.T) {
	for _, c := range []struct {
		width   int
		codecs  string
		unknown catalog.Kind
		want    catalog.Kind
	}{
		{1280, "", catalog.KindAudio, catalog.KindVideo},
		{0, "avc1.64001f,mp4a.40.2", catalog.KindAudio, catalog.KindVideo},
		{0, "mp4a.40.2", catalog.KindVideo, catalog.KindAudio},
		{0, "", catalog.KindVideo, catalog.KindVideo},
		{0, "", catalog.KindAudio, catalog.KindAudio},
	} {
		if got := Kind(c.width, c.codecs, c.unknown); got != c.want {
			t.Errorf("Kind(%d, %q, %s) = %s, want %s", c.width, c.codecs, c.unknown, got, c.want)
		}
	}
}

// TestJob follows a job from start to finish: segments of known outputs
// are recorded relative to the root, others and empty ones are not.
func TestJob(t *testing.T) {
	out := t.TempDir()
	rec := openRecorder(t, out)
	db := rec.DB
	ctx := context.Background()
	if err := rec.Track(ctx, catalog.Track{ID: "t"}); err != nil {
		t.Fatal(err)
	}
	if err := rec.Rendition(ctx, catalog.Rendition{TrackID: "t", Name: "a", Kind: Kind(0, "", catalog.KindAudio),
		PlaylistPath: filepath.Join(out, "t", "a", "index.m3u8"), Status: catalog.StatusPending}); err != nil {
		t.Fatal(err)
	}
	j, err := rec.Start(ctx, catalog.Job{TrackID: "t", Kind: "ladder"})
	if err != nil {
		t.Fatal(err)
	}
	j.Outputs = []string{"a"}
	seg := func(output, index int, bytes int64) encode.SegmentCompleted {
		return encode.SegmentCompleted{Output: output, Index: index, Path: filepath.Join(out, "t", "a", "s.ts"),
			Duration: 4 * time.Second, Bytes: bytes}
	}
	j.Handle(ctx, seg(0, 0, 100))
	j.Handle(ctx, seg(1, 1, 100)) // no such output
	j.Handle(ctx, seg(0, 2, 0))   // empty
	j.Handle(ctx, encode.Progress{Percent: 50, OutTime: 4 * time.Second, Done: true})
	if err := j.Err(); err != nil {
		t.Fatal(err)
	}
	if err := j.Finished(ctx, catalog.StatusDone, ""); err != nil {
		t.Fatal(err)
	}
	segs, err := db.Segments(ctx, "t", "a")
	if err != nil || len(segs) != 1 || segs[0].Path != "t/a/s.ts" || segs[0].JobID != j.ID || segs[0].Duration != 4 {
		t.Fatalf("%+v %v", segs, err)
	}
	rd, err := db.Rendition(ctx, "t", "a")
	if err != nil || rd.PlaylistPath != "t/a/index.m3u8" || rd.Kind != catalog.KindAudio {
		t.Fatalf("%+v %v", rd, err)
	}
	st, err := db.JobStatus(ctx, j.ID)
	if err != nil || st.Status != catalog.StatusDone {
		t.Fatalf("%+v %v", st, err)
	}
}
