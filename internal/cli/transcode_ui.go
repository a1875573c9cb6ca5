package cli

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/schollz/progressbar/v3"

	"github.com/veza-media/veza/pkg/encode"
	"github.com/veza-media/veza/pkg/transcode"
)

// transcodeUI shows a batch as it runs: NDJSON events on stdout with
// --events ndjson, or on a terminal one overall bar with a line per running
// job. transcode.Run calls event one event at a time.
type transcodeUI struct {
	io     *IOStreams
	ndjson bool
	now    func() time.Time

	bar        *progressbar.ProgressBar
	slots      []int // job number per bar detail line, -1 when idle
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

func newTranscodeUI(ios *IOStreams, ndjson bool) *transcodeUI {
	return &transcodeUI{io: ios, ndjson: ndjson, now: time.Now, running: map[int]*jobView{}}
}

// event is the batch's OnEvent.
func (u *transcodeUI) event(e transcode.Event) {
	if u.ndjson {
		_ = transcode.WriteNDJSON(u.io.Out, e)
	}
	if e.Message != "" {
		if e.Debug {
			u.io.Debugf("%s: %s", e.File, e.Message)
		} else if e.File == "" {
			u.say(func() { u.io.Logf("%s", e.Message) })
		} else {
			u.say(func() { u.io.Logf("%s: %s", e.File, e.Message) })
		}
		return
	}
	switch d := e.Data.(type) {
	case transcode.Planned:
		u.planned(d)
	case transcode.JobStarted:
		u.started(e.Job, e.File)
	case transcode.JobFinished:
		u.finished(e.Job, e.File, d)
	case encode.Damaged:
		u.say(func() { u.io.Warnf("%s: source damaged: %s", e.File, d) })
	case encode.Progress:
		if v := u.running[e.Job]; v != nil {
			v.outTime, v.percent, v.speed = d.OutTime.Seconds(), d.Percent, d.Speed
		}
		u.draw(false)
	case encode.Warning:
		u.io.Debugf("%s: %s", e.File, d.Line)
	case encode.SegmentCompleted:
		u.io.Debugf("%s: segment %s (%.3f s, %d bytes)", e.File, d.Path, d.Duration.Seconds(), d.Bytes)
	}
}

// planned draws the bar, on a terminal, once the batch is known.
func (u *transcodeUI) planned(p transcode.Planned) {
	u.filesTotal, u.totalMedia = p.Files, p.Duration
	if !u.io.Bars() || u.ndjson || p.Files == 0 {
		return
	}
	jobs := min(p.Jobs, p.Files)
	u.slots = make([]int, jobs)
	for i := range u.slots {
		u.slots[i] = -1
	}
	u.bar = progressbar.NewOptions64(max(1, int64(u.totalMedia*1000)),
		progressbar.OptionSetWriter(u.io.ErrOut),
		progressbar.OptionEnableColorCodes(u.io.ColorErr()),
		progressbar.OptionSetWidth(30),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionSetMaxDetailRow(jobs),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	u.describe()
}

func (u *transcodeUI) started(job int, file string) {
	u.running[job] = &jobView{name: filepath.Base(file)}
	for k, s := range u.slots {
		if s == -1 {
			u.slots[k] = job
			break
		}
	}
	u.draw(true)
}

// finished reports a file that reached its final status, whether it ran or
// was refused before starting.
func (u *transcodeUI) finished(job int, file string, f transcode.JobFinished) {
	if _, ran := u.running[job]; ran || f.Status == string(encode.StatusCancelled) {
		u.filesDone++
		u.doneMedia += f.Duration
	}
	delete(u.running, job)
	for k, s := range u.slots {
		if s == job {
			u.slots[k] = -1
		}
	}
	switch f.Status {
	case string(encode.StatusDone), string(encode.StatusCancelled):
		// Cancelled files are the user's own Ctrl-C: the table lists them.
	case transcode.StatusSkipped:
		u.say(func() { u.io.Debugf("skipping %s: %s", file, f.Error) })
	default:
		// Errors are shown even with --quiet; the table repeats them briefly.
		u.say(func() { fmt.Fprintf(u.io.ErrOut, "veza: %s\n", f.Error) })
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

// printTranscodeResults writes the results table (or the items as JSON).
func printTranscodeResults(ios *IOStreams, items []*transcode.Item, eventsOnStdout bool) error {
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
		case transcode.StatusSkipped:
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
	for _, s := range []string{"done", "error", "timeout", "cancelled", transcode.StatusSkipped} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	fmt.Fprintln(w, strings.Join(parts, ", "))
	return nil
}
