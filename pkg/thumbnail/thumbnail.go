package thumbnail

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Layout is how tiles are taken and laid out on sheets.
type Layout struct {
	// Interval is the time between tiles in seconds. It defaults to 5.
	Interval float64
	// Width is a tile's width in pixels; the height follows the display
	// aspect ratio (sample aspect ratio and rotation applied), rounded down
	// to an even number. It defaults to 160.
	Width int
	// Columns and Rows are the tiles per sheet. They default to 5 and 5.
	Columns, Rows int
}

// WithDefaults is l with its zero fields set to their defaults.
func (l Layout) WithDefaults() Layout {
	if l.Interval <= 0 {
		l.Interval = 5
	}
	if l.Width <= 0 {
		l.Width = 160
	}
	if l.Columns <= 0 {
		l.Columns = 5
	}
	if l.Rows <= 0 {
		l.Rows = 5
	}
	return l
}

// Filter is the ffmpeg video filter that turns the source into sheets:
// one frame every Interval, scaled to Width and the height of the display
// aspect ratio (ffmpeg has already applied the rotation when it decodes),
// square pixels, laid out Columns × Rows per output image.
func (l Layout) Filter() string {
	l = l.WithDefaults()
	return fmt.Sprintf("fps=1/%s,scale=%d:trunc(ow/dar/2)*2,setsar=1,tile=%dx%d",
		strconv.FormatFloat(l.Interval, 'f', -1, 64), l.Width, l.Columns, l.Rows)
}

// TileHeight is the height Filter gives a tile of a source whose display
// is width × height pixels (after sample aspect ratio and rotation).
func (l Layout) TileHeight(width, height int) int {
	l = l.WithDefaults()
	if width <= 0 || height <= 0 {
		return 0
	}
	return int(math.Floor(float64(l.Width)*float64(height)/float64(width)/2)) * 2
}

// Cue is one thumbnail of the WebVTT track: from Start to End seconds, the
// tile at X, Y of size W × H on the sheet image at URI.
type Cue struct {
	Start, End float64
	URI        string
	X, Y, W, H int
}

// Cues lists the cues of a source lasting duration seconds whose tiles are
// tileHeight pixels high: one per Interval, the last one ending at
// duration, so the track covers the whole duration without gaps. sheet
// names the image of sheet n (0-based), relative to the VTT file.
func (l Layout) Cues(duration float64, tileHeight int, sheet func(n int) string) ([]Cue, error) {
	l = l.WithDefaults()
	if duration <= 0 || math.IsInf(duration, 0) || math.IsNaN(duration) {
		return nil, fmt.Errorf("duration %g: thumbnails need a positive duration", duration)
	}
	if tileHeight <= 0 {
		return nil, errors.New("tile height must be positive")
	}
	per := l.Columns * l.Rows
	n := int(math.Ceil(duration/l.Interval - 1e-9))
	cues := make([]Cue, 0, n)
	for i := range n {
		pos := i % per
		cues = append(cues, Cue{
			Start: float64(i) * l.Interval,
			End:   min(float64(i+1)*l.Interval, duration),
			URI:   sheet(i / per),
			X:     pos % l.Columns * l.Width,
			Y:     pos / l.Columns * tileHeight,
			W:     l.Width,
			H:     tileHeight,
		})
	}
	return cues, nil
}

// Sheets is how many sheet images Filter writes for a source lasting
// duration seconds.
func (l Layout) Sheets(duration float64) int {
	l = l.WithDefaults()
	tiles := int(math.Ceil(duration/l.Interval - 1e-9))
	per := l.Columns * l.Rows
	return (tiles + per - 1) / per
}

// WriteVTT writes cues as a WebVTT thumbnail track: each cue's text is its
// sheet's URI with a #xywh= fragment.
func WriteVTT(w io.Writer, cues []Cue) error {
	var b strings.Builder
	b.WriteString("WEBVTT\n")
	for i, c := range cues {
		if c.End <= c.Start {
			return fmt.Errorf("cue %d ends at %g s, not after its start %g s", i, c.End, c.Start)
		}
		if c.URI == "" || strings.ContainsAny(c.URI, "\r\n#") || strings.Contains(c.URI, "-->") {
			return fmt.Errorf("cue %d: sheet URI %q cannot be written in a cue", i, c.URI)
		}
		fmt.Fprintf(&b, "\n%s --> %s\n%s#xywh=%d,%d,%d,%d\n", vttTime(c.Start), vttTime(c.End), c.URI, c.X, c.Y, c.W, c.H)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// vttTime formats seconds as a WebVTT timestamp, hh:mm:ss.ttt.
func vttTime(s float64) string {
	ms := int64(math.Round(s * 1000))
	return fmt.Sprintf("%02d:%02d:%02d.%03d", ms/3_600_000, ms/60_000%60, ms/1000%60, ms%1000)
}
