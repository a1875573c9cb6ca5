package testmedia

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// DamagedTS writes an MPEG-TS of secs seconds (320x240 H.264 at 1.5 Mbit/s
// and AAC) to dir with 200 KB of its middle overwritten by random bytes, as
// a bad disk or a broken transfer leaves it, and returns its path. ffmpeg
// decodes it with errors and exits 0.
func DamagedTS(t testing.TB, dir string, secs int) string {
	t.Helper()
	src := encodeTS(t, dir, secs)
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	mid := len(data)/2 + 37
	for i := mid; i < mid+200<<10 && i < len(data); i++ {
		data[i] = byte(rng.Uint32())
	}
	out := filepath.Join(dir, "damaged.ts")
	if err := os.WriteFile(out, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// ShortMKV writes a Matroska file whose header says secs seconds and whose
// second half is missing, and returns its path.
func ShortMKV(t testing.TB, dir string, secs int) string {
	t.Helper()
	src := encodeTS(t, dir, secs)
	mkv := filepath.Join(dir, "whole.mkv")
	run(t, "-i", src, "-c", "copy", mkv)
	whole, err := os.ReadFile(mkv)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "short.mkv")
	if err := os.WriteFile(out, whole[:len(whole)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

func encodeTS(t testing.TB, dir string, secs int) string {
	src := filepath.Join(dir, "clean-"+strconv.Itoa(secs)+".ts")
	if _, err := os.Stat(src); err == nil {
		return src
	}
	d := strconv.Itoa(secs)
	run(t, "-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d="+d, "-f", "lavfi", "-i", "sine=d="+d,
		"-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-b:v", "1500k", "-c:a", "aac", "-f", "mpegts", src)
	return src
}

func run(t testing.TB, args ...string) {
	t.Helper()
	args = append([]string{"-v", "error", "-nostdin", "-y"}, args...)
	if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, out)
	}
}
