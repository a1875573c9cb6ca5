package cli

import (
	"context"
	"errors"
	"path/filepath"
	"slices"

	"github.com/spf13/cobra"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/encode"
	"github.com/veza-media/veza/pkg/ffprobe"
	"github.com/veza-media/veza/pkg/publish"
	"github.com/veza-media/veza/pkg/recorder"
	"github.com/veza-media/veza/pkg/transcode"
)

// TranscodeOptions is what `veza transcode` was asked to do.
type TranscodeOptions struct {
	IO      *IOStreams
	FFmpeg  func() (string, error)
	Prober  func() (*ffprobe.Prober, error)
	Presets func() (map[string]transcode.Preset, error)

	// Batch is the library's batch as the flags fill it; the binaries, the
	// presets and the event callback are added when it runs. Its Timeout
	// of 0 means none here.
	Batch       transcode.Config
	ListPresets bool
	// Events is "" or "ndjson": every event as a JSON line on stdout.
	Events string
	// Publish is --publish: the s3://bucket/prefix each output is
	// uploaded to once complete; S3 the endpoint and upload flags.
	Publish string
	S3      S3Options
	// Catalog is the catalog file HLS outputs are recorded in; "" is
	// OUTDIR/veza.db.
	Catalog string
}

// NewCmdTranscode builds `veza transcode`; runF replaces the run step in tests.
func NewCmdTranscode(f *Factory, runF func(context.Context, *TranscodeOptions) error) *cobra.Command {
	opts := &TranscodeOptions{IO: f.IO, FFmpeg: f.FFmpeg, Prober: f.Prober,
		Presets: func() (map[string]transcode.Preset, error) { return loadPresets(f.Config) }}
	var af *audioFlags
	cmd := &cobra.Command{
		Use:   "transcode INPUT... -o OUTDIR",
		Short: "Encode a batch of files with a named preset",
		Long: "Encode files, directories (searched recursively; media is recognised by probing, not by\n" +
			"extension), globs, or a list of paths read from stdin (\"-\") into OUTDIR with a preset.\n" +
			"Outputs are written under a temporary name and renamed when complete. One failing file\n" +
			"never stops the others; the exit code is 3 when some failed, 1 when all did.\n\n" +
			"--jobs defaults to one file per CPU for audio presets (ffmpeg's audio encoders use one\n" +
			"core each) and to one file at a time for video presets (x264, x265 and SVT-AV1 already\n" +
			"use every core).\n\n" +
			"With --format hls every output is recorded in the catalog (<OUTDIR>/veza.db): a track per\n" +
			"output, a rendition named after the preset, and its segments once the output is in place.",
		Example: "  veza transcode music/ -o out --preset opus-96\n" +
			"  veza transcode '*.mov' -o out --preset h264-1080p --vb 4M\n" +
			"  find . -name '*.wav' | veza transcode - -o out --format hls --segment-time 6\n" +
			"  veza transcode clip.mp4 -o out --events ndjson | jq -c 'select(.type==\"progress\")'",
		Args: func(cmd *cobra.Command, args []string) error {
			if opts.ListPresets {
				return nil
			}
			return usageArgs(cobra.MinimumNArgs(1))(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Batch.Inputs = args
			var err error
			if opts.Batch.Audio, err = af.processing(); err != nil {
				return err
			}
			if err := opts.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runTranscode(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	b, o := &opts.Batch, &opts.Batch.Override
	fl.StringVarP(&b.OutDir, "output", "o", "", "output directory (created if missing)")
	fl.StringVarP(&b.Preset, "preset", "p", "", "preset name (default: h264-720p for video, aac-128 for audio-only sources)")
	fl.BoolVar(&opts.ListPresets, "list-presets", false, "list the presets and exit")
	fl.StringVar(&o.VCodec, "vcodec", "", "video encoder, overriding the preset (libx264, libx265, libsvtav1)")
	fl.StringVar(&o.ACodec, "acodec", "", "audio encoder, overriding the preset (aac, libmp3lame, libopus, flac)")
	fl.StringVar(&o.VBitrate, "vb", "", "video bit rate, e.g. 2500k (replaces the preset's constant quality)")
	fl.StringVar(&o.ABitrate, "ab", "", "audio bit rate, e.g. 192k")
	fl.IntVar(&o.Height, "height", 0, "largest output height; smaller sources are never upscaled")
	fl.StringVar((*string)(&b.Format), "format", "file", "file (one file per input) or hls (a playlist and segments per input)")
	fl.Float64Var(&b.SegmentTime, "segment-time", transcode.DefaultSegmentTime, "HLS target segment duration in seconds")
	fl.IntVarP(&b.Jobs, "jobs", "j", 0, "files encoded at once (default: CPUs for audio presets, 1 for video)")
	fl.DurationVar(&b.Timeout, "timeout", encode.DefaultTimeout, "give up on one file after this long (0: never)")
	fl.StringVar(&opts.Events, "events", "", "write every event as JSON on stdout: ndjson")
	fl.BoolVar(&b.Strict, "strict", false, strictUsage)
	fl.StringVar(&opts.Publish, "publish", "", "upload each output to s3://bucket/prefix as soon as it is complete (see veza publish)")
	addS3Flags(fl, &opts.S3)
	fl.StringVar(&opts.Catalog, "catalog", "", "catalog file --format hls records in (default OUTDIR/veza.db)")
	addShardFlag(fl, &b.Shard)
	af = addAudioFlags(fl)
	return cmd
}

// check rejects flag combinations before anything runs.
func (o *TranscodeOptions) check() error {
	if o.ListPresets {
		return nil
	}
	b := o.Batch
	switch {
	case b.OutDir == "":
		return usageErrorf("--output (-o) is required")
	case b.Format != transcode.FormatFile && b.Format != transcode.FormatHLS:
		return usageErrorf("--format %q: use file or hls", b.Format)
	case b.SegmentTime <= 0:
		return usageErrorf("--segment-time must be positive")
	case b.Jobs < 0:
		return usageErrorf("--jobs must be at least 1")
	case b.Override.Height < 0:
		return usageErrorf("--height must be positive")
	case b.Timeout < 0:
		return usageErrorf("--timeout must not be negative")
	case o.Events != "" && o.Events != "ndjson":
		return usageErrorf("--events %q: the only form is ndjson", o.Events)
	case o.Catalog != "" && b.Format != transcode.FormatHLS:
		return usageErrorf("--catalog records HLS output: add --format hls")
	case o.Events != "" && o.IO.JSON:
		return usageErrorf("--events ndjson and --json both write to stdout; choose one")
	case slices.Contains(b.Inputs[slices.Index(b.Inputs, "-")+1:], "-"):
		return usageErrorf("\"-\" (read paths from stdin) can be given once")
	case o.Publish == "" && (o.S3.Endpoint != "" || o.S3.PathStyle) && !slices.ContainsFunc(b.Inputs, publish.IsURL):
		return usageErrorf("--s3-endpoint and --s3-path-style need --publish or an s3:// input")
	}
	if o.Publish != "" {
		if _, err := publish.ParseLocation(o.Publish); err != nil {
			return usageErrorf("--publish: %v", err)
		}
	}
	return o.S3.check()
}

func runTranscode(ctx context.Context, opts *TranscodeOptions) error {
	presets, err := opts.Presets()
	if err != nil {
		return err
	}
	if opts.ListPresets {
		return listPresets(opts.IO, presets)
	}
	ffmpeg, err := opts.FFmpeg()
	if err != nil {
		return err
	}
	prober, err := opts.Prober()
	if err != nil {
		return err
	}
	ui := newTranscodeUI(opts.IO, opts.Events == "ndjson")
	cfg := opts.Batch
	cfg.Stdin, cfg.Presets, cfg.FFmpeg, cfg.Prober, cfg.OnEvent = opts.IO.In, presets, ffmpeg, prober, ui.event
	if cfg.Timeout == 0 {
		cfg.Timeout = encode.NoTimeout
	}
	if opts.Publish != "" {
		pc := opts.S3.config("", opts.Publish)
		cfg.Publish = &pc
	}
	if cfg.Format == transcode.FormatHLS {
		catPath := opts.Catalog
		if catPath == "" {
			catPath = catalog.DefaultPath(cfg.OutDir)
		}
		db, err := catalog.Open(catPath)
		if err != nil {
			return err
		}
		defer db.Close()
		cfg.Recorder = &recorder.Recorder{DB: db, Root: filepath.Dir(catPath)}
	}
	if slices.ContainsFunc(cfg.Inputs, publish.IsURL) {
		inputs, cleanup, err := newBucketSource(opts.IO, opts.S3, cfg.OutDir).fetchAll(ctx, cfg.Inputs)
		if err != nil {
			return err
		}
		defer cleanup()
		cfg.Inputs = inputs
	}
	res, err := transcode.Run(ctx, cfg)
	ui.close()
	switch {
	case errors.Is(err, transcode.ErrUnknownPreset):
		return usageErrorf("preset %q does not exist (see veza transcode --list-presets)", cfg.Preset)
	case errors.Is(err, transcode.ErrFLACInHLS):
		return usageErrorf("%v; choose another preset or --acodec", err)
	case res == nil:
		return err
	}
	if perr := printTranscodeResults(opts.IO, res.Items, opts.Events != ""); perr != nil {
		return perr
	}
	if err != nil {
		return err
	}
	switch failed, total := res.Counts(); {
	case failed == 0:
		return nil
	case failed == total:
		return errSilent
	default:
		return &PartialError{Failed: failed, Total: total}
	}
}
