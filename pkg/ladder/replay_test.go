package ladder

import (
	"context"
	"math"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/veza-media/veza/pkg/audio"
	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/layout"
	"github.com/veza-media/veza/pkg/verify"
)

// quietGap is 6 s of tone, a 5 s silent gap and 6 s of another tone, mono
// 44.1 kHz, at about -26 LUFS (lavfi's sine has an amplitude of 1/8;
// volume=0.62 measures -25.9): a quiet recording of a live show.
const quietGap = "sine=frequency=440:duration=6:sample_rate=44100,volume=0.62[a];" +
	"anullsrc=r=44100:cl=mono,atrim=duration=5[b];" +
	"sine=frequency=660:duration=6:sample_rate=44100,volume=0.62[c];" +
	"[a][b][c]concat=n=3:v=0:a=1"

// makeGap writes the quiet source into dir: gap.wav, or gap.mp4 with a
// 160x120 picture too.
func makeGap(t *testing.T, dir string, video bool) string {
	t.Helper()
	args := []string{"-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", quietGap}
	path := filepath.Join(dir, "gap.wav")
	if video {
		path = filepath.Join(dir, "gap.mp4")
		args = append(args, "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=17",
			"-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest")
	}
	if out, err := exec.Command("ffmpeg", append(args, path)...).CombinedOutput(); err != nil {
		t.Fatalf("making %s: %v: %s", path, err, out)
	}
	return path
}

// r128 measures a file or a whole playlist with ebur128, independently of
// the code under test.
func r128(t *testing.T, path string) audio.R128Summary {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-hide_banner", "-nostdin", "-i", path, "-vn",
		"-af", "ebur128=peak=true:framelog=verbose", "-f", "null", "-").CombinedOutput()
	if err != nil {
		t.Fatalf("ebur128 over %s: %v: %s", path, err, out)
	}
	s, err := audio.ParseR128Summary(string(out))
	if err != nil {
		t.Fatalf("ebur128 over %s: %v", path, err)
	}
	return s
}

func verifyClean(t *testing.T, path string) {
	t.Helper()
	rep, err := verify.HLS(context.Background(), path, verify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rep.Playlists {
		for _, f := range p.Findings {
			if f.Severity == verify.Must {
				t.Errorf("verify: %s %s %s: %s", f.Rule, f.Playlist, f.Segment, f.Message)
			}
		}
	}
}

// TestReplay is issue 7's "done when": a quiet source near -26 LUFS with a
// 5 s silent gap becomes, with the replay ladder, MP3 HLS with 10 s
// segments at -14 ± 1 LUFS measured over the whole master playlist, the
// gap cut to the 0.5 s pad, passing verify.
func TestReplay(t *testing.T) {
	ctx := context.Background()
	src := makeGap(t, t.TempDir(), false)
	in, err := audio.Analyze(ctx, audio.AnalyzeConfig{Input: src})
	if err != nil {
		t.Fatal(err)
	}
	if in.Loudness == nil || math.Abs(in.Loudness.I+26) > 1 {
		t.Fatalf("source measures %+v, want about -26 LUFS", in.Loudness)
	}

	out := t.TempDir()
	db := openCatalog(t, out)
	replay, ok := Builtin("replay")
	if !ok {
		t.Fatal("no replay ladder")
	}
	var notes []string
	cfg := Config{Input: src, OutDir: out, Catalog: db, Ladder: replay,
		OnEvent: func(e Event) {
			if e.Message != "" {
				notes = append(notes, e.Message)
			}
		}}
	res, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	lr := res.Loudness
	if lr == nil || lr.Normalization != "linear" || lr.Input == nil || len(lr.Silences) != 1 || len(lr.Outputs) != 1 {
		t.Fatalf("loudness report %+v", lr)
	}
	if math.Abs(lr.Cut-4.5) > 0.1 {
		t.Errorf("cut %.3f s, want 4.5 (a 5 s gap down to 0.5 s)", lr.Cut)
	}

	// Measured independently over the whole output through the master.
	m := r128(t, res.Master)
	if math.Abs(m.I+14) > 1 || m.Peak > -1 {
		t.Errorf("replay measures %.1f LUFS, peak %.1f dBTP; want -14 ± 1 and under -1", m.I, m.Peak)
	}
	o := lr.Outputs[0]
	if o.Integrated == nil || math.Abs(*o.Integrated-m.I) > 0.1 || len(o.Silences) != 0 {
		t.Errorf("reported output %+v, measured %+v", o, m)
	}

	pl, err := hls.ReadMedia(filepath.Join(res.Dir, "mp3_256", layout.Playlist))
	if err != nil {
		t.Fatal(err)
	}
	if d := pl.Duration(); math.Abs(d-12.5) > 0.3 {
		t.Errorf("replay lasts %.3f s, want 12.5 ± 0.3 (17 s with the 5 s gap cut to 0.5 s)", d)
	}
	if pl.TargetDuration != 10 || len(pl.Segments) != 2 {
		t.Errorf("TARGETDURATION %d with %d segments, want 10 with 2", pl.TargetDuration, len(pl.Segments))
	}
	codec, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "stream=codec_name,bit_rate,sample_rate", "-of", "csv=p=0",
		filepath.Join(res.Dir, "mp3_256", pl.Segments[0].URI)).Output()
	if err != nil || !strings.HasPrefix(string(codec), "mp3,44100") || !strings.HasSuffix(pl.Segments[0].URI, ".ts") {
		t.Errorf("segment %s: %q (%v), want MP3 44.1 kHz in MPEG-TS", pl.Segments[0].URI, codec, err)
	}
	if v := res.Variants[0]; v.Codecs != "mp4a.40.34" {
		t.Errorf("CODECS %q, want mp4a.40.34", v.Codecs)
	}
	verifyClean(t, res.Master)

	// The catalog keeps the source's and the output's figures.
	as, err := db.Analyses(ctx, res.TrackID)
	if err != nil || len(as) != 2 {
		t.Fatalf("analyses %+v, %v", as, err)
	}
	if a := as[0]; a.Kind != catalog.AnalysisInput || a.Integrated == nil || *a.Integrated != in.Loudness.I ||
		a.Normalization != "linear" || len(a.Silences) != 1 || a.Silences[0].Start > 6.05 || a.Silences[0].End < 10.95 {
		t.Errorf("input analysis %+v", a)
	}
	if a := as[1]; a.Kind != catalog.AnalysisOutput || a.Rendition != "mp3_256" || a.Integrated == nil || math.Abs(*a.Integrated-m.I) > 0.1 {
		t.Errorf("output analysis %+v", a)
	}
	t.Logf("source %.2f LUFS %.2f dBTP; replay %.2f LUFS (ebur128 over master.m3u8), peak %.2f dBTP, %.3f s in %d segments; %s",
		in.Loudness.I, in.Loudness.TP, m.I, m.Peak, pl.Duration(), len(pl.Segments), lr.Note)
	t.Logf("notes: %s", strings.Join(notes, " | "))

	// A rerun reports the stored figures without encoding; a new target
	// changes the fingerprint and encodes again.
	res, err = Run(ctx, cfg)
	if err != nil || !res.UpToDate || res.Loudness == nil || res.Loudness.Input == nil || len(res.Loudness.Outputs) != 1 {
		t.Fatalf("rerun: %+v, %v", res, err)
	}
	cfg.Audio = audio.Settings{Loudness: -16}
	res, err = Run(ctx, cfg)
	if err != nil || res.UpToDate || len(res.Encoded) != 1 {
		t.Fatalf("new target: %+v, %v", res, err)
	}
	if got := r128(t, res.Master); math.Abs(got.I+16) > 1 {
		t.Errorf("at -16: measures %.1f LUFS", got.I)
	}
}

// TestTrimSilenceWithVideo cuts a silent gap from a source with picture:
// picture and sound are cut together, so both last as long, within a frame.
func TestTrimSilenceWithVideo(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := makeGap(t, dir, true)
	out := t.TempDir()
	db := openCatalog(t, out)
	l := Ladder{Name: "one", Rungs: []Rung{{Name: "120p", Height: 120, Bitrate: 150, AudioBitrate: 64}},
		Settings: audio.Settings{TrimSilence: 3}}
	res, err := Run(ctx, Config{Input: src, OutDir: out, Catalog: db, Ladder: l, SegmentTime: 4,
		Encoding: Encoding{Preset: "ultrafast"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Loudness == nil || res.Loudness.Normalization != "" || len(res.Loudness.Outputs) != 1 {
		t.Fatalf("report %+v", res.Loudness)
	}
	verifyClean(t, res.Master)

	// Each stream's first and last instant, from its packets over the
	// whole playlist. AAC starts one frame (21 ms) early with the encoder's
	// priming, so each end is compared rather than the two lengths.
	playlist := filepath.Join(res.Dir, "120p", layout.Playlist)
	v0, v1 := streamSpan(t, playlist, "v:0")
	a0, a1 := streamSpan(t, playlist, "a:0")
	const frame = 1.0 / 25
	if math.Abs(v0-a0) > frame || math.Abs(v1-a1) > frame {
		t.Errorf("video %.3f-%.3f s, audio %.3f-%.3f s: picture and sound more than a frame apart", v0, v1, a0, a1)
	}
	if math.Abs(v1-v0-12.5) > 0.3 {
		t.Errorf("video lasts %.3f s, want 12.5 ± 0.3", v1-v0)
	}
	if sil := res.Loudness.Outputs[0].Silences; len(sil) != 0 {
		t.Errorf("silences left: %v", sil)
	}
	t.Logf("video %.3f-%.3f s (%.3f s), audio %.3f-%.3f s (%.3f s) after cutting %.3f s", v0, v1, v1-v0, a0, a1, a1-a0, res.Loudness.Cut)
}

// streamSpan returns when a stream's first packet starts and its last one
// ends, in seconds.
func streamSpan(t *testing.T, path, stream string) (start, end float64) {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", stream, "-show_entries", "packet=pts_time,duration_time",
		"-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	start, end = math.Inf(1), math.Inf(-1)
	for _, line := range strings.Fields(string(out)) {
		f := strings.Split(line, ",") // a trailing field may follow
		if len(f) < 2 {
			t.Fatalf("ffprobe %s: packet %q", path, line)
		}
		p, err1 := strconv.ParseFloat(f[0], 64)
		d, err2 := strconv.ParseFloat(f[1], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("ffprobe %s: packet %q", path, line)
		}
		start, end = min(start, p), max(end, p+d)
	}
	if math.IsInf(start, 0) {
		t.Fatalf("ffprobe %s: no %s packets", path, stream)
	}
	return start, end
}

// An encrypted replay whose key URI points at a server is still measured:
// from a decrypted copy of its segments.
func TestReplayEncryptedIsMeasured(t *testing.T) {
	ctx := context.Background()
	src := makeGap(t, t.TempDir(), false)
	out := t.TempDir()
	replay, _ := Builtin("replay")
	res, err := Run(ctx, Config{Input: src, OutDir: out, Catalog: openCatalog(t, out), Ladder: replay,
		Encryption: &Encryption{KeyURL: "https://keys.example/{key}"}})
	if err != nil {
		t.Fatal(err)
	}
	pl, err := hls.ReadMedia(filepath.Join(res.Dir, "mp3_256", layout.Playlist))
	if err != nil || pl.Segments[0].Key == nil {
		t.Fatalf("playlist %+v, %v: want encrypted segments", pl, err)
	}
	if o := res.Loudness.Outputs; len(o) != 1 || o[0].Integrated == nil || math.Abs(*o[0].Integrated+14) > 1 || math.Abs(o[0].Duration-12.5) > 0.3 {
		t.Errorf("outputs %+v", o)
	}
}
