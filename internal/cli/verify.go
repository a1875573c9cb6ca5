package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/spf13/cobra"

	"github.com/veza-media/veza/pkg/hls"
)

// VerifyOptions is what `veza verify` was asked to do.
type VerifyOptions struct {
	IO      *IOStreams
	FFprobe func() (string, error)

	// Paths are masters, media playlists or output folders, reported in
	// this order.
	Paths []string
	// NoProbe skips the rules that need ffprobe.
	NoProbe bool
	// Jobs is how many segments are probed at once (0: one per CPU).
	Jobs int

	// Live samples each path (a live media playlist) for Duration, reading
	// it every Interval (0: a tenth of its target duration).
	Live     bool
	Duration time.Duration
	Interval time.Duration
}

// NewCmdVerify builds `veza verify`; runF replaces the run step in tests.
func NewCmdVerify(f *Factory, runF func(context.Context, *VerifyOptions) error) *cobra.Command {
	opts := &VerifyOptions{IO: f.IO, FFprobe: f.FFprobe}
	cmd := &cobra.Command{
		Use:   "verify PATH...",
		Short: "Check HLS output against the HLS rules (RFC 8216, Apple's authoring spec)",
		Long: "Check a master playlist, a media playlist or an output folder (every .m3u8 in it) against\n" +
			"the rules of HLS-RULES.md: playlist syntax and timing, files on disk, BANDWIDTH measured from\n" +
			"the segments, CODECS read from the bitstream, IDR-aligned segments and more.\n\n" +
			"MUST failures are listed on stdout, grouped by playlist, and exit 1. SHOULD findings are\n" +
			"warnings on stderr and exit 0. With --live, each PATH is a live media playlist sampled for\n" +
			"--duration and checked at every version (window size, update timing, append-only changes,\n" +
			"segment deletion, program dates).",
		Example: "  veza verify out/track\n  veza verify --json out/track/master.m3u8 | jq '.[0].must'\n" +
			"  veza verify --live --duration 1m live/index.m3u8",
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			if opts.Jobs < 0 {
				return usageErrorf("--jobs must not be negative")
			}
			if opts.Live && opts.Duration <= 0 {
				return usageErrorf("--duration must be positive")
			}
			if opts.Interval < 0 {
				return usageErrorf("--interval must not be negative")
			}
			if !opts.Live && (cmd.Flags().Changed("duration") || cmd.Flags().Changed("interval")) {
				return usageErrorf("--duration and --interval need --live")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runVerify(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.NoProbe, "no-probe", false, "skip the checks that need ffprobe (segment timing, codecs, IDR frames)")
	fl.IntVarP(&opts.Jobs, "jobs", "j", 0, "segments probed at the same time (default: one per CPU)")
	fl.BoolVar(&opts.Live, "live", false, "sample live media playlists over time and check the live rules")
	fl.DurationVar(&opts.Duration, "duration", 30*time.Second, "with --live: how long to sample")
	fl.DurationVar(&opts.Interval, "interval", 0, "with --live: time between reads (default: a tenth of the target duration)")
	return cmd
}

// verifyResult is one PATH's outcome; with --json the command prints an
// array of them, in the order given.
type verifyResult struct {
	Path  string `json:"path"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
	*hls.Report
}

func runVerify(ctx context.Context, opts *VerifyOptions) error {
	hopts := hls.Options{Jobs: opts.Jobs, NoProbe: opts.NoProbe || opts.Live}
	if !hopts.NoProbe {
		path, err := opts.FFprobe()
		if err != nil {
			return err
		}
		hopts.FFprobe = path
	}
	results := make([]verifyResult, len(opts.Paths))
	var wg sync.WaitGroup
	for i, p := range opts.Paths {
		results[i].Path = p
		run := func() {
			var err error
			if opts.Live {
				results[i].Report, err = hls.VerifyLive(ctx, p, hls.LiveOptions{Duration: opts.Duration, Interval: opts.Interval})
			} else {
				results[i].Report, err = verifyPath(ctx, p, hopts)
			}
			if err != nil {
				results[i].Error = err.Error()
			}
		}
		// Live sampling waits on the clock, so all paths sample at once;
		// offline checks already use every CPU for one path.
		if opts.Live {
			wg.Go(run)
		} else {
			run()
			if errors.Is(ctx.Err(), context.Canceled) {
				return ctx.Err()
			}
		}
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	failed := false
	for i := range results {
		r := &results[i]
		r.OK = r.Error == "" && !r.Report.Failed()
		failed = failed || !r.OK
	}
	if opts.IO.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(results); err != nil {
			return err
		}
	} else {
		for _, r := range results {
			writeVerifyText(opts.IO, r)
		}
	}
	if failed {
		return errSilent
	}
	return nil
}

// writeVerifyText prints one PATH's outcome for people: MUST findings as a
// table per playlist on stdout, SHOULD findings and notes on stderr, and a
// one-line summary.
func writeVerifyText(ios *IOStreams, r verifyResult) {
	re := lipgloss.NewRenderer(ios.Out)
	if !ios.ColorOut() {
		re.SetColorProfile(termenv.Ascii)
	}
	bad := re.NewStyle().Foreground(lipgloss.Color("1")).Bold(true)
	good := re.NewStyle().Foreground(lipgloss.Color("2")).Bold(true)
	bold := re.NewStyle().Bold(true)
	if r.Error != "" {
		fmt.Fprintf(ios.ErrOut, "veza: %s\n", r.Error)
		fmt.Fprintf(ios.Out, "%s %s: not verified\n", bad.Render("FAIL"), r.Path)
		return
	}
	rep := r.Report
	playlistsFailed := 0
	for _, p := range rep.Playlists {
		var must []hls.Finding
		for _, f := range p.Findings {
			if f.Severity == hls.Must {
				must = append(must, f)
			} else {
				ios.Warnf("%s %s: %s", f.Rule, findingWhere(f), f.Message)
			}
		}
		for _, n := range p.Notes {
			ios.Logf("note: %s: %s", p.Path, n)
		}
		if len(must) == 0 {
			continue
		}
		playlistsFailed++
		fmt.Fprintf(ios.Out, "%s (%s)\n", bold.Render(p.Path), describePlaylist(p))
		writeVerifyFindings(ios.Out, must, bad)
		fmt.Fprintln(ios.Out)
	}
	counts := fmt.Sprintf("%s, %s checked", pluralize(len(rep.Playlists), "playlist"), pluralize(rep.Segments(), "segment"))
	if rep.Should > 0 {
		counts += ", " + pluralize(rep.Should, "warning")
	}
	if rep.Failed() {
		fmt.Fprintf(ios.Out, "%s %s: %s in %d of %s\n", bad.Render("FAIL"), r.Path,
			pluralize(rep.Must, "MUST failure"), playlistsFailed, counts)
		return
	}
	fmt.Fprintf(ios.Out, "%s %s: %s\n", good.Render("OK"), r.Path, counts)
}

func writeVerifyFindings(w io.Writer, fs []hls.Finding, ruleStyle lipgloss.Style) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  RULE\tSEGMENT\tPROBLEM")
	for _, f := range fs {
		seg := f.Segment
		if seg == "" {
			seg = "-"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", ruleStyle.Render(f.Rule), seg, f.Message)
	}
	tw.Flush()
}

func findingWhere(f hls.Finding) string {
	if f.Segment != "" {
		return f.Playlist + " " + f.Segment
	}
	return f.Playlist
}

func describePlaylist(p hls.PlaylistReport) string {
	switch p.Kind {
	case "master":
		return "master, " + pluralize(p.Variants, "variant")
	case "mpd":
		return "DASH MPD, " + pluralize(p.Variants, "representation") + ", " + pluralize(p.Segments, "segment")
	}
	return "media, " + pluralize(p.Segments, "segment")
}

func pluralize(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
