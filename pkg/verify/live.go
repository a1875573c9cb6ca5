package verify

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/veza-media/veza/pkg/hls"
)

// LiveOptions configure Live.
type LiveOptions struct {
	// Duration is how long the playlist is sampled. It defaults to 30 s.
	// Sampling stops earlier when the playlist gets EXT-X-ENDLIST.
	Duration time.Duration
	// Interval is the time between two reads of the playlist. It defaults to
	// a tenth of the target duration, at least 50 ms and at most 1 s, so
	// timing rules (L2, L4) are measured to a fraction of a segment.
	Interval time.Duration
	// OnSnapshot, when set, is called with the number of distinct playlist
	// versions seen so far, each time a new one is read.
	OnSnapshot func(n int)
}

// Live samples a live media playlist for opts.Duration and checks
// every version it sees: the playlist rules (M1, M2, M5, M6, K1, K2), that
// every segment named is on disk (M10), and the live rules L1–L5. Rules
// that need ffprobe are left to HLS, run once the stream has ended.
//
// A live master playlist has each of its variants sampled at the same time,
// and the master rule L6 checked over what was sampled (see liveMaster).
func Live(ctx context.Context, path string, opts LiveOptions) (*Report, error) {
	if opts.Duration <= 0 {
		opts.Duration = 30 * time.Second
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("verify %q: %w", path, err)
	}
	if m, _, err := hls.Parse(data); err == nil && m != nil {
		return liveMaster(ctx, path, m, opts)
	}
	r, _, err := sampleLive(ctx, path, opts)
	if err != nil {
		return nil, err
	}
	v := &verifier{reports: map[string]*PlaylistReport{path: r}}
	return v.report(), nil
}

// sampleLive samples one live media playlist; the checker keeps the
// segments it saw.
func sampleLive(ctx context.Context, path string, opts LiveOptions) (*PlaylistReport, *liveChecker, error) {
	r := &PlaylistReport{Path: path, Kind: "media", Findings: []Finding{}}
	lc := newLiveChecker(r, filepath.Dir(path))
	lc.files = true
	deadline := time.Now().Add(opts.Duration)
	var last []byte
	for {
		now := time.Now()
		data, mtime, err := readWithTime(path)
		switch {
		case err != nil:
			lc.add("M10", "", "missing", "a readable playlist", "the playlist cannot be read while live: %v", unwrapPath(err))
		case !bytes.Equal(data, last):
			last = data
			lc.snapshot(snapshot{mtime: mtime, data: data})
			if opts.OnSnapshot != nil {
				opts.OnSnapshot(lc.snapshots)
			}
		}
		lc.checkDeletions(now, fileExists)
		if lc.ended || !now.Before(deadline) {
			break
		}
		lc.checkStall(now, opts.interval(lc.target))
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-time.After(opts.interval(lc.target)):
		}
	}
	if lc.snapshots == 0 {
		return nil, nil, fmt.Errorf("verify %q: the playlist could not be read", path)
	}
	r.Segments = len(lc.seen)
	if lc.snapshots < 2 && !lc.ended {
		r.note("only one version of the playlist was seen in %s: the timing rules (L2, L3, L4) had nothing to compare", opts.Duration)
	}
	return r, lc, nil
}

func (o LiveOptions) interval(target int) time.Duration {
	if o.Interval > 0 {
		return o.Interval
	}
	d := time.Duration(target) * time.Second / 10
	return min(max(d, 50*time.Millisecond), time.Second)
}

func readWithTime(path string) ([]byte, time.Time, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, time.Time{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, time.Time{}, err
	}
	data, err := os.ReadFile(path)
	return data, st.ModTime(), err
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Size() > 0
}

// snapshot is one version of a live playlist.
type snapshot struct {
	mtime time.Time // when it was written, as the file system says
	data  []byte
	pl    *hls.MediaPlaylist
}

// removal is a segment that left the playlist and must stay readable (L4).
type removal struct {
	uri, path string
	until     time.Time
	left      time.Time
	need      time.Duration
}

// liveChecker holds what the live rules compare between snapshots. It does
// no I/O of its own except through the functions it is given, so the rules
// are tested on made-up snapshots.
type liveChecker struct {
	r *PlaylistReport
	// dir resolves segment URIs; files says whether snapshot may stat them
	// (M10).
	dir       string
	files     bool
	dedupe    map[string]bool
	prev      *snapshot
	snapshots int
	target    int
	ended     bool
	seen      map[string]bool
	// segs are the segments seen, by media sequence number, with their
	// size when first seen (for L6).
	segs map[uint64]liveSegment
	// lastAppend is when a version adding segments was written; stalled
	// says a stall was already reported since.
	lastAppend time.Time
	stalled    bool
	l2         int // L2 findings so far, capped at maxL2
	pending    []removal
}

func newLiveChecker(r *PlaylistReport, dir string) *liveChecker {
	return &liveChecker{r: r, dir: dir, dedupe: map[string]bool{}, seen: map[string]bool{}, segs: map[uint64]liveSegment{}, target: 2}
}

// add records a finding once: every snapshot repeats the same defects.
func (lc *liveChecker) add(rule, segment, measured, expected, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	key := rule + "\x00" + segment + "\x00" + msg
	if lc.dedupe[key] {
		return
	}
	lc.dedupe[key] = true
	lc.r.add(rule, Must, segment, measured, expected, "%s", msg)
}

// merge adds the findings of a per-snapshot check, once each.
func (lc *liveChecker) merge(tmp *PlaylistReport) {
	for _, f := range tmp.Findings {
		key := f.Rule + "\x00" + f.Segment + "\x00" + f.Message
		if !lc.dedupe[key] {
			lc.dedupe[key] = true
			lc.r.Findings = append(lc.r.Findings, f)
		}
	}
	for _, n := range tmp.Notes {
		lc.r.note("%s", n)
	}
}

// maxL2 caps the timing findings: a producer that is late once is usually
// late every time, and three examples make the point.
const maxL2 = 3

var pdtRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3,}(Z|[+-]\d\d(:?\d\d)?)$`)

// snapshot checks one new version of the playlist.
func (lc *liveChecker) snapshot(s snapshot) {
	tmp := &PlaylistReport{Path: lc.r.Path}
	checkBytes(s.data, tmp)
	pl, err := hls.ParseMedia(s.data)
	if err != nil {
		lc.merge(tmp)
		lc.add(RuleParse, "", "", "", "a version of the playlist cannot be read: %v", err)
		return
	}
	s.pl = pl
	lc.snapshots++
	if pl.TargetDuration > 0 {
		lc.target = pl.TargetDuration
	}
	checkMediaPlaylist(pl, tmp, true)
	for _, seg := range pl.Segments {
		if lc.files {
			localSection(lc.dir, seg.URI, seg.ByteRange, tmp, seg.URI, "segment")
		}
	}
	// M10 findings name the version they were seen in: a segment added to
	// the playlist before its file is complete is the bug L-rules exist for.
	lc.merge(tmp)
	lc.checkWindow(pl)
	lc.checkDates(pl)
	if lc.prev != nil {
		lc.compare(lc.prev, &s)
	} else {
		lc.lastAppend = s.mtime
	}
	for i, seg := range pl.Segments {
		if !lc.seen[seg.URI] {
			ls := liveSegment{uri: seg.URI, duration: seg.Duration, discontinuity: seg.Discontinuity}
			if p, err := hls.ResolveURI(lc.dir, seg.URI); err == nil && lc.files {
				if st, err := os.Stat(p); err == nil {
					ls.bytes = st.Size()
				}
			}
			lc.segs[pl.SequenceOf(i)] = ls
		}
		lc.seen[seg.URI] = true
	}
	lc.ended = pl.EndList
	lc.prev = &s
}

// checkWindow applies L1 once the window slides (segments have been
// dropped): at least 3 × target duration and 6 segments.
func (lc *liveChecker) checkWindow(pl *hls.MediaPlaylist) {
	if pl.Type == hls.TypeEvent || pl.MediaSequence == 0 || pl.TargetDuration <= 0 {
		return
	}
	d, need := pl.Duration(), 3*float64(pl.TargetDuration)
	if d < need || len(pl.Segments) < 6 {
		lc.add("L1", "", fmt.Sprintf("%d segments, %.1f s", len(pl.Segments), d), fmt.Sprintf("≥ 6 segments, ≥ %.0f s", need),
			"the sliding window holds %d segments (%.1f s); it must keep at least 6 and 3 × the target (%.0f s)", len(pl.Segments), d, need)
	}
}

// checkDates applies L5: EXT-X-PROGRAM-DATE-TIME present, with
// milliseconds and a time zone.
func (lc *liveChecker) checkDates(pl *hls.MediaPlaylist) {
	if len(pl.Segments) == 0 {
		return
	}
	if pl.Segments[0].ProgramDateTimeText == "" {
		lc.add("L5", pl.Segments[0].URI, "", "EXT-X-PROGRAM-DATE-TIME", "the first segment of the window has no EXT-X-PROGRAM-DATE-TIME")
	}
	for _, s := range pl.Segments {
		if t := s.ProgramDateTimeText; t != "" && !pdtRE.MatchString(t) {
			lc.add("L5", s.URI, t, "YYYY-MM-DDThh:mm:ss.sss+zz:zz", "EXT-X-PROGRAM-DATE-TIME %q lacks milliseconds or a time zone", t)
		}
	}
}

// compare applies L2, L3 and schedules L4 between two versions.
func (lc *liveChecker) compare(prev, cur *snapshot) {
	a, b := prev.pl, cur.pl
	if a.EndList {
		lc.add("L3", "", "", "no change after EXT-X-ENDLIST", "the playlist changed after it had EXT-X-ENDLIST")
		return
	}
	if b.MediaSequence < a.MediaSequence {
		lc.add("L3", "", fmt.Sprint(b.MediaSequence), fmt.Sprintf("≥ %d", a.MediaSequence),
			"EXT-X-MEDIA-SEQUENCE went down from %d to %d", a.MediaSequence, b.MediaSequence)
		return
	}
	dropped := int(min(b.MediaSequence-a.MediaSequence, uint64(len(a.Segments))))
	if b.MediaSequence-a.MediaSequence > uint64(len(a.Segments)) {
		lc.add("L3", "", fmt.Sprint(b.MediaSequence-a.MediaSequence), fmt.Sprintf("≤ %d", len(a.Segments)),
			"EXT-X-MEDIA-SEQUENCE jumped by %d between two versions that had %d segments: segments were never published", b.MediaSequence-a.MediaSequence, len(a.Segments))
		return
	}
	kept := a.Segments[dropped:]
	for i, s := range kept {
		if i >= len(b.Segments) {
			lc.add("L3", s.URI, "removed", "kept until it leaves the head", "segment %q was removed from the end of the playlist", s.URI)
			return
		}
		if n := b.Segments[i]; n.URI != s.URI || n.Duration != s.Duration {
			lc.add("L3", n.URI, fmt.Sprintf("%s (%s s)", n.URI, n.EXTINFText()), fmt.Sprintf("%s (%s s)", s.URI, s.EXTINFText()),
				"segment %d (sequence %d) changed between versions: segments may only be appended, dropped from the head with EXT-X-MEDIA-SEQUENCE raised by the number dropped",
				i, b.MediaSequence+uint64(i))
			return
		}
	}
	var discDropped uint64
	for _, s := range a.Segments[:dropped] {
		if s.Discontinuity {
			discDropped++
		}
	}
	if b.DiscontinuitySequence != a.DiscontinuitySequence+discDropped {
		lc.add("L3", "", fmt.Sprint(b.DiscontinuitySequence), fmt.Sprint(a.DiscontinuitySequence+discDropped),
			"EXT-X-DISCONTINUITY-SEQUENCE is %d; %d discontinuities left the window, so it should be %d",
			b.DiscontinuitySequence, discDropped, a.DiscontinuitySequence+discDropped)
	}

	added := len(b.Segments) - len(kept)
	if added > 0 && lc.target > 0 {
		gap := cur.mtime.Sub(lc.lastAppend)
		lo, hi := lc.targetDur()/2, lc.targetDur()*3/2
		if !lc.lastAppend.IsZero() && (gap < lo || gap > hi) && !lc.stalled && lc.l2 < maxL2 {
			lc.l2++
			lc.add("L2", b.Segments[len(b.Segments)-1].URI, fmt.Sprintf("%.2f s", gap.Seconds()), fmt.Sprintf("%.1f–%.1f s", lo.Seconds(), hi.Seconds()),
				"a version adding %d segment(s) appeared %.2f s after the previous one; the target duration asks for %.1f–%.1f s", added, gap.Seconds(), lo.Seconds(), hi.Seconds())
		}
		lc.lastAppend, lc.stalled = cur.mtime, false
	}

	// L4: what left the head must stay readable for its duration plus the
	// playlist's (a client may have just loaded the previous version).
	need := time.Duration(a.Duration() * float64(time.Second))
	for _, s := range a.Segments[:dropped] {
		p, err := hls.ResolveURI(lc.dir, s.URI)
		if err != nil {
			continue
		}
		hold := need + time.Duration(s.Duration*float64(time.Second))
		lc.pending = append(lc.pending, removal{uri: s.URI, path: p, left: cur.mtime, until: cur.mtime.Add(hold), need: hold})
	}
}

func (lc *liveChecker) targetDur() time.Duration { return time.Duration(lc.target) * time.Second }

// checkDeletions applies L4 to segments that left the playlist: exists
// says whether a file is still there.
func (lc *liveChecker) checkDeletions(now time.Time, exists func(string) bool) {
	keep := lc.pending[:0]
	for _, p := range lc.pending {
		if !now.Before(p.until) {
			continue
		}
		if !exists(p.path) {
			after := now.Sub(p.left)
			lc.add("L4", p.uri, fmt.Sprintf("deleted ≤ %.1f s after", after.Seconds()), fmt.Sprintf("readable ≥ %.1f s", p.need.Seconds()),
				"segment %q was deleted at most %.1f s after leaving the playlist; it must stay readable for %.1f s (its duration + the playlist's)",
				p.uri, after.Seconds(), p.need.Seconds())
			continue
		}
		keep = append(keep, p)
	}
	lc.pending = keep
}

// checkStall applies the late half of L2 between versions: no new segment
// for more than 1.5 × target (plus one polling interval of slack).
func (lc *liveChecker) checkStall(now time.Time, slack time.Duration) {
	if lc.prev == nil || lc.ended || lc.stalled || lc.lastAppend.IsZero() || lc.l2 >= maxL2 {
		return
	}
	if late := now.Sub(lc.lastAppend); late > lc.targetDur()*3/2+slack {
		lc.stalled = true
		lc.l2++
		lc.add("L2", "", fmt.Sprintf("> %.1f s", late.Seconds()), fmt.Sprintf("≤ %.1f s", (lc.targetDur()*3/2).Seconds()),
			"no new segment for more than %.1f s (target duration %d s) and no EXT-X-ENDLIST", late.Seconds(), lc.target)
	}
}
