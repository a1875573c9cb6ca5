package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/veza-media/veza/pkg/audio"
	"github.com/veza-media/veza/pkg/ladder"
)

// TestAudioFlags checks the loudness and silence flags of ladder, segment
// and transcode: parsed into the same settings, bad values refused as
// usage errors before anything runs.
func TestAudioFlags(t *testing.T) {
	newIO := func() *IOStreams {
		return &IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}
	}
	commands := map[string]func(got *audio.Settings) *cobra.Command{
		"ladder": func(got *audio.Settings) *cobra.Command {
			return NewCmdLadder(&Factory{IO: newIO()}, func(_ context.Context, o *LadderOptions) error { *got = o.Audio; return nil })
		},
		"segment": func(got *audio.Settings) *cobra.Command {
			return NewCmdSegment(&Factory{IO: newIO()}, func(_ context.Context, o *LadderOptions) error { *got = o.Audio; return nil })
		},
		"transcode": func(got *audio.Settings) *cobra.Command {
			return NewCmdTranscode(&Factory{IO: newIO()}, func(_ context.Context, o *TranscodeOptions) error { *got = o.Batch.Audio; return nil })
		},
	}
	for name, mk := range commands {
		for _, c := range []struct {
			flags   []string
			want    audio.Settings
			wantErr string
		}{
			{[]string{"--loudness", "-14", "--true-peak", "-1.5", "--lra", "9", "--trim-silence", "3s", "--silence-threshold", "-45"},
				audio.Settings{Loudness: -14, TruePeak: -1.5, LRA: 9, TrimSilence: 3, SilenceThreshold: -45}, ""},
			{[]string{"--trim-silence", "2500ms"}, audio.Settings{TrimSilence: 2.5}, ""},
			{nil, audio.Settings{}, ""},
			{[]string{"--trim-silence", "-1s"}, audio.Settings{}, "--trim-silence must not be negative"},
			{[]string{"--loudness", "-3"}, audio.Settings{}, "loudness target -3 LUFS out of range"},
			{[]string{"--true-peak", "-2"}, audio.Settings{}, "--true-peak and --lra go with --loudness"},
			{[]string{"--loudness", "-14", "--lra", "30"}, audio.Settings{}, "loudness range target 30 LU out of range"},
			{[]string{"--silence-threshold", "6"}, audio.Settings{}, "silence_threshold 6 dB"},
		} {
			var got audio.Settings
			cmd := mk(&got)
			cmd.SetArgs(append([]string{"in.wav", "-o", "out"}, c.flags...))
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.Execute()
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) || exitCode(err) != ExitUsage {
					t.Errorf("%s %v: err %v, want a usage error with %q", name, c.flags, err, c.wantErr)
				}
				continue
			}
			if err != nil || got != c.want {
				t.Errorf("%s %v: %+v, %v; want %+v", name, c.flags, got, err, c.want)
			}
		}
	}
}

// quietGapWAV writes a quiet (about -26 LUFS) 17 s source with a 5 s silent
// gap in the middle.
func quietGapWAV(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is required for this test", tool)
		}
	}
	path := filepath.Join(t.TempDir(), "show.wav")
	graph := "sine=frequency=440:duration=6:sample_rate=44100,volume=0.62[a];anullsrc=r=44100:cl=mono,atrim=duration=5[b];" +
		"sine=frequency=660:duration=6:sample_rate=44100,volume=0.62[c];[a][b][c]concat=n=3:v=0:a=1"
	if out, err := exec.Command("ffmpeg", "-v", "error", "-nostdin", "-f", "lavfi", "-i", graph, path).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	return path
}

// TestLoudnessCommands runs the commands end to end on the quiet source:
// probe --loudness reports it, ladder --ladder replay and transcode
// --loudness --trim-silence bring it to -14 LUFS without its gap.
func TestLoudnessCommands(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir()) // no user config file
	src := quietGapWAV(t)

	t.Run("probe", func(t *testing.T) {
		code, stdout, stderr := probeRun(t, nil, "probe", "--loudness", "--json", src)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var got []struct {
			Loudness *probeLoudness `json:"loudness"`
		}
		if err := json.Unmarshal([]byte(stdout), &got); err != nil || len(got) != 1 || got[0].Loudness == nil {
			t.Fatalf("%v: %s", err, stdout)
		}
		l := got[0].Loudness
		if l.Integrated == nil || math.Abs(*l.Integrated+26) > 1 || l.TruePeak == nil || l.LRA == nil ||
			len(l.Silences) != 1 || math.Abs(l.Silences[0].Start-6) > 0.05 || math.Abs(l.Silences[0].End-11) > 0.05 {
			t.Errorf("loudness %+v", l)
		}
		_, table, _ := probeRun(t, nil, "probe", "--loudness", src)
		if !strings.Contains(table, "loudness: -25.9") || !strings.Contains(table, "silences: 6.00–11.00 s") {
			t.Errorf("table:\n%s", table)
		}
	})

	t.Run("ladder replay", func(t *testing.T) {
		out := t.TempDir()
		code, stdout, stderr := probeRun(t, nil, "ladder", "--ladder", "replay", "--json", src, "-o", out)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var got []struct {
			ladder.Result
		}
		if err := json.Unmarshal([]byte(stdout), &got); err != nil || len(got) != 1 || got[0].Loudness == nil {
			t.Fatalf("%v: %s", err, stdout)
		}
		l := got[0].Loudness
		if len(l.Outputs) != 1 || l.Outputs[0].Integrated == nil || math.Abs(*l.Outputs[0].Integrated+14) > 1 || math.Abs(l.Cut-4.5) > 0.1 || l.Normalization != "linear" {
			t.Errorf("loudness %+v", l)
		}
		if !strings.Contains(stderr, "linear normalisation") {
			t.Errorf("log lacks the normalisation note:\n%s", stderr)
		}
	})

	t.Run("transcode", func(t *testing.T) {
		out := t.TempDir()
		code, stdout, stderr := probeRun(t, nil, "transcode", "--loudness", "-14", "--trim-silence", "3s", "--preset", "aac-128", "--json", src, "-o", out)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var got []struct {
			Output   string        `json:"output"`
			Loudness *audio.Report `json:"loudness"`
		}
		if err := json.Unmarshal([]byte(stdout), &got); err != nil || len(got) != 1 || got[0].Loudness == nil || len(got[0].Loudness.Outputs) != 1 {
			t.Fatalf("%v: %s", err, stdout)
		}
		o := got[0].Loudness.Outputs[0]
		if o.Integrated == nil || math.Abs(*o.Integrated+14) > 1 || len(o.Silences) != 0 || math.Abs(got[0].Loudness.Cut-4.5) > 0.1 {
			t.Errorf("output %+v", got[0].Loudness)
		}
		d, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", got[0].Output).Output()
		if err != nil || !strings.HasPrefix(string(d), "12.5") {
			t.Errorf("output lasts %q (%v), want 12.5 s", d, err)
		}
	})
}
