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
	// Playlist is the public media playlist.
	Playlist string         `json:"playlist"`
	Status   catalog.Status `json:"status"`
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
	cfg      Config
	dir      string // rendition folder
	playlist string
	work     string // private folder: ffmpeg's playlist, logs, the stdin FIFO
	rec      *recorder.Recorder
	version  string // ffmpeg's

	mu     sync.Mutex
	win    *window
	track  catalog.Track
	rend   catalog.Rendition // PlaylistPath is the file on disk, as recorder takes it
	catJob *recorder.Job     // the catalog job
	res    Result
	catErr error
	detect sync.WaitGroup

	// Across the job's runs.
	waitSince   time.Time   // when the job started waiting for the source
	discPending bool        // the next segment follows a reconnection
	nextSeq     uint64      // media sequence number of the next segment
	queue       []published // recorded, waiting for the playlist
	lastPublish time.Time
	nextNumber  int       // ffmpeg's -start_number for the next run
	anyData     bool      // some run received data
	up          *uploader // nil without Config.Publish

	cur *attempt // the current run
}

// ErrStreamExists is returned when the playlist of an earlier stream of the
// same track and rendition is in the way and Config.Force is not set.
var ErrStreamExists = errors.New("an earlier stream's output exists")

func newRunner(ctx context.Context, cfg Config) (*runner, error) {
	r := &runner{cfg: cfg, rec: &recorder.Recorder{DB: cfg.Catalog, Root: cfg.CatalogRoot}}
	r.dir = filepath.Join(cfg.OutDir, cfg.TrackID, cfg.Rendition)
	r.playlist = filepath.Join(r.dir, layout.Playlist)
	r.win = newWindow(cfg.Window, cfg.SegmentTime, cfg.Mode == ModeEncode)
	if cfg.Event {
		r.win = newWindow(0, cfg.SegmentTime, cfg.Mode == ModeEncode)
	}
	r.res = Result{TrackID: cfg.TrackID, Rendition: cfg.Rendition, Playlist: r.playlist, Record: cfg.Record}

	if cfg.Record != "" {
		if _, err := os.Stat(cfg.Record); err == nil {
			return nil, fmt.Errorf("live %q: record file %q exists; give a new name", Redact(cfg.Input), cfg.Record)
		}
	}
	if _, err := os.Stat(r.playlist); err == nil {
		if !cfg.Force {
			return nil, fmt.Errorf("live %q: %s: %w (track %q)", Redact(cfg.Input), r.playlist, ErrStreamExists, cfg.TrackID)
		}
		if err := r.clearOld(ctx); err != nil {
			return nil, err
		}
	}
	v, err := encode.Version(ctx, cfg.FFmpeg)
	if err != nil {
		return nil, err
	}
	r.version = v
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return nil, fmt.Errorf("live %q: %w", Redact(cfg.Input), err)
	}
	r.work, err = os.MkdirTemp("", "veza-live-")
	if err != nil {
		return nil, err
	}
	return r, nil
}

// clearOld removes an earlier stream's playlist, segments and catalog rows
// (--force).
func (r *runner) clearOld(ctx context.Context) error {
	old, _ := filepath.Glob(filepath.Join(r.dir, layout.SegmentGlob(layout.TS)))
	for _, p := range append(old, r.playlist) {
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
	// Nothing is known of the streams before the first segment is probed;
	// ffmpeg is asked for the source's video.
	r.rend = catalog.Rendition{TrackID: cfg.TrackID, Name: cfg.Rendition, Kind: recorder.Kind(0, "", catalog.KindVideo),
		PlaylistPath: r.playlist, Status: catalog.StatusEncoding}
	if err := r.rec.Track(bg, r.track); err != nil {
		return nil, err
	}
	if err := r.rec.Rendition(bg, r.rend); err != nil {
		return nil, err
	}
	job, err := r.rec.Start(bg, catalog.Job{TrackID: cfg.TrackID, Rendition: cfg.Rendition, Kind: "live",
		Args: redactArgs(first.Args()), FFmpegVersion: r.version})
	if err != nil {
		return nil, err
	}
	r.catJob, r.res.JobID = job, job.ID
	if r.up, err = r.startUploads(bg); err != nil {
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
				r.discPending = true
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
	_ = os.Remove(r.workPlaylist()) // the previous run's
	wg.Go(func() { r.follow(n, stop) })
	var fifo string
	if r.cfg.Input == "-" {
		fifo = job.Inputs[0].Path
		// Not waited for: it may stay blocked reading Stdin after the job,
		// until Stdin returns (the pipe is not veza's to close).
		go r.feed(fifo)
	}
	err := job.Run(jctx)
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
	out := encode.Output{
		Path: r.workPlaylist(),
		Maps: []string{"0:v:0?", "0:a:0?"},
		HLS: &encode.HLSOptions{SegmentTime: cfg.SegmentTime, PlaylistType: "event", StartNumber: startNumber,
			SegmentFilename: filepath.Join(r.dir, layout.SegmentPattern(layout.TS)), Flags: []string{"temp_file"}},
	}
	if cfg.Mode == ModeCopy {
		out.VideoCodec, out.AudioCodec = "copy", "copy"
	} else {
		out.VideoCodec, out.AudioCodec, out.AudioBitrate = "libx264", "aac", "128k"
		// A keyframe at every segment boundary whatever the frame rate
		// (unknown until the source arrives), and none elsewhere, so every
		// segment is exactly SegmentTime and opens with an IDR frame.
		out.Args = []string{"-preset", cfg.Preset, "-tune", "zerolatency", "-pix_fmt", "yuv420p",
			"-force_key_frames", "expr:gte(t,n_forced*" + strconv.FormatFloat(cfg.SegmentTime.Seconds(), 'f', -1, 64) + ")",
			"-sc_threshold", "0"}
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
	var last os.FileInfo
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			st, err := os.Stat(r.workPlaylist())
			if err != nil || (last != nil && st.ModTime().Equal(last.ModTime()) && st.Size() == last.Size()) {
				continue
			}
			last = st
			r.scan(n)
		}
	}
}

// followEvery is how often the working playlist is checked: the most a
// segment waits between ffmpeg listing it and veza publishing it.
const followEvery = 10 * time.Millisecond

func (r *runner) workPlaylist() string { return filepath.Join(r.work, "ffmpeg.m3u8") }

// scan records the entries of the working playlist not yet seen — ffmpeg
// rewrites it whole (and atomically) after each segment, with the segment
// complete on disk before — and publishes them.
func (r *runner) scan(n int) {
	if data, err := os.ReadFile(r.workPlaylist()); err == nil {
		entries := encode.ParsePlaylistEntries(data)
		r.mu.Lock()
		if n == r.cur.n {
			for _, e := range entries[min(r.cur.seen, len(entries)):] {
				r.cur.seen++
				r.record(n, filepath.Join(r.dir, pathBase(e.URI)), e.Duration)
				if num, ok := layout.SegmentNumber(pathBase(e.URI), layout.TS); ok && int(num) >= r.nextNumber {
					r.nextNumber = int(num) + 1
				}
			}
		}
		r.mu.Unlock()
	}
	for {
		r.mu.Lock()
		if len(r.queue) == 0 {
			r.mu.Unlock()
			return
		}
		// RFC 8216 §6.2.1 (HLS-RULES L2): a version adding a segment comes
		// no sooner than half a target duration after the previous one. A
		// burst (the probe's second of input, a source catching up, the
		// short last segment at the end) is spread out.
		// 20 ms more absorb the file system's coarse clock, by which a
		// reader times versions.
		if wait := time.Until(r.lastPublish.Add(time.Duration(r.win.target)*time.Second/2 + 20*time.Millisecond)); wait > 0 {
			r.mu.Unlock()
			time.Sleep(wait)
			continue
		}
		s := r.queue[0]
		r.queue = r.queue[1:]
		r.publish(s)
		r.mu.Unlock()
	}
}

func pathBase(uri string) string {
	if i := strings.LastIndexByte(uri, '/'); i >= 0 {
		return uri[i+1:]
	}
	return uri
}

// record takes a segment ffmpeg completed: it gets its sequence number and
// program date, becomes a catalog row at once and waits in the queue for
// the playlist.
func (r *runner) record(n int, path string, dur time.Duration) {
	st, err := os.Stat(path)
	if err != nil || st.Size() == 0 {
		r.emit(Warning{Message: fmt.Sprintf("segment %s is not on disk; not published", path)})
		return
	}
	pdt := r.cur.pdtNext
	if pdt.IsZero() {
		pdt = r.cur.anchor
		if pdt.IsZero() {
			pdt = r.cfg.Now().Add(-dur)
		}
	}
	s := published{Seq: r.nextSeq, URI: filepath.Base(path), Path: path, Duration: dur.Seconds(), Bytes: st.Size(),
		PDT: pdt, Discontinuity: r.discPending, done: st.ModTime()}
	r.nextSeq++
	r.cur.pdtNext = pdt.Add(dur)
	if r.discPending {
		r.res.Discontinuities++
		r.discPending = false
	}
	r.res.Segments++
	r.res.Duration += s.Duration
	ctx := context.Background()
	r.keep(r.catJob.Segment(ctx, catalog.Segment{Rendition: r.cfg.Rendition, Index: int(s.Seq),
		Path: s.Path, Duration: s.Duration, Bytes: s.Bytes}))
	r.keep(r.catJob.Progress(ctx, 0, r.res.Duration))
	r.queue = append(r.queue, s)
	if !r.cur.detected {
		r.cur.detected = true
		r.detect.Go(func() { r.detectCodecs(n, path) })
	}
}

// publish adds a recorded segment to the public playlist, rewrites it,
// marks what the window dropped and deletes what it dropped long enough
// ago.
func (r *runner) publish(s published) {
	now := time.Now()
	seg, dropped, raised := r.win.add(s, now)
	if raised {
		r.emit(Warning{Message: fmt.Sprintf("segment %s is %.3f s long: target duration raised to %d s (the source's keyframes are too far apart for %s segments)",
			seg.URI, seg.Duration, r.win.target, r.cfg.SegmentTime)})
	}
	if err := hls.WriteMedia(r.playlist, r.win.playlist()); err != nil {
		r.emit(Warning{Message: fmt.Sprintf("writing %s: %v", r.playlist, err)})
	}
	r.up.put(seg.Path, r.playlist)
	r.lastPublish = time.Now()
	ev := SegmentPublished{Sequence: seg.Seq, Path: seg.Path, Duration: seg.Duration, ProgramDateTime: seg.PDT,
		Discontinuity: seg.Discontinuity, Window: len(r.win.segs), Latency: time.Since(s.done)}
	for _, d := range dropped {
		r.keep(r.catJob.Removed(context.Background(), r.cfg.Rendition, int(d.Seq)))
		ev.Removed = append(ev.Removed, d.Seq)
	}
	ev.Deleted = r.deleteDue(now)
	r.emit(ev)
}

// deleteDue deletes the files of removed segments whose hold is over.
func (r *runner) deleteDue(now time.Time) int {
	deleted := 0
	for _, d := range r.win.due(now) {
		if err := os.Remove(d.Path); err == nil {
			deleted++
		} else if !errors.Is(err, os.ErrNotExist) {
			r.emit(Warning{Message: fmt.Sprintf("deleting %s: %v", d.Path, err)})
		}
		r.up.delete(d.Path)
	}
	return deleted
}

// detectCodecs reads run n's input streams from ffmpeg's log and the
// output's codecs from its first segment, and records both.
func (r *runner) detectCodecs(n int, segment string) {
	log, _ := os.ReadFile(r.logPath(n))
	streams := ParseInputStreams(log)
	ev := InputDetected{Run: n, Streams: streams}
	res, err := (&ffprobe.Prober{Path: r.cfg.FFprobe}).Probe(context.Background(), segment)
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

	r.mu.Lock()
	defer r.mu.Unlock()
	ctx := context.Background()
	if err != nil {
		r.emit(Warning{Message: fmt.Sprintf("probing %s: %v", segment, err)})
	} else {
		r.rend.Kind = recorder.Kind(ev.Width, ev.Codecs, catalog.KindAudio)
		r.rend.Codecs, r.rend.Width, r.rend.Height = ev.Codecs, ev.Width, ev.Height
		r.res.Codecs = ev.Codecs
		r.keep(r.rec.Rendition(ctx, r.rend))
	}
	if len(streams) > 0 {
		r.res.Input = streams
		if data, err := json.Marshal(probeOf(Redact(r.cfg.Input), streams)); err == nil {
			r.track.Probe = data
			r.keep(r.rec.Track(ctx, r.track))
		}
	}
	r.emit(ev)
}

// finish ends the job: ENDLIST, the recording put together, the catalog's
// final state.
func (r *runner) finish(ctx context.Context, status catalog.Status, reason string, runErr error) (*Result, error) {
	r.detect.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.res.Status, r.res.Reason = status, reason
	if r.res.Segments > 0 {
		r.win.ended = true
		if err := hls.WriteMedia(r.playlist, r.win.playlist()); err != nil && runErr == nil {
			runErr = err
		}
		r.up.put(r.playlist)
		r.deleteDue(time.Now())
	} else {
		if status == catalog.StatusDone {
			status, r.res.Status = catalog.StatusError, catalog.StatusError
			runErr = fmt.Errorf("live %q: no segment was written", Redact(r.cfg.Input))
		}
		// Nothing was published: leave no empty folders behind (Remove
		// fails on a folder that is not empty).
		os.Remove(r.dir)
		os.Remove(filepath.Dir(r.dir))
	}
	r.res.Kept = len(r.win.pending)
	if err := r.joinRecord(); err != nil && runErr == nil {
		runErr = err
	}
	// The uploads' last events take mu.
	r.mu.Unlock()
	upErr := r.up.close(ctx)
	r.mu.Lock()
	if upErr != nil && runErr == nil {
		status, r.res.Status = catalog.StatusError, catalog.StatusError
		runErr = fmt.Errorf("live %q: %w", r.cfg.Input, upErr)
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
	if err := r.rec.RenditionStatus(ctx, r.cfg.TrackID, r.cfg.Rendition, rs); err != nil && runErr == nil {
		runErr = err
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
