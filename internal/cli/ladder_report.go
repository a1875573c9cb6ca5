package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/schollz/progressbar/v3"

	"github.com/veza-media/veza/pkg/encode"
	"github.com/veza-media/veza/pkg/ladder"
)

// printLadderResult prints what one input's ladder run did.
func printLadderResult(io *IOStreams, r *ladder.Result) {
	switch {
	case r.UpToDate:
		fmt.Fprintf(io.Out, "%s: up to date, nothing to do (%s)\n", r.TrackID, r.Master)
		writeLoudnessReport(io.Out, r.Loudness)
		if r.Published != "" {
			fmt.Fprintf(io.Out, "  published: %s\n", r.Published)
		}
		return
	case len(r.Reused) > 0:
		fmt.Fprintf(io.Out, "%s: encoded %s, reused %s in %.1fs\n", r.TrackID, strings.Join(r.Encoded, ", "), strings.Join(r.Reused, ", "), r.Elapsed)
	default:
		fmt.Fprintf(io.Out, "%s: encoded %s in %.1fs\n", r.TrackID, strings.Join(r.Encoded, ", "), r.Elapsed)
	}
	for _, v := range r.Variants {
		size := ""
		if v.Width > 0 {
			size = fmt.Sprintf("%dx%d", v.Width, v.Height)
		}
		fmt.Fprintf(io.Out, "  %-8s %-10s %8.0f kbit/s peak %8.0f avg  %-24s %d segments\n",
			v.Name, size, float64(v.Bandwidth)/1000, float64(v.AverageBandwidth)/1000, v.Codecs, v.Segments)
	}
	for _, s := range r.Subtitles {
		fmt.Fprintf(io.Out, "  %-8s %-10s subtitles %q (%s), %d cues          %d segments\n", s.Name, "", s.Label, s.Language, s.Cues, s.Segments)
	}
	for _, n := range r.NotCarried {
		fmt.Fprintf(io.Out, "  %s\n", n)
	}
	writeLoudnessReport(io.Out, r.Loudness)
	fmt.Fprintf(io.Out, "  master: %s\n", r.Master)
	if r.MPD != "" {
		fmt.Fprintf(io.Out, "  dash:   %s\n", r.MPD)
	}
	if r.Published != "" {
		fmt.Fprintf(io.Out, "  published: %s\n", r.Published)
	}
	if r.Keys > 0 {
		fmt.Fprintf(io.Out, "  encrypted with AES-128: %d key file(s) in %s (mode 0600)\n", r.Keys, r.Dir)
	}
}

// ladderBar draws one progress bar per input on a terminal.
type ladderBar struct{ bar *progressbar.ProgressBar }

func newLadderBar(io *IOStreams, input string) *ladderBar {
	if !io.Bars() {
		return &ladderBar{}
	}
	return &ladderBar{bar: progressbar.NewOptions(1000,
		progressbar.OptionSetWriter(io.ErrOut),
		progressbar.OptionSetDescription(filepath.Base(input)),
		progressbar.OptionEnableColorCodes(io.ColorErr()),
		progressbar.OptionShowElapsedTimeOnFinish(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionClearOnFinish(),
	)}
}

func (b *ladderBar) progress(p encode.Progress) {
	if b.bar != nil {
		_ = b.bar.Set(int(p.Percent * 10))
	}
}

// clear takes the bar off the line so a message can be printed.
func (b *ladderBar) clear() {
	if b.bar != nil {
		_ = b.bar.Clear()
	}
}

func (b *ladderBar) finish() {
	if b.bar != nil {
		_ = b.bar.Finish()
	}
}

// listLadders prints the built-in ladders (`veza ladder --list`).
func listLadders(opts *LadderOptions) error {
	ls := ladder.Builtins()
	if opts.IO.JSON {
		return writeJSON(opts.IO.Out, ls)
	}
	for _, l := range ls {
		fmt.Fprintf(opts.IO.Out, "%s%s\n", l.Name, ladderExtras(l))
		for _, r := range l.Rungs {
			if r.IsVideo() {
				codec := r.Codec
				if codec == "" {
					codec = "h264"
				}
				audio := ""
				if r.AudioBitrate > 0 {
					audio = fmt.Sprintf(" + audio %dk", r.AudioBitrate)
				}
				fmt.Fprintf(opts.IO.Out, "  %-8s %s %dp %dk%s\n", r.Name, codec, r.Height, r.Bitrate, audio)
			} else {
				codec := r.AudioCodec
				if codec == "" {
					codec = "aac"
				}
				fmt.Fprintf(opts.IO.Out, "  %-8s %s %dk\n", r.Name, codec, r.AudioBitrate)
			}
		}
	}
	fmt.Fprintf(opts.IO.Out, "\nA custom ladder is a YAML file: name, segment_time and rungs with name, codec, height,\nbitrate, maxrate, bufsize, profile, audio_codec, audio_bitrate; optional loudness, true_peak, lra,\ntrim_silence (seconds) and silence_threshold apply to the sound of every rung.\n")
	return nil
}

// ladderExtras describes a ladder's own segment time and sound processing.
func ladderExtras(l ladder.Ladder) string {
	var x []string
	if l.SegmentTime > 0 {
		x = append(x, fmt.Sprintf("%g s segments", l.SegmentTime))
	}
	if l.Loudness != 0 {
		x = append(x, fmt.Sprintf("loudness %g LUFS", l.Loudness))
	}
	if l.TrimSilence > 0 {
		x = append(x, fmt.Sprintf("silences of %g s or more cut", l.TrimSilence))
	}
	if len(x) == 0 {
		return ""
	}
	return " (" + strings.Join(x, ", ") + ")"
}

// ladderEvent shows one event of input's build: notes as log lines, a
// damaged source as a warning, progress on the bar, segments when debugging.
func ladderEvent(io *IOStreams, bar *ladderBar, in string, ev ladder.Event) {
	if o := ev.Object; o != nil {
		io.Debugf("%s s3://%s/%s (%s)", o.Action, o.Bucket, o.Key, humanBytes(o.Size))
		return
	}
	switch e := ev.Encode.(type) {
	case nil:
		io.Logf("%s", ev.Message)
	case encode.Damaged:
		bar.clear()
		io.Warnf("%s: source damaged: %s", in, e)
	case encode.Progress:
		bar.progress(e)
	case encode.SegmentCompleted:
		io.Debugf("segment %s (%.3f s, %d bytes)", e.Path, e.Duration.Seconds(), e.Bytes)
	}
}

// ladderError is how an input's failure is shown: one line, with the flag
// that would help.
func ladderError(err error) error { return oneLine(withFlagHint(err)) }

// ladderJSON is one input's entry in --json output.
type ladderJSON struct {
	Input string `json:"input"`
	*ladder.Result
	Error string `json:"error,omitempty"`
}

// writeLadderJSON writes the batch's results as one JSON array.
func writeLadderJSON(io *IOStreams, results []ladder.BatchResult) error {
	out := make([]ladderJSON, len(results))
	for i, r := range results {
		out[i] = ladderJSON{Input: r.Input, Result: r.Result}
		if r.Err != nil {
			out[i].Error = ladderError(r.Err).Error()
		}
	}
	return writeJSON(io.Out, out)
}

// showLadderBatch shows the batch's progress as it runs: a bar per input,
// its events, then its error line or (without --json) its report.
func showLadderBatch(ctx context.Context, io *IOStreams, bc *ladder.BatchConfig) {
	var bar *ladderBar
	bc.OnStart = func(in string) { bar = newLadderBar(io, in) }
	bc.OnEvent = func(in string, ev ladder.Event) { ladderEvent(io, bar, in, ev) }
	bc.OnDone = func(r ladder.BatchResult) {
		if bar != nil {
			bar.finish()
			bar = nil
		}
		switch {
		case r.Err != nil && ctx.Err() == nil:
			fmt.Fprintf(io.ErrOut, "veza: %v\n", ladderError(r.Err))
		case r.Err == nil && !io.JSON:
			printLadderResult(io, r.Result)
		}
	}
}
