package encode

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestArgs(t *testing.T) {
	head := []string{"-hide_banner", "-nostdin", "-loglevel", "level+info"}
	for _, tc := range []struct {
		name string
		job  *Job
		want []string
	}{
		{"audio file", &Job{
			Inputs:  []Input{{Path: "in.wav"}},
			Outputs: []Output{{Path: "out.m4a", AudioCodec: "aac", AudioBitrate: "128k", NoVideo: true, Duration: 2500 * time.Millisecond}},
		}, append(append([]string{}, head...), "-n", "-progress", "pipe:3", "-protocol_whitelist", "file,pipe,crypto", "-i", "file:in.wav",
			"-vn", "-c:a", "aac", "-b:a", "128k", "-t", "2.5", "out.m4a")},
		{"hls defaults", &Job{
			Overwrite: true, GlobalArgs: []string{"-threads", "2"},
			Inputs:  []Input{{Path: "testsrc2", Format: "lavfi", Args: []string{"-re"}}},
			Outputs: []Output{{Path: "out/a%b.m3u8", VideoCodec: "libx264", Args: []string{"-g", "48"}, HLS: &HLSOptions{}}},
		}, append(append([]string{}, head...), "-y", "-progress", "pipe:3", "-threads", "2", "-re", "-f", "lavfi", "-i", "testsrc2",
			"-c:v", "libx264", "-g", "48", "-f", "hls", "-hls_time", "4", "-hls_playlist_type", "vod", "-hls_list_size", "0",
			"-hls_segment_filename", "out/a%%b_%05d.ts", "out/a%b.m3u8")},
		// A two-rung ladder: one decode, split, each rung its own playlist.
		{"ladder", &Job{
			Inputs:        []Input{{Path: "in.mp4"}},
			FilterComplex: "[0:v]split=2[a][b];[a]scale=-2:360[v0];[b]scale=-2:720[v1]",
			Outputs: []Output{
				{Path: "low/index.m3u8", Maps: []string{"[v0]", "0:a"}, VideoBitrate: "800k", AudioCodec: "aac",
					HLS: &HLSOptions{SegmentTime: 2 * time.Second, PlaylistType: "event", FMP4: true, Flags: []string{"independent_segments", "temp_file"}}},
				{Path: "high/index.m3u8", Maps: []string{"[v1]", "0:a"}, VideoBitrate: "3M", AudioCodec: "copy",
					HLS: &HLSOptions{PlaylistType: "live", ListSize: 6, StartNumber: 10, SegmentFilename: "high/s%d.ts"}},
			},
		}, append(append([]string{}, head...), "-n", "-progress", "pipe:3", "-protocol_whitelist", "file,pipe,crypto", "-i", "file:in.mp4",
			"-filter_complex", "[0:v]split=2[a][b];[a]scale=-2:360[v0];[b]scale=-2:720[v1]",
			"-map", "[v0]", "-map", "0:a", "-b:v", "800k", "-c:a", "aac",
			"-f", "hls", "-hls_time", "2", "-hls_playlist_type", "event", "-hls_list_size", "0",
			"-hls_flags", "independent_segments+temp_file", "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4",
			"-hls_segment_filename", "low/index_%05d.m4s", "low/index.m3u8",
			"-map", "[v1]", "-map", "0:a", "-b:v", "3M", "-c:a", "copy",
			"-f", "hls", "-hls_time", "4", "-hls_list_size", "6", "-start_number", "10",
			"-hls_segment_filename", "high/s%d.ts", "high/index.m3u8")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.job.Args(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestIsLocalPath(t *testing.T) {
	for p, want := range map[string]bool{
		"out.mp4": true, "/tmp/x.m3u8": true, "a/b:c.mp4": true, "file:x.mp4": true,
		"-": false, "pipe:1": false, "http://h/x.m3u8": false, "": false,
	} {
		if got := isLocalPath(p); got != want {
			t.Errorf("isLocalPath(%q) = %v", p, got)
		}
	}
}

func TestMarshalEvent(t *testing.T) {
	ov := 1.5
	for _, tc := range []struct {
		ev   Event
		want string
	}{
		{SegmentOpened{Output: 1, Path: "a/s_001.ts", Index: 1}, `{"type":"segment_opened","output":1,"path":"a/s_001.ts","index":1}`},
		{SegmentCompleted{Index: 2, Path: "s.ts", Duration: 1511 * time.Millisecond, Bytes: 9}, `{"type":"segment_completed","output":0,"index":2,"path":"s.ts","bytes":9,"duration":1.511}`},
		{MuxingComplete{Output: -1}, `{"type":"muxing_complete","output":-1,"video_bytes":0,"audio_bytes":0,"overhead":null}`},
		{MuxingComplete{Output: 0, Overhead: &ov}, `{"type":"muxing_complete","output":0,"video_bytes":0,"audio_bytes":0,"overhead":1.5}`},
		{Exited{Status: StatusTimeout, Code: -1}, `{"type":"exited","status":"timeout","code":-1}`},
		{Error{Kind: KindNoSpace, Line: "x"}, `{"type":"error","kind":"no_space","line":"x"}`},
	} {
		b, err := MarshalEvent(tc.ev)
		if err != nil || string(b) != tc.want {
			t.Errorf("MarshalEvent(%#v) = %s, %v\nwant %s", tc.ev, b, err, tc.want)
		}
	}
}

// A playlist left by an earlier run, or a listed segment that is not on
// disk, must never produce SegmentCompleted.
func TestMonitorIgnoresStaleAndMissing(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, age time.Duration) {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-age)
		os.Chtimes(p, old, old)
	}
	pl := "#EXTM3U\n#EXTINF:4.000000,\ns_00000.ts\n#EXTINF:4.000000,\ns_00001.ts\n"
	write("h/p.m3u8", pl, time.Hour)
	write("h/s_00000.ts", "old", time.Hour)
	j := &Job{Dir: dir, Outputs: []Output{{Path: "h/p.m3u8", HLS: &HLSOptions{SegmentFilename: "h/s_%05d.ts", PlaylistType: "event"}}}}
	var evs []string
	m := newMonitor(j, 0, time.Now(), func(e Event) { evs = append(evs, e.Type()) })
	m.line("[hls @ 0x1] [info] Opening 'h/s_00000.ts' for writing")
	m.line("[hls @ 0x1] [info] Opening 'h/s_00001.ts' for writing")
	m.progress(ProgressBlock{})
	if got := strings.Join(evs, " "); got != "segment_opened segment_opened progress" {
		t.Fatalf("stale playlist produced %s", got)
	}
	// Fresh playlist now, but segment 0's file is the old one and segment 1
	// is missing.
	write("h/p.m3u8", pl, 0)
	m.finish(StatusDone, 0)
	if got := strings.Join(evs, " "); got != "segment_opened segment_opened progress exited" {
		t.Fatalf("got %s", got)
	}
}
