package ladder

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/veza-media/veza/pkg/ffprobe"
)

// TestDescribeTSMatchesFFprobe makes MPEG-TS segments like the renditions
// a ladder writes (H.264 at cropped and uneven sizes, AAC mono, stereo and
// 5.1, MP3, audio alone) and checks that the in-process reading says what
// ffprobe says about them.
func TestDescribeTSMatchesFFprobe(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatal("ffmpeg is required for this test (make test installs it)")
	}
	cases := []struct {
		name string
		args []string
	}{
		{"1080p high + stereo AAC", []string{"-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=10:duration=0.5",
			"-f", "lavfi", "-i", "sine=duration=0.5", "-ac", "2", "-c:v", "libx264", "-profile:v", "high", "-c:a", "aac"}},
		{"854x480 + mono AAC", []string{"-f", "lavfi", "-i", "testsrc2=size=854x480:rate=10:duration=0.5",
			"-f", "lavfi", "-i", "sine=duration=0.5", "-c:v", "libx264", "-c:a", "aac"}},
		{"5.1 AAC alone", []string{"-f", "lavfi", "-i", "sine=duration=0.5", "-af", "aformat=channel_layouts=5.1", "-c:a", "aac"}},
		{"MP3 stereo alone", []string{"-f", "lavfi", "-i", "sine=duration=0.5", "-ac", "2", "-c:a", "libmp3lame"}},
		{"video alone 426x240", []string{"-f", "lavfi", "-i", "testsrc2=size=426x240:rate=10:duration=0.5", "-c:v", "libx264"}},
	}
	dir := t.TempDir()
	p := &ffprobe.Prober{}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("%d.ts", i))
			args := slices.Concat([]string{"-nostdin", "-v", "error", "-y"}, c.args, []string{"-preset", "ultrafast", "-f", "mpegts", path})
			if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
				t.Fatalf("ffmpeg: %v\n%s", err, out)
			}
			got, err := describeTS(path)
			if err != nil {
				t.Fatal(err)
			}
			want, err := probeDescription(context.Background(), p, path)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("headers say %+v, ffprobe %+v", got, want)
			}
		})
	}
}

// TestDescribeTSRefuses sends what the headers cannot explain to ffprobe.
func TestDescribeTSRefuses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ac3.ts")
	out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=duration=0.3",
		"-c:a", "ac3", "-f", "mpegts", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	if d, err := describeTS(path); err == nil {
		t.Fatalf("AC-3 described in process as %+v; it should go to ffprobe", d)
	}
	if _, err := describeTS(filepath.Join(t.TempDir(), "missing.ts")); err == nil {
		t.Fatal("a missing segment gave no error")
	}
}
