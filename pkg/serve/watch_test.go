package serve

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/veza-media/veza/pkg/player"
)

// TestWatchPagePlays opens the watch page in headless Chromium (one
// launch) and checks that it plays and fills its read-outs, and that the
// rendition picker locks a level.
func TestWatchPagePlays(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skipf("chromium not installed (scripts/deps.sh installs it): %v", err)
	}
	js, _, err := player.LoadHLSJS(context.Background(), player.Options{Fetch: true})
	if err != nil {
		t.Skipf("hls.js could not be loaded: %v", err)
	}
	dir := t.TempDir()
	track := filepath.Join(dir, "clip")
	for _, q := range []string{"a", "b"} {
		must(t, os.MkdirAll(filepath.Join(track, q), 0o755))
	}
	args := []string{"-hide_banner", "-loglevel", "error",
		"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=6",
		"-filter_complex", "[0:v]split=2[a][b];[b]scale=160:120[b2]"}
	for _, q := range []struct{ name, in string }{{"a", "[a]"}, {"b", "[b2]"}} {
		args = append(args, "-map", q.in, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "50",
			"-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod",
			"-hls_segment_filename", filepath.Join(track, q.name, "s%d.ts"), filepath.Join(track, q.name, "index.m3u8"))
	}
	if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	master := "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=400000,CODECS=\"avc1.640014\",RESOLUTION=320x240\na/index.m3u8\n" +
		"#EXT-X-STREAM-INF:BANDWIDTH=150000,CODECS=\"avc1.64000c\",RESOLUTION=160x120\nb/index.m3u8\n"
	must(t, os.WriteFile(filepath.Join(track, "master.m3u8"), []byte(master), 0o644))

	h := newTestHandler(t, Config{Dir: dir, PlayerJS: js})
	srv := httptest.NewServer(h)
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	actx, cancelA := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium), chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("mute-audio", true), chromedp.Flag("autoplay-policy", "no-user-gesture-required"))
	defer cancelA()
	bctx, cancelB := chromedp.NewContext(actx)
	defer cancelB()

	must(t, chromedp.Do(bctx, chromedp.Navigate(srv.URL+"/watch/clip")))
	// wait until it plays and the read-outs are filled
	read := `JSON.stringify({t: document.getElementById('video').currentTime,
		level: document.getElementById('s-level').textContent, bw: document.getElementById('s-bw').textContent,
		buf: document.getElementById('s-buf').textContent, drop: document.getElementById('s-drop').textContent,
		options: document.getElementById('level').options.length, err: document.getElementById('error').textContent})`
	var last string
	deadline := time.Now().Add(45 * time.Second)
	for time.Now().Before(deadline) {
		last, err = chromedp.Run(bctx, chromedp.Evaluate[string](read))
		must(t, err)
		if strings.Contains(last, `"options":3`) && !strings.Contains(last, `"bw":"–"`) && !strings.Contains(last, `"t":0,`) &&
			strings.Contains(last, " / ") && !strings.Contains(last, `"level":"–"`) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("read-outs: %s", last)
	for _, want := range []string{`"options":3`, `"err":""`, "bit/s", ` s"`, ` / `} {
		if !strings.Contains(last, want) {
			t.Fatalf("watch page read-outs lack %s: %s", want, last)
		}
	}
	// pick the second rendition: hls.js locks to it
	lock := `(function(){ var s = document.getElementById('level'); s.value = '1'; s.dispatchEvent(new Event('change'));
		return window.vezaHls.currentLevel === 1 || window.vezaHls.nextLoadLevel === 1 || window.vezaHls.loadLevel === 1; })()`
	ok, err := chromedp.Run(bctx, chromedp.Evaluate[bool](lock))
	must(t, err)
	auto, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`window.vezaHls.autoLevelEnabled`))
	must(t, err)
	if !ok || auto {
		t.Errorf("picker did not lock level 1 (locked %v, auto %v)", ok, auto)
	}
}
