package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// AnalysisKind says what an analysis measured.
type AnalysisKind string

// The kinds of analysis.
const (
	// AnalysisInput is the source measured before encoding (loudnorm's
	// first pass and silencedetect); its Rendition is "".
	AnalysisInput AnalysisKind = "input"
	// AnalysisOutput is one rendition's encoded output measured afterwards
	// (ebur128 over its playlist).
	AnalysisOutput AnalysisKind = "output"
)

// Silence is a stretch quieter than the detection threshold, in seconds of
// the analysed media.
type Silence struct {
	Start float64 `json:"start"`
	End   float64 `json:"end"`
}

// Analysis is a loudness and silence measurement of a track's source or of
// one of its renditions.
type Analysis struct {
	TrackID string `json:"track_id"`
	// Rendition is "" for the source (AnalysisInput).
	Rendition string       `json:"rendition,omitempty"`
	Kind      AnalysisKind `json:"kind"`
	// Integrated (LUFS), TruePeak (dBTP), LRA (LU), Threshold (LUFS) and
	// TargetOffset (LU) are nil when not measured.
	Integrated   *float64 `json:"integrated,omitempty"`
	TruePeak     *float64 `json:"true_peak,omitempty"`
	LRA          *float64 `json:"lra,omitempty"`
	Threshold    *float64 `json:"threshold,omitempty"`
	TargetOffset *float64 `json:"target_offset,omitempty"`
	// Normalization is "linear", "dynamic", or "" when the output was not
	// loudness-normalised.
	Normalization string `json:"normalization,omitempty"`
	// Silences are the stretches found (input) or left (output); never nil
	// once read back.
	Silences []Silence `json:"silences"`
	// JobID is the job the analysis belongs to, if any.
	JobID string `json:"job_id,omitempty"`
	// CreatedAt is set by the catalog.
	CreatedAt time.Time `json:"created_at"`
}

func (a *Analysis) check() error {
	if err := checkID("track id", a.TrackID); err != nil {
		return err
	}
	switch a.Kind {
	case AnalysisInput:
		if a.Rendition != "" {
			return fmt.Errorf("track %q: an input analysis has no rendition (got %q)", a.TrackID, a.Rendition)
		}
	case AnalysisOutput:
		if err := checkID("rendition name", a.Rendition); err != nil {
			return err
		}
	default:
		return fmt.Errorf("track %q: unknown analysis kind %q (want input or output)", a.TrackID, string(a.Kind))
	}
	switch a.Normalization {
	case "", "linear", "dynamic":
	default:
		return fmt.Errorf("track %q: unknown normalization %q (want linear or dynamic)", a.TrackID, a.Normalization)
	}
	for _, v := range []*float64{a.Integrated, a.TruePeak, a.LRA, a.Threshold, a.TargetOffset} {
		// SQLite stores NaN as NULL and infinities as they are; both would
		// read back as something else than was written.
		if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)) {
			return fmt.Errorf("track %q: loudness figure %v is not a finite number", a.TrackID, *v)
		}
	}
	for _, s := range a.Silences {
		if s.Start < 0 || s.End < s.Start || math.IsNaN(s.Start) || math.IsInf(s.End, 0) || math.IsNaN(s.End) {
			return fmt.Errorf("track %q: silence %v–%v is not a forward stretch of time", a.TrackID, s.Start, s.End)
		}
	}
	return nil
}

// PutAnalysis records a, replacing the track's earlier analysis of the same
// kind and rendition. The track must exist.
func (db *DB) PutAnalysis(ctx context.Context, a Analysis) error {
	if err := a.check(); err != nil {
		return err
	}
	sil := a.Silences
	if sil == nil {
		sil = []Silence{}
	}
	silJSON, err := json.Marshal(sil)
	if err != nil {
		return err
	}
	job := sql.NullString{String: a.JobID, Valid: a.JobID != ""}
	created := db.now()
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO analyses (track_id, rendition, kind, integrated, true_peak, lra, threshold,
				target_offset, normalization, silences_json, job_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (track_id, rendition, kind) DO UPDATE SET
				integrated = excluded.integrated,
				true_peak = excluded.true_peak,
				lra = excluded.lra,
				threshold = excluded.threshold,
				target_offset = excluded.target_offset,
				normalization = excluded.normalization,
				silences_json = excluded.silences_json,
				job_id = excluded.job_id,
				created_at = excluded.created_at`,
			a.TrackID, a.Rendition, string(a.Kind), a.Integrated, a.TruePeak, a.LRA, a.Threshold,
			a.TargetOffset, a.Normalization, string(silJSON), job, fmtTime(created))
		if isForeignKeyErr(err) {
			return fmt.Errorf("track %q: %w (record the track, and the job, before its analyses)", a.TrackID, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("track %q analysis %s %q: %v", a.TrackID, a.Kind, a.Rendition, err)
		}
		return nil
	})
}

// Analyses returns a track's analyses: the input first, then the outputs by
// rendition name. A track without analyses gives an empty list.
func (db *DB) Analyses(ctx context.Context, trackID string) ([]Analysis, error) {
	var out []Analysis
	err := db.read(ctx, func(q queryer) error {
		var err error
		out, err = queryAnalyses(ctx, q, `WHERE track_id = ?`, trackID)
		return err
	})
	return out, err
}

// Analysis returns one analysis, or an error wrapping ErrNotFound.
func (db *DB) Analysis(ctx context.Context, trackID, rendition string, kind AnalysisKind) (*Analysis, error) {
	var out *Analysis
	err := db.read(ctx, func(q queryer) error {
		as, err := queryAnalyses(ctx, q, `WHERE track_id = ? AND rendition = ? AND kind = ?`, trackID, rendition, string(kind))
		if err != nil {
			return err
		}
		if len(as) == 0 {
			return fmt.Errorf("track %q %s analysis %q: %w", trackID, kind, rendition, ErrNotFound)
		}
		out = &as[0]
		return nil
	})
	return out, err
}

func queryAnalyses(ctx context.Context, q queryer, where string, args ...any) ([]Analysis, error) {
	rows, err := q.QueryContext(ctx, `
		SELECT track_id, rendition, kind, integrated, true_peak, lra, threshold, target_offset,
			normalization, silences_json, job_id, created_at
		FROM analyses `+where+`
		ORDER BY track_id, kind = 'output', rendition`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Analysis
	for rows.Next() {
		var a Analysis
		var kind, silJSON, created string
		var job sql.NullString
		var i, tp, lra, th, off sql.NullFloat64
		if err := rows.Scan(&a.TrackID, &a.Rendition, &kind, &i, &tp, &lra, &th, &off,
			&a.Normalization, &silJSON, &job, &created); err != nil {
			return nil, err
		}
		a.Kind, a.JobID = AnalysisKind(kind), job.String
		a.Integrated, a.TruePeak, a.LRA, a.Threshold, a.TargetOffset = ptr(i), ptr(tp), ptr(lra), ptr(th), ptr(off)
		if err := json.Unmarshal([]byte(silJSON), &a.Silences); err != nil {
			return nil, fmt.Errorf("catalog: bad silences %q in the database", silJSON)
		}
		if a.Silences == nil {
			a.Silences = []Silence{}
		}
		if a.CreatedAt, err = parseTime(created); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func ptr(v sql.NullFloat64) *float64 {
	if !v.Valid {
		return nil
	}
	f := v.Float64
	return &f
}
