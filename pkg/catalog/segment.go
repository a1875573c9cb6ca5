package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Segment is one media segment file of a rendition.
type Segment struct {
	TrackID   string `json:"track_id"`
	Rendition string `json:"rendition"`
	// Index is the segment's media sequence number; (TrackID, Rendition,
	// Index) is unique, and recording the same index again updates the row.
	Index int `json:"index"`
	// Path is the segment file as the playlist resolves it. veza records
	// paths relative to the catalog's directory so an output folder can
	// be moved as a whole.
	Path string `json:"path"`
	// Duration is the exact duration in seconds, the playlist's EXTINF.
	Duration float64 `json:"duration"`
	// Bytes is the file's size.
	Bytes int64 `json:"bytes"`
	// CreatedAt is when the segment was complete. Zero means now for a new
	// row and keeps the recorded time when the row exists.
	CreatedAt time.Time `json:"created_at"`
	// JobID is the job that wrote the segment. Empty keeps the recorded
	// job when the row exists (an import does not know the job).
	JobID string `json:"job_id,omitempty"`
	// RemovedAt is set once a live sliding window dropped the segment and
	// its file may be gone; zero while it is on disk.
	RemovedAt time.Time `json:"removed_at,omitzero"`
}

func (s *Segment) check() error {
	if err := checkID("track id", s.TrackID); err != nil {
		return err
	}
	if err := checkID("rendition name", s.Rendition); err != nil {
		return err
	}
	switch {
	case s.Index < 0:
		return fmt.Errorf("%s: negative index", s.name())
	case s.Path == "":
		return fmt.Errorf("%s: empty path", s.name())
	case s.Duration < 0 || math.IsNaN(s.Duration) || math.IsInf(s.Duration, 0):
		return fmt.Errorf("%s: bad duration %v", s.name(), s.Duration)
	case s.Bytes < 0:
		return fmt.Errorf("%s: negative size", s.name())
	}
	return nil
}

func (s *Segment) name() string {
	return fmt.Sprintf("track %q rendition %q segment %d", s.TrackID, s.Rendition, s.Index)
}

// upsertSegmentSQL inserts a segment or updates the row with the same
// (track, rendition, index). ?7 is the given creation time or NULL, ?8 now;
// ?9 the job or NULL: a NULL keeps what the row has.
const upsertSegmentSQL = `
	INSERT INTO segments (track_id, rendition, idx, path, duration, bytes, created_at, job_id, removed_at)
	VALUES (?1, ?2, ?3, ?4, ?5, ?6, coalesce(?7, ?8), ?9, ?10)
	ON CONFLICT (track_id, rendition, idx) DO UPDATE SET
		path = excluded.path,
		duration = excluded.duration,
		bytes = excluded.bytes,
		created_at = coalesce(?7, segments.created_at),
		job_id = coalesce(?9, segments.job_id),
		removed_at = excluded.removed_at`

type execer interface {
	ExecContext(ctx context.Context, args ...any) (sql.Result, error)
}

func upsertSegment(ctx context.Context, stmt execer, s *Segment, now string) error {
	var job sql.NullString
	if s.JobID != "" {
		job = sql.NullString{String: s.JobID, Valid: true}
	}
	_, err := stmt.ExecContext(ctx, s.TrackID, s.Rendition, s.Index, s.Path, s.Duration, s.Bytes,
		nullTime(s.CreatedAt), now, job, nullTime(s.RemovedAt))
	if isForeignKeyErr(err) {
		if s.JobID != "" {
			return fmt.Errorf("%s: track, rendition or job %s: %w (record them before their segments)", s.name(), s.JobID, ErrNotFound)
		}
		return fmt.Errorf("track %q rendition %q: %w (record them before their segments)", s.TrackID, s.Rendition, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("%s: %v", s.name(), err)
	}
	return nil
}

// UpsertSegment records one segment, or updates the row with the same
// (track, rendition, index). The track and rendition (and the job, when
// named) must exist.
func (db *DB) UpsertSegment(ctx context.Context, s Segment) error {
	return db.UpsertSegments(ctx, []Segment{s})
}

// UpsertSegments records many segments in one transaction, all or none: the
// fast way to record a finished playlist or import a folder.
func (db *DB) UpsertSegments(ctx context.Context, segs []Segment) error {
	for i := range segs {
		if err := segs[i].check(); err != nil {
			return err
		}
	}
	if len(segs) == 0 {
		return nil
	}
	now := fmtTime(db.now())
	return db.write(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, upsertSegmentSQL)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i := range segs {
			if err := upsertSegment(ctx, stmt, &segs[i], now); err != nil {
				return err
			}
		}
		return nil
	})
}

// Reconciled counts what ReplaceSegments changed.
type Reconciled struct {
	Added   int // segments the catalog did not have
	Changed int // recorded segments whose path, duration, size or removal changed
	Removed int // recorded segments absent from the new list, deleted
}

// ReplaceSegments makes the rendition's segments exactly segs, in one
// transaction: it adds what is missing, updates what differs and deletes
// rows whose index is not in segs (stale rows of an earlier run). It is how
// a job reconciles the catalog with its final playlist. Segments with an
// empty TrackID or Rendition get trackID and rendition.
func (db *DB) ReplaceSegments(ctx context.Context, trackID, rendition string, segs []Segment) (Reconciled, error) {
	var rec Reconciled
	segs = slices.Clone(segs)
	seen := make(map[int]bool, len(segs))
	for i := range segs {
		s := &segs[i]
		if s.TrackID == "" {
			s.TrackID = trackID
		}
		if s.Rendition == "" {
			s.Rendition = rendition
		}
		if s.TrackID != trackID || s.Rendition != rendition {
			return rec, fmt.Errorf("%s: does not belong to track %q rendition %q", s.name(), trackID, rendition)
		}
		if err := s.check(); err != nil {
			return rec, err
		}
		if seen[s.Index] {
			return rec, fmt.Errorf("%s: listed twice", s.name())
		}
		seen[s.Index] = true
	}
	now := fmtTime(db.now())
	err := db.write(ctx, func(tx *sql.Tx) error {
		rec = Reconciled{}
		type row struct {
			path    string
			dur     float64
			bytes   int64
			removed bool
		}
		have := map[int]row{}
		rows, err := tx.QueryContext(ctx, `
			SELECT idx, path, duration, bytes, removed_at IS NOT NULL
			FROM segments WHERE track_id = ? AND rendition = ?`, trackID, rendition)
		if err != nil {
			return err
		}
		for rows.Next() {
			var idx int
			var r row
			if err := rows.Scan(&idx, &r.path, &r.dur, &r.bytes, &r.removed); err != nil {
				rows.Close()
				return err
			}
			have[idx] = r
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, upsertSegmentSQL)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i := range segs {
			s := &segs[i]
			old, ok := have[s.Index]
			switch {
			case !ok:
				rec.Added++
			case old.path != s.Path || old.dur != s.Duration || old.bytes != s.Bytes || old.removed != !s.RemovedAt.IsZero():
				rec.Changed++
			}
			if err := upsertSegment(ctx, stmt, s, now); err != nil {
				return err
			}
		}
		del, err := tx.PrepareContext(ctx, `DELETE FROM segments WHERE track_id = ? AND rendition = ? AND idx = ?`)
		if err != nil {
			return err
		}
		defer del.Close()
		for idx := range have {
			if seen[idx] {
				continue
			}
			if _, err := del.ExecContext(ctx, trackID, rendition, idx); err != nil {
				return err
			}
			rec.Removed++
		}
		return nil
	})
	if err != nil {
		return Reconciled{}, err
	}
	return rec, nil
}

// DeleteSegmentsFrom deletes the rendition's segments with index fromIdx and
// above (a run that restarts at fromIdx) and returns how many it deleted.
func (db *DB) DeleteSegmentsFrom(ctx context.Context, trackID, rendition string, fromIdx int) (int, error) {
	var n int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM segments WHERE track_id = ? AND rendition = ? AND idx >= ?`,
			trackID, rendition, fromIdx)
		if err != nil {
			return fmt.Errorf("track %q rendition %q: %v", trackID, rendition, err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// MarkSegmentRemoved records that a live sliding window dropped a segment:
// the row stays (with its removal time) for history, but the segment no
// longer counts as on disk. Marking it again keeps the first time.
func (db *DB) MarkSegmentRemoved(ctx context.Context, trackID, rendition string, idx int) error {
	now := fmtTime(db.now())
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE segments SET removed_at = coalesce(removed_at, ?)
			WHERE track_id = ? AND rendition = ? AND idx = ?`, now, trackID, rendition, idx)
		if err != nil {
			return fmt.Errorf("track %q rendition %q segment %d: %v", trackID, rendition, idx, err)
		}
		return mustAffect(res, "track %q rendition %q segment %d", trackID, rendition, idx)
	})
}

// Segments lists a rendition's segments by index, including those a live
// window removed (RemovedAt set). A missing track or rendition gives an
// error wrapping ErrNotFound.
func (db *DB) Segments(ctx context.Context, trackID, rendition string) ([]Segment, error) {
	out := []Segment{}
	err := db.read(ctx, func(q queryer) error {
		var n int
		if err := q.QueryRowContext(ctx, `SELECT count(*) FROM tracks WHERE id = ?`, trackID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("track %q: %w", trackID, ErrNotFound)
		}
		if err := q.QueryRowContext(ctx, `SELECT count(*) FROM renditions WHERE track_id = ? AND name = ?`, trackID, rendition).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("track %q rendition %q: %w", trackID, rendition, ErrNotFound)
		}
		rows, err := q.QueryContext(ctx, `
			SELECT idx, path, duration, bytes, created_at, coalesce(job_id, ''), removed_at
			FROM segments WHERE track_id = ? AND rendition = ? ORDER BY idx`, trackID, rendition)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			s := Segment{TrackID: trackID, Rendition: rendition}
			var created string
			var removed sql.NullString
			if err := rows.Scan(&s.Index, &s.Path, &s.Duration, &s.Bytes, &created, &s.JobID, &removed); err != nil {
				return err
			}
			if s.CreatedAt, err = parseTime(created); err != nil {
				return err
			}
			if s.RemovedAt, err = parseNullTime(removed); err != nil {
				return err
			}
			out = append(out, s)
		}
		return rows.Err()
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, err
		}
		return nil, fmt.Errorf("catalog %q: segments of track %q rendition %q: %w", db.path, trackID, rendition, err)
	}
	return out, nil
}
