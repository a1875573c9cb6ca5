package catalog

import (
	"context"
	"database/sql"
	"fmt"
)

// Media is an EXT-X-MEDIA rendition of a track: an audio language of a
// demuxed ladder or a WebVTT subtitle track.
type Media struct {
	TrackID   string `json:"track_id"`
	Rendition string `json:"rendition"`
	// Type is "audio" or "subtitles".
	Type    string `json:"type"`
	GroupID string `json:"group_id"`
	// Language is a BCP 47 tag; Name what players show.
	Language     string `json:"language"`
	Name         string `json:"name"`
	Default      bool   `json:"default"`
	Forced       bool   `json:"forced"`
	Channels     int    `json:"channels"`
	PlaylistPath string `json:"playlist_path"`
}

// NotCarried is a source stream (or a sidecar file) a track's output
// leaves out, and why.
type NotCarried struct {
	// Stream is the source stream index; -1 for a file.
	Stream   int    `json:"stream"`
	File     string `json:"file,omitempty"`
	Type     string `json:"type"`
	Codec    string `json:"codec"`
	Language string `json:"language"`
	Reason   string `json:"reason"`
}

// PutMedia records a track's EXT-X-MEDIA renditions and the streams it
// did not carry, replacing what an earlier run recorded. The track must
// exist.
func (db *DB) PutMedia(ctx context.Context, trackID string, ms []Media, nc []NotCarried) error {
	if err := checkID("track id", trackID); err != nil {
		return err
	}
	for _, m := range ms {
		if err := checkID("rendition name", m.Rendition); err != nil {
			return err
		}
		if m.Type != "audio" && m.Type != "subtitles" {
			return fmt.Errorf("track %q media %q: unknown type %q (want audio or subtitles)", trackID, m.Rendition, m.Type)
		}
		if m.Channels < 0 {
			return fmt.Errorf("track %q media %q: negative channel count", trackID, m.Rendition)
		}
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		for _, table := range []string{"media", "not_carried"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE track_id = ?`, trackID); err != nil {
				return err
			}
		}
		for _, m := range ms {
			_, err := tx.ExecContext(ctx, `
				INSERT INTO media (track_id, rendition, type, group_id, language, name, is_default, forced, channels, playlist_path)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				trackID, m.Rendition, m.Type, m.GroupID, m.Language, m.Name, m.Default, m.Forced, m.Channels, m.PlaylistPath)
			if isForeignKeyErr(err) {
				return fmt.Errorf("track %q: %w (record the track before its media)", trackID, ErrNotFound)
			}
			if err != nil {
				return fmt.Errorf("track %q media %q: %v", trackID, m.Rendition, err)
			}
		}
		for _, n := range nc {
			_, err := tx.ExecContext(ctx, `
				INSERT INTO not_carried (track_id, stream, file, type, codec, language, reason) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				trackID, n.Stream, n.File, n.Type, n.Codec, n.Language, n.Reason)
			if isForeignKeyErr(err) {
				return fmt.Errorf("track %q: %w (record the track before its media)", trackID, ErrNotFound)
			}
			if err != nil {
				return fmt.Errorf("track %q not carried stream %d: %v", trackID, n.Stream, err)
			}
		}
		return nil
	})
}

// TrackMedia returns a track's EXT-X-MEDIA renditions (by type, then
// rendition) and the streams it did not carry (by stream, then file).
func (db *DB) TrackMedia(ctx context.Context, trackID string) ([]Media, []NotCarried, error) {
	ms, nc := []Media{}, []NotCarried{}
	err := db.read(ctx, func(q queryer) error {
		rows, err := q.QueryContext(ctx, `
			SELECT track_id, rendition, type, group_id, language, name, is_default, forced, channels, playlist_path
			FROM media WHERE track_id = ? ORDER BY type, rendition`, trackID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m Media
			if err := rows.Scan(&m.TrackID, &m.Rendition, &m.Type, &m.GroupID, &m.Language, &m.Name, &m.Default, &m.Forced,
				&m.Channels, &m.PlaylistPath); err != nil {
				return err
			}
			ms = append(ms, m)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows2, err := q.QueryContext(ctx, `
			SELECT stream, file, type, codec, language, reason FROM not_carried WHERE track_id = ? ORDER BY stream, file`, trackID)
		if err != nil {
			return err
		}
		defer rows2.Close()
		for rows2.Next() {
			var n NotCarried
			if err := rows2.Scan(&n.Stream, &n.File, &n.Type, &n.Codec, &n.Language, &n.Reason); err != nil {
				return err
			}
			nc = append(nc, n)
		}
		return rows2.Err()
	})
	return ms, nc, err
}
