package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/veza-media/veza/pkg/encode"
	"github.com/veza-media/veza/pkg/ladder"
	"github.com/veza-media/veza/pkg/live"
)

// NewCmdSegment builds `veza segment`: HLS from one input, one rendition,
// stream-copied when the source allows. It shares `veza ladder`'s options
// and run; runF replaces the run step in tests. Live sources go to
// runLive (see NewCmdSegmentLive).
func NewCmdSegment(f *Factory, runF func(context.Context, *LadderOptions) error) *cobra.Command {
	return segmentCmd(f, runF, nil)
}

func segmentCmd(f *Factory, runF func(context.Context, *LadderOptions) error, liveF func(context.Context, *LiveOptions) error) *cobra.Command {
	opts := &LadderOptions{IO: f.IO, FFmpeg: f.FFmpeg, FFprobe: f.FFprobe, AllowIndirect: &f.AllowIndirect, Strategy: "single"}
	lopts := &LiveOptions{IO: f.IO, FindFFmpeg: f.FFmpeg, FindFFprobe: f.FFprobe}
	var copyOnly, encodeOnly bool
	var af *audioFlags
	cmd := &cobra.Command{
		Use:   "segment INPUT -o OUTDIR",
		Short: "Cut one input into HLS, copying streams when its keyframes allow",
		Long: "Write HLS for one input to <OUTDIR>/<track>/: stream copy when the source's keyframes\n" +
			"give segments within the target + 0.5 s and its codecs fit the container, otherwise a\n" +
			"re-encode with a fixed GOP. veza says which it chose and why. Every segment is recorded\n" +
			"in the catalog (<OUTDIR>/veza.db) as it is written.\n\n" + liveHelp,
		Example: "  veza segment talk.mp4 -o out\n  veza segment --encode --segment-time 6 talk.mp4 -o out\n" +
			"  veza segment 'srt://0.0.0.0:9000?mode=listener' -o live\n  ffmpeg -i cam -f mpegts - | veza segment - --event --record raw.ts -o live",
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if live.IsSource(args[0]) {
				return runSegmentLive(cmd, args[0], opts, lopts, copyOnly, encodeOnly, liveF)
			}
			if err := noLiveFlags(cmd); err != nil {
				return err
			}
			opts.Inputs = args
			opts.Segment = string(ladder.SegmentAuto)
			var err error
			if opts.Audio, err = af.processing(); err != nil {
				return err
			}
			switch {
			case copyOnly && encodeOnly:
				return usageErrorf("--copy and --encode cannot be used together")
			case copyOnly:
				opts.Segment = string(ladder.SegmentCopy)
			case encodeOnly:
				opts.Segment = string(ladder.SegmentEncode)
			}
			if opts.OutDir == "" {
				return usageErrorf("segment: -o OUTDIR is required")
			}
			if err := opts.checkHLSFlags(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runLadder(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.OutDir, "output", "o", "", "output root; the track goes to OUTDIR/<track>")
	fl.Float64Var(&opts.SegmentTime, "segment-time", 4, "target segment duration in seconds")
	fl.StringVar(&opts.Format, "format", "ts", "segment container: ts or fmp4")
	fl.BoolVar(&copyOnly, "copy", false, "always stream-copy (fail if the keyframes do not allow it)")
	fl.BoolVar(&encodeOnly, "encode", false, "always re-encode with a fixed GOP")
	fl.StringVar(&opts.TrackID, "track", "", "track id (default: a slug of the file name)")
	fl.StringVar(&opts.Catalog, "catalog", "", "catalog file (default OUTDIR/veza.db)")
	fl.BoolVar(&opts.Force, "force", false, "redo the output even when complete and current")
	fl.BoolVar(&opts.Strict, "strict", false, strictUsage)
	fl.StringVar(&opts.Preset, "preset", "veryfast", "x264/x265 speed preset when encoding")
	fl.DurationVar(&opts.Timeout, "timeout", encode.DefaultTimeout, "give up after this long (0: never; live sources: no limit unless given)")
	af = addAudioFlags(fl)
	addProtectFlags(fl, &opts.ProtectOptions)
	addPublishFlags(fl, &opts.Publish)
	liveFlags(cmd, lopts)
	return cmd
}
