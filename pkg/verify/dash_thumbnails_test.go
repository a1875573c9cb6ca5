package verify

import (
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/veza-media/veza/pkg/dash"
)

// writeSheet writes a w × h image to p, PNG when asPNG, else JPEG.
func writeSheet(t *testing.T, p string, w, h int, asPNG bool) {
	t.Helper()
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img := image.NewGray(image.Rect(0, 0, w, h))
	if asPNG {
		err = png.Encode(f, img)
	} else {
		err = jpeg.Encode(f, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// TestVerifyThumbnails checks an MPD with a thumbnail AdaptationSet: clean
// it passes, and each harm is caught by its rule.
func TestVerifyThumbnails(t *testing.T) {
	for _, tc := range []struct {
		name string
		rule string // "" for none
		harm func(t *testing.T, dir, mpd string)
	}{
		{"clean", "", func(*testing.T, string, string) {}},
		{"missing sheet", RuleD2, func(t *testing.T, dir, _ string) { os.Remove(filepath.Join(dir, "thumbnails_00002.jpg")) }},
		{"sheet of another size", RuleD3, func(t *testing.T, dir, _ string) {
			writeSheet(t, filepath.Join(dir, "thumbnails_00001.jpg"), 40, 32, false)
		}},
		{"PNG said to be JPEG", RuleD3, func(t *testing.T, dir, _ string) {
			writeSheet(t, filepath.Join(dir, "thumbnails_00001.jpg"), 40, 30, true)
		}},
		{"no tile grid", RuleD1, func(t *testing.T, _, mpd string) {
			replaceIn(t, mpd, `schemeIdUri="http://dashif.org/thumbnail_tile"`, `schemeIdUri="urn:other"`, 1)
		}},
		{"no duration", RuleD1, func(t *testing.T, _, mpd string) { replaceIn(t, mpd, ` duration="4000"`, ``, 1) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := dashFixture(t)
			m, err := dash.Build(dir, renditions())
			if err != nil {
				t.Fatal(err)
			}
			// 1 s a tile, 2 × 2 tiles: the 5 s clip takes two sheets.
			if err := m.AddThumbnails(dash.Thumbnails{Media: "thumbnails_$Number%05d$.jpg", MimeType: "image/jpeg",
				Width: 40, Height: 30, Columns: 2, Rows: 2, Interval: 1, Bandwidth: 1000}); err != nil {
				t.Fatal(err)
			}
			mpd := filepath.Join(dir, "manifest.mpd")
			if err := dash.WriteFile(mpd, m); err != nil {
				t.Fatal(err)
			}
			for _, n := range []string{"thumbnails_00001.jpg", "thumbnails_00002.jpg"} {
				writeSheet(t, filepath.Join(dir, n), 40, 30, false)
			}
			tc.harm(t, dir, mpd)
			rules, msgs := verifyRules(t, mpd)
			switch {
			case tc.rule == "" && len(rules) > 0:
				t.Errorf("findings on a clean MPD:\n%s", msgs)
			case tc.rule != "" && !slices.Contains(rules, tc.rule):
				t.Errorf("want %s, got %v:\n%s", tc.rule, rules, msgs)
			}
		})
	}
}
