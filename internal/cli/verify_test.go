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

func TestNewCmdVerifyFlags(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		want    VerifyOptions
		wantErr bool
	}{
		{args: []string{"out"}, want: VerifyOptions{Paths: []string{"out"}, Duration: 30 * time.Second}},
		{args: []string{"a/master.m3u8", "b", "-j", "2", "--no-probe"}, want: VerifyOptions{Paths: []string{"a/master.m3u8", "b"}, Jobs: 2, NoProbe: true, Duration: 30 * time.Second}},
		{args: []string{"--live", "--duration", "5s", "--interval", "200ms", "live.m3u8"}, want: VerifyOptions{Paths: []string{"live.m3u8"}, Live: true, Duration: 5 * time.Second, Interval: 200 * time.Millisecond}},
		{args: []string{}, wantErr: true},
		{args: []string{"out", "--jobs", "-1"}, wantErr: true},
		{args: []string{"out", "--duration", "5s"}, wantErr: true},
		{args: []string{"--live", "--duration", "0s", "x.m3u8"}, wantErr: true},
		{args: []string{"--live", "--interval", "-1s", "x.m3u8"}, wantErr: true},
	} {
		got, err := captureOptions(NewCmdVerify, tt.args...)
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
		if !slices.Equal(got.Paths, tt.want.Paths) || got.Jobs != tt.want.Jobs || got.NoProbe != tt.want.NoProbe ||
			got.Live != tt.want.Live || got.Duration != tt.want.Duration || got.Interval != tt.want.Interval {
			t.Errorf("%q: options %+v, want %+v", tt.args, *got, tt.want)
		}
	}
}

// verifyRun runs `veza ARGS` the way main does and returns the exit code
// and both streams.
func verifyRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	ios := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	code := run(context.Background(), args, ios)
	return code, out.String(), errOut.String()
}

// vodFolder makes a 4 s VOD media playlist with 2 s TS segments with ffmpeg.
func vodFolder(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatal("ffmpeg is needed on PATH for this test (make deps installs it)")
	}
	dir := t.TempDir()
	cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=24:duration=4",
		"-f", "lavfi", "-i", "sine=duration=4", "-c:v", "libx264", "-preset", "ultrafast", "-g", "48", "-keyint_min", "48",
		"-sc_threshold", "0", "-c:a", "aac", "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod",
		"-hls_segment_filename", "seg%d.ts", "index.m3u8")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	return dir
}

func TestVerifyCommand(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir()) // no user config file
	dir := vodFolder(t)
	playlist := filepath.Join(dir, "index.m3u8")

	t.Run("clean output passes with one OK line", func(t *testing.T) {
		code, stdout, stderr := verifyRun(t, "verify", dir)
		if code != 0 || stderr != "" {
			t.Fatalf("exit %d, stderr %q, stdout %q", code, stderr, stdout)
		}
		if stdout != "OK "+dir+": 1 playlist, 2 segments checked\n" {
			t.Errorf("stdout %q", stdout)
		}
	})

	t.Run("SHOULD only: exit 0 with warnings on stderr", func(t *testing.T) {
		d := t.TempDir()
		copyDir(t, dir, d)
		p := filepath.Join(d, "index.m3u8")
		data, _ := os.ReadFile(p)
		os.WriteFile(p, bytes.Replace(data, []byte("TARGETDURATION:2"), []byte("TARGETDURATION:11"), 1), 0o644)
		code, stdout, stderr := verifyRun(t, "verify", "--no-probe", p)
		if code != 0 || !strings.Contains(stderr, "warning: M3 "+p) || !strings.HasPrefix(stdout, "OK ") || !strings.Contains(stdout, "1 warning") {
			t.Errorf("exit %d\nstdout %q\nstderr %q", code, stdout, stderr)
		}
	})

	t.Run("MUST failure: table on stdout, exit 1", func(t *testing.T) {
		d := t.TempDir()
		copyDir(t, dir, d)
		os.Remove(filepath.Join(d, "seg1.ts"))
		code, stdout, _ := verifyRun(t, "verify", d)
		if code != ExitFailure {
			t.Errorf("exit %d, want 1", code)
		}
		for _, want := range []string{filepath.Join(d, "index.m3u8") + " (media, 2 segments)", "RULE", "M10", "seg1.ts", "is not on disk", "FAIL " + d + ": "} {
			if !strings.Contains(stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, stdout)
			}
		}
	})

	t.Run("json", func(t *testing.T) {
		missing := filepath.Join(dir, "nope")
		code, stdout, _ := verifyRun(t, "verify", "--json", playlist, missing)
		if code != ExitFailure {
			t.Errorf("exit %d, want 1 (one path does not exist)", code)
		}
		var got []struct {
			Path      string `json:"path"`
			OK        bool   `json:"ok"`
			Error     string `json:"error"`
			Must      int    `json:"must"`
			Playlists []struct {
				Path     string `json:"path"`
				Segments int    `json:"segments"`
				Findings []any  `json:"findings"`
			} `json:"playlists"`
		}
		if err := json.Unmarshal([]byte(stdout), &got); err != nil {
			t.Fatalf("%v\n%s", err, stdout)
		}
		if len(got) != 2 || !got[0].OK || got[0].Path != playlist || len(got[0].Playlists) != 1 || got[0].Playlists[0].Segments != 2 ||
			got[1].OK || !strings.Contains(got[1].Error, "no such file") {
			t.Errorf("json %+v", got)
		}
	})

	t.Run("live", func(t *testing.T) {
		// A finished playlist: one version, ENDLIST, the sampler stops at
		// once. Its lack of EXT-X-PROGRAM-DATE-TIME breaks L5.
		start := time.Now()
		code, stdout, _ := verifyRun(t, "verify", "--live", "--duration", "10s", playlist)
		if code != ExitFailure || !strings.Contains(stdout, "L5") || time.Since(start) > 5*time.Second {
			t.Errorf("exit %d after %v:\n%s", code, time.Since(start), stdout)
		}
	})
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
