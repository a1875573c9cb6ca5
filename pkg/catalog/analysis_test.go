package catalog

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func f64(v float64) *float64 { return &v }

func TestAnalyses(t *testing.T) {
	db := openTest(t)
	seed(t, db)
	j, err := db.CreateJob(ctx, Job{TrackID: "t", Kind: "ladder"})
	must(t, err)

	in := Analysis{TrackID: "t", Kind: AnalysisInput, Integrated: f64(-26.02), TruePeak: f64(-21.5),
		LRA: f64(0.4), Threshold: f64(-36.1), TargetOffset: f64(-0.3), Normalization: "linear",
		Silences: []Silence{{Start: 6, End: 11.0001}}, JobID: j.ID}
	must(t, db.PutAnalysis(ctx, in))
	// Output without a job or a threshold: NULLs come back as nil.
	out := Analysis{TrackID: "t", Rendition: "audio", Kind: AnalysisOutput, Integrated: f64(-14.1), TruePeak: f64(-9.2)}
	must(t, db.PutAnalysis(ctx, out))

	as, err := db.Analyses(ctx, "t")
	must(t, err)
	if len(as) != 2 {
		t.Fatalf("got %d analyses, want 2", len(as))
	}
	in.CreatedAt = as[0].CreatedAt
	if !reflect.DeepEqual(as[0], in) {
		t.Errorf("input = %+v\nwant    %+v", as[0], in)
	}
	out.CreatedAt, out.Silences = as[1].CreatedAt, []Silence{}
	if !reflect.DeepEqual(as[1], out) {
		t.Errorf("output = %+v\nwant     %+v", as[1], out)
	}
	if as[0].CreatedAt.IsZero() || !as[1].CreatedAt.After(as[0].CreatedAt) {
		t.Errorf("created times %v, %v", as[0].CreatedAt, as[1].CreatedAt)
	}

	// A re-run replaces the row of the same kind and rendition.
	in2 := Analysis{TrackID: "t", Kind: AnalysisInput, Integrated: f64(-20)}
	must(t, db.PutAnalysis(ctx, in2))
	got, err := db.Analysis(ctx, "t", "", AnalysisInput)
	must(t, err)
	if *got.Integrated != -20 || got.TruePeak != nil || len(got.Silences) != 0 || got.JobID != "" || got.Normalization != "" {
		t.Errorf("replaced input = %+v", got)
	}
	if _, err := db.Analysis(ctx, "t", "720p", AnalysisOutput); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing analysis: err = %v, want ErrNotFound", err)
	}
	if as, err := db.Analyses(ctx, "nope"); err != nil || len(as) != 0 {
		t.Errorf("unknown track: %v, %v", as, err)
	}
}

func TestPutAnalysisRefuses(t *testing.T) {
	db := openTest(t)
	seed(t, db)
	for _, tc := range []struct {
		name string
		a    Analysis
		want string
	}{
		{"no track", Analysis{Kind: AnalysisInput}, "empty track id"},
		{"unknown track", Analysis{TrackID: "x", Kind: AnalysisInput}, "not found"},
		{"bad kind", Analysis{TrackID: "t", Kind: "middle"}, `unknown analysis kind "middle"`},
		{"input with rendition", Analysis{TrackID: "t", Kind: AnalysisInput, Rendition: "audio"}, "has no rendition"},
		{"output without rendition", Analysis{TrackID: "t", Kind: AnalysisOutput}, "empty rendition name"},
		{"bad normalization", Analysis{TrackID: "t", Kind: AnalysisInput, Normalization: "loud"}, `unknown normalization "loud"`},
		{"NaN", Analysis{TrackID: "t", Kind: AnalysisInput, Integrated: f64(math.NaN())}, "not a finite number"},
		{"-Inf", Analysis{TrackID: "t", Kind: AnalysisInput, TruePeak: f64(math.Inf(-1))}, "not a finite number"},
		{"backwards silence", Analysis{TrackID: "t", Kind: AnalysisInput, Silences: []Silence{{Start: 5, End: 4}}}, "not a forward stretch"},
		{"unknown job", Analysis{TrackID: "t", Kind: AnalysisInput, JobID: "nope"}, "not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := db.PutAnalysis(ctx, tc.a)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestAnalysesFollowTheirTrackAndJob(t *testing.T) {
	db := openTest(t)
	seed(t, db)
	j, err := db.CreateJob(ctx, Job{TrackID: "t", Kind: "ladder"})
	must(t, err)
	must(t, db.PutAnalysis(ctx, Analysis{TrackID: "t", Kind: AnalysisInput, JobID: j.ID, Integrated: f64(-23)}))
	if _, err := db.sql.ExecContext(ctx, `DELETE FROM jobs WHERE id = ?`, j.ID); err != nil {
		t.Fatal(err)
	}
	a, err := db.Analysis(ctx, "t", "", AnalysisInput)
	must(t, err)
	if a.JobID != "" || a.CreatedAt.Before(t0) || a.CreatedAt.After(t0.Add(time.Hour)) {
		t.Errorf("after the job went: %+v", a)
	}
	if _, err := db.sql.ExecContext(ctx, `DELETE FROM tracks WHERE id = 't'`); err != nil {
		t.Fatal(err)
	}
	if as, err := db.Analyses(ctx, "t"); err != nil || len(as) != 0 {
		t.Errorf("after the track went: %v, %v", as, err)
	}
}

func TestSourceDamage(t *testing.T) {
	db := openTest(t)
	seed(t, db)
	if d, err := db.SourceDamage(ctx, "t"); err != nil || d != nil {
		t.Fatalf("unchecked track: %+v %v", d, err)
	}
	d := Damage{TrackID: "t", Errors: 44, Ranges: []DamageRange{{Start: 2.1, End: 4, Count: 44}}, Short: true, Expected: 10, Encoded: 5.02}
	must(t, db.PutDamage(ctx, d))
	got, err := db.SourceDamage(ctx, "t")
	must(t, err)
	d.CreatedAt = got.CreatedAt
	if !reflect.DeepEqual(*got, d) {
		t.Errorf("got  %+v\nwant %+v", *got, d)
	}
	// A clean re-encode removes the row.
	must(t, db.PutDamage(ctx, Damage{TrackID: "t"}))
	if got, err := db.SourceDamage(ctx, "t"); err != nil || got != nil {
		t.Fatalf("after a clean run: %+v %v", got, err)
	}
	for _, bad := range []Damage{
		{TrackID: "t", Errors: -1},
		{TrackID: "t", Errors: 1, Ranges: []DamageRange{{Start: 3, End: 2, Count: 1}}},
		{TrackID: "t", Short: true, Expected: math.NaN()},
		{TrackID: "", Errors: 1},
	} {
		if err := db.PutDamage(ctx, bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if err := db.PutDamage(ctx, Damage{TrackID: "nope", Errors: 1, Ranges: []DamageRange{{0, 1, 1}}}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown track: %v", err)
	}
}
