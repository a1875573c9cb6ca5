package check

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/veza-media/veza/pkg/ffprobe"
	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/player"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// makeLadder writes a tiny real ladder (4 s, two H.264+AAC renditions in
// MPEG-TS, 2 s segments) into dir/good with a master whose CODECS come from
// ffprobe, and dir/bogus: the same renditions behind a master whose first
// variant claims a codec no browser knows.
func makeLadder(t *testing.T, dir string) {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatalf("ffmpeg is needed to make the test ladder: %v", err)
	}
	good := filepath.Join(dir, "good")
	for _, q := range []string{"high", "low"} {
		must(t, os.MkdirAll(filepath.Join(good, q), 0o755))
	}
	hlsOut := func(q string) []string {
		return []string{"-c:a", "aac", "-b:a", "64k", "-ac", "2",
			"-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod",
			"-hls_segment_filename", filepath.Join(good, q, "seg%d.ts"), filepath.Join(good, q, "index.m3u8")}
	}
	x264 := []string{"-c:v", "libx264", "-preset", "ultrafast", "-profile:v", "high", "-pix_fmt", "yuv420p",
		"-g", "50", "-keyint_min", "50", "-sc_threshold", "0"}
	args := []string{"-hide_banner", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=4",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=4",
		"-filter_complex", "[0:v]split=2[a][b];[b]scale=160:120[lo]",
		"-map", "[a]", "-map", "1:a"}
	args = append(args, x264...)
	args = append(args, "-b:v", "300k")
	args = append(args, hlsOut("high")...)
	args = append(args, "-map", "[lo]", "-map", "1:a")
	args = append(args, x264...)
	args = append(args, "-b:v", "120k")
	args = append(args, hlsOut("low")...)
	if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	var codecs [2]string
	for i, q := range []string{"high", "low"} {
		res, err := (&ffprobe.Prober{}).Probe(context.Background(), filepath.Join(good, q, "seg0.ts"))
		must(t, err)
		var parts []string
		for _, s := range res.Streams {
			if s.CodecString == "" {
				t.Fatalf("no codec string for %s stream %d", q, s.Index)
			}
			parts = append(parts, s.CodecString)
		}
		codecs[i] = strings.Join(parts, ",")
	}
	master := func(prefix string, c0 string) string {
		return "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n" +
			fmt.Sprintf("#EXT-X-STREAM-INF:BANDWIDTH=500000,CODECS=\"%s\",RESOLUTION=320x240\n%shigh/index.m3u8\n", c0, prefix) +
			fmt.Sprintf("#EXT-X-STREAM-INF:BANDWIDTH=250000,CODECS=\"%s\",RESOLUTION=160x120\n%slow/index.m3u8\n", codecs[1], prefix)
	}
	// The good master lists an I-frame playlist of each rendition, as
	// veza's ladders do.
	iframes := ""
	for i, q := range []string{"high", "low"} {
		pl, bw, err := hls.BuildIFramePlaylist(filepath.Join(good, q, "index.m3u8"))
		must(t, err)
		data, err := pl.Encode()
		must(t, err)
		must(t, os.WriteFile(filepath.Join(good, q, "iframes.m3u8"), data, 0o644))
		iframes += fmt.Sprintf("#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=%d,CODECS=\"%s\",RESOLUTION=%s,URI=\"%s/iframes.m3u8\"\n",
			bw.Peak, hls.VideoCodecs(codecs[i]), []string{"320x240", "160x120"}[i], q)
	}
	must(t, os.WriteFile(filepath.Join(good, "master.m3u8"), []byte(master("", codecs[0])+iframes), 0o644))
	must(t, os.MkdirAll(filepath.Join(dir, "bogus"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "bogus", "master.m3u8"), []byte(master("../good/", "bogus.4d401e,mp4a.40.2")), 0o644))
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestPlaysARealLadder launches Chromium once for the whole package: the
// good master must pass every check, the bogus one must fail its codecs
// check, and the report must say so in JUnit too.
func TestPlaysARealLadder(t *testing.T) {
	chromium, err := FindChromium("")
	if err != nil {
		t.Skipf("%v (scripts/deps.sh installs it)", err)
	}
	js, from, err := player.LoadHLSJS(context.Background(), player.Options{Fetch: true})
	if err != nil {
		t.Skipf("hls.js is needed to play in the browser and could not be loaded: %v", err)
	}
	t.Logf("chromium %s, hls.js from %s", chromium, from)
	dir := t.TempDir()
	makeLadder(t, dir)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var streamed []Result
	rep, err := Run(ctx, Config{Target: dir, Seconds: 2, PlayerJS: js, OnResult: func(r Result) { streamed = append(streamed, r) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(streamed) != len(rep.Results) || !strings.Contains(rep.Browser, "Chrome") {
		t.Errorf("OnResult saw %d of %d results; browser %q", len(streamed), len(rep.Results), rep.Browser)
	}
	byKey := map[string]Result{}
	for _, r := range rep.Results {
		t.Logf("%-18s %-6s %-24s passed=%v played=%.2f %s", r.Master, r.Kind, r.Name(), r.Passed, r.Played, r.Error)
		byKey[fmt.Sprintf("%s %s %d", r.Master, r.Kind, r.Variant)] = r
	}
	if len(rep.Results) != 10 {
		t.Fatalf("%d results, want 10 (2 masters × 2 variants × codecs+play, and the good one's 2 I-frame playlists)", len(rep.Results))
	}
	for _, k := range []string{"good/master.m3u8 codecs 0", "good/master.m3u8 codecs 1", "good/master.m3u8 play 0",
		"good/master.m3u8 play 1", "bogus/master.m3u8 codecs 1", "bogus/master.m3u8 play 1",
		"good/master.m3u8 iframes 0", "good/master.m3u8 iframes 1"} {
		if r := byKey[k]; !r.Passed {
			t.Errorf("%s failed: %s", k, r.Error)
		} else if r.Kind == KindPlay && r.Played < 2 {
			t.Errorf("%s passed with %.2f s played", k, r.Played)
		}
	}
	bad := byKey["bogus/master.m3u8 codecs 0"]
	if bad.Passed || !strings.Contains(bad.Error, `MSE refuses video/mp4; codecs="bogus.4d401e,mp4a.40.2"`) {
		t.Errorf("bogus CODECS: passed=%v %q", bad.Passed, bad.Error)
	}
	if rep.Failed() < 1 {
		t.Errorf("Failed() = %d", rep.Failed())
	}

	var buf bytes.Buffer
	must(t, rep.WriteJUnit(&buf))
	var suites junitSuites
	must(t, xml.Unmarshal(buf.Bytes(), &suites))
	if suites.Tests != 10 || suites.Failures != rep.Failed() || len(suites.Suites) != 2 {
		t.Errorf("JUnit: %d tests, %d failures, %d suites\n%s", suites.Tests, suites.Failures, len(suites.Suites), buf.String())
	}
}

func TestFindTargets(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		must(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		must(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	media := "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\ns.ts\n#EXT-X-ENDLIST\n"
	write("a/low/index.m3u8", media)
	write("a/audio/index.m3u8", media)
	write("a/master.m3u8", "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"avc1.64001f,mp4a.40.2\"\nlow/index.m3u8\n"+
		"#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"mp4a.40.2\"\naudio/index.m3u8\n")
	write(".hidden/master.m3u8", "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nx.m3u8\n")

	root, targets, err := findTargets(dir)
	if err != nil || root != dir || len(targets) != 1 || targets[0].name != "a/master.m3u8" || len(targets[0].variants) != 2 {
		t.Fatalf("folder: %q %+v %v", root, targets, err)
	}
	v := targets[0].variants
	if mimeType(v[0]) != `video/mp4; codecs="avc1.64001f,mp4a.40.2"` || mimeType(v[1]) != `audio/mp4; codecs="mp4a.40.2"` {
		t.Errorf("MIME types %q %q", mimeType(v[0]), mimeType(v[1]))
	}
	if got := mimeType(variant{codecs: "mp4a.40.34"}); got != "audio/mpeg" {
		t.Errorf("MP3 variant: %q", got)
	}
	if got := mimeType(variant{codecs: "avc1.64001f,mp4a.40.34", video: true}); got != `video/mp4; codecs="avc1.64001f,mp4a.40.34"` {
		t.Errorf("video with MP3: %q", got)
	}

	root, targets, err = findTargets(filepath.Join(dir, "a/low/index.m3u8"))
	if err != nil || root != filepath.Join(dir, "a/low") || len(targets) != 1 || targets[0].master || targets[0].variants[0].uri != "index.m3u8" {
		t.Errorf("media playlist: %q %+v %v", root, targets, err)
	}

	only := t.TempDir()
	must(t, os.WriteFile(filepath.Join(only, "index.m3u8"), []byte(media), 0o644))
	if _, targets, err := findTargets(only); err != nil || len(targets) != 1 || targets[0].name != "index.m3u8" {
		t.Errorf("folder of media playlists: %+v %v", targets, err)
	}

	for _, bad := range []string{filepath.Join(dir, "nope"), t.TempDir()} {
		if _, _, err := findTargets(bad); err == nil || !strings.Contains(err.Error(), filepath.Base(bad)) {
			t.Errorf("findTargets(%s): %v", bad, err)
		}
	}
	write("b/master.m3u8", "not a playlist")
	if _, _, err := findTargets(filepath.Join(dir, "b/master.m3u8")); err == nil || !strings.Contains(err.Error(), "b/master.m3u8") {
		t.Errorf("bad playlist: %v", err)
	}
}

func TestChromiumMissing(t *testing.T) {
	_, err := FindChromium(filepath.Join(t.TempDir(), "chromium"))
	if !errors.Is(err, ErrChromiumNotFound) {
		t.Errorf("err %v", err)
	}
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "index.m3u8"), []byte("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-ENDLIST\n"), 0o644))
	_, err = Run(context.Background(), Config{Target: dir, PlayerJS: []byte("x"), Chromium: "/nonexistent/chromium"})
	if !errors.Is(err, ErrChromiumNotFound) || !strings.Contains(err.Error(), "/nonexistent/chromium") {
		t.Errorf("Run without chromium: %v", err)
	}
}

// TestLoadsMissingPlayers checks that Run loads the players it was not
// given from Config.HLSJS (Config.Shaka: see TestFindMPDTargets).
func TestLoadsMissingPlayers(t *testing.T) {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "index.m3u8"), []byte("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-ENDLIST\n"), 0o644))
	own := filepath.Join(dir, "own-hls.js")
	_, err := Run(context.Background(), Config{Target: dir, HLSJS: player.Options{Path: own}, Chromium: "/nonexistent/chromium"})
	if err == nil || !strings.Contains(err.Error(), "own-hls.js") {
		t.Errorf("hls.js from a missing Path: %v", err)
	}
	must(t, os.WriteFile(own, []byte("x"), 0o644))
	_, err = Run(context.Background(), Config{Target: dir, HLSJS: player.Options{Path: own}, Chromium: "/nonexistent/chromium"})
	if !errors.Is(err, ErrChromiumNotFound) {
		t.Errorf("hls.js from Path: got past loading? %v", err)
	}
}

func TestJUnitGolden(t *testing.T) {
	rep := &Report{Browser: "Chrome/1.0", Seconds: 2, Elapsed: 3 * time.Second, Results: []Result{
		{Master: "t/master.m3u8", Kind: KindCodecs, Variant: 0, URI: "hi/index.m3u8", Resolution: "320x240",
			MIMEType: `video/mp4; codecs="avc1.64000d"`, Passed: true, Elapsed: time.Millisecond},
		{Master: "t/master.m3u8", Kind: KindPlay, Variant: 0, URI: "hi/index.m3u8", Resolution: "320x240",
			Played: 2.04, Passed: true, Elapsed: 2500 * time.Millisecond},
		{Master: "u/index.m3u8", Kind: KindPlay, Variant: 0, URI: "index.m3u8", Played: 0.5,
			Error: "fatal mediaError error: <bufferAppendError> & more", Elapsed: time.Second},
		{Master: "t/master.m3u8", Kind: KindPlay, Variant: 1, URI: "hevc/index.m3u8", Skipped: true,
			Error: "this browser decodes no hvc1 at all", Elapsed: 0},
	}}
	var buf bytes.Buffer
	must(t, rep.WriteJUnit(&buf))
	golden := filepath.Join("testdata", "junit.golden.xml")
	if *update {
		must(t, os.MkdirAll("testdata", 0o755))
		must(t, os.WriteFile(golden, buf.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	must(t, err)
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("JUnit differs from %s (go test ./pkg/check -run JUnit -update):\n%s", golden, buf.String())
	}
}
