package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/viper"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/encode"
	"github.com/veza-media/veza/pkg/layout"
	"github.com/veza-media/veza/pkg/publish"
	"github.com/veza-media/veza/pkg/transcode"
)

func TestNewCmdTranscodeFlags(t *testing.T) {
	s3Defaults := S3Options{UploadJobs: publish.DefaultUploadJobs}
	for _, tt := range []struct {
		name    string
		args    []string
		json    bool
		want    TranscodeOptions
		wantErr string
	}{
		{name: "defaults", args: []string{"a.wav", "-o", "out"}, want: TranscodeOptions{Batch: transcode.Config{
			Inputs: []string{"a.wav"}, OutDir: "out", Format: "file", SegmentTime: 4, Timeout: encode.DefaultTimeout}, S3: s3Defaults}},
		{name: "everything", args: []string{"a", "dir", "-o", "o", "-p", "h264-720p", "--vcodec", "libx265", "--acodec", "libopus",
			"--vb", "2M", "--ab", "96k", "--height", "480", "--format", "hls", "--segment-time", "6", "-j", "3",
			"--timeout", "30s", "--events", "ndjson"},
			want: TranscodeOptions{Batch: transcode.Config{Inputs: []string{"a", "dir"}, OutDir: "o", Preset: "h264-720p",
				Override: transcode.Preset{VCodec: "libx265", ACodec: "libopus", VBitrate: "2M", ABitrate: "96k", Height: 480},
				Format:   "hls", SegmentTime: 6, Jobs: 3, Timeout: 30 * time.Second}, Events: "ndjson", S3: s3Defaults}},
		{name: "stdin list", args: []string{"-", "-o", "o", "--timeout", "0"}, want: TranscodeOptions{Batch: transcode.Config{
			Inputs: []string{"-"}, OutDir: "o", Format: "file", SegmentTime: 4}, S3: s3Defaults}},
		{name: "list presets needs no input", args: []string{"--list-presets"}, want: TranscodeOptions{ListPresets: true,
			Batch: transcode.Config{Format: "file", SegmentTime: 4, Timeout: encode.DefaultTimeout, Inputs: []string{}}, S3: s3Defaults}},
		{name: "publish", args: []string{"a", "-o", "o", "--publish", "s3://media/music", "--s3-endpoint", "http://127.0.0.1:7070", "--s3-path-style", "--upload-jobs", "2"},
			want: TranscodeOptions{Batch: transcode.Config{Inputs: []string{"a"}, OutDir: "o", Format: "file", SegmentTime: 4, Timeout: encode.DefaultTimeout},
				Publish: "s3://media/music", S3: S3Options{Endpoint: "http://127.0.0.1:7070", PathStyle: true, UploadJobs: 2}}},
		{name: "bad publish target", args: []string{"a", "-o", "o", "--publish", "media/music"}, wantErr: "--publish"},
		{name: "endpoint without publish", args: []string{"a", "-o", "o", "--s3-endpoint", "http://127.0.0.1:7070"}, wantErr: "need --publish"},
		{name: "no input", args: []string{"-o", "o"}, wantErr: "requires at least 1 arg"},
		{name: "no output", args: []string{"a"}, wantErr: "--output"},
		{name: "bad format", args: []string{"a", "-o", "o", "--format", "dash"}, wantErr: "--format"},
		{name: "bad segment time", args: []string{"a", "-o", "o", "--segment-time", "0"}, wantErr: "--segment-time"},
		{name: "bad events", args: []string{"a", "-o", "o", "--events", "xml"}, wantErr: "ndjson"},
		{name: "events and json", args: []string{"a", "-o", "o", "--events", "ndjson"}, json: true, wantErr: "choose one"},
		{name: "two stdin lists", args: []string{"-", "-", "-o", "o"}, wantErr: "once"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ios := &IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}, JSON: tt.json}
			var got *TranscodeOptions
			cmd := NewCmdTranscode(&Factory{IO: ios}, func(_ context.Context, o *TranscodeOptions) error {
				got = o
				return nil
			})
			cmd.SetArgs(tt.args)
			cmd.SetOut(ios.Out)
			cmd.SetErr(ios.ErrOut)
			err := cmd.Execute()
			if tt.wantErr != "" {
				var ue *UsageError
				if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want a usage error about %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got == nil {
				t.Fatalf("err %v", err)
			}
			g := *got
			g.IO, g.FFmpeg, g.Prober, g.Presets = nil, nil, nil, nil
			if !reflect.DeepEqual(g, tt.want) {
				t.Errorf("options\n got %+v\nwant %+v", g, tt.want)
			}
		})
	}
}

func TestLoadPresetsFromConfig(t *testing.T) {
	v := viper.New()
	v.SetConfigType("yaml")
	if err := v.ReadConfig(strings.NewReader("transcode:\n  presets:\n    h264-720p: {crf: 20, height: 540}\n    voice: {acodec: libopus, ab: 32k}\n")); err != nil {
		t.Fatal(err)
	}
	ps, err := loadPresets(v)
	if err != nil {
		t.Fatal(err)
	}
	if p := ps["h264-720p"]; p.CRF != 20 || p.Height != 540 || p.VCodec != "libx264" {
		t.Errorf("overridden preset %+v", p)
	}
	if p := ps["voice"]; p.ACodec != "libopus" || p.ABitrate != "32k" || p.Video() {
		t.Errorf("added preset %+v", p)
	}
	names := []string{}
	for _, p := range sortedPresets(ps) {
		names = append(names, p.Name)
	}
	if want := []string{"aac-128", "mp3-256", "opus-96", "flac", "h264-720p", "h264-1080p", "hevc-1080p", "av1-720p", "voice"}; !slices.Equal(names, want) {
		t.Errorf("order %v", names)
	}
	for _, bad := range []string{
		"transcode:\n  presets:\n    x: {speed: 3}\n",
		"transcode:\n  presets:\n    x: {crf: high}\n",
		"transcode:\n  presets:\n    x: {ab: 32k}\n",
		"transcode:\n  presets: 3\n",
	} {
		v := viper.New()
		v.SetConfigType("yaml")
		if err := v.ReadConfig(strings.NewReader(bad)); err != nil {
			t.Fatal(err)
		}
		if _, err := loadPresets(v); err == nil {
			t.Errorf("config %q accepted", bad)
		}
	}
}

func chdir(t *testing.T, dir string) {
	t.Helper()
	old, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chdir(old) })
}

// transcodeRun runs `veza ARGS` as main does, returning the exit code and both streams.
func transcodeRun(t *testing.T, ctx context.Context, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut tcBuffer
	ios := &IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut}
	code := run(ctx, args, ios)
	return code, out.String(), errOut.String()
}

// tcBuffer is a bytes.Buffer safe for the batch's concurrent writers.
type tcBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
	// onWrite, if set, sees every write (under the lock).
	onWrite func(p []byte)
}

func (s *tcBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.onWrite != nil {
		s.onWrite(p)
	}
	return s.b.Write(p)
}

func (s *tcBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func makeMedia(t *testing.T, path string, args ...string) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	full := append([]string{"-hide_banner", "-loglevel", "error", "-y"}, append(args, path)...)
	if out, err := exec.Command("ffmpeg", full...).CombinedOutput(); err != nil {
		t.Fatalf("making %s: %v\n%s", path, err, out)
	}
}

// A folder of good, broken and unrelated files: good ones are encoded,
// broken ones fail without stopping the others, exit 3, nothing half-written.
func TestTranscodeMixedFolder(t *testing.T) {
	dir := t.TempDir()
	chdir(t, dir)
	makeMedia(t, "in/tone.wav", "-f", "lavfi", "-i", "sine=frequency=440:duration=1")
	makeMedia(t, "in/sub/clip.mkv", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=1",
		"-f", "lavfi", "-i", "sine=duration=1", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest")
	os.WriteFile("in/broken.mp3", []byte("not really an mp3"), 0o644)
	os.WriteFile("in/notes.txt", []byte("hello"), 0o644)
	// Media with a name that says nothing: recognised by probing.
	makeMedia(t, "in/noext", "-f", "lavfi", "-i", "sine=duration=1", "-f", "wav")

	code, out, errOut := transcodeRun(t, context.Background(), "", "transcode", "in", "-o", "out", "--json", "--preset", "aac-128")
	if code != ExitPartial {
		t.Fatalf("exit %d, want 3\n%s\n%s", code, out, errOut)
	}
	var items []struct{ Input, Output, Status, Error string }
	if err := json.Unmarshal([]byte(out), &items); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	status := map[string]string{}
	for _, it := range items {
		status[it.Input] = it.Status
		if it.Status == "done" {
			if st, err := os.Stat(it.Output); err != nil || st.Size() == 0 {
				t.Errorf("%s: output %s: %v", it.Input, it.Output, err)
			}
		}
	}
	want := map[string]string{"in/tone.wav": "done", "in/sub/clip.mkv": "done", "in/noext": "done",
		"in/broken.mp3": "error", "in/notes.txt": "skipped"}
	if !reflect.DeepEqual(status, want) {
		t.Errorf("statuses %v, want %v", status, want)
	}
	if !strings.Contains(errOut, `transcode "in/broken.mp3"`) {
		t.Errorf("stderr does not name the broken file:\n%s", errOut)
	}
	var files []string
	filepath.WalkDir("out", func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if want := []string{"out/noext.m4a", "out/sub/clip.m4a", "out/tone.m4a"}; !slices.Equal(files, want) {
		t.Errorf("out holds %v, want %v (no temporary files)", files, want)
	}
}

func TestTranscodeHLSWithEvents(t *testing.T) {
	dir := t.TempDir()
	chdir(t, dir)
	makeMedia(t, "clip.mp4", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=3",
		"-f", "lavfi", "-i", "sine=duration=3", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest")
	code, out, errOut := transcodeRun(t, context.Background(), "", "transcode", "clip.mp4", "-o", "out",
		"--format", "hls", "--segment-time", "1", "--height", "120", "--events", "ndjson")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	types := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if ev["v"] != 1.0 || ev["job"] != 1.0 || ev["file"] != "clip.mp4" || ev["time"] == nil || ev["type"] == nil {
			t.Errorf("envelope of %s", sc.Text())
		}
		typ := ev["type"].(string)
		types[typ]++
		if typ == "segment_completed" {
			p := ev["path"].(string)
			if !strings.HasPrefix(p, filepath.Join("out", "clip")+"/") {
				t.Errorf("segment path %q is not the final one", p)
			}
			if _, err := os.Stat(p); err != nil {
				t.Errorf("segment %s: %v", p, err)
			}
		}
	}
	if types["job_started"] != 1 || types["job_finished"] != 1 || types["exited"] != 1 || types["segment_completed"] != 3 || types["progress"] == 0 {
		t.Errorf("event counts %v", types)
	}
	if !strings.Contains(errOut, "1 done") {
		t.Errorf("summary not on stderr with --events:\n%s", errOut)
	}
	pl, err := os.ReadFile("out/clip/index.m3u8")
	if err != nil || strings.Count(string(pl), "#EXTINF") != 3 {
		t.Errorf("playlist: %v\n%s", err, pl)
	}
	// --height 120 scaled the 240-line source down.
	probe, _ := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=height", "-of", "csv=p=0", "out/clip/seg_00000.ts").Output()
	// (MPEG-TS lists the stream again under its program: keep the first line.)
	if h, _, _ := strings.Cut(strings.TrimSpace(string(probe)), "\n"); h != "120" {
		t.Errorf("segment height %q, want 120", probe)
	}
	// The output is recorded in OUTDIR/veza.db, segments included.
	db, err := catalog.Open(filepath.Join("out", layout.CatalogName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	segs, err := db.Segments(context.Background(), "clip", "h264-720p")
	if err != nil || len(segs) != 3 || segs[0].Path != "clip/seg_00000.ts" {
		t.Errorf("catalog segments %+v, %v", segs, err)
	}
}

// fakeFFmpegScript writes an "ffmpeg" that only sleeps, recording its pid.
func fakeFFmpegScript(t *testing.T) (bin, pidfile string) {
	t.Helper()
	d := t.TempDir()
	bin, pidfile = filepath.Join(d, "ffmpeg"), filepath.Join(d, "pids")
	script := "#!/bin/sh\necho $$ >> " + pidfile + "\nexec sleep 30\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin, pidfile
}

func pidsGone(t *testing.T, pidfile string) {
	t.Helper()
	data, _ := os.ReadFile(pidfile)
	pids := strings.Fields(string(data))
	if len(pids) == 0 {
		t.Fatal("fake ffmpeg never ran")
	}
	for _, p := range pids {
		pid, _ := strconv.Atoi(p)
		deadline := time.Now().Add(3 * time.Second)
		for syscall.Kill(pid, 0) == nil {
			if st, _ := os.ReadFile("/proc/" + p + "/stat"); strings.Contains(string(st), ") Z ") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("ffmpeg %d still running", pid)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func TestTranscodeTimeout(t *testing.T) {
	dir := t.TempDir()
	chdir(t, dir)
	makeMedia(t, "a.wav", "-f", "lavfi", "-i", "sine=duration=1")
	bin, pidfile := fakeFFmpegScript(t)
	start := time.Now()
	code, out, errOut := transcodeRun(t, context.Background(), "", "transcode", "a.wav", "-o", "out", "--json", "--timeout", "1s", "--ffmpeg", bin)
	if code != ExitFailure {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %s", d)
	}
	var items []struct{ Status, Error string }
	json.Unmarshal([]byte(out), &items)
	if len(items) != 1 || items[0].Status != "timeout" || !strings.Contains(items[0].Error, "timed out") {
		t.Errorf("items %+v", items)
	}
	pidsGone(t, pidfile)
	if left, _ := filepath.Glob("out/.*"); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestTranscodeInterrupted(t *testing.T) {
	dir := t.TempDir()
	chdir(t, dir)
	for _, n := range []string{"a", "b", "c"} {
		makeMedia(t, n+".wav", "-f", "lavfi", "-i", "sine=duration=1")
	}
	bin, pidfile := fakeFFmpegScript(t)
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	var out, errOut tcBuffer
	// Interrupt as soon as the first two jobs have started.
	started := 0
	out.onWrite = func(p []byte) {
		started += strings.Count(string(p), `"type":"job_started"`)
		if started == 2 {
			go func() {
				time.Sleep(200 * time.Millisecond) // let both ffmpeg start
				cancel(errInterrupted)
			}()
		}
	}
	ios := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	code := run(ctx, []string{"transcode", "a.wav", "b.wav", "c.wav", "-o", "out", "-j", "2", "--events", "ndjson", "--ffmpeg", bin}, ios)
	if code != ExitInterrupted {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	pidsGone(t, pidfile)
	if !strings.Contains(errOut.String(), "3 cancelled") {
		t.Errorf("summary:\n%s", errOut.String())
	}
	entries, _ := os.ReadDir("out")
	if len(entries) != 0 {
		t.Errorf("out holds %v after interrupt", entries)
	}
}

// On a terminal the batch draws an overall bar with a line per running job,
// all on stderr; stdout stays clean.
func TestTranscodeUIBars(t *testing.T) {
	var out, errOut tcBuffer
	ios := &IOStreams{Out: &out, ErrOut: &errOut, ErrTTY: true}
	ui := newTranscodeUI(ios, false)
	ui.event(transcode.Event{Data: transcode.Planned{Files: 2, Duration: 20, Jobs: 2}})
	if ui.bar == nil {
		t.Fatal("no bar on a terminal")
	}
	ui.event(transcode.Event{Job: 1, File: "dir/a.wav", Data: transcode.JobStarted{Duration: 10}})
	ui.event(transcode.Event{Job: 1, File: "dir/a.wav", Data: encode.Progress{OutTime: 5 * time.Second, Percent: 50, Speed: 2}})
	ui.event(transcode.Event{Job: 1, File: "dir/a.wav", Data: transcode.JobFinished{Status: "done", Duration: 10}})
	ui.event(transcode.Event{Job: 2, File: "b.wav", Data: transcode.JobFinished{Status: "error", Error: `transcode "b.wav": broken`}})
	ui.close()
	if out.String() != "" {
		t.Errorf("stdout: %q", out.String())
	}
	for _, want := range []string{"files", "a.wav", `veza: transcode "b.wav": broken`} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%q", want, errOut.String())
		}
	}
	quiet := newTranscodeUI(&IOStreams{Out: &out, ErrOut: &errOut, ErrTTY: true, Quiet: true}, false)
	quiet.event(transcode.Event{Data: transcode.Planned{Files: 2, Duration: 20, Jobs: 2}})
	if quiet.bar != nil {
		t.Error("bar drawn with --quiet")
	}
}
