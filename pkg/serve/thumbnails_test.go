package serve

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/layout"
	"github.com/veza-media/veza/pkg/player"
	"github.com/veza-media/veza/pkg/thumbnail"
)

// tileColors are the solid colours of the test sheet's six tiles.
var tileColors = []color.RGBA{{220, 40, 40, 255}, {40, 200, 60, 255}, {40, 60, 220, 255}, {230, 210, 40, 255}, {200, 40, 200, 255}, {40, 200, 210, 255}}

// thumbTrack writes a 6 s track with one rendition, its I-frame playlist
// in the master, and a thumbnail sheet of 3 × 2 solid tiles, one a second.
func thumbTrack(t *testing.T, dir string) {
	t.Helper()
	track := filepath.Join(dir, "clip")
	must(t, os.MkdirAll(filepath.Join(track, "a"), 0o755))
	out, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error",
		"-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=6",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "25",
		"-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod",
		"-hls_segment_filename", filepath.Join(track, "a", "s%d.ts"), filepath.Join(track, "a", "index.m3u8")).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	ipl, bw, err := hls.BuildIFramePlaylist(filepath.Join(track, "a", "index.m3u8"))
	must(t, err)
	data, err := ipl.Encode()
	must(t, err)
	must(t, os.WriteFile(filepath.Join(track, "a", layout.IFrames), data, 0o644))
	v := hls.Variant{URI: "a/index.m3u8", Bandwidth: 400000, Codecs: "avc1.64000d", Resolution: hls.Resolution{Width: 320, Height: 180}}
	must(t, hls.WriteMaster(filepath.Join(track, layout.Master), &hls.MasterPlaylist{
		Variants: []hls.Variant{v}, IFrameVariants: []hls.Variant{hls.IFrameVariant(v, "a/"+layout.IFrames, bw)}}))

	l := thumbnail.Layout{Interval: 1, Columns: 3, Rows: 2}
	sheet := image.NewRGBA(image.Rect(0, 0, 3*160, 2*90))
	for i, c := range tileColors {
		x, y := i%3*160, i/3*90
		for py := y; py < y+90; py++ {
			for px := x; px < x+160; px++ {
				sheet.Set(px, py, c)
			}
		}
	}
	var b bytes.Buffer
	must(t, jpeg.Encode(&b, sheet, &jpeg.Options{Quality: 95}))
	must(t, os.WriteFile(filepath.Join(track, layout.ThumbnailName(1)), b.Bytes(), 0o644))
	cues, err := l.Cues(6, 90, func(n int) string { return layout.ThumbnailName(n + 1) })
	must(t, err)
	b.Reset()
	must(t, thumbnail.WriteVTT(&b, cues))
	must(t, os.WriteFile(filepath.Join(track, layout.Thumbnails), b.Bytes(), 0o644))
}

// TestWatchPageThumbnails hovers the watch page's seek bar in headless
// Chromium and compares the thumbnail shown with the tile of that time;
// holding the button starts hls.js's I-frame player.
func TestWatchPageThumbnails(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skipf("chromium not installed (scripts/deps.sh installs it): %v", err)
	}
	js, _, err := player.LoadHLSJS(context.Background(), player.Options{Fetch: true})
	if err != nil {
		t.Skipf("hls.js could not be loaded: %v", err)
	}
	dir := t.TempDir()
	thumbTrack(t, dir)
	srv := httptest.NewServer(newTestHandler(t, Config{Dir: dir, PlayerJS: js}))
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	actx, cancelA := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium), chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("mute-audio", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"), chromedp.WindowSize(1000, 900))
	defer cancelA()
	bctx, cancelB := chromedp.NewContext(actx)
	defer cancelB()

	must(t, chromedp.Do(bctx, chromedp.Navigate(srv.URL+"/watch/clip")))
	ready := `(function(){ var s = document.getElementById('seek'), v = document.getElementById('video');
		return !!s && s.getAttribute('data-cues') === '6' && v.duration > 5 && v.readyState >= 2; })()`
	deadline := time.Now().Add(45 * time.Second)
	for ok := false; !ok; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the watch page did not load the video and its 6 thumbnail cues")
		}
		ok, err = chromedp.Run(bctx, chromedp.Evaluate[bool](ready))
		must(t, err)
	}
	video, err := chromedp.Run(bctx, chromedp.Evaluate[float64](`document.getElementById('video').duration`))
	must(t, err)
	// at returns the point of the seek bar for second sec, read again each
	// time: a screenshot scrolls the page.
	at := func(sec float64) (float64, float64) {
		r, err := chromedp.Run(bctx, chromedp.Evaluate[struct{ X, Y, W, H float64 }](`(function(){
			var r = document.getElementById('seek').getBoundingClientRect(); return {X: r.left, Y: r.top, W: r.width, H: r.height}; })()`))
		must(t, err)
		return r.X + r.W*sec/video, r.Y + r.H/2
	}
	// What the page should show: each tile's mean colour in the JPEG sheet.
	f, err := os.Open(filepath.Join(dir, "clip", layout.ThumbnailName(1)))
	must(t, err)
	sheet, err := jpeg.Decode(f)
	f.Close()
	must(t, err)
	var tiles []color.RGBA
	for i := range tileColors {
		tiles = append(tiles, meanColor(sheet.(interface {
			SubImage(image.Rectangle) image.Image
		}).SubImage(image.Rect(i%3*160, i/3*90, i%3*160+160, i/3*90+90))))
	}

	for _, tile := range []int{1, 4} {
		// the pointer at tile+0.5 s, in the middle of that tile
		x, y := at(float64(tile) + 0.5)
		must(t, chromedp.Do(bctx, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y)))
		// Tolerant: the shot is nearest to the tile of that time, and near
		// it (colour management and scaling move colours a little). The
		// sheet may still be loading on a busy machine: a few more shots.
		var img image.Image
		var got color.RGBA
		n := -1
		for try := 0; try < 10 && (n != tile || !near(got, tiles[tile], 48)); try++ {
			if try > 0 {
				time.Sleep(300 * time.Millisecond)
			}
			shot, err := chromedp.Run(bctx, chromedp.Screenshot("#thumb-img", chromedp.NodeVisible))
			must(t, err)
			img, err = png.Decode(bytes.NewReader(shot))
			must(t, err)
			got = meanColor(img)
			n = nearest(got, tiles)
		}
		if n != tile || !near(got, tiles[tile], 48) {
			t.Errorf("pointer at %.2f s: thumbnail %v looks like tile %d, want tile %d %v", float64(tile)+0.5, got, n, tile, tiles[tile])
		}
		if b := img.Bounds(); b.Dx() < 150 || b.Dx() > 170 {
			t.Errorf("thumbnail is %d pixels wide, want 160", b.Dx())
		}
	}

	// Holding the button scrubs with the I-frame player.
	x, y := at(2.5)
	must(t, chromedp.Do(bctx, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y)))
	must(t, chromedp.Do(bctx, chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1))))
	scrub := `(function(){ var p = window.vezaIFramePlayer, s = document.getElementById('scrub');
		return JSON.stringify({variants: window.vezaHls.iframeVariants.length, player: !!p, shown: !s.hidden}); })()`
	got, err := chromedp.Run(bctx, chromedp.Evaluate[string](scrub))
	must(t, err)
	if want := `{"variants":1,"player":true,"shown":true}`; got != want {
		t.Errorf("scrubbing: %s, want %s", got, want)
	}
	must(t, chromedp.Do(bctx, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1))))
	pos, err := chromedp.Run(bctx, chromedp.Evaluate[float64](`document.getElementById('video').currentTime`))
	must(t, err)
	if pos < 2 || pos > 3.5 {
		t.Errorf("released at 2.5 s, the video is at %.2f s", pos)
	}
}

// meanColor is the mean colour of the middle half of img.
func meanColor(img image.Image) color.RGBA {
	b := img.Bounds()
	var r, g, bl, n uint64
	for y := b.Min.Y + b.Dy()/4; y < b.Max.Y-b.Dy()/4; y++ {
		for x := b.Min.X + b.Dx()/4; x < b.Max.X-b.Dx()/4; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			r, g, bl, n = r+uint64(cr>>8), g+uint64(cg>>8), bl+uint64(cb>>8), n+1
		}
	}
	if n == 0 {
		return color.RGBA{}
	}
	return color.RGBA{uint8(r / n), uint8(g / n), uint8(bl / n), 255}
}

// nearest is the index of the colour of cs nearest to c.
func nearest(c color.RGBA, cs []color.RGBA) int {
	best, bestD := -1, 1<<30
	for i, o := range cs {
		dr, dg, db := int(c.R)-int(o.R), int(c.G)-int(o.G), int(c.B)-int(o.B)
		if d := dr*dr + dg*dg + db*db; d < bestD {
			best, bestD = i, d
		}
	}
	return best
}

func near(a, b color.RGBA, tol int) bool {
	d := func(x, y uint8) int { return max(int(x)-int(y), int(y)-int(x)) }
	return d(a.R, b.R) <= tol && d(a.G, b.G) <= tol && d(a.B, b.B) <= tol
}
