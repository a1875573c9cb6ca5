package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/recorder"
)

func TestParseAge(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"7d", 7 * 24 * time.Hour, true}, {"2w", 14 * 24 * time.Hour, true}, {"1.5d", 36 * time.Hour, true},
		{"36h", 36 * time.Hour, true}, {"90m", 90 * time.Minute, true},
		{"0d", 0, false}, {"-1d", 0, false}, {"d", 0, false}, {"7", 0, false}, {"7days", 0, false}, {"0s", 0, false},
	} {
		got, err := parseAge(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseAge(%q) = %v, %v; want %v (ok %v)", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func FuzzParseAge(f *testing.F) {
	for _, s := range []string{"7d", "2w", "36h", "1.5d", "d", "-1d", "1e9d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if s == "" {
			return
		}
		if d, err := parseAge(s); err == nil && d <= 0 {
			t.Errorf("parseAge(%q) = %v without error", s, d)
		}
	})
}

// Recordings past the retention go: their parts in the bucket, the file,
// the rows; recent ones and ones still recording stay.
func TestCatalogPrune(t *testing.T) {
	chdir(t, t.TempDir())
	srv := bucketWithMedia(t)
	ctx := context.Background()
	db, err := catalog.Open("out/veza.db")
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder.Recorder{DB: db, Root: "out"}
	now := time.Now()
	for _, r := range []struct {
		name  string
		ended time.Time
	}{{"old", now.Add(-8 * 24 * time.Hour)}, {"recent", now.Add(-time.Hour)}, {"running", time.Time{}}} {
		must(t, rec.Track(ctx, catalog.Track{ID: r.name, Live: r.ended.IsZero()}))
		file := filepath.Join("out", r.name+".ts")
		must(t, os.WriteFile(file, []byte("raw "+r.name), 0o644))
		must(t, rec.Recording(ctx, catalog.Recording{TrackID: r.name, Path: file, Bytes: 7, StartedAt: now.Add(-9 * 24 * time.Hour), EndedAt: r.ended}))
		key := "rec/" + r.name + ".ts.part00000"
		putBytes(t, srv, "media", key, []byte("raw "+r.name))
		must(t, rec.RecordingPart(ctx, r.name, file, catalog.RecordingPart{Bucket: "media", Key: key, Size: 7, ETag: "x"}))
	}
	must(t, os.WriteFile("out/old.ts.part2", []byte("left by a crash"), 0o644))
	db.Close()
	endpoint := []string{"--s3-endpoint", srv.URL, "--s3-path-style"}

	code, stdout, stderr := verifyRun(t, append([]string{"catalog", "prune", "--older-than", "7d", "--dry-run", "--catalog", "out"}, endpoint...)...)
	if code != 0 || !strings.Contains(stdout, "would remove recording old.ts of track old") || strings.Contains(stdout, "recent") {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if _, err := os.Stat("out/old.ts"); err != nil || len(srv.List(t, "media", "rec/")) != 3 {
		t.Fatal("a dry run removed something")
	}

	code, stdout, stderr = verifyRun(t, append([]string{"catalog", "prune", "--older-than", "7d", "--catalog", "out"}, endpoint...)...)
	if code != 0 || !strings.Contains(stdout, "removed recording old.ts of track old") ||
		!strings.Contains(stdout, "s3://media/rec/old.ts.part00000") || !strings.Contains(stdout, "removed 1 recording(s)") {
		t.Fatalf("prune: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, f := range []string{"out/old.ts", "out/old.ts.part2"} {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s still there (%v)", f, err)
		}
	}
	var left []string
	for _, o := range srv.List(t, "media", "rec/") {
		left = append(left, o.Key)
	}
	if strings.Join(left, ",") != "rec/recent.ts.part00000,rec/running.ts.part00000" {
		t.Errorf("bucket holds %v", left)
	}
	db, err = catalog.Open("out/veza.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	all, err := db.Recordings(ctx, time.Time{})
	if err != nil || len(all) != 2 {
		t.Errorf("recordings left: %+v %v", all, err)
	}

	// A shorter retention for recordings takes the recent one too, never
	// the one still recording.
	code, stdout, _ = verifyRun(t, append([]string{"catalog", "prune", "--older-than", "7d", "--recordings-older-than", "30m", "--catalog", "out"}, endpoint...)...)
	if code != 0 || !strings.Contains(stdout, "removed recording recent.ts") || strings.Contains(stdout, "running") {
		t.Errorf("--recordings-older-than: exit %d\n%s", code, stdout)
	}
	code, _, stderr = verifyRun(t, "catalog", "prune", "--catalog", "out")
	if code != ExitUsage {
		t.Errorf("no retention: exit %d %s", code, stderr)
	}
}
