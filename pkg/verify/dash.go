package verify

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/veza-media/veza/pkg/dash"
	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/layout"
	"github.com/veza-media/veza/pkg/mp4"
)

// The rules DASH applies to an MPD. They are MUST rules: a player that
// follows the MPD fails on any of them.
//
//	D1  the MPD parses, is static (VOD) with a duration, and every
//	    Representation has an id, a bandwidth and a SegmentTemplate with an
//	    initialization and a media template veza can expand
//	D2  every init section and media segment it names is a local file that
//	    exists and is not empty
//	D3  every segment's start and duration in the timeline match the
//	    fragment's own (tfdt and the sum of its sample durations), within
//	    half a sample
//	D4  each Representation's segments add up to mediaPresentationDuration
//	    within one frame (an AAC frame for audio)
//	D5  the codecs attribute names the sample entries the init section
//	    holds (avc1, hvc1, mp4a...), and the init section is fMP4
//
// An image AdaptationSet of thumbnail sheets (DASH-IF IOP 6.2.6) has no
// init section, timeline or codecs; its Representation is checked thus:
// D1 an id, a bandwidth, a width and height, a SegmentTemplate with a
// media template and a constant duration, and a DASH-IF thumbnail_tile
// EssentialProperty "CxR"; D2 every sheet the template names over
// mediaPresentationDuration on disk and not empty; D3 each sheet an image
// of the Representation's size in its MIME type.
const (
	RuleD1 = "D1"
	RuleD2 = "D2"
	RuleD3 = "D3"
	RuleD4 = "D4"
	RuleD5 = "D5"
)

// DASH checks the MPD at path, or every *.mpd in a folder (hidden files
// and folders skipped), against the files next to it. Findings carry the D
// rule ids; the error is for what stops
// verification (no such path, no MPD in a folder, ctx cancelled).
func DASH(ctx context.Context, path string) (*Report, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("verify %q: %w", path, err)
	}
	paths := []string{path}
	if st.IsDir() {
		found, err := layout.Find(path)
		if err != nil {
			return nil, fmt.Errorf("verify %q: %w", path, err)
		}
		if len(found.Manifests) == 0 {
			return nil, fmt.Errorf("verify %q: no .mpd manifest in the folder", path)
		}
		paths = found.Manifests
		sort.Strings(paths)
	}
	rep := &Report{Playlists: []PlaylistReport{}}
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		pr := verifyOne(p)
		for _, f := range pr.Findings {
			if f.Severity == Must {
				rep.Must++
			} else {
				rep.Should++
			}
		}
		rep.Playlists = append(rep.Playlists, pr)
	}
	return rep, nil
}

// checker collects one MPD's findings.
type checker struct {
	r   *PlaylistReport
	dir string
}

func (c *checker) add(rule, segment, measured, expected, format string, args ...any) {
	c.r.Findings = append(c.r.Findings, Finding{Rule: rule, Severity: Must, Playlist: c.r.Path,
		Segment: segment, Message: fmt.Sprintf(format, args...), Measured: measured, Expected: expected})
}

func (c *checker) note(format string, args ...any) {
	n := fmt.Sprintf(format, args...)
	for _, x := range c.r.Notes {
		if x == n {
			return
		}
	}
	c.r.Notes = append(c.r.Notes, n)
}

func verifyOne(path string) PlaylistReport {
	c := &checker{r: &PlaylistReport{Path: path, Kind: "mpd", Findings: []Finding{}}, dir: filepath.Dir(path)}
	data, err := os.ReadFile(path)
	if err != nil {
		c.add(RuleD1, "", "", "", "cannot read the MPD: %v", unwrapPath(err))
		return *c.r
	}
	m, err := dash.Parse(data)
	if err != nil {
		c.add(RuleD1, "", "", "", "%v", err)
		return *c.r
	}
	if m.Type == "dynamic" {
		c.note("a dynamic (live) MPD: only static MPDs are checked")
		return *c.r
	}
	total := float64(m.MediaPresentationDuration)
	if total <= 0 {
		c.add(RuleD1, "", "", "mediaPresentationDuration", "a static MPD without mediaPresentationDuration")
	}
	if len(m.Periods) == 0 {
		c.add(RuleD1, "", "", "a Period", "the MPD has no Period")
	}
	if len(m.Periods) > 1 {
		c.note("%d Periods: durations are checked against the whole presentation only for single-Period MPDs", len(m.Periods))
	}
	for pi := range m.Periods {
		for ai := range m.Periods[pi].AdaptationSets {
			as := &m.Periods[pi].AdaptationSets[ai]
			if len(as.Representations) == 0 {
				c.add(RuleD1, "", "", "a Representation", "AdaptationSet %q has no Representation", as.ID)
			}
			for ri := range as.Representations {
				rep := &as.Representations[ri]
				c.r.Variants++
				if isImage(as, rep) {
					c.checkThumbnails(as, rep, total)
					continue
				}
				c.checkRepresentation(as, rep, total, len(m.Periods) == 1)
			}
		}
	}
	sort.SliceStable(c.r.Findings, func(i, j int) bool { return c.r.Findings[i].Rule < c.r.Findings[j].Rule })
	return *c.r
}

func (c *checker) checkRepresentation(as *dash.AdaptationSet, rep *dash.Representation, total float64, onePeriod bool) {
	where := "Representation " + rep.ID
	if rep.ID == "" {
		c.add(RuleD1, "", "", "id", "a Representation has no id")
	}
	if rep.Bandwidth <= 0 {
		c.add(RuleD1, where, "", "bandwidth > 0", "%s has no bandwidth", where)
	}
	t := as.Template(rep)
	if t == nil {
		c.add(RuleD1, where, "", "SegmentTemplate", "%s has no SegmentTemplate (SegmentBase and SegmentList are not checked)", where)
		return
	}
	initURL, err := t.InitializationURL(rep.ID, rep.Bandwidth)
	if err != nil {
		c.add(RuleD1, where, "", "", "%s: %v", where, err)
		return
	}
	segs, err := t.Segments(rep.ID, rep.Bandwidth, total)
	if err != nil {
		c.add(RuleD1, where, "", "", "%s: %v", where, err)
		return
	}
	c.r.Segments += len(segs)
	ts := max(t.Timescale, 1)

	initData, ok := c.file(initURL, where, "init section")
	var tracks []mp4.Track
	if ok {
		tracks, err = mp4.ReadInit(initData)
		if err != nil {
			c.add(RuleD5, initURL, "", "ftyp + moov with mvex", "%s: init section %s: %v", where, initURL, err)
		} else {
			c.checkCodecs(rep, as, initData, initURL, where)
		}
	}
	var sum uint64
	frame := 0.0 // seconds of one sample, for tolerances
	for _, s := range segs {
		sum += s.Duration
		data, ok := c.file(s.URL, where, "segment")
		if !ok || tracks == nil {
			continue
		}
		tm, err := mp4.ReadFragment(data, tracks)
		if err != nil {
			c.add(RuleD3, s.URL, "", "moof with tfdt + mdat", "segment %s: %v", s.URL, err)
			continue
		}
		main := mp4.MainTrack(tracks)
		got, ok := tm[main.ID]
		if !ok || got.Samples == 0 {
			c.add(RuleD3, s.URL, "", "", "segment %s has no samples of track %d (%s)", s.URL, main.ID, main.Handler)
			continue
		}
		scale := float64(main.Timescale)
		fileDur := float64(got.Duration) / scale
		half := fileDur / float64(got.Samples) / 2
		frame = max(frame, 2*half)
		mpdDur := s.Seconds(ts)
		if math.Abs(mpdDur-fileDur) > half+1e-9 {
			c.add(RuleD3, s.URL, fmt.Sprintf("%.6f s", fileDur), fmt.Sprintf("%.6f s", mpdDur),
				"segment %s lasts %.6f s but the MPD says %.6f s", s.URL, fileDur, mpdDur)
		}
		mpdStart := (float64(s.Time) - float64(t.PresentationTimeOffset)) / float64(ts)
		fileStart := float64(got.Start)/scale - float64(t.PresentationTimeOffset)/float64(ts)
		if t.Timeline != nil && math.Abs(mpdStart-fileStart) > half+1e-9 {
			c.add(RuleD3, s.URL, fmt.Sprintf("%.6f s", fileStart), fmt.Sprintf("%.6f s", mpdStart),
				"segment %s starts at %.6f s but the MPD says %.6f s", s.URL, fileStart, mpdStart)
		}
	}
	if onePeriod && total > 0 && len(segs) > 0 {
		got := float64(sum) / float64(ts)
		tol := max(frame, 1024.0/48000) + 1e-6
		if math.Abs(got-total) > tol {
			c.add(RuleD4, where, fmt.Sprintf("%.3f s", got), fmt.Sprintf("%.3f s", total),
				"the segments of %s add up to %.3f s, not the mediaPresentationDuration %.3f s", where, got, total)
		}
	}
}

// file reads a file the MPD names, applying D2.
func (c *checker) file(uri, where, what string) ([]byte, bool) {
	u, err := url.Parse(uri)
	if err != nil {
		c.add(RuleD2, uri, "", "", "%s: %s URL %q: %v", where, what, uri, err)
		return nil, false
	}
	if u.Scheme != "" || u.Host != "" {
		c.note("remote URLs (%s) are not checked: veza verify reads local files", uri)
		return nil, false
	}
	p := filepath.Join(c.dir, filepath.FromSlash(u.Path))
	data, err := os.ReadFile(p)
	switch {
	case err != nil:
		c.add(RuleD2, uri, "missing", "a file on disk", "%s: %s %q is not on disk (%s)", where, what, uri, filepath.ToSlash(p))
		return nil, false
	case len(data) == 0:
		c.add(RuleD2, uri, "0 bytes", "> 0 bytes", "%s: %s %q is empty", where, what, uri)
		return nil, false
	}
	return data, true
}

// checkCodecs applies D5: each codecs entry's sample entry (the part
// before the first dot) is one the init section holds, and every track of
// the init section is listed.
func (c *checker) checkCodecs(rep *dash.Representation, as *dash.AdaptationSet, init []byte, initURL, where string) {
	codecs := rep.Codecs
	if codecs == "" {
		codecs = as.Codecs
	}
	if codecs == "" {
		c.add(RuleD5, where, "", "codecs", "%s has no codecs attribute: players must guess", where)
		return
	}
	entries := mp4.SampleEntries(init)
	listed := map[string]bool{}
	for _, cd := range hls.SplitCodecs(codecs) {
		fourcc, _, _ := strings.Cut(cd, ".")
		fourcc = strings.ToLower(fourcc)
		listed[fourcc] = true
		if !entries[fourcc] {
			c.add(RuleD5, where, keys(entries), cd, "%s lists codec %s but init section %s holds %s", where, cd, initURL, keys(entries))
		}
	}
	for e := range entries {
		if !listed[e] {
			c.add(RuleD5, where, codecs, e, "%s: init section %s holds %s, which the codecs attribute %q does not list", where, initURL, e, codecs)
		}
	}
}

func keys(m map[string]bool) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}
