package catalog

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func seg(rendition string, idx int, dur float64) Segment {
	return Segment{TrackID: "t", Rendition: rendition, Index: idx,
		Path: "t/" + rendition + "/seg_" + strconv.Itoa(idx) + ".ts", Duration: dur, Bytes: int64(1000 + idx)}
}

// durations maps the segments' indexes to their durations, to compare
// compactly.
func durations(segs []Segment) map[int]float64 {
	m := map[int]float64{}
	for _, s := range segs {
		m[s.Index] = s.Duration
	}
	return m
}

func TestUpsertSegment(t *testing.T) {
	db := openTest(t) // clock ticks: seed 0–2, job 3
	seed(t, db)
	job, err := db.CreateJob(ctx, Job{TrackID: "t", Rendition: "720p", Kind: "segment"})
	must(t, err)

	first := seg("720p", 0, 4.0)
	first.JobID = job.ID
	must(t, db.UpsertSegment(ctx, first)) // tick 4
	// The same index again: one row, new facts, first creation time kept
	// (CreatedAt zero), job kept (JobID empty).
	again := Segment{TrackID: "t", Rendition: "720p", Index: 0, Path: "t/720p/seg_0.ts", Duration: 4.004, Bytes: 2000}
	must(t, db.UpsertSegment(ctx, again)) // tick 5
	// A given creation time replaces the recorded one.
	given := seg("720p", 1, 3.5)
	given.CreatedAt = time.Date(2023, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	must(t, db.UpsertSegment(ctx, given))

	got, err := db.Segments(ctx, "t", "720p")
	must(t, err)
	want := []Segment{
		{TrackID: "t", Rendition: "720p", Index: 0, Path: "t/720p/seg_0.ts", Duration: 4.004, Bytes: 2000, CreatedAt: t0.Add(4 * time.Second), JobID: job.ID},
		{TrackID: "t", Rendition: "720p", Index: 1, Path: "t/720p/seg_1.ts", Duration: 3.5, Bytes: 1001, CreatedAt: given.CreatedAt},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("segments =\n%+v\nwant\n%+v", got, want)
	}

	// Durations are stored exactly, not rounded to the millisecond.
	exact := seg("audio", 3, 10.005333333333333)
	must(t, db.UpsertSegment(ctx, exact))
	got, err = db.Segments(ctx, "t", "audio")
	must(t, err)
	if len(got) != 1 || got[0].Duration != exact.Duration {
		t.Errorf("duration = %v, want %v", got, exact.Duration)
	}

	for _, tc := range []struct {
		name     string
		s        Segment
		want     string
		notFound bool
	}{
		{"missing rendition", seg("1080p", 0, 4), `track "t" rendition "1080p": not found`, true},
		{"missing job", Segment{TrackID: "t", Rendition: "720p", Index: 9, Path: "p", JobID: "nope"}, "job nope: not found", true},
		{"negative index", seg("720p", -1, 4), "negative index", false},
		{"no path", Segment{TrackID: "t", Rendition: "720p"}, "empty path", false},
		{"NaN duration", seg("720p", 2, math.NaN()), "bad duration", false},
		{"negative duration", seg("720p", 2, -1), "bad duration", false},
		{"negative size", Segment{TrackID: "t", Rendition: "720p", Path: "p", Bytes: -1}, "negative size", false},
		{"no rendition", Segment{TrackID: "t", Path: "p"}, "empty rendition name", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := db.UpsertSegment(ctx, tc.s)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if errors.Is(err, ErrNotFound) != tc.notFound {
				t.Errorf("errors.Is(ErrNotFound) = %v", !tc.notFound)
			}
		})
	}
}

func TestUpsertSegmentsAllOrNothing(t *testing.T) {
	db := openTest(t)
	seed(t, db)
	batch := []Segment{seg("720p", 0, 4), seg("720p", 1, 4), seg("nope", 2, 4)}
	if err := db.UpsertSegments(ctx, batch); !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want not found", err)
	}
	got, err := db.Segments(ctx, "t", "720p")
	must(t, err)
	if len(got) != 0 {
		t.Errorf("a failed batch left %d rows", len(got))
	}
	must(t, db.UpsertSegments(ctx, nil))
	must(t, db.UpsertSegments(ctx, batch[:2]))
	got, err = db.Segments(ctx, "t", "720p")
	must(t, err)
	if len(got) != 2 {
		t.Errorf("%d rows, want 2", len(got))
	}
}

func TestReplaceSegments(t *testing.T) {
	tests := []struct {
		name    string
		before  []Segment
		removed []int // marked removed before the replace
		replace []Segment
		want    Reconciled
		after   map[int]float64
	}{
		{
			name:    "adds missed segments and fixes placeholder durations",
			before:  []Segment{seg("720p", 0, 4), seg("720p", 1, 4)},
			replace: []Segment{seg("720p", 0, 4), seg("720p", 1, 3.96), seg("720p", 2, 1.2)},
			want:    Reconciled{Added: 1, Changed: 1},
			after:   map[int]float64{0: 4, 1: 3.96, 2: 1.2},
		},
		{
			name:    "removes stale rows of a longer earlier run",
			before:  []Segment{seg("720p", 0, 4), seg("720p", 1, 4), seg("720p", 2, 4), seg("720p", 3, 4)},
			replace: []Segment{seg("720p", 0, 4), seg("720p", 1, 2)},
			want:    Reconciled{Changed: 1, Removed: 2},
			after:   map[int]float64{0: 4, 1: 2},
		},
		{
			name:    "gaps in the middle",
			before:  []Segment{seg("720p", 0, 4), seg("720p", 5, 4), seg("720p", 9, 4)},
			replace: []Segment{seg("720p", 4, 4), seg("720p", 5, 4), seg("720p", 6, 4)},
			want:    Reconciled{Added: 2, Removed: 2},
			after:   map[int]float64{4: 4, 5: 4, 6: 4},
		},
		{
			name:    "a removed segment listed again is back",
			before:  []Segment{seg("720p", 0, 4)},
			removed: []int{0},
			replace: []Segment{seg("720p", 0, 4)},
			want:    Reconciled{Changed: 1},
			after:   map[int]float64{0: 4},
		},
		{
			name:    "empty list empties the rendition",
			before:  []Segment{seg("720p", 0, 4)},
			replace: nil,
			want:    Reconciled{Removed: 1},
			after:   map[int]float64{},
		},
		{
			name:    "track and rendition filled in",
			replace: []Segment{{Index: 0, Path: "a.ts", Duration: 2}},
			want:    Reconciled{Added: 1},
			after:   map[int]float64{0: 2},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := openTest(t)
			seed(t, db)
			must(t, db.UpsertSegments(ctx, tc.before))
			must(t, db.UpsertSegment(ctx, seg("audio", 0, 4))) // another rendition: untouched
			for _, idx := range tc.removed {
				must(t, db.MarkSegmentRemoved(ctx, "t", "720p", idx))
			}
			got, err := db.ReplaceSegments(ctx, "t", "720p", tc.replace)
			must(t, err)
			if got != tc.want {
				t.Errorf("reconciled %+v, want %+v", got, tc.want)
			}
			segs, err := db.Segments(ctx, "t", "720p")
			must(t, err)
			if d := durations(segs); !reflect.DeepEqual(d, tc.after) {
				t.Errorf("after: %v, want %v", d, tc.after)
			}
			for _, s := range segs {
				if !s.RemovedAt.IsZero() {
					t.Errorf("segment %d still marked removed", s.Index)
				}
			}
			audio, err := db.Segments(ctx, "t", "audio")
			must(t, err)
			if len(audio) != 1 {
				t.Errorf("other rendition has %d segments, want 1", len(audio))
			}
		})
	}

	db := openTest(t)
	seed(t, db)
	for _, tc := range []struct {
		name string
		segs []Segment
		want string
	}{
		{"other rendition", []Segment{seg("audio", 0, 4)}, `does not belong to track "t" rendition "720p"`},
		{"twice", []Segment{seg("720p", 0, 4), seg("720p", 0, 4)}, "listed twice"},
		{"invalid", []Segment{seg("720p", 0, -4)}, "bad duration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.ReplaceSegments(ctx, "t", "720p", tc.segs)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := db.ReplaceSegments(ctx, "t", "nope", []Segment{{Index: 0, Path: "a"}}); !errors.Is(err, ErrNotFound) {
		t.Errorf("replace into a missing rendition: %v", err)
	}
}

func TestDeleteSegmentsFrom(t *testing.T) {
	db := openTest(t)
	seed(t, db)
	var segs []Segment
	for i := range 6 {
		segs = append(segs, seg("720p", i, 4), seg("audio", i, 4))
	}
	must(t, db.UpsertSegments(ctx, segs))
	n, err := db.DeleteSegmentsFrom(ctx, "t", "720p", 4)
	must(t, err)
	if n != 2 {
		t.Errorf("deleted %d, want 2", n)
	}
	for r, want := range map[string]int{"720p": 4, "audio": 6} {
		got, err := db.Segments(ctx, "t", r)
		must(t, err)
		if len(got) != want {
			t.Errorf("%s: %d segments, want %d", r, len(got), want)
		}
	}
}

func TestMarkSegmentRemoved(t *testing.T) {
	db := openTest(t) // ticks: seed 0–2, upsert 3
	seed(t, db)
	must(t, db.UpsertSegments(ctx, []Segment{seg("720p", 0, 2), seg("720p", 1, 2)}))
	must(t, db.MarkSegmentRemoved(ctx, "t", "720p", 0)) // tick 4
	must(t, db.MarkSegmentRemoved(ctx, "t", "720p", 0)) // keeps tick 4
	got, err := db.Segments(ctx, "t", "720p")
	must(t, err)
	if !got[0].RemovedAt.Equal(t0.Add(4*time.Second)) || !got[1].RemovedAt.IsZero() {
		t.Errorf("removed_at = %v, %v", got[0].RemovedAt, got[1].RemovedAt)
	}
	// A removed segment no longer counts as on disk.
	r, err := db.Rendition(ctx, "t", "720p")
	must(t, err)
	if r.Segments != 1 || r.Duration != 2 {
		t.Errorf("rendition totals: %d segments, %v s", r.Segments, r.Duration)
	}
	b, _ := json.Marshal(got[1])
	if strings.Contains(string(b), "removed_at") {
		t.Errorf("segment on disk has removed_at in JSON: %s", b)
	}
	if err := db.MarkSegmentRemoved(ctx, "t", "720p", 7); !errors.Is(err, ErrNotFound) {
		t.Errorf("mark missing: %v", err)
	}
}

func TestSegmentsNotFound(t *testing.T) {
	db := openTest(t)
	seed(t, db)
	for _, tc := range []struct{ track, rendition, want string }{
		{"x", "720p", `track "x": not found`},
		{"t", "x", `track "t" rendition "x": not found`},
	} {
		_, err := db.Segments(ctx, tc.track, tc.rendition)
		if !errors.Is(err, ErrNotFound) || err.Error() != tc.want {
			t.Errorf("Segments(%s, %s) err = %v, want %q", tc.track, tc.rendition, err, tc.want)
		}
	}
	got, err := db.Segments(ctx, "t", "720p")
	must(t, err)
	if got == nil || len(got) != 0 {
		t.Errorf("no segments: got %#v, want an empty slice", got)
	}
}
