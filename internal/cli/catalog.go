package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/layout"
)

// CatalogOptions is what a `veza catalog` subcommand was asked to do.
type CatalogOptions struct {
	IO *IOStreams

	// Action is the subcommand: "ls", "show", "segments" or "jobs".
	Action string
	// Catalog is --catalog: a catalog file, or a directory meaning
	// DIR/veza.db. Empty means veza.db in the current directory.
	Catalog string

	// TrackID is show's and segments' TRACK, or jobs' --track.
	TrackID string
	// Rendition is segments' RENDITION.
	Rendition string
	// Status and Limit filter jobs (empty, 0: all).
	Status catalog.Status
	Limit  int
}

// NewCmdCatalog builds `veza catalog`: the read-only subcommands ls, show,
// segments and jobs, and import (NewCmdCatalogImport); runF replaces the run
// step of the read-only ones in tests.
func NewCmdCatalog(f *Factory, runF func(context.Context, *CatalogOptions) error) *cobra.Command {
	opts := &CatalogOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "catalog",
		Short: "List the tracks, renditions, jobs and segments recorded in a catalog (veza.db)",
		Long: "Read a veza catalog: the SQLite file (veza.db) that `veza segment` and `veza ladder` keep\n" +
			"in their output folder, one row per track, rendition, job and segment.\n\n" +
			"--catalog names the file, or a folder holding veza.db (also VEZA_CATALOG or `catalog:` in\n" +
			"the config file); by default veza.db in the current directory. ls, show, segments and jobs\n" +
			"never create or change the catalog; import fills it from output already on disk.",
		Example: "  veza catalog ls --catalog out\n  veza catalog show concert\n" +
			"  veza catalog segments concert 720p --json | jq '.[].duration'\n  veza catalog jobs --status error",
		// With a RunE, cobra checks Args, so `veza catalog typo` is a usage
		// error instead of the help text and exit 0.
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.PersistentFlags().StringVar(&opts.Catalog, "catalog", "", "catalog file, or a folder holding "+layout.CatalogName+" (default ./"+layout.CatalogName+")")

	do := func(cmd *cobra.Command, action string) error {
		opts.Action = action
		if runF != nil {
			return runF(cmd.Context(), opts)
		}
		return runCatalog(cmd.Context(), opts)
	}
	ls := &cobra.Command{
		Use:   "ls",
		Short: "List the tracks: status, renditions, duration, size on disk, live",
		Args:  usageArgs(cobra.NoArgs),
		RunE:  func(cmd *cobra.Command, args []string) error { return do(cmd, "ls") },
	}
	show := &cobra.Command{
		Use:   "show TRACK",
		Short: "Show one track with its renditions and jobs",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.TrackID = args[0]
			return do(cmd, "show")
		},
	}
	segments := &cobra.Command{
		Use:   "segments TRACK RENDITION",
		Short: "List a rendition's segments: index, exact duration, size, time, path",
		Args:  usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.TrackID, opts.Rendition = args[0], args[1]
			return do(cmd, "segments")
		},
	}
	var status string
	jobs := &cobra.Command{
		Use:   "jobs",
		Short: "List jobs, newest first",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Status = catalog.Status(status)
			if status != "" && !opts.Status.Valid() {
				return usageErrorf("--status %q: want pending, encoding, done, error, timeout or cancelled", status)
			}
			if opts.Limit < 0 {
				return usageErrorf("--limit must not be negative")
			}
			return do(cmd, "jobs")
		},
	}
	jobs.Flags().StringVar(&opts.TrackID, "track", "", "only the jobs of this track")
	jobs.Flags().StringVar(&status, "status", "", "only jobs with this status (pending, encoding, done, error, timeout, cancelled)")
	jobs.Flags().IntVarP(&opts.Limit, "limit", "n", 0, "at most this many jobs (default: all)")

	cmd.AddCommand(ls, show, segments, jobs, NewCmdCatalogImport(f, nil), NewCmdCatalogPrune(f, nil))
	return cmd
}

// catalogFile resolves --catalog: a directory means the veza.db inside it,
// nothing means ./veza.db.
func catalogFile(flag string) string {
	if flag == "" {
		return layout.CatalogName
	}
	if st, err := os.Stat(flag); err == nil && st.IsDir() {
		return catalog.DefaultPath(flag)
	}
	return flag
}

// openCatalogForReading opens an existing catalog named by --catalog read
// only: it never creates one, nor any file beside it.
func openCatalogForReading(flag string) (*catalog.DB, error) {
	path := catalogFile(flag)
	db, err := catalog.OpenReadOnly(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("catalog %q: no such file (give --catalog FILE or the output folder holding %s)", path, layout.CatalogName)
	}
	return db, err
}

func runCatalog(ctx context.Context, opts *CatalogOptions) error {
	db, err := openCatalogForReading(opts.Catalog)
	if err != nil {
		return err
	}
	defer db.Close()
	var data any
	var table func(w io.Writer)
	switch opts.Action {
	case "ls":
		ts, err := db.Tracks(ctx)
		if err != nil {
			return err
		}
		if ts == nil {
			ts = []catalog.TrackSummary{}
		}
		if len(ts) == 0 && !opts.IO.JSON {
			opts.IO.Logf("catalog %s has no tracks", db.Path())
			return nil
		}
		data, table = ts, func(w io.Writer) { writeCatalogTracks(w, ts) }
	case "show":
		rep, err := db.TrackReport(ctx, opts.TrackID)
		if err != nil {
			return err
		}
		data, table = rep, func(w io.Writer) {
			writeCatalogTrack(w, rep.TrackDetail)
			writeCatalogAnalyses(w, rep.Analyses)
			writeCatalogQuality(w, rep.Quality)
			writeCatalogThumbnails(w, rep.Thumbnails)
			writeCatalogDamage(w, rep.Damage)
			writeCatalogPublications(w, rep.Publications)
		}
	case "segments":
		segs, err := db.Segments(ctx, opts.TrackID, opts.Rendition)
		if err != nil {
			return err
		}
		if len(segs) == 0 && !opts.IO.JSON {
			opts.IO.Logf("track %q rendition %q has no segments", opts.TrackID, opts.Rendition)
			return nil
		}
		data, table = segs, func(w io.Writer) { writeCatalogSegments(w, segs) }
	case "jobs":
		js, err := db.Jobs(ctx, catalog.JobFilter{TrackID: opts.TrackID, Status: opts.Status, Limit: opts.Limit})
		if err != nil {
			return err
		}
		if js == nil {
			js = []catalog.Job{}
		}
		if len(js) == 0 && !opts.IO.JSON {
			opts.IO.Logf("no jobs")
			return nil
		}
		data, table = js, func(w io.Writer) { writeCatalogJobs(w, js, opts.TrackID == "") }
	default:
		return fmt.Errorf("catalog: unknown action %q", opts.Action)
	}
	if opts.IO.JSON {
		return writeJSON(opts.IO.Out, data)
	}
	table(opts.IO.Out)
	return nil
}
