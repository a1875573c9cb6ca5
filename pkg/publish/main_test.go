package publish

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var fixture struct {
	once sync.Once
	dir  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixture.dir != "" {
		os.RemoveAll(fixture.dir)
	}
	os.Exit(code)
}

// outputFolder copies a small veza-like output folder into a fresh temp dir
// and returns it: OUT/film/master.m3u8 naming 360p (MPEG-TS, AES-128 with
// the key at film/key_00000.key) and 180p (fMP4 with init.mp4), plus
// OUT/veza.db. ffmpeg makes it once per test binary.
func outputFolder(t *testing.T) string {
	t.Helper()
	fixture.once.Do(func() { fixture.dir, fixture.err = makeOutput() })
	if fixture.err != nil {
		t.Fatal(fixture.err)
	}
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(fixture.dir)); err != nil {
		t.Fatal(err)
	}
	return dst
}

func makeOutput() (string, error) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		return "", fmt.Errorf("ffmpeg is needed on PATH for this test (make deps installs it)")
	}
	out, err := os.MkdirTemp("", "veza-publish-")
	if err != nil {
		return "", err
	}
	film := filepath.Join(out, "film")
	for _, d := range []string{"360p", "180p"} {
		if err := os.MkdirAll(filepath.Join(film, d), 0o755); err != nil {
			return "", err
		}
	}
	key := []byte("0123456789abcdef")
	if err := os.WriteFile(filepath.Join(film, "key_00000.key"), key, 0o600); err != nil {
		return "", err
	}
	info := "../key_00000.key\n" + filepath.Join(film, "key_00000.key") + "\n"
	if err := os.WriteFile(filepath.Join(out, "keyinfo.txt"), []byte(info), 0o600); err != nil {
		return "", err
	}
	src := []string{"-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=24:duration=6",
		"-f", "lavfi", "-i", "sine=duration=6", "-c:v", "libx264", "-preset", "ultrafast", "-g", "24",
		"-keyint_min", "24", "-sc_threshold", "0", "-c:a", "aac", "-f", "hls", "-hls_time", "1",
		"-hls_playlist_type", "vod"}
	runs := [][]string{
		append(append([]string{}, src...), "-hls_key_info_file", filepath.Join(out, "keyinfo.txt"),
			"-hls_segment_filename", "seg_%05d.ts", "index.m3u8"),
		append(append([]string{}, src...), "-s", "96x72", "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4",
			"-hls_segment_filename", "seg_%05d.m4s", "index.m3u8"),
	}
	for i, dir := range []string{"360p", "180p"} {
		cmd := exec.Command("ffmpeg", runs[i]...)
		cmd.Dir = filepath.Join(film, dir)
		if b, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("ffmpeg: %v\n%s", err, b)
		}
	}
	if err := os.Remove(filepath.Join(out, "keyinfo.txt")); err != nil {
		return "", err
	}
	master := "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n" +
		"#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=160x120,CODECS=\"avc1.42c00c,mp4a.40.2\"\n360p/index.m3u8\n" +
		"#EXT-X-STREAM-INF:BANDWIDTH=200000,RESOLUTION=96x72,CODECS=\"avc1.42c00b,mp4a.40.2\"\n180p/index.m3u8\n"
	if err := os.WriteFile(filepath.Join(film, "master.m3u8"), []byte(master), 0o644); err != nil {
		return "", err
	}
	// The catalog and a log are never published.
	for _, name := range []string{"veza.db", "film/ladder.log"} {
		if err := os.WriteFile(filepath.Join(out, name), []byte("not media"), 0o644); err != nil {
			return "", err
		}
	}
	return out, nil
}

// localFiles lists the files under dir as slash paths.
func localFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		r, _ := filepath.Rel(dir, p)
		out = append(out, filepath.ToSlash(r))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
