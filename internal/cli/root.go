package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

// Main runs veza with args and returns the process exit code.
func Main(args []string) int {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		select {
		case <-sigs:
			cancel(errInterrupted)
		case <-ctx.Done():
		}
	}()
	return run(ctx, args, SystemIO())
}

// run executes one veza invocation; tests call it with their own streams.
func run(ctx context.Context, args []string, ios *IOStreams) int {
	f := &Factory{IO: ios}
	root := NewRootCmd(f)
	root.SetArgs(args)
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	err := root.ExecuteContext(ctx)
	if err != nil && context.Cause(ctx) == errInterrupted && !errors.Is(err, errInterrupted) {
		err = fmt.Errorf("%w: %v", errInterrupted, err)
	}
	if err != nil && strings.HasPrefix(err.Error(), "unknown command") {
		err = &UsageError{Err: err}
	}
	err = withFlagHint(err)
	code := exitCode(err)
	if err != nil && !errors.Is(err, errSilent) {
		fmt.Fprintf(ios.ErrOut, "veza: %v\n", err)
		if code == ExitUsage {
			fmt.Fprintln(ios.ErrOut, "Run 'veza --help' for usage.")
		}
	}
	return code
}

// NewRootCmd builds the veza command tree.
func NewRootCmd(f *Factory) *cobra.Command {
	var configPath string
	var noColor bool
	root := &cobra.Command{
		Use:           "veza",
		Short:         "Encode, segment and verify media for HLS with FFmpeg",
		Long:          "veza builds correct, measured HLS output with FFmpeg: probe sources, transcode batches,\nsegment and build ABR ladders, verify playlists and preview them.",
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			cfg, file, err := loadConfigFile(configPath)
			if err != nil {
				return err
			}
			f.Config, f.ConfigPath = cfg, file.Path
			if err := applyConfig(cmd, cfg); err != nil {
				return err
			}
			if noColor {
				f.IO.NoColor = true
			}
			if f.IO.Quiet && f.IO.Verbose {
				return usageErrorf("--quiet and --verbose cannot be used together")
			}
			if file.Path != "" {
				f.IO.Debugf("config: read %s", file.Path)
			} else {
				f.IO.Debugf("config: no config file")
			}
			return nil
		},
	}
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return &UsageError{Err: err} })
	pf := root.PersistentFlags()
	pf.StringVar(&configPath, "config", "", "config file (default ./veza.yaml, then $XDG_CONFIG_HOME/veza/config.yaml)")
	pf.BoolVar(&f.IO.JSON, "json", false, "write machine-readable JSON on stdout")
	pf.BoolVarP(&f.IO.Quiet, "quiet", "q", false, "print only errors and data")
	pf.BoolVarP(&f.IO.Verbose, "verbose", "v", false, "print more detail on stderr")
	pf.BoolVar(&noColor, "no-color", false, "never colour output (also NO_COLOR)")
	pf.StringVar(&f.FFmpegPath, "ffmpeg", "", "ffmpeg binary (default: ffmpeg on PATH)")
	pf.StringVar(&f.FFprobePath, "ffprobe", "", "ffprobe binary (default: ffprobe on PATH)")
	pf.BoolVar(&f.AllowIndirect, "allow-indirect-input", false, "read local inputs that name other files (HLS playlists, ffconcat scripts); off because such a file can pull in any media it names")

	// Every command veza has; this list is the only place they are added.
	root.AddCommand(
		NewCmdProbe(f, nil),
		NewCmdTranscode(f, nil),
		NewCmdSegment(f, nil),
		NewCmdLadder(f, nil),
		NewCmdSubmit(f, nil),
		NewCmdWorker(f, nil),
		NewCmdJobs(f, nil),
		NewCmdVerify(f, nil),
		NewCmdCheck(f, nil),
		NewCmdReport(f, nil),
		NewCmdServe(f, nil),
		NewCmdCatalog(f, nil),
		NewCmdPublish(f, nil),
		NewCmdVersion(f),
		NewCmdCompletion(f),
	)
	return root
}

// usageArgs wraps a cobra argument validator so its failures exit 2.
func usageArgs(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := v(cmd, args); err != nil {
			return &UsageError{Err: err}
		}
		return nil
	}
}

// NewCmdCompletion builds `veza completion`.
func NewCmdCompletion(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:       "completion bash|zsh|fish|powershell",
		Short:     "Print a shell completion script",
		Args:      usageArgs(cobra.ExactValidArgs(1)),
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		RunE: func(cmd *cobra.Command, args []string) error {
			root := cmd.Root()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(f.IO.Out, true)
			case "zsh":
				return root.GenZshCompletion(f.IO.Out)
			case "fish":
				return root.GenFishCompletion(f.IO.Out, true)
			default:
				return root.GenPowerShellCompletionWithDesc(f.IO.Out)
			}
		},
	}
}
