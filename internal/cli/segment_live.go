package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/ladder"
	"github.com/veza-media/veza/pkg/live"
)

// LiveOptions is what `veza segment` was asked to do with a live source:
// the live job itself, filled from the flags, and what the CLI resolves
// before running it.
type LiveOptions struct {
	IO *IOStreams
	// FindFFmpeg and FindFFprobe resolve the binaries (lazily) into
	// Config.FFmpeg and Config.FFprobe.
	FindFFmpeg, FindFFprobe func() (string, error)

	// Config is the job. Its Catalog, Stdin, Limiter and OnEvent are set
	// by the run step; Timeout 0 lets the job run until the source ends.
	live.Config
	// CatalogPath is --catalog; empty means OUTDIR/veza.db.
	CatalogPath string
	// LadderName is --ladder: a built-in ladder or a YAML file, resolved
	// into Config.Ladder.
	LadderName string
	// MaxLive is --max-live: the live jobs allowed to write OUTDIR at once
	// (0: no limit).
	MaxLive int
}

const liveHelp = "Live sources — srt:// (add ?mode=listener to listen), udp:// MPEG-TS, rtmp:// (veza listens\n" +
	"when the host is this machine) and - for a stream on stdin — become live HLS in\n" +
	"<OUTDIR>/<track>/live/index.m3u8: 2 s segments unless --segment-time says otherwise, a sliding\n" +
	"window of --window segments (never under 6 and 3 × the target) or every segment with --event,\n" +
	"program dates on every segment, old segments deleted only once players cannot need them. The\n" +
	"source is re-encoded to H.264/AAC with a keyframe at every segment unless --copy. The job ends\n" +
	"with EXT-X-ENDLIST when the source ends or sends nothing for --idle-timeout; --reconnect waits\n" +
	"for it to come back instead. The catalog shows the track as live while it runs. --ladder\n" +
	"(video, audio, replay or a YAML file) encodes every rung the source's size allows into\n" +
	"<OUTDIR>/<track>/live/<rung>/ with a live master, <OUTDIR>/<track>/live/master.m3u8."

// liveFlags adds the flags only live sources use.
func liveFlags(cmd *cobra.Command, o *LiveOptions) {
	fl := cmd.Flags()
	fl.IntVar(&o.Window, "window", live.DefaultWindow, "live: segments kept in the playlist (at least 6 and 3 × the target)")
	fl.BoolVar(&o.Event, "event", false, "live: keep every segment (EVENT playlist) instead of a sliding window")
	fl.DurationVar(&o.IdleTimeout, "idle-timeout", live.DefaultIdleTimeout, "live: end when the source sends nothing for this long")
	fl.DurationVar(&o.WaitTimeout, "wait-timeout", 0, "live: give up when the source has not started (or come back) after this long (0: wait)")
	fl.BoolVar(&o.Reconnect, "reconnect", false, "live: wait for a lost source to come back and continue after a discontinuity")
	fl.StringVar(&o.Record, "record", "", "live: also keep the raw input in this MPEG-TS file")
	fl.DurationVar(&o.RecordBackup, "record-backup", live.DefaultRecordBackup, "live: with --record and --publish, copy the recording to the bucket in parts at least this often")
	fl.StringVar(&o.LadderName, "ladder", "", "live: encode a live ladder (video, audio, replay or a YAML file) with a live master")
	fl.IntVar(&o.MaxLive, "max-live", 0, "live: refuse to start when this many live jobs write OUTDIR already (0: no limit)")
}

var liveOnly = []string{"window", "event", "idle-timeout", "wait-timeout", "reconnect", "record", "record-backup", "max-live", "ladder"}

// liveShared are the flags of `veza segment` that live sources use too.
var liveShared = []string{"output", "segment-time", "format", "copy", "encode", "track", "catalog", "force", "preset", "timeout",
	"publish", "s3-endpoint", "s3-path-style", "upload-jobs"}

// noLiveFlags refuses live flags given with a file input.
func noLiveFlags(cmd *cobra.Command) error {
	for _, name := range liveOnly {
		if cmd.Flags().Changed(name) {
			return usageErrorf("--%s applies to live sources (srt://, udp://, rtmp://, -)", name)
		}
	}
	return nil
}

// NewCmdSegmentLive builds `veza segment` with the live run replaced by
// liveF, for tests of the live flags.
func NewCmdSegmentLive(f *Factory, liveF func(context.Context, *LiveOptions) error) *cobra.Command {
	return segmentCmd(f, nil, liveF)
}

// runSegmentLive fills the live options from the flags both kinds of
// input share and runs the live job.
func runSegmentLive(cmd *cobra.Command, input string, shared *LadderOptions, o *LiveOptions, copyOnly, encodeOnly bool,
	liveF func(context.Context, *LiveOptions) error) error {
	fl := cmd.Flags()
	var other []string
	inherited := cmd.InheritedFlags()
	fl.Visit(func(f *pflag.Flag) {
		if inherited.Lookup(f.Name) == nil && !slices.Contains(liveOnly, f.Name) && !slices.Contains(liveShared, f.Name) {
			other = append(other, "--"+f.Name)
		}
	})
	switch {
	case len(other) > 0:
		return usageErrorf("%s: not for live sources", strings.Join(other, ", "))
	case copyOnly && encodeOnly:
		return usageErrorf("--copy and --encode cannot be used together")
	case shared.OutDir == "":
		return usageErrorf("segment: -o OUTDIR is required")
	case shared.Format != "ts":
		return usageErrorf("--format %q: live output is MPEG-TS (ts)", shared.Format)
	case o.Window < 0:
		return usageErrorf("--window must not be negative")
	case o.IdleTimeout <= 0:
		return usageErrorf("--idle-timeout must be positive")
	case o.WaitTimeout < 0 || o.MaxLive < 0:
		return usageErrorf("--wait-timeout and --max-live must not be negative")
	case o.RecordBackup <= 0:
		return usageErrorf("--record-backup must be positive")
	case fl.Changed("record-backup") && (o.Record == "" || shared.Publish.Target == ""):
		return usageErrorf("--record-backup needs --record and --publish")
	case o.Reconnect && input == "-":
		return usageErrorf("--reconnect: a pipe cannot come back; it ends with stdin")
	case fl.Changed("event") && fl.Changed("window"):
		return usageErrorf("--event keeps every segment: it takes no --window")
	case o.LadderName != "" && copyOnly:
		return usageErrorf("--ladder encodes every rung: it takes no --copy")
	}
	if o.LadderName != "" {
		l, err := ladder.Resolve(o.LadderName)
		if err != nil {
			return usageErrorf("--ladder: %v", err)
		}
		o.Ladder = &l
	}
	o.Input, o.OutDir, o.CatalogPath, o.TrackID = input, shared.OutDir, shared.Catalog, shared.TrackID
	o.Preset, o.Force = shared.Preset, shared.Force
	if err := shared.Publish.check(); err != nil {
		return err
	}
	o.Publish = shared.Publish.config()
	if copyOnly {
		o.Mode = live.ModeCopy
	}
	// --segment-time defaults to 4 for files; live streams want 2.
	o.SegmentTime = live.DefaultSegmentTime
	if fl.Changed("segment-time") {
		if shared.SegmentTime <= 0 || shared.SegmentTime > 60 {
			return usageErrorf("--segment-time must be between 0 and 60 seconds")
		}
		o.SegmentTime = time.Duration(shared.SegmentTime * float64(time.Second))
	}
	// --timeout defaults to the file encode's 10 minutes; a live stream
	// runs until it ends unless a limit is given.
	if fl.Changed("timeout") {
		o.Timeout = shared.Timeout
	}
	if liveF != nil {
		return liveF(cmd.Context(), o)
	}
	return runLive(cmd.Context(), o)
}

func runLive(ctx context.Context, o *LiveOptions) error {
	var err error
	if o.FFmpeg, err = o.FindFFmpeg(); err != nil {
		return err
	}
	if o.FFprobe, err = o.FindFFprobe(); err != nil {
		return err
	}
	catPath := o.CatalogPath
	if catPath == "" {
		catPath = catalog.DefaultPath(o.OutDir)
	}
	db, err := catalog.Open(catPath)
	if err != nil {
		return err
	}
	defer db.Close()
	o.Catalog, o.CatalogRoot, o.Stdin, o.OnEvent = db, filepath.Dir(catPath), o.IO.In, liveLogger(o.IO)
	if w := live.Exposure(o.Input); w != "" {
		o.IO.Warnf("%s", w)
	}
	if o.MaxLive > 0 {
		// The slots live beside the catalog: every veza process writing
		// this output shares them.
		o.Limiter = live.NewSharedLimiter(filepath.Join(filepath.Dir(catPath), ".veza-live"), o.MaxLive)
	}
	res, err := live.Run(ctx, o.Config)
	if res != nil && (res.Segments > 0 || err == nil) {
		if o.IO.JSON {
			if jerr := writeJSON(o.IO.Out, res); jerr != nil && err == nil {
				err = jerr
			}
		} else {
			fmt.Fprintf(o.IO.Out, "%s: %d segments, %.1f s, %s (%s)\n  playlist: %s\n", res.TrackID, res.Segments, res.Duration,
				res.Status, res.Reason, res.Playlist)
			if res.Record != "" {
				fmt.Fprintf(o.IO.Out, "  recording: %s\n", res.Record)
			}
		}
	}
	if err != nil {
		return oneLine(withFlagHint(err))
	}
	return nil
}

// liveLogger turns live events into log lines on stderr.
func liveLogger(io *IOStreams) func(live.Event) {
	lost := false
	return func(ev live.Event) {
		switch e := ev.(type) {
		case live.Waiting:
			switch {
			case e.Run == 1:
				io.Logf("live: waiting for %s", e.Input)
			case lost:
				io.Logf("live: waiting for the source to come back")
				lost = false
			}
			io.Debugf("ffmpeg %s", strings.Join(e.Args, " "))
		case live.Receiving:
			io.Logf("live: receiving")
		case live.InputDetected:
			parts := make([]string, len(e.Streams))
			for i, s := range e.Streams {
				parts[i] = s.String()
			}
			io.Logf("live: input %s; output CODECS %q", strings.Join(parts, ", "), e.Codecs)
		case live.LadderPlanned:
			io.Logf("live: ladder %s: %s", e.Ladder, strings.Join(e.Renditions, ", "))
			for _, d := range e.Dropped {
				io.Logf("live: left out %s", d)
			}
		case live.MasterWritten:
			io.Logf("live: master %s", e.Path)
		case live.SegmentPublished:
			io.Debugf("segment %d %s (%.3f s) published %.1f ms after it was written", e.Sequence, filepath.Base(e.Path),
				e.Duration, float64(e.Latency.Microseconds())/1000)
		case live.SourceLost:
			if e.Reconnecting {
				io.Logf("live: source lost (%s)", e.Reason)
				lost = true
			} else {
				io.Logf("live: %s", e.Reason)
			}
		case live.Warning:
			io.Warnf("%s", e.Message)
		case live.BucketEvent:
			switch e.Action {
			case "behind":
				io.Warnf("uploads to s3://%s fall behind (%d waiting): skipping segments that left the window", e.Bucket, e.Backlog)
			case "failed":
				io.Warnf("%s", e.Error)
			default:
				io.Debugf("%s s3://%s/%s", e.Action, e.Bucket, e.Key)
			}
		}
	}
}
