package encode

import (
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var logLineCases = []struct {
	in   string
	want LogLine
}{
	{"[info] frame=    1 fps=0.0", LogLine{Level: LevelInfo, Text: "frame=    1 fps=0.0"}},
	{"[hls @ 0x564b8fecbfc0] [info] Opening 'hls/seg_000.ts' for writing",
		LogLine{Context: "hls @ 0x564b8fecbfc0", Level: LevelInfo, Text: "Opening 'hls/seg_000.ts' for writing"}},
	{"[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55cf] [error] moov atom not found",
		LogLine{Context: "mov,mp4,m4a,3gp,3g2,mj2 @ 0x55cf", Level: LevelError, Text: "moov atom not found"}},
	{"[fatal] Unknown encoder 'nope'", LogLine{Level: LevelFatal, Text: "Unknown encoder 'nope'"}},
	{"[out#0/hls @ 0x5] video:465KiB audio:43KiB", LogLine{Context: "out#0/hls @ 0x5", Text: "video:465KiB audio:43KiB"}},
	{"plain line", LogLine{Text: "plain line"}},
	{"[notalevel] x", LogLine{Text: "[notalevel] x"}},
	{"[info] [warning] x", LogLine{Level: LevelInfo, Text: "[warning] x"}},
	{"[info]no space", LogLine{Text: "[info]no space"}},
	{"", LogLine{}},
}

func TestParseLogLine(t *testing.T) {
	for _, tc := range logLineCases {
		if got := ParseLogLine(tc.in); got != tc.want {
			t.Errorf("ParseLogLine(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

var statsCases = []struct {
	in   string
	want Stats
	ok   bool
}{
	{"frame=    1 fps=0.0 q=0.0 size=N/A time=00:00:00.00 bitrate=N/A speed=   0x    ",
		Stats{Frame: 1, Size: -1, HasTime: true}, true},
	{"frame=  125 fps=0.0 q=-1.0 Lsize=N/A time=00:00:05.01 bitrate=N/A speed=52.2x    ",
		Stats{Frame: 125, Size: -1, Time: 5010 * time.Millisecond, HasTime: true, Speed: 52.2, Final: true}, true},
	{"size=     256kB time=00:00:16.32 bitrate= 128.5kbits/s speed=32.6x    ",
		Stats{Size: 256 * 1024, Time: 16320 * time.Millisecond, HasTime: true, Bitrate: 128500, Speed: 32.6}, true},
	// ffmpeg 6.1+: KiB sizes, elapsed=, N/A time before the first packet.
	{"size=     256KiB time=N/A bitrate=N/A speed=N/A elapsed=0:00:00.50    ", Stats{Size: 256 * 1024}, true},
	{"frame=   48 fps= 47 q=29.0 size=       0KiB time=00:00:01.84 bitrate=   0.2kbits/s dup=0 drop=1 speed=1.81x elapsed=0:00:01.01    ",
		Stats{Frame: 48, FPS: 47, Size: 0, Time: 1840 * time.Millisecond, HasTime: true, Bitrate: 200, Speed: 1.81}, true},
	{"frame=    0 fps=0.0 q=0.0 size=       0kB time=-00:00:00.04 bitrate=N/A speed=N/A",
		Stats{Size: 0, HasTime: true}, true},
	{"Lsize=    1024kB time=01:02:03.50 bitrate=N/A speed=1x", Stats{Size: 1 << 20, Time: time.Hour + 2*time.Minute + 3500*time.Millisecond, HasTime: true, Speed: 1, Final: true}, true},
	{"frame=1 fps=0.0", Stats{Size: -1}, false}, // no time=: not a stats line
	{"Opening 'x' for writing", Stats{Size: -1}, false},
	{"", Stats{Size: -1}, false},
}

func TestParseStats(t *testing.T) {
	for _, tc := range statsCases {
		got, ok := ParseStats(tc.in)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("ParseStats(%q) = %+v, %v; want %+v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func fp(f float64) *float64 { return &f }

var summaryCases = []struct {
	in   string
	want Summary
	ok   bool
}{
	{"video:465kB audio:43kB subtitle:0kB other streams:0kB global headers:0kB muxing overhead: unknown",
		Summary{VideoBytes: 465 * 1024, AudioBytes: 43 * 1024}, true},
	{"video:0kB audio:47kB subtitle:0kB other streams:0kB global headers:0kB muxing overhead: 1.234567%",
		Summary{AudioBytes: 47 * 1024, Overhead: fp(1.234567)}, true},
	{"video:465KiB audio:43KiB subtitle:0KiB other streams:0KiB global headers:0KiB muxing overhead: 0.536714%",
		Summary{VideoBytes: 465 * 1024, AudioBytes: 43 * 1024, Overhead: fp(0.536714)}, true},
	{"muxing overhead: garbage", Summary{}, true},
	{"no summary here", Summary{}, false},
}

func TestParseSummary(t *testing.T) {
	for _, tc := range summaryCases {
		got, ok := ParseSummary(tc.in)
		if ok != tc.ok || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseSummary(%q) = %+v, %v; want %+v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

var openingCases = []struct {
	in, want string
	ok       bool
}{
	{"[hls @ 0x5] [info] Opening 'hls/seg_000.ts' for writing", "hls/seg_000.ts", true},
	{"[hls @ 0x5] Opening 'it's here.ts' for writing", "it's here.ts", true},
	{"[segment @ 0x55d0c2a1] [verbose] Opening 'x_1.ts' for writing", "x_1.ts", true},
	// Only ffmpeg's own components open files: input metadata printed in the
	// stream dump cannot fake a segment.
	{"Opening 'it's here.ts' for writing", "", false},
	{"[info]     title           : Opening 'evil.ts' for writing", "", false},
	{"[info]     comment         : [hls @ 0x1] x Opening 'evil.ts' for writing", "", false},
	{"[hls] Opening 'x.ts' for writing", "", false},
	{"[info]     comment         : [hls @ 0x1] Opening 'evil.ts' for writing", "", false},
	{"[info] [hls @ 0x1] Opening 'a.ts' for writing", "a.ts", true},
	// glued to a stats line that lost its '\r'
	{"frame=1 time=00:00:00.00 speed=0x    [hls @ 0x5] Opening 'a/b_00001.ts.tmp' for writing", "a/b_00001.ts.tmp", true},
	{"Opening 'x' for reading", "", false},
	{"Opening '", "", false},
}

func TestParseOpening(t *testing.T) {
	for _, tc := range openingCases {
		got, ok := ParseOpening(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseOpening(%q) = %q, %v", tc.in, got, ok)
		}
	}
}

func TestClassifyError(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ErrorKind
	}{
		{"nonexist.mp4: No such file or directory", KindInputMissing},
		{"Error opening input file in.mp4.", KindInputMissing},
		{"bad.mp4: Invalid data found when processing input", KindInvalidData},
		{"moov atom not found", KindInvalidData},
		{"Unknown encoder 'nope'", KindUnknownEncoder},
		{"Requested output format 'nofmt' is not a suitable output format", KindUnknownFormat},
		{"Unable to find a suitable output format for 'x.unknownext'", KindUnknownFormat},
		{"Unrecognized option 'bogus'.", KindUnknownOption},
		{"Error splitting the argument list: Option not found", KindUnknownOption},
		{"/root/out.mp4: Permission denied", KindPermissionDenied},
		{"Error writing trailer of out.mp4: No space left on device", KindNoSpace},
		{"Conversion failed!", KindOther},
	} {
		if got, _ := classifyError(tc.in); got != tc.want {
			t.Errorf("classifyError(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

var progressCases = []struct {
	name string
	in   string
	want []ProgressBlock
}{
	{"ffmpeg 5.1 start and end", "frame=1\nfps=0.00\nstream_0_0_q=0.0\nbitrate=N/A\ntotal_size=N/A\nout_time_us=0\nout_time_ms=0\nout_time=00:00:00.000000\ndup_frames=0\ndrop_frames=0\nspeed=   0x\nprogress=continue\n" +
		"frame=125\nfps=0.00\nbitrate= 726.3kbits/s\ntotal_size=454656\nout_time_us=5015511\nout_time_ms=5015511\nout_time=00:00:05.015511\nspeed=51.2x\nprogress=end\n",
		[]ProgressBlock{
			{Frame: 1, Size: -1, HasTime: true},
			{Frame: 125, Bitrate: 726300, Size: 454656, OutTime: 5015511 * time.Microsecond, HasTime: true, Speed: 51.2, End: true},
		}},
	{"N/A and negative times before the first packet", "frame=0\nfps=0.00\nbitrate=N/A\ntotal_size=N/A\nout_time_us=N/A\nout_time_ms=N/A\nout_time=N/A\nspeed=N/A\nprogress=continue\n" +
		"out_time_us=-9223372036854775807\nout_time_ms=-9223372036854775807\nout_time=-2562047788:00:54.775807\nprogress=continue\n",
		[]ProgressBlock{{Size: -1}, {Size: -1, HasTime: true}}},
	{"out_time_ms alone is microseconds", "out_time_ms=2500000\nprogress=continue\n",
		[]ProgressBlock{{Size: -1, OutTime: 2500 * time.Millisecond, HasTime: true}}},
	{"out_time alone", "out_time=00:01:02.500000\nprogress=continue\n",
		[]ProgressBlock{{Size: -1, OutTime: 62500 * time.Millisecond, HasTime: true}}},
	{"us beats a late ms", "out_time_us=1000000\nout_time_ms=7\nprogress=continue\n",
		[]ProgressBlock{{Size: -1, OutTime: time.Second, HasTime: true}}},
	{"unterminated block", "frame=3\nout_time_us=1\n", nil},
	{"junk lines", "garbage\n=x\nprogress=continue\n", []ProgressBlock{{Size: -1}}},
}

func TestProgressParser(t *testing.T) {
	for _, tc := range progressCases {
		t.Run(tc.name, func(t *testing.T) {
			var p progressParser
			var got []ProgressBlock
			for _, l := range strings.Split(tc.in, "\n") {
				if b, ok := p.line(l); ok {
					got = append(got, b)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

var splitCases = []struct {
	name   string
	chunks []string
	max    int
	want   []string
}{
	{"cr and lf", []string{"a\rb\nc\r\nd"}, 0, []string{"a", "b", "c", "d"}},
	{"across chunks", []string{"fra", "me=1\r[hls] Open", "ing\n"}, 0, []string{"frame=1", "[hls] Opening"}},
	{"empty lines dropped", []string{"\n\n\r\rx\n"}, 0, []string{"x"}},
	{"long line truncated", []string{"abcdefgh", "ijk\nxy"}, 4, []string{"abcd", "xy"}},
}

func TestLineSplitter(t *testing.T) {
	for _, tc := range splitCases {
		t.Run(tc.name, func(t *testing.T) {
			s := lineSplitter{max: tc.max}
			var got []string
			emit := func(l string) { got = append(got, l) }
			for _, c := range tc.chunks {
				s.feed([]byte(c), emit)
			}
			s.flush(emit)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

var playlistCases = []struct {
	name string
	in   string
	want []PlaylistEntry
}{
	{"ffmpeg vod", "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:1.000000,\nseg_000.ts\n#EXTINF:0.960000,\nseg_001.ts\n#EXT-X-ENDLIST\n",
		[]PlaylistEntry{{"seg_000.ts", time.Second}, {"seg_001.ts", 960 * time.Millisecond}}},
	{"crlf, title, byterange", "#EXTM3U\r\n#EXTINF:2.5,title\r\n#EXT-X-BYTERANGE:100@0\r\na.ts\r\n",
		[]PlaylistEntry{{"a.ts", 2500 * time.Millisecond}}},
	{"uri without extinf skipped, truncated tail", "#EXTM3U\nlost.ts\n#EXTINF:x,\nbad.ts\n#EXTINF:4.000000,\n",
		nil},
	{"integer extinf", "#EXTINF:4\nb.ts", []PlaylistEntry{{"b.ts", 4 * time.Second}}},
}

func TestParsePlaylistEntries(t *testing.T) {
	for _, tc := range playlistCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := ParsePlaylistEntries([]byte(tc.in)); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestSegmentPattern(t *testing.T) {
	for _, tc := range []struct {
		pattern, path string
		match         bool
		num           string
	}{
		{"hls/seg_%03d.ts", "hls/seg_007.ts", true, "007"},
		{"hls/seg_%03d.ts", "hls/seg_007.ts.tmp", true, "007"},
		{"hls/seg_%d.ts", "hls/seg_12345.ts", true, "12345"},
		{"a.b/x%%_%5d.m4s", "a.b/x%_   12.m4s", false, ""},
		{"a.b/x%%_%5d.m4s", "a.b/x%_00012.m4s", true, "00012"},
		{"hls/seg_%03d.ts", "hls/out.m3u8.tmp", false, ""},
		{"hls/seg_%03d.ts", "hlsXseg_001.ts", false, ""},
		{"hls/seg_%03d.ts", "hls/init.mp4", false, ""},
	} {
		re := segmentPattern(tc.pattern)
		m := re.FindStringSubmatch(tc.path)
		if (m != nil) != tc.match || (m != nil && m[1] != tc.num) {
			t.Errorf("%q on %q: %q", tc.pattern, tc.path, m)
		}
	}
	for _, bad := range []string{"seg.ts", "seg_%d_%d.ts", "seg_%s.ts", "seg_%"} {
		if segmentPattern(bad) != nil {
			t.Errorf("segmentPattern(%q) accepted", bad)
		}
	}
}

func FuzzParseLogLine(f *testing.F) {
	for _, tc := range logLineCases {
		f.Add(tc.in)
	}
	for _, tc := range statsCases {
		f.Add(tc.in)
	}
	for _, tc := range summaryCases {
		f.Add(tc.in)
	}
	for _, tc := range openingCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, line string) {
		l := ParseLogLine(line)
		if !strings.HasSuffix(line, l.Text) {
			t.Errorf("text %q is not the end of %q", l.Text, line)
		}
		if s, ok := ParseStats(l.Text); ok {
			if s.Time < 0 || s.Speed < 0 || s.FPS < 0 || s.Bitrate < 0 || s.Size < -1 {
				t.Errorf("negative stats %+v from %q", s, line)
			}
		}
		if s, ok := ParseSummary(l.Text); ok && s.Overhead != nil && *s.Overhead < 0 {
			t.Errorf("negative overhead from %q", line)
		}
		if p, ok := ParseOpening(line); ok && !strings.Contains(line, p) {
			t.Errorf("path %q not in %q", p, line)
		}
		if isDamage(l) && l.Context == "" && l.Level < LevelWarning {
			t.Errorf("damage from an untagged line %q", line)
		}
		// The monitor must take any line without panicking.
		m := &monitor{emit: func(Event) {}, statsProgress: true}
		m.line(line)
	})
}

func FuzzProgress(f *testing.F) {
	for _, tc := range progressCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var p progressParser
		for _, l := range strings.Split(in, "\n") {
			if b, ok := p.line(l); ok {
				if b.OutTime < 0 || b.Size < -1 || b.Frame < 0 || b.Speed < 0 || b.FPS < 0 || b.Bitrate < 0 {
					t.Errorf("bad block %+v from %q", b, in)
				}
			}
		}
	})
}

func FuzzLineSplitter(f *testing.F) {
	for _, tc := range splitCases {
		f.Add(strings.Join(tc.chunks, ""), 3)
	}
	f.Fuzz(func(t *testing.T, in string, cut int) {
		s := lineSplitter{max: 64}
		var got []string
		emit := func(l string) { got = append(got, l) }
		b := []byte(in)
		if cut >= 0 && cut < len(b) {
			s.feed(b[:cut], emit)
			b = b[cut:]
		}
		s.feed(b, emit)
		s.flush(emit)
		for _, l := range got {
			if l == "" || len(l) > 64 || strings.ContainsAny(l, "\r\n") {
				t.Errorf("bad line %q", l)
			}
		}
		// Without truncation the lines are the input's non-empty pieces.
		if utf8.ValidString(in) && len(in) < 64 {
			want := strings.FieldsFunc(in, func(r rune) bool { return r == '\r' || r == '\n' })
			if len(want) == 0 {
				want = nil
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("split %q into %q, want %q", in, got, want)
			}
		}
	})
}

func FuzzParsePlaylistEntries(f *testing.F) {
	for _, tc := range playlistCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, e := range ParsePlaylistEntries([]byte(in)) {
			if e.Duration < 0 || e.URI == "" || strings.HasPrefix(e.URI, "#") {
				t.Errorf("bad entry %+v", e)
			}
		}
	})
}
