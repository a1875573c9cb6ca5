package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/veza-media/veza/pkg/catalog"
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

func init() { register(newCmdCatalog) }

func newCmdCatalog(f *Factory) *cobra.Command { return NewCmdCatalog(f, nil) }

// catalogSubcommands are more `veza catalog` subcommands defined in other
// files (`veza catalog import` lives with the segment tracker's command);
// each file adds its own with registerCatalogCmd from an init func.
var catalogSubcommands []func(*Factory) *cobra.Command

func registerCatalogCmd(c func(*Factory) *cobra.Command) {
	catalogSubcommands = append(catalogSubcommands, c)
}

// NewCmdCatalog builds `veza catalog` and its read-only subcommands; runF
// replaces the run step in tests.
func NewCmdCatalog(f *Factory, runF func(context.Context, *CatalogOptions) error) *cobra.Command {
	opts := &CatalogOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "catalog",
		Short: "List the tracks, renditions, jobs and segments recorded in a catalog (veza.db)",
		Long: "Read a veza catalog: the SQLite file (veza.db) that `veza segment` and `veza ladder` keep\n" +
			"in their output folder, one row per track, rendition, job and segment.\n\n" +
			"--catalog names the file, or a folder holding veza.db (also VEZA_CATALOG or `catalog:` in\n" +
			"the config file); by default veza.db in the current directory. The catalog is never created\n" +
			"or changed by these commands.",
		Example: "  veza catalog ls --catalog out\n  veza catalog show concert\n" +
			"  veza catalog segments concert 720p --json | jq '.[].duration'\n  veza catalog jobs --status error",
		// With a RunE, cobra checks Args, so `veza catalog typo` is a usage
		// error instead of the help text and exit 0.
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.PersistentFlags().StringVar(&opts.Catalog, "catalog", "", "catalog file, or a folder holding "+catalog.FileName+" (default ./"+catalog.FileName+")")

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

	cmd.AddCommand(ls, show, segments, jobs)
	for _, c := range catalogSubcommands {
		cmd.AddCommand(c(f))
	}
	return cmd
}

// catalogFile resolves --catalog: a directory means the veza.db inside it,
// nothing means ./veza.db.
func catalogFile(flag string) string {
	if flag == "" {
		return catalog.FileName
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
		return nil, fmt.Errorf("catalog %q: no such file (give --catalog FILE or the output folder holding %s)", path, catalog.FileName)
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
		d, err := db.Track(ctx, opts.TrackID)
		if err != nil {
			return err
		}
		as, err := db.Analyses(ctx, opts.TrackID)
		if err != nil {
			return err
		}
		if as == nil {
			as = []catalog.Analysis{}
		}
		data = struct {
			*catalog.TrackDetail
			Analyses []catalog.Analysis `json:"analyses"`
		}{d, as}
		table = func(w io.Writer) {
			writeCatalogTrack(w, d)
			writeCatalogAnalyses(w, as)
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
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(data)
	}
	table(opts.IO.Out)
	return nil
}

func newCatalogTable(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0) }

func writeCatalogTracks(w io.Writer, ts []catalog.TrackSummary) {
	tw := newCatalogTable(w)
	fmt.Fprintln(tw, "TRACK\tSTATUS\tRENDITIONS\tDURATION\tSIZE\tLIVE")
	for _, t := range ts {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", t.ID, t.Status, t.Renditions,
			catalogDuration(t.Duration), humanBytes(t.Bytes), catalogYesNo(t.Live))
	}
	tw.Flush()
}

func writeCatalogTrack(w io.Writer, d *catalog.TrackDetail) {
	tw := newCatalogTable(w)
	fmt.Fprintf(tw, "track:\t%s\n", d.ID)
	fmt.Fprintf(tw, "source:\t%s\n", catalogOr(d.SourcePath, "-"))
	fmt.Fprintf(tw, "content hash:\t%s\n", catalogOr(d.ContentHash, "-"))
	fmt.Fprintf(tw, "status:\t%s\n", d.Status)
	fmt.Fprintf(tw, "live:\t%s\n", catalogYesNo(d.Live))
	fmt.Fprintf(tw, "created:\t%s\n", catalogTime(d.CreatedAt))
	tw.Flush()

	fmt.Fprintln(w)
	if len(d.Renditions) == 0 {
		fmt.Fprintln(w, "no renditions")
	} else {
		tw = newCatalogTable(w)
		fmt.Fprintln(tw, "RENDITION\tKIND\tCODECS\tBANDWIDTH\tRESOLUTION\tSEGMENTS\tDURATION\tSIZE\tSTATUS\tPLAYLIST")
		for _, r := range d.Renditions {
			res := "-"
			if r.Width > 0 && r.Height > 0 {
				res = fmt.Sprintf("%dx%d", r.Width, r.Height)
			}
			rate := "-"
			if r.Bandwidth > 0 {
				rate = humanRate(r.Bandwidth)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", r.Name, r.Kind, catalogOr(r.Codecs, "-"),
				rate, res, r.Segments, catalogDuration(r.Duration), humanBytes(r.Bytes), r.Status, catalogOr(r.PlaylistPath, "-"))
		}
		tw.Flush()
	}

	fmt.Fprintln(w)
	if len(d.Jobs) == 0 {
		fmt.Fprintln(w, "no jobs")
		return
	}
	writeCatalogJobs(w, d.Jobs, false)
}

// writeCatalogAnalyses prints the loudness and silence measurements of a
// track's source and renditions, when there are any.
func writeCatalogAnalyses(w io.Writer, as []catalog.Analysis) {
	if len(as) == 0 {
		return
	}
	num := func(v *float64, unit string) string {
		if v == nil {
			return "-"
		}
		return fmt.Sprintf("%.2f %s", *v, unit)
	}
	fmt.Fprintln(w)
	tw := newCatalogTable(w)
	fmt.Fprintln(tw, "LOUDNESS	RENDITION	INTEGRATED	TRUE PEAK	LRA	NORMALISATION	SILENCES")
	for _, a := range as {
		var sil []string
		for _, s := range a.Silences {
			sil = append(sil, fmt.Sprintf("%.2f-%.2f", s.Start, s.End))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.Kind, catalogOr(a.Rendition, "-"),
			num(a.Integrated, "LUFS"), num(a.TruePeak, "dBTP"), num(a.LRA, "LU"),
			catalogOr(a.Normalization, "-"), catalogOr(strings.Join(sil, " "), "none"))
	}
	tw.Flush()
}

func writeCatalogJobs(w io.Writer, js []catalog.Job, withTrack bool) {
	tw := newCatalogTable(w)
	head := "JOB\tKIND\tRENDITION\tSTATUS\tPROGRESS\tCREATED\tTOOK\tERROR"
	if withTrack {
		head = "JOB\tTRACK\tKIND\tRENDITION\tSTATUS\tPROGRESS\tCREATED\tTOOK\tERROR"
	}
	fmt.Fprintln(tw, head)
	for _, j := range js {
		took := "-"
		if !j.StartedAt.IsZero() && !j.CompletedAt.IsZero() {
			took = catalogDuration(j.CompletedAt.Sub(j.StartedAt).Seconds())
		}
		track := ""
		if withTrack {
			track = j.TrackID + "\t"
		}
		fmt.Fprintf(tw, "%s\t%s%s\t%s\t%s\t%.0f%%\t%s\t%s\t%s\n", j.ID, track, j.Kind, catalogOr(j.Rendition, "-"),
			j.Status, j.Progress*100, catalogTime(j.CreatedAt), took, catalogOr(catalogOneLine(j.Error), "-"))
	}
	tw.Flush()
}

func writeCatalogSegments(w io.Writer, segs []catalog.Segment) {
	removed := false
	for _, s := range segs {
		removed = removed || !s.RemovedAt.IsZero()
	}
	tw := newCatalogTable(w)
	head := "INDEX\tDURATION\tSIZE\tCREATED\tPATH"
	if removed {
		head += "\tREMOVED"
	}
	fmt.Fprintln(tw, head)
	for _, s := range segs {
		// The duration is printed exactly as recorded: it is the playlist's
		// EXTINF, which is what this listing is checked against.
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s", s.Index, catalogSeconds(s.Duration), s.Bytes, catalogTime(s.CreatedAt), s.Path)
		if removed {
			r := "-"
			if !s.RemovedAt.IsZero() {
				r = catalogTime(s.RemovedAt)
			}
			fmt.Fprintf(tw, "\t%s", r)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
}

// catalogTime prints a time in UTC to the second: the catalog stores UTC
// and the same listing must read the same on every machine.
func catalogTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

// catalogDuration prints seconds as m:ss.s, or h:mm:ss past an hour.
func catalogDuration(sec float64) string {
	if sec <= 0 || math.IsNaN(sec) {
		return "0:00.0"
	}
	d := time.Duration(math.Round(sec*10)) * 100 * time.Millisecond
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	s := (d % time.Minute).Seconds()
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02.0f", h, m, math.Floor(s))
	}
	return fmt.Sprintf("%d:%04.1f", m, s)
}

// catalogSeconds prints an exact duration without trailing zeros: 4.004,
// 3.2, 10.
func catalogSeconds(sec float64) string {
	return strconv.FormatFloat(sec, 'f', -1, 64)
}

func catalogYesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func catalogOr(s, empty string) string {
	if s == "" {
		return empty
	}
	return s
}

// catalogOneLine keeps a table row on one line when an error message has
// several.
func catalogOneLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
