package ffprobe

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestProbeBasic(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg not installed: cannot make test media")
	}
	clip := filepath.Join(t.TempDir(), "clip.mp4")
	out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=1",
		"-f", "lavfi", "-i", "sine=d=1", "-c:v", "libx264", "-preset", "superfast", "-profile:v", "high",
		"-c:a", "aac", "-shortest", clip).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	var p Prober
	r, err := p.Probe(context.Background(), clip)
	if err != nil {
		t.Fatal(err)
	}
	if v := r.Video(); v == nil || v.CodecString != "avc1.64000d" {
		t.Errorf("video = %+v", v)
	}
	if a := r.Audio(); a == nil || a.CodecString != "mp4a.40.2" {
		t.Errorf("audio = %+v", a)
	}
	if !r.Summary.Usable || r.Summary.DisplayWidth != 320 {
		t.Errorf("summary = %+v", r.Summary)
	}
}
