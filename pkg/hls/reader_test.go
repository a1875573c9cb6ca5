package hls

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// playlistsDir holds veza's own corpus of odd playlists, with the expected
// outcome of each in expect.txt.
const playlistsDir = "../../testdata/playlists"

// sharedCorpusDir holds real-world playlists collected beside the
// repository on the machines that have them (../shared); tests read them as
// an extra when present.
const sharedCorpusDir = "../../../shared/corpus/playlists"

var parseTests = []struct {
	name  string
	in    string
	check func(t *testing.T, master *MasterPlaylist, media *MediaPlaylist)
	// err, when set, is a substring the error must hold; rule is its Rule.
	err  string
	rule string
}{
	{
		name: "vod",
		in: "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:5\n#EXT-X-PLAYLIST-TYPE:VOD\n" +
			"#EXTINF:4.004000,\nseg0.ts\n#EXTINF:3.999999999,title here\nseg1.ts\n#EXT-X-ENDLIST\n",
		check: func(t *testing.T, _ *MasterPlaylist, m *MediaPlaylist) {
			if m.Version != 3 || m.TargetDuration != 4 || m.MediaSequence != 5 || m.Type != TypeVOD || !m.EndList {
				t.Errorf("header = %+v", m)
			}
			if len(m.Segments) != 2 {
				t.Fatalf("segments = %d", len(m.Segments))
			}
			s := m.Segments[1]
			if s.URI != "seg1.ts" || s.Duration != 3.999999999 || s.DurationText != "3.999999999" || s.Title != "title here" || s.Line != 9 {
				t.Errorf("segment 1 = %+v", s)
			}
			if m.SequenceOf(1) != 6 {
				t.Errorf("SequenceOf(1) = %d", m.SequenceOf(1))
			}
		},
	},
	{
		name: "crlf, blanks, whitespace and bom",
		in:   "\xef\xbb\xbf#EXTM3U\r\n\r\n#EXT-X-TARGETDURATION:10\r\n  #EXTINF:10,\r\n  a b.ts  \r\n",
		check: func(t *testing.T, _ *MasterPlaylist, m *MediaPlaylist) {
			if len(m.Segments) != 1 || m.Segments[0].URI != "a b.ts" || m.EndList {
				t.Errorf("segments = %+v", m.Segments)
			}
		},
	},
	{
		name: "byte ranges with implicit offsets",
		in: "#EXTM3U\n#EXT-X-VERSION:4\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n#EXT-X-BYTERANGE:100@50\nall.ts\n" +
			"#EXTINF:10,\n#EXT-X-BYTERANGE:200\nall.ts\n#EXTINF:10,\nother.ts\n",
		check: func(t *testing.T, _ *MasterPlaylist, m *MediaPlaylist) {
			want := []*ByteRange{{100, 50}, {200, 150}, nil}
			for i, s := range m.Segments {
				if (s.ByteRange == nil) != (want[i] == nil) || (s.ByteRange != nil && *s.ByteRange != *want[i]) {
					t.Errorf("segment %d range = %+v, want %+v", i, s.ByteRange, want[i])
				}
			}
		},
	},
	{
		name: "keys, maps, discontinuity and date",
		in: "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-MAP:URI=\"init.mp4\",BYTERANGE=\"720@0\"\n" +
			"#EXT-X-KEY:METHOD=AES-128,URI=\"k, 1.key\",IV=0x00000000000000000000000000000001\n" +
			"#EXT-X-PROGRAM-DATE-TIME:2024-03-01T10:00:00.500+01:00\n#EXTINF:2,\na.m4s\n" +
			"#EXT-X-KEY:METHOD=NONE\n#EXT-X-DISCONTINUITY\n#EXT-X-GAP\n#EXTINF:2,\nb.m4s\n",
		check: func(t *testing.T, _ *MasterPlaylist, m *MediaPlaylist) {
			a, b := m.Segments[0], m.Segments[1]
			if a.Key == nil || a.Key.URI != "k, 1.key" || a.Key.Method != "AES-128" || a.Key.IV != "0x00000000000000000000000000000001" {
				t.Errorf("key = %+v", a.Key)
			}
			if a.Map == nil || a.Map.URI != "init.mp4" || *a.Map.ByteRange != (ByteRange{720, 0}) || b.Map != a.Map {
				t.Errorf("map = %+v / %+v", a.Map, b.Map)
			}
			want := time.Date(2024, 3, 1, 9, 0, 0, 5e8, time.UTC)
			if !a.ProgramDateTime.Equal(want) || a.ProgramDateTimeText != "2024-03-01T10:00:00.500+01:00" {
				t.Errorf("date = %v (%q)", a.ProgramDateTime, a.ProgramDateTimeText)
			}
			if b.Key != nil || !b.Discontinuity || !b.Gap || a.Discontinuity || !b.ProgramDateTime.IsZero() {
				t.Errorf("segment b = %+v", b)
			}
		},
	},
	{
		name: "tag positions",
		in:   "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n#EXT-X-MEDIA-SEQUENCE:3\n#EXTINF:2,\nb.ts\n",
		check: func(t *testing.T, _ *MasterPlaylist, m *MediaPlaylist) {
			var got []Tag
			for _, tg := range m.Tags {
				if tg.Name == "EXT-X-MEDIA-SEQUENCE" {
					got = append(got, tg)
				}
			}
			if len(got) != 1 || got[0].Segment != 1 || got[0].Line != 5 || got[0].Value != "3" {
				t.Errorf("media sequence tag = %+v", got)
			}
		},
	},
	{
		name: "target duration zero is kept for the validator",
		in:   "#EXTM3U\n#EXT-X-TARGETDURATION:0\n#EXTINF:0.4,\na.ts\n#EXT-X-ENDLIST\n",
		check: func(t *testing.T, _ *MasterPlaylist, m *MediaPlaylist) {
			if m.TargetDuration != 0 {
				t.Errorf("target = %d", m.TargetDuration)
			}
		},
	},
	{
		name: "no target duration",
		in:   "#EXTM3U\n#EXTINF:3,\na.ts\n",
		check: func(t *testing.T, _ *MasterPlaylist, m *MediaPlaylist) {
			if m.TargetDuration != -1 {
				t.Errorf("target = %d", m.TargetDuration)
			}
		},
	},
	{
		name: "header only is an empty media playlist",
		in:   "#EXTM3U\n",
		check: func(t *testing.T, _ *MasterPlaylist, m *MediaPlaylist) {
			if m == nil || len(m.Segments) != 0 {
				t.Errorf("media = %+v", m)
			}
		},
	},
	{
		name: "comment before the header is skipped",
		in:   "# made by hand\n#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\na.ts\n",
		check: func(t *testing.T, _ *MasterPlaylist, m *MediaPlaylist) {
			if len(m.Segments) != 1 {
				t.Errorf("segments = %d", len(m.Segments))
			}
		},
	},
	{
		name: "master",
		in: "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-INDEPENDENT-SEGMENTS\n" +
			"#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aac\",NAME=\"English, main\",LANGUAGE=\"en\",DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"2\",URI=\"a/index.m3u8\"\n" +
			"#EXT-X-STREAM-INF:BANDWIDTH=1280000,AVERAGE-BANDWIDTH=1000000,CODECS=\"avc1.64001f,mp4a.40.2\",RESOLUTION=1280x720,FRAME-RATE=29.970,AUDIO=\"aac\",CLOSED-CAPTIONS=NONE\n" +
			"v720/index.m3u8\n" +
			"#EXT-X-STREAM-INF:PROGRAM-ID=1,BANDWIDTH=640000\nv360/index.m3u8\n" +
			"#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=86000,URI=\"v720/iframes.m3u8\",CODECS=\"avc1.64001f\"\n",
		check: func(t *testing.T, p *MasterPlaylist, _ *MediaPlaylist) {
			if p.Version != 6 || !p.IndependentSegments || len(p.Variants) != 2 || len(p.IFrameVariants) != 1 || len(p.Renditions) != 1 {
				t.Fatalf("master = %+v", p)
			}
			v := p.Variants[0]
			want := Variant{URI: "v720/index.m3u8", Bandwidth: 1280000, AverageBandwidth: 1000000, Codecs: "avc1.64001f,mp4a.40.2",
				Resolution: Resolution{1280, 720}, FrameRate: 29.97, Audio: "aac", ClosedCaptions: "NONE", Line: 6}
			if v != want {
				t.Errorf("variant 0 =\n%+v\nwant\n%+v", v, want)
			}
			if p.Variants[1].ProgramID != "1" || p.Variants[1].URI != "v360/index.m3u8" {
				t.Errorf("variant 1 = %+v", p.Variants[1])
			}
			r := p.Renditions[0]
			if r.Name != "English, main" || r.GroupID != "aac" || !r.Default || !r.Autoselect || r.Channels != "2" || r.URI != "a/index.m3u8" {
				t.Errorf("rendition = %+v", r)
			}
			if got := SplitCodecs(v.Codecs); len(got) != 2 || got[1] != "mp4a.40.2" {
				t.Errorf("SplitCodecs = %q", got)
			}
		},
	},
	{name: "empty", in: "", err: "empty playlist", rule: "M1"},
	{name: "blank", in: " \n\n", err: "empty playlist", rule: "M1"},
	{name: "no header", in: "#EXT-X-TARGETDURATION:10\n#EXTINF:10,\na.ts\n", err: "not #EXTM3U", rule: "M1"},
	{name: "bad extinf", in: "#EXTM3U\n#EXTINF:abc,\na.ts\n", err: "line 2: EXTINF duration \"abc\"", rule: "M2"},
	{name: "negative extinf", in: "#EXTM3U\n#EXTINF:-1,\na.ts\n", err: "EXTINF duration", rule: "M2"},
	{name: "nan extinf", in: "#EXTM3U\n#EXTINF:NaN,\na.ts\n", err: "EXTINF duration", rule: "M2"},
	{name: "fractional target", in: "#EXTM3U\n#EXT-X-TARGETDURATION:4.5\n", err: "not a non-negative integer", rule: "M2"},
	{name: "two targets", in: "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-TARGETDURATION:5\n", err: "line 3: more than one EXT-X-TARGETDURATION", rule: "M2"},
	{name: "two versions", in: "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-VERSION:3\n", err: "more than one", rule: "M5"},
	{name: "bad media sequence", in: "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:-1\n", err: "EXT-X-MEDIA-SEQUENCE", rule: "M6"},
	{name: "bad type", in: "#EXTM3U\n#EXT-X-PLAYLIST-TYPE:LIVE\n", err: "neither VOD nor EVENT", rule: "M7"},
	{name: "uri without extinf", in: "#EXTM3U\n#EXT-X-TARGETDURATION:2\na.ts\n", err: "line 3: URI \"a.ts\" has no EXTINF"},
	{name: "extinf without uri", in: "#EXTM3U\n#EXTINF:2,\n", err: "EXTINF is not followed"},
	{name: "two extinf", in: "#EXTM3U\n#EXTINF:2,\n#EXTINF:2,\na.ts\n", err: "EXTINF follows another"},
	{name: "mixed", in: "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n", err: "mixes multivariant tags (EXT-X-STREAM-INF) and media playlist tags (EXT-X-TARGETDURATION)"},
	{name: "stream-inf without uri", in: "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n", err: "not followed by a URI"},
	{name: "bad bandwidth", in: "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=fast\nv.m3u8\n", err: "BANDWIDTH \"fast\""},
	{name: "bad resolution", in: "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,RESOLUTION=720p\nv.m3u8\n", err: "RESOLUTION \"720p\""},
	{name: "unterminated quote", in: "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"avc1\nv.m3u8\n", err: "unterminated"},
	{name: "attribute without value", in: "#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,DEFAULT\n", err: "has no value", rule: "P6"},
	{name: "range without offset to continue", in: "#EXTM3U\n#EXTINF:2,\n#EXT-X-BYTERANGE:10\na.ts\n", err: "has no offset"},
	{name: "map without uri", in: "#EXTM3U\n#EXT-X-MAP:BYTERANGE=\"1@0\"\n", err: "EXT-X-MAP has no URI", rule: "M8"},
	{name: "iframe without uri", in: "#EXTM3U\n#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1\n", err: "has no URI"},
}

func TestParse(t *testing.T) {
	for _, tt := range parseTests {
		t.Run(tt.name, func(t *testing.T) {
			master, media, err := Parse([]byte(tt.in))
			if tt.err != "" {
				var se *SyntaxError
				if !errors.As(err, &se) {
					t.Fatalf("err = %v, want a *SyntaxError holding %q", err, tt.err)
				}
				if !strings.Contains(err.Error(), tt.err) || se.Rule != tt.rule {
					t.Fatalf("err = %q (rule %q), want %q (rule %q)", err, se.Rule, tt.err, tt.rule)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (master == nil) == (media == nil) {
				t.Fatalf("want exactly one playlist, got master %v media %v", master != nil, media != nil)
			}
			tt.check(t, master, media)
		})
	}
}

func TestParseKindErrors(t *testing.T) {
	if _, err := ParseMedia([]byte("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n")); !errors.Is(err, ErrNotMedia) {
		t.Errorf("ParseMedia(master) = %v", err)
	}
	if _, err := ParseMaster([]byte("#EXTM3U\n#EXT-X-TARGETDURATION:1\n")); !errors.Is(err, ErrNotMaster) {
		t.Errorf("ParseMaster(media) = %v", err)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.m3u8")
	os.WriteFile(bad, []byte("#EXTM3U\n#EXTINF:x,\na.ts\n"), 0o644)
	_, _, err := ReadFile(bad)
	if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("ReadFile error %v should name the file and the line", err)
	}
}

// corpusCase is one line of testdata/playlists/expect.txt.
type corpusCase struct {
	file string
	// reader is "media", "master" or "refuse".
	reader string
	// rule and text describe a refusal: the SyntaxError's rule ("" for
	// none) and a substring of its message.
	rule, text string
}

// readCorpus reads testdata/playlists/expect.txt and checks that it lists
// every playlist of the folder, and only those.
func readCorpus(t testing.TB) []corpusCase {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(playlistsDir, "expect.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []corpusCase
	listed := map[string]bool{}
	for i, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 3 {
			t.Fatalf("expect.txt line %d: %d columns, want 3", i+1, len(cols))
		}
		c := corpusCase{file: cols[0], reader: cols[1]}
		if verdict, ok := strings.CutPrefix(cols[1], "refuse "); ok {
			c.reader = "refuse"
			c.rule, c.text, _ = strings.Cut(verdict, " ")
			if c.rule == "-" {
				c.rule = ""
			}
		}
		cases = append(cases, c)
		listed[c.file] = true
	}
	files, _ := filepath.Glob(filepath.Join(playlistsDir, "*.m3u8"))
	for _, f := range files {
		if !listed[filepath.Base(f)] {
			t.Errorf("%s has no line in expect.txt", f)
		}
	}
	if len(files) != len(cases) {
		t.Errorf("expect.txt lists %d playlists, the folder holds %d", len(cases), len(files))
	}
	return cases
}

// sharedCorpusFiles lists the shared corpus, or skips when it is not
// beside the repository (a fresh clone has only testdata/playlists).
func sharedCorpusFiles(t testing.TB) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(sharedCorpusDir, "*", "*.m3u8"))
	if len(files) == 0 {
		t.Skipf("no shared corpus at %s (an optional extra beside the repository); testdata/playlists is checked by TestCorpus", sharedCorpusDir)
	}
	return files
}

// checkRewrite writes back what the reader read and reads it again: the
// variants, renditions and segments must survive. Playlists the writer
// refuses by design (a target below an EXTINF) and masters without
// variants are left alone.
func checkRewrite(t *testing.T, master *MasterPlaylist, media *MediaPlaylist) {
	t.Helper()
	var out []byte
	var err error
	if master != nil {
		if len(master.Variants) == 0 {
			return
		}
		out, err = master.Encode()
	} else {
		out, err = media.Encode()
	}
	if err != nil {
		return
	}
	m2, md2, err := Parse(out)
	if err != nil {
		t.Fatalf("rewrite does not parse: %v\n%s", err, out)
	}
	if master != nil && (m2 == nil || len(m2.Variants) != len(master.Variants) || len(m2.Renditions) != len(master.Renditions)) {
		t.Fatalf("rewrite lost variants or renditions:\n%s", out)
	}
	if media != nil && (md2 == nil || len(md2.Segments) != len(media.Segments) || md2.Duration() != media.Duration()) {
		t.Fatalf("rewrite changed the segments:\n%s", out)
	}
}

// TestCorpus reads veza's own odd playlists and checks each outcome
// against testdata/playlists/expect.txt.
func TestCorpus(t *testing.T) {
	for _, c := range readCorpus(t) {
		t.Run(c.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(playlistsDir, c.file))
			if err != nil {
				t.Fatal(err)
			}
			master, media, err := Parse(data)
			if c.reader == "refuse" {
				var se *SyntaxError
				if !errors.As(err, &se) || se.Rule != c.rule || !strings.Contains(err.Error(), c.text) {
					t.Fatalf("err = %v, want a syntax error of rule %q holding %q", err, c.rule, c.text)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if got := map[bool]string{true: "master", false: "media"}[master != nil]; got != c.reader {
				t.Fatalf("read as a %s playlist, want %s", got, c.reader)
			}
			checkRewrite(t, master, media)
		})
	}
}

// corpusRejects are the shared corpus playlists the reader refuses, with the cause.
// Every one is malformed; everything else must parse.
var corpusRejects = map[string]string{
	"videojs-m3u8-parser/empty.m3u8":                                 "empty playlist",
	"videojs-m3u8-parser/start.m3u8":                                 "not #EXTM3U",
	"videojs-m3u8-parser/manifestNoExtM3u.m3u8":                      "not #EXTM3U",
	"videojs-m3u8-parser/extinf.m3u8":                                "EXTINF duration",
	"videojs-m3u8-parser/byteRange.m3u8":                             "has no offset",
	"videojs-m3u8-parser/llhls-byte-range.m3u8":                      "offset is not",
	"videojs-m3u8-parser/llhls-delta-byte-range.m3u8":                "EXTINF follows another",
	"videojs-m3u8-parser/missingExtinf.m3u8":                         "has no EXTINF",
	"videojs-m3u8-parser/missingSegmentDuration.m3u8":                "has no EXTINF",
	"videojs-m3u8-parser/liveMissingSegmentDuration.m3u8":            "has no EXTINF",
	"videojs-m3u8-parser/multipleTargetDurations.m3u8":               "has no EXTINF",
	"videojs-m3u8-parser/versionInvalid.m3u8":                        "EXT-X-VERSION \"NaN\"",
	"videojs-m3u8-parser/emptyPlaylistType.m3u8":                     "neither VOD nor EVENT",
	"videojs-m3u8-parser/invalidPlaylistType.m3u8":                   "neither VOD nor EVENT",
	"videojs-m3u8-parser/extXPlaylistTypeInvalidPlaylist.m3u8":       "neither VOD nor EVENT",
	"videojs-m3u8-parser/twoMediaSequences.m3u8":                     "more than one EXT-X-MEDIA-SEQUENCE",
	"videojs-m3u8-parser/emptyMediaSequence.m3u8":                    "EXT-X-MEDIA-SEQUENCE \"\"",
	"videojs-m3u8-parser/invalidMediaSequence.m3u8":                  "EXT-X-MEDIA-SEQUENCE \"gobblegobble\"",
	"videojs-m3u8-parser/negativeMediaSequence.m3u8":                 "EXT-X-MEDIA-SEQUENCE \"-11\"",
	"videojs-m3u8-parser/emptyTargetDuration.m3u8":                   "EXT-X-TARGETDURATION \"\"",
	"videojs-m3u8-parser/invalidTargetDuration.m3u8":                 "EXT-X-TARGETDURATION \"NaN\"",
	"videojs-m3u8-parser/manifestExtTTargetdurationNegative.m3u8":    "EXT-X-TARGETDURATION \"-10\"",
	"grafov-m3u8/master-with-i-frame-stream-inf.m3u8":                "BANDWIDTH \"INVALIDBW\"",
	"grafov-m3u8/media-playlist-with-cue-out-in-without-oatcls.m3u8": "EXTINF is not followed",
}

// TestSharedCorpus reads the shared real-world playlists when they are
// beside the repository: everything parses but the known-malformed ones.
func TestSharedCorpus(t *testing.T) {
	files := sharedCorpusFiles(t)
	seen := map[string]bool{}
	for _, f := range files {
		name := filepath.ToSlash(filepath.Join(filepath.Base(filepath.Dir(f)), filepath.Base(f)))
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			master, media, err := Parse(data)
			if want, reject := corpusRejects[name]; reject {
				var se *SyntaxError
				if !errors.As(err, &se) || !strings.Contains(err.Error(), want) {
					t.Fatalf("err = %v, want a syntax error holding %q", err, want)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			checkRewrite(t, master, media)
		})
	}
	for name := range corpusRejects {
		if !seen[name] {
			t.Errorf("%s is listed as rejected but is not in the corpus", name)
		}
	}
}

// FuzzParse checks that no input panics the reader and that whatever it
// reads and can write back reads back to the same bytes.
func FuzzParse(f *testing.F) {
	for _, tt := range parseTests {
		f.Add([]byte(tt.in))
	}
	for _, c := range readCorpus(f) {
		if data, err := os.ReadFile(filepath.Join(playlistsDir, c.file)); err == nil {
			f.Add(data)
		}
	}
	// The shared corpus, when it is beside the repository, adds real-world
	// seeds; a fresh clone fuzzes from the seeds above.
	shared, _ := filepath.Glob(filepath.Join(sharedCorpusDir, "*", "*.m3u8"))
	for _, p := range shared {
		if data, err := os.ReadFile(p); err == nil && len(data) < 64<<10 {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		master, media, err := Parse(data)
		if err != nil {
			return
		}
		var out []byte
		if master != nil {
			out, err = master.Encode()
		} else {
			out, err = media.Encode()
		}
		if err != nil {
			return
		}
		m2, md2, err := Parse(out)
		if err != nil {
			t.Fatalf("written playlist does not parse: %v\n%s", err, out)
		}
		var again []byte
		if m2 != nil {
			again, err = m2.Encode()
		} else {
			again, err = md2.Encode()
		}
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("rewrite is not stable (%v):\n%s\n---\n%s", err, out, again)
		}
	})
}
