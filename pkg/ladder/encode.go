package ladder

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/encode"
	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/layout"
	"github.com/veza-media/veza/pkg/recorder"
)

// encode encodes the renditions in todo: it analyses the source's sound
// when asked to, removes what would point at them, records them pending
// and runs the ffmpeg processes, each finalising its playlists.
func (run *runner) encode(ctx context.Context, todo []Rendition, fps map[string]string, planWhy string) error {
	r := run.res
	// One analysis of the source serves every rung (and every process).
	if len(todo) > 0 {
		if err := run.condition(ctx); err != nil {
			return err
		}
	}
	// Nothing may point at renditions about to be rebuilt.
	if err := removeIfExists(r.Master); err != nil {
		return err
	}
	if err := removeIfExists(filepath.Join(r.Dir, layout.Manifest)); err != nil {
		return err
	}
	for _, rd := range todo {
		if err := os.RemoveAll(filepath.Join(r.Dir, rd.Name)); err != nil {
			return err
		}
		if err := run.rec.Rendition(ctx, catalog.Rendition{
			TrackID: run.trackID, Name: rd.Name, Kind: recorder.Kind(rd.Width, "", catalog.KindAudio), Width: rd.Width, Height: rd.Height,
			PlaylistPath: filepath.Join(r.Dir, rd.Name, layout.Playlist),
			Status:       catalog.StatusPending, Fingerprint: fps[rd.Name],
		}); err != nil {
			return err
		}
	}
	groups, strategy, why := run.groups(todo)
	r.Strategy, r.Reason = strategy, why
	if planWhy != "" {
		r.Reason = planWhy
		run.note(planWhy)
	}
	if len(todo) > 0 && planWhy == "" {
		run.note(fmt.Sprintf("encoding %d rendition(s) of %s with the %s strategy: %s", len(todo), run.trackID, strategy, why))
	}
	if err := run.encodeGroups(ctx, groups, fps); err != nil {
		return err
	}
	for _, rd := range todo {
		r.Encoded = append(r.Encoded, rd.Name)
	}
	return nil
}

// groups splits the renditions to encode over ffmpeg processes.
func (run *runner) groups(todo []Rendition) ([][]Rendition, Strategy, string) {
	if len(todo) == 0 {
		return nil, "", ""
	}
	jobs := run.cfg.Jobs
	if jobs <= 0 {
		jobs = runtime.NumCPU()
	}
	video := false
	for _, r := range todo {
		video = video || r.Width > 0
	}
	s := run.cfg.Strategy
	why := "as configured"
	if s == "" || s == StrategyAuto {
		if video || len(todo) == 1 || jobs == 1 {
			s = StrategySingle
			why = "one decode feeds every rung and the video encoders already use every core"
			if !video {
				why = "one rung or one core: nothing to run side by side"
			}
		} else {
			s = StrategyParallel
			why = fmt.Sprintf("audio encoders use one core each: %d processes on %d cores", min(jobs, len(todo)), runtime.NumCPU())
		}
	}
	if s == StrategySingle {
		return [][]Rendition{todo}, s, why
	}
	return spread(todo, min(jobs, len(todo))), s, why
}

// spread deals renditions out to n processes so that each gets a similar
// share of the work: costliest first, in a snake order (0,1,…,n-1,n-1,…,0),
// so the heaviest and the lightest rungs share a process.
func spread(rs []Rendition, n int) [][]Rendition {
	order := make([]int, len(rs))
	for i := range order {
		order[i] = i
	}
	cost := func(r Rendition) int { return r.Width*r.Height + r.Bitrate + r.AudioBitrate }
	sort.SliceStable(order, func(a, b int) bool { return cost(rs[order[a]]) > cost(rs[order[b]]) })
	member := make([]int, len(rs))
	for k, i := range order {
		g := k % (2 * n)
		if g >= n {
			g = 2*n - 1 - g
		}
		member[i] = g
	}
	groups := make([][]Rendition, n)
	for i, r := range rs { // ladder order inside each process
		groups[member[i]] = append(groups[member[i]], r)
	}
	return groups
}

func (run *runner) encodeGroups(ctx context.Context, groups [][]Rendition, fps map[string]string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, len(groups))
	var wg sync.WaitGroup
	for i, g := range groups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = run.encodeGroup(ctx, g, fps)
			if errs[i] != nil {
				cancel() // one failed process fails the ladder; stop the others
			}
		}()
	}
	wg.Wait()
	// Report the first real failure, not the cancellations it caused.
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	return errors.Join(errs...)
}

// encodeGroup runs one ffmpeg process for renditions rs.
func (run *runner) encodeGroup(ctx context.Context, rs []Rendition, fps map[string]string) error {
	outDir := run.res.Dir
	if run.keys != nil {
		// ffmpeg writes clear segments and a playlist without keys: they
		// stay in a private folder until finalise has encrypted them, so
		// nothing clear is ever in the folder people serve.
		outDir = filepath.Join(run.res.Dir, layout.Staging)
	}
	cmd := run.plan.Build(rs, outDir, run.enc)
	for _, o := range cmd.Outputs {
		if outDir != run.res.Dir {
			if err := os.RemoveAll(o.Dir); err != nil {
				return err
			}
			if err := os.MkdirAll(o.Dir, 0o700); err != nil {
				return err
			}
		}
	}
	job := &encode.Job{
		FFmpeg:        run.cfg.FFmpeg,
		FFprobe:       run.cfg.FFprobe,
		Inputs:        []encode.Input{{Path: run.cfg.Input}},
		FilterComplex: cmd.FilterComplex,
		Overwrite:     true,
		Duration:      run.outputDuration(),
		Timeout:       run.cfg.Timeout,
	}
	job.ExpectDuration = job.Duration
	names := make([]string, len(cmd.Outputs))
	for i, o := range cmd.Outputs {
		names[i] = o.Rendition.Name
		job.Outputs = append(job.Outputs, encode.Output{
			Path: o.Playlist, Maps: o.Maps, Args: o.Args,
			HLS: &encode.HLSOptions{
				SegmentTime:     time.Duration(cmd.SegmentTime * float64(time.Second)),
				SegmentFilename: o.SegmentPattern,
				// EVENT while encoding: ffmpeg rewrites the playlist after
				// every segment (it writes a VOD one only at the end), so
				// the catalog gets each segment the moment it is complete.
				// Finalising turns it into VOD.
				PlaylistType: "event",
				Flags:        []string{"independent_segments", "temp_file"},
				FMP4:         cmd.Format == FormatFMP4,
				InitFilename: layout.Init,
			},
		})
	}
	if cmd.Thumbnails != "" {
		o, err := run.thumbnailOutput(cmd.Thumbnails)
		if err != nil {
			return err
		}
		job.Outputs = append(job.Outputs, o)
	}
	cj := catalog.Job{TrackID: run.trackID, Kind: "ladder", Args: job.Args(), FFmpegVersion: run.ffmpegVersion}
	if len(rs) == 1 {
		cj.Rendition = rs[0].Name
	}
	tr, err := run.rec.Start(ctx, cj)
	if err != nil {
		return err
	}
	tr.Outputs = names
	// Segments ffmpeg completes while stopping are real: record them even
	// after ctx is cancelled.
	recordCtx := context.WithoutCancel(ctx)
	job.OnEvent = func(ev encode.Event) {
		if d, ok := ev.(encode.Damaged); ok {
			// Every process reports the same source: one report for the
			// run comes after the encode (checkDamage).
			run.sawDamage(d)
			return
		}
		switch ev.(type) {
		case encode.SegmentOpened, encode.SegmentCompleted:
			if outDir != run.res.Dir {
				// A staged segment is not output yet: finalise records
				// it once it is encrypted and in place.
				run.emit(Event{Renditions: names, JobID: tr.ID, Encode: ev})
				return
			}
		}
		tr.Handle(recordCtx, ev)
		run.emit(Event{Renditions: names, JobID: tr.ID, Encode: ev})
	}
	for _, n := range names {
		_ = run.rec.RenditionStatus(ctx, run.trackID, n, catalog.StatusEncoding)
	}
	runErr := job.Run(ctx)
	if runErr == nil {
		runErr = run.finalise(ctx, tr, cmd, fps)
	}
	if runErr == nil {
		runErr = tr.Err()
	}
	if runErr == nil && cmd.Thumbnails != "" {
		run.thumbsDrawn.Store(true)
	}
	status := catalog.Status(job.Status())
	if runErr != nil && (status == catalog.StatusDone || !status.Final()) {
		status = catalog.StatusError
	}
	// The catalog must say what really happened even when ctx is gone.
	bg := context.WithoutCancel(ctx)
	errText := ""
	if runErr != nil {
		errText = runErr.Error()
	}
	if err := tr.Finished(bg, status, errText); err != nil && runErr == nil {
		runErr = err
	}
	for _, n := range names {
		if status != catalog.StatusDone {
			_ = run.rec.RenditionStatus(bg, run.trackID, n, status)
		}
	}
	return runErr
}

// unstage moves a finished rendition from the staging folder into the
// track folder, whole (segments, init section and final playlist at once),
// and returns its playlist's final path. Unstaged output is where it is.
func (run *runner) unstage(o Output) (string, error) {
	final := filepath.Join(run.res.Dir, o.Rendition.Name)
	if o.Dir == final {
		return o.Playlist, nil
	}
	if err := os.Chmod(o.Dir, 0o755); err != nil {
		return "", err
	}
	if err := os.RemoveAll(final); err != nil {
		return "", err
	}
	if err := os.Rename(o.Dir, final); err != nil {
		return "", err
	}
	// The staging folder goes once the last rendition left it.
	_ = os.Remove(filepath.Dir(o.Dir))
	return filepath.Join(final, layout.Playlist), nil
}

// finalise turns each EVENT playlist ffmpeg wrote into the final VOD one
// (atomically, never with TARGETDURATION 0) and reconciles the catalog.
func (run *runner) finalise(ctx context.Context, tr *recorder.Job, cmd Command, fps map[string]string) error {
	rs := make([]Rendition, len(cmd.Outputs))
	for i, o := range cmd.Outputs {
		rs[i] = o.Rendition
		pl, err := hls.ReadMedia(o.Playlist)
		if err != nil {
			return fmt.Errorf("rendition %s: %w", o.Rendition.Name, err)
		}
		if len(pl.Segments) == 0 {
			return fmt.Errorf("rendition %s: ffmpeg wrote no segments", o.Rendition.Name)
		}
		pl.Type = hls.TypeVOD
		pl.EndList = true
		pl.IndependentSegments = true
		for _, s := range pl.Segments {
			pl.TargetDuration = max(pl.TargetDuration, hls.RoundHalfUp(s), 1)
		}
		if run.keys != nil {
			if err := run.keys.encryptPlaylist(ctx, pl, filepath.Dir(o.Playlist)); err != nil {
				return fmt.Errorf("rendition %s: encrypting: %w", o.Rendition.Name, err)
			}
		}
		if err := hls.WriteMedia(o.Playlist, pl); err != nil {
			return err
		}
		playlist, err := run.unstage(o)
		if err != nil {
			return fmt.Errorf("rendition %s: %w", o.Rendition.Name, err)
		}
		if _, err := tr.Reconcile(ctx, o.Rendition.Name, playlist); err != nil {
			return err
		}
	}
	vs, err := run.measureMany(ctx, rs)
	if err != nil {
		return err
	}
	for i, o := range cmd.Outputs {
		v := vs[i]
		if err := run.rec.Rendition(ctx, catalog.Rendition{
			TrackID: run.trackID, Name: o.Rendition.Name, Kind: recorder.Kind(o.Rendition.Width, v.Codecs, catalog.KindAudio),
			Codecs: v.Codecs, Bandwidth: v.Bandwidth, Width: v.Width, Height: v.Height,
			PlaylistPath: filepath.Join(run.res.Dir, o.Rendition.Name, layout.Playlist), Status: catalog.StatusDone, Fingerprint: fps[o.Rendition.Name],
		}); err != nil {
			return err
		}
	}
	return nil
}
