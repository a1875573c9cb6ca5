package ffprobe

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata fixtures, golden files and the fuzz seed corpus")

// mediaDir holds the clips generated for this test run; TestMain removes it.
var mediaDir string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "veza-ffprobe-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	mediaDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// Small lavfi sources: one second at 320x240 keeps every encode well under
// a second on a shared two-core machine.
const (
	vsrc = "testsrc2=s=320x240:r=25:d=1"
	asrc = "sine=f=440:d=1:sample_rate=48000"
)

func ffmpeg(args ...string) error {
	full := append([]string{"-v", "error", "-nostdin", "-y"}, args...)
	cmd := exec.Command("ffmpeg", full...)
	cmd.Env = append(os.Environ(), "SVT_LOG=1") // SVT-AV1 prints its config banner otherwise
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("ffmpeg %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

func hasEncoder(name string) bool {
	out, err := exec.Command("ffmpeg", "-hide_banner", "-encoders").Output()
	return err == nil && strings.Contains(string(out), " "+name+" ")
}

// recipes make each test clip at out. A recipe may use another clip, which
// is why the map is filled in init (media refers to it).
var recipes map[string]func(t testing.TB, out string) error

func init() { recipes = clipRecipes() }

func clipRecipes() map[string]func(t testing.TB, out string) error {
	return map[string]func(t testing.TB, out string) error{
		"h264_aac.mp4": func(t testing.TB, out string) error {
			// superfast keeps CABAC, so -profile:v high really is High (ultrafast
			// would give Constrained Baseline); -g 10 puts IDRs at 0, 0.4, 0.8 s.
			return ffmpeg("-f", "lavfi", "-i", vsrc, "-f", "lavfi", "-i", asrc,
				"-c:v", "libx264", "-preset", "superfast", "-profile:v", "high", "-g", "10", "-sc_threshold", "0",
				"-c:a", "aac", "-b:a", "64k", "-shortest", out)
		},
		"h264_aac.ts": func(t testing.TB, out string) error {
			return ffmpeg("-i", media(t, "h264_aac.mp4"), "-c", "copy", "-f", "mpegts", out)
		},
		"h264_faststart.mp4": func(t testing.TB, out string) error {
			return ffmpeg("-i", media(t, "h264_aac.mp4"), "-c", "copy", "-movflags", "+faststart", out)
		},
		"hevc10_opus.mkv": func(t testing.TB, out string) error {
			return ffmpeg("-f", "lavfi", "-i", vsrc, "-f", "lavfi", "-i", asrc,
				"-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le", "-x265-params", "log-level=error",
				"-c:a", "libopus", "-b:a", "32k", "-shortest", out)
		},
		"hevc.ts": func(t testing.TB, out string) error {
			return ffmpeg("-f", "lavfi", "-i", vsrc, "-c:v", "libx265", "-preset", "ultrafast",
				"-x265-params", "log-level=error", "-f", "mpegts", out)
		},
		"hevc_hev1.mp4": func(t testing.TB, out string) error {
			return ffmpeg("-i", media(t, "hevc.ts"), "-c", "copy", "-tag:v", "hev1", out)
		},
		"hevc_hvc1.mp4": func(t testing.TB, out string) error {
			return ffmpeg("-i", media(t, "hevc.ts"), "-c", "copy", "-tag:v", "hvc1", out)
		},
		"av1_10bit.webm": func(t testing.TB, out string) error {
			enc := []string{"-c:v", "libsvtav1", "-preset", "12"}
			if !hasEncoder("libsvtav1") {
				if !hasEncoder("libaom-av1") {
					t.Skip("no AV1 encoder (libsvtav1 or libaom-av1) in this ffmpeg")
				}
				enc = []string{"-c:v", "libaom-av1", "-cpu-used", "8", "-row-mt", "1"}
			}
			args := append([]string{"-f", "lavfi", "-i", vsrc, "-pix_fmt", "yuv420p10le"}, enc...)
			return ffmpeg(append(args, out)...)
		},
		"vp9.webm": func(t testing.TB, out string) error {
			return ffmpeg("-f", "lavfi", "-i", vsrc, "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "200k", out)
		},
		"audio.mp3": func(t testing.TB, out string) error {
			return ffmpeg("-f", "lavfi", "-i", asrc, "-c:a", "libmp3lame", "-b:a", "64k", out)
		},
		"cover.mp3": func(t testing.TB, out string) error {
			return ffmpeg("-f", "lavfi", "-i", asrc, "-f", "lavfi", "-i", "testsrc2=s=64x64:r=1:d=1",
				"-map", "0", "-map", "1", "-frames:v", "1", "-c:a", "libmp3lame", "-c:v", "png",
				"-disposition:v", "attached_pic", out)
		},
		"audio.flac": func(t testing.TB, out string) error {
			return ffmpeg("-f", "lavfi", "-i", asrc, "-c:a", "flac", out)
		},
		"vorbis.ogg": func(t testing.TB, out string) error {
			return ffmpeg("-f", "lavfi", "-i", asrc, "-c:a", "libvorbis", out)
		},
		"pcm.wav": func(t testing.TB, out string) error {
			return ffmpeg("-f", "lavfi", "-i", asrc, "-c:a", "pcm_s16le", out)
		},
		"eac3.mp4": func(t testing.TB, out string) error {
			return ffmpeg("-f", "lavfi", "-i", asrc, "-c:a", "eac3", "-b:a", "96k", out)
		},
		"rotated.mp4": func(t testing.TB, out string) error {
			// ffmpeg 5.1 has no -display_rotation; the legacy rotate tag becomes
			// a display matrix when stream-copied into MP4.
			return ffmpeg("-i", media(t, "h264_aac.mp4"), "-c", "copy", "-metadata:s:v:0", "rotate=90", out)
		},
		"anamorphic.mp4": func(t testing.TB, out string) error {
			return ffmpeg("-f", "lavfi", "-i", "testsrc2=s=720x576:r=25:d=0.4", "-vf", "setsar=64/45",
				"-c:v", "libx264", "-preset", "ultrafast", out)
		},
		"interlaced.ts": func(t testing.TB, out string) error {
			return ffmpeg("-f", "lavfi", "-i", "testsrc2=s=352x288:r=25:d=1", "-f", "lavfi", "-i", asrc,
				"-c:v", "mpeg2video", "-flags", "+ildct+ilme", "-top", "1", "-c:a", "ac3", "-b:a", "96k",
				"-shortest", "-f", "mpegts", out)
		},
		"vfr.mkv": func(t testing.TB, out string) error {
			// Drop every third frame and keep the timestamps: gaps of 40 and 80 ms.
			return ffmpeg("-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=2", "-vf", "select='not(eq(mod(n,3),1))'",
				"-fps_mode", "vfr", "-c:v", "libx264", "-preset", "ultrafast", out)
		},
		"cut_mid_gop.ts": func(t testing.TB, out string) error {
			// An MPEG-TS segment that starts in the middle of a GOP: drop the
			// first half of the packets of a stream with IDRs 1 s apart.
			ts := filepath.Join(filepath.Dir(out), "gop25.ts")
			if err := ffmpeg("-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=2", "-c:v", "libx264", "-preset", "superfast",
				"-g", "25", "-sc_threshold", "0", "-f", "mpegts", ts); err != nil {
				return err
			}
			b, err := os.ReadFile(ts)
			if err != nil {
				return err
			}
			n := len(b) / 188
			return os.WriteFile(out, b[188*(n/3):], 0o644)
		},
		"fmp4": func(t testing.TB, out string) error {
			// A directory with an fMP4 HLS rendition: init.mp4 and 0.4 s
			// segments, each starting on one of the clip's IDRs.
			if err := os.Mkdir(out, 0o755); err != nil {
				return err
			}
			return ffmpeg("-i", media(t, "h264_aac.mp4"), "-c", "copy", "-f", "hls", "-hls_time", "0.4",
				"-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4",
				"-hls_segment_filename", filepath.Join(out, "seg%d.m4s"), filepath.Join(out, "index.m3u8"))
		},
		"trunc_moov.mp4": func(t testing.TB, out string) error {
			// ffmpeg writes moov last without +faststart: cutting the file loses it.
			b, err := os.ReadFile(media(t, "h264_aac.mp4"))
			if err != nil {
				return err
			}
			return os.WriteFile(out, b[:len(b)/2], 0o644)
		},
		"trunc_mdat.mp4": func(t testing.TB, out string) error {
			b, err := os.ReadFile(media(t, "h264_faststart.mp4"))
			if err != nil {
				return err
			}
			return os.WriteFile(out, b[:len(b)*6/10], 0o644)
		},
		"text.txt": func(t testing.TB, out string) error {
			return os.WriteFile(out, []byte("this is not a video\njust some words\n"), 0o644)
		},
		"random.bin": func(t testing.TB, out string) error {
			// Fixed pseudo-random bytes (xorshift) so the test cannot flake on
			// bytes that happen to look like a format.
			b := make([]byte, 64<<10)
			x := uint32(2463534242)
			for i := range b {
				x ^= x << 13
				x ^= x >> 17
				x ^= x << 5
				b[i] = byte(x)
			}
			return os.WriteFile(out, b, 0o644)
		},
		"empty.mp4": func(t testing.TB, out string) error {
			return os.WriteFile(out, nil, 0o644)
		},
		"folder.mp4": func(t testing.TB, out string) error {
			return os.Mkdir(out, 0o755)
		},
	}
}

type clip struct {
	once sync.Once
	path string
	err  error
	skip string
}

var (
	clipMu sync.Mutex
	clips  = map[string]*clip{}
)

// media returns the path of a generated clip, making it once per test run.
func media(t testing.TB, name string) string {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatal("ffmpeg is needed to make test media (make test installs it)")
	}
	recipe, ok := recipes[name]
	if !ok {
		t.Fatalf("no recipe for %q", name)
	}
	clipMu.Lock()
	c := clips[name]
	if c == nil {
		c = &clip{}
		clips[name] = c
	}
	clipMu.Unlock()
	c.once.Do(func() {
		c.path = filepath.Join(mediaDir, name)
		st := &skipRecorder{TB: t}
		func() {
			defer func() {
				if r := recover(); r != nil && r != errSkipped {
					panic(r)
				}
			}()
			// Stays set if the recipe exits through t.Fatal.
			c.err = fmt.Errorf("making %s failed", name)
			c.err = recipe(st, c.path)
		}()
		c.skip = st.reason
	})
	if c.skip != "" {
		t.Skip(c.skip)
	}
	if c.err != nil {
		t.Fatal(c.err)
	}
	return c.path
}

// skipRecorder lets a recipe skip (no encoder) in a way every later test
// asking for the same clip also sees.
type skipRecorder struct {
	testing.TB
	reason string
}

var errSkipped = fmt.Errorf("clip skipped")

func (s *skipRecorder) Skip(args ...any) {
	s.reason = fmt.Sprint(args...)
	panic(errSkipped)
}
