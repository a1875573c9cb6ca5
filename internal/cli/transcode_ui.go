package cli

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/veza-media/veza/pkg/encode"
)

// transcodeUI shows a batch as it runs: NDJSON events on stdout with
// --events ndjson, or on a terminal one overall bar with a line per running
// job. Workers call it concurrently; one mutex keeps lines whole and in order.
type transcodeUI struct {
	mu     sync.Mutex
	io     *IOStreams
	ndjson bool
	now    func() time.Time

	bar        *progressbar.ProgressBar
	slots      []int // item index per bar detail line, -1 when idle
	running    map[int]*jobView
	totalMedia float64 // seconds of media in the batch
	doneMedia  float64
	filesDone  int
	filesTotal int
	lastDraw   time.Time
}

type jobView struct {
	name    string
	outTime float64
	percent float64
	speed   float64
}

// jobStarted and jobFinished are the batch's own NDJSON events around each
// file's encode events.
type jobStarted struct {
	Output   string  `json:"output"`
	Preset   string  `json:"preset"`
	Duration float64 `json:"duration"`
}

type jobFinished struct {
	Status   string  `json:"status"`
	Output   string  `json:"output,omitempty"`
	Bytes    int64   `json:"bytes"`
	Duration float64 `json:"duration"`
	Elapsed  float64 `json:"elapsed"`
	Speed    float64 `json:"speed"`
	Segments int     `json:"segments,omitempty"`
	Error    string  `json:"error,omitempty"`
}

func (jobStarted) Type() string  { return "job_started" }
func (jobFinished) Type() string { return "job_finished" }

func newTranscodeUI(ios *IOStreams, ndjson bool, items []*transcodeItem, jobs int) *transcodeUI {
	u := &transcodeUI{io: ios, ndjson: ndjson, now: time.Now, running: map[int]*jobView{}}
	for _, it := range items {
		if it.Status == "" {
			u.filesTotal++
			u.totalMedia += it.Duration
		}
	}
	if ios.Bars() && !ndjson && u.filesTotal > 0 {
		jobs = min(jobs, u.filesTotal)
		u.slots = make([]int, jobs)
		for i := range u.slots {
			u.slots[i] = -1
		}
		u.bar = progressbar.NewOptions64(max(1, int64(u.totalMedia*1000)),
			progressbar.OptionSetWriter(ios.ErrOut),
			progressbar.OptionEnableColorCodes(ios.ColorErr()),
			progressbar.OptionSetWidth(30),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSetMaxDetailRow(jobs),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		u.describe()
	}
	return u
}

// emit writes one NDJSON line: the envelope, then the event's own fields.
func (u *transcodeUI) emit(i int, it *transcodeItem, ev encode.Event) {
	if !u.ndjson {
		return
	}
	body, err := encode.MarshalEvent(ev)
	if err != nil || len(body) < 2 {
		return
	}
	file, _ := json.Marshal(it.Input)
	var b strings.Builder
	b.WriteString(`{"v":1,`)
	b.Write(body[1 : len(body)-1]) // "type":..., fields
	fmt.Fprintf(&b, `,"time":%q,"job":%d,"file":%s}`, u.now().UTC().Format(time.RFC3339Nano), i+1, file)
	b.WriteByte('\n')
	_, _ = u.io.Out.Write([]byte(b.String()))
}

func (u *transcodeUI) started(i int, it *transcodeItem) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.emit(i, it, jobStarted{Output: it.Output, Preset: it.Preset, Duration: it.Duration})
	u.running[i] = &jobView{name: filepath.Base(it.Input)}
	for k, s := range u.slots {
		if s == -1 {
			u.slots[k] = i
			break
		}
	}
	u.draw(true)
}

func (u *transcodeUI) event(i int, it *transcodeItem, ev encode.Event) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.emit(i, it, ev)
	switch e := ev.(type) {
	case encode.Progress:
		if v := u.running[i]; v != nil {
			v.outTime, v.percent, v.speed = e.OutTime.Seconds(), e.Percent, e.Speed
		}
		u.draw(false)
	case encode.Warning:
		u.io.Debugf("%s: %s", it.Input, e.Line)
	case encode.SegmentCompleted:
		u.io.Debugf("%s: segment %s (%.3f s, %d bytes)", it.Input, e.Path, e.Duration.Seconds(), e.Bytes)
	}
}

// finished reports an item that reached its final status, whether it ran or
// was refused before starting.
func (u *transcodeUI) finished(i int, it *transcodeItem) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.emit(i, it, jobFinished{Status: it.Status, Output: it.Output, Bytes: it.Bytes, Duration: it.Duration,
		Elapsed: it.Elapsed, Speed: it.Speed, Segments: it.Segments, Error: it.Error})
	if _, ran := u.running[i]; ran || it.Status == string(encode.StatusCancelled) {
		u.filesDone++
		u.doneMedia += it.Duration
	}
	delete(u.running, i)
	for k, s := range u.slots {
		if s == i {
			u.slots[k] = -1
		}
	}
	switch it.Status {
	case string(encode.StatusDone), string(encode.StatusCancelled):
		// Cancelled items are the user's own Ctrl-C: the table lists them.
	case statusSkipped:
		u.say(func() { u.io.Debugf("skipping %s: %s", it.Input, it.Error) })
	default:
		// Errors are shown even with --quiet; the table repeats them briefly.
		u.say(func() { fmt.Fprintf(u.io.ErrOut, "veza: %s\n", it.Error) })
	}
	u.draw(true)
}

// say prints a line above the bar.
func (u *transcodeUI) say(f func()) {
	if u.bar != nil {
		_ = u.bar.Clear()
	}
	f()
}

func (u *transcodeUI) describe() {
	u.bar.Describe(fmt.Sprintf("%d/%d files  %s/%s", u.filesDone, u.filesTotal,
		clock(u.doneMedia+u.runningMedia()), clock(u.totalMedia)))
}

func (u *transcodeUI) runningMedia() float64 {
	var s float64
	for _, v := range u.running {
		s += v.outTime
	}
	return s
}

// draw refreshes the bar and its detail lines, at most five times a second
// unless forced.
func (u *transcodeUI) draw(force bool) {
	if u.bar == nil {
		return
	}
	now := u.now()
	if !force && now.Sub(u.lastDraw) < 200*time.Millisecond {
		return
	}
	u.lastDraw = now
	u.describe()
	_ = u.bar.Set64(int64((u.doneMedia + u.runningMedia()) * 1000))
	for _, s := range u.slots {
		line := ""
		if v := u.running[s]; s >= 0 && v != nil {
			line = fmt.Sprintf("  %-32s %5.1f%%  %5.1fx", truncate(v.name, 32), v.percent, v.speed)
		}
		_ = u.bar.AddDetail(line)
	}
}

// close removes the bar before the summary is printed.
func (u *transcodeUI) close() {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.bar == nil {
		return
	}
	for range u.slots {
		_ = u.bar.AddDetail("")
	}
	_ = u.bar.Finish()
	_ = u.bar.Clear()
	u.bar = nil
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// clock formats seconds as m:ss or h:mm:ss.
func clock(sec float64) string {
	d := time.Duration(sec) * time.Second
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%d:%02d", m, s)
}
