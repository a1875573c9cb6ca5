package transcode

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/veza-media/veza/internal/testmedia"
	"github.com/veza-media/veza/pkg/audio"
	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/encode"
	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/recorder"
	"github.com/veza-media/veza/pkg/shard"
)

func TestBuildOutput(t *testing.T) {
	h264 := builtinPresets[4]
	opus := builtinPresets[2]
	for _, tt := range []struct {
		name string
		p    Preset
		src  source
		hls  bool
		want []string // ffmpeg arguments of the output
	}{
		{"never upscale", h264, source{HasVideo: true, HasAudio: true, DisplayHeight: 480}, false,
			[]string{"-map", "0:v:0", "-map", "0:a:0?", "-c:v", "libx264", "-c:a", "aac", "-b:a", "128k",
				"-preset", "veryfast", "-pix_fmt", "yuv420p", "-crf", "23", "-movflags", "+faststart", "o.mp4"}},
		{"scale down", h264, source{HasVideo: true, DisplayHeight: 1080}, false,
			[]string{"-map", "0:v:0", "-c:v", "libx264", "-vf", "scale=-2:720", "-an",
				"-preset", "veryfast", "-pix_fmt", "yuv420p", "-crf", "23", "-movflags", "+faststart", "o.mp4"}},
		{"bit rate replaces crf", Preset{Name: "x", VCodec: "libx264", CRF: 23, VBitrate: "2M", ACodec: "aac"}, source{HasVideo: true}, false,
			[]string{"-map", "0:v:0", "-c:v", "libx264", "-b:v", "2M", "-an", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-movflags", "+faststart", "o.mp4"}},
		{"audio preset drops video", opus, source{HasVideo: true, HasAudio: true}, false,
			[]string{"-vn", "-c:a", "libopus", "-b:a", "96k", "o.mp4"}},
		{"opus in hls is fmp4", opus, source{HasAudio: true}, true,
			[]string{"-vn", "-c:a", "libopus", "-b:a", "96k", "-f", "hls", "-hls_time", "6", "-hls_playlist_type", "vod",
				"-hls_list_size", "0", "-hls_flags", "independent_segments", "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4",
				"-hls_segment_filename", "seg_%05d.m4s", "o.mp4"}},
		{"h264 hls keyframes on boundaries", h264, source{HasVideo: true, HasAudio: true, DisplayHeight: 360}, true,
			[]string{"-map", "0:v:0", "-map", "0:a:0?", "-c:v", "libx264", "-c:a", "aac", "-b:a", "128k",
				"-preset", "veryfast", "-pix_fmt", "yuv420p", "-crf", "23", "-force_key_frames", "expr:gte(t,n_forced*6)",
				"-f", "hls", "-hls_time", "6", "-hls_playlist_type", "vod", "-hls_list_size", "0", "-hls_flags", "independent_segments",
				"-hls_segment_filename", "seg_%05d.ts", "o.mp4"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := buildOutput(tt.p, tt.src, "o.mp4", tt.hls, 6)
			j := &encode.Job{Inputs: []encode.Input{{Path: "in"}}, Outputs: []encode.Output{o}}
			args := j.Args()
			got := args[slices.Index(args, "file:in")+1:]
			if !slices.Equal(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestExpandInputs(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"music/a.wav", "music/sub/b.flac", "music/.hidden.wav", "music/.tmp/x.wav", "music/out/done.m4a", "c.mp4", "d.mp4"} {
		p := filepath.Join(dir, f)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte("x"), 0o644)
	}
	chdir(t, dir)
	items, err := expandInputs([]string{"music", "*.mp4", "missing.wav", "-", "c.mp4"}, strings.NewReader("d.mp4\n\nmusic/a.wav\n"), filepath.Join(dir, "music/out"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		s := it.Input + "|" + it.rel + "|" + strconv.FormatBool(it.explicit)
		if it.Status != "" {
			s += "|" + it.Error
		}
		got = append(got, s)
	}
	want := []string{
		"music/a.wav|.|false", "music/sub/b.flac|sub|false",
		"c.mp4||true", "d.mp4||true",
		`missing.wav||true|transcode "missing.wav": no such file`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
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

func makeMedia(t *testing.T, path string, args ...string) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	full := append([]string{"-hide_banner", "-loglevel", "error", "-y"}, append(args, path)...)
	if out, err := exec.Command("ffmpeg", full...).CombinedOutput(); err != nil {
		t.Fatalf("making %s: %v\n%s", path, err, out)
	}
}

func TestShellQuote(t *testing.T) {
	got := shellQuote([]string{"-i", "my file.mp4", "-map", "0:a:0?", "it's", ""})
	if want := `-i 'my file.mp4' -map '0:a:0?' 'it'\''s' ''`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// A folder of good, broken and unrelated files: good ones are encoded,
// broken ones fail without stopping the others, nothing half-written; the
// events bracket every file with job_started and job_finished.
func TestRunMixedFolder(t *testing.T) {
	dir := t.TempDir()
	chdir(t, dir)
	makeMedia(t, "in/tone.wav", "-f", "lavfi", "-i", "sine=frequency=440:duration=1")
	makeMedia(t, "in/sub/clip.mkv", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=1",
		"-f", "lavfi", "-i", "sine=duration=1", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest")
	os.WriteFile("in/broken.mp3", []byte("not really an mp3"), 0o644)
	os.WriteFile("in/notes.txt", []byte("hello"), 0o644)
	// Media with a name that says nothing: recognised by probing.
	makeMedia(t, "in/noext", "-f", "lavfi", "-i", "sine=duration=1", "-f", "wav")

	var events []Event
	res, err := Run(context.Background(), Config{Inputs: []string{"in"}, OutDir: "out", Preset: "aac-128",
		OnEvent: func(e Event) { events = append(events, e) }})
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]string{}
	for _, it := range res.Items {
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
	if failed, total := res.Counts(); failed != 1 || total != 4 {
		t.Errorf("counts %d of %d, want 1 of 4", failed, total)
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
	if p, ok := events[0].Data.(Planned); !ok || p.Files != 3 || p.Jobs < 1 {
		t.Errorf("first event %+v, want Planned for 3 files", events[0])
	}
	// Per file: job_started first (if it ran), job_finished last.
	started, last := map[int]bool{}, map[int]string{}
	for _, e := range events[1:] {
		if e.Job < 1 || e.File != res.Items[e.Job-1].Input {
			t.Fatalf("event %+v names job %d", e, e.Job)
		}
		if e.Data == nil {
			continue
		}
		if _, ok := e.Data.(JobStarted); ok {
			started[e.Job] = true
		} else if !started[e.Job] && e.Data.Type() != "job_finished" {
			t.Errorf("%s before job_started for %s", e.Data.Type(), e.File)
		}
		if last[e.Job] == "job_finished" {
			t.Errorf("%s after job_finished for %s", e.Data.Type(), e.File)
		}
		last[e.Job] = e.Data.Type()
	}
	for i, it := range res.Items {
		if last[i+1] != "job_finished" || started[i+1] != (it.Status == "done") {
			t.Errorf("%s: last event %q, started %v", it.Input, last[i+1], started[i+1])
		}
	}
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	chdir(t, dir)
	makeMedia(t, "a.wav", "-f", "lavfi", "-i", "sine=duration=0.5")
	for _, tc := range []struct {
		name string
		cfg  Config
		is   error
	}{
		{"unknown preset", Config{Inputs: []string{"a.wav"}, OutDir: "out", Preset: "nope"}, ErrUnknownPreset},
		{"flac in hls", Config{Inputs: []string{"a.wav"}, OutDir: "out", Preset: "flac", Format: FormatHLS}, ErrFLACInHLS},
		{"no inputs", Config{Inputs: []string{"-"}, Stdin: strings.NewReader(""), OutDir: "out"}, ErrNoInputs},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Run(context.Background(), tc.cfg)
			if !errors.Is(err, tc.is) || res != nil {
				t.Errorf("err %v, result %v; want %v", err, res, tc.is)
			}
			if strings.Contains(err.Error(), "--") {
				t.Errorf("library error names a flag: %v", err)
			}
		})
	}
	if _, err := Run(context.Background(), Config{Inputs: []string{"a.wav"}, OutDir: "out", Format: "dash"}); err == nil {
		t.Error("format dash accepted")
	}
}

// TestRunLoudness brings a quiet source to -14 LUFS and cuts its gap; the
// item reports the preparation and the measured output.
func TestRunLoudness(t *testing.T) {
	dir := t.TempDir()
	chdir(t, dir)
	graph := "sine=frequency=440:duration=6:sample_rate=44100,volume=0.62[a];anullsrc=r=44100:cl=mono,atrim=duration=5[b];" +
		"sine=frequency=660:duration=6:sample_rate=44100,volume=0.62[c];[a][b][c]concat=n=3:v=0:a=1"
	makeMedia(t, "show.wav", "-f", "lavfi", "-i", graph)
	var notes []string
	res, err := Run(context.Background(), Config{Inputs: []string{"show.wav"}, OutDir: "out", Preset: "aac-128",
		Audio: audio.Settings{Loudness: -14, TrimSilence: 3}, OnEvent: func(e Event) {
			if e.Message != "" && !e.Debug {
				notes = append(notes, e.Message)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	it := res.Items[0]
	l := it.Loudness
	if it.Status != "done" || l == nil || len(l.Outputs) != 1 || l.Normalization != "linear" {
		t.Fatalf("item %+v, loudness %+v", it, l)
	}
	o := l.Outputs[0]
	if o.Integrated == nil || *o.Integrated < -15 || *o.Integrated > -13 || len(o.Silences) != 0 || l.Cut < 4.4 || l.Cut > 4.6 {
		t.Errorf("loudness %+v, output %+v", l, o)
	}
	if len(notes) != 2 || !strings.HasPrefix(notes[0], "linear normalisation") || !strings.HasPrefix(notes[1], "output -1") {
		t.Errorf("notes %q", notes)
	}
}

// WriteNDJSON writes the v1 envelope around an event's own fields, and
// nothing for events outside the schema.
func TestWriteNDJSON(t *testing.T) {
	at := time.Date(2026, 11, 21, 10, 29, 50, 810000000, time.UTC)
	var b bytes.Buffer
	for _, e := range []Event{
		{Job: 1, File: "clip.mp4", Time: at, Data: encode.SegmentCompleted{Index: 2, Path: "out/clip/seg_00002.ts", Bytes: 88312, Duration: 960 * time.Millisecond}},
		{Job: 2, File: "b.wav", Time: at, Data: JobStarted{Output: "out/b.m4a", Preset: "aac-128", Duration: 1.5}},
		{Job: 2, File: "b.wav", Time: at, Data: JobFinished{Status: "error", Error: "broken"}},
		{Time: at, Data: Planned{Files: 2}},
		{Job: 2, File: "b.wav", Time: at, Message: "a note"},
	} {
		if err := WriteNDJSON(&b, e); err != nil {
			t.Fatal(err)
		}
	}
	want := `{"v":1,"type":"segment_completed","output":0,"index":2,"path":"out/clip/seg_00002.ts","bytes":88312,"duration":0.96,"time":"2026-11-21T10:29:50.81Z","job":1,"file":"clip.mp4"}
{"v":1,"type":"job_started","output":"out/b.m4a","preset":"aac-128","duration":1.5,"time":"2026-11-21T10:29:50.81Z","job":2,"file":"b.wav"}
{"v":1,"type":"job_finished","status":"error","bytes":0,"duration":0,"elapsed":0,"speed":0,"error":"broken","time":"2026-11-21T10:29:50.81Z","job":2,"file":"b.wav"}
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	sc := bufio.NewScanner(&b)
	for sc.Scan() {
		if !json.Valid(sc.Bytes()) {
			t.Errorf("not JSON: %s", sc.Text())
		}
	}
}

// TestRunDamagedSource: a damaged but decodable source is encoded with a
// warning (exit 0 used to come with no word at all); Strict fails it and
// keeps no output. Outputs have normal permissions, not the temporary
// file's 0600.
func TestRunDamagedSource(t *testing.T) {
	dir := t.TempDir()
	chdir(t, dir)
	src := testmedia.DamagedTS(t, dir, 4)
	for _, strict := range []bool{false, true} {
		out := filepath.Join(dir, "out-"+strconv.FormatBool(strict))
		var finished *JobFinished
		res, err := Run(context.Background(), Config{Inputs: []string{src}, OutDir: out, Preset: "aac-128", Strict: strict,
			OnEvent: func(e Event) {
				if f, ok := e.Data.(JobFinished); ok {
					finished = &f
				}
			}})
		if err != nil {
			t.Fatal(err)
		}
		it := res.Items[0]
		if it.Damage == nil || it.Damage.Errors == 0 || finished == nil || finished.Damage == nil {
			t.Fatalf("strict=%v: damage %+v, job_finished %+v", strict, it.Damage, finished)
		}
		if !strict {
			st, err := os.Stat(it.Output)
			if it.Status != "done" || err != nil || st.Mode().Perm() != 0o644 {
				t.Fatalf("status %s, output %v %v, want done with mode 0644", it.Status, st, err)
			}
			continue
		}
		if it.Status != "error" || !strings.Contains(it.Error, "source damaged") || !strings.Contains(it.Error, "decode errors") {
			t.Fatalf("strict: status %s error %q", it.Status, it.Error)
		}
		if entries, _ := os.ReadDir(out); len(entries) != 0 {
			t.Fatalf("strict left %d files in the output folder", len(entries))
		}
	}
}

// With a Recorder, every HLS output is a track with one rendition (the
// preset) whose segments are those of the final playlist, paths relative to
// the catalog's root; a rerun replaces them with its own.
func TestRunRecordsHLS(t *testing.T) {
	dir := t.TempDir()
	chdir(t, dir)
	makeMedia(t, "in/Tone One.wav", "-f", "lavfi", "-i", "sine=frequency=440:duration=5")
	makeMedia(t, "in/sub/tone.wav", "-f", "lavfi", "-i", "sine=frequency=880:duration=3")
	db, err := catalog.Open(catalog.DefaultPath("out"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rec := &recorder.Recorder{DB: db, Root: "out"}
	ctx := context.Background()
	run := func() *Result {
		t.Helper()
		res, err := Run(ctx, Config{Inputs: []string{"in"}, OutDir: "out", Preset: "aac-128", Format: FormatHLS,
			SegmentTime: 2, Recorder: rec})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	for range 2 {
		res := run()
		for _, it := range res.Items {
			if it.Status != "done" {
				t.Fatalf("%s: %s %s", it.Input, it.Status, it.Error)
			}
		}
		for track, want := range map[string]string{"tone-one": "tone-one/index.m3u8", "sub-tone": "sub/tone/index.m3u8"} {
			d, err := db.Track(ctx, track)
			if err != nil {
				t.Fatalf("track %s: %v", track, err)
			}
			if len(d.Renditions) != 1 || d.Renditions[0].Name != "aac-128" || d.Renditions[0].Kind != catalog.KindAudio ||
				d.Renditions[0].Status != catalog.StatusDone || d.Renditions[0].PlaylistPath != strings.Replace(want, "tone-one", "Tone One", 1) {
				t.Errorf("track %s renditions %+v", track, d.Renditions)
			}
			if d.Jobs[0].Kind != "transcode" || d.Jobs[0].Status != catalog.StatusDone {
				t.Errorf("track %s newest job %+v", track, d.Jobs[0])
			}
			segs, err := db.Segments(ctx, track, "aac-128")
			if err != nil {
				t.Fatal(err)
			}
			pl, err := hls.ReadMedia(filepath.Join("out", filepath.FromSlash(d.Renditions[0].PlaylistPath)))
			if err != nil {
				t.Fatal(err)
			}
			if len(segs) != len(pl.Segments) || len(segs) < 2 {
				t.Fatalf("track %s: %d segment rows, playlist has %d", track, len(segs), len(pl.Segments))
			}
			for i, s := range segs {
				if s.JobID != d.Jobs[0].ID || s.Bytes == 0 || s.Path != path.Join(path.Dir(d.Renditions[0].PlaylistPath), pl.Segments[i].URI) {
					t.Errorf("track %s segment %+v", track, s)
				}
			}
		}
	}
	jobs, _ := db.Jobs(ctx, catalog.JobFilter{Status: catalog.StatusDone})
	if len(jobs) != 4 {
		t.Errorf("%d done jobs after two runs of two files, want 4", len(jobs))
	}
	// A catalog only records HLS.
	_, err = Run(ctx, Config{Inputs: []string{"in"}, OutDir: "out", Recorder: rec})
	if err == nil {
		t.Error("a file transcode with a Recorder was accepted")
	}
}

// TestRunShards: three shards over one mixed folder take every file exactly
// once between them, skipped and failed ones included, each sorted.
func TestRunShards(t *testing.T) {
	dir := t.TempDir()
	chdir(t, dir)
	for _, name := range []string{"in/a.wav", "in/b.wav", "in/sub/c.wav", "in/sub/d.wav"} {
		makeMedia(t, name, "-f", "lavfi", "-i", "sine=duration=0.2")
	}
	os.WriteFile("in/notes.txt", []byte("hello"), 0o644)
	os.WriteFile("in/broken.mp3", []byte("not an mp3"), 0o644)
	seen := map[string]int{}
	for i := 1; i <= 3; i++ {
		var msgs []string
		res, err := Run(context.Background(), Config{Inputs: []string{"in"}, OutDir: "out", Preset: "aac-128",
			Shard: shard.Shard{Index: i, Count: 3}, OnEvent: func(e Event) {
				if e.Message != "" && e.File == "" {
					msgs = append(msgs, e.Message)
				}
			}})
		if err != nil {
			t.Fatalf("shard %d: %v", i, err)
		}
		var names []string
		for _, it := range res.Items {
			seen[it.Input]++
			names = append(names, it.Input)
		}
		if !slices.IsSorted(names) {
			t.Errorf("shard %d: items not sorted: %v", i, names)
		}
		if want := fmt.Sprintf("shard %d/3: %d of 6 inputs", i, len(res.Items)); len(msgs) != 1 || msgs[0] != want {
			t.Errorf("shard %d said %q, want %q", i, msgs, want)
		}
	}
	want := []string{"in/a.wav", "in/b.wav", "in/broken.mp3", "in/notes.txt", "in/sub/c.wav", "in/sub/d.wav"}
	for _, in := range want {
		if seen[in] != 1 {
			t.Errorf("%s taken %d times", in, seen[in])
		}
	}
	if len(seen) != len(want) {
		t.Errorf("taken: %v", seen)
	}
}
