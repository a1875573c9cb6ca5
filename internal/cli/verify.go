package cli

import (
	"context"
	"encoding/json"
	"time"

	"github.com/spf13/cobra"

	"github.com/veza-media/veza/pkg/verify"
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

func runVerify(ctx context.Context, opts *VerifyOptions) error {
	// Apple's authoring rules make I-frame playlists a MUST for video.
	vopts := verify.Options{Jobs: opts.Jobs, NoProbe: opts.NoProbe || opts.Live, RequireIFrames: !opts.Live}
	if opts.Live {
		vopts.Live = &verify.LiveOptions{Duration: opts.Duration, Interval: opts.Interval}
	}
	if !vopts.NoProbe {
		path, err := opts.FFprobe()
		if err != nil {
			return err
		}
		vopts.FFprobe = path
	}
	results, err := verify.All(ctx, opts.Paths, vopts)
	if err != nil {
		return err
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
	for _, r := range results {
		if !r.OK {
			return errSilent
		}
	}
	return nil
}
