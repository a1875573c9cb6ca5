package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Rendition is one quality of a track: one media playlist and its segments
// ("720p", or "medium" for AAC 128 kbps).
type Rendition struct {
	TrackID string `json:"track_id"`
	// Name is unique within the track and names its folder.
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
	// Codecs is the RFC 6381 CODECS string measured from the output,
	// "avc1.64001f,mp4a.40.2"; empty until known.
	Codecs string `json:"codecs"`
	// Bandwidth is the peak bit rate in bits per second (the master
	// playlist's BANDWIDTH); 0 until measured.
	Bandwidth int64 `json:"bandwidth"`
	// Width and Height are the video size in pixels; 0 for audio.
	Width  int `json:"width"`
	Height int `json:"height"`
	// PlaylistPath is the rendition's media playlist.
	PlaylistPath string `json:"playlist_path"`
	// Status defaults to pending.
	Status Status `json:"status"`
	// Fingerprint is a hash of everything that decides the rendition's
	// bytes (source hash, settings, veza version). A ladder compares it to
	// the one it would write to tell a complete, up-to-date rendition from
	// one to redo.
	Fingerprint string `json:"fingerprint"`
	// CreatedAt and UpdatedAt are set by the catalog.
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// UpsertRendition records r, or replaces every field of the rendition named
// (r.TrackID, r.Name) except CreatedAt. The track must exist.
func (db *DB) UpsertRendition(ctx context.Context, r Rendition) error {
	if err := checkID("track id", r.TrackID); err != nil {
		return err
	}
	if err := checkID("rendition name", r.Name); err != nil {
		return err
	}
	if err := r.Kind.check(); err != nil {
		return fmt.Errorf("track %q rendition %q: %w", r.TrackID, r.Name, err)
	}
	if r.Status == "" {
		r.Status = StatusPending
	}
	if err := r.Status.check(); err != nil {
		return fmt.Errorf("track %q rendition %q: %w", r.TrackID, r.Name, err)
	}
	if r.Bandwidth < 0 || r.Width < 0 || r.Height < 0 {
		return fmt.Errorf("track %q rendition %q: negative bandwidth or size", r.TrackID, r.Name)
	}
	now := db.now()
	created := now
	if !r.CreatedAt.IsZero() {
		created = r.CreatedAt
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO renditions (track_id, name, kind, codecs, bandwidth, width, height,
				playlist_path, status, fingerprint, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (track_id, name) DO UPDATE SET
				kind = excluded.kind,
				codecs = excluded.codecs,
				bandwidth = excluded.bandwidth,
				width = excluded.width,
				height = excluded.height,
				playlist_path = excluded.playlist_path,
				status = excluded.status,
				fingerprint = excluded.fingerprint,
				updated_at = excluded.updated_at`,
			r.TrackID, r.Name, string(r.Kind), r.Codecs, r.Bandwidth, r.Width, r.Height,
			r.PlaylistPath, string(r.Status), r.Fingerprint, fmtTime(created), fmtTime(now))
		if isForeignKeyErr(err) {
			return fmt.Errorf("track %q: %w (record the track before its renditions)", r.TrackID, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("track %q rendition %q: %v", r.TrackID, r.Name, err)
		}
		return nil
	})
}

// SetRenditionStatus changes one rendition's status, or returns an error
// wrapping ErrNotFound.
func (db *DB) SetRenditionStatus(ctx context.Context, trackID, name string, status Status) error {
	if err := status.check(); err != nil {
		return fmt.Errorf("track %q rendition %q: %w", trackID, name, err)
	}
	now := fmtTime(db.now())
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE renditions SET status = ?, updated_at = ? WHERE track_id = ? AND name = ?`,
			string(status), now, trackID, name)
		if err != nil {
			return fmt.Errorf("track %q rendition %q: %v", trackID, name, err)
		}
		return mustAffect(res, "track %q rendition %q", trackID, name)
	})
}

// mustAffect turns "no row changed" into an ErrNotFound naming the row.
func mustAffect(res sql.Result, format string, args ...any) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf(format+": %w", append(args, ErrNotFound)...)
	}
	return nil
}

// RenditionSummary is a rendition with the totals of its segments on disk.
type RenditionSummary struct {
	Rendition
	Segments int     `json:"segments"`
	Duration float64 `json:"duration"` // seconds
	Bytes    int64   `json:"bytes"`
}

// Rendition returns one rendition with its totals, or an error wrapping
// ErrNotFound.
func (db *DB) Rendition(ctx context.Context, trackID, name string) (*RenditionSummary, error) {
	var out *RenditionSummary
	err := db.read(ctx, func(q queryer) error {
		rs, err := queryRenditions(ctx, q, `WHERE r.track_id = ? AND r.name = ?`, trackID, name)
		if err != nil {
			return err
		}
		if len(rs) == 0 {
			return fmt.Errorf("track %q rendition %q: %w", trackID, name, ErrNotFound)
		}
		out = &rs[0]
		return nil
	})
	return out, err
}

func renditionsOf(ctx context.Context, q queryer, trackID string) ([]RenditionSummary, error) {
	return queryRenditions(ctx, q, `WHERE r.track_id = ?`, trackID)
}

func queryRenditions(ctx context.Context, q queryer, where string, args ...any) ([]RenditionSummary, error) {
	rows, err := q.QueryContext(ctx, `
		SELECT r.track_id, r.name, r.kind, r.codecs, r.bandwidth, r.width, r.height,
			r.playlist_path, r.status, r.fingerprint, r.created_at, r.updated_at,
			count(s.idx), coalesce(sum(s.duration), 0), coalesce(sum(s.bytes), 0)
		FROM renditions r
		LEFT JOIN segments s
			ON s.track_id = r.track_id AND s.rendition = r.name AND s.removed_at IS NULL
		`+where+`
		GROUP BY r.track_id, r.name
		ORDER BY r.kind = 'audio', r.bandwidth DESC, r.name`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RenditionSummary
	for rows.Next() {
		var r RenditionSummary
		var kind, status, created, updated string
		if err := rows.Scan(&r.TrackID, &r.Name, &kind, &r.Codecs, &r.Bandwidth, &r.Width, &r.Height,
			&r.PlaylistPath, &status, &r.Fingerprint, &created, &updated,
			&r.Segments, &r.Duration, &r.Bytes); err != nil {
			return nil, err
		}
		r.Kind, r.Status = Kind(kind), Status(status)
		if r.CreatedAt, err = parseTime(created); err != nil {
			return nil, err
		}
		if r.UpdatedAt, err = parseTime(updated); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
