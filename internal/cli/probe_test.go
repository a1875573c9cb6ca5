package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNewCmdProbeFlags(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		want    ProbeOptions
		wantErr bool
	}{
		{args: []string{"a.mp4"}, want: ProbeOptions{Inputs: []string{"a.mp4"}, Timeout: 30 * time.Second, Jobs: 4}},
		{args: []string{"a.mp4", "b.mkv", "--timeout", "5s", "-j", "2"}, want: ProbeOptions{Inputs: []string{"a.mp4", "b.mkv"}, Timeout: 5 * time.Second, Jobs: 2}},
		{args: []string{"--", "-dash.mp4"}, want: ProbeOptions{Inputs: []string{"-dash.mp4"}, Timeout: 30 * time.Second, Jobs: 4}},
		{args: []string{}, wantErr: true},
		{args: []string{"a.mp4", "--jobs", "0"}, wantErr: true},
		{args: []string{"a.mp4", "--timeout", "0s"}, wantErr: true},
	} {
		got, err := captureOptions(NewCmdProbe, tt.args...)
		if tt.wantErr {
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Errorf("%q: err %v, want a usage error", tt.args, err)
			}
			continue
		}
		if err != nil || got == nil {
			t.Fatalf("%q: %v", tt.args, err)
		}
		if !slices.Equal(got.Inputs, tt.want.Inputs) || got.Timeout != tt.want.Timeout || got.Jobs != tt.want.Jobs {
			t.Errorf("%q: options %+v, want %+v", tt.args, *got, tt.want)
		}
	}
}

// probeRun runs `veza ARGS` the way main does and returns the exit code and
// both streams.
func probeRun(t *testing.T, ios *IOStreams, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	if ios == nil {
		ios = &IOStreams{}
	}
	ios.In, ios.Out, ios.ErrOut = strings.NewReader(""), &out, &errOut
	code := run(context.Background(), args, ios)
	return code, out.String(), errOut.String()
}

func TestProbeCommand(t *testing.T) {
	for _, tool := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	t.Setenv("XDG_CONFIG_HOME", t.TempDir()) // no user config file
	dir := t.TempDir()
	clip := filepath.Join(dir, "clip one.mp4")
	out, err := exec.Command("ffmpeg", "-v", "error", "-nostdin", "-f", "lavfi", "-i", "testsrc2=s=160x120:r=25:d=0.5",
		"-f", "lavfi", "-i", "sine=d=0.5", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest", clip).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	bad := filepath.Join(dir, "notes.txt")
	must(t, os.WriteFile(bad, []byte("not media\n"), 0o644))
	missing := filepath.Join(dir, "gone.mp4")

	t.Run("table", func(t *testing.T) {
		code, stdout, stderr := probeRun(t, nil, "probe", clip)
		if code != 0 || stderr != "" {
			t.Fatalf("exit %d stderr %q", code, stderr)
		}
		for _, want := range []string{clip, "avc1.42c00", "mp4a.40.2", "160x120", "usable"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("output lacks %q:\n%s", want, stdout)
			}
		}
		if strings.Contains(stdout, "\x1b[") {
			t.Errorf("colour written to a non-terminal:\n%q", stdout)
		}
	})

	t.Run("a playlist saved as .mp4 is refused unless asked for", func(t *testing.T) {
		fake := filepath.Join(dir, "movie.mp4")
		must(t, os.WriteFile(fake, []byte("#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:0.5,\nclip one.mp4\n#EXT-X-ENDLIST\n"), 0o644))
		code, stdout, stderr := probeRun(t, nil, "probe", fake)
		if code != ExitFailure || !strings.Contains(stdout+stderr, "movie.mp4") || !strings.Contains(stdout+stderr, `demuxer "hls"`) {
			t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
		}
		if code, _, stderr = probeRun(t, nil, "probe", "--allow-indirect-input", fake); code != 0 {
			t.Fatalf("--allow-indirect-input: exit %d %s", code, stderr)
		}
	})

	t.Run("colour only on a terminal without NO_COLOR", func(t *testing.T) {
		_, stdout, _ := probeRun(t, &IOStreams{OutTTY: true}, "probe", clip)
		if !strings.Contains(stdout, "\x1b[") {
			t.Errorf("no colour on a terminal:\n%q", stdout)
		}
		_, stdout, _ = probeRun(t, &IOStreams{OutTTY: true, NoColor: true}, "probe", clip)
		if strings.Contains(stdout, "\x1b[") {
			t.Errorf("colour despite NO_COLOR:\n%q", stdout)
		}
	})

	t.Run("json keeps input order and reports failures", func(t *testing.T) {
		inputs := []string{clip, bad, clip, missing, clip, dir, clip}
		code, stdout, stderr := probeRun(t, nil, append([]string{"probe", "--json", "-j", "3"}, inputs...)...)
		if code != ExitFailure {
			t.Errorf("exit %d, want %d", code, ExitFailure)
		}
		var got []struct {
			Input   string `json:"input"`
			Error   string `json:"error"`
			Streams []struct {
				CodecString string `json:"codec_string"`
			} `json:"streams"`
			Summary struct {
				DisplayWidth int  `json:"display_width"`
				Usable       bool `json:"usable"`
			} `json:"summary"`
		}
		if err := json.Unmarshal([]byte(stdout), &got); err != nil {
			t.Fatalf("stdout is not a JSON array: %v\n%s", err, stdout)
		}
		if len(got) != len(inputs) {
			t.Fatalf("%d results for %d inputs", len(got), len(inputs))
		}
		for i, r := range got {
			if r.Input != inputs[i] {
				t.Errorf("result %d is %q, want %q", i, r.Input, inputs[i])
			}
			ok := inputs[i] == clip
			if ok && (r.Error != "" || !r.Summary.Usable || r.Summary.DisplayWidth != 160 || len(r.Streams) != 2) {
				t.Errorf("result %d: %+v", i, r)
			}
			if !ok && r.Error == "" {
				t.Errorf("result %d (%s) has no error", i, r.Input)
			}
		}
		wantErr := `veza: probe "` + bad + `": not a media file (invalid data found)` + "\n" +
			`veza: probe "` + missing + `": no such file` + "\n" +
			`veza: probe "` + dir + `": is a directory` + "\n"
		if stderr != wantErr {
			t.Errorf("stderr:\n%s\nwant:\n%s", stderr, wantErr)
		}
	})

	t.Run("all good exits 0", func(t *testing.T) {
		code, stdout, _ := probeRun(t, nil, "probe", "--json", clip, clip)
		var got []map[string]any
		if code != 0 || json.Unmarshal([]byte(stdout), &got) != nil || len(got) != 2 {
			t.Errorf("exit %d output %s", code, stdout)
		}
	})

	t.Run("ffprobe missing", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		code, stdout, stderr := probeRun(t, nil, "probe", clip)
		if code != ExitFailure || stdout != "" {
			t.Errorf("exit %d stdout %q", code, stdout)
		}
		if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "ffprobe not found on PATH") || !strings.Contains(stderr, "install FFmpeg") {
			t.Errorf("stderr %q", stderr)
		}
		code, _, stderr = probeRun(t, nil, "probe", "--ffprobe", "/no/such/ffprobe", clip)
		if code != ExitFailure || !strings.Contains(stderr, `"/no/such/ffprobe"`) {
			t.Errorf("exit %d stderr %q", code, stderr)
		}
	})
}
