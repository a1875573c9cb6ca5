package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// PublishState is where a track's publish to one target stands.
type PublishState string

const (
	// PublishRunning is a publish under way, or one that was interrupted.
	PublishRunning PublishState = "publishing"
	// PublishLive is a live window kept in the bucket while the stream
	// runs.
	PublishLive PublishState = "live"
	// Published is a publish that completed: every object of the track,
	// playlists last, is in the bucket.
	Published PublishState = "published"
	// PublishFailed is a publish that stopped on an error; the bucket
	// holds the previous complete version or nothing.
	PublishFailed PublishState = "failed"
)

// Publication is a track's publish to one target and the objects it put
// in the bucket.
type Publication struct {
	TrackID string `json:"track_id"`
	// Target is the s3://bucket/prefix the track was published to.
	Target    string       `json:"target"`
	State     PublishState `json:"state"`
	Error     string       `json:"error,omitempty"`
	UpdatedAt time.Time    `json:"updated_at"`
	// Bytes is the total size of Objects.
	Bytes   int64             `json:"bytes"`
	Objects []PublishedObject `json:"objects"`
}

// PublishedObject is one object a publish put in (or found unchanged in)
// a bucket.
type PublishedObject struct {
	// Bucket is the target's bucket, or the keys' when they were published
	// elsewhere.
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
	// Kind is the object's kind to a player (segment, playlist, master…).
	Kind        string    `json:"kind"`
	Size        int64     `json:"size"`
	ETag        string    `json:"etag"`
	PublishedAt time.Time `json:"published_at"`
}

func checkPublishState(s PublishState) error {
	switch s {
	case PublishRunning, PublishLive, Published, PublishFailed:
		return nil
	}
	return fmt.Errorf("catalog: unknown publish state %q", s)
}

// SetPublishState records where a track's publish to target stands, with
// why it failed for PublishFailed. The track must exist.
func (db *DB) SetPublishState(ctx context.Context, trackID, target string, state PublishState, errText string) error {
	if err := checkID("track id", trackID); err != nil {
		return err
	}
	if err := checkID("publish target", target); err != nil {
		return err
	}
	if err := checkPublishState(state); err != nil {
		return err
	}
	now := fmtTime(db.now())
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO publications (track_id, target, state, error, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (track_id, target) DO UPDATE SET
				state = excluded.state, error = excluded.error, updated_at = excluded.updated_at`,
			trackID, target, string(state), errText, now)
		if isForeignKeyErr(err) {
			return fmt.Errorf("track %q: %w (record the track before its publish)", trackID, ErrNotFound)
		}
		return err
	})
}

// PutPublishedObject records an object of a track's publish to target,
// replacing what was recorded under the same bucket and key. The
// publication must have been recorded with SetPublishState.
func (db *DB) PutPublishedObject(ctx context.Context, trackID, target string, o PublishedObject) error {
	if o.Bucket == "" || o.Key == "" || o.Size < 0 {
		return fmt.Errorf("catalog: published object %q in bucket %q with size %d", o.Key, o.Bucket, o.Size)
	}
	at := o.PublishedAt
	if at.IsZero() {
		at = db.now()
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO published_objects (track_id, target, bucket, key, kind, size, etag, published_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (track_id, target, bucket, key) DO UPDATE SET
				kind = excluded.kind, size = excluded.size, etag = excluded.etag, published_at = excluded.published_at`,
			trackID, target, o.Bucket, o.Key, o.Kind, o.Size, o.ETag, fmtTime(at))
		if isForeignKeyErr(err) {
			return fmt.Errorf("track %q publish to %s: %w (record the publish before its objects)", trackID, target, ErrNotFound)
		}
		return err
	})
}

// DeletePublishedObject forgets an object removed from the bucket; one
// never recorded is no error.
func (db *DB) DeletePublishedObject(ctx context.Context, trackID, target, bucket, key string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM published_objects WHERE track_id = ? AND target = ? AND bucket = ? AND key = ?`,
			trackID, target, bucket, key)
		return err
	})
}

// Publications returns a track's publishes by target, each with its
// objects by bucket and key; none gives an empty list.
func (db *DB) Publications(ctx context.Context, trackID string) ([]Publication, error) {
	out := []Publication{}
	err := db.read(ctx, func(q queryer) error {
		rows, err := q.QueryContext(ctx, `SELECT track_id, target, state, error, updated_at
			FROM publications WHERE track_id = ? ORDER BY target`, trackID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			p := Publication{Objects: []PublishedObject{}}
			var state, updated string
			if err := rows.Scan(&p.TrackID, &p.Target, &state, &p.Error, &updated); err != nil {
				return err
			}
			p.State = PublishState(state)
			if p.UpdatedAt, err = parseTime(updated); err != nil {
				return err
			}
			out = append(out, p)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		for i := range out {
			if err := publishedObjects(ctx, q, &out[i]); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// publishedObjects reads p's objects into it.
func publishedObjects(ctx context.Context, q queryer, p *Publication) error {
	rows, err := q.QueryContext(ctx, `SELECT bucket, key, kind, size, etag, published_at FROM published_objects
		WHERE track_id = ? AND target = ? ORDER BY bucket, key`, p.TrackID, p.Target)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var o PublishedObject
		var at string
		if err := rows.Scan(&o.Bucket, &o.Key, &o.Kind, &o.Size, &o.ETag, &at); err != nil {
			return err
		}
		if o.PublishedAt, err = parseTime(at); err != nil {
			return err
		}
		p.Objects = append(p.Objects, o)
		p.Bytes += o.Size
	}
	return rows.Err()
}
