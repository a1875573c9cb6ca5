package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/check"
	"github.com/veza-media/veza/pkg/encode"
	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/player"
	"github.com/veza-media/veza/pkg/verify"
)

var (
	mediaOnce sync.Once
	mediaDir  string
	mediaErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if mediaDir != "" {
		os.RemoveAll(mediaDir)
	}
	os.Exit(code)
}

func needFFmpeg(t testing.TB) {
	t.Helper()
	for _, b := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(b); err != nil {
			t.Fatalf("%s is required for this test (make test installs it)", b)
		}
	}
}

// media returns a clip made once per test run: 4 s of 320x240 H.264 with a
// keyframe every second and AAC, in MPEG-TS.
func media(t testing.TB) string {
	t.Helper()
	needFFmpeg(t)
	mediaOnce.Do(func() {
		mediaDir, mediaErr = os.MkdirTemp("", "veza-live-media-")
		if mediaErr != nil {
			return
		}
		out, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
			"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=4", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=4",
			"-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
			"-f", "mpegts", filepath.Join(mediaDir, "clip.ts")).CombinedOutput()
		if err != nil {
			mediaErr = fmt.Errorf("making clip.ts: %v: %s", err, out)
		}
	})
	if mediaErr != nil {
		t.Fatal(mediaErr)
	}
	return filepath.Join(mediaDir, "clip.ts")
}

func openCatalog(t testing.TB, dir string) *catalog.DB {
	t.Helper()
	db, err := catalog.Open(catalog.DefaultPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// freePort returns a UDP port nobody listens on (SRT runs over UDP too).
func freePort(t testing.TB) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// send runs ffmpeg as a live sender: seconds of test pattern and tone in
// real time (-re), encoded like a contribution encoder would, to url.
func send(ctx context.Context, url string, seconds float64) error {
	s := strconv.FormatFloat(seconds, 'f', -1, 64)
	cmd := exec.CommandContext(ctx, "ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re",
		"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
		"-t", s, "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "mpegts", url)
	out, err := cmd.CombinedOutput()
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("sender %s: %v: %s", url, err, out)
	}
	return nil
}

// events collects a job's events for the test to look at.
type events struct {
	t     *testing.T
	start time.Time
	mu    sync.Mutex
	all   []Event
	ch    chan Event
}

func newEvents(t *testing.T) *events {
	return &events{t: t, start: time.Now(), ch: make(chan Event, 1024)}
}

func (e *events) add(ev Event) {
	e.mu.Lock()
	e.all = append(e.all, ev)
	e.mu.Unlock()
	if f, ok := ev.(FFmpeg); ok {
		if x, ok := f.Event.(encode.Error); ok {
			e.t.Logf("%6.2fs ffmpeg run %d: %s", time.Since(e.start).Seconds(), f.Run, x.Line)
		}
	} else {
		e.t.Logf("%6.2fs %s %+v", time.Since(e.start).Seconds(), ev.Type(), ev)
		select {
		case e.ch <- ev:
		default:
		}
	}
}

// wait returns the first event of type T to arrive, failing the test after
// d.
func waitFor[T Event](t *testing.T, e *events, d time.Duration) T {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case ev := <-e.ch:
			if v, ok := ev.(T); ok {
				return v
			}
		case <-deadline:
			var zero T
			t.Fatalf("no %s event within %s", zero.Type(), d)
			return zero
		}
	}
}

func (e *events) of(typ string) []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Event
	for _, ev := range e.all {
		if ev.Type() == typ {
			out = append(out, ev)
		}
	}
	return out
}

type runResult struct {
	res *Result
	err error
	at  time.Time
}

func start(ctx context.Context, cfg Config) <-chan runResult {
	ch := make(chan runResult, 1)
	go func() {
		res, err := Run(ctx, cfg)
		ch <- runResult{res, err, time.Now()}
	}()
	return ch
}

func waitFile(t *testing.T, path string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s did not appear within %s", path, d)
}

func mustFindings(t *testing.T, rep *verify.Report) {
	t.Helper()
	for _, p := range rep.Playlists {
		for _, f := range p.Findings {
			if lateL2(f) {
				// A version coming late is the source or a loaded machine
				// (two cores shared by many tests); one coming early would
				// be veza's fault and still fails.
				t.Logf("tolerated: %s %s: %s", f.Rule, f.Segment, f.Message)
				continue
			}
			if f.Severity == verify.Must {
				t.Errorf("%s %s: %s", f.Rule, f.Segment, f.Message)
			} else {
				t.Logf("SHOULD %s %s: %s", f.Rule, f.Segment, f.Message)
			}
		}
	}
}

// lateL2 tells an L2 finding about a late playlist version from one about
// an early version.
func lateL2(f verify.Finding) bool {
	if f.Rule != "L2" {
		return false
	}
	if strings.HasPrefix(f.Measured, ">") {
		return true
	}
	gap, err1 := strconv.ParseFloat(strings.TrimSuffix(f.Measured, " s"), 64)
	_, hi, ok := strings.Cut(strings.TrimSuffix(f.Expected, " s"), "–")
	limit, err2 := strconv.ParseFloat(hi, 64)
	return err1 == nil && err2 == nil && ok && gap > limit
}

// TestSRTSlidingWindow is the main live run: an SRT caller sends 16 s into
// veza listening; the window slides (1 s segments, 6 kept) while VerifyLive
// samples the playlist for L1–L5, the catalog fills as it goes, and the
// end of the sender ends the job with ENDLIST.
// udpSlot lets one UDP test at a time send and encode: UDP drops what a
// reader starved of CPU cannot take, and the recordings these tests count
// frames of would come up short on a machine busy with the other tests.
var udpSlot = make(chan struct{}, 1)

func udpTurn(t *testing.T) {
	udpSlot <- struct{}{}
	t.Cleanup(func() { <-udpSlot })
}

func TestSRTSlidingWindow(t *testing.T) {
	needFFmpeg(t)
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out := t.TempDir()
	db := openCatalog(t, out)
	port := freePort(t)
	ev := newEvents(t)
	cfg := Config{Input: fmt.Sprintf("srt://127.0.0.1:%d?mode=listener", port), OutDir: out, Catalog: db,
		SegmentTime: time.Second, Window: 6, IdleTimeout: 4 * time.Second, WaitTimeout: 30 * time.Second,
		Preset: "ultrafast", OnEvent: ev.add}
	done := start(ctx, cfg)
	waitFor[Waiting](t, ev, 10*time.Second)
	// ffmpeg needs a moment to bind the listener after it starts.
	time.Sleep(500 * time.Millisecond)
	sent := make(chan error, 1)
	var sentAt time.Time
	go func() {
		err := send(ctx, fmt.Sprintf("srt://127.0.0.1:%d?mode=caller", port), 16)
		sentAt = time.Now()
		sent <- err
	}()

	playlist := filepath.Join(out, "srt-"+strconv.Itoa(port), "live", "index.m3u8")
	waitFile(t, playlist, 20*time.Second)
	verified := make(chan *verify.Report, 1)
	go func() {
		rep, err := verify.Live(ctx, playlist, verify.LiveOptions{Duration: 60 * time.Second})
		if err != nil {
			t.Errorf("VerifyLive: %v", err)
		}
		verified <- rep
	}()

	// While it runs: the track is live, segments are catalog rows, the job
	// moves, and the codecs are known.
	det := waitFor[InputDetected](t, ev, 20*time.Second)
	if len(det.Streams) != 2 || det.Streams[0].Codec != "h264" || det.Streams[1].Codec != "aac" ||
		det.Streams[0].Width != 320 || det.Streams[1].SampleRate != 48000 {
		t.Errorf("input streams = %+v, want h264 320x240 and aac 48 kHz", det.Streams)
	}
	if !strings.HasPrefix(det.Codecs, "avc1.") || !strings.HasSuffix(det.Codecs, ",mp4a.40.2") {
		t.Errorf("codecs = %q, want avc1.*,mp4a.40.2", det.Codecs)
	}
	time.Sleep(3 * time.Second)
	tr, err := db.Track(ctx, "srt-"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	if !tr.Live || len(tr.Renditions) != 1 || tr.Renditions[0].Segments == 0 || tr.Renditions[0].Codecs != det.Codecs {
		t.Errorf("while live: track %+v", tr)
	}
	if len(tr.Jobs) != 1 || tr.Jobs[0].Status != catalog.StatusEncoding || tr.Jobs[0].CurrentDuration <= 0 || tr.Jobs[0].Kind != "live" {
		t.Errorf("while live: jobs %+v", tr.Jobs)
	}
	st1, _ := db.JobStatus(ctx, tr.Jobs[0].ID)

	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("Run: %v", r.err)
	}
	// SRT tells the listener the caller left: the job ends well within
	// the idle timeout.
	if lag := r.at.Sub(sentAt); lag > cfg.IdleTimeout {
		t.Errorf("the job ended %s after the sender, want within %s", lag, cfg.IdleTimeout)
	}
	if rep := <-verified; rep != nil {
		mustFindings(t, rep)
	}

	res := r.res
	if res.Status != catalog.StatusDone || res.Segments < 12 || res.Runs != 1 || res.Discontinuities != 0 {
		t.Errorf("result %+v", res)
	}
	pl, err := hls.ReadMedia(playlist)
	if err != nil {
		t.Fatal(err)
	}
	if !pl.EndList || pl.Type != hls.TypeNone || len(pl.Segments) < 6 || pl.MediaSequence == 0 ||
		int(pl.MediaSequence)+len(pl.Segments) != res.Segments || !pl.IndependentSegments {
		t.Errorf("final playlist: endlist %v type %q, %d segments from %d; %d published", pl.EndList, pl.Type, len(pl.Segments), pl.MediaSequence, res.Segments)
	}
	for _, s := range pl.Segments {
		if s.ProgramDateTime.IsZero() {
			t.Errorf("%s has no EXT-X-PROGRAM-DATE-TIME", s.URI)
		}
	}

	// Old segments: marked removed in the catalog, and the oldest deleted
	// once their hold was over (VerifyLive checked none went early).
	segs, err := db.Segments(ctx, res.TrackID, res.Rendition)
	if err != nil {
		t.Fatal(err)
	}
	removed := 0
	for _, s := range segs {
		if !s.RemovedAt.IsZero() {
			removed++
		}
	}
	if len(segs) != res.Segments || removed != int(pl.MediaSequence) {
		t.Errorf("catalog: %d segments, %d removed; want %d and %d", len(segs), removed, res.Segments, pl.MediaSequence)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(playlist), "seg_00000.ts")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("seg_00000.ts left the window long ago and should be deleted: %v", err)
	}
	if res.Kept == 0 {
		t.Errorf("segments that just left the window should be kept after the end")
	}
	tr, _ = db.Track(ctx, res.TrackID)
	if tr.Live || tr.Status != catalog.StatusDone || tr.Jobs[0].Status != catalog.StatusDone {
		t.Errorf("after the end: live %v, status %s, job %s", tr.Live, tr.Status, tr.Jobs[0].Status)
	}
	if st2, _ := db.JobStatus(ctx, tr.Jobs[0].ID); st1 == nil || st2 == nil || st2.CurrentDuration <= st1.CurrentDuration {
		t.Errorf("the job's current_duration did not move: %+v then %+v", st1, st2)
	}
	if len(tr.Probe) == 0 || !strings.Contains(string(tr.Probe), `"codec":"h264"`) {
		t.Errorf("track probe = %s", tr.Probe)
	}
}

// TestUDPIdleRecordEvent: UDP has no end of stream, so the idle timeout
// ends the job; --event keeps every segment and --record keeps the input.
func TestUDPIdleRecordEvent(t *testing.T) {
	needFFmpeg(t)
	t.Parallel()
	udpTurn(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out := t.TempDir()
	db := openCatalog(t, out)
	port := freePort(t)
	ev := newEvents(t)
	record := filepath.Join(out, "raw.ts")
	cfg := Config{Input: fmt.Sprintf("udp://127.0.0.1:%d", port), OutDir: out, Catalog: db, TrackID: "udp",
		Event: true, IdleTimeout: 2 * time.Second, WaitTimeout: 30 * time.Second, Record: record,
		Preset: "ultrafast", OnEvent: ev.add}
	done := start(ctx, cfg)
	waitFor[Waiting](t, ev, 10*time.Second)
	time.Sleep(300 * time.Millisecond)
	if err := send(ctx, fmt.Sprintf("udp://127.0.0.1:%d?pkt_size=1316", port), 7); err != nil {
		t.Fatal(err)
	}
	sentAt := time.Now()
	r := <-done
	if r.err != nil {
		t.Fatalf("Run: %v", r.err)
	}
	// ffmpeg's read timeout fires a little after the idle timeout, and the
	// last segment waits up to half a target (1 s) after the one before.
	if lag := r.at.Sub(sentAt); lag > cfg.IdleTimeout+3*time.Second {
		t.Errorf("the job ended %s after the sender stopped; idle timeout %s", lag, cfg.IdleTimeout)
	}
	res := r.res
	if res.Status != catalog.StatusDone || !strings.HasPrefix(res.Reason, "no data for") {
		t.Errorf("status %s, reason %q", res.Status, res.Reason)
	}
	pl, err := hls.ReadMedia(res.Playlist)
	if err != nil {
		t.Fatal(err)
	}
	// 2 s segments: at least 3 of them, all still listed from sequence 0.
	if pl.Type != hls.TypeEvent || !pl.EndList || pl.MediaSequence != 0 || len(pl.Segments) != res.Segments || res.Segments < 3 {
		t.Errorf("EVENT playlist: type %q endlist %v seq %d, %d segments of %d", pl.Type, pl.EndList, pl.MediaSequence, len(pl.Segments), res.Segments)
	}
	if pl.TargetDuration != 2 {
		t.Errorf("target duration %d, want 2", pl.TargetDuration)
	}
	rep, err := verify.HLS(ctx, res.Playlist, verify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustFindings(t, rep)
	if n := videoFrames(t, record); n < 150 || n > 200 {
		t.Errorf("recording holds %d video frames, want about 7 s × 25", n)
	}
}

// TestUDPReconnect: the source stops and comes back; the job goes on after
// an EXT-X-DISCONTINUITY with the numbering continued, the recording gets
// both parts, and the job ends when the source does not come back within
// the wait timeout.
func TestUDPReconnect(t *testing.T) {
	needFFmpeg(t)
	t.Parallel()
	udpTurn(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out := t.TempDir()
	db := openCatalog(t, out)
	port := freePort(t)
	ev := newEvents(t)
	record := filepath.Join(out, "raw.ts")
	cfg := Config{Input: fmt.Sprintf("udp://127.0.0.1:%d", port), OutDir: out, Catalog: db, TrackID: "again",
		SegmentTime: time.Second, IdleTimeout: 2500 * time.Millisecond, WaitTimeout: 8 * time.Second, Reconnect: true,
		Record: record, Preset: "ultrafast", OnEvent: ev.add}
	done := start(ctx, cfg)
	waitFor[Waiting](t, ev, 10*time.Second)
	time.Sleep(300 * time.Millisecond)
	url := fmt.Sprintf("udp://127.0.0.1:%d?pkt_size=1316", port)
	if err := send(ctx, url, 5); err != nil {
		t.Fatal(err)
	}
	lost := waitFor[SourceLost](t, ev, 10*time.Second)
	if !lost.Reconnecting {
		t.Errorf("source lost without reconnecting: %+v", lost)
	}
	if err := send(ctx, url, 5); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("Run: %v", r.err)
	}
	res := r.res
	if res.Status != catalog.StatusDone || res.Discontinuities != 1 || res.Runs < 2 || res.Segments < 8 {
		t.Errorf("result %+v", res)
	}
	pl, err := hls.ReadMedia(res.Playlist)
	if err != nil {
		t.Fatal(err)
	}
	discs, last := 0, -1
	for _, s := range pl.Segments {
		if s.Discontinuity {
			discs++
		}
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(s.URI, "seg_"), ".ts"))
		if err != nil || n <= last {
			t.Errorf("segment %s does not continue the numbering after %d", s.URI, last)
		}
		last = n
	}
	if discs != 1 || !pl.EndList {
		t.Errorf("%d discontinuities, endlist %v", discs, pl.EndList)
	}
	// Timestamps start again with the second part, so frames are counted
	// rather than the duration read.
	if n := videoFrames(t, record); n < 220 {
		t.Errorf("recording holds %d video frames, want both parts (about 10 s × 25)", n)
	}
	if _, err := os.Stat(record + ".part2"); err == nil {
		t.Errorf("the second part of the recording was left beside it")
	}
}

// TestPipe feeds a stream on "stdin" at full speed and then lets the pipe
// go quiet without closing it: the idle timeout ends ffmpeg's input, and
// copy mode keeps the source's 1 s GOP.
func TestPipe(t *testing.T) {
	clip := media(t)
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out := t.TempDir()
	db := openCatalog(t, out)
	pr, pw := io.Pipe()
	defer pw.Close()
	go func() {
		f, err := os.Open(clip)
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		defer f.Close()
		io.Copy(pw, f)
		// and then nothing, the pipe left open
	}()
	ev := newEvents(t)
	res, err := Run(ctx, Config{Input: "-", Stdin: pr, OutDir: out, Catalog: db, Mode: ModeCopy,
		SegmentTime: time.Second, IdleTimeout: time.Second, OnEvent: ev.add})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.TrackID != "stdin" || res.Status != catalog.StatusDone || res.Segments != 4 || !strings.HasPrefix(res.Reason, "no data") {
		t.Errorf("result %+v", res)
	}
	pl, err := hls.ReadMedia(res.Playlist)
	if err != nil {
		t.Fatal(err)
	}
	if !pl.EndList || len(pl.Segments) != 4 || pl.IndependentSegments {
		t.Errorf("playlist: endlist %v, %d segments, independent %v", pl.EndList, len(pl.Segments), pl.IndependentSegments)
	}
	if len(res.Input) != 2 || res.Input[0].Codec != "h264" || !strings.HasPrefix(res.Codecs, "avc1.") {
		t.Errorf("input %+v codecs %q", res.Input, res.Codecs)
	}
	if len(ev.of("segment_published")) != 4 {
		t.Errorf("%d segment_published events", len(ev.of("segment_published")))
	}
}

// TestCancel: ending ctx (Ctrl-C) still ends the playlist and the catalog
// cleanly: ENDLIST, job cancelled, the rendition done, the track no longer
// live.
func TestCancel(t *testing.T) {
	clip := media(t)
	t.Parallel()
	out := t.TempDir()
	db := openCatalog(t, out)
	pr, pw := io.Pipe()
	defer pw.Close()
	go func() {
		f, err := os.Open(clip)
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		defer f.Close()
		io.Copy(pw, f)
	}()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ev := newEvents(t)
	done := start(ctx, Config{Input: "-", Stdin: pr, OutDir: out, Catalog: db, Mode: ModeCopy, TrackID: "cut",
		SegmentTime: time.Second, IdleTimeout: time.Minute, OnEvent: ev.add})
	waitFor[SegmentPublished](t, ev, 20*time.Second)
	cancel()
	var r runResult
	select {
	case r = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the job did not end within 10 s of the cancel")
	}
	if !errors.Is(r.err, context.Canceled) || r.res.Status != catalog.StatusCancelled {
		t.Fatalf("err %v, result %+v", r.err, r.res)
	}
	pl, err := hls.ReadMedia(r.res.Playlist)
	if err != nil || !pl.EndList || len(pl.Segments) == 0 {
		t.Fatalf("playlist %+v, %v", pl, err)
	}
	tr, err := db.Track(context.Background(), "cut")
	if err != nil || tr.Live || tr.Renditions[0].Status != catalog.StatusDone || tr.Jobs[0].Status != catalog.StatusCancelled {
		t.Errorf("track %+v, %v", tr, err)
	}
}

// TestCheckPlays plays a live job's output in Chromium with hls.js (veza
// check). It is not parallel, so the browser does not compete with the
// real-time runs.
func TestCheckPlays(t *testing.T) {
	clip := media(t)
	chromium, err := check.FindChromium("")
	if err != nil {
		t.Skipf("%v (scripts/deps.sh installs it)", err)
	}
	js, _, err := player.LoadHLSJS(context.Background(), player.Options{Fetch: true})
	if err != nil {
		t.Skipf("hls.js is needed to play in the browser and could not be loaded: %v", err)
	}
	out := t.TempDir()
	in, err := os.Open(clip)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := Run(ctx, Config{Input: "-", Stdin: in, OutDir: out, Catalog: openCatalog(t, out), SegmentTime: time.Second, Preset: "ultrafast"})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := check.Run(ctx, check.Config{Target: res.Playlist, Seconds: 2, PlayerJS: js, Chromium: chromium})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		if !r.Passed || (r.Kind == check.KindPlay && r.Played < 2) {
			t.Errorf("%s %s: passed %v, played %.2f s: %s", r.Kind, r.Name(), r.Passed, r.Played, r.Error)
		}
	}
	if len(rep.Results) == 0 {
		t.Error("veza check checked nothing")
	}
}

// TestCapacity: a job beyond the limiter's capacity is refused at once,
// with nothing written.
func TestCapacity(t *testing.T) {
	out := t.TempDir()
	db := openCatalog(t, out)
	lim := NewLimiter(1)
	release, err := lim.Acquire()
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	_, err = Run(context.Background(), Config{Input: "udp://127.0.0.1:1", OutDir: out, Catalog: db, Limiter: lim})
	if !errors.Is(err, ErrCapacity) || !strings.Contains(err.Error(), "capacity reached: 1 live jobs running") {
		t.Fatalf("err = %v, want capacity reached", err)
	}
	if tracks, _ := db.Tracks(context.Background()); len(tracks) != 0 {
		t.Errorf("a refused job recorded %d tracks", len(tracks))
	}
}

func videoFrames(t *testing.T, path string) int {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets",
		"-show_entries", "stream=nb_read_packets", "-of", "default=nw=1:nk=1", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	first, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	n, err := strconv.Atoi(first)
	if err != nil {
		t.Fatalf("ffprobe %s: %q", path, out)
	}
	return n
}

// TestSRTPassphraseNotLeaked runs an SRT caller with a passphrase towards
// a port where nobody answers: the events, the error and the catalog must
// not hold the passphrase.
func TestSRTPassphraseNotLeaked(t *testing.T) {
	needFFmpeg(t)
	t.Parallel()
	out := t.TempDir()
	db := openCatalog(t, out)
	ev := newEvents(t)
	cfg := Config{Input: fmt.Sprintf("srt://127.0.0.1:%d?mode=caller&passphrase=topsecret123", freePort(t)), OutDir: out,
		Catalog: db, TrackID: "secret", WaitTimeout: 2 * time.Second, IdleTimeout: time.Second, Preset: "ultrafast", OnEvent: ev.add}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := Run(ctx, cfg)
	var seen strings.Builder
	if err != nil {
		seen.WriteString(err.Error())
	}
	ev.mu.Lock()
	for _, e := range ev.all {
		fmt.Fprintf(&seen, "%+v\n", e)
	}
	ev.mu.Unlock()
	jobs, _ := db.Jobs(context.Background(), catalog.JobFilter{TrackID: "secret"})
	for _, j := range jobs {
		fmt.Fprintf(&seen, "%+v\n", j)
	}
	if tr, err := db.Track(context.Background(), "secret"); err == nil {
		fmt.Fprintf(&seen, "%+v\n", tr)
	}
	if strings.Contains(seen.String(), "topsecret123") {
		t.Fatalf("the passphrase leaked:\n%s", seen.String())
	}
	if !strings.Contains(seen.String(), "passphrase=REDACTED") {
		t.Fatalf("nothing mentions the source at all:\n%s", seen.String())
	}
}
