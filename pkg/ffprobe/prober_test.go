package ffprobe

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func probe(t *testing.T, name string) *Result {
	t.Helper()
	var p Prober
	r, err := p.Probe(context.Background(), media(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestProbeCodecStrings checks the RFC 6381 strings of real encodes. The
// expected values were worked out from the encoder settings: x264 High at
// 320x240@25 is level 1.3 (0x0d); x265 picks level 2 (60) and sets the
// progressive and frame-only constraint flags (0x90); SVT-AV1 at that size is
// seq_level_idx 0; VP9 320x240@25 fits level 2.0.
func TestProbeCodecStrings(t *testing.T) {
	tests := []struct {
		clip  string
		want  []string // codec strings, stream order
		codec []string
	}{
		{"h264_aac.mp4", []string{"avc1.64000d", "mp4a.40.2"}, []string{"h264", "aac"}},
		// MPEG-TS: Annex-B SPS in the extradata, AAC from ADTS.
		{"h264_aac.ts", []string{"avc1.64000d", "mp4a.40.2"}, []string{"h264", "aac"}},
		{"hevc10_opus.mkv", []string{"hvc1.2.4.L60.90", "opus"}, []string{"hevc", "opus"}},
		{"hevc.ts", []string{"hvc1.1.6.L60.90"}, []string{"hevc"}},
		{"hevc_hev1.mp4", []string{"hev1.1.6.L60.90"}, []string{"hevc"}},
		{"hevc_hvc1.mp4", []string{"hvc1.1.6.L60.90"}, []string{"hevc"}},
		{"av1_10bit.webm", []string{"av01.0.00M.10"}, []string{"av1"}},
		{"vp9.webm", []string{"vp09.00.20.08"}, []string{"vp9"}},
		{"audio.mp3", []string{"mp4a.40.34"}, []string{"mp3"}},
		{"audio.flac", []string{"fLaC"}, []string{"flac"}},
		{"vorbis.ogg", []string{"vorbis"}, []string{"vorbis"}},
		{"pcm.wav", []string{""}, []string{"pcm_s16le"}},
		{"eac3.mp4", []string{"ec-3"}, []string{"eac3"}},
		{"interlaced.ts", []string{"mp4v.61", "ac-3"}, []string{"mpeg2video", "ac3"}},
	}
	for _, tt := range tests {
		t.Run(tt.clip, func(t *testing.T) {
			r := probe(t, tt.clip)
			var got, codecs []string
			for _, s := range r.Streams {
				got = append(got, s.CodecString)
				codecs = append(codecs, s.Codec)
			}
			if !slices.Equal(got, tt.want) || !slices.Equal(codecs, tt.codec) {
				t.Errorf("codecs %q strings %q, want %q %q", codecs, got, tt.codec, tt.want)
			}
			if !r.Summary.Usable {
				t.Errorf("not usable: %q", r.Summary.Problems)
			}
		})
	}
}

func TestProbeH264AAC(t *testing.T) {
	r := probe(t, "h264_aac.mp4")
	v, a := r.Video(), r.Audio()
	if v == nil || a == nil {
		t.Fatalf("video %v audio %v", v, a)
	}
	if v.Width != 320 || v.Height != 240 || v.FrameRate != 25 || v.VFR || v.Interlaced || v.BitDepth != 8 || v.Profile != "High" || v.Level != 13 {
		t.Errorf("video = %+v", *v)
	}
	if a.SampleRate != 48000 || a.Channels != 1 || a.BitRate == 0 {
		t.Errorf("audio = %+v", *a)
	}
	s := r.Summary
	if !s.HasVideo || !s.HasAudio || s.DisplayWidth != 320 || s.DisplayHeight != 240 || s.Duration < 0.9 || s.Duration > 1.1 || !s.Usable || len(s.Warnings) != 0 {
		t.Errorf("summary = %+v", s)
	}
	if !strings.Contains(r.Format.Name, "mp4") || r.Format.Size == 0 || r.Input != media(t, "h264_aac.mp4") {
		t.Errorf("format = %+v, input %q", r.Format, r.Input)
	}
}

func TestProbeHEVC10(t *testing.T) {
	v := probe(t, "hevc10_opus.mkv").Video()
	if v.BitDepth != 10 || v.PixFmt != "yuv420p10le" || v.Profile != "Main 10" {
		t.Errorf("video = %+v", *v)
	}
}

func TestProbeGeometry(t *testing.T) {
	t.Run("rotated", func(t *testing.T) {
		r := probe(t, "rotated.mp4")
		if v := r.Video(); v.Rotation != 90 || v.Width != 320 {
			t.Errorf("rotation %d width %d", v.Rotation, v.Width)
		}
		if r.Summary.DisplayWidth != 240 || r.Summary.DisplayHeight != 320 {
			t.Errorf("display %dx%d, want 240x320", r.Summary.DisplayWidth, r.Summary.DisplayHeight)
		}
	})
	t.Run("anamorphic", func(t *testing.T) {
		r := probe(t, "anamorphic.mp4")
		v := r.Video()
		if v.SAR != "64:45" || v.DAR != "16:9" || v.Width != 720 || v.Height != 576 {
			t.Errorf("sar %q dar %q %dx%d", v.SAR, v.DAR, v.Width, v.Height)
		}
		if r.Summary.DisplayWidth != 1024 || r.Summary.DisplayHeight != 576 {
			t.Errorf("display %dx%d, want 1024x576", r.Summary.DisplayWidth, r.Summary.DisplayHeight)
		}
	})
	t.Run("interlaced", func(t *testing.T) {
		r := probe(t, "interlaced.ts")
		v := r.Video()
		if !v.Interlaced || v.FieldOrder != "tt" {
			t.Errorf("interlaced %v field order %q", v.Interlaced, v.FieldOrder)
		}
		if !slices.ContainsFunc(r.Summary.Warnings, func(w string) bool { return strings.HasPrefix(w, "interlaced") }) {
			t.Errorf("warnings %q", r.Summary.Warnings)
		}
	})
	t.Run("vfr", func(t *testing.T) {
		r := probe(t, "vfr.mkv")
		if v := r.Video(); !v.VFR {
			t.Errorf("VFR not detected: r=%s avg=%s", v.RFrameRate, v.AvgFrameRate)
		}
		if cfr := probe(t, "h264_aac.mp4").Video(); cfr.VFR {
			t.Error("constant frame rate clip reported as VFR")
		}
	})
	t.Run("cover art", func(t *testing.T) {
		r := probe(t, "cover.mp3")
		if len(r.Streams) != 2 || r.Video() != nil || r.Summary.HasVideo || !r.Summary.HasAudio || !r.Streams[1].AttachedPic {
			t.Errorf("streams %+v summary %+v", r.Streams, r.Summary)
		}
	})
}

func TestProbeBadInputs(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.mp4")
	tests := []struct {
		path, want string
		is         error
	}{
		{media(t, "folder.mp4"), `is a directory`, syscall.EISDIR},
		{media(t, "empty.mp4"), `empty`, nil},
		{media(t, "text.txt"), `not a media file (invalid data found)`, nil},
		{media(t, "random.bin"), `not a media file (invalid data found)`, nil},
		{media(t, "trunc_moov.mp4"), `truncated or damaged (moov atom not found)`, nil},
		{media(t, "trunc_mdat.mp4"), `truncated or damaged (mdat box needs`, nil},
		{missing, `no such file`, fs.ErrNotExist},
	}
	var p Prober
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			r, err := p.Probe(context.Background(), tt.path)
			if err == nil {
				t.Fatalf("no error; result %+v", r)
			}
			prefix := `probe "` + tt.path + `": `
			if !strings.HasPrefix(err.Error(), prefix+tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q, want %q", err, prefix+tt.want)
			}
			var pe *Error
			if !errors.As(err, &pe) || pe.Input != tt.path {
				t.Errorf("not an *Error for the input: %#v", err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(%v) false", tt.is)
			}
		})
	}
}

func TestProbeAwkwardNames(t *testing.T) {
	src, err := os.ReadFile(media(t, "audio.mp3"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Chdir(dir) // "-dash.mp3" must be tried as a relative path
	var p Prober
	for _, name := range []string{
		"with space.mp3", `quo"te's.mp3`, "ünïcødé ✓.mp3", "-dash.mp3", "colon:name.mp3",
		"percent%20.mp3", "semi;colon|pipe.mp3", filepath.Join(dir, "-abs.mp3"),
	} {
		if err := os.WriteFile(name, src, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := p.Probe(context.Background(), name)
		if err != nil {
			t.Errorf("%q: %v", name, err)
			continue
		}
		if r.Input != name || r.Audio() == nil {
			t.Errorf("%q: input %q audio %v", name, r.Input, r.Audio())
		}
	}
}

func TestProbeTimeoutAndCancel(t *testing.T) {
	if _, err := os.Stat("/usr/bin/mkfifo"); err != nil {
		t.Skip("no mkfifo")
	}
	media(t, "empty.mp4") // skips without ffmpeg
	// A FIFO nobody writes to blocks ffprobe's open forever, like a dead
	// network source.
	fifo := filepath.Join(t.TempDir(), "stuck.ts")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("mkfifo:", err)
	}
	t.Run("timeout", func(t *testing.T) {
		p := Prober{Timeout: 300 * time.Millisecond}
		start := time.Now()
		_, err := p.Probe(context.Background(), fifo)
		if err == nil || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
		if want := `probe "` + fifo + `": timed out after 300ms`; err.Error() != want {
			t.Errorf("error %q, want %q", err, want)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %s", d)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(200*time.Millisecond, cancel)
		var p Prober
		start := time.Now()
		_, err := p.Probe(ctx, fifo)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %s", d)
		}
	})
	t.Run("url", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "video/mp2t")
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
			<-release // never send a byte
		}))
		defer srv.Close()
		defer close(release)
		p := Prober{Timeout: 500 * time.Millisecond}
		_, err := p.Probe(context.Background(), srv.URL+"/live.ts")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestProbeURL(t *testing.T) {
	path := media(t, "h264_aac.ts")
	srv := httptest.NewServer(http.FileServer(http.Dir(filepath.Dir(path))))
	defer srv.Close()
	var p Prober
	r, err := p.Probe(context.Background(), srv.URL+"/h264_aac.ts")
	if err != nil {
		t.Fatal(err)
	}
	if r.Video() == nil || r.Video().CodecString != "avc1.64000d" {
		t.Errorf("video %+v", r.Video())
	}
	_, err = p.Probe(context.Background(), srv.URL+"/nothing-here.ts")
	if err == nil || !strings.HasPrefix(err.Error(), `probe "`+srv.URL+`/nothing-here.ts": no such file`) {
		t.Errorf("404: %v", err)
	}
}

func TestProberNotFound(t *testing.T) {
	p := Prober{Path: filepath.Join(t.TempDir(), "no-ffprobe")}
	_, err := p.Probe(context.Background(), "x.mp4")
	if err == nil {
		t.Fatal("no error")
	}
	// A missing input is found out before ffprobe is needed.
	var pe *Error
	if !errors.As(err, &pe) || pe.Reason != ReasonNoSuchFile {
		t.Errorf("err = %v", err)
	}
	_, err = p.Version(context.Background())
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "install FFmpeg") {
		t.Errorf("err = %v", err)
	}
	_, err = p.Probe(context.Background(), "https://example.invalid/x.mp4")
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("err = %v", err)
	}
}

func TestKeyframeTimes(t *testing.T) {
	var p Prober
	got, err := p.KeyframeTimes(context.Background(), media(t, "h264_aac.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{0, 0.4, 0.8}; !slices.Equal(got, want) {
		t.Errorf("keyframes %v, want %v", got, want)
	}
	_, err = p.KeyframeTimes(context.Background(), media(t, "audio.flac"))
	if err == nil || !strings.HasSuffix(err.Error(), ": no video stream") {
		t.Errorf("audio-only: %v", err)
	}
	_, err = p.KeyframeTimes(context.Background(), media(t, "cover.mp3"))
	if err == nil {
		t.Error("cover art counted as video")
	}
}

func TestFirstFrame(t *testing.T) {
	var p Prober
	ts := media(t, "h264_aac.ts")
	r := probe(t, "h264_aac.ts")
	f, err := p.FirstFrame(context.Background(), ts)
	if err != nil {
		t.Fatal(err)
	}
	// MPEG-TS starts at 1.4 s (ffmpeg's default muxdelay), not 0.
	if !f.KeyFrame || f.PictType != "I" || f.PTS < r.Format.StartTime || f.PTS > r.Format.StartTime+0.2 || f.PTS < 1 {
		t.Errorf("first frame %+v", f)
	}
	f, err = p.FirstFrame(context.Background(), media(t, "cut_mid_gop.ts"))
	if err != nil {
		t.Fatal(err)
	}
	if f.KeyFrame {
		t.Errorf("segment cut mid-GOP reported as starting with a keyframe: %+v", f)
	}
	if _, err := p.FirstFrame(context.Background(), media(t, "audio.mp3")); err == nil || !strings.Contains(err.Error(), "no video stream") {
		t.Errorf("audio: %v", err)
	}
}

func TestFirstFrameParts(t *testing.T) {
	dir := media(t, "fmp4")
	var p Prober
	f, err := p.FirstFrameParts(context.Background(), filepath.Join(dir, "init.mp4"), filepath.Join(dir, "seg1.m4s"))
	if err != nil {
		t.Fatal(err)
	}
	f0, err := p.FirstFrameParts(context.Background(), filepath.Join(dir, "init.mp4"), filepath.Join(dir, "seg0.m4s"))
	if err != nil {
		t.Fatal(err)
	}
	// Segments are 0.4 s apart (the clip's IDR interval); both timelines
	// carry the same B-frame offset, so compare differences.
	if d := f.PTS - f0.PTS; !f.KeyFrame || f.PictType != "I" || !f0.KeyFrame || d < 0.39 || d > 0.41 {
		t.Errorf("first frames %+v then %+v, want IDRs 0.4 s apart", f0, f)
	}
	missing := filepath.Join(dir, "seg99.m4s")
	_, err = p.FirstFrameParts(context.Background(), filepath.Join(dir, "init.mp4"), missing)
	if err == nil || err.Error() != `probe "`+missing+`": no such file` {
		t.Errorf("missing segment: %v", err)
	}
}

func TestVersion(t *testing.T) {
	media(t, "empty.mp4")
	var p Prober
	v, err := p.Version(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^n?\d+\.\d+`).MatchString(v) {
		t.Errorf("version %q", v)
	}
}

// TestProbeNoCodecStrings checks that the one-run probe says everything the
// two-run probe says except the codec strings it leaves out: summaries,
// frame rates and the VFR verdict come out the same.
func TestProbeNoCodecStrings(t *testing.T) {
	quick := Prober{NoCodecStrings: true}
	for _, clip := range []string{"h264_aac.mp4", "h264_aac.ts", "hevc10_opus.mkv", "vfr.mkv", "interlaced.ts",
		"rotated.mp4", "anamorphic.mp4", "cover.mp3", "audio.flac", "cut_mid_gop.ts"} {
		t.Run(clip, func(t *testing.T) {
			full := probe(t, clip)
			got, err := quick.Probe(context.Background(), media(t, clip))
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Streams) != len(full.Streams) {
				t.Fatalf("%d streams, the full probe has %d", len(got.Streams), len(full.Streams))
			}
			for i := range full.Streams {
				got.Streams[i].CodecString, full.Streams[i].CodecString = "", ""
			}
			a, _ := json.Marshal(full)
			b, _ := json.Marshal(got)
			if string(a) != string(b) {
				t.Errorf("results differ:\nfull  %s\nquick %s", a, b)
			}
		})
	}
}
