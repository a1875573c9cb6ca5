package check

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/veza-media/veza/pkg/dash"
	"github.com/veza-media/veza/pkg/ffprobe"
	"github.com/veza-media/veza/pkg/player"
)

// ffmpegFMP4 writes one fMP4 HLS rendition (init.mp4, seg_%05d.m4s,
// index.m3u8) of a 4 s clip into dir and returns its CODECS string.
func ffmpegFMP4(t *testing.T, dir, size string, video ...string) string {
	t.Helper()
	must(t, os.MkdirAll(dir, 0o755))
	args := []string{"-hide_banner", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=size=" + size + ":rate=25:duration=4",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=4"}
	args = append(args, video...)
	args = append(args, "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", "-ac", "2",
		"-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4",
		"-hls_fmp4_init_filename", "init.mp4", "-hls_segment_filename", filepath.Join(dir, "seg_%05d.m4s"),
		filepath.Join(dir, "index.m3u8"))
	if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	res, err := (&ffprobe.Prober{}).Probe(context.Background(), filepath.Join(dir, "init.mp4"))
	must(t, err)
	var parts []string
	for _, s := range res.Streams {
		parts = append(parts, s.CodecString)
	}
	return strings.Join(parts, ",")
}

// TestPlaysDASHAndSkipsHEVC launches Chromium once: an MPD over two fMP4
// renditions must play each Representation in Shaka Player, and an HEVC
// rendition is skipped (not failed) where the browser has no HEVC decoder
// at all, and passes where it has one.
func TestPlaysDASHAndSkipsHEVC(t *testing.T) {
	if _, err := FindChromium(""); err != nil {
		t.Skipf("%v (scripts/deps.sh installs it)", err)
	}
	js, _, err := player.LoadHLSJS(context.Background(), player.Options{Fetch: true})
	if err != nil {
		t.Skipf("hls.js could not be loaded: %v", err)
	}
	shaka, from, err := player.LoadShaka(context.Background(), player.Options{Fetch: true})
	if err != nil {
		t.Skipf("Shaka Player could not be loaded: %v", err)
	}
	t.Logf("Shaka Player from %s", from)
	dir := t.TempDir()
	x264 := []string{"-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-keyint_min", "50", "-sc_threshold", "0"}
	var rs []dash.Rendition
	for _, r := range []struct {
		id   string
		w, h int
	}{{"a", 160, 120}, {"b", 96, 72}} {
		size := fmt.Sprintf("%dx%d", r.w, r.h)
		codecs := ffmpegFMP4(t, filepath.Join(dir, "dash", r.id), size, x264...)
		rs = append(rs, dash.Rendition{ID: r.id, Init: r.id + "/init.mp4", Media: r.id + "/seg_$Number%05d$.m4s", Segments: 2,
			Bandwidth: int64(300000 - 100000*len(rs)), Codecs: codecs, Width: r.w, Height: r.h, FrameRate: "25"})
	}
	m, err := dash.Build(filepath.Join(dir, "dash"), rs)
	must(t, err)
	must(t, dash.WriteFile(filepath.Join(dir, "dash", "manifest.mpd"), m))

	hevc := ffmpegFMP4(t, filepath.Join(dir, "hevc", "v"), "96x72", "-c:v", "libx265", "-preset", "ultrafast", "-tag:v", "hvc1",
		"-x265-params", "keyint=50:min-keyint=50:scenecut=0:log-level=error")
	must(t, os.WriteFile(filepath.Join(dir, "hevc", "master.m3u8"), []byte("#EXTM3U\n#EXT-X-VERSION:6\n"+
		"#EXT-X-STREAM-INF:BANDWIDTH=300000,CODECS=\""+hevc+"\",RESOLUTION=96x72\nv/index.m3u8\n"), 0o644))

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep, err := Run(ctx, Config{Target: dir, Seconds: 2, PlayerJS: js, DASHPlayerJS: shaka})
	must(t, err)
	byKey := map[string]Result{}
	for _, r := range rep.Results {
		t.Logf("%-18s %-6s %-20s passed=%v skipped=%v played=%.2f %s", r.Master, r.Kind, r.Name(), r.Passed, r.Skipped, r.Played, r.Error)
		byKey[r.Master+" "+r.Kind+" "+r.URI] = r
	}
	if len(rep.Results) != 6 {
		t.Fatalf("%d results, want 6 (MPD: 2 × codecs+play; HEVC master: codecs+play)", len(rep.Results))
	}
	for _, k := range []string{"dash/manifest.mpd codecs a", "dash/manifest.mpd codecs b", "dash/manifest.mpd play a", "dash/manifest.mpd play b"} {
		if r := byKey[k]; !r.Passed || (r.Kind == KindPlay && r.Played < 2) {
			t.Errorf("%s: passed=%v played=%.2f %s", k, r.Passed, r.Played, r.Error)
		}
	}
	hc, hp := byKey["hevc/master.m3u8 codecs v/index.m3u8"], byKey["hevc/master.m3u8 play v/index.m3u8"]
	if hc.Passed {
		// A browser with an HEVC decoder: then it must play too.
		if !hp.Passed {
			t.Errorf("HEVC accepted by MSE but did not play: %s", hp.Error)
		}
	} else if !hc.Skipped || !hp.Skipped || !strings.Contains(hc.Error, "decodes no hvc1") {
		t.Errorf("HEVC refused but not skipped: %+v / %+v", hc, hp)
	}
	if rep.Failed() != 0 {
		t.Errorf("Failed() = %d", rep.Failed())
	}
}

func TestFindMPDTargets(t *testing.T) {
	dir := t.TempDir()
	m := `<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT4S">` +
		`<Period><AdaptationSet mimeType="video/mp4"><Representation id="a" bandwidth="1" codecs="avc1.64000d,mp4a.40.2" width="160" height="120">` +
		`<SegmentTemplate timescale="1" initialization="$RepresentationID$/init.mp4" media="$RepresentationID$/s$Number$.m4s" startNumber="0">` +
		`<SegmentTimeline><S d="2" r="1"/></SegmentTimeline></SegmentTemplate></Representation></AdaptationSet></Period></MPD>`
	must(t, os.MkdirAll(filepath.Join(dir, "t"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "t", "manifest.mpd"), []byte(m), 0o644))
	for _, target := range []string{dir, filepath.Join(dir, "t", "manifest.mpd")} {
		_, ts, err := findTargets(target)
		if err != nil || len(ts) != 1 || !ts[0].dash || len(ts[0].variants) != 1 {
			t.Fatalf("%s: %+v %v", target, ts, err)
		}
		v := ts[0].variants[0]
		if mimeType(v) != `video/mp4; codecs="avc1.64000d,mp4a.40.2"` || v.resolution != "160x120" ||
			strings.Join(v.urls, " ") != "a/init.mp4 a/s0.m4s a/s1.m4s" {
			t.Errorf("variant %+v (MIME %s)", v, mimeType(v))
		}
	}
	// Without a Shaka Player script, Run looks for one through Config.Shaka.
	_, err := Run(context.Background(), Config{Target: dir, PlayerJS: []byte("x"), Shaka: player.Options{CacheDir: t.TempDir()}})
	if !errors.Is(err, player.ErrShakaMissing) {
		t.Errorf("no Shaka Player in an empty cache without fetching: %v", err)
	}
	must(t, os.WriteFile(filepath.Join(dir, "t", "manifest.mpd"), []byte("nope"), 0o644))
	if _, _, err := findTargets(dir); err == nil || !strings.Contains(err.Error(), "manifest.mpd") {
		t.Errorf("broken MPD: %v", err)
	}
	if _, err := Run(context.Background(), Config{Target: filepath.Join(dir, "x.mpd"), PlayerJS: []byte("x")}); err == nil {
		t.Error("missing MPD accepted")
	}
}
