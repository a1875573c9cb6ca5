package live

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/layout"
	"github.com/veza-media/veza/pkg/verify"
)

var streamLines = []struct {
	line string
	want InputStream
	ok   bool
}{
	{"  Stream #0:0[0x100]: Video: h264 (High) ([27][0][0][0] / 0x001B), yuv420p(progressive), 320x240 [SAR 1:1 DAR 4:3], 25 fps, 25 tbr, 90k tbn",
		InputStream{Index: 0, Type: "video", Codec: "h264", Profile: "High", Width: 320, Height: 240, FrameRate: 25}, true},
	{"Stream #0:1[0x101]: Audio: aac (LC) ([15][0][0][0] / 0x000F), 48000 Hz, mono, fltp, 72 kb/s",
		InputStream{Index: 1, Type: "audio", Codec: "aac", Profile: "LC", SampleRate: 48000, Channels: "mono"}, true},
	{"Stream #0:0: Video: h264 (Constrained Baseline), yuv420p(tv, bt709, progressive), 1280x720, 29.97 fps, 29.97 tbr, 1k tbn",
		InputStream{Index: 0, Type: "video", Codec: "h264", Profile: "Constrained Baseline", Width: 1280, Height: 720, FrameRate: 29.97}, true},
	{"Stream #0:0[0x100]: Video: hevc (Main 10) (HEVC / 0x43564548), yuv420p10le(tv), 3840x2160, 50 fps, 50 tbr, 90k tbn",
		InputStream{Index: 0, Type: "video", Codec: "hevc", Profile: "Main 10", Width: 3840, Height: 2160, FrameRate: 50}, true},
	{"Stream #0:0: Video: av1 (libdav1d) (Main), yuv420p(tv, progressive), 640x360, 30 fps, 30 tbr, 1k tbn",
		InputStream{Index: 0, Type: "video", Codec: "av1", Profile: "Main", Width: 640, Height: 360, FrameRate: 30}, true},
	{"Stream #0:1(eng): Audio: opus, 48000 Hz, stereo, fltp",
		InputStream{Index: 1, Type: "audio", Codec: "opus", SampleRate: 48000, Channels: "stereo"}, true},
	{"Stream #0:1[0x101]: Audio: mp3 (mp3float) ([3][0][0][0] / 0x0003), 44100 Hz, stereo, fltp, 128 kb/s",
		InputStream{Index: 1, Type: "audio", Codec: "mp3", SampleRate: 44100, Channels: "stereo"}, true},
	{"Stream #0:2[0x102]: Audio: aac (HE-AACv2) ([15][0][0][0] / 0x000F), 44100 Hz, 5.1(side), fltp",
		InputStream{Index: 2, Type: "audio", Codec: "aac", Profile: "HE-AACv2", SampleRate: 44100, Channels: "5.1(side)"}, true},
	{"Stream #0:3[0x103]: Data: bin_data ([6][0][0][0] / 0x0006)",
		InputStream{Index: 3, Type: "data", Codec: "bin_data"}, true},
	{"Stream #0:0 -> #0:0 (h264 (native) -> h264 (libx264))", InputStream{}, false},
	{"Stream mapping:", InputStream{}, false},
	{"Stream #0:x: Video: h264", InputStream{}, false},
	{"Stream #0:0: Sound: pcm", InputStream{}, false},
	{"Stream #0:0: Video: ", InputStream{}, false},
	{"", InputStream{}, false},
}

func TestParseStreamLine(t *testing.T) {
	for _, tt := range streamLines {
		got, ok := ParseStreamLine(tt.line)
		if ok != tt.ok || (ok && !reflect.DeepEqual(got, tt.want)) {
			t.Errorf("ParseStreamLine(%q) = %+v, %v; want %+v, %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzParseStreamLine(f *testing.F) {
	for _, tt := range streamLines {
		f.Add(tt.line)
	}
	f.Fuzz(func(t *testing.T, line string) {
		s, ok := ParseStreamLine(line)
		if !ok {
			return
		}
		if s.Index < 0 || s.Width < 0 || s.Height < 0 || s.Type == "" || s.Codec == "" {
			t.Errorf("ParseStreamLine(%q) = %+v", line, s)
		}
		_ = s.String()
	})
}

// A report as ffmpeg 5.1 writes it (FFREPORT, level 32): only the input's
// streams are taken, not the output's nor the mapping.
const report = `ffmpeg started on 2026-11-21 at 10:48:08
Report written to "/tmp/x/ffmpeg-1.log"
Log level: 32
Command line:
ffmpeg -hide_banner -i "srt://127.0.0.1:19123?mode=listener" -f hls /tmp/x/w.m3u8
[info] Input #0, mpegts, from 'srt://127.0.0.1:19123?mode=listener':
[info]   Duration: N/A, start: 1.400000, bitrate: N/A
[info]   Program 1 
[info]     Metadata:
[info]       service_name    : Service01
[info]   Stream #0:0[0x100]: Video: h264 (Constrained Baseline) ([27][0][0][0] / 0x001B), yuv420p(progressive), 320x240 [SAR 1:1 DAR 4:3], 25 fps, 25 tbr, 90k tbn
[info]   Stream #0:1[0x101]: Audio: aac (LC) ([15][0][0][0] / 0x000F), 48000 Hz, mono, fltp, 72 kb/s
[info] Stream mapping:
[info]   Stream #0:0 -> #0:0 (h264 (native) -> h264 (libx264))
[info] Output #0, hls, to '/tmp/x/w.m3u8':
[info]   Stream #0:0: Video: h264, yuv420p(progressive), 320x240 [SAR 1:1 DAR 4:3], q=2-31, 25 fps, 90k tbn
`

func TestParseInputStreams(t *testing.T) {
	got := ParseInputStreams([]byte(report))
	if len(got) != 2 || got[0].String() != "h264 (Constrained Baseline) 320x240 25 fps" || got[1].String() != "aac (LC) 48000 Hz mono" {
		t.Errorf("got %v", got)
	}
	if got := ParseInputStreams([]byte("[info] ffmpeg started\n")); got != nil {
		t.Errorf("no input yet: got %v", got)
	}
	p := probeOf("srt://x", got)
	if !p.Summary.HasVideo || !p.Summary.HasAudio || p.Summary.DisplayWidth != 320 || len(p.Streams) != 2 || p.Streams[1].SampleRate != 48000 {
		t.Errorf("probeOf = %+v", p)
	}
}

func TestIsSourceAndTrackID(t *testing.T) {
	tests := []struct {
		in     string
		source bool
		track  string
	}{
		{"srt://0.0.0.0:9000?mode=listener", true, "srt-9000"},
		{"SRT://encoder.example:7001", true, "srt-7001"},
		{"udp://239.1.1.1:5000?pkt_size=1316", true, "udp-5000"},
		{"rtmp://0.0.0.0/live/Show_1", true, "rtmp-live-show-1"},
		{"rtmp://127.0.0.1:1936/app", true, "rtmp-1936-app"},
		{"-", true, "stdin"},
		{"talk.mp4", false, ""},
		{"http://example.com/live.m3u8", false, ""},
		{"file:udp://x", false, ""},
	}
	for _, tt := range tests {
		if got := IsSource(tt.in); got != tt.source {
			t.Errorf("IsSource(%q) = %v", tt.in, got)
		}
		if tt.source {
			if got := TrackIDFor(tt.in); got != tt.track {
				t.Errorf("TrackIDFor(%q) = %q, want %q", tt.in, got, tt.track)
			}
		}
	}
}

func TestInputFor(t *testing.T) {
	local := func(h string) bool { return h == "0.0.0.0" }
	tests := []struct {
		in, path string
		args     string
	}{
		{"udp://127.0.0.1:5000", "udp://127.0.0.1:5000?timeout=10000000&overrun_nonfatal=1", "-analyzeduration 1000000"},
		{"udp://127.0.0.1:5000?timeout=5&pkt_size=1316", "udp://127.0.0.1:5000?timeout=5&pkt_size=1316&overrun_nonfatal=1", "-analyzeduration 1000000"},
		// A streamid is passed as written, not re-encoded.
		{"srt://0.0.0.0:9000?mode=listener&streamid=#!::r=live", "srt://0.0.0.0:9000?mode=listener&streamid=#!::r=live&timeout=10000000", "-analyzeduration 1000000"},
		{"rtmp://0.0.0.0/live/key", "rtmp://0.0.0.0/live/key", "-analyzeduration 1000000 -listen 1 -rw_timeout 10000000"},
		{"rtmp://media.example/live/key", "rtmp://media.example/live/key", "-analyzeduration 1000000 -rw_timeout 10000000"},
		{"-", "-", "-analyzeduration 1000000"},
	}
	for _, tt := range tests {
		path, args, err := inputFor(tt.in, 10*time.Second, local)
		if err != nil || path != tt.path || strings.Join(args, " ") != tt.args {
			t.Errorf("inputFor(%q) = %q, %q, %v; want %q, %q", tt.in, path, args, err, tt.path, tt.args)
		}
	}
	if !isLocalHost("127.0.0.1") || !isLocalHost("") || !isLocalHost("::") || isLocalHost("192.0.2.55") || isLocalHost("example.com") {
		t.Error("isLocalHost")
	}
}

func TestLimiter(t *testing.T) {
	check := func(t *testing.T, a, b *Limiter) {
		r1, err := a.Acquire()
		if err != nil {
			t.Fatal(err)
		}
		r2, err := b.Acquire()
		if err != nil {
			t.Fatal(err)
		}
		_, err = a.Acquire()
		if !errors.Is(err, ErrCapacity) || err.Error() != "capacity reached: 2 live jobs running" {
			t.Fatalf("third job: %v", err)
		}
		r1()
		r1() // twice does not free two slots
		r3, err := b.Acquire()
		if err != nil {
			t.Fatalf("after a release: %v", err)
		}
		if _, err := a.Acquire(); !errors.Is(err, ErrCapacity) {
			t.Fatalf("a double release freed a second slot: %v", err)
		}
		r2()
		r3()
	}
	t.Run("process", func(t *testing.T) {
		l := NewLimiter(2)
		check(t, l, l)
	})
	t.Run("shared folder", func(t *testing.T) {
		// Two limiters on one folder stand for two processes.
		dir := filepath.Join(t.TempDir(), "slots")
		check(t, NewSharedLimiter(dir, 2), NewSharedLimiter(dir, 2))
	})
	t.Run("concurrent", func(t *testing.T) {
		l := NewLimiter(3)
		var wg sync.WaitGroup
		var mu sync.Mutex
		got := 0
		for range 20 {
			wg.Go(func() {
				if _, err := l.Acquire(); err == nil {
					mu.Lock()
					got++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if got != 3 {
			t.Errorf("%d jobs got a slot of 3", got)
		}
	})
	if _, err := NewLimiter(0).Acquire(); !errors.Is(err, ErrCapacity) {
		t.Errorf("a limiter of 0 admitted a job")
	}
}

func TestLateL2(t *testing.T) {
	for _, tt := range []struct {
		f    verify.Finding
		late bool
	}{
		{verify.Finding{Rule: "L2", Measured: "0.32 s", Expected: "0.5–1.5 s"}, false},
		{verify.Finding{Rule: "L2", Measured: "1.80 s", Expected: "0.5–1.5 s"}, true},
		{verify.Finding{Rule: "L2", Measured: "> 1.6 s", Expected: "≤ 1.5 s"}, true},
		{verify.Finding{Rule: "L3", Measured: "> 1.6 s"}, false},
	} {
		if got := lateL2(tt.f); got != tt.late {
			t.Errorf("lateL2(%+v) = %v", tt.f, got)
		}
	}
}

// TestConfigRefusesEscapingTrackIDs: a chosen track or rendition names a
// folder under OutDir; "../x" would write and delete beside it.
func TestConfigRefusesEscapingTrackIDs(t *testing.T) {
	db, err := catalog.Open(filepath.Join(t.TempDir(), layout.CatalogName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []Config{
		{Input: "udp://127.0.0.1:9", OutDir: "out", TrackID: "../x"},
		{Input: "udp://127.0.0.1:9", OutDir: "out", TrackID: "a/b"},
		{Input: "udp://127.0.0.1:9", OutDir: "out", Rendition: "../../etc"},
	} {
		c.Catalog = db
		if err := c.defaults(); !errors.Is(err, catalog.ErrBadTrackID) {
			t.Errorf("%+v: %v, want ErrBadTrackID", c, err)
		}
	}
	ok := Config{Input: "udp://127.0.0.1:9", OutDir: "out", TrackID: "cam-1", Catalog: db}
	if err := ok.defaults(); err != nil {
		t.Errorf("cam-1: %v", err)
	}
}
