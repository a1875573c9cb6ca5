package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/veza-media/veza/pkg/catalog"
)

func TestNewCmdCatalogFlags(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		want    CatalogOptions
		wantErr bool
	}{
		{args: []string{"ls"}, want: CatalogOptions{Action: "ls"}},
		{args: []string{"ls", "--catalog", "out"}, want: CatalogOptions{Action: "ls", Catalog: "out"}},
		{args: []string{"--catalog", "x.db", "show", "t"}, want: CatalogOptions{Action: "show", Catalog: "x.db", TrackID: "t"}},
		{args: []string{"segments", "t", "720p"}, want: CatalogOptions{Action: "segments", TrackID: "t", Rendition: "720p"}},
		{args: []string{"jobs", "--track", "t", "--status", "error", "-n", "5"},
			want: CatalogOptions{Action: "jobs", TrackID: "t", Status: catalog.StatusError, Limit: 5}},
		{args: []string{"jobs"}, want: CatalogOptions{Action: "jobs"}},
		{args: []string{"ls", "extra"}, wantErr: true},
		{args: []string{"show"}, wantErr: true},
		{args: []string{"show", "a", "b"}, wantErr: true},
		{args: []string{"segments", "t"}, wantErr: true},
		{args: []string{"jobs", "--status", "finished"}, wantErr: true},
		{args: []string{"jobs", "--limit", "-1"}, wantErr: true},
		{args: []string{"typo"}, wantErr: true},
	} {
		got, err := captureOptions(NewCmdCatalog, tt.args...)
		if tt.wantErr {
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Errorf("%q: err %v, want a usage error", tt.args, err)
			}
			continue
		}
		if err != nil || got == nil {
			t.Fatalf("%q: %v", tt.args, err)
		}
		got.IO = nil
		if *got != tt.want {
			t.Errorf("%q: options %+v, want %+v", tt.args, *got, tt.want)
		}
	}
}

// seedCatalogCLI writes a small catalog with fixed times and ids into
// dir/veza.db: a finished VOD track, a failed one and a live one.
func seedCatalogCLI(t *testing.T, dir string) string {
	t.Helper()
	path := catalog.DefaultPath(dir)
	db, err := catalog.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tick := 0
	db.Now = func() time.Time {
		tick++
		return time.Date(2024, 5, 1, 12, 0, tick, 0, time.UTC)
	}
	bg := context.Background()
	ok := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ok(db.UpsertTrack(bg, catalog.Track{ID: "concert", SourcePath: "in/concert.mp4", ContentHash: "sha256:ab12"}))
	ok(db.UpsertRendition(bg, catalog.Rendition{TrackID: "concert", Name: "720p", Kind: catalog.KindVideo,
		Codecs: "avc1.64001f,mp4a.40.2", Bandwidth: 2_996_000, Width: 1280, Height: 720,
		PlaylistPath: "concert/720p/index.m3u8", Status: catalog.StatusDone}))
	ok(db.UpsertRendition(bg, catalog.Rendition{TrackID: "concert", Name: "audio", Kind: catalog.KindAudio,
		Codecs: "mp4a.40.2", Bandwidth: 132_000, PlaylistPath: "concert/audio/index.m3u8", Status: catalog.StatusDone}))
	job, err := db.CreateJob(bg, catalog.Job{ID: "JOB1", TrackID: "concert", Rendition: "720p", Kind: "segment"})
	ok(err)
	ok(db.StartJob(bg, job.ID))
	ok(db.UpsertSegments(bg, []catalog.Segment{
		{TrackID: "concert", Rendition: "720p", Index: 0, Path: "concert/720p/seg_00000.ts", Duration: 4.004, Bytes: 1_500_000, JobID: job.ID},
		{TrackID: "concert", Rendition: "720p", Index: 1, Path: "concert/720p/seg_00001.ts", Duration: 2.5, Bytes: 900_000, JobID: job.ID},
		{TrackID: "concert", Rendition: "audio", Index: 0, Path: "concert/audio/seg_00000.ts", Duration: 6.5, Bytes: 100_000},
	}))
	ok(db.FinishJob(bg, job.ID, catalog.StatusDone, ""))

	ok(db.UpsertTrack(bg, catalog.Track{ID: "broken", SourcePath: "in/broken.mkv"}))
	ok(db.UpsertRendition(bg, catalog.Rendition{TrackID: "broken", Name: "480p", Kind: catalog.KindVideo, Status: catalog.StatusError}))
	bad, err := db.CreateJob(bg, catalog.Job{ID: "JOB2", TrackID: "broken", Rendition: "480p", Kind: "segment"})
	ok(err)
	ok(db.FinishJob(bg, bad.ID, catalog.StatusError, "ffmpeg: Invalid data found when processing input\nsecond line"))

	ok(db.UpsertTrack(bg, catalog.Track{ID: "radio", SourcePath: "srt://0.0.0.0:9000", Live: true}))
	ok(db.UpsertRendition(bg, catalog.Rendition{TrackID: "radio", Name: "audio", Kind: catalog.KindAudio, Status: catalog.StatusEncoding}))
	ok(db.UpsertSegments(bg, []catalog.Segment{
		{TrackID: "radio", Rendition: "audio", Index: 41, Path: "radio/audio/seg_41.ts", Duration: 2, Bytes: 32_000},
		{TrackID: "radio", Rendition: "audio", Index: 42, Path: "radio/audio/seg_42.ts", Duration: 2, Bytes: 32_000},
	}))
	ok(db.MarkSegmentRemoved(bg, "radio", "audio", 41))
	return path
}

// catalogRun runs `veza ARGS` the way main does.
func catalogRun(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	ios := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	code = run(context.Background(), args, ios)
	return code, out.String(), errOut.String()
}

func TestCatalogCommands(t *testing.T) {
	dir := t.TempDir()
	path := seedCatalogCLI(t, dir)
	missing := filepath.Join(dir, "nope.db")

	tests := []struct {
		name    string
		args    []string
		code    int
		out     string // exact stdout, when not empty
		errHas  string // substring of stderr
		outHas  []string
		noStdin bool
	}{
		{
			name: "ls by folder",
			args: []string{"catalog", "ls", "--catalog", dir},
			out: "" +
				"TRACK    STATUS    RENDITIONS  DURATION  SIZE     LIVE\n" +
				"broken   error     1           0:00.0    0 B      no\n" +
				"concert  done      2           0:06.5    2.4 MiB  no\n" +
				"radio    encoding  1           0:02.0    31 KiB   yes\n",
		},
		{
			name:   "ls by file",
			args:   []string{"catalog", "--catalog", path, "ls"},
			outHas: []string{"concert  done"},
		},
		{
			name: "show",
			args: []string{"catalog", "show", "concert", "--catalog", dir},
			out: "" +
				"track:         concert\n" +
				"source:        in/concert.mp4\n" +
				"content hash:  sha256:ab12\n" +
				"status:        done\n" +
				"live:          no\n" +
				"created:       2024-05-01 12:00:01Z\n" +
				"\n" +
				"RENDITION  KIND   CODECS                 BANDWIDTH  RESOLUTION  SEGMENTS  DURATION  SIZE     STATUS  PLAYLIST\n" +
				"720p       video  avc1.64001f,mp4a.40.2  3.0 Mb/s   1280x720    2         0:06.5    2.3 MiB  done    concert/720p/index.m3u8\n" +
				"audio      audio  mp4a.40.2              132 kb/s   -           1         0:06.5    98 KiB   done    concert/audio/index.m3u8\n" +
				"\n" +
				"JOB   KIND     RENDITION  STATUS  PROGRESS  CREATED               TOOK    ERROR\n" +
				"JOB1  segment  720p       done    100%      2024-05-01 12:00:04Z  0:02.0  -\n",
		},
		{
			name: "segments, exact durations",
			args: []string{"catalog", "segments", "concert", "720p", "--catalog", dir},
			out: "" +
				"INDEX  DURATION  SIZE     CREATED               PATH\n" +
				"0      4.004     1500000  2024-05-01 12:00:06Z  concert/720p/seg_00000.ts\n" +
				"1      2.5       900000   2024-05-01 12:00:06Z  concert/720p/seg_00001.ts\n",
		},
		{
			name: "segments of a live window",
			args: []string{"catalog", "segments", "radio", "audio", "--catalog", dir},
			out: "" +
				"INDEX  DURATION  SIZE   CREATED               PATH                   REMOVED\n" +
				"41     2         32000  2024-05-01 12:00:14Z  radio/audio/seg_41.ts  2024-05-01 12:00:15Z\n" +
				"42     2         32000  2024-05-01 12:00:14Z  radio/audio/seg_42.ts  -\n",
		},
		{
			name: "jobs",
			args: []string{"catalog", "jobs", "--catalog", dir},
			out: "" +
				"JOB   TRACK    KIND     RENDITION  STATUS  PROGRESS  CREATED               TOOK    ERROR\n" +
				"JOB2  broken   segment  480p       error   0%        2024-05-01 12:00:10Z  -       ffmpeg: Invalid data found when processing input\n" +
				"JOB1  concert  segment  720p       done    100%      2024-05-01 12:00:04Z  0:02.0  -\n",
		},
		{
			name:   "jobs filtered",
			args:   []string{"catalog", "jobs", "--status", "done", "--catalog", dir},
			outHas: []string{"JOB1"},
		},
		{
			name:   "no jobs match",
			args:   []string{"catalog", "jobs", "--track", "radio", "--catalog", dir},
			out:    "",
			errHas: "no jobs",
		},
		{
			name:   "missing catalog",
			args:   []string{"catalog", "ls", "--catalog", missing},
			code:   1,
			errHas: `veza: catalog "` + missing + `": no such file`,
		},
		{
			name:   "unknown track",
			args:   []string{"catalog", "show", "nope", "--catalog", dir},
			code:   1,
			errHas: "veza: track \"nope\": not found\n",
		},
		{
			name:   "unknown track for segments",
			args:   []string{"catalog", "segments", "nope", "720p", "--catalog", dir},
			code:   1,
			errHas: "veza: track \"nope\": not found\n",
		},
		{
			name:   "unknown rendition",
			args:   []string{"catalog", "segments", "concert", "1080p", "--catalog", dir},
			code:   1,
			errHas: `veza: track "concert" rendition "1080p": not found`,
		},
		{
			name:   "bad status",
			args:   []string{"catalog", "jobs", "--status", "finished", "--catalog", dir},
			code:   2,
			errHas: `--status "finished"`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := catalogRun(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.code, errOut)
			}
			if (tc.out != "" || tc.outHas == nil) && out != tc.out {
				t.Errorf("stdout:\n%s\nwant:\n%s", out, tc.out)
			}
			for _, s := range tc.outHas {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			if !strings.Contains(errOut, tc.errHas) {
				t.Errorf("stderr %q, want it to contain %q", errOut, tc.errHas)
			}
			if tc.code != 0 && strings.Count(strings.TrimSpace(errOut), "\n") > 1 {
				t.Errorf("error takes more than one line (plus usage hint): %q", errOut)
			}
		})
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("a read command created %s", missing)
	}
}

func TestCatalogJSON(t *testing.T) {
	dir := t.TempDir()
	seedCatalogCLI(t, dir)

	code, out, errOut := catalogRun(t, "catalog", "ls", "--json", "--catalog", dir)
	if code != 0 {
		t.Fatalf("ls --json: exit %d: %s", code, errOut)
	}
	var tracks []catalog.TrackSummary
	if err := json.Unmarshal([]byte(out), &tracks); err != nil {
		t.Fatalf("ls --json: %v\n%s", err, out)
	}
	if len(tracks) != 3 || tracks[1].ID != "concert" || tracks[1].Bytes != 2_500_000 || tracks[1].Duration != 6.504 || !tracks[2].Live {
		t.Errorf("ls --json: %+v", tracks)
	}

	code, out, _ = catalogRun(t, "catalog", "show", "concert", "--json", "--catalog", dir)
	var d catalog.TrackDetail
	if err := json.Unmarshal([]byte(out), &d); code != 0 || err != nil {
		t.Fatalf("show --json: exit %d, %v\n%s", code, err, out)
	}
	if len(d.Renditions) != 2 || len(d.Jobs) != 1 || d.Jobs[0].ID != "JOB1" || d.Renditions[0].Segments != 2 {
		t.Errorf("show --json: %+v", d)
	}

	code, out, _ = catalogRun(t, "catalog", "segments", "concert", "720p", "--json", "--catalog", dir)
	var segs []map[string]any
	if err := json.Unmarshal([]byte(out), &segs); code != 0 || err != nil {
		t.Fatalf("segments --json: exit %d, %v\n%s", code, err, out)
	}
	if len(segs) != 2 || segs[0]["duration"] != 4.004 || segs[0]["job_id"] != "JOB1" || segs[1]["index"] != 1.0 {
		t.Errorf("segments --json: %v", segs)
	}

	// An empty answer is an empty JSON list, not silence.
	code, out, _ = catalogRun(t, "catalog", "jobs", "--track", "radio", "--json", "--catalog", dir)
	if code != 0 || strings.TrimSpace(out) != "[]" {
		t.Errorf("empty jobs --json: exit %d, %q", code, out)
	}
}

// TestCatalogLocation covers where the catalog is looked for: ./veza.db by
// default, VEZA_CATALOG, the config file, and the flag above them all.
func TestCatalogLocation(t *testing.T) {
	work := t.TempDir()
	t.Chdir(work)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(work, "xdg"))
	for _, k := range []string{"VEZA_CATALOG", "VEZA_CATALOG_LS_CATALOG", "VEZA_CONFIG"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	here := seedCatalogCLI(t, ".")
	other := t.TempDir()
	seedCatalogCLI(t, other)
	// Tell the two apart: the other catalog gets a track of its own.
	db, err := catalog.Open(catalog.DefaultPath(other))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.UpsertTrack(context.Background(), catalog.Track{ID: "only-in-other"}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	lsHas := func(name string, wantOther bool, args ...string) {
		t.Helper()
		code, out, errOut := catalogRun(t, append([]string{"catalog", "ls"}, args...)...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, errOut)
		}
		if got := strings.Contains(out, "only-in-other"); got != wantOther {
			t.Errorf("%s: read the other catalog = %v, want %v\n%s", name, got, wantOther, out)
		}
	}
	lsHas("default ./veza.db", false)
	t.Setenv("VEZA_CATALOG", other)
	lsHas("VEZA_CATALOG folder", true)
	lsHas("flag beats env", false, "--catalog", here)
	os.Unsetenv("VEZA_CATALOG")
	if err := os.WriteFile("veza.yaml", []byte("catalog: "+catalog.DefaultPath(other)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	lsHas("config file", true)
}

func TestCatalogShowLoudness(t *testing.T) {
	dir := t.TempDir()
	path := seedCatalogCLI(t, dir)
	db, err := catalog.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	in, tp := -25.9, -22.2
	if err := db.PutAnalysis(context.Background(), catalog.Analysis{TrackID: "concert", Kind: catalog.AnalysisInput,
		Integrated: &in, TruePeak: &tp, Normalization: "linear", Silences: []catalog.Silence{{Start: 6, End: 11}}}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	code, out, errOut := catalogRun(t, "catalog", "show", "concert", "--catalog", path)
	if code != 0 || !strings.Contains(out, "LOUDNESS") || !strings.Contains(out, "-25.90 LUFS") || !strings.Contains(out, "6.00-11.00") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = catalogRun(t, "catalog", "show", "concert", "--catalog", path, "--json")
	if code != 0 || !strings.Contains(out, `"analyses": [`) || !strings.Contains(out, `"integrated": -25.9`) {
		t.Fatalf("json: exit %d\n%s", code, out)
	}
	// A track without analyses prints no loudness table.
	if _, out, _ = catalogRun(t, "catalog", "show", "broken", "--catalog", path); strings.Contains(out, "LOUDNESS") {
		t.Fatalf("loudness table for a track without analyses:\n%s", out)
	}
}

func TestCatalogShowPublications(t *testing.T) {
	dir := t.TempDir()
	path := seedCatalogCLI(t, dir)
	db, err := catalog.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, err := range []error{
		db.SetPublishState(ctx, "concert", "s3://media/vod", catalog.Published, ""),
		db.PutPublishedObject(ctx, "concert", "s3://media/vod", catalog.PublishedObject{
			Bucket: "media", Key: "vod/concert/master.m3u8", Kind: "master", Size: 2048, ETag: "abc"}),
		db.SetPublishState(ctx, "concert", "s3://other/vod", catalog.PublishFailed, "list s3://other/vod: bucket does not exist"),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	code, out, errOut := catalogRun(t, "catalog", "show", "concert", "--catalog", path)
	if code != 0 || !strings.Contains(out, "PUBLISHED TO") || !regexp.MustCompile(`s3://media/vod +published +1 +2 KiB`).MatchString(out) ||
		!strings.Contains(out, "bucket does not exist") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = catalogRun(t, "catalog", "show", "concert", "--catalog", path, "--json")
	if code != 0 || !strings.Contains(out, `"publications": [`) || !strings.Contains(out, `"key": "vod/concert/master.m3u8"`) {
		t.Fatalf("json: exit %d\n%s", code, out)
	}
	if _, out, _ = catalogRun(t, "catalog", "show", "broken", "--catalog", path); strings.Contains(out, "PUBLISHED TO") {
		t.Fatalf("publish table for a track never published:\n%s", out)
	}
}
