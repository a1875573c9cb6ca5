package dash

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// ThumbnailTileScheme is the DASH-IF scheme of the EssentialProperty that
// gives a thumbnail sheet's grid of tiles, value "<columns>x<rows>" (DASH-IF
// IOP 4.3, 6.2.6).
const ThumbnailTileScheme = "http://dashif.org/thumbnail_tile"

// Thumbnails is a set of seek-bar thumbnail sheets that AddThumbnails
// describes: images of Columns × Rows tiles, one tile every Interval
// seconds, sheet n covering the Columns × Rows intervals after sheet n-1's.
type Thumbnails struct {
	// Media is the $Number$ template of the sheets relative to the MPD's
	// folder ("thumbnails_$Number%05d$.jpg"), numbered from 1.
	Media string
	// MimeType is the sheets' type, "image/jpeg".
	MimeType string
	// Width and Height are a sheet's size in pixels.
	Width, Height int
	// Columns and Rows are the tiles per sheet; Interval the seconds
	// between tiles.
	Columns, Rows int
	Interval      float64
	// Bandwidth is the largest sheet's bits over the time it covers.
	Bandwidth int64
}

// AddThumbnails adds to m's first Period an image AdaptationSet of one
// Representation describing t, as Shaka Player reads seek-bar thumbnails:
// a SegmentTemplate with a constant duration (one sheet) and the tile
// grid as an EssentialProperty.
func (m *MPD) AddThumbnails(t Thumbnails) error {
	switch {
	case len(m.Periods) == 0:
		return errors.New("dash: thumbnails need a Period")
	case t.Media == "" || t.MimeType == "":
		return errors.New("dash: thumbnails need a media template and a MIME type")
	case t.Width <= 0 || t.Height <= 0 || t.Columns <= 0 || t.Rows <= 0 || !(t.Interval > 0) || t.Bandwidth <= 0:
		return fmt.Errorf("dash: thumbnails: sizes, grid, interval and bandwidth must be positive")
	}
	const timescale = 1000
	one := uint64(1)
	p := &m.Periods[0]
	p.AdaptationSets = append(p.AdaptationSets, AdaptationSet{
		ID: strconv.Itoa(len(p.AdaptationSets)), ContentType: "image", MimeType: t.MimeType,
		SegmentTemplate: &SegmentTemplate{Timescale: timescale, Media: t.Media, StartNumber: &one,
			Duration: uint64(math.Round(t.Interval * float64(t.Columns*t.Rows) * timescale))},
		Representations: []Representation{{
			ID: fmt.Sprintf("thumbnails_%dx%d", t.Width/t.Columns, t.Height/t.Rows), Bandwidth: t.Bandwidth,
			Width: t.Width, Height: t.Height,
			EssentialProperties: []Descriptor{{SchemeIDURI: ThumbnailTileScheme, Value: fmt.Sprintf("%dx%d", t.Columns, t.Rows)}},
		}},
	})
	return nil
}
