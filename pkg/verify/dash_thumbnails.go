package verify

import (
	"bytes"
	"fmt"
	"image"
	_ "image/jpeg" // thumbnail sheets are decoded for their size
	_ "image/png"
	"strconv"
	"strings"

	"github.com/veza-media/veza/pkg/dash"
)

// isImage says whether a Representation is of thumbnail images.
func isImage(as *dash.AdaptationSet, rep *dash.Representation) bool {
	mime := rep.MimeType
	if mime == "" {
		mime = as.MimeType
	}
	return as.ContentType == "image" || strings.HasPrefix(mime, "image/")
}

// imageFormats maps a MIME type to the name image.DecodeConfig gives it.
var imageFormats = map[string]string{"image/jpeg": "jpeg", "image/png": "png"}

// checkThumbnails checks a Representation of thumbnail sheets (see the D
// rules above).
func (c *checker) checkThumbnails(as *dash.AdaptationSet, rep *dash.Representation, total float64) {
	where := "thumbnails " + rep.ID
	if rep.ID == "" {
		c.add(RuleD1, "", "", "id", "a thumbnail Representation has no id")
	}
	if rep.Bandwidth <= 0 || rep.Width <= 0 || rep.Height <= 0 {
		c.add(RuleD1, where, "", "bandwidth, width and height > 0", "%s lacks a bandwidth, a width or a height", where)
	}
	tiles := ""
	for _, p := range rep.EssentialProperties {
		if p.SchemeIDURI == dash.ThumbnailTileScheme {
			tiles = p.Value
		}
	}
	if cols, rows, ok := strings.Cut(tiles, "x"); !ok || !positive(cols) || !positive(rows) {
		c.add(RuleD1, where, tiles, "columns x rows", "%s has no %s EssentialProperty with a grid such as 5x5", where, dash.ThumbnailTileScheme)
	}
	t := as.Template(rep)
	if t == nil || t.Duration == 0 {
		c.add(RuleD1, where, "", "SegmentTemplate with a duration", "%s has no SegmentTemplate with a constant duration", where)
		return
	}
	segs, err := t.Segments(rep.ID, rep.Bandwidth, total)
	if err != nil {
		c.add(RuleD1, where, "", "", "%s: %v", where, err)
		return
	}
	c.r.Segments += len(segs)
	mime := rep.MimeType
	if mime == "" {
		mime = as.MimeType
	}
	for _, s := range segs {
		data, ok := c.file(s.URL, where, "sheet")
		if !ok {
			continue
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
		switch {
		case err != nil:
			c.add(RuleD3, s.URL, "", mime, "sheet %s is not an image: %v", s.URL, err)
		case imageFormats[mime] != format:
			c.add(RuleD3, s.URL, format, mime, "sheet %s is %s, not the %s the MPD says", s.URL, format, mime)
		case cfg.Width != rep.Width || cfg.Height != rep.Height:
			c.add(RuleD3, s.URL, fmt.Sprintf("%dx%d", cfg.Width, cfg.Height), fmt.Sprintf("%dx%d", rep.Width, rep.Height),
				"sheet %s is %dx%d, not the Representation's %dx%d", s.URL, cfg.Width, cfg.Height, rep.Width, rep.Height)
		}
	}
}

func positive(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n > 0
}
