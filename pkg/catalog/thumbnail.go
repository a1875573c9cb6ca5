package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// ThumbnailKind tells the files of a track's seek-bar thumbnails apart.
type ThumbnailKind string

const (
	// ThumbnailVTT is the WebVTT track whose cues point at the tiles.
	ThumbnailVTT ThumbnailKind = "vtt"
	// ThumbnailSheet is one sprite sheet of tiles (an image).
	ThumbnailSheet ThumbnailKind = "sheet"
)

// Thumbnail is one file of a track's seek-bar thumbnails.
type Thumbnail struct {
	TrackID string        `json:"track_id"`
	Path    string        `json:"path"`
	Kind    ThumbnailKind `json:"kind"`
	Bytes   int64         `json:"bytes"`
	// Width and Height are a sheet's size in pixels; 0 for the VTT.
	Width  int `json:"width"`
	Height int `json:"height"`
	// Interval is the time between tiles in seconds; TileWidth and
	// TileHeight a tile's size in pixels.
	Interval   float64   `json:"interval"`
	TileWidth  int       `json:"tile_width"`
	TileHeight int       `json:"tile_height"`
	CreatedAt  time.Time `json:"created_at"`
}

func (t *Thumbnail) check() error {
	switch {
	case t.Kind != ThumbnailVTT && t.Kind != ThumbnailSheet:
		return fmt.Errorf("track %q thumbnail %q: unknown kind %q", t.TrackID, t.Path, t.Kind)
	case t.Path == "":
		return fmt.Errorf("track %q: thumbnail without a path", t.TrackID)
	case t.Bytes < 0 || t.Width < 0 || t.Height < 0:
		return fmt.Errorf("track %q thumbnail %q: negative size", t.TrackID, t.Path)
	case !(t.Interval > 0) || t.TileWidth <= 0 || t.TileHeight <= 0:
		return fmt.Errorf("track %q thumbnail %q: interval and tile size must be positive", t.TrackID, t.Path)
	}
	return nil
}

// PutThumbnails records the files of a track's thumbnails, replacing those
// recorded before; none records that the track has no thumbnails. The
// track must exist.
func (db *DB) PutThumbnails(ctx context.Context, trackID string, ts []Thumbnail) error {
	if err := checkID("track id", trackID); err != nil {
		return err
	}
	for i := range ts {
		ts[i].TrackID = trackID
		if err := ts[i].check(); err != nil {
			return err
		}
	}
	created := fmtTime(db.now())
	return db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM thumbnails WHERE track_id = ?`, trackID); err != nil {
			return err
		}
		for _, t := range ts {
			_, err := tx.ExecContext(ctx, `
				INSERT INTO thumbnails (track_id, path, kind, bytes, width, height, interval, tile_width, tile_height, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				trackID, t.Path, string(t.Kind), t.Bytes, t.Width, t.Height, t.Interval, t.TileWidth, t.TileHeight, created)
			if isForeignKeyErr(err) {
				return fmt.Errorf("track %q: %w (record the track before its thumbnails)", trackID, ErrNotFound)
			}
			if err != nil {
				return fmt.Errorf("track %q thumbnail %q: %v", trackID, t.Path, err)
			}
		}
		return nil
	})
}

// Thumbnails returns the files of a track's thumbnails, the VTT first, then
// the sheets by path; none gives an empty list.
func (db *DB) Thumbnails(ctx context.Context, trackID string) ([]Thumbnail, error) {
	out := []Thumbnail{}
	err := db.read(ctx, func(q queryer) error {
		rows, err := q.QueryContext(ctx, `
			SELECT track_id, path, kind, bytes, width, height, interval, tile_width, tile_height, created_at
			FROM thumbnails WHERE track_id = ? ORDER BY kind = 'sheet', path`, trackID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t Thumbnail
			var kind, created string
			if err := rows.Scan(&t.TrackID, &t.Path, &kind, &t.Bytes, &t.Width, &t.Height, &t.Interval,
				&t.TileWidth, &t.TileHeight, &created); err != nil {
				return err
			}
			t.Kind = ThumbnailKind(kind)
			if t.CreatedAt, err = parseTime(created); err != nil {
				return err
			}
			out = append(out, t)
		}
		return rows.Err()
	})
	return out, err
}
