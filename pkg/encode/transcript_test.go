package encode

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// A transcript is what ffmpeg printed during one run, replayable through the
// monitor. testdata/transcripts/NAME.txt holds it; NAME.events.jsonl the
// events it must produce (rewritten with -update). Line forms:
//
//	# comment
//	J {"duration":3,"stats_progress":false,"outputs":[{"path":"hls/out.m3u8","hls":{...}}]}
//	E "stderr bytes, Go-quoted"
//	P "-progress bytes, Go-quoted"
//	F path "file content, Go-quoted"   (ffmpeg wrote a file: a playlist)
//	Z path SIZE                        (ffmpeg wrote a file of SIZE bytes: a segment)
//	X CODE [STATUS]                    (ffmpeg exited; STATUS defaults from CODE)
//
// Files are written, relative to a temporary directory, at the point where
// they appear, so the monitor sees the disk as it was during the run.

var capture = flag.Bool("capture", false, "re-capture the ffmpeg-*.txt transcripts from the ffmpeg on PATH")

type transcriptHeader struct {
	Duration      float64            `json:"duration"`
	StatsProgress bool               `json:"stats_progress,omitempty"`
	Outputs       []transcriptOutput `json:"outputs"`
}

type transcriptOutput struct {
	Path string         `json:"path"`
	HLS  *transcriptHLS `json:"hls,omitempty"`
}

type transcriptHLS struct {
	SegmentFilename string `json:"segment_filename,omitempty"`
	PlaylistType    string `json:"playlist_type,omitempty"`
	FMP4            bool   `json:"fmp4,omitempty"`
}

func (h transcriptHeader) job(dir string) *Job {
	j := &Job{Dir: dir}
	for _, o := range h.Outputs {
		out := Output{Path: o.Path}
		if o.HLS != nil {
			out.HLS = &HLSOptions{SegmentFilename: o.HLS.SegmentFilename, PlaylistType: o.HLS.PlaylistType, FMP4: o.HLS.FMP4}
		}
		j.Outputs = append(j.Outputs, out)
	}
	return j
}

// replay runs a transcript through a monitor and returns the events as JSON lines.
func replay(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var out bytes.Buffer
	emit := func(ev Event) {
		b, err := MarshalEvent(ev)
		if err != nil {
			t.Fatal(err)
		}
		out.Write(b)
		out.WriteByte('\n')
	}
	var mon *monitor
	var errSplit, progSplit lineSplitter
	var prog progressParser
	exited := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		op, rest, _ := strings.Cut(line, " ")
		fail := func(err error) { t.Fatalf("%s:%d: %v", path, n, err) }
		if op != "J" && mon == nil {
			fail(errors.New("no J header before the first record"))
		}
		switch op {
		case "J":
			var h transcriptHeader
			if err := json.Unmarshal([]byte(rest), &h); err != nil {
				fail(err)
			}
			mon = newMonitor(h.job(dir), time.Duration(h.Duration*float64(time.Second)), time.Now(), emit)
			mon.statsProgress = h.StatsProgress
		case "E", "P":
			s, err := strconv.Unquote(rest)
			if err != nil {
				fail(err)
			}
			if op == "E" {
				errSplit.feed([]byte(s), mon.line)
			} else {
				progSplit.feed([]byte(s), func(l string) {
					if b, ok := prog.line(l); ok {
						mon.progress(b)
					}
				})
			}
		case "F", "Z":
			name, arg, _ := strings.Cut(rest, " ")
			var content []byte
			if op == "F" {
				s, err := strconv.Unquote(arg)
				if err != nil {
					fail(err)
				}
				content = []byte(s)
			} else {
				size, err := strconv.Atoi(arg)
				if err != nil {
					fail(err)
				}
				content = make([]byte, size)
			}
			p := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				fail(err)
			}
			// Like ffmpeg: write aside, then rename into place.
			if err := os.WriteFile(p+".writing", content, 0o644); err != nil {
				fail(err)
			}
			if err := os.Rename(p+".writing", p); err != nil {
				fail(err)
			}
		case "X":
			f := strings.Fields(rest)
			code, err := strconv.Atoi(f[0])
			if err != nil {
				fail(err)
			}
			status := StatusDone
			if code != 0 {
				status = StatusError
			}
			if len(f) > 1 {
				status = Status(f[1])
			}
			errSplit.flush(mon.line)
			mon.finish(status, code)
			exited = true
		default:
			fail(fmt.Errorf("unknown record %q", op))
		}
	}
	if !exited {
		t.Fatalf("%s: no X record", path)
	}
	return out.Bytes()
}

func TestTranscripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/transcripts/*.txt")
	if len(files) < 8 {
		t.Fatalf("found %d transcripts", len(files))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".txt")
		t.Run(name, func(t *testing.T) {
			got := replay(t, f)
			golden := strings.TrimSuffix(f, ".txt") + ".events.jsonl"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("events differ from %s (run with -update after checking):\n%s", golden, lineDiff(want, got))
			}
		})
	}
}

// lineDiff shows the first differing lines.
func lineDiff(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\nwant %s\n got %s", i+1, a, b)
		}
	}
	return "(same lines)"
}

// TestCaptureTranscripts records the ffmpeg-5.1-*.txt transcripts from real
// runs (go test ./pkg/encode -run Capture -capture), to be replayed later on
// machines with another ffmpeg.
func TestCaptureTranscripts(t *testing.T) {
	if !*capture {
		t.Skip("only with -capture: rewrites testdata/transcripts from the local ffmpeg")
	}
	lavfiAV := []Input{
		{Path: "testsrc2=size=320x240:rate=25:duration=3", Format: "lavfi"},
		{Path: "sine=frequency=440:duration=3", Format: "lavfi"},
	}
	x264 := []string{"-preset", "ultrafast", "-g", "25"}
	scenarios := []struct {
		name  string
		job   Job
		setup func(dir string)
	}{
		{"hls-vod", Job{Inputs: lavfiAV, Duration: 3 * time.Second, Outputs: []Output{{
			Path: "hls/index.m3u8", VideoCodec: "libx264", AudioCodec: "aac", Args: x264,
			HLS: &HLSOptions{SegmentTime: time.Second, SegmentFilename: "hls/seg_%03d.ts"}}}}, nil},
		{"hls-fmp4-tempfile", Job{Inputs: lavfiAV[:1], Duration: 3 * time.Second, Outputs: []Output{{
			Path: "v/index.m3u8", VideoCodec: "libx264", Args: x264,
			HLS: &HLSOptions{SegmentTime: time.Second, FMP4: true, Flags: []string{"independent_segments", "temp_file"}}}}}, nil},
		{"ladder-two-outputs", Job{Inputs: lavfiAV, Duration: 3 * time.Second,
			FilterComplex: "[0:v]split=2[a][b];[a]scale=160:120[lo];[b]scale=320:240[hi]",
			Outputs: []Output{
				{Path: "low/index.m3u8", Maps: []string{"[lo]", "1:a"}, VideoCodec: "libx264", AudioCodec: "aac", Args: x264,
					HLS: &HLSOptions{SegmentTime: time.Second, PlaylistType: "event"}},
				{Path: "high/index.m3u8", Maps: []string{"[hi]", "1:a"}, VideoCodec: "libx264", AudioCodec: "aac", Args: x264,
					HLS: &HLSOptions{SegmentTime: time.Second, PlaylistType: "event"}},
			}}, nil},
		{"audio-m4a", Job{Inputs: lavfiAV[1:], Duration: 3 * time.Second, Outputs: []Output{{Path: "tone.m4a", AudioCodec: "aac"}}}, nil},
		{"invalid-data", Job{Inputs: []Input{{Path: "garbage.mp4"}}, Outputs: []Output{{Path: "out.m4a"}}},
			func(dir string) { _ = os.WriteFile(filepath.Join(dir, "garbage.mp4"), []byte("not media\n"), 0o644) }},
		{"missing-input", Job{Inputs: []Input{{Path: "missing.wav"}}, Outputs: []Output{{Path: "out.m4a"}}}, nil},
		{"unknown-encoder", Job{Inputs: lavfiAV[1:], Outputs: []Output{{Path: "out.m4a", AudioCodec: "nope"}}}, nil},
		{"unknown-option", Job{Inputs: lavfiAV[1:], Outputs: []Output{{Path: "out.m4a", Args: []string{"-bogus", "1"}}}}, nil},
	}
	for i := range scenarios {
		sc := &scenarios[i]
		t.Run(sc.name, func(t *testing.T) {
			dir := t.TempDir()
			if sc.setup != nil {
				sc.setup(dir)
			}
			j := &sc.job
			j.Dir = dir
			var mu sync.Mutex
			var rec bytes.Buffer
			j.tap = func(stream byte, p []byte) {
				mu.Lock()
				defer mu.Unlock()
				fmt.Fprintf(&rec, "%c %s\n", stream, strconv.Quote(string(p)))
			}
			var code int
			j.OnEvent = func(e Event) {
				if x, ok := e.(Exited); ok {
					code = x.Code
				}
			}
			_ = j.Run(context.Background())
			var h transcriptHeader
			h.Duration = j.Duration.Seconds()
			for _, o := range j.Outputs {
				to := transcriptOutput{Path: o.Path}
				if o.HLS != nil {
					to.HLS = &transcriptHLS{SegmentFilename: o.HLS.SegmentFilename, PlaylistType: o.HLS.PlaylistType, FMP4: o.HLS.FMP4}
				}
				h.Outputs = append(h.Outputs, to)
			}
			hj, _ := json.Marshal(h)
			var b strings.Builder
			fmt.Fprintf(&b, "# Captured from %s by TestCaptureTranscripts.\n# ffmpeg %s\n", ffmpegVersion(t), strings.Join(j.Args(), " "))
			fmt.Fprintf(&b, "J %s\n%s", hj, rec.String())
			// The files as ffmpeg left them: playlists and the segments they list.
			for _, o := range j.Outputs {
				if o.HLS == nil {
					continue
				}
				pl, err := os.ReadFile(filepath.Join(dir, o.Path))
				if err != nil {
					continue
				}
				for _, e := range ParsePlaylistEntries(pl) {
					seg := filepath.Join(filepath.Dir(o.Path), e.URI)
					if st, err := os.Stat(filepath.Join(dir, seg)); err == nil {
						fmt.Fprintf(&b, "Z %s %d\n", seg, st.Size())
					}
				}
				fmt.Fprintf(&b, "F %s %s\n", o.Path, strconv.Quote(string(pl)))
			}
			fmt.Fprintf(&b, "X %d\n", code)
			name := filepath.Join("testdata", "transcripts", "ffmpeg-5.1-"+sc.name+".txt")
			if err := os.WriteFile(name, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func ffmpegVersion(t *testing.T) string {
	out, err := execOutput("ffmpeg", "-version")
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(out, "\n")
	return first
}
