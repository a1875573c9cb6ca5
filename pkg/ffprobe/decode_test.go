package ffprobe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// capturedFixtures are ffprobe outputs of the generated clips, saved under
// testdata/probe by `go test -update` so Decode is tested on real output
// without running ffmpeg. Fixtures not in this list (odd.json,
// nostreams.json) are written by hand for cases no encoder produces.
var capturedFixtures = []string{
	"h264_aac.mp4", "h264_aac.ts", "hevc10_opus.mkv", "hevc.ts", "hevc_hev1.mp4",
	"av1_10bit.webm", "vp9.webm", "audio.mp3", "cover.mp3", "audio.flac", "vorbis.ogg",
	"pcm.wav", "eac3.mp4", "rotated.mp4", "anamorphic.mp4", "interlaced.ts", "vfr.mkv",
}

func captureFixture(t *testing.T, clip string) {
	path := media(t, clip)
	bin, err := exec.LookPath("ffprobe")
	if err != nil {
		t.Fatal("ffprobe is needed to capture fixtures (make test installs it)")
	}
	out, err := exec.Command(bin, probeArgs("file:"+path)...).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", clip, err)
	}
	pk, err := exec.Command(bin, packetArgs("file:"+path)...).Output()
	if err != nil {
		t.Fatalf("ffprobe packets %s: %v", clip, err)
	}
	if out, err = mergePackets(out, pk); err != nil {
		t.Fatal(err)
	}
	// Keep fixtures free of this run's temp directory.
	out = bytes.ReplaceAll(out, []byte(strconv.Quote("file:"+path)), []byte(strconv.Quote(clip)))
	if err := os.WriteFile(filepath.Join("testdata", "probe", clip+".json"), out, 0o644); err != nil {
		t.Fatal(err)
	}
}

func fixtureFiles(t testing.TB) []string {
	files, err := filepath.Glob(filepath.Join("testdata", "probe", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		if !strings.HasSuffix(f, ".golden.json") {
			out = append(out, f)
		}
	}
	return out
}

// TestDecodeGolden decodes every fixture and compares the Result with its
// golden file. `go test ./pkg/ffprobe -update` re-captures the fixtures
// from freshly encoded clips and rewrites the golden files and the fuzz
// seed corpus.
func TestDecodeGolden(t *testing.T) {
	if *update {
		for _, clip := range capturedFixtures {
			captureFixture(t, clip)
		}
	}
	files := fixtureFiles(t)
	if len(files) < len(capturedFixtures) {
		t.Fatalf("only %d fixtures in testdata/probe; run go test -update", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			r, err := Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(r, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := strings.TrimSuffix(f, ".json") + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				writeCorpus(t, "FuzzDecode", filepath.Base(f), fmt.Sprintf("[]byte(%q)", data))
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Decode(%s) differs from %s:\n%s", f, golden, firstDiff(got, want))
			}
		})
	}
	if *update {
		for i, c := range codecCases {
			writeCorpus(t, "FuzzCodecString", fmt.Sprintf("seed-%02d", i), fmt.Sprintf("string(%q)\nstring(%q)\nstring(%q)\n[]byte(%q)",
				c.ci.Codec, c.ci.Tag, c.ci.Profile, unhex(t, c.hex)))
		}
	}
}

func writeCorpus(t *testing.T, fuzz, name, values string) {
	dir := filepath.Join("testdata", "fuzz", fuzz)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	body := "go test fuzz v1\n" + values + "\n"
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n got  %s\n want %s", i+1, gl, wl)
		}
	}
	return ""
}

// TestDecodeSpecifics pins the fields the golden files make easy to miss.
func TestDecodeSpecifics(t *testing.T) {
	load := func(name string) *Result {
		data, err := os.ReadFile(filepath.Join("testdata", "probe", name))
		if err != nil {
			t.Fatal(err)
		}
		r, err := Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	odd := load("odd.json")
	v := odd.Video()
	if v.Rotation != 270 || v.SAR != "" || v.DAR != "" || v.FrameRate != 29.97 || v.Width != 1920 || v.Level != 0 || v.CodecString != "avc1.640028" {
		t.Errorf("odd video = %+v", *v)
	}
	if odd.Summary.DisplayWidth != 1080 || odd.Summary.DisplayHeight != 1920 {
		t.Errorf("display %dx%d", odd.Summary.DisplayWidth, odd.Summary.DisplayHeight)
	}
	if odd.Streams[2].Rotation != 180 {
		t.Errorf("rotate tag fallback: %d", odd.Streams[2].Rotation)
	}
	if a := odd.Audio(); a.Language != "eng" || a.Title != "Commentary" || a.Channels != 2 || a.CodecString != "mp4a.40.2" {
		t.Errorf("audio = %+v", *a)
	}
	if odd.Summary.Usable || !slices.Contains(odd.Summary.Problems, "zero or unknown duration") {
		t.Errorf("summary %+v", odd.Summary)
	}
	none := load("nostreams.json")
	if none.Summary.Usable || !slices.Equal(none.Summary.Problems, []string{"no streams"}) {
		t.Errorf("no streams: %+v", none.Summary)
	}
	if _, err := Decode([]byte("{not json")); err == nil {
		t.Error("bad JSON accepted")
	}
}

func TestParseHexDump(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"\n00000000: 0142 c00d ffe1 0016 6742 c00d da05 07ec  .B......gB......\n00000010: 0440 00                                  .@.\n", "0142c00dffe100166742c00dda0507ec044000"},
		// ASCII column that looks like hex must not be read as data.
		{"\n00000000: 3132 3334                                1234\n", "31323334"},
		{"\n", ""},
		{"", ""},
		{"00000000: zz", ""},
	} {
		if got := fmt.Sprintf("%x", parseHexDump(tt.in)); got != tt.want {
			t.Errorf("parseHexDump(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestIrregular(t *testing.T) {
	seq := func(step int64, n int) []int64 {
		var p []int64
		for i := range n {
			p = append(p, int64(i)*step)
		}
		return p
	}
	ntsc := []int64{}
	for i := range 60 {
		ntsc = append(ntsc, int64(math.Round(float64(i)*1001/30))) // 33/34 ms in a 1 ms time base
	}
	dropped := []int64{}
	for i := range 60 {
		if i%3 != 1 {
			dropped = append(dropped, int64(i)*40)
		}
	}
	bframes := []int64{0, 80, 40, 160, 120, 240, 200, 320, 280}
	for _, tt := range []struct {
		name string
		pts  []int64
		want bool
	}{
		{"constant", seq(40, 50), false},
		{"ntsc in ms", ntsc, false},
		{"frames dropped", dropped, true},
		{"b-frame order", bframes, false},
		{"too few", []int64{0, 40, 120}, false},
		{"one gap only", append(seq(40, 20), 20*40+40, 20*40+80), false},
	} {
		if got := irregular(tt.pts); got != tt.want {
			t.Errorf("%s: irregular = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestCheckMP4Boxes(t *testing.T) {
	box := func(typ string, size int) []byte {
		b := make([]byte, size)
		b[0], b[1], b[2], b[3] = byte(size>>24), byte(size>>16), byte(size>>8), byte(size)
		copy(b[4:], typ)
		return b
	}
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	large := make([]byte, 16)
	copy(large, []byte{0, 0, 0, 1, 'm', 'd', 'a', 't', 0, 0, 0, 0, 0, 0, 0, 40})
	for _, tt := range []struct {
		name string
		data []byte
		want string
	}{
		{"whole", cat(box("ftyp", 24), box("moov", 100), box("mdat", 50)), ""},
		{"cut mdat", cat(box("ftyp", 24), box("moov", 100), box("mdat", 50))[:150], "mdat box needs 50 bytes, file has 26"},
		{"size zero runs to end", cat(box("ftyp", 24), []byte{0, 0, 0, 0, 'm', 'd', 'a', 't', 1, 2}), ""},
		{"64-bit size", cat(box("ftyp", 24), large, make([]byte, 24)), ""},
		{"64-bit size cut", cat(box("ftyp", 24), large, make([]byte, 10)), "mdat box needs 40 bytes, file has 26"},
		{"impossible size", cat(box("ftyp", 24), []byte{0, 0, 0, 4, 'f', 'r', 'e', 'e'}), "free box has an impossible size 4"},
		{"stray bytes", cat(box("ftyp", 24), []byte{1, 2, 3}), "3 stray bytes at the end"},
	} {
		err := checkMP4Boxes(bytes.NewReader(tt.data), int64(len(tt.data)))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestClassify(t *testing.T) {
	for _, tt := range []struct{ stderr, want string }{
		{"[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55d] moov atom not found\nfile:x.mp4: Invalid data found when processing input\n", `probe "x.mp4": truncated or damaged (moov atom not found)`},
		{"file:x.mp4: Invalid data found when processing input\n", `probe "x.mp4": not a media file (invalid data found)`},
		{"file:x.mp4: Permission denied\n", `probe "x.mp4": permission denied`},
		{"file:x.mp4: Connection refused\n", `probe "x.mp4": cannot open (Connection refused)`},
		{"[http @ 0x1] HTTP error 404 Not Found\nfile:x.mp4: Server returned 404 Not Found\n", `probe "x.mp4": no such file`},
		{"file:x.mp4: Something new\n", `probe "x.mp4": ffprobe failed (Something new)`},
		{"", `probe "x.mp4": ffprobe failed (exit status 1)`},
	} {
		got := classify("x.mp4", "file:x.mp4", tt.stderr, fmt.Errorf("exit status 1")).Error()
		if got != tt.want {
			t.Errorf("classify(%q) = %q, want %q", tt.stderr, got, tt.want)
		}
	}
}

func TestParseKeyframeCSV(t *testing.T) {
	times, n := parseKeyframeCSV([]byte("0.800000,K__\n0.000000,K_\n0.040000,__\nN/A,K_\n0.400000,K_,\n\n"))
	if !slices.Equal(times, []float64{0, 0.4, 0.8}) || n != 5 {
		t.Errorf("times %v packets %d", times, n)
	}
}

func TestDecodeFirstFrame(t *testing.T) {
	for _, tt := range []struct {
		json string
		want FrameInfo
		ok   bool
	}{
		{`{"packets_and_frames":[{"type":"packet","pts_time":"1.480000","flags":"K_"},{"type":"frame","key_frame":1,"pts_time":"1.480000","pict_type":"I"}]}`, FrameInfo{true, "I", 1.48}, true},
		{`{"packets_and_frames":[{"type":"packet","pts_time":"2.040000","flags":"__"}]}`, FrameInfo{false, "", 2.04}, true},
		{`{"packets_and_frames":[{"type":"packet","pts_time":"2.0","flags":"__"},{"type":"frame","key_frame":1,"pts_time":"2.0","pict_type":"I"}]}`, FrameInfo{false, "I", 2}, true},
		{`{"packets_and_frames":[{"type":"frame","key_frame":0,"pts_time":"N/A","best_effort_timestamp_time":"0.5","pict_type":"P"}]}`, FrameInfo{false, "P", 0.5}, true},
		{`{}`, FrameInfo{}, false},
	} {
		got, ok, err := decodeFirstFrame([]byte(tt.json))
		if err != nil || ok != tt.ok || got != tt.want {
			t.Errorf("%s: %+v %v %v", tt.json, got, ok, err)
		}
	}
}

// FuzzDecode feeds arbitrary JSON to Decode: it must not panic, and a
// result must be consistent and encodable (no NaN or Inf).
func FuzzDecode(f *testing.F) {
	for _, file := range fixtureFiles(f) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Decode(data)
		if err != nil {
			return
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatalf("result does not encode: %v", err)
		}
		if r.Summary.Usable != (len(r.Summary.Problems) == 0) {
			t.Fatalf("usable %v with problems %q", r.Summary.Usable, r.Summary.Problems)
		}
		if r.Summary.DisplayWidth < 0 || r.Summary.DisplayHeight < 0 {
			t.Fatalf("display %dx%d", r.Summary.DisplayWidth, r.Summary.DisplayHeight)
		}
		for _, s := range r.Streams {
			if s.Rotation%90 != 0 || s.Rotation < 0 || s.Rotation >= 360 {
				t.Fatalf("rotation %d", s.Rotation)
			}
		}
	})
}
