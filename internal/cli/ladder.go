package cli

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/veza-media/veza/pkg/audio"
	"github.com/veza-media/veza/pkg/encode"
	"github.com/veza-media/veza/pkg/ladder"
	"github.com/veza-media/veza/pkg/publish"
	"github.com/veza-media/veza/pkg/shard"
	"github.com/veza-media/veza/pkg/thumbnail"
)

// LadderOptions is what `veza ladder` was asked to do.
type LadderOptions struct {
	IO *IOStreams
	// FFmpeg and FFprobe resolve the binaries (lazily).
	FFmpeg, FFprobe func() (string, error)

	Inputs      []string
	OutDir      string
	Ladder      string
	Format      string
	SegmentTime float64
	Strategy    string
	Jobs        int
	Force       bool
	Catalog     string
	TrackID     string
	Preset      string
	Timeout     time.Duration
	List        bool
	// Strict fails a damaged but decodable source instead of warning.
	Strict bool
	// AllowIndirect points at the root flag --allow-indirect-input, read
	// when the command runs.
	AllowIndirect *bool
	// Thumbnails draws seek-bar thumbnails of video ladders, one tile
	// every ThumbnailInterval seconds.
	Thumbnails        bool
	ThumbnailInterval float64
	// Segment is set by `veza segment`: auto, copy or encode.
	Segment string
	ProtectOptions
	// Audio is loudness normalisation and silence trimming from the flags,
	// over the ladder's own settings.
	Audio audio.Settings
	// Tracks chooses the audio and subtitle streams (--audio, --subtitles).
	Tracks ladder.Selection
	// Subs are subtitle files to carry (--subs FILE[:LANG]).
	Subs []string
	// NoSidecar turns off picking up NAME.LANG.srt files beside the input.
	NoSidecar bool
	// Publish is --publish and the object-storage flags.
	Publish PublishFlags
	// Shard keeps only this shard's inputs (--shard); zero keeps all.
	Shard shard.Shard
}

// NewCmdLadder builds `veza ladder`; runF replaces the run step in tests.
func NewCmdLadder(f *Factory, runF func(context.Context, *LadderOptions) error) *cobra.Command {
	opts := &LadderOptions{IO: f.IO, FFmpeg: f.FFmpeg, FFprobe: f.FFprobe, AllowIndirect: &f.AllowIndirect}
	var af *audioFlags
	cmd := &cobra.Command{
		Use:   "ladder INPUT... -o OUTDIR",
		Short: "Build ABR HLS ladders with a measured master playlist",
		Long: "Encode each input into <OUTDIR>/<track>/: one folder per rendition and a master.m3u8\n" +
			"whose BANDWIDTH, AVERAGE-BANDWIDTH and CODECS are measured from the segments written.\n" +
			"Every segment is recorded in the catalog (<OUTDIR>/veza.db) as it is written. A rerun\n" +
			"reuses renditions that are complete and current; --force rebuilds them.",
		Example: "  veza ladder talk.mp4 -o out\n  veza ladder --ladder audio *.flac -o out\n  veza ladder --list\n" +
			"  veza ladder --ladder replay show.wav -o out\n  veza ladder --loudness -16 --trim-silence 3s talk.mp4 -o out",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Inputs = args
			var err error
			if opts.Audio, err = af.processing(); err != nil {
				return err
			}
			if !opts.List {
				if len(args) == 0 {
					return usageErrorf("ladder: no input given")
				}
				if opts.OutDir == "" {
					return usageErrorf("ladder: -o OUTDIR is required")
				}
			}
			switch opts.Strategy {
			case "auto", "single", "parallel":
			default:
				return usageErrorf("--strategy %q: use auto, single or parallel", opts.Strategy)
			}
			if err := opts.checkHLSFlags(); err != nil {
				return err
			}
			if !(opts.ThumbnailInterval > 0) {
				return usageErrorf("--thumbnail-interval %g: must be more than 0 seconds", opts.ThumbnailInterval)
			}
			if opts.TrackID != "" && len(args) > 1 {
				return usageErrorf("--track names one track: give one input")
			}
			if len(opts.Subs) > 0 && len(args) > 1 {
				return usageErrorf("--subs belongs to one input: give one input")
			}
			if err := opts.Tracks.Validate(); err != nil {
				return usageErrorf("--%v", err)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runLadder(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.OutDir, "output", "o", "", "output root; each track goes to OUTDIR/<track>")
	fl.StringVar(&opts.Ladder, "ladder", "", "built-in ladder name (see --list) or a YAML file (default: video, or audio for audio-only inputs)")
	fl.StringVar(&opts.Format, "format", "ts", "segment container: ts or fmp4")
	fl.Float64Var(&opts.SegmentTime, "segment-time", 4, "target segment duration in seconds")
	fl.StringVar(&opts.Strategy, "strategy", "auto", "auto, single (one ffmpeg, one decode) or parallel (several ffmpeg at once)")
	fl.IntVarP(&opts.Jobs, "jobs", "j", 0, "ffmpeg processes at once with the parallel strategy (default: number of CPUs)")
	fl.BoolVar(&opts.Force, "force", false, "rebuild every rendition even when complete and current")
	fl.StringVar(&opts.Catalog, "catalog", "", "catalog file (default OUTDIR/veza.db)")
	fl.StringVar(&opts.TrackID, "track", "", "track id (default: a slug of the file name)")
	fl.StringVar(&opts.Preset, "preset", "veryfast", "x264/x265 speed preset")
	fl.DurationVar(&opts.Timeout, "timeout", encode.DefaultTimeout, "give up on one ffmpeg process after this long (0: never)")
	fl.BoolVar(&opts.List, "list", false, "list the built-in ladders and exit")
	fl.BoolVar(&opts.Strict, "strict", false, strictUsage)
	fl.BoolVar(&opts.Thumbnails, "thumbnails", true, "draw seek-bar thumbnails of video ladders: JPEG sprite sheets and <track>/thumbnails.vtt (--thumbnails=false: none)")
	fl.Float64Var(&opts.ThumbnailInterval, "thumbnail-interval", 5, "seconds between thumbnails")
	addShardFlag(fl, &opts.Shard)
	fl.StringVar(&opts.Tracks.Audio, "audio", "", "audio streams to carry: all, first, or languages like en,fr (default all; several become an audio group)")
	fl.StringVar(&opts.Tracks.Subtitles, "subtitles", "", "text subtitle streams to carry as WebVTT: all, none, or languages like en,fr (default all)")
	fl.StringArrayVar(&opts.Subs, "subs", nil, "a subtitle file to carry, FILE or FILE:LANG (repeatable)")
	fl.BoolVar(&opts.NoSidecar, "no-sidecar", false, "do not carry the subtitle files beside the input named after it (NAME.LANG.srt, .vtt, .ass)")
	af = addAudioFlags(fl)
	addProtectFlags(fl, &opts.ProtectOptions)
	addPublishFlags(fl, &opts.Publish)
	return cmd
}

func runLadder(ctx context.Context, opts *LadderOptions) error {
	if opts.List {
		return listLadders(opts)
	}
	opts.Inputs = selectShard(opts.IO, opts.Shard, opts.Inputs)
	bc, err := opts.batch()
	if err != nil {
		return err
	}
	showLadderBatch(ctx, opts.IO, &bc)
	results, err := ladder.RunAll(ctx, bc)
	if err != nil {
		return err
	}
	if opts.IO.JSON {
		if err := writeLadderJSON(opts.IO, results); err != nil {
			return err
		}
	}
	switch failed := ladder.Failed(results); {
	case failed == 0:
		return nil
	case failed == len(opts.Inputs):
		return errSilent
	default:
		return &PartialError{Failed: failed, Total: len(opts.Inputs)}
	}
}

// batch is the library's batch as the options ask for it, the binaries
// resolved.
func (opts *LadderOptions) batch() (ladder.BatchConfig, error) {
	ffmpeg, err := opts.FFmpeg()
	if err != nil {
		return ladder.BatchConfig{}, err
	}
	ffprobe, err := opts.FFprobe()
	if err != nil {
		return ladder.BatchConfig{}, err
	}
	var def ladder.Ladder
	if opts.Ladder != "" {
		if def, err = ladder.Resolve(opts.Ladder); err != nil {
			return ladder.BatchConfig{}, &UsageError{Err: err}
		}
	}
	protect, err := opts.encryption(opts.Format)
	if err != nil {
		return ladder.BatchConfig{}, err
	}
	var thumbs *thumbnail.Layout
	if opts.Thumbnails {
		thumbs = &thumbnail.Layout{Interval: opts.ThumbnailInterval}
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = encode.NoTimeout
	}
	bc := ladder.BatchConfig{Inputs: opts.Inputs, CatalogPath: opts.Catalog, Segment: ladder.SegmentMode(opts.Segment),
		Config: ladder.Config{
			OutDir: opts.OutDir, TrackID: opts.TrackID, Ladder: def,
			Encoding:    ladder.Encoding{Format: ladder.Format(opts.Format), Preset: opts.Preset},
			SegmentTime: opts.SegmentTime, Strategy: ladder.Strategy(opts.Strategy), Jobs: opts.Jobs,
			Force: opts.Force, FFmpeg: ffmpeg, FFprobe: ffprobe, ToolCache: toolCache(), Timeout: timeout,
			Encryption: protect, DASH: opts.DASH, Audio: opts.Audio, Strict: opts.Strict, Thumbnails: thumbs,
			AllowIndirect: opts.AllowIndirect != nil && *opts.AllowIndirect,
			Tracks:        opts.Tracks, Subtitles: sidecars(opts.Subs), NoSidecar: opts.NoSidecar,
			Publish: opts.Publish.config(),
		}}
	if slices.ContainsFunc(opts.Inputs, publish.IsURL) {
		bc.Fetch = newBucketSource(opts.IO, opts.Publish.S3, opts.OutDir).fetch
	}
	return bc, nil
}

// sidecars reads --subs values: FILE, or FILE:LANG when what follows the
// last colon is a short tag and not part of a path.
func sidecars(subs []string) []ladder.Sidecar {
	var out []ladder.Sidecar
	for _, s := range subs {
		sc := ladder.Sidecar{Path: s}
		if i := strings.LastIndex(s, ":"); i > 0 && len(s)-i-1 <= 11 && !strings.ContainsAny(s[i+1:], `/\.`) {
			sc.Path, sc.Language = s[:i], s[i+1:]
		}
		out = append(out, sc)
	}
	return out
}

// toolCache is where veza remembers facts about the ffmpeg binary between
// runs: the user's cache folder, or nowhere when there is none.
func toolCache() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "veza")
}
