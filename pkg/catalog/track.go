package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Track is one source veza encoded: everything made from one input file (or
// one live stream) shares its id.
type Track struct {
	// ID is the track's slug ("concert-2024"), unique in the catalog.
	ID string `json:"id"`
	// SourcePath is the input as it was given.
	SourcePath string `json:"source_path"`
	// ContentHash identifies the source's bytes, so a renamed file is
	// recognised and a changed one is not.
	ContentHash string `json:"content_hash"`
	// Probe is ffprobe's JSON report on the source; nil when unknown.
	Probe json.RawMessage `json:"probe,omitempty"`
	// Live is set while the track is a live stream whose playlists grow.
	Live bool `json:"live"`
	// CreatedAt is when the track was first recorded; UpdatedAt when it was
	// last upserted. Both are set by the catalog.
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// UpsertTrack records t, or replaces every field of the track with t's
// except CreatedAt, which keeps the first recording's time.
func (db *DB) UpsertTrack(ctx context.Context, t Track) error {
	if err := checkID("track id", t.ID); err != nil {
		return err
	}
	var probe sql.NullString
	if len(t.Probe) > 0 {
		if !json.Valid(t.Probe) {
			return fmt.Errorf("track %q: probe is not valid JSON", t.ID)
		}
		probe = sql.NullString{String: string(t.Probe), Valid: true}
	}
	now := db.now()
	created := now
	if !t.CreatedAt.IsZero() {
		created = t.CreatedAt
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO tracks (id, source_path, content_hash, probe_json, live, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET
				source_path = excluded.source_path,
				content_hash = excluded.content_hash,
				probe_json = excluded.probe_json,
				live = excluded.live,
				updated_at = excluded.updated_at`,
			t.ID, t.SourcePath, t.ContentHash, probe, t.Live, fmtTime(created), fmtTime(now))
		if err != nil {
			return fmt.Errorf("track %q: %v", t.ID, err)
		}
		return nil
	})
}

// checkID refuses ids a person could not type back: empty, or with control
// characters or surrounding spaces.
func checkID(what, id string) error {
	if id == "" {
		return fmt.Errorf("catalog: empty %s", what)
	}
	if strings.TrimSpace(id) != id || strings.ContainsFunc(id, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Errorf("catalog: %s %q has spaces at the ends or control characters", what, id)
	}
	return nil
}

// Slug turns text into an id of lower-case ASCII letters, digits and single
// dashes ("My Concert (2024)" gives "my-concert-2024"); "" when nothing is
// left.
func Slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// ErrBadTrackID is wrapped by CheckTrackID's errors.
var ErrBadTrackID = errors.New("invalid track id")

// CheckTrackID accepts a track id a user chose when it could have been
// generated: one folder name of ASCII letters, digits, '.', '_' and '-',
// starting with a letter or digit, at most 128 bytes. A track id names the
// track's folder under the output folder, so "../x", "a/b" or ".hidden"
// would write (and delete) somewhere else.
func CheckTrackID(id string) error {
	if id == "" || len(id) > 128 {
		return fmt.Errorf("%w %q: want 1 to 128 characters", ErrBadTrackID, id)
	}
	for i, r := range id {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			i > 0 && (r == '.' || r == '_' || r == '-')
		if !ok {
			return fmt.Errorf("%w %q: use letters, digits, '.', '_' and '-', starting with a letter or digit", ErrBadTrackID, id)
		}
	}
	return nil
}

// TrackSummary is one line of `veza catalog ls`.
type TrackSummary struct {
	ID         string `json:"id"`
	SourcePath string `json:"source_path"`
	// Status rolls up the renditions' statuses: encoding if any is, else
	// the worst failure (error, timeout, cancelled), else pending if any
	// is, else done. A track without renditions is pending.
	Status Status `json:"status"`
	// Renditions and Segments count the track's renditions and the
	// segments still on disk (not removed from a live window).
	Renditions int `json:"renditions"`
	Segments   int `json:"segments"`
	// Duration is the longest rendition's duration in seconds (renditions
	// of one track cover the same time); Bytes is the size of all its
	// segments on disk.
	Duration  float64   `json:"duration"`
	Bytes     int64     `json:"bytes"`
	Live      bool      `json:"live"`
	CreatedAt time.Time `json:"created_at"`
}

// Tracks lists every track, ordered by id.
func (db *DB) Tracks(ctx context.Context) ([]TrackSummary, error) {
	var out []TrackSummary
	err := db.read(ctx, func(q queryer) error {
		// Per-rendition totals first, then per track: the track's duration
		// is the longest rendition's, not the sum over renditions.
		rows, err := q.QueryContext(ctx, `
			WITH seg AS (
				SELECT track_id, rendition, count(*) AS n, sum(duration) AS d, sum(bytes) AS b
				FROM segments WHERE removed_at IS NULL
				GROUP BY track_id, rendition
			), r AS (
				SELECT r.track_id, r.status,
					coalesce(seg.n, 0) AS n, coalesce(seg.d, 0) AS d, coalesce(seg.b, 0) AS b
				FROM renditions r
				LEFT JOIN seg ON seg.track_id = r.track_id AND seg.rendition = r.name
			)
			SELECT t.id, t.source_path, t.live, t.created_at,
				count(r.track_id), coalesce(group_concat(r.status), ''),
				coalesce(sum(r.n), 0), coalesce(max(r.d), 0), coalesce(sum(r.b), 0)
			FROM tracks t LEFT JOIN r ON r.track_id = t.id
			GROUP BY t.id
			ORDER BY t.id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s TrackSummary
			var created, statuses string
			if err := rows.Scan(&s.ID, &s.SourcePath, &s.Live, &created, &s.Renditions, &statuses, &s.Segments, &s.Duration, &s.Bytes); err != nil {
				return err
			}
			if s.CreatedAt, err = parseTime(created); err != nil {
				return err
			}
			s.Status = rollup(splitStatuses(statuses))
			out = append(out, s)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("catalog %q: tracks: %w", db.path, err)
	}
	return out, nil
}

func splitStatuses(s string) []Status {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	out := make([]Status, len(parts))
	for i, p := range parts {
		out[i] = Status(p)
	}
	return out
}

// TrackDetail is one track with its renditions and jobs (`veza catalog show`).
type TrackDetail struct {
	Track
	// Status rolls up the renditions' statuses as in TrackSummary.
	Status Status `json:"status"`
	// Renditions are ordered video first, then by bandwidth from the
	// highest, then by name.
	Renditions []RenditionSummary `json:"renditions"`
	// Jobs are ordered newest first.
	Jobs []Job `json:"jobs"`
}

// Track returns the track id with its renditions and jobs, or an error
// wrapping ErrNotFound.
func (db *DB) Track(ctx context.Context, id string) (*TrackDetail, error) {
	var d TrackDetail
	err := db.read(ctx, func(q queryer) error {
		t, err := getTrack(ctx, q, id)
		if err != nil {
			return err
		}
		d.Track = *t
		if d.Renditions, err = renditionsOf(ctx, q, id); err != nil {
			return err
		}
		d.Jobs, err = queryJobs(ctx, q, JobFilter{TrackID: id})
		return err
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, err
		}
		return nil, fmt.Errorf("catalog %q: track %q: %w", db.path, id, err)
	}
	statuses := make([]Status, len(d.Renditions))
	for i, r := range d.Renditions {
		statuses[i] = r.Status
	}
	d.Status = rollup(statuses)
	if d.Renditions == nil {
		d.Renditions = []RenditionSummary{}
	}
	if d.Jobs == nil {
		d.Jobs = []Job{}
	}
	return &d, nil
}

func getTrack(ctx context.Context, q queryer, id string) (*Track, error) {
	var t Track
	var probe sql.NullString
	var created, updated string
	err := q.QueryRowContext(ctx, `
		SELECT id, source_path, content_hash, probe_json, live, created_at, updated_at
		FROM tracks WHERE id = ?`, id).
		Scan(&t.ID, &t.SourcePath, &t.ContentHash, &probe, &t.Live, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("track %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	if probe.Valid {
		t.Probe = json.RawMessage(probe.String)
	}
	if t.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if t.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, err
	}
	return &t, nil
}
