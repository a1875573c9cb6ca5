package mpegts

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/veza-media/veza/pkg/ffprobe"
)

// TestStartsWithKeyframe compares the in-process check with ffprobe's
// first decoded frame on segments made by ffmpeg.
func TestStartsWithKeyframe(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatal("ffmpeg is needed on PATH for these tests (make deps installs it)")
	}
	dir := t.TempDir()
	src := []string{"-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=2", "-f", "lavfi", "-i", "sine=duration=2"}
	cases := []struct {
		name string
		args []string
		want bool
		err  error
	}{
		{"h264-idr.ts", append(append([]string{}, src...), "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest"), true, nil},
		// Dropping the IDR NAL units leaves a first picture that is not one.
		{"h264-no-idr.ts", append(append([]string{}, src...), "-c:v", "libx264", "-preset", "ultrafast", "-bsf:v", "filter_units=remove_types=5", "-an"), false, nil},
		{"hevc-irap.ts", append(append([]string{}, src[:4]...), "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error"), true, nil},
		{"audio.ts", []string{"-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac"}, false, ErrNoVideo},
	}
	p := &ffprobe.Prober{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name)
			args := append([]string{"-nostdin", "-v", "error", "-y"}, c.args...)
			if out, err := exec.Command("ffmpeg", append(args, path)...).CombinedOutput(); err != nil {
				t.Fatalf("ffmpeg: %v\n%s", err, out)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got, err := StartsWithKeyframe(b)
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("err %v, want %v", err, c.err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("keyframe %v err %v, want %v", got, err, c.want)
			}
			if c.want {
				// ffprobe agrees (it cannot decode the IDR-less file).
				f, err := p.FirstFrame(context.Background(), path)
				if err != nil || f.KeyFrame != got {
					t.Errorf("ffprobe says %+v (%v)", f, err)
				}
			}
		})
	}
	for name, b := range map[string][]byte{"empty": nil, "text": []byte("not a transport stream at all, just words"), "short": {0x47, 0, 0}} {
		if _, err := StartsWithKeyframe(b); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func FuzzStartsWithKeyframe(f *testing.F) {
	f.Add([]byte{})
	pkt := make([]byte, 188*3)
	for i := 0; i < 3; i++ {
		pkt[i*188] = 0x47
	}
	pkt[1], pkt[3] = 0x40, 0x10 // PUSI on PID 0 with payload
	f.Add(pkt)
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = StartsWithKeyframe(b) // must not panic
	})
}
