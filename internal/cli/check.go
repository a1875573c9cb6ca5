package cli

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/veza-media/veza/pkg/check"
	"github.com/veza-media/veza/pkg/layout"
	"github.com/veza-media/veza/pkg/player"
)

// CheckOptions is what `veza check` was asked to do.
type CheckOptions struct {
	IO *IOStreams

	// Target is a playlist or a folder of output.
	Target string
	// JUnit is a file to write JUnit XML to; empty for none.
	JUnit string
	// Seconds of media each variant must play.
	Seconds float64
	// Chromium is the browser binary; empty finds Debian's chromium.
	Chromium string
	// PlayerJS is a hls.min.js to use instead of the pinned release.
	PlayerJS string
	// DASHPlayerJS is a Shaka Player build to play .mpd manifests with
	// instead of the pinned release.
	DASHPlayerJS string
	// FetchPlayer allows `npm pack` of the pinned hls.js (and Shaka
	// Player, for MPDs) when not cached.
	FetchPlayer bool
	// Timeout bounds each variant's playback; 0 lets the library decide.
	Timeout time.Duration
}

// NewCmdCheck builds `veza check`; runF replaces the run step in tests.
func NewCmdCheck(f *Factory, runF func(context.Context, *CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "check PLAYLIST|DIR",
		Short: "Play HLS (hls.js) and DASH (Shaka Player) output in headless Chromium: the CI playback smoke test",
		Long: "Serve the output on a loopback port, open Debian's headless Chromium and, for every\n" +
			"master playlist (every media playlist when a folder has no master): ask Media Source\n" +
			"Extensions whether each variant's CODECS string plays, then play each variant in turn\n" +
			"with hls.js locked to it and require --seconds of media without a fatal error. Every\n" +
			".mpd (DASH) is checked the same way with Shaka Player, one Representation at a time.\n" +
			"A codec the browser cannot decode at all (Debian's Chromium has no HEVC) is skipped,\n" +
			"not failed. Prints a table (--json: the report), writes JUnit XML with --junit, exits\n" +
			"1 if any check fails.",
		Example: "  veza check out/\n  veza check out/song/master.m3u8 --seconds 4 --junit check.xml",
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Target = args[0]
			if opts.Seconds <= 0 {
				return usageErrorf("--seconds must be positive")
			}
			if opts.Timeout < 0 {
				return usageErrorf("--timeout must not be negative")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runCheck(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.JUnit, "junit", "", "write the results as JUnit XML to this file")
	cmd.Flags().Float64Var(&opts.Seconds, "seconds", 2, "seconds of media each variant must play")
	cmd.Flags().StringVar(&opts.Chromium, "chromium", "", "Chromium binary (default: chromium on PATH, then /usr/bin/chromium)")
	cmd.Flags().StringVar(&opts.PlayerJS, "player-js", "", "hls.min.js to use instead of fetching hls.js "+player.HLSJSVersion)
	cmd.Flags().StringVar(&opts.DASHPlayerJS, "dash-player-js", "", "Shaka Player script to play .mpd manifests with instead of fetching shaka-player "+player.ShakaVersion)
	cmd.Flags().BoolVar(&opts.FetchPlayer, "fetch-player", true, "fetch the pinned hls.js (and Shaka Player for .mpd) with npm on first use")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", 0, "give up on one variant after this long (default 30s + 4×--seconds)")
	return cmd
}

func runCheck(ctx context.Context, opts *CheckOptions) error {
	rep, err := check.Run(ctx, check.Config{
		Target:   opts.Target,
		Seconds:  opts.Seconds,
		HLSJS:    player.Options{Path: opts.PlayerJS, Fetch: opts.FetchPlayer},
		Shaka:    player.Options{Path: opts.DASHPlayerJS, Fetch: opts.FetchPlayer},
		Chromium: opts.Chromium,
		Timeout:  opts.Timeout,
		OnResult: func(r check.Result) {
			mark := "ok  "
			switch {
			case r.Skipped:
				mark = "skip"
			case !r.Passed:
				mark = "FAIL"
			}
			opts.IO.Logf("%s", strings.TrimSpace(fmt.Sprintf("%s %s %s %s %s", mark, r.Master, r.Kind, r.Name(), r.Error)))
		},
	})
	if err != nil {
		return err
	}
	if opts.JUnit != "" {
		var buf bytes.Buffer
		if err := rep.WriteJUnit(&buf); err != nil {
			return err
		}
		if err := layout.WriteFile(opts.JUnit, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("junit: %w", err)
		}
	}
	if opts.IO.JSON {
		if err := writeJSON(opts.IO.Out, rep); err != nil {
			return err
		}
	} else {
		writeCheckTable(opts.IO.Out, rep, opts.IO.ColorOut())
	}
	if n := rep.Failed(); n > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "veza check: %d of %d checks failed\n", n, len(rep.Results))
		return errSilent
	}
	skipped := 0
	for _, r := range rep.Results {
		if r.Skipped {
			skipped++
		}
	}
	if skipped > 0 {
		opts.IO.Logf("%d checks passed, %d skipped (%s, %.1f s)", len(rep.Results)-skipped, skipped, rep.Browser, rep.Elapsed.Seconds())
		return nil
	}
	opts.IO.Logf("all %d checks passed (%s, %.1f s)", len(rep.Results), rep.Browser, rep.Elapsed.Seconds())
	return nil
}
