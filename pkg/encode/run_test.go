package encode

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRunHLSEventSegments(t *testing.T) {
	in := media(t, "av.mp4")
	dir := t.TempDir()
	var evs []Event
	j := &Job{
		Dir:    dir,
		Inputs: []Input{{Path: in}},
		Outputs: []Output{{
			Path:       "out/index.m3u8",
			VideoCodec: "libx264", AudioCodec: "aac",
			Args: []string{"-preset", "ultrafast", "-g", "25"},
			HLS:  &HLSOptions{SegmentTime: time.Second, PlaylistType: "event"},
		}},
		OnEvent: collect(&evs),
	}
	if err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if j.Status() != StatusDone {
		t.Errorf("status %s", j.Status())
	}
	var opened, completed []int
	var total time.Duration
	pos := map[string]int{}
	var lastProgress Progress
	var mux *MuxingComplete
	for i, e := range evs {
		switch e := e.(type) {
		case SegmentOpened:
			opened = append(opened, e.Index)
			pos[e.Type()+e.Path] = i
			if want := filepath.Join("out", "index_0000"+string(rune('0'+e.Index))+".ts"); e.Path != want {
				t.Errorf("opened path %q, want %q", e.Path, want)
			}
		case SegmentCompleted:
			completed = append(completed, e.Index)
			pos[e.Type()+e.Path] = i
			total += e.Duration
			st, err := os.Stat(filepath.Join(dir, e.Path))
			if err != nil || st.Size() != e.Bytes || e.Bytes == 0 {
				t.Errorf("completed %+v: file %v %v", e, st, err)
			}
			if e.Duration < 900*time.Millisecond || e.Duration > 1100*time.Millisecond {
				t.Errorf("segment %d lasts %s, want 1s", e.Index, e.Duration)
			}
		case Progress:
			lastProgress = e
		case MuxingComplete:
			mux = &e
		}
	}
	if len(opened) != 3 || len(completed) != 3 {
		t.Fatalf("opened %v completed %v, want 3 each", opened, completed)
	}
	for i := range 3 {
		if opened[i] != i || completed[i] != i {
			t.Fatalf("opened %v completed %v out of order", opened, completed)
		}
	}
	// ffmpeg rewrites an EVENT playlist after each segment, so a segment is
	// reported as it is listed, not a whole segment late (ffmpeg 5.1 logs a
	// TS segment's "Opening" only when it writes it out whole, and renames
	// the playlist listing the previous one just after: on a busy machine
	// that rename may land after the next "Opening", so the bound is the
	// segment after next).
	if pos["segment_completedout/index_00000.ts"] > pos["segment_openedout/index_00002.ts"] {
		t.Errorf("segment 0 completed only after segment 2 opened: %v", pos)
	}
	if total < 2900*time.Millisecond || total > 3100*time.Millisecond {
		t.Errorf("segments sum to %s, want 3s", total)
	}
	if lastProgress.Total < 2900*time.Millisecond || lastProgress.Percent < 97 || !lastProgress.Done {
		t.Errorf("last progress %+v; want probed total 3s and about 100%%", lastProgress)
	}
	if mux == nil || mux.Overhead != nil {
		t.Errorf("muxing complete %+v, want overhead unknown for HLS", mux)
	}
	if ex, ok := evs[len(evs)-1].(Exited); !ok || ex.Status != StatusDone || ex.Code != 0 {
		t.Errorf("last event %#v, want Exited done", evs[len(evs)-1])
	}
}

func TestRunAudioPercentAndCallbacks(t *testing.T) {
	in := media(t, "tone.wav")
	out := filepath.Join(t.TempDir(), "a", "b", "tone.m4a")
	var evs []Event
	succeeded := 0
	j := &Job{
		Inputs:    []Input{{Path: in}},
		Outputs:   []Output{{Path: out, AudioCodec: "aac", AudioBitrate: "96k", NoVideo: true}},
		OnEvent:   collect(&evs),
		OnSuccess: func() { succeeded++ },
		OnError:   func(err error) { t.Errorf("OnError(%v)", err) },
	}
	if err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if succeeded != 1 {
		t.Errorf("OnSuccess called %d times", succeeded)
	}
	var last Progress
	var mux *MuxingComplete
	for _, e := range evs {
		switch e := e.(type) {
		case Progress:
			if e.Percent < last.Percent {
				t.Errorf("percent went back: %v after %v", e.Percent, last.Percent)
			}
			last = e
		case MuxingComplete:
			mux = &e
		}
	}
	if last.Percent < 97 || last.Total != 3*time.Second || !last.Done {
		t.Errorf("last progress %+v, want 100%% of 3s", last)
	}
	if mux == nil || mux.Overhead == nil || *mux.Overhead <= 0 || mux.AudioBytes <= 0 {
		t.Errorf("muxing complete %+v, want a measured overhead", mux)
	}
	if st, err := os.Stat(out); err != nil || st.Size() == 0 {
		t.Errorf("output: %v %v", st, err)
	}
}

func TestRunInvalidInput(t *testing.T) {
	in := media(t, "garbage.mp4")
	var evs []Event
	var gotErr error
	j := &Job{
		Inputs:  []Input{{Path: in}},
		Outputs: []Output{{Path: filepath.Join(t.TempDir(), "x.m4a")}},
		OnEvent: collect(&evs),
		OnError: func(err error) { gotErr = err },
	}
	err := j.Run(context.Background())
	var ee *ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("err %v, want *ExitError", err)
	}
	if ee.Code != 1 || ee.Kind != KindInvalidData || len(ee.StderrTail) == 0 || ee.Args[0] == "" {
		t.Errorf("exit error %+v", ee)
	}
	if !strings.Contains(err.Error(), "invalid data") {
		t.Errorf("message %q does not say why", err)
	}
	if gotErr != err || j.Status() != StatusError {
		t.Errorf("OnError got %v, status %s", gotErr, j.Status())
	}
	var kinds []ErrorKind
	for _, e := range evs {
		if e, ok := e.(Error); ok {
			kinds = append(kinds, e.Kind)
		}
	}
	if len(kinds) == 0 || kinds[len(kinds)-1] != KindInvalidData {
		t.Errorf("error events %v", kinds)
	}
	if ex := evs[len(evs)-1].(Exited); ex.Status != StatusError || ex.Code != 1 {
		t.Errorf("exited %+v", ex)
	}
}

func TestRunFFmpegNotFound(t *testing.T) {
	j := &Job{FFmpeg: "/nonexistent/ffmpeg", Inputs: []Input{{Path: "x"}}, Outputs: []Output{{Path: "-"}}}
	if err := j.Run(context.Background()); !errors.Is(err, ErrFFmpegNotFound) {
		t.Fatalf("err %v, want ErrFFmpegNotFound", err)
	}
	if err := j.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "already ran") {
		t.Errorf("second run: %v", err)
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		job  *Job
		want string
	}{
		{"no outputs", &Job{Inputs: []Input{{Path: "a"}}}, "no outputs"},
		{"no inputs", &Job{Outputs: []Output{{Path: "a"}}}, "no inputs"},
		{"empty output", &Job{Inputs: []Input{{Path: "a"}}, Outputs: []Output{{}}}, "output 0 has no path"},
		{"playlist type", &Job{Inputs: []Input{{Path: "a"}}, Outputs: []Output{{Path: "a.m3u8", HLS: &HLSOptions{PlaylistType: "live2"}}}}, "playlist type"},
		{"no number", &Job{Inputs: []Input{{Path: "a"}}, Outputs: []Output{{Path: "a.m3u8", HLS: &HLSOptions{SegmentFilename: "seg.ts"}}}}, "needs one %d"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.job.Run(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want %q", err, tc.want)
			}
		})
	}
}

// realtimeJob encodes 60 s of audio at real-time speed into HLS, so it is
// still running when the test stops it.
func realtimeJob(t *testing.T, dir string, evs *[]Event) *Job {
	return &Job{
		Dir:      dir,
		Inputs:   []Input{{Path: media(t, "long.wav"), Args: []string{"-re"}}},
		Outputs:  []Output{{Path: "hls/index.m3u8", AudioCodec: "aac", HLS: &HLSOptions{SegmentTime: 200 * time.Millisecond}}},
		Duration: 60 * time.Second,
		OnEvent:  collect(evs),
	}
}

func TestRunCancelWritesPlaylist(t *testing.T) {
	dir := t.TempDir()
	var evs []Event
	j := realtimeJob(t, dir, &evs)
	ctx, cancel := context.WithCancel(context.Background())
	inner := j.OnEvent
	j.OnEvent = func(e Event) {
		inner(e)
		if p, ok := e.(Progress); ok && p.OutTime >= time.Second {
			cancel()
		}
	}
	err := j.Run(ctx)
	if !errors.Is(err, context.Canceled) || j.Status() != StatusCancelled {
		t.Fatalf("err %v status %s, want context.Canceled, cancelled", err, j.Status())
	}
	// SIGINT let ffmpeg finish: the VOD playlist exists, ends properly and
	// every segment it names was reported.
	pl, rerr := os.ReadFile(filepath.Join(dir, "hls/index.m3u8"))
	if rerr != nil || !strings.Contains(string(pl), "#EXT-X-ENDLIST") {
		t.Fatalf("playlist after cancel: %v\n%s", rerr, pl)
	}
	listed := ParsePlaylistEntries(pl)
	var done []SegmentCompleted
	for _, e := range evs {
		if e, ok := e.(SegmentCompleted); ok {
			done = append(done, e)
		}
	}
	if len(listed) == 0 || len(done) != len(listed) {
		t.Errorf("playlist lists %d segments, %d reported", len(listed), len(done))
	}
	if ex := evs[len(evs)-1].(Exited); ex.Status != StatusCancelled {
		t.Errorf("exited %+v", ex)
	}
}

func TestRunTimeoutReal(t *testing.T) {
	var evs []Event
	j := realtimeJob(t, t.TempDir(), &evs)
	j.Timeout = 700 * time.Millisecond
	timedOut := false
	j.OnTimeout = func() { timedOut = true }
	j.OnError = func(err error) { t.Errorf("OnError(%v) on timeout", err) }
	start := time.Now()
	err := j.Run(context.Background())
	if !errors.Is(err, ErrTimeout) || j.Status() != StatusTimeout || !timedOut {
		t.Fatalf("err %v status %s timedOut %v", err, j.Status(), timedOut)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s", d)
	}
	if ex := evs[len(evs)-1].(Exited); ex.Status != StatusTimeout {
		t.Errorf("exited %+v", ex)
	}
}

func TestFakeHangIgnoringSIGINTIsKilled(t *testing.T) {
	j, pidfile := fakeJob(t, "hang")
	// Long enough for the fake (a race-built test binary on a loaded
	// machine) to start and install its SIGINT handler before the timeout.
	j.Timeout = 2 * time.Second
	var evs []Event
	j.OnEvent = collect(&evs)
	start := time.Now()
	err := j.Run(context.Background())
	if !errors.Is(err, ErrTimeout) || j.Status() != StatusTimeout {
		t.Fatalf("err %v status %s", err, j.Status())
	}
	// The upper bound only catches a hang; a loaded machine stretches the rest.
	if d := time.Since(start); d < 2300*time.Millisecond || d > 12*time.Second {
		t.Errorf("took %s; want timeout 2s + grace 300ms", d)
	}
	assertGone(t, readPids(t, pidfile)...)
	if ex := evs[len(evs)-1].(Exited); ex.Code != -1 || ex.Status != StatusTimeout {
		t.Errorf("exited %+v, want killed", ex)
	}
	var progress int
	for _, e := range evs {
		if p, ok := e.(Progress); ok {
			progress++
			if p.Percent <= 0 || p.Total != 10*time.Second {
				t.Errorf("progress %+v", p)
			}
		}
	}
	if progress == 0 {
		t.Error("no progress events")
	}
}

func TestFakeSlowExitAfterSIGINT(t *testing.T) {
	for _, tc := range []struct {
		delay    string
		wantCode int
	}{{"100ms", 255}, {"5s", -1}} {
		t.Run(tc.delay, func(t *testing.T) {
			j, pidfile := fakeJob(t, "slowexit", "VEZA_FAKE_DELAY="+tc.delay)
			var evs []Event
			ctx, cancel := context.WithCancel(context.Background())
			j.OnEvent = func(e Event) {
				evs = append(evs, e)
				if _, ok := e.(Progress); ok {
					cancel()
				}
			}
			err := j.Run(ctx)
			if !errors.Is(err, context.Canceled) || j.Status() != StatusCancelled {
				t.Fatalf("err %v status %s", err, j.Status())
			}
			assertGone(t, readPids(t, pidfile)...)
			if ex := evs[len(evs)-1].(Exited); ex.Code != tc.wantCode || ex.Status != StatusCancelled {
				t.Errorf("exited %+v, want code %d", ex, tc.wantCode)
			}
		})
	}
}

func TestFakeCrash(t *testing.T) {
	j, pidfile := fakeJob(t, "crash")
	var evs []Event
	j.OnEvent = collect(&evs)
	err := j.Run(context.Background())
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != -1 || ee.Signal != "killed" {
		t.Fatalf("err %#v", err)
	}
	if !strings.Contains(err.Error(), "killed by signal") || !strings.Contains(err.Error(), "about to crash") {
		t.Errorf("message %q", err)
	}
	assertGone(t, readPids(t, pidfile)...)
}

func TestFakeGiganticStderr(t *testing.T) {
	j, _ := fakeJob(t, "spew")
	warnings, errs := 0, 0
	j.OnEvent = func(e Event) {
		switch e := e.(type) {
		case Warning:
			warnings++
			if len(e.Line) > maxLineLen+64 {
				t.Errorf("warning of %d bytes", len(e.Line))
			}
		case Error:
			errs++
		}
	}
	err := j.Run(context.Background())
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != 1 {
		t.Fatalf("err %v", err)
	}
	if len(ee.StderrTail) != tailLines || ee.StderrTail[tailLines-1] != "Conversion failed!" {
		t.Errorf("tail has %d lines, last %q", len(ee.StderrTail), ee.StderrTail[len(ee.StderrTail)-1])
	}
	for _, l := range ee.StderrTail {
		if len(l) > maxLineLen+64 {
			t.Errorf("tail line of %d bytes", len(l))
		}
	}
	if warnings != 20 || errs != 20*200+1 {
		t.Errorf("%d warnings, %d errors", warnings, errs)
	}
}

func TestFakeChildHoldingStderr(t *testing.T) {
	j, pidfile := fakeJob(t, "child")
	start := time.Now()
	if err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The child sleeps 30 s holding stderr; Run must give up on the pipe
	// after drainTimeout, not wait for it. The margin is wide because a
	// loaded CI machine stretches every step.
	if d := time.Since(start); d > drainTimeout+13*time.Second {
		t.Errorf("took %s: Run waited for the child holding stderr", d)
	}
	assertGone(t, readPids(t, pidfile)...)
}

func TestPanicInCallbackKillsFFmpeg(t *testing.T) {
	j, pidfile := fakeJob(t, "hang")
	j.Timeout = NoTimeout
	j.OnEvent = func(e Event) {
		if _, ok := e.(Progress); ok {
			panic("callback bug")
		}
	}
	func() {
		defer func() {
			if r := recover(); r != "callback bug" {
				t.Errorf("recovered %v", r)
			}
		}()
		_ = j.Run(context.Background())
	}()
	assertGone(t, readPids(t, pidfile)...)
}

// TestRunEventSegmentsReportedPromptly runs a real-time HLS job and checks
// that each segment is reported within a progress report or two of ffmpeg
// writing it, not when the next segment is written (ffmpeg 5.1 logs a TS
// segment's "Opening" only once the segment is whole).
func TestRunEventSegmentsReportedPromptly(t *testing.T) {
	var outTime time.Duration
	var at []time.Duration
	j := &Job{
		Dir:    t.TempDir(),
		Inputs: []Input{{Path: media(t, "av.mp4"), Args: []string{"-re"}}},
		Outputs: []Output{{
			Path:       "out/index.m3u8",
			VideoCodec: "libx264", AudioCodec: "aac",
			Args: []string{"-preset", "ultrafast", "-g", "25"},
			HLS:  &HLSOptions{SegmentTime: time.Second, PlaylistType: "event"},
		}},
		OnEvent: func(e Event) {
			switch e := e.(type) {
			case Progress:
				outTime = e.OutTime
			case SegmentCompleted:
				at = append(at, outTime)
			}
		},
	}
	if err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(at) != 3 {
		t.Fatalf("%d segments completed, want 3", len(at))
	}
	// Segment i ends at i+1 s of output; the next one ends a second later.
	for i, d := range at[:2] {
		if limit := time.Duration(i+1)*time.Second + 950*time.Millisecond; d > limit { // one segment late would be a full second
			t.Errorf("segment %d reported at output time %s, after %s", i, d, limit)
		}
	}
}

func TestVersion(t *testing.T) {
	v, err := Version(context.Background(), "")
	if err != nil || v == "" || strings.Contains(v, " ") {
		t.Fatalf("version %q, %v", v, err)
	}
	if _, err := Version(context.Background(), filepath.Join(t.TempDir(), "no-ffmpeg")); !errors.Is(err, ErrFFmpegNotFound) {
		t.Fatalf("missing binary: %v", err)
	}
}
