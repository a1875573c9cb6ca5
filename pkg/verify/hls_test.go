package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/veza-media/veza/pkg/hls"
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
	rep, err := HLS(context.Background(), path, opts)
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

func TestVerifyAudioOnlyTS(t *testing.T) {
	rep := mustVerify(t, fixtures(t)["audio"], Options{})
	if got := rules(rep); len(got) != 0 || rep.Segments() != 3 {
		t.Fatalf("audio-only TS: %v\n%s", got, dump(rep))
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
	m, err := hls.ReadMaster(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.Variants {
		m.Variants[i].Bandwidth = int64(float64(m.Variants[i].Bandwidth) * f)
	}
	if err := hls.WriteMaster(path, m); err != nil {
		t.Fatal(err)
	}
}

// writeFiles creates files under dir from a name -> content map.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// fakeTS is a segment of n packets holding a PAT and a PMT: enough for the
// file rules, with a size that does not depend on an encoder.
func fakeTS(n int) string {
	b := append(tsPacket(0, pat([2]uint16{1, 0x1000})), tsPacket(0x1000, []byte{0x02, 0xb0, 0x0d})...)
	for len(b) < n*188 {
		b = append(b, tsPacket(0x100, nil)...)
	}
	return string(b)
}

// TestVerifyReportGolden pins the JSON report of a hand-made broken ladder
// whose every number is fixed (no encoder involved).
func TestVerifyReportGolden(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"master.m3u8": "#EXTM3U\n#EXT-X-VERSION:3\n" +
			"#EXT-X-STREAM-INF:BANDWIDTH=80000,AVERAGE-BANDWIDTH=90000,CODECS=\"avc1.64001f,mp4a.40.2\",RESOLUTION=640x360,FRAME-RATE=25.000\nhi/index.m3u8\n" +
			"#EXT-X-STREAM-INF:BANDWIDTH=50000\nlo/index.m3u8\n",
		"hi/index.m3u8": "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n" +
			"#EXTINF:4.000,\n0.ts\n#EXTINF:4.500,\n1.ts\n#EXTINF:2.000,\n2.ts\n#EXT-X-ENDLIST\n",
		"hi/0.ts": fakeTS(250), "hi/1.ts": fakeTS(300), "hi/2.ts": fakeTS(100)[:188*100-10],
		"lo/index.m3u8": "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n" +
			"#EXTINF:4.000,\n0.ts\n#EXTINF:4.000,\n1.ts\n#EXT-X-ENDLIST\n",
		"lo/0.ts": fakeTS(100),
	})
	rep := mustVerify(t, dir, Options{NoProbe: true})
	out, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out = []byte(strings.ReplaceAll(string(out), filepath.ToSlash(dir), "$DIR"))
	golden(t, "report-broken.json", append(out, '\n'))
	if !rep.Failed() {
		t.Error("broken ladder passes")
	}
}

func TestVerifyDamagedFiles(t *testing.T) {
	t.Run("fmp4 without map", func(t *testing.T) {
		dir := copyFixture(t, "fmp4")
		edit(t, filepath.Join(dir, "index.m3u8"), func(s string) string {
			return strings.Replace(s, "#EXT-X-MAP:URI=\"init.mp4\"\n", "", 1)
		})
		wantRules(t, mustVerify(t, dir, Options{NoProbe: true}), "M8/MUST")
	})
	t.Run("fmp4 init broken", func(t *testing.T) {
		dir := copyFixture(t, "fmp4")
		os.WriteFile(filepath.Join(dir, "init.mp4"), []byte("\x00\x00\x00\x10ftypiso5\x00\x00\x00\x00"), 0o644)
		wantRules(t, mustVerify(t, dir, Options{NoProbe: true}), "M8/MUST")
	})
	t.Run("ts truncated and garbage", func(t *testing.T) {
		dir := copyFixture(t, "ladder")
		seg := filepath.Join(dir, "v0", "seg2.ts")
		data, _ := os.ReadFile(seg)
		os.WriteFile(seg, data[:len(data)-100], 0o644)
		os.WriteFile(filepath.Join(dir, "v1", "seg0.ts"), []byte(strings.Repeat("not a transport stream ", 20)), 0o644)
		rep := mustVerify(t, dir, Options{})
		wantRules(t, rep, "M9/MUST")
		n := 0
		for _, r := range rules(rep) {
			if r == "M9/MUST" {
				n++
			}
		}
		if n < 2 {
			t.Errorf("want M9 for both segments:\n%s", dump(rep))
		}
	})
	t.Run("media playlist missing from master", func(t *testing.T) {
		dir := copyFixture(t, "ladder")
		os.Remove(filepath.Join(dir, "v1", "index.m3u8"))
		rep := mustVerify(t, filepath.Join(dir, "master.m3u8"), Options{NoProbe: true})
		wantRules(t, rep, "M10/MUST")
	})
}

func TestVerifyErrors(t *testing.T) {
	if _, err := HLS(context.Background(), filepath.Join(t.TempDir(), "nope.m3u8"), Options{NoProbe: true}); err == nil {
		t.Error("missing path verified")
	}
	if _, err := HLS(context.Background(), t.TempDir(), Options{NoProbe: true}); err == nil || !strings.Contains(err.Error(), "no .m3u8") {
		t.Errorf("empty folder: %v", err)
	}
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.m3u8": "#EXTM3U\n#EXTINF:x,\na.ts\n", ".tmp.m3u8": "junk"})
	rep := mustVerify(t, dir, Options{NoProbe: true})
	if got := rules(rep); len(got) != 1 || got[0] != "M2/MUST" || len(rep.Playlists) != 1 {
		t.Errorf("unreadable playlist: %v\n%s", got, dump(rep))
	}
	if _, err := HLS(context.Background(), dir, Options{FFprobe: "/nonexistent/ffprobe"}); err == nil {
		t.Error("a missing ffprobe is not an error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := HLS(ctx, fixtures(t)["ladder"], Options{}); err == nil {
		t.Error("cancelled verify succeeded")
	}
}
