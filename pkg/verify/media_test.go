package verify

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/veza-media/veza/pkg/hls"
)

// Real HLS output made by ffmpeg from lavfi sources, built once per test run
// into testMediaDir and copied by the tests that damage it.
var (
	testMediaDir  string
	mediaOnce     sync.Once
	mediaErr      error
	testMediaRoot = map[string]string{} // fixture name -> folder
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "veza-hls-test-")
	if err != nil {
		panic(err)
	}
	testMediaDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func ffmpeg(dir string, args ...string) error {
	cmd := exec.Command("ffmpeg", append([]string{"-nostdin", "-v", "error", "-y"}, args...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return &ffmpegError{args: args, err: err, stderr: stderr.String()}
	}
	return nil
}

type ffmpegError struct {
	args   []string
	err    error
	stderr string
}

func (e *ffmpegError) Error() string {
	return "ffmpeg " + strings.Join(e.args, " ") + ": " + e.err.Error() + "\n" + e.stderr
}

// lavfi is 6 s of 320x240 testsrc2 at 24 fps and a sine tone.
var lavfi = []string{
	"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=24:duration=6",
	"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=6",
}

// fixtures builds the shared test media:
//
//	ladder/   two TS renditions (320x240, 160x120, each with AAC), 2 s
//	          segments, fixed GOP, and a master written by veza with CODECS
//	          taken from ffmpeg's own master and measured bandwidths;
//	fmp4/     one fMP4 rendition with its media playlist;
//	longgop/  TS segments cut with -c copy at 2 s from a 10 s GOP, so only
//	          the first starts with an IDR;
//	audio/    audio-only AAC in TS, whose durations ffprobe can only
//	          estimate.
func fixtures(t *testing.T) map[string]string {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatal("ffmpeg is needed on PATH for these tests (make deps installs it)")
	}
	mediaOnce.Do(func() { mediaErr = buildFixtures() })
	if mediaErr != nil {
		t.Fatal(mediaErr)
	}
	return testMediaRoot
}

func buildFixtures() error {
	ladder := filepath.Join(testMediaDir, "ladder")
	if err := os.MkdirAll(ladder, 0o755); err != nil {
		return err
	}
	args := append([]string{}, lavfi...)
	args = append(args,
		"-filter_complex", "[0:v]split=2[a][b];[b]scale=160:120[b2]",
		"-map", "[a]", "-map", "1:a", "-map", "[b2]", "-map", "1:a",
		"-c:v", "libx264", "-preset", "ultrafast", "-g", "48", "-keyint_min", "48", "-sc_threshold", "0",
		"-b:v:0", "300k", "-b:v:1", "100k", "-c:a", "aac", "-b:a", "64k",
		"-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod",
		"-hls_segment_filename", "v%v/seg%d.ts", "-var_stream_map", "v:0,a:0 v:1,a:1",
		"-master_pl_name", "ffmpeg-master.m3u8", "v%v/index.m3u8")
	if err := ffmpeg(ladder, args...); err != nil {
		return err
	}
	// CODECS come from ffmpeg's own master, a source independent of
	// pkg/ffprobe; veza's master adds what ffmpeg leaves out.
	ffm, err := hls.ReadMaster(filepath.Join(ladder, "ffmpeg-master.m3u8"))
	if err != nil {
		return err
	}
	os.Remove(filepath.Join(ladder, "ffmpeg-master.m3u8"))
	master := &hls.MasterPlaylist{Version: 3, IndependentSegments: true}
	for i, v := range ffm.Variants {
		media, err := hls.ReadMedia(filepath.Join(ladder, v.URI))
		if err != nil {
			return err
		}
		peak, avg, err := hls.MeasureBandwidth(media, filepath.Join(ladder, filepath.Dir(v.URI)))
		if err != nil {
			return err
		}
		master.Variants = append(master.Variants, hls.Variant{
			URI: v.URI, Bandwidth: peak, AverageBandwidth: avg, Codecs: v.Codecs,
			Resolution: [2]hls.Resolution{{Width: 320, Height: 240}, {Width: 160, Height: 120}}[i], FrameRate: 24,
		})
	}
	if err := hls.WriteMaster(filepath.Join(ladder, "master.m3u8"), master); err != nil {
		return err
	}
	testMediaRoot["ladder"] = ladder

	fmp4 := filepath.Join(testMediaDir, "fmp4")
	os.MkdirAll(fmp4, 0o755)
	args = append([]string{}, lavfi...)
	args = append(args, "-c:v", "libx264", "-preset", "ultrafast", "-g", "48", "-keyint_min", "48", "-sc_threshold", "0",
		"-c:a", "aac", "-b:a", "64k", "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod",
		"-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4", "-hls_segment_filename", "seg%d.m4s", "index.m3u8")
	if err := ffmpeg(fmp4, args...); err != nil {
		return err
	}
	testMediaRoot["fmp4"] = fmp4

	long := filepath.Join(testMediaDir, "longgop")
	os.MkdirAll(long, 0o755)
	if err := ffmpeg(long, "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=24:duration=6",
		"-c:v", "libx264", "-preset", "ultrafast", "-g", "240", "-an", "src.ts"); err != nil {
		return err
	}
	if err := ffmpeg(long, "-i", "src.ts", "-c", "copy", "-f", "segment", "-segment_time", "2", "-break_non_keyframes", "1",
		"-segment_list", "index.m3u8", "-segment_list_type", "m3u8", "seg%d.ts"); err != nil {
		return err
	}
	os.Remove(filepath.Join(long, "src.ts"))
	testMediaRoot["longgop"] = long

	audio := filepath.Join(testMediaDir, "audio")
	os.MkdirAll(audio, 0o755)
	if err := ffmpeg(audio, "-f", "lavfi", "-i", "sine=frequency=300:sample_rate=48000:duration=9", "-c:a", "aac", "-b:a", "64k",
		"-f", "hls", "-hls_time", "4", "-hls_playlist_type", "vod", "-hls_segment_filename", "a%d.ts", "index.m3u8"); err != nil {
		return err
	}
	testMediaRoot["audio"] = audio
	return nil
}

// copyFixture copies a fixture folder into a fresh temporary folder, to be
// damaged by one test.
func copyFixture(t *testing.T, name string) string {
	t.Helper()
	src := fixtures(t)[name]
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// edit rewrites a file of a copied fixture.
func edit(t *testing.T, path string, f func(string) string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := f(string(data))
	if out == string(data) {
		t.Fatalf("edit of %s changed nothing", path)
	}
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
}

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./pkg/verify -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}
