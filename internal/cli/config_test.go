package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// runWithSeen builds a root with two commands that share a flag name, and
// records what each command saw.
func runWithSeen(t *testing.T, args []string) (map[string]string, string, int) {
	t.Helper()
	seen := map[string]string{}
	var stderr bytes.Buffer
	ios := &IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &stderr}
	f := &Factory{IO: ios}
	root := NewRootCmd(f)
	for _, name := range []string{"alpha", "beta"} {
		name := name
		var jobs int
		var tags []string
		c := &cobra.Command{Use: name, RunE: func(cmd *cobra.Command, _ []string) error {
			seen[name+".jobs"] = strconv.Itoa(jobs)
			seen[name+".tags"] = strings.Join(tags, "|")
			seen[name+".ffmpeg"] = f.FFmpegPath
			return nil
		}}
		c.Flags().IntVar(&jobs, "jobs", 1, "")
		c.Flags().StringSliceVar(&tags, "tags", []string{"d"}, "")
		root.AddCommand(c)
	}
	root.SetArgs(args)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	err := root.ExecuteContext(context.Background())
	if err != nil {
		stderr.WriteString(err.Error())
	}
	return seen, stderr.String(), exitCode(err)
}

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "xdg"))
	for _, k := range []string{"VEZA_JOBS", "VEZA_ALPHA_JOBS", "VEZA_CONFIG", "VEZA_FFMPEG", "VEZA_TAGS"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}

	// 4. defaults
	seen, _, code := runWithSeen(t, []string{"alpha"})
	if code != 0 || seen["alpha.jobs"] != "1" || seen["alpha.tags"] != "d" {
		t.Fatalf("defaults: code %d seen %v", code, seen)
	}

	// 3b. XDG config file is read when ./veza.yaml is absent.
	xdg := filepath.Join(dir, "xdg", "veza")
	must(t, os.MkdirAll(xdg, 0o755))
	must(t, os.WriteFile(filepath.Join(xdg, "config.yaml"), []byte("jobs: 7\nffmpeg: /opt/ff\n"), 0o644))
	seen, _, _ = runWithSeen(t, []string{"alpha"})
	if seen["alpha.jobs"] != "7" || seen["alpha.ffmpeg"] != "/opt/ff" {
		t.Fatalf("xdg config: %v, want jobs 7 and ffmpeg /opt/ff", seen)
	}

	// 3a. ./veza.yaml wins over XDG; a command section beats a top-level key
	// and does not leak into the other command.
	must(t, os.WriteFile("veza.yaml", []byte("jobs: 3\ntags: [x, y]\nalpha:\n  jobs: 5\n"), 0o644))
	seen, _, _ = runWithSeen(t, []string{"alpha"})
	if seen["alpha.jobs"] != "5" || seen["alpha.tags"] != "x|y" {
		t.Fatalf("config section: %v", seen)
	}
	seen, _, _ = runWithSeen(t, []string{"beta"})
	if seen["beta.jobs"] != "3" {
		t.Fatalf("beta must see the top-level key, not alpha's section: %v", seen)
	}

	// --config names another file.
	other := filepath.Join(dir, "other.yaml")
	must(t, os.WriteFile(other, []byte("jobs: 11\n"), 0o644))
	seen, _, _ = runWithSeen(t, []string{"beta", "--config", other})
	if seen["beta.jobs"] != "11" {
		t.Fatalf("--config: %v", seen)
	}
	_, msg, code := runWithSeen(t, []string{"beta", "--config", filepath.Join(dir, "missing.yaml")})
	if code != ExitFailure || !strings.Contains(msg, "missing.yaml") {
		t.Fatalf("missing --config: code %d msg %q", code, msg)
	}

	// 2. environment beats the config file; the command-specific variable
	// beats the general one.
	t.Setenv("VEZA_JOBS", "20")
	seen, _, _ = runWithSeen(t, []string{"alpha"})
	if seen["alpha.jobs"] != "20" {
		t.Fatalf("VEZA_JOBS: %v", seen)
	}
	t.Setenv("VEZA_ALPHA_JOBS", "21")
	seen, _, _ = runWithSeen(t, []string{"alpha"})
	if seen["alpha.jobs"] != "21" {
		t.Fatalf("VEZA_ALPHA_JOBS: %v", seen)
	}
	seen, _, _ = runWithSeen(t, []string{"beta"})
	if seen["beta.jobs"] != "20" {
		t.Fatalf("VEZA_ALPHA_JOBS leaked into beta: %v", seen)
	}

	// 1. the flag beats everything.
	seen, _, _ = runWithSeen(t, []string{"alpha", "--jobs", "2", "--tags", "z"})
	if seen["alpha.jobs"] != "2" || seen["alpha.tags"] != "z" {
		t.Fatalf("flag: %v", seen)
	}

	// A bad value from the environment is a usage error naming its source.
	t.Setenv("VEZA_ALPHA_JOBS", "many")
	_, msg, code = runWithSeen(t, []string{"alpha"})
	if code != ExitUsage || !strings.Contains(msg, "VEZA_ALPHA_JOBS") {
		t.Fatalf("bad env: code %d msg %q", code, msg)
	}
}

// TestProjectConfigCannotRunPrograms is the delivered-folder attack: a
// veza.yaml next to the media names a script as ffprobe. veza must refuse the
// file before running anything, and say why.
func TestProjectConfigCannotRunPrograms(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "xdg"))
	for _, k := range []string{"VEZA_CONFIG", "VEZA_FFPROBE", "VEZA_FFMPEG"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	marker := filepath.Join(dir, "ran")
	must(t, os.WriteFile("evil.sh", []byte("#!/bin/sh\ntouch "+marker+"\nexit 1\n"), 0o755))
	must(t, os.WriteFile("song.wav", []byte("RIFF"), 0o644))
	for _, cfg := range []string{
		"ffprobe: ./evil.sh\n",
		"probe:\n  ffprobe: ./evil.sh\n",
		"ffmpeg: ./evil.sh\n",
		"check:\n  chromium: ./evil.sh\n",
		"serve:\n  player_js: ./evil.js\n",
	} {
		must(t, os.WriteFile("veza.yaml", []byte(cfg), 0o644))
		var out, errOut bytes.Buffer
		code := run(context.Background(), []string{"probe", "song.wav"}, &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
		if _, err := os.Stat(marker); err == nil {
			t.Fatalf("%q: the project file's program ran", cfg)
		}
		if code != ExitFailure || !strings.Contains(errOut.String(), "veza.yaml") || !strings.Contains(errOut.String(), "current folder") {
			t.Fatalf("%q: exit %d, stderr %q; want a refusal naming veza.yaml", cfg, code, errOut.String())
		}
	}

	// The same file passed with --config is the user's choice; -v says which
	// file was read.
	must(t, os.WriteFile("veza.yaml", []byte("ffprobe: ./evil.sh\n"), 0o644))
	var errOut bytes.Buffer
	run(context.Background(), []string{"probe", "song.wav", "--config", "veza.yaml", "-v"}, &IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &errOut})
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("--config veza.yaml: the named ffprobe did not run: %s", errOut.String())
	}
	if !strings.Contains(errOut.String(), "config: read veza.yaml") {
		t.Fatalf("-v does not name the config file: %q", errOut.String())
	}
}

// TestConfigFilePermissions refuses a config file found on its own when
// others may write it.
func TestConfigFilePermissions(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	xdg := filepath.Join(dir, "xdg")
	t.Setenv("XDG_CONFIG_HOME", xdg)
	t.Setenv("VEZA_CONFIG", "")
	os.Unsetenv("VEZA_CONFIG")
	must(t, os.MkdirAll(filepath.Join(xdg, "veza"), 0o755))
	user := filepath.Join(xdg, "veza", "config.yaml")
	for _, c := range []struct {
		path string
		mode os.FileMode
	}{{"veza.yaml", 0o666}, {user, 0o620}} {
		os.Remove("veza.yaml")
		must(t, os.WriteFile(c.path, []byte("jobs: 2\n"), 0o600))
		must(t, os.Chmod(c.path, c.mode))
		_, msg, code := runWithSeen(t, []string{"alpha"})
		if code != ExitFailure || !strings.Contains(msg, "group or others may write") {
			t.Fatalf("%s mode %o: exit %d %q", c.path, c.mode, code, msg)
		}
		must(t, os.Chmod(c.path, 0o644))
		if seen, msg, code := runWithSeen(t, []string{"alpha"}); code != 0 || seen["alpha.jobs"] != "2" {
			t.Fatalf("%s mode 0644: exit %d %q %v", c.path, code, msg, seen)
		}
	}
}

func TestExitCodes(t *testing.T) {
	cases := []struct {
		args []string
		want int
	}{
		{[]string{"version"}, ExitOK},
		{[]string{"no-such-command"}, ExitUsage},
		{[]string{"version", "--no-such-flag"}, ExitUsage},
		{[]string{"version", "extra"}, ExitUsage},
		{[]string{"completion", "bash"}, ExitOK},
		{[]string{"completion"}, ExitUsage},
	}
	for _, c := range cases {
		var out, errOut bytes.Buffer
		got := run(context.Background(), c.args, &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
		if got != c.want {
			t.Errorf("veza %v: exit %d, want %d (stderr %q)", c.args, got, c.want, errOut.String())
		}
	}
}

func TestInterruptedIs130(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errInterrupted)
	if got := exitCode(context.Cause(ctx)); got != ExitInterrupted {
		t.Fatalf("exit %d", got)
	}
	if got := exitCode(&PartialError{Failed: 1, Total: 2}); got != ExitPartial {
		t.Fatalf("partial exit %d", got)
	}
}

func TestVersionJSON(t *testing.T) {
	var out bytes.Buffer
	code := run(context.Background(), []string{"version", "--json"}, &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &bytes.Buffer{}})
	if code != 0 || !strings.Contains(out.String(), `"version"`) {
		t.Fatalf("code %d out %q", code, out.String())
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
