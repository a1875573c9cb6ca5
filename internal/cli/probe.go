package cli

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/veza-media/veza/pkg/ffprobe"
)

// ProbeOptions is what `veza probe` was asked to do.
type ProbeOptions struct {
	IO     *IOStreams
	Prober func() (*ffprobe.Prober, error)

	// Inputs are files or URLs, reported in this order.
	Inputs []string
	// Timeout bounds each input's ffprobe run.
	Timeout time.Duration
	// Jobs is how many inputs are probed at once.
	Jobs int
	// Loudness adds the EBU R128 loudness (integrated, range, true peak)
	// and the silences of each input's first audio stream: one more decode
	// of the audio per input, with ffmpeg.
	Loudness bool
	FFmpeg   func() (string, error)
}

// NewCmdProbe builds `veza probe`; runF replaces the run step in tests.
func NewCmdProbe(f *Factory, runF func(context.Context, *ProbeOptions) error) *cobra.Command {
	opts := &ProbeOptions{IO: f.IO, Prober: f.Prober, FFmpeg: f.FFmpeg}
	cmd := &cobra.Command{
		Use:   "probe FILE|URL...",
		Short: "Show streams, HLS codec strings and problems of media files",
		Long: "Probe files or URLs with ffprobe and show their container, streams, RFC 6381 codec\n" +
			"strings read from the bitstream, display size and whether each is usable as a source.\n" +
			"With --json, print an array with one object per input, in the order given.\n" +
			"Exits 1 if any input could not be probed.",
		Example: "  veza probe clip.mp4\n  veza probe --json *.mkv | jq '.[].summary'",
		Args:    usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Inputs = args
			if opts.Timeout <= 0 {
				return usageErrorf("--timeout must be positive")
			}
			if opts.Jobs < 1 {
				return usageErrorf("--jobs must be at least 1")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runProbe(cmd.Context(), opts)
		},
	}
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", ffprobe.DefaultTimeout, "give up on one input after this long")
	cmd.Flags().IntVarP(&opts.Jobs, "jobs", "j", 4, "inputs probed at the same time")
	cmd.Flags().BoolVar(&opts.Loudness, "loudness", false, "also measure integrated loudness, loudness range, true peak and silences (decodes the audio)")
	return cmd
}

// probeJSON is one element of the --json array: the result, or for an
// input that failed only its name and the error.
type probeJSON struct {
	Input string `json:"input"`
	*ffprobe.Result
	Loudness *probeLoudness `json:"loudness,omitempty"`
	Error    string         `json:"error,omitempty"`
}

func runProbe(ctx context.Context, opts *ProbeOptions) error {
	p, err := opts.Prober()
	if err != nil {
		return err
	}
	p.Timeout = opts.Timeout
	var ffmpeg string
	if opts.Loudness {
		if ffmpeg, err = opts.FFmpeg(); err != nil {
			return err
		}
	}

	n := len(opts.Inputs)
	results := make([]*ffprobe.Result, n)
	louds := make([]*probeLoudness, n)
	errs := make([]error, n)
	done := make([]chan struct{}, n)
	for i := range done {
		done[i] = make(chan struct{})
	}
	sem := make(chan struct{}, opts.Jobs)
	var wg sync.WaitGroup
	for i, in := range opts.Inputs {
		wg.Go(func() {
			defer close(done[i])
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				errs[i] = ctx.Err()
				return
			}
			defer func() { <-sem }()
			results[i], errs[i] = p.Probe(ctx, in)
			if errs[i] == nil && opts.Loudness && results[i].Summary.HasAudio {
				louds[i], errs[i] = measureProbeLoudness(ctx, ffmpeg, in)
			}
		})
	}
	defer wg.Wait()

	// Report in input order as soon as each input and all before it are done.
	failed := 0
	var out []probeJSON
	for i, in := range opts.Inputs {
		<-done[i]
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(errs[i], ffprobe.ErrNotFound) {
			return errs[i]
		}
		if errs[i] != nil {
			failed++
			fmt.Fprintf(opts.IO.ErrOut, "veza: %v\n", errs[i])
			out = append(out, probeJSON{Input: in, Error: errs[i].Error()})
			continue
		}
		if opts.IO.JSON {
			out = append(out, probeJSON{Input: in, Result: results[i], Loudness: louds[i]})
			continue
		}
		if i > 0 {
			fmt.Fprintln(opts.IO.Out)
		}
		writeProbeTable(opts.IO.Out, results[i], opts.IO.ColorOut())
		if opts.Loudness {
			writeProbeLoudness(opts.IO.Out, louds[i])
		}
	}
	if opts.IO.JSON {
		if err := writeJSON(opts.IO.Out, out); err != nil {
			return err
		}
	}
	if failed > 0 {
		return errSilent
	}
	return nil
}
