package report

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/veza-media/veza/pkg/hls"
)

// The test ladder: a 4 s 320x240 source (lossless FFV1 with a sine tone)
// and a track folder with two video rungs (320x240 and 160x120, x264 in
// one-second TS segments, one thread so the bytes are the same every run),
// an AAC audio rendition and a master, as `veza ladder` lays them out.
var (
	ladderOnce sync.Once
	ladderDir  string
	ladderErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if ladderDir != "" {
		os.RemoveAll(ladderDir)
	}
	os.Exit(code)
}

func ffmpeg(args ...string) error {
	out, err := exec.Command("ffmpeg", append([]string{"-hide_banner", "-loglevel", "error", "-y"}, args...)...).CombinedOutput()
	if err != nil {
		return &exec.ExitError{Stderr: out}
	}
	return nil
}

// testLadder returns the source and the track folder of the test ladder.
func testLadder(t testing.TB) (source, track string) {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg not installed: the report compares real encodes")
	}
	ladderOnce.Do(func() {
		ladderDir, ladderErr = os.MkdirTemp("", "veza-report-test-")
		if ladderErr == nil {
			ladderErr = buildLadder(ladderDir)
		}
	})
	if ladderErr != nil {
		if ee, ok := ladderErr.(*exec.ExitError); ok {
			t.Fatalf("building the test ladder: %s", ee.Stderr)
		}
		t.Fatal(ladderErr)
	}
	return filepath.Join(ladderDir, "src.mkv"), filepath.Join(ladderDir, "out", "clip")
}

func buildLadder(dir string) error {
	src := filepath.Join(dir, "src.mkv")
	if err := ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=4",
		"-f", "lavfi", "-i", "sine=frequency=440:duration=4", "-c:v", "ffv1", "-c:a", "pcm_s16le", src); err != nil {
		return err
	}
	track := filepath.Join(dir, "out", "clip")
	hlsArgs := func(name string) []string {
		return []string{"-f", "hls", "-hls_time", "1", "-hls_playlist_type", "vod",
			"-hls_segment_filename", filepath.Join(track, name, "seg_%05d.ts"), filepath.Join(track, name, "index.m3u8")}
	}
	for _, r := range []struct{ name, size, rate string }{{"240p", "320:240", "300k"}, {"120p", "160:120", "60k"}} {
		if err := os.MkdirAll(filepath.Join(track, r.name), 0o755); err != nil {
			return err
		}
		args := []string{"-i", src, "-map", "0:v", "-vf", "scale=" + r.size, "-c:v", "libx264", "-threads", "1",
			"-b:v", r.rate, "-maxrate", r.rate, "-bufsize", r.rate, "-g", "25", "-keyint_min", "25", "-sc_threshold", "0"}
		if err := ffmpeg(append(args, hlsArgs(r.name)...)...); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Join(track, "audio"), 0o755); err != nil {
		return err
	}
	if err := ffmpeg(append([]string{"-i", src, "-map", "0:a", "-c:a", "aac", "-b:a", "64k"}, hlsArgs("audio")...)...); err != nil {
		return err
	}
	m := &hls.MasterPlaylist{
		Renditions: []hls.Rendition{{Type: "AUDIO", GroupID: "aud", Name: "audio", URI: "audio/index.m3u8", Default: true, Autoselect: true}},
		Variants: []hls.Variant{
			{URI: "240p/index.m3u8", Bandwidth: 400000, Codecs: "avc1.64000d,mp4a.40.2", Resolution: hls.Resolution{Width: 320, Height: 240}, Audio: "aud"},
			{URI: "120p/index.m3u8", Bandwidth: 100000, Codecs: "avc1.64000b,mp4a.40.2", Resolution: hls.Resolution{Width: 160, Height: 120}, Audio: "aud"},
		},
	}
	return hls.WriteMaster(filepath.Join(track, "master.m3u8"), m)
}

var (
	reportOnce sync.Once
	testRep    *Report
	reportErr  error
)

// runReport measures the test ladder once for all tests; they must not
// change the report.
func runReport(t testing.TB) *Report {
	t.Helper()
	src, track := testLadder(t)
	reportOnce.Do(func() {
		testRep, reportErr = Run(context.Background(), Config{Master: track, Source: src})
	})
	if reportErr != nil {
		t.Fatal(reportErr)
	}
	return testRep
}

// ffmpegLog runs ffmpeg and returns its stderr.
func ffmpegLog(t testing.TB, args ...string) string {
	t.Helper()
	out, err := exec.Command("ffmpeg", append([]string{"-hide_banner", "-nostdin"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
