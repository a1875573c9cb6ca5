package cli

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/veza-media/veza/pkg/live"
)

func TestSegmentLiveFlags(t *testing.T) {
	run := func(args ...string) (*LiveOptions, error) { return captureOptions(NewCmdSegmentLive, args...) }
	o, err := run("srt://0.0.0.0:9000?mode=listener", "-o", "out")
	if err != nil {
		t.Fatal(err)
	}
	// Live defaults: 2 s segments (not the 4 s of files), no time limit
	// (not the 10 minutes of file encodes), a window of 10.
	if o.Input != "srt://0.0.0.0:9000?mode=listener" || o.OutDir != "out" || o.SegmentTime != 2*time.Second || o.Timeout != 0 ||
		o.Window != 10 || o.Event || o.IdleTimeout != 10*time.Second || o.Reconnect || o.Mode != "" || o.Preset != "veryfast" {
		t.Errorf("defaults: %+v", o)
	}
	o, err = run("udp://127.0.0.1:5000", "-o", "out", "--segment-time", "1", "--window", "6", "--idle-timeout", "3s",
		"--wait-timeout", "1m", "--reconnect", "--record", "raw.ts", "--max-live", "4", "--copy", "--timeout", "2h",
		"--track", "cam1", "--catalog", "c.db", "--force")
	if err != nil {
		t.Fatal(err)
	}
	if o.SegmentTime != time.Second || o.Window != 6 || o.IdleTimeout != 3*time.Second || o.WaitTimeout != time.Minute ||
		!o.Reconnect || o.Record != "raw.ts" || o.MaxLive != 4 || o.Mode != live.ModeCopy || o.Timeout != 2*time.Hour ||
		o.TrackID != "cam1" || o.CatalogPath != "c.db" || !o.Force {
		t.Errorf("flags: %+v", o)
	}
	if o, err = run("udp://127.0.0.1:5000", "-o", "out", "--ladder", "audio"); err != nil || o.Ladder == nil ||
		o.Ladder.Name != "audio" || len(o.Ladder.Rungs) == 0 {
		t.Errorf("--ladder audio: %+v %v", o, err)
	}
	o, err = run("udp://127.0.0.1:5000", "-o", "out", "--publish", "s3://live/show", "--s3-endpoint", "http://127.0.0.1:7070", "--s3-path-style", "--upload-jobs", "3")
	if err != nil || o.Publish == nil || o.Publish.Target != "s3://live/show" || o.Publish.Endpoint != "http://127.0.0.1:7070" ||
		!o.Publish.PathStyle || o.Publish.UploadJobs != 3 {
		t.Errorf("--publish: %+v %v", o, err)
	}
	o, err = run("udp://127.0.0.1:5000", "-o", "out", "--publish", "s3://live/show", "--record", "raw.ts", "--record-backup", "2m")
	if err != nil || o.RecordBackup != 2*time.Minute || o.Record != "raw.ts" {
		t.Errorf("--record-backup: %+v %v", o, err)
	}
	if o, err = run("-", "-o", "out", "--event"); err != nil || !o.Event || o.Input != "-" || o.Publish != nil {
		t.Errorf("stdin with --event: %+v %v", o, err)
	}
	for _, bad := range [][]string{
		{"rtmp://0.0.0.0/live/x"},
		{"udp://127.0.0.1:5000", "-o", "out", "--format", "fmp4"},
		{"udp://127.0.0.1:5000", "-o", "out", "--window", "-1"},
		{"udp://127.0.0.1:5000", "-o", "out", "--idle-timeout", "0s"},
		{"udp://127.0.0.1:5000", "-o", "out", "--event", "--window", "6"},
		{"udp://127.0.0.1:5000", "-o", "out", "--copy", "--encode"},
		{"udp://127.0.0.1:5000", "-o", "out", "--segment-time", "0"},
		{"-", "-o", "out", "--reconnect"},
		{"udp://127.0.0.1:5000", "-o", "out", "--record", "raw.ts", "--record-backup", "1m"},
		{"udp://127.0.0.1:5000", "-o", "out", "--publish", "s3://live/show", "--record", "raw.ts", "--record-backup", "0s"},
		{"udp://127.0.0.1:5000", "-o", "out", "--loudness", "-14"},
		{"udp://127.0.0.1:5000", "-o", "out", "--ladder", "nope"},
		{"udp://127.0.0.1:5000", "-o", "out", "--ladder", "video", "--copy"},
		{"udp://127.0.0.1:5000", "-o", "out", "--publish", "s3://live/show", "--keys-to", "s3://keys/x"},
		{"udp://127.0.0.1:5000", "-o", "out", "--publish", "live/show"},
	} {
		if _, err := run(bad...); exitCode(err) != ExitUsage {
			t.Errorf("%v: %v, want a usage error", bad, err)
		}
	}
	// Live flags with a file input are a mistake, not ignored.
	if _, err := captureOptions(NewCmdSegment, "talk.mp4", "-o", "out", "--window", "5"); exitCode(err) != ExitUsage ||
		!strings.Contains(err.Error(), "--window applies to live sources") {
		t.Errorf("--window with a file: %v", err)
	}
}

// TestSegmentLivePipe runs `veza segment -` on a stream piped in, then
// `veza verify --live` on the result, and checks --max-live refuses a job
// when the output's live slots are taken.
func TestSegmentLivePipe(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatal("ffmpeg is required for this test")
	}
	dir := t.TempDir()
	clip := filepath.Join(dir, "in.ts")
	if out, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=3",
		"-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", "-f", "mpegts", clip).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	in, err := os.Open(clip)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"segment", "-", "-o", out, "--copy", "--segment-time", "1", "--track", "pipe"},
		&IOStreams{In: in, Out: &stdout, ErrOut: &stderr})
	if code != 0 || !strings.Contains(stdout.String(), "pipe: 3 segments, 3.0 s, done (source ended)") ||
		!strings.Contains(stderr.String(), "live: input h264") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	playlist := filepath.Join(out, "pipe", "live", "index.m3u8")
	stdout.Reset()
	stderr.Reset()
	code = run(context.Background(), []string{"verify", "--live", "--duration", "1s", playlist},
		&IOStreams{In: strings.NewReader(""), Out: &stdout, ErrOut: &stderr})
	if code != 0 {
		t.Errorf("verify --live: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}

	// --max-live 1 with the only slot held by "another process".
	release, err := live.NewSharedLimiter(filepath.Join(out, ".veza-live"), 1).Acquire()
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	stdout.Reset()
	stderr.Reset()
	code = run(context.Background(), []string{"segment", "udp://127.0.0.1:9", "-o", out, "--max-live", "1"},
		&IOStreams{In: strings.NewReader(""), Out: &stdout, ErrOut: &stderr})
	if code != ExitFailure || !strings.Contains(stderr.String(), "capacity reached: 1 live jobs running") {
		t.Errorf("exit %d: %s", code, stderr.String())
	}
}
