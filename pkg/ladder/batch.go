package ladder

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/veza-media/veza/pkg/catalog"
)

// BatchConfig is a batch of inputs built with the same settings, each into
// its own track: `veza ladder` and `veza segment` over their arguments.
type BatchConfig struct {
	// Inputs are the source files, one track each. Required.
	Inputs []string
	// Config is every input's settings. Its Input, Catalog, CatalogRoot
	// and OnEvent are set per input.
	Config Config
	// CatalogPath is the catalog file, opened once for the batch. It
	// defaults to catalog.DefaultPath(Config.OutDir); the catalog's paths
	// are relative to its folder.
	CatalogPath string
	// Segment, when set, builds each input with Segment in this mode
	// instead of Run.
	Segment SegmentMode
	// Fetch, when set, is called for each input just before it is built
	// and returns the local file to build it from, what the catalog
	// records as its source (Config.Source) and a cleanup called once the
	// input is built; an error fails that input alone. Inputs read from a
	// bucket are fetched this way, one at a time. nil builds the inputs as
	// local files.
	Fetch func(ctx context.Context, input string) (local, source string, cleanup func(), err error)
	// OnStart is called before an input is built, OnEvent with its events
	// and OnDone with its result, one input after the other. Any may be
	// nil.
	OnStart func(input string)
	OnEvent func(input string, ev Event)
	OnDone  func(BatchResult)
}

// BatchResult is what became of one input of a batch.
type BatchResult struct {
	Input string `json:"input"`
	// Result is what was built; it may be partial when Err is set.
	*Result
	// Err is why the input failed; nil when it was built.
	Err error `json:"-"`
}

// RunAll builds every input of the batch in order. One failing input
// never stops the others: its BatchResult says why. RunAll returns an
// error when the catalog cannot be opened, or with the results so far (the
// interrupted input's last) when ctx ended the batch.
func RunAll(ctx context.Context, bc BatchConfig) ([]BatchResult, error) {
	catPath := bc.CatalogPath
	if catPath == "" {
		catPath = catalog.DefaultPath(bc.Config.OutDir)
	}
	db, err := catalog.Open(catPath)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	results := make([]BatchResult, 0, len(bc.Inputs))
	for _, in := range bc.Inputs {
		res := BatchResult{Input: in}
		local, source, cleanup := in, "", func() {}
		if bc.Fetch != nil {
			l, s, c, err := bc.Fetch(ctx, in)
			if err != nil {
				res.Err = err
			} else {
				local, source, cleanup = l, s, c
			}
		}
		if res.Err != nil {
			// The fetch said why.
		} else if st, err := os.Stat(local); err != nil {
			res.Err = fmt.Errorf("ladder %q: no such file", in)
		} else if st.IsDir() {
			res.Err = fmt.Errorf("ladder %q: is a directory", in)
		} else {
			if bc.OnStart != nil {
				bc.OnStart(in)
			}
			cfg := bc.Config
			cfg.Input, cfg.Source, cfg.Catalog, cfg.CatalogRoot = local, source, db, filepath.Dir(catPath)
			cfg.OnEvent = nil
			if bc.OnEvent != nil {
				cfg.OnEvent = func(ev Event) { bc.OnEvent(in, ev) }
			}
			if bc.Segment != "" {
				res.Result, res.Err = Segment(ctx, cfg, bc.Segment)
			} else {
				res.Result, res.Err = Run(ctx, cfg)
			}
			if res.Err != nil && local != in {
				// The messages name the copy; say what it is a copy of.
				res.Err = fmt.Errorf("%s: %w", in, res.Err)
			}
		}
		cleanup()
		results = append(results, res)
		if bc.OnDone != nil {
			bc.OnDone(res)
		}
		if res.Err != nil && ctx.Err() != nil {
			return results, res.Err
		}
	}
	return results, nil
}

// Failed counts the inputs of results that failed.
func Failed(results []BatchResult) int {
	n := 0
	for _, r := range results {
		if r.Err != nil {
			n++
		}
	}
	return n
}
