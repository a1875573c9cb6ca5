package encode

import (
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// tailLines is how many stderr lines an ExitError keeps.
const tailLines = 20

// staleSlack allows for coarse file-system clocks when deciding whether a
// playlist or segment was written by this run rather than left by an old one.
const staleSlack = time.Second

// monitor turns ffmpeg's stderr lines and progress blocks into events. It is
// not safe for concurrent use: Run feeds it from one goroutine.
type monitor struct {
	dir     string        // ffmpeg's working directory, for relative paths
	total   time.Duration // media duration for Percent; 0 unknown
	started time.Time     // files older than this (minus staleSlack) are stale
	emit    func(Event)
	// statsProgress makes stats lines on stderr produce Progress events; for
	// output read without -progress (old captures). Run leaves it off.
	statsProgress bool

	outputs []*outputWatch

	expect  time.Duration // Job.ExpectDuration
	lastOut time.Duration // output time of the last progress report
	damage  damageLog

	tail     []string // ring of the last tailLines lines
	tailNext int
	errKind  ErrorKind
	errLine  string
}

// outputWatch follows the segments of one HLS output.
type outputWatch struct {
	index    int
	playlist string // path as given
	pattern  *regexp.Regexp
	ordinal  int
	current  *segment  // being written
	awaiting []segment // closed, not yet in the playlist
	lastMod  time.Time
	lastSize int64
}

type segment struct {
	path  string
	index int
}

func newMonitor(j *Job, total time.Duration, started time.Time, emit func(Event)) *monitor {
	m := &monitor{dir: j.Dir, total: total, started: started, emit: emit, expect: j.ExpectDuration}
	m.damage.probing = true
	for i := range j.Outputs {
		o := &j.Outputs[i]
		if o.HLS == nil {
			continue
		}
		pat := segmentPattern(o.segmentFilename())
		if pat == nil {
			continue
		}
		m.outputs = append(m.outputs, &outputWatch{
			index:    i,
			playlist: o.Path,
			pattern:  pat,
		})
	}
	return m
}

// segmentPattern turns an ffmpeg filename pattern with one %d, %5d or %05d
// into a regexp matching the names ffmpeg makes from it, with an optional
// ".tmp" suffix (the temp_file flag). nil when the pattern has no number.
func segmentPattern(p string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	nums := 0
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c != '%' {
			b.WriteString(regexp.QuoteMeta(string(c)))
			continue
		}
		j := i + 1
		for j < len(p) && p[j] >= '0' && p[j] <= '9' {
			j++
		}
		switch {
		case j < len(p) && p[j] == 'd':
			b.WriteString(`(\d+)`)
			nums++
			i = j
		case j == i+1 && j < len(p) && p[j] == '%':
			b.WriteString("%")
			i = j
		default:
			return nil
		}
	}
	if nums != 1 {
		return nil
	}
	b.WriteString(`(\.tmp)?$`)
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil
	}
	return re
}

// line takes one stderr line.
func (m *monitor) line(line string) {
	if path, ok := ParseOpening(line); ok {
		m.opened(path)
		return
	}
	ll := ParseLogLine(line)
	if s, ok := ParseStats(ll.Text); ok {
		if m.statsProgress && s.HasTime {
			m.emitProgress(ProgressBlock{Frame: s.Frame, FPS: s.FPS, Bitrate: s.Bitrate, Size: s.Size,
				OutTime: s.Time, HasTime: true, Speed: s.Speed, End: s.Final})
		}
		return
	}
	if strings.HasPrefix(ll.Text, "Last message repeated") {
		return
	}
	text := ll.Text
	if ll.Context != "" {
		text = "[" + ll.Context + "] " + text
	}
	m.remember(text)
	if ll.Context == "" && strings.HasPrefix(ll.Text, "Input #") {
		m.damage.probing = false
	}
	if isDamage(ll) {
		m.damage.add(m.lastOut)
	}
	if s, ok := ParseSummary(ll.Text); ok {
		m.emit(MuxingComplete{Output: outputIndex(ll.Context), VideoBytes: s.VideoBytes,
			AudioBytes: s.AudioBytes, Overhead: s.Overhead})
		return
	}
	kind, known := classifyError(ll.Text)
	switch {
	case ll.Level >= LevelError, ll.Level == LevelUnknown && (known || untaggedError(ll.Text)):
		m.emit(Error{Kind: kind, Line: text})
		// The first error naming a known cause explains a failure best; later
		// ones are often its consequences ("Conversion failed!").
		if m.errLine == "" || (m.errKind == KindOther && known) {
			m.errKind, m.errLine = kind, text
		}
	case ll.Level == LevelWarning:
		m.emit(Warning{Line: text})
	}
}

func (m *monitor) remember(l string) {
	if len(m.tail) < tailLines {
		m.tail = append(m.tail, l)
		return
	}
	m.tail[m.tailNext] = l
	m.tailNext = (m.tailNext + 1) % tailLines
}

// stderrTail returns the remembered lines, oldest first.
func (m *monitor) stderrTail() []string {
	out := make([]string, 0, len(m.tail))
	out = append(out, m.tail[m.tailNext:]...)
	return append(out, m.tail[:m.tailNext]...)
}

// recheckInterval and maxRechecks bound the looks for a waiting segment
// between progress reports: ten looks 20 ms apart.
const (
	recheckInterval = 20 * time.Millisecond
	maxRechecks     = 10
)

// waiting reports whether a closed segment waits for its playlist entry.
func (m *monitor) waiting() bool {
	for _, o := range m.outputs {
		if len(o.awaiting) > 0 {
			return true
		}
	}
	return false
}

// recheck looks again for the waiting segments in their playlists.
func (m *monitor) recheck() {
	for _, o := range m.outputs {
		if len(o.awaiting) > 0 {
			m.resolve(o, false)
		}
	}
}

// progress takes one -progress block.
func (m *monitor) progress(b ProgressBlock) {
	m.emitProgress(b)
	// ffmpeg renames the rewritten playlist just after logging the next
	// segment's opening, so segments waiting for their #EXTINF are looked up
	// again on every report (about twice a second).
	for _, o := range m.outputs {
		if len(o.awaiting) > 0 || o.current != nil {
			m.resolve(o, false)
		}
	}
}

func (m *monitor) emitProgress(b ProgressBlock) {
	if b.HasTime {
		m.lastOut = b.OutTime
		m.damage.progress(b.OutTime)
	}
	p := Progress{OutTime: b.OutTime, Total: m.total, Speed: b.Speed, FPS: b.FPS,
		Frame: b.Frame, Size: b.Size, Bitrate: b.Bitrate, Done: b.End}
	if m.total > 0 {
		// Not forced to 100 at the end: a job stopped early ends short.
		p.Percent = math.Round(min(100, 100*b.OutTime.Seconds()/m.total.Seconds())*100) / 100
		if !b.End && b.Speed > 0 && b.OutTime < m.total {
			p.ETA = time.Duration(float64(m.total-b.OutTime) / b.Speed).Round(time.Millisecond)
		}
	}
	m.emit(p)
}

// opened handles an "Opening '...' for writing" path.
func (m *monitor) opened(path string) {
	for _, o := range m.outputs {
		sm := o.pattern.FindStringSubmatch(path)
		if sm == nil {
			continue
		}
		final := strings.TrimSuffix(path, ".tmp")
		idx := o.ordinal
		if n, err := strconv.Atoi(sm[1]); err == nil {
			idx = n
		}
		o.ordinal++
		if o.current != nil {
			// ffmpeg opens a segment only after closing the previous one.
			o.awaiting = append(o.awaiting, *o.current)
			o.current = nil
			m.resolve(o, false)
		}
		o.current = &segment{path: final, index: idx}
		m.emit(SegmentOpened{Output: o.index, Path: final, Index: idx})
		return
	}
}

// finish is called once ffmpeg has exited and its output is drained: the
// segment being written is closed now, and the final playlist says which
// segments exist.
func (m *monitor) finish(status Status, code int) {
	for _, o := range m.outputs {
		if o.current != nil {
			o.awaiting = append(o.awaiting, *o.current)
			o.current = nil
		}
		m.resolve(o, true)
		// Whatever the final playlist does not list was never published
		// (ffmpeg killed mid-segment); it is not reported.
		o.awaiting = nil
	}
	// A job that did not finish has no length to compare; its damage so far
	// is still worth telling.
	expect := m.expect
	if status != StatusDone {
		expect = 0
	}
	if d, ok := m.damage.result(m.lastOut, expect); ok {
		m.emit(d)
	}
	m.emit(Exited{Status: status, Code: code})
}

func (m *monitor) abs(p string) string {
	if filepath.IsAbs(p) || m.dir == "" {
		return filepath.Clean(p)
	}
	return filepath.Join(m.dir, p)
}

// fresh reports whether a file was written during this run.
func (m *monitor) fresh(st os.FileInfo) bool {
	return !st.ModTime().Before(m.started.Add(-staleSlack))
}

// resolve emits SegmentCompleted for the awaiting segments of o that the
// playlist lists and that are on disk. Unless force, an unchanged playlist is
// not read again.
func (m *monitor) resolve(o *outputWatch, force bool) {
	pl := m.abs(o.playlist)
	st, err := os.Stat(pl)
	if err != nil || !m.fresh(st) {
		return
	}
	if !force && st.ModTime().Equal(o.lastMod) && st.Size() == o.lastSize {
		return
	}
	o.lastMod, o.lastSize = st.ModTime(), st.Size()
	data, err := os.ReadFile(pl)
	if err != nil {
		return
	}
	entries := ParsePlaylistEntries(data)
	byPath := make(map[string]time.Duration, len(entries))
	byName := make(map[string]time.Duration, len(entries))
	base := filepath.Dir(pl)
	for _, e := range entries {
		if !strings.Contains(e.URI, "://") {
			byPath[filepath.Join(base, filepath.FromSlash(e.URI))] = e.Duration
		}
		byName[pathBase(e.URI)] = e.Duration
	}
	complete := func(s segment) bool {
		abs := m.abs(s.path)
		d, ok := byPath[abs]
		if !ok {
			d, ok = byName[filepath.Base(s.path)]
		}
		if !ok {
			return false
		}
		sst, err := os.Stat(abs)
		if err != nil || !sst.Mode().IsRegular() || !m.fresh(sst) {
			return false
		}
		m.emit(SegmentCompleted{Output: o.index, Index: s.index, Path: s.path, Duration: d, Bytes: sst.Size()})
		return true
	}
	kept := o.awaiting[:0]
	for _, s := range o.awaiting {
		if !complete(s) {
			kept = append(kept, s)
		}
	}
	o.awaiting = kept
	// ffmpeg's HLS muxer may buffer a whole segment and log its "Opening"
	// only when it writes it out (MPEG-TS in ffmpeg 5.1), so the segment
	// last opened can already be complete. The playlist lists a segment
	// only once it is closed, so being listed (and on disk under its final
	// name) is proof enough.
	if o.current != nil && complete(*o.current) {
		o.current = nil
	}
}

// pathBase is the last element of a URI or slash path, query removed.
func pathBase(uri string) string {
	if i := strings.IndexAny(uri, "?#"); i >= 0 {
		uri = uri[:i]
	}
	if i := strings.LastIndexByte(uri, '/'); i >= 0 {
		uri = uri[i+1:]
	}
	return uri
}
