package hls

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/veza-media/veza/pkg/ffprobe"
)

// Severity says how binding a rule is (RFC 2119 words, as HLS-RULES.md uses
// them).
type Severity string

// Severities. A MUST finding fails verification; SHOULD findings are
// warnings.
const (
	Must   Severity = "MUST"
	Should Severity = "SHOULD"
)

// RuleParse is the rule id of a playlist that cannot be read at all and whose
// defect no HLS-RULES rule names (a URI with no EXTINF, say).
const RuleParse = "PARSE"

// Finding is one rule a playlist or segment breaks.
type Finding struct {
	// Rule is the HLS-RULES.md id ("M2", "P4") or RuleParse.
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	// Playlist is the playlist the finding is about, as a path built from the
	// path given to Verify.
	Playlist string `json:"playlist"`
	// Segment is the segment (or variant) URI as written in the playlist,
	// when the finding is about one.
	Segment string `json:"segment,omitempty"`
	// Message says what is wrong in words, including the measured and the
	// expected values.
	Message string `json:"message"`
	// Measured and Expected repeat the values for machines ("" when the
	// rule is about presence).
	Measured string `json:"measured,omitempty"`
	Expected string `json:"expected,omitempty"`
}

// PlaylistReport is what was checked in one playlist and what was found.
type PlaylistReport struct {
	Path string `json:"path"`
	// Kind is "master" or "media".
	Kind string `json:"kind"`
	// Variants counts the variant streams of a master; Segments the
	// segments of a media playlist.
	Variants int `json:"variants,omitempty"`
	Segments int `json:"segments,omitempty"`
	// Findings are sorted by rule id, then segment order.
	Findings []Finding `json:"findings"`
	// Notes say what could not be checked (remote URIs).
	Notes []string `json:"notes,omitempty"`
}

// Report is the result of Verify: one entry per playlist, sorted by path.
type Report struct {
	Playlists []PlaylistReport `json:"playlists"`
	// Must and Should count the findings of each severity.
	Must   int `json:"must"`
	Should int `json:"should"`
}

// Failed reports whether any MUST rule is broken.
func (r *Report) Failed() bool { return r.Must > 0 }

// Segments counts the segments checked over all playlists.
func (r *Report) Segments() int {
	n := 0
	for _, p := range r.Playlists {
		n += p.Segments
	}
	return n
}

// Options configure Verify. The zero value checks everything with ffprobe
// from PATH.
type Options struct {
	// FFprobe is the ffprobe binary. It defaults to "ffprobe" on PATH.
	FFprobe string
	// Jobs bounds how many segments are probed at once. It defaults to
	// runtime.NumCPU().
	Jobs int
	// NoProbe skips the rules that need ffprobe (M3 and M4 on real
	// durations, M11, P4, P5 values, S1–S4), leaving the playlist and file
	// rules. Default false.
	NoProbe bool
	// OnProbe, when set, is called after each segment is probed with the
	// number done and the total, from one goroutine at a time, for progress
	// bars.
	OnProbe func(done, total int)
}

// Verify checks the HLS output at path against HLS-RULES.md. path is a
// multivariant playlist (its media playlists and segments are checked too),
// a media playlist, or a folder, in which every *.m3u8 is found: masters are
// checked with their media playlists, and media playlists no master names
// are checked alone.
//
// The error is for what stops verification (no such path, no playlist in a
// folder, ffprobe missing, ctx cancelled); broken playlists are findings in
// the Report.
func Verify(ctx context.Context, path string, opts Options) (*Report, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("verify %q: %w", path, err)
	}
	v := newVerifier(opts)
	if !opts.NoProbe {
		if _, err := v.prober.Version(ctx); err != nil {
			return nil, fmt.Errorf("verify %q: %w", path, err)
		}
	}
	var roots []string
	if st.IsDir() {
		roots, err = findRoots(path)
		if err != nil {
			return nil, fmt.Errorf("verify %q: %w", path, err)
		}
		if len(roots) == 0 {
			return nil, fmt.Errorf("verify %q: no .m3u8 playlist in the folder", path)
		}
	} else {
		roots = []string{path}
	}
	for _, r := range roots {
		v.addRoot(r)
	}
	if err := v.run(ctx); err != nil {
		return nil, err
	}
	return v.report(), nil
}

// findRoots lists the playlists to start from in a folder: every master,
// and every media playlist no master in the folder names. Hidden files and
// folders (temporary playlists being written) are skipped.
func findRoots(dir string) ([]string, error) {
	var all []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".m3u8") {
			all = append(all, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	named := map[string]bool{}
	var masters []string
	for _, p := range all {
		master, _, err := ReadFile(p)
		if err != nil || master == nil {
			continue
		}
		masters = append(masters, p)
		for _, u := range masterURIs(master) {
			if f, err := ResolveURI(filepath.Dir(p), u); err == nil {
				named[filepath.Clean(f)] = true
			}
		}
	}
	roots := masters
	for _, p := range all {
		if !named[filepath.Clean(p)] && !contains(masters, p) {
			roots = append(roots, p)
		}
	}
	sort.Strings(roots)
	return roots, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// masterURIs lists the media playlists a master names.
func masterURIs(m *MasterPlaylist) []string {
	var out []string
	for _, v := range m.Variants {
		out = append(out, v.URI)
	}
	for _, v := range m.IFrameVariants {
		out = append(out, v.URI)
	}
	for _, r := range m.Renditions {
		if r.URI != "" {
			out = append(out, r.URI)
		}
	}
	return out
}

// verifier holds one Verify run: every playlist read, every segment to
// probe, every finding.
type verifier struct {
	opts    Options
	prober  *ffprobe.Prober
	reports map[string]*PlaylistReport
	masters []*masterCheck
	medias  map[string]*mediaCheck // by cleaned path
	order   []*mediaCheck
	probes  map[string]*segProbe // by probe key
	inits   map[string]error     // EXT-X-MAP verdicts by folder and URI
}

func newVerifier(opts Options) *verifier {
	if opts.Jobs <= 0 {
		opts.Jobs = runtime.NumCPU()
	}
	return &verifier{
		opts:    opts,
		prober:  &ffprobe.Prober{Path: opts.FFprobe},
		reports: map[string]*PlaylistReport{},
		medias:  map[string]*mediaCheck{},
		probes:  map[string]*segProbe{},
	}
}

// playlistReport returns the report of the playlist at path, creating it.
func (v *verifier) playlistReport(path, kind string) *PlaylistReport {
	r, ok := v.reports[path]
	if !ok {
		r = &PlaylistReport{Path: path, Kind: kind, Findings: []Finding{}}
		v.reports[path] = r
	}
	return r
}

// add records a finding about the playlist of r.
func (r *PlaylistReport) add(rule string, sev Severity, segment, measured, expected, format string, args ...any) {
	r.Findings = append(r.Findings, Finding{
		Rule: rule, Severity: sev, Playlist: r.Path, Segment: segment,
		Message: fmt.Sprintf(format, args...), Measured: measured, Expected: expected,
	})
}

func (r *PlaylistReport) note(format string, args ...any) {
	n := fmt.Sprintf(format, args...)
	if !contains(r.Notes, n) {
		r.Notes = append(r.Notes, n)
	}
}

// readPlaylist reads a playlist and applies M1 (bytes) and parse errors.
// It returns nil playlists when the file cannot be read.
func (v *verifier) readPlaylist(path string, r *PlaylistReport) ([]byte, *MasterPlaylist, *MediaPlaylist) {
	data, err := os.ReadFile(path)
	if err != nil {
		r.add("M10", Must, "", "", "", "cannot read the playlist: %v", unwrapPath(err))
		return nil, nil, nil
	}
	checkBytes(data, r)
	master, media, err := Parse(data)
	if err != nil {
		var se *SyntaxError
		rule := RuleParse
		if errors.As(err, &se) && se.Rule != "" {
			rule = se.Rule
		}
		if rule == "M1" && hasFinding(r, "M1") {
			return data, nil, nil
		}
		r.add(rule, Must, "", "", "", "cannot read the playlist: %v", err)
		return data, nil, nil
	}
	return data, master, media
}

func hasFinding(r *PlaylistReport, rule string) bool {
	for _, f := range r.Findings {
		if f.Rule == rule {
			return true
		}
	}
	return false
}

// unwrapPath drops the *fs.PathError wrapping, whose path the report
// already shows.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// addRoot reads a root playlist and everything it names.
func (v *verifier) addRoot(path string) {
	if _, done := v.reports[path]; done {
		return
	}
	if _, done := v.medias[filepath.Clean(path)]; done {
		return
	}
	r := v.playlistReport(path, "media")
	data, master, media := v.readPlaylist(path, r)
	switch {
	case master != nil:
		r.Kind = "master"
		v.addMaster(path, master, r)
	case media != nil:
		v.addMedia(path, data, media, r)
	}
}

func (v *verifier) report() *Report {
	rep := &Report{Playlists: []PlaylistReport{}}
	paths := make([]string, 0, len(v.reports))
	for p := range v.reports {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		r := v.reports[p]
		sort.SliceStable(r.Findings, func(i, j int) bool { return ruleLess(r.Findings[i].Rule, r.Findings[j].Rule) })
		for _, f := range r.Findings {
			if f.Severity == Must {
				rep.Must++
			} else {
				rep.Should++
			}
		}
		rep.Playlists = append(rep.Playlists, *r)
	}
	return rep
}

// ruleLess orders rule ids by family (M, P, S, L, K) then number, so M2
// comes before M10.
func ruleLess(a, b string) bool {
	fam := func(s string) int {
		if s == "" {
			return 9
		}
		i := strings.IndexByte("MPSLK", s[0])
		if i < 0 {
			return 8
		}
		return i
	}
	if fa, fb := fam(a), fam(b); fa != fb {
		return fa < fb
	}
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
