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
	must(t, os.WriteFile(filepath.Join(xdg, "config.yaml"), []byte("jobs: 7\n"), 0o644))
	seen, _, _ = runWithSeen(t, []string{"alpha"})
	if seen["alpha.jobs"] != "7" {
		t.Fatalf("xdg config: alpha.jobs = %s, want 7", seen["alpha.jobs"])
	}

	// 3a. ./veza.yaml wins over XDG; a command section beats a top-level key
	// and does not leak into the other command.
	must(t, os.WriteFile("veza.yaml", []byte("jobs: 3\ntags: [x, y]\nffmpeg: /opt/ff\nalpha:\n  jobs: 5\n"), 0o644))
	seen, _, _ = runWithSeen(t, []string{"alpha"})
	if seen["alpha.jobs"] != "5" || seen["alpha.tags"] != "x|y" || seen["alpha.ffmpeg"] != "/opt/ff" {
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
