package verify

import (
	"sort"
	"strings"
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
