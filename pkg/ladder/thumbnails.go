package ladder

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/jpeg" // sheets are JPEG: their size is read with image.DecodeConfig
	"math"
	"os"
	"path/filepath"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/dash"
	"github.com/veza-media/veza/pkg/encode"
	"github.com/veza-media/veza/pkg/layout"
	"github.com/veza-media/veza/pkg/thumbnail"
)

// sheetQuality is the JPEG quality of the sheets (ffmpeg's -q:v, 2 best to
// 31 worst): tiles stay sharp at about 40 kB a sheet of 25.
const sheetQuality = "4"

// thumbnailCarrier names the rendition the thumbnails go with: the lowest
// video rung. The ffmpeg process encoding it draws the sheets off its
// split (any process with a split would do: there is one decode per
// process); when it is reused or copied, a pass over its segments, the
// cheapest pictures to decode, draws them. Empty for an audio plan.
func (p *Plan) thumbnailCarrier() *Rendition {
	var c *Rendition
	for i, r := range p.Renditions {
		if r.Width > 0 {
			c = &p.Renditions[i]
		}
	}
	return c
}

// drawsThumbnails says whether the command for renditions rs draws the
// thumbnail sheets: the plan asks for them and rs encodes the carrier.
func (p *Plan) drawsThumbnails(rs []Rendition) bool {
	c := p.thumbnailCarrier()
	if p.Thumbnails == nil || c == nil || c.Copy {
		return false
	}
	for _, r := range rs {
		if r.Name == c.Name {
			return true
		}
	}
	return false
}

// planThumbnails sets the plan's thumbnail layout from the configuration.
// An encrypted ladder gets none: clear JPEG sheets would show the pictures
// the encryption protects.
func (run *runner) planThumbnails() {
	if run.cfg.Thumbnails == nil || run.plan.FPS.Num == 0 {
		return
	}
	if run.keys != nil {
		run.note("AES-128 ladders get no thumbnails: clear sheets would show the protected pictures")
		return
	}
	l := run.cfg.Thumbnails.WithDefaults()
	run.plan.Thumbnails = &l
}

// thumbnailOutput is the ffmpeg output writing the sheets from graph label
// label. It removes the sheets and the VTT of an earlier run first, so no
// stale sheet is left beside the new ones.
func (run *runner) thumbnailOutput(label string) (encode.Output, error) {
	if err := run.removeThumbnails(); err != nil {
		return encode.Output{}, err
	}
	return encode.Output{
		Path: filepath.Join(run.res.Dir, layout.ThumbnailPattern), Format: "image2",
		Maps: []string{label}, VideoCodec: "mjpeg", Args: []string{"-q:v", sheetQuality},
	}, nil
}

// removeThumbnails removes the track's VTT and sheets from disk.
func (run *runner) removeThumbnails() error {
	sheets, err := filepath.Glob(filepath.Join(run.res.Dir, layout.ThumbnailGlob))
	if err != nil {
		return err
	}
	for _, p := range append(sheets, filepath.Join(run.res.Dir, layout.Thumbnails)) {
		if err := removeIfExists(p); err != nil {
			return err
		}
	}
	return nil
}

// publishThumbnails writes the thumbnail VTT over the sheets and records
// both, in the publish phase. Sheets the encode drew are used as they are;
// otherwise (the carrier was reused) current ones on disk are kept, or a
// pass over the carrier's own segments draws them, so a ladder made
// without thumbnails gets them without encoding again. Without thumbnails
// in the plan, those of an earlier run are removed once renditions were
// rebuilt: they may no longer match.
func (run *runner) publishThumbnails(ctx context.Context, vs []Variant) error {
	l := run.plan.Thumbnails
	var v *Variant
	if c := run.plan.thumbnailCarrier(); c != nil {
		for i := range vs {
			if vs[i].Name == c.Name {
				v = &vs[i]
			}
		}
	}
	if l == nil || v == nil {
		if len(run.res.Encoded) == 0 {
			return nil
		}
		if err := run.removeThumbnails(); err != nil {
			return err
		}
		return run.rec.Thumbnails(ctx, run.trackID, nil)
	}
	vtt := filepath.Join(run.res.Dir, layout.Thumbnails)
	if !run.thumbsDrawn.Load() {
		if run.thumbnailsCurrent(ctx) {
			run.res.Thumbnails = vtt
			return nil
		}
		if err := run.drawThumbnails(ctx, *l, v.URI); err != nil {
			return err
		}
	}
	rows, err := writeThumbnailVTT(run.res.Dir, *l, v.Duration)
	if err != nil {
		return err
	}
	if err := run.rec.Thumbnails(ctx, run.trackID, rows); err != nil {
		return err
	}
	run.res.Thumbnails = vtt
	return nil
}

// drawThumbnails draws the sheets in a pass of their own over the media
// playlist uri (relative to the track folder): the carrier's segments are
// the cheapest pictures to decode, and have the renditions' times.
func (run *runner) drawThumbnails(ctx context.Context, l thumbnail.Layout, uri string) error {
	if err := run.removeThumbnails(); err != nil {
		return err
	}
	job := &encode.Job{
		FFmpeg:    run.cfg.FFmpeg,
		FFprobe:   run.cfg.FFprobe,
		Inputs:    []encode.Input{{Path: filepath.Join(run.res.Dir, filepath.FromSlash(uri))}},
		Overwrite: true,
		Timeout:   run.cfg.Timeout,
		Outputs: []encode.Output{{
			Path: filepath.Join(run.res.Dir, layout.ThumbnailPattern), Format: "image2",
			Maps: []string{"0:v:0"}, VideoFilter: l.Filter(), VideoCodec: "mjpeg", NoAudio: true,
			Args: []string{"-q:v", sheetQuality},
		}},
	}
	run.note(fmt.Sprintf("drawing the thumbnails of %s from %s", run.trackID, uri))
	if err := job.Run(ctx); err != nil {
		return fmt.Errorf("thumbnails: %w", err)
	}
	return nil
}

// writeThumbnailVTT writes the VTT of the sheets in dir for a track lasting
// duration seconds, drawn with layout l, and returns the catalog rows of
// the VTT and of every sheet it names (paths on disk). The tile height is
// read from the first sheet, so the cues match what ffmpeg drew. A sheet
// the cues do not reach (ffmpeg may draw a tile at the very end) is removed.
func writeThumbnailVTT(dir string, l thumbnail.Layout, duration float64) ([]catalog.Thumbnail, error) {
	n := l.Sheets(duration)
	rows := make([]catalog.Thumbnail, 0, n+1)
	tileH := 0
	for i := 1; i <= n; i++ {
		p := filepath.Join(dir, layout.ThumbnailName(i))
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("thumbnails: sheet %d of %d: %w", i, n, err)
		}
		c, _, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("thumbnails: %s: %w", p, err)
		}
		if c.Width != l.Width*l.Columns || c.Height%l.Rows != 0 || (tileH != 0 && c.Height != tileH*l.Rows) {
			return nil, fmt.Errorf("thumbnails: %s is %dx%d, not %d × %d tiles %d pixels wide", p, c.Width, c.Height, l.Columns, l.Rows, l.Width)
		}
		tileH = c.Height / l.Rows
		rows = append(rows, catalog.Thumbnail{Path: p, Kind: catalog.ThumbnailSheet, Bytes: int64(len(data)), Width: c.Width, Height: c.Height})
	}
	extra, err := filepath.Glob(filepath.Join(dir, layout.ThumbnailGlob))
	if err != nil {
		return nil, err
	}
	for _, p := range extra[min(n, len(extra)):] {
		if err := os.Remove(p); err != nil {
			return nil, err
		}
	}
	cues, err := l.Cues(duration, tileH, func(n int) string { return layout.ThumbnailName(n + 1) })
	if err != nil {
		return nil, fmt.Errorf("thumbnails: %w", err)
	}
	var b bytes.Buffer
	if err := thumbnail.WriteVTT(&b, cues); err != nil {
		return nil, fmt.Errorf("thumbnails: %w", err)
	}
	vtt := filepath.Join(dir, layout.Thumbnails)
	if err := layout.WriteFile(vtt, b.Bytes(), 0o644); err != nil {
		return nil, err
	}
	rows = append(rows, catalog.Thumbnail{Path: vtt, Kind: catalog.ThumbnailVTT, Bytes: int64(b.Len())})
	for i := range rows {
		rows[i].Interval, rows[i].TileWidth, rows[i].TileHeight = l.Interval, l.Width, tileH
	}
	return rows, nil
}

// thumbnailsCurrent says whether the thumbnails on disk are those the plan
// asks for: the catalog has them with the plan's interval, tile width and
// columns, and every file it lists is on disk with its recorded size.
func (run *runner) thumbnailsCurrent(ctx context.Context) bool {
	l := run.plan.Thumbnails
	if l == nil || run.plan.thumbnailCarrier() == nil {
		return true
	}
	rows, err := run.cfg.Catalog.Thumbnails(ctx, run.trackID)
	if err != nil || len(rows) < 2 {
		return false
	}
	for _, t := range rows {
		p := filepath.FromSlash(t.Path)
		if !filepath.IsAbs(p) {
			p = filepath.Join(run.rec.Root, p)
		}
		st, err := os.Stat(p)
		if err != nil || st.Size() != t.Bytes || t.Interval != l.Interval || t.TileWidth != l.Width ||
			(t.Kind == catalog.ThumbnailSheet && t.Width != l.Width*l.Columns) {
			return false
		}
	}
	return true
}

// addMPDThumbnails describes the track's thumbnail sheets in m, as the
// catalog records them, when the run published thumbnails.
func (run *runner) addMPDThumbnails(ctx context.Context, m *dash.MPD) error {
	l := run.plan.Thumbnails
	if l == nil || run.res.Thumbnails == "" {
		return nil
	}
	rows, err := run.cfg.Catalog.Thumbnails(ctx, run.trackID)
	if err != nil {
		return err
	}
	t := dash.Thumbnails{Media: layout.DASHThumbnailTemplate, MimeType: "image/jpeg", Columns: l.Columns, Rows: l.Rows, Interval: l.Interval}
	sheetSeconds := l.Interval * float64(l.Columns*l.Rows)
	for _, r := range rows {
		if r.Kind == catalog.ThumbnailSheet {
			t.Width, t.Height = r.Width, r.Height
			t.Bandwidth = max(t.Bandwidth, int64(math.Ceil(float64(r.Bytes*8)/sheetSeconds)))
		}
	}
	return m.AddThumbnails(t)
}
