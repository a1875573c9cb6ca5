package verify

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/veza-media/veza/pkg/dash"
)

// Real fMP4 output of ffmpeg's HLS muxer, built once per test run into
// testMediaDir/dash.
var (
	dashOnce sync.Once
	dashErr  error
)

// fixture returns a fresh copy of a track folder holding two fMP4
// renditions (a/ 160x120 and b/ 96x72, AAC muxed in, 2 s segments of a
// 5 s clip) as ffmpeg's HLS muxer writes them.
func dashFixture(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatal("ffmpeg is needed on PATH for these tests (make deps installs it)")
	}
	dashOnce.Do(func() { dashErr = buildDashFixture(filepath.Join(testMediaDir, "dash")) })
	if dashErr != nil {
		t.Fatal(dashErr)
	}
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(filepath.Join(testMediaDir, "dash"))); err != nil {
		t.Fatal(err)
	}
	return dst
}

func buildDashFixture(dir string) error {
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
func renditions() []dash.Rendition {
	return []dash.Rendition{
		{ID: "a", Init: "a/init.mp4", Media: "a/seg_$Number%05d$.m4s", Segments: 3, Bandwidth: 200000,
			Codecs: "avc1.42c00c,mp4a.40.2", Width: 160, Height: 120, FrameRate: "25"},
		{ID: "b", Init: "b/init.mp4", Media: "b/seg_$Number%05d$.m4s", Segments: 3, Bandwidth: 100000,
			Codecs: "avc1.42c00a,mp4a.40.2", Width: 96, Height: 72, FrameRate: "25"},
	}
}

func buildMPD(t *testing.T, dir string) string {
	t.Helper()
	m, err := dash.Build(dir, renditions())
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "manifest.mpd")
	if err := dash.WriteFile(p, m); err != nil {
		t.Fatal(err)
	}
	return p
}

func verifyRules(t *testing.T, path string) ([]string, string) {
	t.Helper()
	rep, err := DASH(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	var rules []string
	var b strings.Builder
	for _, p := range rep.Playlists {
		for _, f := range p.Findings {
			rules = append(rules, f.Rule)
			fmt.Fprintf(&b, "%s %s: %s\n", f.Rule, f.Segment, f.Message)
		}
	}
	return rules, b.String()
}

// TestVerifyDamage breaks the MPD or its files one way at a time and
// expects the rule that catches it.
func TestVerifyDamage(t *testing.T) {
	for _, tc := range []struct {
		name string
		rule string
		harm func(t *testing.T, dir, mpd string)
	}{
		{"missing segment", RuleD2, func(t *testing.T, dir, _ string) { os.Remove(filepath.Join(dir, "b", "seg_00001.m4s")) }},
		{"empty init", RuleD2, func(t *testing.T, dir, _ string) { os.WriteFile(filepath.Join(dir, "a", "init.mp4"), nil, 0o644) }},
		{"duration off by a second", RuleD3, func(t *testing.T, _, mpd string) { replaceIn(t, mpd, `<S d="12800"/>`, `<S d="14000"/>`, 1) }},
		{"presentation too long", RuleD4, func(t *testing.T, _, mpd string) {
			replaceIn(t, mpd, `mediaPresentationDuration="PT5S"`, `mediaPresentationDuration="PT6S"`, 1)
		}},
		{"codecs lie", RuleD5, func(t *testing.T, _, mpd string) {
			replaceIn(t, mpd, `codecs="avc1.42c00c,mp4a.40.2"`, `codecs="hvc1.1.6.L93.B0,mp4a.40.2"`, 1)
		}},
		{"codecs miss audio", RuleD5, func(t *testing.T, _, mpd string) {
			replaceIn(t, mpd, `codecs="avc1.42c00c,mp4a.40.2"`, `codecs="avc1.42c00c"`, 1)
		}},
		{"segment not fMP4", RuleD3, func(t *testing.T, dir, _ string) {
			os.WriteFile(filepath.Join(dir, "a", "seg_00002.m4s"), []byte("\x00\x00\x00\x10mdatxxxxxxxx"), 0o644)
		}},
		{"not an MPD", RuleD1, func(t *testing.T, _, mpd string) { os.WriteFile(mpd, []byte("#EXTM3U\n"), 0o644) }},
		{"no template", RuleD1, func(t *testing.T, _, mpd string) {
			b := string(mustRead(t, mpd))
			i, j := strings.Index(b, "<SegmentTemplate"), strings.Index(b, "</SegmentTemplate>")
			os.WriteFile(mpd, []byte(b[:i]+b[j+len("</SegmentTemplate>"):]), 0o644)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := dashFixture(t)
			mpd := buildMPD(t, dir)
			tc.harm(t, dir, mpd)
			rules, msgs := verifyRules(t, mpd)
			if !slices.Contains(rules, tc.rule) {
				t.Errorf("want %s, got %v:\n%s", tc.rule, rules, msgs)
			}
		})
	}
}

// replaceIn replaces old with new in file p, n times, failing when old is
// missing.
func replaceIn(t *testing.T, p, old, new string, n int) {
	t.Helper()
	b := string(mustRead(t, p))
	if !strings.Contains(b, old) {
		t.Fatalf("%s lacks %q:\n%s", p, old, b)
	}
	if err := os.WriteFile(p, []byte(strings.Replace(b, old, new, n)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyFolder(t *testing.T) {
	dir := dashFixture(t)
	buildMPD(t, dir)
	if _, err := DASH(t.Context(), filepath.Join(dir, "a")); err == nil {
		t.Error("a folder without an MPD verified")
	}
	rep, err := DASH(t.Context(), dir)
	if err != nil || len(rep.Playlists) != 1 || rep.Playlists[0].Variants != 2 || rep.Segments() != 6 || rep.Failed() {
		t.Errorf("folder: %+v, %v", rep, err)
	}
	if _, err := DASH(t.Context(), filepath.Join(dir, "nope.mpd")); err == nil {
		t.Error("a missing MPD verified")
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
