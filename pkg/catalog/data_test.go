package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

var ctx = context.Background()

// seed records track "t" with renditions "720p" (video) and "audio".
func seed(t *testing.T, db *DB) {
	t.Helper()
	must(t, db.UpsertTrack(ctx, Track{ID: "t", SourcePath: "t.mp4", ContentHash: "sha256:aa"}))
	must(t, db.UpsertRendition(ctx, Rendition{TrackID: "t", Name: "720p", Kind: KindVideo, Bandwidth: 3_000_000, Width: 1280, Height: 720}))
	must(t, db.UpsertRendition(ctx, Rendition{TrackID: "t", Name: "audio", Kind: KindAudio, Bandwidth: 128_000}))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestUpsertTrack(t *testing.T) {
	db := openTest(t)
	must(t, db.UpsertTrack(ctx, Track{ID: "t", SourcePath: "a.mp4", ContentHash: "h1", Probe: json.RawMessage(`{"format":{}}`)}))
	must(t, db.UpsertTrack(ctx, Track{ID: "t", SourcePath: "b.mp4", ContentHash: "h2", Live: true}))
	d, err := db.Track(ctx, "t")
	must(t, err)
	want := Track{ID: "t", SourcePath: "b.mp4", ContentHash: "h2", Live: true,
		CreatedAt: t0, UpdatedAt: t0.Add(time.Second)}
	if !reflect.DeepEqual(d.Track, want) {
		t.Errorf("track = %+v\nwant    %+v", d.Track, want)
	}

	for _, tc := range []struct {
		name string
		tr   Track
		want string
	}{
		{"empty id", Track{}, "empty track id"},
		{"spaces", Track{ID: " t"}, "spaces at the ends"},
		{"control", Track{ID: "a\nb"}, "control characters"},
		{"bad probe", Track{ID: "t", Probe: json.RawMessage(`{`)}, `track "t": probe is not valid JSON`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := db.UpsertTrack(ctx, tc.tr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestUpsertRendition(t *testing.T) {
	db := openTest(t)
	seed(t, db)
	must(t, db.UpsertRendition(ctx, Rendition{TrackID: "t", Name: "720p", Kind: KindVideo, Codecs: "avc1.64001f,mp4a.40.2",
		Bandwidth: 2_500_000, Width: 1280, Height: 720, PlaylistPath: "t/720p/index.m3u8", Status: StatusDone, Fingerprint: "fp1"}))
	r, err := db.Rendition(ctx, "t", "720p")
	must(t, err)
	want := Rendition{TrackID: "t", Name: "720p", Kind: KindVideo, Codecs: "avc1.64001f,mp4a.40.2",
		Bandwidth: 2_500_000, Width: 1280, Height: 720, PlaylistPath: "t/720p/index.m3u8", Status: StatusDone,
		Fingerprint: "fp1", CreatedAt: t0.Add(1 * time.Second), UpdatedAt: t0.Add(3 * time.Second)}
	if !reflect.DeepEqual(r.Rendition, want) {
		t.Errorf("rendition = %+v\nwant        %+v", r.Rendition, want)
	}

	must(t, db.SetRenditionStatus(ctx, "t", "audio", StatusEncoding))
	r, err = db.Rendition(ctx, "t", "audio")
	must(t, err)
	if r.Status != StatusEncoding {
		t.Errorf("status = %s, want encoding", r.Status)
	}

	for _, tc := range []struct {
		name     string
		err      error
		want     string
		notFound bool
	}{
		{"missing track", db.UpsertRendition(ctx, Rendition{TrackID: "x", Name: "a", Kind: KindAudio}), `track "x": not found`, true},
		{"bad kind", db.UpsertRendition(ctx, Rendition{TrackID: "t", Name: "a", Kind: "subtitles"}), `unknown rendition kind "subtitles"`, false},
		{"bad status", db.UpsertRendition(ctx, Rendition{TrackID: "t", Name: "a", Kind: KindAudio, Status: "odd"}), `unknown status "odd"`, false},
		{"negative", db.UpsertRendition(ctx, Rendition{TrackID: "t", Name: "a", Kind: KindVideo, Width: -1}), "negative", false},
		{"empty name", db.UpsertRendition(ctx, Rendition{TrackID: "t", Kind: KindVideo}), "empty rendition name", false},
		{"status of missing", db.SetRenditionStatus(ctx, "t", "nope", StatusDone), `track "t" rendition "nope": not found`, true},
		{"bad status set", db.SetRenditionStatus(ctx, "t", "720p", "odd"), `unknown status`, false},
		{"get missing", func() error { _, err := db.Rendition(ctx, "t", "nope"); return err }(), `track "t" rendition "nope": not found`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", tc.err, tc.want)
			}
			if errors.Is(tc.err, ErrNotFound) != tc.notFound {
				t.Errorf("errors.Is(ErrNotFound) = %v, want %v", !tc.notFound, tc.notFound)
			}
		})
	}
}

func TestJobLifecycle(t *testing.T) {
	db := openTest(t)
	seed(t, db)
	j, err := db.CreateJob(ctx, Job{TrackID: "t", Rendition: "720p", Kind: "segment",
		Args: []string{"-i", "t.mp4"}, FFmpegVersion: "5.1.6"})
	must(t, err)
	if len(j.ID) != 26 || j.Status != StatusPending || !j.CreatedAt.Equal(t0.Add(3*time.Second)) {
		t.Fatalf("created job = %+v", j)
	}
	must(t, db.StartJob(ctx, j.ID))
	must(t, db.SetJobProgress(ctx, j.ID, 0.5, 2.0))
	must(t, db.SetJobProgress(ctx, j.ID, 1.7, 4.0)) // clamped
	must(t, db.FinishJob(ctx, j.ID, StatusDone, ""))

	got, err := db.Job(ctx, j.ID)
	must(t, err)
	want := Job{ID: j.ID, TrackID: "t", Rendition: "720p", Kind: "segment", Status: StatusDone,
		Args: []string{"-i", "t.mp4"}, FFmpegVersion: "5.1.6",
		CreatedAt: t0.Add(3 * time.Second), StartedAt: t0.Add(4 * time.Second), CompletedAt: t0.Add(5 * time.Second),
		Progress: 1, CurrentDuration: 4}
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("job = %+v\nwant  %+v", *got, want)
	}

	failed, err := db.CreateJob(ctx, Job{TrackID: "t", Kind: "ladder"})
	must(t, err)
	must(t, db.SetJobProgress(ctx, failed.ID, 0.25, 1))
	must(t, db.FinishJob(ctx, failed.ID, StatusTimeout, "no progress for 10m0s"))
	got, err = db.Job(ctx, failed.ID)
	must(t, err)
	if got.Status != StatusTimeout || got.Error != "no progress for 10m0s" || got.Progress != 0.25 || !got.StartedAt.IsZero() || got.Rendition != "" {
		t.Errorf("timed out job = %+v", got)
	}

	for _, tc := range []struct {
		name     string
		err      error
		want     string
		is       error
		wantNone bool
	}{
		{"finish twice", db.FinishJob(ctx, j.ID, StatusError, "late"), "cannot finish: job already finished (done)", ErrJobFinished, false},
		{"progress after end", db.SetJobProgress(ctx, j.ID, 0.1, 0), "cannot update", ErrJobFinished, false},
		{"start after end", db.StartJob(ctx, failed.ID), "cannot start", ErrJobFinished, false},
		{"finish not final", db.FinishJob(ctx, j.ID, StatusEncoding, ""), `cannot finish with status "encoding"`, nil, false},
		{"missing", db.StartJob(ctx, "nope"), "job nope: not found", ErrNotFound, false},
		{"missing track", func() error { _, err := db.CreateJob(ctx, Job{TrackID: "x", Kind: "k"}); return err }(), `track "x": not found`, ErrNotFound, false},
		{"missing rendition", func() error {
			_, err := db.CreateJob(ctx, Job{TrackID: "t", Rendition: "4k", Kind: "k"})
			return err
		}(), `track "t" rendition "4k": not found`, ErrNotFound, false},
		{"no kind", func() error { _, err := db.CreateJob(ctx, Job{TrackID: "t"}); return err }(), "job without a kind", nil, false},
		{"bad progress", func() error { _, err := db.CreateJob(ctx, Job{TrackID: "t", Kind: "k", Progress: 2}); return err }(), "outside 0–1", nil, false},
		{"duplicate id", func() error { _, err := db.CreateJob(ctx, Job{ID: j.ID, TrackID: "t", Kind: "k"}); return err }(), "UNIQUE", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", tc.err, tc.want)
			}
			if tc.is != nil && !errors.Is(tc.err, tc.is) {
				t.Errorf("err = %v, want errors.Is %v", tc.err, tc.is)
			}
		})
	}
	// A rejected finish changed nothing.
	got, err = db.Job(ctx, j.ID)
	must(t, err)
	if got.Status != StatusDone || got.Error != "" {
		t.Errorf("after refused finish: %+v", got)
	}
	// A second start of a running job is refused too.
	running, err := db.CreateJob(ctx, Job{TrackID: "t", Kind: "k"})
	must(t, err)
	must(t, db.StartJob(ctx, running.ID))
	if err := db.StartJob(ctx, running.ID); err == nil || !strings.Contains(err.Error(), "already encoding") {
		t.Errorf("second start: %v", err)
	}
}

func TestJobsFilter(t *testing.T) {
	db := openTest(t)
	seed(t, db)
	must(t, db.UpsertTrack(ctx, Track{ID: "u"}))
	var ids []string
	for i, tr := range []string{"t", "u", "t", "t"} {
		j, err := db.CreateJob(ctx, Job{TrackID: tr, Kind: "segment"})
		must(t, err)
		ids = append(ids, j.ID)
		if i == 2 {
			must(t, db.FinishJob(ctx, j.ID, StatusError, "boom"))
		}
	}
	for _, tc := range []struct {
		name string
		f    JobFilter
		want []string
	}{
		{"all newest first", JobFilter{}, []string{ids[3], ids[2], ids[1], ids[0]}},
		{"track", JobFilter{TrackID: "t"}, []string{ids[3], ids[2], ids[0]}},
		{"status", JobFilter{Status: StatusError}, []string{ids[2]}},
		{"track and status", JobFilter{TrackID: "u", Status: StatusPending}, []string{ids[1]}},
		{"limit", JobFilter{Limit: 2}, []string{ids[3], ids[2]}},
		{"none", JobFilter{TrackID: "zz"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			js, err := db.Jobs(ctx, tc.f)
			must(t, err)
			var got []string
			for _, j := range js {
				got = append(got, j.ID)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("jobs = %v, want %v", got, tc.want)
			}
		})
	}
	if _, err := db.Jobs(ctx, JobFilter{Status: "odd"}); err == nil {
		t.Error("Jobs with an unknown status: no error")
	}
}

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	prev := ""
	for i := range 1000 {
		id := newID(t0.Add(time.Duration(i) * time.Millisecond))
		if len(id) != 26 || strings.Trim(id, crockford) != "" {
			t.Fatalf("id %q: want 26 Crockford base-32 characters", id)
		}
		if seen[id] {
			t.Fatalf("id %q twice", id)
		}
		seen[id] = true
		if id[:10] <= prev {
			t.Fatalf("time part %q does not sort after %q", id[:10], prev)
		}
		prev = id[:10]
	}
	// The first ten characters are the milliseconds since 1970.
	if got := newID(time.UnixMilli(1))[:10]; got != "0000000001" {
		t.Errorf("time part of 1 ms = %q", got)
	}
	if got := newID(time.UnixMilli(32))[:10]; got != "0000000010" {
		t.Errorf("time part of 32 ms = %q", got)
	}
}

func TestRollup(t *testing.T) {
	for _, tc := range []struct {
		in   []Status
		want Status
	}{
		{nil, StatusPending},
		{[]Status{StatusDone, StatusDone}, StatusDone},
		{[]Status{StatusDone, StatusPending}, StatusPending},
		{[]Status{StatusDone, StatusError, StatusEncoding}, StatusEncoding},
		{[]Status{StatusCancelled, StatusError, StatusTimeout}, StatusError},
		{[]Status{StatusCancelled, StatusTimeout, StatusPending}, StatusTimeout},
		{[]Status{StatusDone, StatusCancelled}, StatusCancelled},
	} {
		if got := rollup(tc.in); got != tc.want {
			t.Errorf("rollup(%v) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
