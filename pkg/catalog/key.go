package catalog

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"time"
)

// Key is one AES-128 key of a track and the segments it covers. The key's
// bytes are never in the catalog: they live in the key file at Path.
type Key struct {
	TrackID string `json:"track_id"`
	// Index counts the track's keys from 0 in segment order (rotation
	// gives one key per N segments).
	Index int `json:"index"`
	// Method is "AES-128".
	Method string `json:"method"`
	// URI is the EXT-X-KEY URI players fetch, as written in the playlists.
	URI string `json:"uri"`
	// Path is the key file, relative to the catalog's folder.
	Path string `json:"path"`
	// FirstSegment and LastSegment are the segment indexes (inclusive) the
	// key encrypts in every rendition of the track.
	FirstSegment int `json:"first_segment"`
	LastSegment  int `json:"last_segment"`
	// Fingerprint identifies the key without revealing it (a hex digest).
	Fingerprint string `json:"fingerprint"`
	// CreatedAt is set by the catalog.
	CreatedAt time.Time `json:"created_at"`
}

// KeyFingerprint is a one-way digest of a key under a veza label: it tells
// keys apart in the catalog and in resume fingerprints without revealing
// them.
func KeyFingerprint(key []byte) string {
	sum := sha256.Sum256(append([]byte("veza key fingerprint v1\n"), key...))
	return hex.EncodeToString(sum[:16])
}

// ReplaceKeys records keys as the track's whole set of keys, dropping the
// ones recorded before (a re-run that encrypts again, or that stops
// encrypting with an empty list). The track must exist.
func (db *DB) ReplaceKeys(ctx context.Context, trackID string, keys []Key) error {
	if err := checkID("track id", trackID); err != nil {
		return err
	}
	for i, k := range keys {
		switch {
		case k.TrackID != trackID:
			return fmt.Errorf("track %q: key %d belongs to track %q", trackID, i, k.TrackID)
		case k.Method != "AES-128":
			return fmt.Errorf("track %q key %d: method %q (want AES-128)", trackID, k.Index, k.Method)
		case k.Index < 0 || k.FirstSegment < 0 || k.LastSegment < k.FirstSegment:
			return fmt.Errorf("track %q key %d: segments %d–%d are not a forward range", trackID, k.Index, k.FirstSegment, k.LastSegment)
		case k.URI == "" || k.Path == "" || k.Fingerprint == "":
			return fmt.Errorf("track %q key %d: URI, path and fingerprint are required", trackID, k.Index)
		}
	}
	created := db.now()
	return db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM keys WHERE track_id = ?`, trackID); err != nil {
			return err
		}
		for _, k := range keys {
			_, err := tx.ExecContext(ctx, `
				INSERT INTO keys (track_id, idx, method, uri, path, first_segment, last_segment, fingerprint, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				trackID, k.Index, k.Method, k.URI, k.Path, k.FirstSegment, k.LastSegment, k.Fingerprint, fmtTime(created))
			if isForeignKeyErr(err) {
				return fmt.Errorf("track %q: %w (record the track before its keys)", trackID, ErrNotFound)
			}
			if err != nil {
				return fmt.Errorf("track %q key %d: %v", trackID, k.Index, err)
			}
		}
		return nil
	})
}

// Keys returns a track's keys in index order; none gives an empty list.
func (db *DB) Keys(ctx context.Context, trackID string) ([]Key, error) {
	return db.queryKeys(ctx, `WHERE track_id = ? ORDER BY idx`, trackID)
}

// KeyFor returns the key that encrypts segment idx of the track's
// renditions, or an error wrapping ErrNotFound when none does.
func (db *DB) KeyFor(ctx context.Context, trackID string, idx int) (*Key, error) {
	ks, err := db.queryKeys(ctx, `WHERE track_id = ? AND first_segment <= ? AND last_segment >= ? ORDER BY idx LIMIT 1`, trackID, idx, idx)
	if err != nil {
		return nil, err
	}
	if len(ks) == 0 {
		return nil, fmt.Errorf("track %q segment %d: no key: %w", trackID, idx, ErrNotFound)
	}
	return &ks[0], nil
}

func (db *DB) queryKeys(ctx context.Context, where string, args ...any) ([]Key, error) {
	out := []Key{}
	err := db.read(ctx, func(q queryer) error {
		rows, err := q.QueryContext(ctx, `
			SELECT track_id, idx, method, uri, path, first_segment, last_segment, fingerprint, created_at
			FROM keys `+where, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k Key
			var created string
			if err := rows.Scan(&k.TrackID, &k.Index, &k.Method, &k.URI, &k.Path, &k.FirstSegment, &k.LastSegment,
				&k.Fingerprint, &created); err != nil {
				return err
			}
			if k.CreatedAt, err = parseTime(created); err != nil {
				return err
			}
			out = append(out, k)
		}
		return rows.Err()
	})
	return out, err
}
