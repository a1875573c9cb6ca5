package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/spf13/cobra"

	"github.com/veza-media/veza/pkg/encode"
	"github.com/veza-media/veza/pkg/ffprobe"
	"github.com/veza-media/veza/pkg/ladder"
)

// TranscodeOptions is what `veza transcode` was asked to do.
type TranscodeOptions struct {
	IO      *IOStreams
	FFmpeg  func() (string, error)
	Prober  func() (*ffprobe.Prober, error)
	Presets func() (map[string]Preset, error)

	// Inputs are files, directories (searched recursively), globs, or "-"
	// for a list of paths on stdin.
	Inputs []string
	OutDir string
	// Preset names the encoding; "" picks h264-720p for video sources and
	// aac-128 for audio-only ones.
	Preset      string
	ListPresets bool
	// VCodec, ACodec, VBitrate, ABitrate and Height override the preset.
	VCodec, ACodec     string
	VBitrate, ABitrate string
	Height             int
	// Format is "file" (one file per input) or "hls" (a folder with a media
	// playlist and its segments per input).
	Format      string
	SegmentTime float64
	// Jobs is how many files are encoded at once; 0 chooses from the preset.
	Jobs    int
	Timeout time.Duration
	// Events is "" or "ndjson": every event as a JSON line on stdout.
	Events string
	// Audio is loudness normalisation and silence trimming for every file.
	Audio ladder.AudioProcessing
}

// NewCmdTranscode builds `veza transcode`; runF replaces the run step in tests.
func NewCmdTranscode(f *Factory, runF func(context.Context, *TranscodeOptions) error) *cobra.Command {
	opts := &TranscodeOptions{IO: f.IO, FFmpeg: f.FFmpeg, Prober: f.Prober,
		Presets: func() (map[string]Preset, error) { return loadPresets(f.Config) }}
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
			"use every core).",
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
			opts.Inputs = args
			var err error
			if opts.Audio, err = af.processing(); err != nil {
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
	fl.StringVarP(&opts.OutDir, "output", "o", "", "output directory (created if missing)")
	fl.StringVarP(&opts.Preset, "preset", "p", "", "preset name (default: h264-720p for video, aac-128 for audio-only sources)")
	fl.BoolVar(&opts.ListPresets, "list-presets", false, "list the presets and exit")
	fl.StringVar(&opts.VCodec, "vcodec", "", "video encoder, overriding the preset (libx264, libx265, libsvtav1)")
	fl.StringVar(&opts.ACodec, "acodec", "", "audio encoder, overriding the preset (aac, libmp3lame, libopus, flac)")
	fl.StringVar(&opts.VBitrate, "vb", "", "video bit rate, e.g. 2500k (replaces the preset's constant quality)")
	fl.StringVar(&opts.ABitrate, "ab", "", "audio bit rate, e.g. 192k")
	fl.IntVar(&opts.Height, "height", 0, "largest output height; smaller sources are never upscaled")
	fl.StringVar(&opts.Format, "format", "file", "file (one file per input) or hls (a playlist and segments per input)")
	fl.Float64Var(&opts.SegmentTime, "segment-time", 4, "HLS target segment duration in seconds")
	fl.IntVarP(&opts.Jobs, "jobs", "j", 0, "files encoded at once (default: CPUs for audio presets, 1 for video)")
	fl.DurationVar(&opts.Timeout, "timeout", encode.DefaultTimeout, "give up on one file after this long (0: never)")
	fl.StringVar(&opts.Events, "events", "", "write every event as JSON on stdout: ndjson")
	af = addAudioFlags(fl)
	return cmd
}

// check rejects flag combinations before anything runs.
func (o *TranscodeOptions) check() error {
	if o.ListPresets {
		return nil
	}
	switch {
	case o.OutDir == "":
		return usageErrorf("--output (-o) is required")
	case o.Format != "file" && o.Format != "hls":
		return usageErrorf("--format %q: use file or hls", o.Format)
	case o.SegmentTime <= 0:
		return usageErrorf("--segment-time must be positive")
	case o.Jobs < 0:
		return usageErrorf("--jobs must be at least 1")
	case o.Height < 0:
		return usageErrorf("--height must be positive")
	case o.Timeout < 0:
		return usageErrorf("--timeout must not be negative")
	case o.Events != "" && o.Events != "ndjson":
		return usageErrorf("--events %q: the only form is ndjson", o.Events)
	case o.Events != "" && o.IO.JSON:
		return usageErrorf("--events ndjson and --json both write to stdout; choose one")
	}
	if countDash(o.Inputs) > 1 {
		return usageErrorf("\"-\" (read paths from stdin) can be given once")
	}
	return nil
}

func countDash(in []string) int {
	n := 0
	for _, s := range in {
		if s == "-" {
			n++
		}
	}
	return n
}

// transcodeItem is one input file of the batch and what became of it.
type transcodeItem struct {
	Input string `json:"input"`
	// rel is the folder under OUTDIR the output goes to (the input's place
	// below a directory argument).
	rel      string
	explicit bool // named on the command line, stdin or a glob, not found in a folder
	src      transcodeSource
	preset   Preset

	Output   string  `json:"output,omitempty"`
	Preset   string  `json:"preset,omitempty"`
	Status   string  `json:"status"`
	Duration float64 `json:"duration"` // media seconds
	Bytes    int64   `json:"bytes"`
	Elapsed  float64 `json:"elapsed"` // wall seconds
	Speed    float64 `json:"speed"`   // media seconds per wall second
	Segments int     `json:"segments,omitempty"`
	Error    string  `json:"error,omitempty"`
	// Loudness says what loudness and silence processing did, when asked.
	Loudness *transcodeLoudness `json:"loudness,omitempty"`
}

// statusSkipped marks a file found in a folder that is not media.
const statusSkipped = "skipped"

func runTranscode(ctx context.Context, opts *TranscodeOptions) error {
	presets, err := opts.Presets()
	if err != nil {
		return err
	}
	if opts.ListPresets {
		return listPresets(opts.IO, presets)
	}
	var base Preset
	if opts.Preset != "" {
		p, ok := presets[opts.Preset]
		if !ok {
			return usageErrorf("preset %q does not exist (see veza transcode --list-presets)", opts.Preset)
		}
		base = p
	}
	ffmpeg, err := opts.FFmpeg()
	if err != nil {
		return err
	}
	prober, err := opts.Prober()
	if err != nil {
		return err
	}
	outAbs, _ := filepath.Abs(opts.OutDir)
	items, err := expandInputs(opts.Inputs, opts.IO.In, outAbs)
	if err != nil {
		return err
	}
	if len(items) == 0 {
		return errors.New("transcode: no input files")
	}
	probeAll(ctx, prober, items)
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	outputs := map[string]string{}
	allAudio := true
	for _, it := range items {
		if it.Status != "" {
			continue
		}
		p := base
		if opts.Preset == "" {
			p = presets["aac-128"]
			if it.src.HasVideo {
				p = presets["h264-720p"]
			}
		}
		p = opts.override(p)
		it.preset, it.Preset = p, p.Name
		switch {
		case p.Video() && !it.src.HasVideo:
			it.fail("error", fmt.Errorf("transcode %q: no video stream for video preset %s; use an audio preset", it.Input, p.Name))
			continue
		case !it.src.HasAudio && !p.Video():
			it.fail("error", fmt.Errorf("transcode %q: no audio stream for audio preset %s", it.Input, p.Name))
			continue
		case opts.Format == "hls" && p.ACodec == "flac" && it.src.HasAudio:
			return usageErrorf("FLAC cannot be segmented for HLS by ffmpeg 5.1; choose another preset or --acodec")
		}
		if p.Video() {
			allAudio = false
		}
		it.Output = outputPath(opts.OutDir, it, p, opts.Format == "hls")
		if prev, dup := outputs[it.Output]; dup {
			it.fail("error", fmt.Errorf("transcode %q: output %s would overwrite the output of %q", it.Input, it.Output, prev))
			continue
		}
		outputs[it.Output] = it.Input
	}
	jobs := opts.Jobs
	if jobs == 0 {
		jobs = 1
		if allAudio {
			jobs = runtime.NumCPU()
		}
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = encode.NoTimeout
	}

	ui := newTranscodeUI(opts.IO, opts.Events == "ndjson", items, jobs)
	for i, it := range items {
		if it.Status != "" {
			ui.finished(i, it)
		}
	}
	b := &transcodeBatch{ffmpeg: ffmpeg, ffprobe: prober.Path, opts: opts, timeout: timeout, ui: ui}
	b.run(ctx, items, jobs)
	ui.close()

	if err := printTranscodeResults(opts.IO, items, opts.Events != ""); err != nil {
		return err
	}
	failed, total := 0, 0
	for _, it := range items {
		switch it.Status {
		case statusSkipped:
		case string(encode.StatusDone):
			total++
		default:
			total++
			failed++
		}
	}
	switch {
	case ctx.Err() != nil:
		return context.Cause(ctx)
	case failed == 0:
		return nil
	case failed == total:
		return errSilent
	default:
		return &PartialError{Failed: failed, Total: total}
	}
}

// override applies --vcodec, --acodec, --vb, --ab and --height.
func (o *TranscodeOptions) override(p Preset) Preset {
	if o.VCodec != "" {
		p.VCodec = o.VCodec
	}
	if o.ACodec != "" {
		p.ACodec = o.ACodec
	}
	if o.VBitrate != "" {
		p.VBitrate = o.VBitrate
	}
	if o.ABitrate != "" {
		p.ABitrate = o.ABitrate
	}
	if o.Height > 0 {
		p.Height = o.Height
	}
	return p
}

func (it *transcodeItem) fail(status string, err error) {
	it.Status, it.Error = status, err.Error()
}

// expandInputs turns the arguments into the list of candidate files. Paths
// that do not exist and match nothing are returned as failed items; outDir
// (absolute) is never searched, so OUTDIR inside an input folder is safe.
func expandInputs(args []string, stdin io.Reader, outDir string) ([]*transcodeItem, error) {
	var items []*transcodeItem
	seen := map[string]bool{}
	add := func(path, rel string, explicit bool) {
		key := path
		if abs, err := filepath.Abs(path); err == nil {
			key = abs
		}
		if seen[key] {
			return
		}
		seen[key] = true
		items = append(items, &transcodeItem{Input: path, rel: rel, explicit: explicit})
	}
	var walk func(arg string) error
	walk = func(arg string) error {
		st, err := os.Stat(arg)
		if err != nil {
			if matches, gerr := filepath.Glob(arg); gerr == nil && len(matches) > 0 && strings.ContainsAny(arg, "*?[") {
				for _, m := range matches {
					if err := walk(m); err != nil {
						return err
					}
				}
				return nil
			}
			it := &transcodeItem{Input: arg, explicit: true}
			it.fail("error", fmt.Errorf("transcode %q: no such file", arg))
			items = append(items, it)
			return nil
		}
		if !st.IsDir() {
			add(arg, "", true)
			return nil
		}
		return filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return fmt.Errorf("transcode %q: %w", p, errors.Unwrap(err))
			}
			if p != arg && strings.HasPrefix(d.Name(), ".") {
				// Hidden files and folders, veza's own temporary outputs included.
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				if abs, _ := filepath.Abs(p); abs == outDir {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() {
				return nil
			}
			rel, _ := filepath.Rel(arg, filepath.Dir(p))
			add(p, rel, false)
			return nil
		})
	}
	for _, a := range args {
		if a != "-" {
			if err := walk(a); err != nil {
				return nil, err
			}
			continue
		}
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" {
				continue
			}
			if err := walk(line); err != nil {
				return nil, err
			}
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("reading paths from stdin: %w", err)
		}
	}
	return items, nil
}

// probeAll probes the pending items a few at a time and fills their source
// description; files that are not media are marked skipped (found in a
// folder) or failed (named explicitly).
func probeAll(ctx context.Context, p *ffprobe.Prober, items []*transcodeItem) {
	sem := make(chan struct{}, max(2, runtime.NumCPU()))
	var wg sync.WaitGroup
	for _, it := range items {
		if it.Status != "" {
			continue
		}
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			res, err := p.Probe(ctx, it.Input)
			if ctx.Err() != nil {
				return
			}
			classifyProbe(it, res, err)
		})
	}
	wg.Wait()
}

// classifyProbe decides from ffprobe's answer whether an item is media that
// can be encoded.
func classifyProbe(it *transcodeItem, res *ffprobe.Result, err error) {
	media := err == nil && (res.Summary.HasAudio || res.Summary.HasVideo) && !isStillImage(res)
	switch {
	case !media && !it.explicit && !mediaName(it.Input):
		// Found in a folder, unreadable as media and not named like media:
		// a cover.jpg or notes.txt, not a failure.
		it.Status = statusSkipped
		it.Error = "not a media file"
	case err != nil:
		it.fail("error", fmt.Errorf("transcode %q: %v", it.Input, probeCause(err)))
	case !media:
		it.fail("error", fmt.Errorf("transcode %q: not a media file (%s)", it.Input, res.Format.Name))
	case !res.Summary.Usable:
		it.fail("error", fmt.Errorf("transcode %q: not usable: %s", it.Input, strings.Join(res.Summary.Problems, "; ")))
	default:
		it.src = transcodeSource{
			HasVideo:      res.Summary.HasVideo,
			HasAudio:      res.Summary.HasAudio,
			DisplayHeight: res.Summary.DisplayHeight,
			Duration:      res.Summary.Duration,
		}
		if a := res.Audio(); a != nil {
			it.src.SampleRate = a.SampleRate
		}
		if v := res.Video(); v != nil {
			it.src.FrameRate = v.FrameRate
		}
		it.Duration = res.Summary.Duration
	}
}

// mediaExts are names that promise media. Probing decides what is media; the
// name only decides whether a file that fails to probe is a broken media file
// (an error) or something else that lives in the folder (skipped).
var mediaExts = map[string]bool{
	".mp4": true, ".m4a": true, ".m4v": true, ".mov": true, ".mkv": true, ".webm": true, ".avi": true,
	".ts": true, ".mts": true, ".m2ts": true, ".mpg": true, ".mpeg": true, ".flv": true, ".wmv": true,
	".mp3": true, ".aac": true, ".wav": true, ".flac": true, ".ogg": true, ".oga": true, ".opus": true,
	".wma": true, ".aif": true, ".aiff": true, ".alac": true, ".3gp": true, ".mxf": true,
}

func mediaName(p string) bool { return mediaExts[strings.ToLower(filepath.Ext(p))] }

// probeCause drops ffprobe's own `probe "x":` prefix: the caller names the file.
func probeCause(err error) string {
	msg := err.Error()
	if strings.HasPrefix(msg, "probe \"") {
		if i := strings.Index(msg, "\": "); i >= 0 {
			return msg[i+3:]
		}
	}
	return msg
}

// isStillImage tells pictures (which ffprobe reads as one-frame video) from media.
func isStillImage(r *ffprobe.Result) bool {
	name := r.Format.Name
	return !r.Summary.HasAudio && (strings.HasSuffix(name, "_pipe") || name == "image2" || name == "gif" || name == "webp")
}

// outputPath is where an item's output ends up: OUTDIR/<rel>/<stem>.<ext>,
// or the folder OUTDIR/<rel>/<stem> holding index.m3u8 for HLS.
func outputPath(outDir string, it *transcodeItem, p Preset, hls bool) string {
	stem := strings.TrimSuffix(filepath.Base(it.Input), filepath.Ext(it.Input))
	dir := filepath.Join(outDir, it.rel)
	if hls {
		return filepath.Join(dir, stem)
	}
	ext := "mp4"
	if !p.Video() {
		ext = audioContainer(p.ACodec)
	}
	return filepath.Join(dir, stem+"."+ext)
}

// hlsPlaylistName is the media playlist inside each HLS output folder.
const hlsPlaylistName = "index.m3u8"

// segmentPattern names the segments next to the playlist at path.
func segmentPattern(playlist string, fmp4 bool) string {
	ext := ".ts"
	if fmp4 {
		ext = ".m4s"
	}
	return filepath.Join(filepath.Dir(playlist), "seg_%05d"+ext)
}

func secondsDuration(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// transcodeBatch runs the items' ffmpeg jobs on a pool of workers.
type transcodeBatch struct {
	ffmpeg, ffprobe string
	opts            *TranscodeOptions
	timeout         time.Duration
	ui              *transcodeUI
}

func (b *transcodeBatch) run(ctx context.Context, items []*transcodeItem, jobs int) {
	queue := make(chan int)
	var wg sync.WaitGroup
	for range jobs {
		wg.Go(func() {
			for i := range queue {
				b.one(ctx, i, items[i])
				b.ui.finished(i, items[i])
			}
		})
	}
	for i, it := range items {
		if it.Status != "" {
			continue
		}
		select {
		case queue <- i:
		case <-ctx.Done():
			it.fail(string(encode.StatusCancelled), fmt.Errorf("transcode %q: not started (interrupted)", it.Input))
			b.ui.finished(i, it)
		}
	}
	close(queue)
	wg.Wait()
}

// one encodes one item under a temporary name and renames it into place
// when ffmpeg succeeded; on any failure the temporary output is removed.
func (b *transcodeBatch) one(ctx context.Context, i int, it *transcodeItem) {
	hls := b.opts.Format == "hls"
	final := it.Output
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		it.fail("error", fmt.Errorf("transcode %q: %v", it.Input, err))
		return
	}
	// The temporary name is hidden (a dot) and unique, next to the final one
	// so the rename stays on one file system.
	var tmp, target string
	var err error
	if hls {
		tmp, err = os.MkdirTemp(filepath.Dir(final), "."+filepath.Base(final)+".tmp-")
		target = filepath.Join(tmp, hlsPlaylistName)
	} else {
		var f *os.File
		f, err = os.CreateTemp(filepath.Dir(final), "."+strings.TrimSuffix(filepath.Base(final), filepath.Ext(final))+".tmp-*"+filepath.Ext(final))
		if err == nil {
			tmp = f.Name()
			target = tmp
			f.Close()
		}
	}
	if err != nil {
		it.fail("error", fmt.Errorf("transcode %q: %v", it.Input, err))
		return
	}
	committed := false
	defer func() {
		if !committed {
			os.RemoveAll(tmp)
		}
	}()

	segments := 0
	job := &encode.Job{
		FFmpeg:    b.ffmpeg,
		FFprobe:   b.ffprobe,
		Inputs:    []encode.Input{{Path: it.Input}},
		Outputs:   []encode.Output{buildOutput(it.preset, it.src, target, hls, b.opts.SegmentTime)},
		Overwrite: true, // the temporary file exists: veza created it
		Duration:  secondsDuration(it.src.Duration),
		Timeout:   b.timeout,
		OnEvent: func(ev encode.Event) {
			switch e := ev.(type) {
			case encode.SegmentOpened:
				e.Path = finalPath(e.Path, tmp, final)
				ev = e
			case encode.SegmentCompleted:
				segments++
				e.Path = finalPath(e.Path, tmp, final)
				ev = e
			}
			b.ui.event(i, it, ev)
		},
	}
	if it.Input == "-" || strings.HasPrefix(it.Input, "-") {
		// ffmpeg would read a leading dash as an option.
		job.Inputs[0].Path = "file:" + it.Input
	}
	if b.opts.Audio.Active() {
		if err := b.condition(ctx, job, it); err != nil {
			it.fail("error", fmt.Errorf("transcode %q: %v", it.Input, oneLine(err)))
			return
		}
	}
	b.ui.started(i, it)
	b.opts.IO.Debugf("%s: %s %s", it.Input, b.ffmpeg, shellQuote(job.Args()))
	start := time.Now()
	runErr := job.Run(ctx)
	it.Elapsed = time.Since(start).Seconds()
	if runErr != nil {
		cause := oneLine(runErr)
		if errors.Is(runErr, context.Canceled) {
			cause = errors.New("interrupted")
		}
		it.fail(string(job.Status()), fmt.Errorf("transcode %q: %v", it.Input, cause))
		if job.Status() == encode.StatusPending || job.Status() == encode.StatusEncoding {
			it.Status = string(encode.StatusError)
		}
		return
	}
	if it.Loudness != nil {
		if err := b.measure(ctx, it, target); err != nil {
			it.fail("error", fmt.Errorf("transcode %q: %v", it.Input, oneLine(err)))
			return
		}
	}
	if hls {
		// Replace an older output folder only now that the new one is whole.
		if err := os.RemoveAll(final); err != nil {
			it.fail("error", fmt.Errorf("transcode %q: %v", it.Input, err))
			return
		}
	}
	if err := os.Rename(tmp, final); err != nil {
		it.fail("error", fmt.Errorf("transcode %q: %v", it.Input, err))
		return
	}
	committed = true
	it.Status = string(encode.StatusDone)
	it.Bytes = diskSize(final)
	it.Segments = segments
	if it.Elapsed > 0 {
		it.Speed = it.Duration / it.Elapsed
	}
}

// finalPath maps a path inside the temporary output to where it will be
// once renamed, so events name files as the user will find them.
func finalPath(p, tmp, final string) string {
	if rest, ok := strings.CutPrefix(p, tmp); ok && (rest == "" || rest[0] == filepath.Separator) {
		return final + rest
	}
	return p
}

// shellQuote joins args so the line can be pasted into a shell.
func shellQuote(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a != "" && !strings.ContainsAny(a, " \t\n'\"\\$`*?[]{}()<>|&;#~!") {
			q[i] = a
			continue
		}
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

// diskSize is a file's size, or the total of a folder's files.
func diskSize(p string) int64 {
	var n int64
	_ = filepath.WalkDir(p, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

func listPresets(ios *IOStreams, ps map[string]Preset) error {
	list := sortedPresets(ps)
	if ios.JSON {
		enc := json.NewEncoder(ios.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	for _, p := range list {
		fmt.Fprintf(ios.Out, "%-12s %s\n", p.Name, p.Description)
	}
	fmt.Fprintf(ios.Out, "\nChange or add presets in the config file:\n  transcode:\n    presets:\n      h264-720p: {crf: 20}\n      voice: {acodec: libopus, ab: 32k}\n")
	return nil
}

func printTranscodeResults(ios *IOStreams, items []*transcodeItem, eventsOnStdout bool) error {
	if ios.JSON {
		enc := json.NewEncoder(ios.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(items)
	}
	// With --events the table is for people only: stdout carries the events.
	w := ios.Out
	if eventsOnStdout {
		w = ios.ErrOut
	}
	color := ios.ColorOut()
	if eventsOnStdout {
		color = ios.ColorErr()
	}
	re := renderer(w, color)
	dim := re.NewStyle().Faint(true)
	bad := re.NewStyle().Foreground(lipgloss.Color("1"))
	good := re.NewStyle().Foreground(lipgloss.Color("2"))
	t := plainTable(re, dim).
		Headers("FILE", "STATUS", "DURATION", "SIZE", "SPEED")
	counts := map[string]int{}
	for _, it := range items {
		counts[it.Status]++
		st := it.Status
		switch it.Status {
		case string(encode.StatusDone):
			st = good.Render(st)
		case statusSkipped:
			st = dim.Render(st)
		default:
			st = bad.Render(st)
		}
		dur, size, speed := "-", "-", "-"
		if it.Duration > 0 {
			dur = fmt.Sprintf("%.1fs", it.Duration)
		}
		if it.Status == string(encode.StatusDone) {
			size = humanBytes(it.Bytes)
			if it.Speed > 0 {
				speed = fmt.Sprintf("%.1fx", it.Speed)
			}
		}
		t.Row(it.Input, st, dur, size, speed)
	}
	for line := range strings.SplitSeq(t.Render(), "\n") {
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	var parts []string
	for _, s := range []string{"done", "error", "timeout", "cancelled", statusSkipped} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	fmt.Fprintln(w, strings.Join(parts, ", "))
	return nil
}
