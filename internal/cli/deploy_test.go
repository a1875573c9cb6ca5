package cli

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/veza-media/veza/pkg/shard"
)

// exampleVars stand for what CI and Kubernetes put in the environment.
var exampleVars = map[string]string{
	"${{ matrix.shard }}": "2",
	"$CI_NODE_INDEX":      "2",
	"$CI_NODE_TOTAL":      "3",
	`"$POD_NAME"`:         "worker-0",
}

// TestDeployExamples parses every veza command line of the deploy/
// examples with the real commands: the examples keep working as flags
// change.
func TestDeployExamples(t *testing.T) {
	t.Setenv(shard.EnvIndex, "0")
	t.Setenv(shard.EnvCount, "3")
	files, _ := filepath.Glob("../../deploy/*/*.y*ml")
	if len(files) < 3 {
		t.Fatalf("deploy examples: found %v", files)
	}
	seen := map[string]bool{}
	for _, file := range files {
		lines := vezaLines(t, file)
		if len(lines) == 0 {
			t.Errorf("%s: no veza command line", file)
		}
		for _, line := range lines {
			args := shellWords(line)[1:]
			seen[args[0]] = true
			if err := parseExample(args); err != nil {
				t.Errorf("%s: %s: %v", file, line, err)
			}
		}
	}
	for _, cmd := range []string{"ladder", "transcode", "worker"} {
		if !seen[cmd] {
			t.Errorf("no example runs veza %s", cmd)
		}
	}
}

// vezaLines returns the shell lines starting with "veza " in the string
// values of a YAML file, continuation lines joined and variables replaced.
func vezaLines(t *testing.T, file string) []string {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var out []string
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode {
			text := strings.ReplaceAll(n.Value, "\\\n", " ")
			for _, line := range strings.Split(text, "\n") {
				line = strings.TrimSpace(line)
				if strings.HasPrefix(line, "veza ") {
					for k, v := range exampleVars {
						line = strings.ReplaceAll(line, k, v)
					}
					out = append(out, line)
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&doc)
	return out
}

var shellWord = regexp.MustCompile(`'[^']*'|"[^"]*"|\S+`)

// shellWords splits a command line the way sh would for the plain words
// and whole-word quotes the examples use.
func shellWords(line string) []string {
	words := shellWord.FindAllString(line, -1)
	for i, w := range words {
		words[i] = strings.Trim(w, `'"`)
	}
	return words
}

// parseExample parses args (after "veza") with the command they name, its
// run step replaced.
func parseExample(args []string) error {
	builders := map[string]func(*Factory) *cobra.Command{
		"ladder":    func(f *Factory) *cobra.Command { return NewCmdLadder(f, noRun[LadderOptions]) },
		"transcode": func(f *Factory) *cobra.Command { return NewCmdTranscode(f, noRun[TranscodeOptions]) },
		"submit":    func(f *Factory) *cobra.Command { return NewCmdSubmit(f, noRun[SubmitOptions]) },
		"worker":    func(f *Factory) *cobra.Command { return NewCmdWorker(f, noRun[WorkerOptions]) },
		"jobs":      func(f *Factory) *cobra.Command { return NewCmdJobs(f, noRun[JobsOptions]) },
	}
	build, ok := builders[args[0]]
	if !ok {
		return &UsageError{Err: os.ErrNotExist}
	}
	f := &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: os.Stderr, ErrOut: os.Stderr}}
	cmd := build(f)
	cmd.SetArgs(args[1:])
	return cmd.Execute()
}

func noRun[O any](context.Context, *O) error { return nil }
