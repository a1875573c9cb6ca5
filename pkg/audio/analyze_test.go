package audio

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/veza-media/veza/pkg/encode"
)

// quietGapGraph is 6 s of tone, 5 s of digital silence and 6 s of another
// tone, mono 44.1 kHz. lavfi's sine has an amplitude of 1/8; volume=0.62
// brings it to about -26 LUFS (measured: -25.95), a quiet recording.
const quietGapGraph = "sine=frequency=440:duration=6:sample_rate=44100,volume=0.62[a];" +
	"anullsrc=r=44100:cl=mono,atrim=duration=5[b];" +
	"sine=frequency=660:duration=6:sample_rate=44100,volume=0.62[c];" +
	"[a][b][c]concat=n=3:v=0:a=1"

var (
	gapOnce  sync.Once
	gapErr   error
	mediaDir string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "veza-audio-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	mediaDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// gapMedia returns the quiet source with a gap, as gap.wav (audio only) and
// gap.mp4 (a 320x240 picture too), made once per test run.
func gapMedia(t *testing.T, name string) string {
	t.Helper()
	gapOnce.Do(func() {
		wav := filepath.Join(mediaDir, "gap.wav")
		mp4 := filepath.Join(mediaDir, "gap.mp4")
		for _, args := range [][]string{
			{"-f", "lavfi", "-i", quietGapGraph, "-c:a", "pcm_s16le", wav},
			{"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=17", "-i", wav,
				"-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k", "-shortest", mp4},
			{"-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=0.4", "-c:v", "libx264", "-preset", "ultrafast",
				filepath.Join(mediaDir, "silentfilm.mp4")},
		} {
			args = append([]string{"-hide_banner", "-loglevel", "error", "-y"}, args...)
			if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
				gapErr = errors.New(string(out))
				return
			}
		}
	})
	if gapErr != nil {
		t.Fatal(gapErr)
	}
	return filepath.Join(mediaDir, name)
}

func TestAnalyzeQuietGap(t *testing.T) {
	a, err := Analyze(context.Background(), AnalyzeConfig{Input: gapMedia(t, "gap.wav")})
	if err != nil {
		t.Fatal(err)
	}
	if a.Loudness == nil || math.Abs(a.Loudness.I+26) > 1 {
		t.Fatalf("loudness %+v, want about -26 LUFS", a.Loudness)
	}
	if len(a.Silences) != 1 || math.Abs(a.Silences[0].Start-6) > 0.05 || math.Abs(a.Silences[0].End-11) > 0.05 {
		t.Errorf("silences %v, want one 6-11", a.Silences)
	}
	if a.Duration != 17 || a.Target != (Target{I: -14, TP: -1, LRA: 11}) || a.SilenceMin != 3 || a.SilenceThreshold != -50 {
		t.Errorf("analysis %+v", a)
	}
	n, err := a.Normalization()
	if err != nil || !n.Linear {
		t.Errorf("normalisation %+v, %v: a 12 dB gain on a -22 dBTP peak is linear", n, err)
	}
	t.Logf("measured %.2f LUFS, %.2f dBTP, LRA %.2f; %s", a.Loudness.I, a.Loudness.TP, a.Loudness.LRA, n.Note)
}

// TestTrimAndNormalizeVideo runs the second pass veza builds from an
// analysis — silence cut on frame boundaries, then linear loudnorm — over a
// source with picture and sound, and measures what came out.
func TestTrimAndNormalizeVideo(t *testing.T) {
	ctx := context.Background()
	src := gapMedia(t, "gap.mp4")
	a, err := Analyze(ctx, AnalyzeConfig{Input: src})
	if err != nil {
		t.Fatal(err)
	}
	n, err := a.Normalization()
	if err != nil {
		t.Fatal(err)
	}
	keep := a.Keep(3, 0.5, 25)
	if len(keep) != 2 {
		t.Fatalf("keep %v, want two pieces around the gap", keep)
	}
	out := filepath.Join(t.TempDir(), "out.mp4")
	job := &encode.Job{
		Inputs: []encode.Input{{Path: src}},
		Outputs: []encode.Output{{Path: out, VideoCodec: "libx264", AudioCodec: "aac", VideoFilter: "format=yuv420p",
			Args: []string{"-preset", "ultrafast"}}},
		Overwrite: true,
	}
	if err := (Filters{Keep: keep, AudioFilter: n.Filter}).Apply(job, 48000); err != nil {
		t.Fatal(err)
	}
	if err := job.Run(ctx); err != nil {
		t.Fatal(err)
	}
	v, au := streamDuration(t, out, "v:0"), streamDuration(t, out, "a:0")
	if math.Abs(v-au) > 0.04 {
		t.Errorf("video %.3f s, audio %.3f s: more than a frame apart", v, au)
	}
	if math.Abs(v-12.5) > 0.3 {
		t.Errorf("video lasts %.3f s, want 12.5 ± 0.3 (17 s with the 5 s gap cut to 0.5 s)", v)
	}
	m, err := Measure(ctx, MeasureConfig{Path: out})
	if err != nil {
		t.Fatal(err)
	}
	if m.Integrated == nil || m.TruePeak == nil || math.Abs(*m.Integrated+14) > 1 || *m.TruePeak > -1+0.5 {
		t.Fatalf("output %s LUFS, %s dBTP, want -14 ± 1 and under -1", Figure(m.Integrated), Figure(m.TruePeak))
	}
	if len(m.Silences) != 0 {
		t.Errorf("silences left in the output: %v", m.Silences)
	}
	t.Logf("output: video %.3f s, audio %.3f s, %s LUFS, %s dBTP, LRA %s", v, au, Figure(m.Integrated), Figure(m.TruePeak), Figure(m.LRA))
}

func streamDuration(t *testing.T, path, stream string) float64 {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", stream, "-show_entries", "stream=duration",
		"-of", "default=nw=1:nk=1", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	d, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		t.Fatalf("ffprobe %s %s: duration %q", path, stream, out)
	}
	return d
}

func TestAnalyzeErrors(t *testing.T) {
	ctx := context.Background()
	missing := filepath.Join(t.TempDir(), "nope.wav")
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		cfg  AnalyzeConfig
		want string
		is   error
	}{
		{"no audio", ctx, AnalyzeConfig{Input: gapMedia(t, "silentfilm.mp4")}, "silentfilm.mp4\": no audio stream", nil},
		{"missing", ctx, AnalyzeConfig{Input: missing}, `analyse "` + missing + `": ffmpeg exited with code 1: input missing`, nil},
		{"bad target", ctx, AnalyzeConfig{Input: missing, Target: Target{I: -90}}, "out of range", nil},
		{"bad threshold", ctx, AnalyzeConfig{Input: missing, SilenceThreshold: 3}, "threshold <= 0 dB", nil},
		{"no ffmpeg", ctx, AnalyzeConfig{Input: missing, FFmpeg: "/nonexistent/ffmpeg"}, "ffmpeg not found", encode.ErrFFmpegNotFound},
		{"cancelled", cancelled, AnalyzeConfig{Input: gapMedia(t, "gap.wav")}, "context canceled", context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Analyze(tc.ctx, tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("err = %v, want errors.Is %v", err, tc.is)
			}
		})
	}
}

// TestNormalizePredictsFFmpeg runs the second pass Normalize builds and
// reads back the mode loudnorm really ran in: linear for a quiet source
// brought to -14 LUFS, dynamic when the same source is pushed to -5 LUFS
// under a -2 dBTP ceiling (+21 dB on a -22 dBTP peak).
func TestNormalizePredictsFFmpeg(t *testing.T) {
	ctx := context.Background()
	src := gapMedia(t, "gap.wav")
	for _, target := range []Target{{}, {I: -5, TP: -2}} {
		a, err := Analyze(ctx, AnalyzeConfig{Input: src, Target: target})
		if err != nil {
			t.Fatal(err)
		}
		n, err := a.Normalization()
		if err != nil {
			t.Fatal(err)
		}
		out, err := encode.Capture(ctx, "ffmpeg", []string{"-hide_banner", "-nostdin", "-i", src,
			"-af", n.Filter + ":print_format=json", "-f", "null", "-"}, 0, func(string) {})
		if err != nil {
			t.Fatal(err)
		}
		st, err := ParseLoudnorm(out)
		if err != nil {
			t.Fatal(err)
		}
		if st.NormalizationType != n.Mode() {
			t.Errorf("target %+v: predicted %s (%s), ffmpeg ran %s", target, n.Mode(), n.Note, st.NormalizationType)
		}
		t.Logf("target %+v: %s; ffmpeg: %s, output %.2f LUFS, %.2f dBTP", a.Target, n.Note, st.NormalizationType, st.OutputI, st.OutputTP)
	}
}
