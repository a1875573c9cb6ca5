package dash

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// Real fMP4 output of ffmpeg's HLS muxer, built once per test run.
var (
	mediaDir  string
	mediaOnce sync.Once
	mediaErr  error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "veza-dash-test-")
	if err != nil {
		panic(err)
	}
	mediaDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// fixture returns a fresh copy of a track folder holding two fMP4
// renditions (a/ 160x120 and b/ 96x72, AAC muxed in, 2 s segments of a
// 5 s clip) as ffmpeg's HLS muxer writes them.
func fixture(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatal("ffmpeg is needed on PATH for these tests (make deps installs it)")
	}
	mediaOnce.Do(func() { mediaErr = buildFixture(filepath.Join(mediaDir, "track")) })
	if mediaErr != nil {
		t.Fatal(mediaErr)
	}
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(filepath.Join(mediaDir, "track"))); err != nil {
		t.Fatal(err)
	}
	return dst
}

func buildFixture(dir string) error {
	for _, r := range []struct{ name, size string }{{"a", "160x120"}, {"b", "96x72"}} {
		out := filepath.Join(dir, r.name)
		if err := os.MkdirAll(out, 0o755); err != nil {
			return err
		}
		cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-y",
			"-f", "lavfi", "-i", "testsrc2=size="+r.size+":rate=25:duration=5",
			"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=5",
			"-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-keyint_min", "50", "-sc_threshold", "0",
			"-c:a", "aac", "-b:a", "64k", "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod",
			"-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4",
			"-hls_segment_filename", "seg_%05d.m4s", "index.m3u8")
		cmd.Dir = out
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("ffmpeg: %v\n%s", err, stderr.String())
		}
	}
	return nil
}

// renditions describes the fixture as the ladder would.
func renditions() []Rendition {
	return []Rendition{
		{ID: "a", Init: "a/init.mp4", Media: "a/seg_$Number%05d$.m4s", Segments: 3, Bandwidth: 200000,
			Codecs: "avc1.42c00c,mp4a.40.2", Width: 160, Height: 120, FrameRate: "25"},
		{ID: "b", Init: "b/init.mp4", Media: "b/seg_$Number%05d$.m4s", Segments: 3, Bandwidth: 100000,
			Codecs: "avc1.42c00a,mp4a.40.2", Width: 96, Height: 72, FrameRate: "25"},
	}
}

func buildMPD(t *testing.T, dir string) string {
	t.Helper()
	m, err := Build(dir, renditions())
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "manifest.mpd")
	if err := WriteFile(p, m); err != nil {
		t.Fatal(err)
	}
	return p
}
