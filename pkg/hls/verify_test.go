package hls

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rules lists the rule ids of a report's findings, "M2/MUST" style.
func rules(rep *Report) []string {
	var out []string
	for _, p := range rep.Playlists {
		for _, f := range p.Findings {
			out = append(out, f.Rule+"/"+string(f.Severity))
		}
	}
	return out
}

func dump(rep *Report) string {
	var b strings.Builder
	for _, p := range rep.Playlists {
		fmt.Fprintf(&b, "%s (%s, %d segments)\n", p.Path, p.Kind, p.Segments)
		for _, f := range p.Findings {
			fmt.Fprintf(&b, "  %s %s %s: %s\n", f.Rule, f.Severity, f.Segment, f.Message)
		}
	}
	return b.String()
}

func mustVerify(t *testing.T, path string, opts Options) *Report {
	t.Helper()
	rep, err := Verify(context.Background(), path, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestVerifyGoodLadder(t *testing.T) {
	dir := fixtures(t)["ladder"]
	rep := mustVerify(t, dir, Options{})
	// The only finding is the SHOULD about I-frame playlists, which ffmpeg
	// cannot write.
	if got := rules(rep); len(got) != 1 || got[0] != "P8/SHOULD" || rep.Failed() {
		t.Fatalf("findings %v:\n%s", got, dump(rep))
	}
	if len(rep.Playlists) != 3 || rep.Segments() != 6 || rep.Playlists[0].Kind != "master" || rep.Playlists[0].Variants != 2 {
		t.Errorf("report:\n%s", dump(rep))
	}
	// The master alone gives the same.
	rep2 := mustVerify(t, filepath.Join(dir, "master.m3u8"), Options{})
	if fmt.Sprint(rules(rep2)) != fmt.Sprint(rules(rep)) || len(rep2.Playlists) != 3 {
		t.Errorf("master alone:\n%s", dump(rep2))
	}
}

func TestVerifyFMP4(t *testing.T) {
	rep := mustVerify(t, fixtures(t)["fmp4"], Options{})
	if rep.Failed() || rep.Should != 0 || rep.Segments() != 3 {
		t.Fatalf("fMP4 output:\n%s", dump(rep))
	}
}

// wantRules asserts that every rule in want is among the MUST findings.
func wantRules(t *testing.T, rep *Report, want ...string) {
	t.Helper()
	got := map[string]bool{}
	for _, r := range rules(rep) {
		got[r] = true
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("missing %s; findings:\n%s", w, dump(rep))
		}
	}
	if !rep.Failed() && strings.Contains(fmt.Sprint(want), "MUST") {
		t.Errorf("report does not fail")
	}
}

func TestVerifyDamaged(t *testing.T) {
	for _, tt := range []struct {
		name    string
		fixture string
		damage  func(t *testing.T, dir string)
		want    []string
		noProbe bool
	}{
		{
			name: "segment missing", fixture: "ladder",
			damage: func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "v1", "seg1.ts")) },
			want:   []string{"M10/MUST"},
		},
		{
			name: "segment empty", fixture: "ladder", noProbe: true,
			damage: func(t *testing.T, dir string) { os.WriteFile(filepath.Join(dir, "v1", "seg2.ts"), nil, 0o644) },
			want:   []string{"M10/MUST"},
		},
		{
			name: "extinf above target", fixture: "ladder",
			damage: func(t *testing.T, dir string) {
				edit(t, filepath.Join(dir, "v0", "index.m3u8"), func(s string) string {
					return strings.Replace(s, "#EXTINF:2.000000,\nseg1.ts", "#EXTINF:2.500000,\nseg1.ts", 1)
				})
			},
			// 2.5 rounds half-up to 3 > 2; the EXTINF sum no longer
			// matches the media either.
			want: []string{"M2/MUST", "M4/MUST"},
		},
		{
			name: "target duration zero", fixture: "ladder", noProbe: true,
			damage: func(t *testing.T, dir string) {
				edit(t, filepath.Join(dir, "v0", "index.m3u8"), func(s string) string {
					return strings.Replace(s, "#EXT-X-TARGETDURATION:2", "#EXT-X-TARGETDURATION:0", 1)
				})
			},
			want: []string{"M2/MUST", "P7/MUST"},
		},
		{
			name: "master without codecs", fixture: "ladder",
			damage: func(t *testing.T, dir string) {
				edit(t, filepath.Join(dir, "master.m3u8"), func(s string) string {
					return strings.ReplaceAll(s, ",CODECS=\"avc1.42c00d,mp4a.40.2\"", "")
				})
			},
			want: []string{"P4/MUST"},
		},
		{
			name: "wrong codecs", fixture: "ladder",
			damage: func(t *testing.T, dir string) {
				edit(t, filepath.Join(dir, "master.m3u8"), func(s string) string {
					return strings.ReplaceAll(s, "avc1.42c00d,mp4a.40.2", "avc1.64001f,mp4a.40.2")
				})
			},
			want: []string{"P4/MUST"},
		},
		{
			name: "bandwidth understated", fixture: "ladder", noProbe: true,
			damage: func(t *testing.T, dir string) { scaleBandwidth(t, dir, 0.5) },
			want:   []string{"P1/MUST"},
		},
		{
			name: "bandwidth overstated", fixture: "ladder", noProbe: true,
			damage: func(t *testing.T, dir string) { scaleBandwidth(t, dir, 2) },
			want:   []string{"P2/MUST"},
		},
		{
			name: "segments not starting with IDR", fixture: "longgop",
			want: []string{"S1/MUST", "S2/SHOULD", "M7/MUST"},
		},
		{
			name: "renditions misaligned", fixture: "ladder",
			damage: func(t *testing.T, dir string) {
				// Shift the second rendition's timestamps by 0.5 s: same
				// EXTINF values, segments starting at other instants.
				v1 := filepath.Join(dir, "v1")
				for i := range 3 {
					seg := filepath.Join(v1, fmt.Sprintf("seg%d.ts", i))
					tmp := seg + ".tmp.ts"
					if err := ffmpeg(v1, "-i", seg, "-c", "copy", "-output_ts_offset", "0.5", "-copyts", "-muxdelay", "0", "-f", "mpegts", tmp); err != nil {
						t.Fatal(err)
					}
					os.Rename(tmp, seg)
				}
			},
			want: []string{"S3/MUST"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyFixture(t, tt.fixture)
			if tt.damage != nil {
				tt.damage(t, dir)
			}
			rep := mustVerify(t, dir, Options{NoProbe: tt.noProbe})
			wantRules(t, rep, tt.want...)
		})
	}
}

func scaleBandwidth(t *testing.T, dir string, f float64) {
	t.Helper()
	path := filepath.Join(dir, "master.m3u8")
	m, err := ReadMaster(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.Variants {
		m.Variants[i].Bandwidth = int64(float64(m.Variants[i].Bandwidth) * f)
	}
	if err := WriteMaster(path, m); err != nil {
		t.Fatal(err)
	}
}
