package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Recording is a raw recording of a live stream: the file a live job
// wrote its input to, and the parts of it backed up to object storage.
type Recording struct {
	TrackID string `json:"track_id"`
	// Path is the file, relative to the catalog's root.
	Path  string `json:"path"`
	Bytes int64  `json:"bytes"`
	// StartedAt is when the recording began; EndedAt when it ended, zero
	// while the stream records.
	StartedAt time.Time `json:"started_at"`
	EndedAt   time.Time `json:"ended_at,omitzero"`
	// Parts are its backups, by index.
	Parts []RecordingPart `json:"parts"`
}

// RecordingPart is one part of a recording in a bucket: Size bytes from
// Offset in the file, as the object Bucket/Key.
type RecordingPart struct {
	Index      int       `json:"index"`
	Bucket     string    `json:"bucket"`
	Key        string    `json:"key"`
	Offset     int64     `json:"offset"`
	Size       int64     `json:"size"`
	ETag       string    `json:"etag"`
	UploadedAt time.Time `json:"uploaded_at"`
}

// PutRecording records a recording, or updates its size and end; the
// start recorded first is kept. The track must exist.
func (db *DB) PutRecording(ctx context.Context, r Recording) error {
	if err := checkID("track id", r.TrackID); err != nil {
		return err
	}
	if r.Path == "" || r.Bytes < 0 {
		return fmt.Errorf("track %q: recording %q with %d bytes", r.TrackID, r.Path, r.Bytes)
	}
	started := r.StartedAt
	if started.IsZero() {
		started = db.now()
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO recordings (track_id, path, bytes, started_at, ended_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (track_id, path) DO UPDATE SET bytes = excluded.bytes, ended_at = excluded.ended_at`,
			r.TrackID, r.Path, r.Bytes, fmtTime(started), nullTime(r.EndedAt))
		if isForeignKeyErr(err) {
			return fmt.Errorf("track %q: %w (record the track before its recording)", r.TrackID, ErrNotFound)
		}
		return err
	})
}

// PutRecordingPart records a part of a recording backed up to a bucket,
// replacing the part of the same index. The recording must exist.
func (db *DB) PutRecordingPart(ctx context.Context, trackID, path string, p RecordingPart) error {
	if p.Index < 0 || p.Bucket == "" || p.Key == "" || p.Offset < 0 || p.Size < 0 {
		return fmt.Errorf("track %q recording %q: bad part %+v", trackID, path, p)
	}
	at := p.UploadedAt
	if at.IsZero() {
		at = db.now()
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO recording_parts (track_id, path, idx, bucket, key, offset, size, etag, uploaded_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (track_id, path, idx) DO UPDATE SET bucket = excluded.bucket, key = excluded.key,
				offset = excluded.offset, size = excluded.size, etag = excluded.etag, uploaded_at = excluded.uploaded_at`,
			trackID, path, p.Index, p.Bucket, p.Key, p.Offset, p.Size, p.ETag, fmtTime(at))
		if isForeignKeyErr(err) {
			return fmt.Errorf("track %q recording %q: %w (record the recording before its parts)", trackID, path, ErrNotFound)
		}
		return err
	})
}

// Recordings returns the recordings that ended before endedBefore (every
// one, ended or not, when it is zero), oldest first, each with its parts.
func (db *DB) Recordings(ctx context.Context, endedBefore time.Time) ([]Recording, error) {
	var out []Recording
	err := db.read(ctx, func(q queryer) error {
		query := `SELECT track_id, path, bytes, started_at, ended_at FROM recordings`
		var args []any
		if !endedBefore.IsZero() {
			query += ` WHERE ended_at IS NOT NULL AND ended_at < ?`
			args = append(args, fmtTime(endedBefore))
		}
		rows, err := q.QueryContext(ctx, query+` ORDER BY started_at, track_id, path`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r Recording
			var started string
			var ended sql.NullString
			if err := rows.Scan(&r.TrackID, &r.Path, &r.Bytes, &started, &ended); err != nil {
				return err
			}
			if r.StartedAt, err = parseTime(started); err != nil {
				return err
			}
			if ended.Valid {
				if r.EndedAt, err = parseTime(ended.String); err != nil {
					return err
				}
			}
			r.Parts = []RecordingPart{}
			out = append(out, r)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range out {
			if out[i].Parts, err = recordingParts(ctx, q, out[i].TrackID, out[i].Path); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

func recordingParts(ctx context.Context, q queryer, trackID, path string) ([]RecordingPart, error) {
	rows, err := q.QueryContext(ctx, `
		SELECT idx, bucket, key, offset, size, etag, uploaded_at FROM recording_parts
		WHERE track_id = ? AND path = ? ORDER BY idx`, trackID, path)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	parts := []RecordingPart{}
	for rows.Next() {
		var p RecordingPart
		var at string
		if err := rows.Scan(&p.Index, &p.Bucket, &p.Key, &p.Offset, &p.Size, &p.ETag, &at); err != nil {
			return nil, err
		}
		if p.UploadedAt, err = parseTime(at); err != nil {
			return nil, err
		}
		parts = append(parts, p)
	}
	return parts, rows.Err()
}

// DeleteRecording forgets a recording and its parts; one never recorded
// is no error.
func (db *DB) DeleteRecording(ctx context.Context, trackID, path string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM recordings WHERE track_id = ? AND path = ?`, trackID, path)
		return err
	})
}
