package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"
)

// Quality is the measured picture quality of one video rendition of a
// track, compared with the track's source (see pkg/report).
type Quality struct {
	TrackID   string `json:"track_id"`
	Rendition string `json:"rendition"`
	// Scaler is the algorithm the rendition was upscaled with.
	Scaler string `json:"scaler"`
	Frames int    `json:"frames"`
	// PSNR figures are in dB: the mean over frames, the 5th percentile and
	// the worst frame; SSIM the mean and 5th percentile.
	PSNRMean float64 `json:"psnr_mean"`
	PSNRP5   float64 `json:"psnr_p5"`
	PSNRMin  float64 `json:"psnr_min"`
	SSIMMean float64 `json:"ssim_mean"`
	SSIMP5   float64 `json:"ssim_p5"`
	// WorstSegment is the media sequence number of the segment with the
	// lowest mean PSNR, WorstPSNR that mean.
	WorstSegment int     `json:"worst_segment"`
	WorstPSNR    float64 `json:"worst_psnr"`
	// Bitrate is the measured average, in bits per second.
	Bitrate   int64     `json:"bitrate"`
	CreatedAt time.Time `json:"created_at"`
}

func (q *Quality) check() error {
	if err := checkID("rendition name", q.Rendition); err != nil {
		return err
	}
	if q.Frames < 0 || q.Bitrate < 0 {
		return fmt.Errorf("track %q rendition %q: negative frames or bit rate", q.TrackID, q.Rendition)
	}
	for _, v := range []float64{q.PSNRMean, q.PSNRP5, q.PSNRMin, q.SSIMMean, q.SSIMP5, q.WorstPSNR} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("track %q rendition %q: quality figure %v is not a finite number", q.TrackID, q.Rendition, v)
		}
	}
	return nil
}

// PutQuality records the measured quality of a track's renditions,
// replacing what an earlier report recorded. The track must exist.
func (db *DB) PutQuality(ctx context.Context, trackID string, qs []Quality) error {
	if err := checkID("track id", trackID); err != nil {
		return err
	}
	for i := range qs {
		qs[i].TrackID = trackID
		if err := qs[i].check(); err != nil {
			return err
		}
	}
	created := fmtTime(db.now())
	return db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM quality WHERE track_id = ?`, trackID); err != nil {
			return err
		}
		for _, q := range qs {
			_, err := tx.ExecContext(ctx, `
				INSERT INTO quality (track_id, rendition, scaler, frames, psnr_mean, psnr_p5, psnr_min,
					ssim_mean, ssim_p5, worst_segment, worst_psnr, bitrate, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				trackID, q.Rendition, q.Scaler, q.Frames, q.PSNRMean, q.PSNRP5, q.PSNRMin,
				q.SSIMMean, q.SSIMP5, q.WorstSegment, q.WorstPSNR, q.Bitrate, created)
			if isForeignKeyErr(err) {
				return fmt.Errorf("track %q: %w (record the track before its quality)", trackID, ErrNotFound)
			}
			if err != nil {
				return fmt.Errorf("track %q quality of %q: %v", trackID, q.Rendition, err)
			}
		}
		return nil
	})
}

// Qualities returns the measured quality of a track's renditions by
// rendition name; none gives an empty list.
func (db *DB) Qualities(ctx context.Context, trackID string) ([]Quality, error) {
	out := []Quality{}
	err := db.read(ctx, func(q queryer) error {
		rows, err := q.QueryContext(ctx, `
			SELECT track_id, rendition, scaler, frames, psnr_mean, psnr_p5, psnr_min, ssim_mean, ssim_p5,
				worst_segment, worst_psnr, bitrate, created_at
			FROM quality WHERE track_id = ? ORDER BY rendition`, trackID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r Quality
			var created string
			if err := rows.Scan(&r.TrackID, &r.Rendition, &r.Scaler, &r.Frames, &r.PSNRMean, &r.PSNRP5, &r.PSNRMin,
				&r.SSIMMean, &r.SSIMP5, &r.WorstSegment, &r.WorstPSNR, &r.Bitrate, &created); err != nil {
				return err
			}
			if r.CreatedAt, err = parseTime(created); err != nil {
				return err
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, err
}
