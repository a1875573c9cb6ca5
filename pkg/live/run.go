package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/encode"
	"github.com/veza-media/veza/pkg/ffprobe"
	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/layout"
	"github.com/veza-media/veza/pkg/recorder"
)

// Result says what a live job did.
type Result struct {
	TrackID   string `json:"track_id"`
	Rendition string `json:"rendition"`
	JobID     string `json:"job_id"`
	// Playlist is the public media playlist, or a ladder's live master.
	Playlist string `json:"playlist"`
	// Renditions are a ladder's renditions, highest first.
	Renditions []string       `json:"renditions,omitempty"`
	Status     catalog.Status `json:"status"`
	// Reason says why the job ended: "source ended", "no data for 10s",
	// "interrupted", ...
	Reason string `json:"reason"`
	// Segments and Duration count everything published, including the
	// segments the window dropped since.
	Segments int     `json:"segments"`
	Duration float64 `json:"duration"`
	// Runs is the number of times ffmpeg was started (reconnections + 1,
	// plus restarts while waiting for the source).
	Runs            int           `json:"runs"`
	Discontinuities int           `json:"discontinuities"`
	Input           []InputStream `json:"input"`
	Codecs          string        `json:"codecs"`
	// Record is the raw recording, when asked for.
	Record string `json:"record,omitempty"`
	// Kept counts segments that left the window too recently to delete
	// when the job ended (HLS-RULES L4); their files stay on disk.
	Kept int `json:"kept"`
}

// errIdle, errWait and errTimeout are the causes veza stops an ffmpeg run
// with.
var (
	errIdle    = errors.New("the source went quiet")
	errWait    = errors.New("the source did not start")
	errTimeout = errors.New("live job timed out")
)

// quickExit is how soon an ffmpeg run that got no data must end to count as
// a failure (a port in use, a bad option) rather than a wait that timed out.
const quickExit = time.Second

// statsPeriod is how often ffmpeg reports progress. Each report's out_time
// tells the watchdog the source is sending and anchors the program dates
// (see onEncode), so frequent reports keep both close to the wall clock.
const statsPeriod = "0.05"

// Run runs a live job until the source ends (or goes quiet for
// IdleTimeout, or does not come back within WaitTimeout with Reconnect),
// ctx ends or Timeout passes. Whatever ends it, the public playlist gets
// EXT-X-ENDLIST and the catalog the job's final status. It returns nil when
// the source ended (status done), ctx.Err() when ctx ended the job,
// an error wrapping ErrCapacity when the Limiter refused it, and other
// errors when the job failed.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	if cfg.Limiter != nil {
		release, err := cfg.Limiter.Acquire()
		if err != nil {
			return nil, fmt.Errorf("live %q: %w", Redact(cfg.Input), err)
		}
		defer release()
	}
	r, err := newRunner(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(r.work)
	return r.run(ctx)
}

// runner is one live job: its configuration, catalog rows, window and
// result, and what carries over from one ffmpeg run to the next; each run's
// own state is an attempt (cur). Its state is shared between the encode
// callback, the watchdog and the codec detection, under mu.
type runner struct {
	cfg     Config
	work    string // private folder: ffmpeg's playlists, logs, the stdin FIFO
	rec     *recorder.Recorder
	version string // ffmpeg's

	mu     sync.Mutex
	outs   []*output // the renditions published; a ladder's appear with its plan
	track  catalog.Track
	catJob *recorder.Job // the catalog job
	res    Result
	catErr error
	detect sync.WaitGroup

	// A live ladder (Config.Ladder): where it goes and its plan, made when
	// the source first sends.
	abr *ladderRun

	// Across the job's runs.
	waitSince  time.Time // when the job started waiting for the source
	nextNumber int       // ffmpeg's -start_number for the next run
	anyData    bool      // some run received data
	up         *uploader // nil without Config.Publish
	backup     *backup   // nil without Config.Record and Config.Publish

	cur *attempt // the current run
}

// ErrStreamExists is returned when the playlist of an earlier stream of the
// same track and rendition is in the way and Config.Force is not set.
var ErrStreamExists = errors.New("an earlier stream's output exists")

func newRunner(ctx context.Context, cfg Config) (*runner, error) {
	r := &runner{cfg: cfg, rec: &recorder.Recorder{DB: cfg.Catalog, Root: cfg.CatalogRoot}}
	dir := filepath.Join(cfg.OutDir, cfg.TrackID, cfg.Rendition)
	r.res = Result{TrackID: cfg.TrackID, Rendition: cfg.Rendition, Playlist: filepath.Join(dir, layout.Playlist), Record: cfg.Record}
	if cfg.Ladder != nil {
		r.abr = &ladderRun{dir: dir, master: filepath.Join(dir, layout.Master)}
		r.res.Playlist = r.abr.master
	}

	if cfg.Record != "" {
		if _, err := os.Stat(cfg.Record); err == nil {
			return nil, fmt.Errorf("live %q: record file %q exists; give a new name", Redact(cfg.Input), cfg.Record)
		}
	}
	if _, err := os.Stat(r.res.Playlist); err == nil {
		if !cfg.Force {
			return nil, fmt.Errorf("live %q: %s: %w (track %q)", Redact(cfg.Input), r.res.Playlist, ErrStreamExists, cfg.TrackID)
		}
		if err := r.clearOld(ctx, dir); err != nil {
			return nil, err
		}
	}
	v, err := encode.Version(ctx, cfg.FFmpeg)
	if err != nil {
		return nil, err
	}
	r.version = v
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("live %q: %w", Redact(cfg.Input), err)
	}
	r.work, err = os.MkdirTemp("", "veza-live-")
	if err != nil {
		return nil, err
	}
	if r.abr == nil {
		r.outs = []*output{newOutput(cfg.Rendition, dir, r.work, cfg)}
	}
	return r, nil
}

// clearOld removes an earlier stream's playlists, segments and catalog
// rows from dir (--force): its one rendition, or a ladder's rungs.
func (r *runner) clearOld(ctx context.Context, dir string) error {
	if r.abr != nil {
		return r.clearOldLadder(ctx)
	}
	old, _ := filepath.Glob(filepath.Join(dir, layout.SegmentGlob(layout.TS)))
	for _, p := range append(old, filepath.Join(dir, layout.Playlist)) {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return r.rec.Cleared(ctx, r.cfg.TrackID, r.cfg.Rendition)
}

// emit delivers an event; callers hold mu, so events never overlap.
func (r *runner) emit(ev Event) {
	if r.cfg.OnEvent != nil {
		r.cfg.OnEvent(ev)
	}
}

// keep remembers the first catalog error; the stream goes on regardless.
func (r *runner) keep(err error) {
	if err != nil && r.catErr == nil {
		r.catErr = err
		r.emit(Warning{Message: "catalog: " + err.Error()})
	}
}

func (r *runner) run(ctx context.Context) (*Result, error) {
	cfg := r.cfg
	// Catalog writes at the end must happen even when ctx ended the job.
	bg := context.WithoutCancel(ctx)
	if cfg.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, cfg.Timeout, errTimeout)
		defer cancel()
	}

	first, err := r.job(1, 0)
	if err != nil {
		return nil, err
	}
	r.track = catalog.Track{ID: cfg.TrackID, SourcePath: Redact(cfg.Input), Live: true}
	if err := r.rec.Track(bg, r.track); err != nil {
		return nil, err
	}
	// A ladder's renditions are known once the source sends (see plan);
	// its job is not tied to one rendition.
	jobRend := ""
	if r.abr == nil {
		o := r.outs[0]
		// Nothing is known of the streams before the first segment is
		// probed; ffmpeg is asked for the source's video.
		o.rend = catalog.Rendition{TrackID: cfg.TrackID, Name: cfg.Rendition, Kind: recorder.Kind(0, "", catalog.KindVideo),
			PlaylistPath: o.playlist, Status: catalog.StatusEncoding}
		if err := r.rec.Rendition(bg, o.rend); err != nil {
			return nil, err
		}
		jobRend = cfg.Rendition
	}
	job, err := r.rec.Start(bg, catalog.Job{TrackID: cfg.TrackID, Rendition: jobRend, Kind: "live",
		Args: redactArgs(first.Args()), FFmpegVersion: r.version})
	if err != nil {
		return nil, err
	}
	r.catJob, r.res.JobID = job, job.ID
	if r.up, err = r.startUploads(bg); err != nil {
		_ = job.Finished(bg, catalog.StatusError, firstLine(err))
		return nil, err
	}
	if err := r.recordingStarted(bg); err != nil {
		_ = job.Finished(bg, catalog.StatusError, firstLine(err))
		return nil, err
	}

	status, reason, runErr := r.loop(ctx, first)
	return r.finish(bg, status, reason, runErr)
}

// loop starts ffmpeg, and starts it again while the job waits for the
// source or reconnects, until the job ends.
func (r *runner) loop(ctx context.Context, job *encode.Job) (catalog.Status, string, error) {
	cfg := r.cfg
	r.waitSince = time.Now()
	backoff := time.Second
	for n := 1; ; n++ {
		if job == nil {
			var err error
			if job, err = r.job(n, r.nextNumber); err != nil {
				return catalog.StatusError, "ffmpeg failed", err
			}
		}
		r.mu.Lock()
		r.cur = &attempt{n: n, inputPath: job.Inputs[0].Path}
		for _, o := range r.outs {
			o.newRun()
		}
		r.res.Runs = n
		r.emit(Waiting{Run: n, Input: Redact(cfg.Input), Args: redactArgs(job.Args())})
		r.mu.Unlock()

		started := time.Now()
		err, cause := r.runOnce(ctx, job)
		job = nil

		r.mu.Lock()
		gotData, end := r.cur.gotData, r.cur.inputEnded
		if end.IsZero() {
			end = time.Now()
		}
		// UDP has no end of stream: only the read timeout ends it. Other
		// sources went quiet when ffmpeg's read failed long after the last
		// frame (its processing lags the network a little).
		quiet := r.cur.idleClosed || strings.HasPrefix(strings.ToLower(cfg.Input), "udp:") ||
			end.Sub(r.cur.lastData) >= r.cfg.IdleTimeout/2
		r.mu.Unlock()
		if ctx.Err() != nil {
			if errors.Is(context.Cause(ctx), errTimeout) {
				return catalog.StatusTimeout, fmt.Sprintf("timed out after %s", cfg.Timeout), fmt.Errorf("live %q: %w after %s", Redact(cfg.Input), encode.ErrTimeout, cfg.Timeout)
			}
			return catalog.StatusCancelled, "interrupted", ctx.Err()
		}
		if gotData {
			reason := "source ended"
			var ee *encode.ExitError
			switch {
			case errors.Is(cause, errIdle), quiet:
				reason = fmt.Sprintf("no data for %s", cfg.IdleTimeout)
			case errors.As(err, &ee) && (ee.Kind == encode.KindNoSpace || ee.Kind == encode.KindPermissionDenied):
				return catalog.StatusError, "output failed", fmt.Errorf("live %q: %s", Redact(cfg.Input), ee.Line)
			case err != nil:
				reason = "source failed: " + firstLine(err)
			}
			reconnect := cfg.Reconnect && cfg.Input != "-"
			r.mu.Lock()
			r.emit(SourceLost{Run: n, Reason: reason, Reconnecting: reconnect})
			if reconnect {
				// Every rendition takes the discontinuity at the same
				// sequence number.
				for _, o := range r.outs {
					o.discPending = true
				}
				r.waitSince = time.Now()
			}
			r.mu.Unlock()
			if !reconnect {
				return catalog.StatusDone, reason, nil
			}
			backoff = time.Second
			continue
		}
		// No data in this run.
		if errors.Is(cause, errWait) || cfg.Input == "-" {
			if r.res.Segments > 0 {
				return catalog.StatusDone, "source did not come back", nil
			}
			why := fmt.Sprintf("no data within %s", cfg.WaitTimeout)
			if cfg.Input == "-" {
				why = "no data on stdin"
			}
			if err != nil && !errors.Is(err, context.Canceled) {
				why += ": " + firstLine(err)
			}
			return catalog.StatusError, why, fmt.Errorf("live %q: %s", Redact(cfg.Input), why)
		}
		if !r.anyData && !cfg.Reconnect && time.Since(started) < quickExit {
			if err == nil {
				err = errors.New("ffmpeg ended at once")
			}
			return catalog.StatusError, "ffmpeg failed", fmt.Errorf("live %q: %w", Redact(cfg.Input), err)
		}
		// Still waiting: a read timeout, or a caller that found no
		// listener. Try again, a little later each time a run fails fast.
		wait := time.Duration(0)
		if time.Since(started) < quickExit {
			wait = backoff
			backoff = min(2*backoff, 5*time.Second)
		}
		if cfg.WaitTimeout > 0 {
			if left := time.Until(r.waitSince.Add(cfg.WaitTimeout)); left <= wait {
				if r.res.Segments > 0 {
					return catalog.StatusDone, "source did not come back", nil
				}
				why := fmt.Sprintf("no data within %s", cfg.WaitTimeout)
				return catalog.StatusError, why, fmt.Errorf("live %q: %s", Redact(cfg.Input), why)
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
}

// runOnce runs one ffmpeg process with its watchdog (and its stdin feeder)
// and returns its error and why veza stopped it, if it did.
func (r *runner) runOnce(ctx context.Context, job *encode.Job) (error, error) {
	jctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { r.watch(jctx, cancel, stop) })
	n := r.cur.n
	for _, o := range r.outs {
		_ = os.Remove(o.work) // the previous run's
	}
	wg.Go(func() { r.follow(n, stop) })
	var fifo string
	if r.cfg.Input == "-" {
		fifo = job.Inputs[0].Path
		// Not waited for: it may stay blocked reading Stdin after the job,
		// until Stdin returns (the pipe is not veza's to close).
		go r.feed(fifo)
	}
	var err error
	if r.abr != nil {
		err = r.runLadder(jctx, n, job)
	} else {
		err = job.Run(jctx)
	}
	var cause error
	if jctx.Err() != nil {
		cause = context.Cause(jctx)
	}
	close(stop)
	if fifo != "" {
		r.unblockFeed(fifo)
	}
	wg.Wait()
	// ffmpeg's final playlist lists the last segment, closed at exit.
	r.scan(n)
	return err, cause
}

// watch stops ffmpeg when the source is quiet for IdleTimeout (the
// protocol's own timeout normally ends ffmpeg first; this is the backstop),
// or does not start within WaitTimeout.
func (r *runner) watch(ctx context.Context, cancel context.CancelCauseFunc, stop <-chan struct{}) {
	// ffmpeg's own read timeout fires a little after IdleTimeout; give it
	// the chance to end the run cleanly.
	grace := 2 * time.Second
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			// ffmpeg does not see SIGINT while blocked reading a pipe: the
			// end of its input lets it finish.
			r.mu.Lock()
			if r.cur.closeInput != nil {
				r.cur.closeInput()
				r.cur.closeInput = nil
			}
			r.mu.Unlock()
			return
		case now := <-t.C:
			r.mu.Lock()
			gotData, last, since, closeInput := r.cur.gotData, r.cur.lastData, r.waitSince, r.cur.closeInput
			r.mu.Unlock()
			switch {
			case gotData && closeInput != nil && now.Sub(last) > r.cfg.IdleTimeout:
				// A quiet pipe: closing it ends ffmpeg's input cleanly.
				closeInput()
				r.mu.Lock()
				r.cur.closeInput, r.cur.idleClosed = nil, true
				r.mu.Unlock()
			case gotData && now.Sub(last) > r.cfg.IdleTimeout+grace:
				cancel(errIdle)
				return
			case !gotData && r.cfg.WaitTimeout > 0 && now.Sub(since) > r.cfg.WaitTimeout:
				cancel(errWait)
				return
			}
		}
	}
}

// feed copies Stdin into the FIFO ffmpeg reads. Every read that returns
// data counts as the source being alive.
func (r *runner) feed(fifo string) {
	w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		return
	}
	var once sync.Once
	closeW := func() { once.Do(func() { w.Close() }) }
	r.mu.Lock()
	r.cur.closeInput = closeW
	r.mu.Unlock()
	defer closeW()
	buf := make([]byte, 64*1024)
	for {
		n, err := r.cfg.Stdin.Read(buf)
		if n > 0 {
			r.mu.Lock()
			r.cur.lastData = time.Now()
			r.mu.Unlock()
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// unblockFeed releases a feeder still waiting for ffmpeg to open the FIFO
// (ffmpeg failed before it did) by opening the reading end itself.
func (r *runner) unblockFeed(fifo string) {
	if f, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
		f.Close()
	}
	r.mu.Lock()
	if r.cur.closeInput != nil {
		r.cur.closeInput()
		r.cur.closeInput = nil
	}
	r.mu.Unlock()
}

// job builds the ffmpeg process of run n. ffmpeg writes an EVENT playlist in
// the private work folder — it never deletes a segment and rewrites its
// playlist after each one, once the segment is complete — and the
// segments straight into the rendition folder; veza publishes the public
// playlist itself.
func (r *runner) job(n, startNumber int) (*encode.Job, error) {
	cfg := r.cfg
	path, inArgs, err := inputFor(cfg.Input, cfg.IdleTimeout, isLocalHost)
	if err != nil {
		return nil, err
	}
	if cfg.Input == "-" {
		// ffmpeg reads stdin through a FIFO veza fills, so veza sees when
		// the pipe goes quiet and can end ffmpeg's input cleanly.
		path = filepath.Join(r.work, "stdin.fifo")
		_ = os.Remove(path)
		if err := syscall.Mkfifo(path, 0o600); err != nil {
			return nil, fmt.Errorf("live: stdin FIFO: %w", err)
		}
	}
	var out encode.Output
	if r.abr != nil {
		// A ladder's ffmpeg starts once the source's picture size is known
		// (see runLadder): this one only receives, and passes the stream on.
		out, err = r.relayOutput()
		if err != nil {
			return nil, err
		}
	} else {
		o := r.outs[0]
		out = encode.Output{
			Path: o.work,
			Maps: []string{"0:v:0?", "0:a:0?"},
			HLS: &encode.HLSOptions{SegmentTime: cfg.SegmentTime, PlaylistType: "event", StartNumber: startNumber,
				SegmentFilename: filepath.Join(o.dir, layout.SegmentPattern(layout.TS)), Flags: []string{"temp_file"}},
		}
	}
	switch {
	case r.abr != nil:
	case cfg.Mode == ModeCopy:
		out.VideoCodec, out.AudioCodec = "copy", "copy"
	default:
		out.VideoCodec, out.AudioCodec, out.AudioBitrate = "libx264", "aac", "128k"
		out.Args = append([]string{"-preset", cfg.Preset, "-tune", "zerolatency", "-pix_fmt", "yuv420p"}, keyframeArgs(cfg.SegmentTime)...)
	}
	j := &encode.Job{
		FFmpeg:     cfg.FFmpeg,
		FFprobe:    cfg.FFprobe,
		GlobalArgs: []string{"-nostats", "-stats_period", statsPeriod},
		Inputs:     []encode.Input{{Path: path, Args: inArgs}},
		Outputs:    []encode.Output{out},
		// ffmpeg's working playlist of the previous run is overwritten; the
		// record file was checked before the first run.
		Overwrite: true,
		// A live source has no duration: progress is out_time only.
		Duration: time.Hour * 24 * 365,
		Timeout:  encode.NoTimeout,
		// FFREPORT keeps ffmpeg's log at info level in a file, where the
		// input's stream descriptions are read from (encode reports only
		// warnings and errors).
		Env: []string{"FFREPORT=file=" + reportEscape(r.logPath(n)) + ":level=32"},
	}
	if cfg.Record != "" {
		j.Outputs = append(j.Outputs, encode.Output{Path: r.recordPath(n), Format: "mpegts",
			Maps: []string{"0:v?", "0:a?"}, VideoCodec: "copy", AudioCodec: "copy"})
	}
	j.OnEvent = func(ev encode.Event) { r.onEncode(n, ev) }
	return j, nil
}

// keyframeArgs put a keyframe at every segment boundary whatever the frame
// rate (unknown until the source arrives), and none elsewhere, so every
// segment is exactly segmentTime and opens with an IDR frame — in every
// rendition of a ladder at the same time.
func keyframeArgs(segmentTime time.Duration) []string {
	return []string{"-force_key_frames", "expr:gte(t,n_forced*" + strconv.FormatFloat(segmentTime.Seconds(), 'f', -1, 64) + ")",
		"-sc_threshold", "0"}
}

func (r *runner) logPath(n int) string {
	return filepath.Join(r.work, "ffmpeg-"+strconv.Itoa(n)+".log")
}

// recordPath is where run n records: the record file itself for the first
// run, a part appended to it when the run ends for later ones (ffmpeg cannot
// append to a file).
func (r *runner) recordPath(n int) string {
	if n == 1 {
		return r.cfg.Record
	}
	return r.cfg.Record + ".part" + strconv.Itoa(n)
}

// reportEscape escapes a path for FFREPORT, whose fields are ':'-separated.
func reportEscape(p string) string {
	p = strings.ReplaceAll(p, `\`, `\\`)
	p = strings.ReplaceAll(p, `'`, `\'`)
	return strings.ReplaceAll(p, ":", `\:`)
}

// onEncode handles the events of run n's ffmpeg, on encode's goroutine.
func (r *runner) onEncode(n int, ev encode.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.emit(FFmpeg{Run: n, Event: redactEvent(ev, r.cur.inputPath)})
	switch e := ev.(type) {
	case encode.SegmentOpened:
		r.receiving(n)
	case encode.Error:
		// A read error on the input (a read timeout, a closed connection)
		// is how ffmpeg sees the source end; the frames it flushes after
		// that are not the source sending.
		if r.cur.inputEnded.IsZero() && strings.Contains(e.Line, r.cur.inputPath) {
			r.cur.inputEnded = time.Now()
		}
	case encode.Progress:
		// ffmpeg's last report comes as it exits, after the source went
		// quiet: it says nothing about the source.
		if e.OutTime > r.cur.maxOut && !e.Done && r.cur.inputEnded.IsZero() {
			r.cur.maxOut = e.OutTime
			// The newest frame ffmpeg wrote was captured at most now: the
			// earliest now − out_time seen is the wall-clock time of the
			// run's first frame (ffmpeg catches up on the second of input
			// it buffered while probing).
			if a := r.cfg.Now().Add(-e.OutTime); r.cur.anchor.IsZero() || a.Before(r.cur.anchor) {
				r.cur.anchor = a
			}
			r.receiving(n)
			r.cur.lastData = time.Now()
		}
	}
}

// receiving marks the source as sending in run n.
func (r *runner) receiving(n int) {
	if r.cur.gotData {
		return
	}
	r.cur.gotData, r.anyData = true, true
	r.cur.lastData = time.Now()
	r.emit(Receiving{Run: n})
}

// follow publishes run n's segments as ffmpeg's working playlist lists
// them, checking it every followEvery until stop closes.
//
// encode's SegmentCompleted reports the same segments, taken from the same
// playlist, but encode reads it only at ffmpeg's progress reports (every
// statsPeriod, 50 ms); follow looks every followEvery, a fifth of that,
// for a shorter publication delay (which scripts/bench-live.sh measures).
func (r *runner) follow(n int, stop <-chan struct{}) {
	t := time.NewTicker(followEvery)
	defer t.Stop()
	last := map[*output]os.FileInfo{}
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			changed := false
			for _, o := range r.outputs() {
				st, err := os.Stat(o.work)
				if err != nil || (last[o] != nil && st.ModTime().Equal(last[o].ModTime()) && st.Size() == last[o].Size()) {
					continue
				}
				last[o], changed = st, true
			}
			if changed {
				r.scan(n)
			}
		}
	}
}

// followEvery is how often the working playlist is checked: the most a
// segment waits between ffmpeg listing it and veza publishing it.
const followEvery = 10 * time.Millisecond

// scan records the entries of the working playlists not yet seen — ffmpeg
// rewrites each whole (and atomically) after each segment, with the
// segment complete on disk before — and publishes them.
func (r *runner) scan(n int) {
	for _, o := range r.outputs() {
		data, err := os.ReadFile(o.work)
		if err != nil {
			continue
		}
		entries := encode.ParsePlaylistEntries(data)
		r.mu.Lock()
		if n == r.cur.n {
			for _, e := range entries[min(o.seen, len(entries)):] {
				o.seen++
				r.record(n, o, filepath.Join(o.dir, pathBase(e.URI)), e.Duration)
				if num, ok := layout.SegmentNumber(pathBase(e.URI), layout.TS); ok && int(num) >= r.nextNumber {
					r.nextNumber = int(num) + 1
				}
			}
		}
		r.mu.Unlock()
	}
	for {
		r.mu.Lock()
		wait, queued := time.Duration(0), false
		for _, o := range r.outs {
			if len(o.queue) == 0 {
				continue
			}
			queued = true
			// RFC 8216 §6.2.1 (HLS-RULES L2): a version adding a segment
			// comes no sooner than half a target duration after the
			// previous one. A burst (the probe's second of input, a source
			// catching up, the short last segment at the end) is spread
			// out. 20 ms more absorb the file system's coarse clock, by
			// which a reader times versions.
			if w := time.Until(o.lastPublish.Add(time.Duration(o.win.target)*time.Second/2 + 20*time.Millisecond)); w > 0 {
				if wait == 0 || w < wait {
					wait = w
				}
				continue
			}
			s := o.queue[0]
			o.queue = o.queue[1:]
			r.publish(o, s)
			wait = -1 // look again at once
		}
		r.mu.Unlock()
		if !queued {
			return
		}
		if wait > 0 {
			time.Sleep(wait)
		}
	}
}

func pathBase(uri string) string {
	if i := strings.LastIndexByte(uri, '/'); i >= 0 {
		return uri[i+1:]
	}
	return uri
}

// record takes a segment ffmpeg completed for output o: it gets its
// sequence number and program date, becomes a catalog row at once and
// waits in the queue for the playlist. The job's counts follow the first
// output: every rendition of a ladder has the same segments.
func (r *runner) record(n int, o *output, path string, dur time.Duration) {
	st, err := os.Stat(path)
	if err != nil || st.Size() == 0 {
		r.emit(Warning{Message: fmt.Sprintf("segment %s is not on disk; not published", path)})
		return
	}
	pdt := o.pdtNext
	if pdt.IsZero() {
		pdt = r.cur.anchor
		if pdt.IsZero() {
			pdt = r.cfg.Now().Add(-dur)
		}
	}
	s := published{Seq: o.nextSeq, URI: filepath.Base(path), Path: path, Duration: dur.Seconds(), Bytes: st.Size(),
		PDT: pdt, Discontinuity: o.discPending, done: st.ModTime()}
	o.nextSeq++
	o.pdtNext = pdt.Add(dur)
	first := o == r.outs[0]
	if o.discPending && first {
		r.res.Discontinuities++
	}
	o.discPending = false
	ctx := context.Background()
	r.keep(r.catJob.Segment(ctx, catalog.Segment{Rendition: o.name, Index: int(s.Seq),
		Path: s.Path, Duration: s.Duration, Bytes: s.Bytes}))
	if first {
		r.res.Segments++
		r.res.Duration += s.Duration
		r.keep(r.catJob.Progress(ctx, 0, r.res.Duration))
	}
	o.queue = append(o.queue, s)
	if !o.detected {
		o.detected = true
		r.detect.Go(func() { r.detectCodecs(n, o, s) })
	}
}

// publish adds a recorded segment to o's public playlist, rewrites it,
// marks what the window dropped and deletes what it dropped long enough
// ago.
func (r *runner) publish(o *output, s published) {
	now := time.Now()
	seg, dropped, raised := o.win.add(s, now)
	if raised {
		r.emit(Warning{Message: fmt.Sprintf("segment %s is %.3f s long: target duration raised to %d s (the source's keyframes are too far apart for %s segments)",
			seg.URI, seg.Duration, o.win.target, r.cfg.SegmentTime)})
	}
	if err := hls.WriteMedia(o.playlist, o.win.playlist()); err != nil {
		r.emit(Warning{Message: fmt.Sprintf("writing %s: %v", o.playlist, err)})
	}
	r.up.put(seg.Path, o.playlist)
	o.lastPublish = time.Now()
	o.published++
	ev := SegmentPublished{Rendition: o.name, Sequence: seg.Seq, Path: seg.Path, Duration: seg.Duration, ProgramDateTime: seg.PDT,
		Discontinuity: seg.Discontinuity, Window: len(o.win.segs), Latency: time.Since(s.done)}
	for _, d := range dropped {
		r.keep(r.catJob.Removed(context.Background(), o.name, int(d.Seq)))
		ev.Removed = append(ev.Removed, d.Seq)
	}
	ev.Deleted = r.deleteDue(o, now)
	r.emit(ev)
	r.writeMaster()
}

// deleteDue deletes the files of o's removed segments whose hold is over.
func (r *runner) deleteDue(o *output, now time.Time) int {
	deleted := 0
	for _, d := range o.win.due(now) {
		if err := os.Remove(d.Path); err == nil {
			deleted++
		} else if !errors.Is(err, os.ErrNotExist) {
			r.emit(Warning{Message: fmt.Sprintf("deleting %s: %v", d.Path, err)})
		}
		r.up.delete(d.Path)
	}
	return deleted
}

// detectCodecs reads the output's codecs from its first segment of run n
// and records them; for the first output also run n's input streams from
// ffmpeg's log. In a ladder it measures the rendition for the master.
func (r *runner) detectCodecs(n int, o *output, seg published) {
	first := o == r.outs[0]
	var streams []InputStream
	if first {
		log, _ := os.ReadFile(r.logPath(n))
		streams = ParseInputStreams(log)
	}
	ev := InputDetected{Run: n, Rendition: o.name, Streams: streams}
	res, err := (&ffprobe.Prober{Path: r.cfg.FFprobe}).Probe(context.Background(), seg.Path)
	var codecs []string
	if err == nil {
		if v := res.Video(); v != nil {
			ev.Width, ev.Height = v.Width, v.Height
			if v.CodecString != "" {
				codecs = append(codecs, v.CodecString)
			}
		}
		if a := res.Audio(); a != nil && a.CodecString != "" {
			codecs = append(codecs, a.CodecString)
		}
	}
	ev.Codecs = strings.Join(codecs, ",")
	var variant *hls.Variant
	var merr error
	if err == nil && r.abr != nil {
		variant, merr = r.measureVariant(o, seg, res, ev.Codecs)
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	ctx := context.Background()
	if err != nil {
		r.emit(Warning{Message: fmt.Sprintf("probing %s: %v", seg.Path, err)})
	} else {
		o.rend.Kind = recorder.Kind(ev.Width, ev.Codecs, catalog.KindAudio)
		o.rend.Codecs, o.rend.Width, o.rend.Height = ev.Codecs, ev.Width, ev.Height
		if first {
			r.res.Codecs = ev.Codecs
		}
		r.keep(r.rec.Rendition(ctx, o.rend))
	}
	if merr != nil {
		r.emit(Warning{Message: fmt.Sprintf("measuring %s: %v", seg.Path, merr)})
	}
	if variant != nil && o.variant == nil {
		o.variant = variant
	}
	if len(streams) > 0 {
		r.res.Input = streams
		if data, err := json.Marshal(probeOf(Redact(r.cfg.Input), streams)); err == nil {
			r.track.Probe = data
			r.keep(r.rec.Track(ctx, r.track))
		}
	}
	r.emit(ev)
	r.writeMaster()
}

// finish ends the job: ENDLIST on every rendition, the recording put
// together, the catalog's final state.
func (r *runner) finish(ctx context.Context, status catalog.Status, reason string, runErr error) (*Result, error) {
	r.detect.Wait()
	if r.backup != nil {
		// No copy may read the recording while the runs' files are joined.
		r.backup.halt()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.res.Status, r.res.Reason = status, reason
	if r.res.Segments > 0 {
		for _, o := range r.outs {
			o.win.ended = true
			if err := hls.WriteMedia(o.playlist, o.win.playlist()); err != nil && runErr == nil {
				runErr = err
			}
			r.up.put(o.playlist)
			r.deleteDue(o, time.Now())
		}
	} else {
		if status == catalog.StatusDone {
			status, r.res.Status = catalog.StatusError, catalog.StatusError
			runErr = fmt.Errorf("live %q: no segment was written", Redact(r.cfg.Input))
		}
		// Nothing was published: leave no empty folders behind (Remove
		// fails on a folder that is not empty).
		for _, o := range r.outs {
			os.Remove(o.dir)
		}
		dir := filepath.Join(r.cfg.OutDir, r.cfg.TrackID, r.cfg.Rendition)
		os.Remove(dir)
		os.Remove(filepath.Dir(dir))
	}
	r.res.Kept = 0
	for _, o := range r.outs {
		r.res.Kept += len(o.win.pending)
	}
	if err := r.joinRecord(); err != nil && runErr == nil {
		runErr = err
	}
	// The uploads' last events take mu.
	r.mu.Unlock()
	upErr := r.up.close(ctx)
	if err := r.recordingEnded(ctx); err != nil && upErr == nil {
		upErr = err
	}
	r.mu.Lock()
	if upErr != nil && runErr == nil {
		status, r.res.Status = catalog.StatusError, catalog.StatusError
		runErr = fmt.Errorf("live %q: %w", Redact(r.cfg.Input), upErr)
	}
	if runErr == nil && r.catErr != nil {
		status, r.res.Status = catalog.StatusError, catalog.StatusError
		runErr = r.catErr
	}
	errText := ""
	if runErr != nil && status != catalog.StatusDone {
		errText = firstLine(runErr)
	}
	if err := r.catJob.Finished(ctx, status, errText); err != nil && runErr == nil {
		runErr = err
	}
	rs := status
	if rs == catalog.StatusCancelled && r.res.Segments > 0 {
		// Stopping a live stream by hand is how it normally ends: what was
		// published is complete.
		rs = catalog.StatusDone
	}
	for _, o := range r.outs {
		if err := r.rec.RenditionStatus(ctx, r.cfg.TrackID, o.name, rs); err != nil && runErr == nil {
			runErr = err
		}
	}
	r.track.Live = false
	if err := r.rec.Track(ctx, r.track); err != nil && runErr == nil {
		runErr = err
	}
	return &r.res, runErr
}

// joinRecord appends the recordings of runs after the first to the record
// file: MPEG-TS files join by concatenation.
func (r *runner) joinRecord() error {
	if r.cfg.Record == "" {
		return nil
	}
	for n := 2; n <= r.res.Runs; n++ {
		part := r.recordPath(n)
		if err := appendFile(r.cfg.Record, part); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			return fmt.Errorf("record %q: %w", r.cfg.Record, err)
		}
		os.Remove(part)
	}
	return nil
}

func appendFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
