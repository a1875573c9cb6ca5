package verify

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"

	"github.com/veza-media/veza/pkg/ffprobe"
	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/layout"
)

// HLS checks the HLS output at path against HLS-RULES.md. path is a
// multivariant playlist (its media playlists and segments are checked too),
// a media playlist, or a folder, in which every *.m3u8 is found: masters are
// checked with their media playlists, and media playlists no master names
// are checked alone.
//
// The error is for what stops verification (no such path, no playlist in a
// folder, ffprobe missing, ctx cancelled); broken playlists are findings in
// the Report.
func HLS(ctx context.Context, path string, opts Options) (*Report, error) {
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
	found, err := layout.Find(dir)
	if err != nil {
		return nil, err
	}
	all := found.Playlists
	named := map[string]bool{}
	var masters []string
	for _, p := range all {
		master, _, err := hls.ReadFile(p)
		if err != nil || master == nil {
			continue
		}
		masters = append(masters, p)
		for _, u := range masterURIs(master) {
			if f, err := hls.ResolveURI(filepath.Dir(p), u); err == nil {
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
func masterURIs(m *hls.MasterPlaylist) []string {
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

// verifier holds one HLS run: every playlist read, every segment to
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
	// iframeFragments are the fMP4 I-frame entries ffprobe checks (P9).
	iframeFragments []iframeFragment
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
func (v *verifier) readPlaylist(path string, r *PlaylistReport) ([]byte, *hls.MasterPlaylist, *hls.MediaPlaylist) {
	data, err := os.ReadFile(path)
	if err != nil {
		r.add("M10", Must, "", "", "", "cannot read the playlist: %v", unwrapPath(err))
		return nil, nil, nil
	}
	checkBytes(data, r)
	master, media, err := hls.Parse(data)
	if err != nil {
		var se *hls.SyntaxError
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

// clip shortens a playlist line or URI quoted in a message.
func clip(s string) string {
	const max = 60
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
