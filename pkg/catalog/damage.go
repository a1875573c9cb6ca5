package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// DamageRange is a stretch of a source where ffmpeg reported damage, in
// seconds of output.
type DamageRange struct {
	Start float64 `json:"start"`
	End   float64 `json:"end"`
	Count int     `json:"count"`
}

// Damage is what ffmpeg reported of a track's damaged but decodable source:
// decode errors and corrupt packets by time range, and whether the source
// ended before its header said.
type Damage struct {
	TrackID string        `json:"track_id"`
	Errors  int           `json:"errors"`
	Ranges  []DamageRange `json:"ranges"`
	Short   bool          `json:"short"`
	// Expected and Encoded are the seconds the source promised and the
	// seconds encoded; zero unless Short.
	Expected  float64   `json:"expected,omitempty"`
	Encoded   float64   `json:"encoded,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Clean reports whether d says nothing is wrong.
func (d Damage) Clean() bool { return d.Errors == 0 && !d.Short }

func (d *Damage) check() error {
	if err := checkID("track id", d.TrackID); err != nil {
		return err
	}
	if d.Errors < 0 {
		return fmt.Errorf("track %q: %d damage reports", d.TrackID, d.Errors)
	}
	for _, v := range []float64{d.Expected, d.Encoded} {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("track %q: duration %v is not a time", d.TrackID, v)
		}
	}
	for _, r := range d.Ranges {
		if r.Start < 0 || r.End < r.Start || r.Count < 1 || math.IsNaN(r.Start) || math.IsInf(r.End, 0) || math.IsNaN(r.End) {
			return fmt.Errorf("track %q: damage range %v–%v (%d) is not a forward stretch of time", d.TrackID, r.Start, r.End, r.Count)
		}
	}
	return nil
}

// PutDamage records the damage found in a track's source, replacing what an
// earlier run recorded; a clean report removes it. The track must exist.
func (db *DB) PutDamage(ctx context.Context, d Damage) error {
	if err := d.check(); err != nil {
		return err
	}
	if d.Clean() {
		return db.write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `DELETE FROM source_damage WHERE track_id = ?`, d.TrackID)
			return err
		})
	}
	ranges := d.Ranges
	if ranges == nil {
		ranges = []DamageRange{}
	}
	rj, err := json.Marshal(ranges)
	if err != nil {
		return err
	}
	var expected, encoded sql.NullFloat64
	if d.Short {
		expected, encoded = sql.NullFloat64{Float64: d.Expected, Valid: true}, sql.NullFloat64{Float64: d.Encoded, Valid: true}
	}
	created := db.now()
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO source_damage (track_id, errors, ranges_json, short, expected, encoded, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (track_id) DO UPDATE SET
				errors = excluded.errors, ranges_json = excluded.ranges_json, short = excluded.short,
				expected = excluded.expected, encoded = excluded.encoded, created_at = excluded.created_at`,
			d.TrackID, d.Errors, string(rj), d.Short, expected, encoded, fmtTime(created))
		if isForeignKeyErr(err) {
			return fmt.Errorf("track %q: %w (record the track before its damage)", d.TrackID, ErrNotFound)
		}
		return err
	})
}

// SourceDamage returns the damage recorded for a track's source, or nil
// when its source is clean (or was never checked).
func (db *DB) SourceDamage(ctx context.Context, trackID string) (*Damage, error) {
	var out *Damage
	err := db.read(ctx, func(q queryer) error {
		var d Damage
		var rj, created string
		var short int
		var expected, encoded sql.NullFloat64
		err := q.QueryRowContext(ctx, `SELECT track_id, errors, ranges_json, short, expected, encoded, created_at
			FROM source_damage WHERE track_id = ?`, trackID).Scan(&d.TrackID, &d.Errors, &rj, &short, &expected, &encoded, &created)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(rj), &d.Ranges); err != nil {
			return fmt.Errorf("catalog: bad damage ranges %q in the database", rj)
		}
		d.Short, d.Expected, d.Encoded = short == 1, expected.Float64, encoded.Float64
		if d.CreatedAt, err = parseTime(created); err != nil {
			return err
		}
		out = &d
		return nil
	})
	return out, err
}
