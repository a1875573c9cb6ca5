package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/layout"
	"github.com/veza-media/veza/pkg/recorder"
	"github.com/veza-media/veza/pkg/report"
)

// ReportOptions is what `veza report` was asked to do.
type ReportOptions struct {
	IO *IOStreams
	f  *Factory

	// TrackDir is the track folder holding master.m3u8.
	TrackDir string
	// Source is --source; empty means the track's source in the catalog.
	Source string
	// Catalog is --catalog; empty means the veza.db beside the track
	// folder, when there is one.
	Catalog string
	// Scaler is --scaler, the upscaling algorithm of the comparison.
	Scaler string
}

// NewCmdReport builds `veza report TRACKDIR`; runF replaces the run step in
// tests.
func NewCmdReport(f *Factory, runF func(context.Context, *ReportOptions) error) *cobra.Command {
	opts := &ReportOptions{IO: f.IO, f: f}
	cmd := &cobra.Command{
		Use:   "report TRACKDIR",
		Short: "Measure an HLS ladder's rungs against the source: PSNR, SSIM, bit rates, loudness",
		Long: "Compare every video rung of TRACKDIR/master.m3u8 (veza's or another packager's) with the source,\n" +
			"frame by frame at the source's display size, in one decode of the source; measure the audio\n" +
			"rungs' bit rate and loudness. Writes TRACKDIR/report.json and a self-contained report.html,\n" +
			"and records each rung's summary in the catalog when the track is in one.",
		Example: "  veza report out/concert\n  veza report hls/movie --source movie.mov --json | jq '.video[].psnr'",
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.TrackDir = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runReport(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Source, "source", "", "the source the ladder was made from (default: the track's source in the catalog)")
	fl.StringVar(&opts.Catalog, "catalog", "", "catalog file, or a folder holding "+layout.CatalogName+" (default: the one beside TRACKDIR)")
	fl.StringVar(&opts.Scaler, "scaler", report.DefaultScaler, "algorithm rungs are upscaled with before the comparison (bicubic, lanczos, bilinear…)")
	return cmd
}

func runReport(ctx context.Context, opts *ReportOptions) error {
	ffmpeg, err := opts.f.FFmpeg()
	if err != nil {
		return err
	}
	prober, err := opts.f.Prober()
	if err != nil {
		return err
	}
	trackID := filepath.Base(filepath.Clean(opts.TrackDir))
	db, err := openReportCatalog(opts)
	if err != nil {
		return err
	}
	if db != nil {
		defer db.Close()
	}
	source := opts.Source
	if source == "" && db != nil {
		if t, err := db.Track(ctx, trackID); err == nil {
			source = t.SourcePath
		}
	}
	if source == "" {
		return usageErrorf("no source for %q: give --source FILE (the catalog has none for track %q)", opts.TrackDir, trackID)
	}
	rep, err := report.Run(ctx, report.Config{FFmpeg: ffmpeg, Prober: prober, Master: opts.TrackDir, Source: source, Scaler: opts.Scaler})
	if err != nil {
		return err
	}
	if err := report.Write(opts.TrackDir, rep); err != nil {
		return err
	}
	if db != nil {
		if err := recordQuality(ctx, db, trackID, rep); err != nil {
			return err
		}
	}
	if opts.IO.JSON {
		return report.WriteJSON(opts.IO.Out, rep)
	}
	writeReportSummary(opts.IO, rep)
	opts.IO.Logf("wrote %s and %s", filepath.Join(opts.TrackDir, report.JSONName), filepath.Join(opts.TrackDir, report.HTMLName))
	return nil
}

// openReportCatalog opens the catalog named by --catalog, or the one beside
// the track folder; nil when there is none to record into.
func openReportCatalog(opts *ReportOptions) (*catalog.DB, error) {
	path := catalog.DefaultPath(filepath.Dir(filepath.Clean(opts.TrackDir)))
	if opts.Catalog != "" {
		path = catalogFile(opts.Catalog)
	}
	db, err := catalog.OpenExisting(path)
	if errors.Is(err, fs.ErrNotExist) && opts.Catalog == "" {
		return nil, nil
	}
	return db, err
}

// recordQuality records the rungs' summaries when the catalog has the
// track; a track the catalog does not know is another packager's output.
func recordQuality(ctx context.Context, db *catalog.DB, trackID string, rep *report.Report) error {
	if _, err := db.Track(ctx, trackID); errors.Is(err, catalog.ErrNotFound) {
		return nil
	}
	rec := &recorder.Recorder{DB: db, Root: filepath.Dir(db.Path())}
	return rec.Quality(ctx, trackID, report.Qualities(rep))
}

func writeReportSummary(ios *IOStreams, rep *report.Report) {
	tw := newCatalogTable(ios.Out)
	fmt.Fprintln(tw, "RUNG\tSIZE\tBANDWIDTH\tMEASURED\tPSNR\tPSNR P5\tSSIM\tWORST SEGMENT")
	for _, v := range rep.Video {
		fmt.Fprintf(tw, "%s\t%dx%d\t%s\t%s\t%.2f dB\t%.2f dB\t%.4f\t%d\n", v.Name, v.Width, v.Height,
			humanRate(v.DeclaredBandwidth), humanRate(v.MeasuredAverage), v.PSNR.Mean, v.PSNR.P5, v.SSIM.Mean, v.WorstSegment)
	}
	tw.Flush()
	fmt.Fprintf(ios.Out, "compared at %dx%d (%s), one decode of the source: %.2f s wall, %.2f s CPU; VMAF %s\n",
		rep.Source.Width, rep.Source.Height, rep.Scaler, rep.Cost.WallSeconds, rep.Cost.CPUSeconds, rep.VMAF.Note)
}
