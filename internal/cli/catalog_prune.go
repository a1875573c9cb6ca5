package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/publish"
	"github.com/veza-media/veza/pkg/recorder"
)

// CatalogPruneOptions is what `veza catalog prune` was asked to do.
type CatalogPruneOptions struct {
	IO *IOStreams
	// Catalog is the catalog file (--catalog resolved).
	Catalog string
	// OlderThan is --older-than, the retention of everything prune
	// removes; Recordings is --recordings-older-than, which wins for
	// recordings. Only raw recordings are pruned so far.
	OlderThan, Recordings time.Duration
	DryRun                bool
	S3                    S3Options
}

// NewCmdCatalogPrune builds `veza catalog prune`; runF replaces the run
// step in tests.
func NewCmdCatalogPrune(f *Factory, runF func(context.Context, *CatalogPruneOptions) error) *cobra.Command {
	opts := &CatalogPruneOptions{IO: f.IO}
	var olderThan, recordings string
	cmd := &cobra.Command{
		Use:   "prune --older-than AGE",
		Short: "Remove raw live recordings (files, bucket parts, catalog rows) past their retention",
		Long: "Remove the raw recordings of live streams (segment --record) that ended more than AGE ago:\n" +
			"their parts backed up to object storage, the file and what a crashed job left beside it, and\n" +
			"their catalog rows, saying what was removed. AGE is a number of days (7d), weeks (2w) or a\n" +
			"duration (36h, 90m). Recordings still being written are never removed.",
		Example: "  veza catalog prune --older-than 7d --catalog out\n  veza catalog prune --recordings-older-than 30d --dry-run",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if olderThan != "" {
				if opts.OlderThan, err = parseAge(olderThan); err != nil {
					return usageErrorf("--older-than: %v", err)
				}
			}
			if recordings != "" {
				if opts.Recordings, err = parseAge(recordings); err != nil {
					return usageErrorf("--recordings-older-than: %v", err)
				}
			}
			if opts.OlderThan == 0 && opts.Recordings == 0 {
				return usageErrorf("prune: give --older-than or --recordings-older-than")
			}
			opts.Catalog = catalogFile("")
			if fl := cmd.Flag("catalog"); fl != nil {
				opts.Catalog = catalogFile(fl.Value.String())
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runCatalogPrune(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&olderThan, "older-than", "", "remove what ended longer ago than this (7d, 2w, 36h)")
	fl.StringVar(&recordings, "recordings-older-than", "", "the retention of raw recordings, over --older-than")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "list what would be removed, removing nothing")
	fl.StringVar(&opts.S3.Endpoint, "s3-endpoint", "", "S3 endpoint URL of the bucket holding recording parts (default: the AWS SDK's chain)")
	fl.BoolVar(&opts.S3.PathStyle, "s3-path-style", false, "address buckets as ENDPOINT/bucket, as most S3-compatible stores want")
	return cmd
}

// parseAge reads a retention: Nd, Nw or a Go duration, more than zero.
func parseAge(s string) (time.Duration, error) {
	unit := map[byte]time.Duration{'d': 24 * time.Hour, 'w': 7 * 24 * time.Hour}
	var d time.Duration
	if u, ok := unit[s[len(s)-1]]; ok && len(s) > 1 {
		n, err := strconv.ParseFloat(s[:len(s)-1], 64)
		if err != nil || n > 1e5 {
			return 0, fmt.Errorf("%q: want a number of days (7d), weeks (2w) or a duration (36h)", s)
		}
		d = time.Duration(n * float64(u))
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("%q: want a number of days (7d), weeks (2w) or a duration (36h)", s)
		}
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q: must be more than zero", s)
	}
	return d, nil
}

func runCatalogPrune(ctx context.Context, opts *CatalogPruneOptions) error {
	db, err := catalog.OpenExisting(opts.Catalog)
	if err != nil {
		return err
	}
	defer db.Close()
	age := opts.Recordings
	if age == 0 {
		age = opts.OlderThan
	}
	rec := &recorder.Recorder{DB: db, Root: filepath.Dir(opts.Catalog)}
	verb := "removed"
	if opts.DryRun {
		verb = "would remove"
	}
	var bytes int64
	pruned, err := rec.Prune(ctx, recorder.PruneConfig{
		EndedBefore: time.Now().Add(-age), DryRun: opts.DryRun,
		Bucket: publish.FetchConfig{Endpoint: opts.S3.Endpoint, PathStyle: opts.S3.PathStyle},
		OnPruned: func(p recorder.Pruned) {
			bytes += p.Bytes
			if opts.IO.JSON {
				return
			}
			where := ""
			if len(p.Objects) > 0 {
				where = fmt.Sprintf(" and %d part(s) in the bucket (%s)", len(p.Objects), strings.Join(p.Objects, ", "))
			}
			fmt.Fprintf(opts.IO.Out, "%s recording %s of track %s (%s, ended %s)%s\n", verb, p.Path, p.TrackID,
				humanBytes(p.Bytes), p.EndedAt.Local().Format(time.DateTime), where)
		},
	})
	if opts.IO.JSON {
		if pruned == nil {
			pruned = []recorder.Pruned{}
		}
		if jerr := writeJSON(opts.IO.Out, pruned); jerr != nil {
			return jerr
		}
	} else {
		fmt.Fprintf(opts.IO.Out, "%s %d recording(s) that ended before %s (%s)\n", verb, len(pruned),
			time.Now().Add(-age).Local().Format(time.DateTime), humanBytes(bytes))
	}
	return err
}
