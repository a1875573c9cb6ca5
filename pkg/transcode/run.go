package transcode

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/veza-media/veza/pkg/encode"
	"github.com/veza-media/veza/pkg/layout"
	"github.com/veza-media/veza/pkg/shard"
)

// Run encodes the batch. One failing file never stops the others: each
// Item says what became of its file. Run returns an error only when the
// batch cannot start (a bad Config, ErrUnknownPreset, ErrFLACInHLS,
// ErrNoInputs, an unreadable folder) or, with the Result so far, when ctx
// ended it (context.Cause of ctx).
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg = cfg.withDefaults()
	if err := cfg.check(); err != nil {
		return nil, err
	}
	var base Preset
	if cfg.Preset != "" {
		p, ok := cfg.Presets[cfg.Preset]
		if !ok {
			return nil, fmt.Errorf("%w: %q", ErrUnknownPreset, cfg.Preset)
		}
		base = p
	}
	outAbs, _ := filepath.Abs(cfg.OutDir)
	items, err := expandInputs(cfg.Inputs, cfg.Stdin, outAbs)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, ErrNoInputs
	}
	b := &batch{cfg: cfg}
	if cfg.Shard.Count > 0 {
		all := len(items)
		items = shard.Select(cfg.Shard, items, func(it *Item) string { return it.Input })
		b.emit(Event{Message: fmt.Sprintf("shard %s: %d of %d inputs", cfg.Shard, len(items), all)})
	}
	probeAll(ctx, cfg.Prober, items)
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	allAudio, err := plan(cfg, base, items)
	if err != nil {
		return nil, err
	}
	jobs := cfg.Jobs
	if jobs == 0 {
		jobs = 1
		if allAudio {
			jobs = runtime.NumCPU()
		}
	}
	pl := Planned{Jobs: jobs}
	for _, it := range items {
		if it.Status == "" {
			pl.Files++
			pl.Duration += it.Duration
		}
	}
	b.emit(Event{Data: pl})
	for i, it := range items {
		if it.Status != "" {
			b.emit(Event{Job: i + 1, File: it.Input, Data: finished(it)})
		}
	}
	b.run(ctx, items, jobs)
	res := &Result{Items: items}
	if ctx.Err() != nil {
		return res, context.Cause(ctx)
	}
	return res, nil
}

// plan picks each media item's preset and output path; allAudio says
// whether every file uses an audio preset.
func plan(cfg Config, base Preset, items []*Item) (allAudio bool, err error) {
	outputs := map[string]string{}
	allAudio = true
	for _, it := range items {
		if it.Status != "" {
			continue
		}
		p := base
		if cfg.Preset == "" {
			p = cfg.Presets[DefaultAudioPreset]
			if it.src.HasVideo {
				p = cfg.Presets[DefaultVideoPreset]
			}
		}
		p = p.override(cfg.Override)
		it.preset, it.Preset = p, p.Name
		switch {
		case p.Video() && !it.src.HasVideo:
			it.fail(statusError, fmt.Errorf("transcode %q: no video stream for video preset %s; use an audio preset", it.Input, p.Name))
			continue
		case !it.src.HasAudio && !p.Video():
			it.fail(statusError, fmt.Errorf("transcode %q: no audio stream for audio preset %s", it.Input, p.Name))
			continue
		case cfg.Format == FormatHLS && p.ACodec == "flac" && it.src.HasAudio:
			return false, ErrFLACInHLS
		}
		if p.Video() {
			allAudio = false
		}
		it.Output = outputPath(cfg.OutDir, it, p, cfg.Format == FormatHLS)
		if prev, dup := outputs[it.Output]; dup {
			it.fail(statusError, fmt.Errorf("transcode %q: output %s would overwrite the output of %q", it.Input, it.Output, prev))
			continue
		}
		outputs[it.Output] = it.Input
	}
	return allAudio, nil
}

// outputPath is where an item's output ends up: OUTDIR/<rel>/<stem>.<ext>,
// or the folder OUTDIR/<rel>/<stem> holding index.m3u8 for HLS.
func outputPath(outDir string, it *Item, p Preset, hls bool) string {
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

// batch runs the items' ffmpeg jobs on a pool of workers.
type batch struct {
	cfg Config
	mu  sync.Mutex // one OnEvent call at a time
}

// emit stamps an event and hands it to OnEvent.
func (b *batch) emit(e Event) {
	if b.cfg.OnEvent == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	e.Time = time.Now()
	b.cfg.OnEvent(e)
}

func (b *batch) note(i int, it *Item, debug bool, format string, args ...any) {
	b.emit(Event{Job: i + 1, File: it.Input, Message: fmt.Sprintf(format, args...), Debug: debug})
}

func (b *batch) run(ctx context.Context, items []*Item, jobs int) {
	queue := make(chan int)
	var wg sync.WaitGroup
	for range jobs {
		wg.Go(func() {
			for i := range queue {
				b.one(ctx, i, items[i])
				b.emit(Event{Job: i + 1, File: items[i].Input, Data: finished(items[i])})
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
			it.fail(statusCancelled, fmt.Errorf("transcode %q: not started (interrupted)", it.Input))
			b.emit(Event{Job: i + 1, File: it.Input, Data: finished(it)})
		}
	}
	close(queue)
	wg.Wait()
}

// one encodes one item under a temporary name and renames it into place
// when ffmpeg succeeded; on any failure the temporary output is removed.
func (b *batch) one(ctx context.Context, i int, it *Item) {
	hls := b.cfg.Format == FormatHLS
	final := it.Output
	fail := func(status string, err error) { it.fail(status, fmt.Errorf("transcode %q: %v", it.Input, err)) }
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		fail(statusError, err)
		return
	}
	tmp, target, err := temporary(final, hls)
	if err != nil {
		fail(statusError, err)
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
		FFmpeg:    b.cfg.FFmpeg,
		FFprobe:   b.cfg.Prober.Path,
		Inputs:    []encode.Input{{Path: it.Input}},
		Outputs:   []encode.Output{buildOutput(it.preset, it.src, target, hls, b.cfg.SegmentTime)},
		Overwrite: true, // the temporary file exists: veza created it
		Duration:  seconds(it.src.Duration),
		Timeout:   b.cfg.Timeout,
		OnEvent: func(ev encode.Event) {
			switch e := ev.(type) {
			case encode.SegmentOpened:
				e.Path = finalPath(e.Path, tmp, final)
				ev = e
			case encode.SegmentCompleted:
				segments++
				e.Path = finalPath(e.Path, tmp, final)
				ev = e
			case encode.Damaged:
				it.Damage = &e
			}
			b.emit(Event{Job: i + 1, File: it.Input, Data: ev})
		},
	}
	if b.cfg.Audio.TrimSilence == 0 {
		// A trimmed output is meant to be shorter than its source.
		job.ExpectDuration = seconds(it.src.Duration)
	}
	if b.cfg.Audio.Active() {
		if err := b.condition(ctx, i, job, it); err != nil {
			fail(statusError, oneLine(err))
			return
		}
	}
	if b.cfg.Recorder != nil {
		rc, err := b.startRecord(ctx, it, job.Args())
		if err != nil {
			fail(statusError, catalogError(err))
			return
		}
		// Segments are recorded once the output is in place; an
		// interrupted or failed encode is recorded too.
		defer func() {
			bg := context.WithoutCancel(ctx)
			if it.Status == statusDone {
				if err := rc.reconcile(bg, final); err != nil {
					fail(statusError, catalogError(err))
				}
			}
			if err := rc.finish(bg, it); err != nil && it.Status == statusDone {
				fail(statusError, catalogError(err))
			}
		}()
	}
	b.emit(Event{Job: i + 1, File: it.Input, Data: JobStarted{Output: it.Output, Preset: it.Preset, Duration: it.Duration}})
	b.note(i, it, true, "%s %s", b.cfg.FFmpeg, shellQuote(job.Args()))
	start := time.Now()
	runErr := job.Run(ctx)
	it.Elapsed = time.Since(start).Seconds()
	if runErr != nil {
		cause := oneLine(runErr)
		if errors.Is(runErr, context.Canceled) {
			cause = errors.New("interrupted")
		}
		status := string(job.Status())
		if job.Status() == encode.StatusPending || job.Status() == encode.StatusEncoding {
			status = statusError
		}
		fail(status, cause)
		return
	}
	if it.Damage != nil && b.cfg.Strict {
		fail(statusError, fmt.Errorf("%w: %s", ErrDamaged, it.Damage))
		return
	}
	if it.Loudness != nil {
		if err := b.measure(ctx, i, it, target); err != nil {
			fail(statusError, oneLine(err))
			return
		}
	}
	if hls {
		// Replace an older output folder only now that the new one is whole.
		if err := os.RemoveAll(final); err != nil {
			fail(statusError, err)
			return
		}
	}
	if err := os.Rename(tmp, final); err != nil {
		fail(statusError, err)
		return
	}
	committed = true
	it.Status = statusDone
	it.Bytes = diskSize(final)
	it.Segments = segments
	if it.Elapsed > 0 {
		it.Speed = it.Duration / it.Elapsed
	}
	if b.cfg.Publish != nil {
		if err := b.publish(ctx, i, it); err != nil {
			fail(statusError, err)
		}
	}
}

// temporary makes the hidden, unique temporary output next to final (so the
// rename stays on one file system): a folder for HLS, whose playlist is
// target, or a file, which is target itself.
func temporary(final string, hls bool) (tmp, target string, err error) {
	dir, base := filepath.Dir(final), filepath.Base(final)
	// Temporary files are private (0600, 0700); the output is not, once
	// renamed into place.
	if hls {
		if tmp, err = os.MkdirTemp(dir, "."+base+".tmp-"); err != nil {
			return "", "", err
		}
		return tmp, filepath.Join(tmp, layout.Playlist), os.Chmod(tmp, 0o755)
	}
	ext := filepath.Ext(final)
	f, err := os.CreateTemp(dir, "."+strings.TrimSuffix(base, ext)+".tmp-*"+ext)
	if err != nil {
		return "", "", err
	}
	f.Close()
	return f.Name(), f.Name(), os.Chmod(f.Name(), 0o644)
}

// finalPath maps a path inside the temporary output to where it will be
// once renamed, so events name files as the user will find them.
func finalPath(p, tmp, final string) string {
	if rest, ok := strings.CutPrefix(p, tmp); ok && (rest == "" || rest[0] == filepath.Separator) {
		return final + rest
	}
	return p
}

// oneLine keeps the first line of an error: ffmpeg's stderr tail stays in
// the ExitError for whoever wants it.
func oneLine(err error) error {
	if msg, _, cut := strings.Cut(err.Error(), "\n"); cut {
		return errors.New(msg)
	}
	return err
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
