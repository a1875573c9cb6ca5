package verify

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/veza-media/veza/pkg/layout"
)

// Options configure Path, All and HLS. The zero value checks everything
// once, with ffprobe from PATH.
type Options struct {
	// FFprobe is the ffprobe binary. It defaults to "ffprobe" on PATH.
	FFprobe string
	// Jobs bounds how many segments are probed at once. It defaults to
	// runtime.NumCPU().
	Jobs int
	// NoProbe skips the rules that need ffprobe (M3 and M4 on real
	// durations, M11, P4, P5 values, S1–S4), leaving the playlist and file
	// rules. Default false.
	NoProbe bool
	// OnProbe, when set, is called after each segment is probed with the
	// number done and the total, from one goroutine at a time, for progress
	// bars.
	OnProbe func(done, total int)
	// RequireIFrames makes a video variant without an I-frame playlist a
	// MUST finding (HLS-RULES P9) instead of the P8 SHOULD finding. The
	// checks of the I-frame playlists a master lists run either way.
	// Default false.
	RequireIFrames bool
	// Live, when set, makes Path sample a live media playlist with Live
	// instead of checking the output once (see Live; ffprobe is not run).
	// Default nil.
	Live *LiveOptions
}

// Path checks the output at path: an .mpd with the DASH rules, a folder
// with the HLS rules and, when it holds MPDs, the DASH rules too (one
// report), anything else (a master or media playlist) with the HLS rules.
// With opts.Live it samples path as a live media playlist.
//
// The error is for what stops verification (no such path, nothing to
// check in a folder, ffprobe missing, ctx cancelled); broken output is
// findings in the Report.
func Path(ctx context.Context, path string, opts Options) (*Report, error) {
	if opts.Live != nil {
		return Live(ctx, path, *opts.Live)
	}
	st, err := os.Stat(path)
	if err == nil && !st.IsDir() && strings.EqualFold(filepath.Ext(path), ".mpd") {
		return DASH(ctx, path)
	}
	if err != nil || !st.IsDir() {
		return HLS(ctx, path, opts)
	}
	found, err := layout.Find(path)
	if err != nil || len(found.Manifests) == 0 {
		return HLS(ctx, path, opts)
	}
	drep, err := DASH(ctx, path)
	if err != nil {
		return nil, err
	}
	hrep, err := HLS(ctx, path, opts)
	if err != nil {
		if ctx.Err() != nil || len(found.Playlists) > 0 {
			return nil, err
		}
		return drep, nil // a DASH-only folder
	}
	hrep.Playlists = append(hrep.Playlists, drep.Playlists...)
	hrep.Must += drep.Must
	hrep.Should += drep.Should
	return hrep, nil
}

// Result is the outcome of one path of All.
type Result struct {
	Path string `json:"path"`
	// OK says the path was verified and no MUST rule is broken.
	OK bool `json:"ok"`
	// Error is what stopped verification of this path ("" when it ran).
	Error string `json:"error,omitempty"`
	*Report
}

// All checks each path with Path and returns one Result per path, in the
// order given. Live sampling waits on the clock, so with opts.Live all
// paths are sampled at once; offline checks already use every CPU for one
// path and run one path after the other. The error is ctx's when it ended
// the run; a path that cannot be checked has its Error set instead.
func All(ctx context.Context, paths []string, opts Options) ([]Result, error) {
	results := make([]Result, len(paths))
	var wg sync.WaitGroup
	for i, p := range paths {
		results[i].Path = p
		run := func() {
			var err error
			results[i].Report, err = Path(ctx, p, opts)
			if err != nil {
				results[i].Error = err.Error()
			}
		}
		if opts.Live != nil {
			wg.Go(run)
			continue
		}
		run()
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil, ctx.Err()
		}
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i := range results {
		r := &results[i]
		r.OK = r.Error == "" && !r.Report.Failed()
	}
	return results, nil
}
