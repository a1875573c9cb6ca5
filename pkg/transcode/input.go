package transcode

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/veza-media/veza/pkg/ffprobe"
)

// expandInputs turns the arguments into the list of candidate files. Paths
// that do not exist and match nothing are returned as failed items; outDir
// (absolute) is never searched, so an output folder inside an input folder
// is safe.
func expandInputs(args []string, stdin io.Reader, outDir string) ([]*Item, error) {
	var items []*Item
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
		items = append(items, &Item{Input: path, rel: rel, explicit: explicit})
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
			it := &Item{Input: arg, explicit: true}
			it.fail(statusError, fmt.Errorf("transcode %q: no such file", arg))
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
func probeAll(ctx context.Context, p *ffprobe.Prober, items []*Item) {
	// Choosing a preset and a size needs no codec strings: one ffprobe
	// run per input instead of two.
	quick := *p
	quick.NoCodecStrings = true
	p = &quick
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
func classifyProbe(it *Item, res *ffprobe.Result, err error) {
	media := err == nil && (res.Summary.HasAudio || res.Summary.HasVideo) && !isStillImage(res)
	switch {
	case !media && !it.explicit && !mediaName(it.Input):
		// Found in a folder, unreadable as media and not named like media:
		// a cover.jpg or notes.txt, not a failure.
		it.Status = StatusSkipped
		it.Error = "not a media file"
	case err != nil:
		it.fail(statusError, fmt.Errorf("transcode %q: %v", it.Input, probeCause(err)))
	case !media:
		it.fail(statusError, fmt.Errorf("transcode %q: not a media file (%s)", it.Input, res.Format.Name))
	case !res.Summary.Usable:
		it.fail(statusError, fmt.Errorf("transcode %q: not usable: %s", it.Input, strings.Join(res.Summary.Problems, "; ")))
	default:
		it.src = source{
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
