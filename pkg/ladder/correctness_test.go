package ladder

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/veza-media/veza/pkg/verify"
)

// TestLaddersPassVerify builds ladders from awkward sources and checks that
// veza verify finds no MUST failure in any of them (the correctness bar of
// `veza ladder`). Sources are tiny so the whole table stays quick.
func TestLaddersPassVerify(t *testing.T) {
	if testing.Short() {
		t.Skip("encodes a dozen ladders; skipped with -short")
	}
	small := Ladder{Name: "small", Rungs: []Rung{
		{Name: "360p", Height: 360, Bitrate: 400, AudioBitrate: 64},
		{Name: "180p", Height: 180, Bitrate: 150, AudioBitrate: 64},
	}}
	audio, _ := Builtin("audio")
	v := "testsrc2=size=%s:rate=%s:duration=3"
	a := "sine=frequency=440:sample_rate=48000:duration=3"
	x264 := []string{"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"}
	cases := []struct {
		name   string
		file   string
		args   []string
		ladder Ladder
		// wantW x wantH is the top rendition's size.
		wantW, wantH int
	}{
		{"landscape 640x360 H.264+AAC", "land.mp4", append([]string{"-f", "lavfi", "-i", fmt.Sprintf(v, "640x360", "30"), "-f", "lavfi", "-i", a}, append(x264, "-c:a", "aac", "-shortest")...), small, 640, 360},
		{"anamorphic 720x576 SAR 64:45", "ana.mp4", append([]string{"-f", "lavfi", "-i", fmt.Sprintf(v, "720x576", "25"), "-f", "lavfi", "-i", a, "-vf", "setsar=64/45"}, append(x264, "-c:a", "aac", "-shortest")...), small, 640, 360},
		{"portrait 360x640", "portrait.mp4", append([]string{"-f", "lavfi", "-i", fmt.Sprintf(v, "360x640", "30"), "-f", "lavfi", "-i", a}, append(x264, "-c:a", "aac", "-shortest")...), small, 360, 640},
		{"rotated phone clip", "rot.mp4", append([]string{"-f", "lavfi", "-i", fmt.Sprintf(v, "640x360", "30"), "-f", "lavfi", "-i", a}, append(x264, "-c:a", "aac", "-shortest")...), small, 360, 640},
		{"VFR", "vfr.mkv", append([]string{"-f", "lavfi", "-i", fmt.Sprintf(v, "320x240", "30"), "-vf", "select='not(eq(mod(n\\,7)\\,3))'", "-fps_mode", "vfr"}, x264...), small, 320, 240},
		{"interlaced MPEG-2", "inter.ts", []string{"-f", "lavfi", "-i", fmt.Sprintf(v, "720x576", "25"), "-f", "lavfi", "-i", a, "-c:v", "mpeg2video", "-flags", "+ildct+ilme", "-top", "1", "-c:a", "mp2", "-shortest"}, small, 450, 360},
		{"video only", "novideo.mp4", append([]string{"-f", "lavfi", "-i", fmt.Sprintf(v, "320x240", "24")}, x264...), small, 320, 240},
		{"audio only MP3", "a.mp3", []string{"-f", "lavfi", "-i", a, "-c:a", "libmp3lame"}, audio, 0, 0},
		{"audio only WAV", "a.wav", []string{"-f", "lavfi", "-i", a}, audio, 0, 0},
		{"audio only Opus", "a.opus", []string{"-f", "lavfi", "-i", a, "-c:a", "libopus"}, audio, 0, 0},
		{"0.4 s clip", "short.mp4", append([]string{"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=0.4", "-f", "lavfi", "-i", "sine=duration=0.4"}, append(x264, "-c:a", "aac", "-shortest")...), small, 320, 240},
	}
	media(t, "av.mp4") // ffmpeg present, shared media dir made
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := filepath.Join(t.TempDir(), c.file)
			args := append([]string{"-hide_banner", "-loglevel", "error", "-y"}, c.args...)
			if out, err := exec.Command("ffmpeg", append(args, in)...).CombinedOutput(); err != nil {
				t.Fatalf("making source: %v: %s", err, out)
			}
			if c.file == "rot.mp4" {
				// ffmpeg 5.1 turns a rotate tag into a display matrix only
				// when remuxing.
				rot := filepath.Join(filepath.Dir(in), "rotated.mp4")
				if out, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-i", in, "-c", "copy", "-metadata:s:v:0", "rotate=90", rot).CombinedOutput(); err != nil {
					t.Fatalf("rotating: %v: %s", err, out)
				}
				in = rot
			}
			out := t.TempDir()
			db := openCatalog(t, out)
			res, err := Run(context.Background(), Config{Input: in, OutDir: out, Catalog: db, Ladder: c.ladder, SegmentTime: 2, Encoding: Encoding{Preset: "ultrafast"}})
			if err != nil {
				t.Fatal(err)
			}
			if top := res.Variants[0]; top.Width != c.wantW || top.Height != c.wantH {
				t.Errorf("top rendition %dx%d, want %dx%d", top.Width, top.Height, c.wantW, c.wantH)
			}
			rep, err := verify.HLS(context.Background(), res.Master, verify.Options{RequireIFrames: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range rep.Playlists {
				for _, f := range p.Findings {
					if f.Severity == verify.Must {
						t.Errorf("%s %s %s: %s", f.Rule, f.Playlist, f.Segment, f.Message)
					}
				}
			}
		})
	}
}
