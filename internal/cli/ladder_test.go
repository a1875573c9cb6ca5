package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestLadderFlags(t *testing.T) {
	cases := []struct {
		args    []string
		wantErr string
		check   func(*LadderOptions) bool
	}{
		{[]string{"a.mp4", "b.mp4", "-o", "out", "--ladder", "audio", "--format", "fmp4", "--segment-time", "6", "--strategy", "parallel", "-j", "3", "--force"}, "",
			func(o *LadderOptions) bool {
				return len(o.Inputs) == 2 && o.OutDir == "out" && o.Ladder == "audio" && o.Format == "fmp4" && o.SegmentTime == 6 && o.Strategy == "parallel" && o.Jobs == 3 && o.Force
			}},
		{[]string{"a.mp4", "-o", "out"}, "", func(o *LadderOptions) bool {
			return o.Format == "ts" && o.SegmentTime == 4 && o.Strategy == "auto" && o.Preset == "veryfast" && o.Segment == ""
		}},
		{[]string{"a.mp4", "-o", "out"}, "", func(o *LadderOptions) bool { return o.Thumbnails && o.ThumbnailInterval == 5 }},
		{[]string{"a.mp4", "-o", "out", "--thumbnails=false", "--thumbnail-interval", "2.5"}, "", func(o *LadderOptions) bool {
			return !o.Thumbnails && o.ThumbnailInterval == 2.5
		}},
		{[]string{"a.mp4", "-o", "out", "--thumbnail-interval", "0"}, "--thumbnail-interval", nil},
		{[]string{"--list"}, "", func(o *LadderOptions) bool { return o.List }},
		{[]string{"a.mp4"}, "-o OUTDIR is required", nil},
		{[]string{"-o", "out"}, "no input", nil},
		{[]string{"a.mp4", "-o", "out", "--strategy", "fast"}, "--strategy", nil},
		{[]string{"a.mp4", "-o", "out", "--format", "mkv"}, "--format", nil},
		{[]string{"a.mp4", "-o", "out", "--segment-time", "0"}, "--segment-time", nil},
		{[]string{"a.mp4", "b.mp4", "-o", "out", "--track", "x"}, "--track", nil},
		{[]string{"a.mp4", "-o", "out", "--publish", "s3://media/vod", "--keys-to", "s3://keys/vod", "--s3-endpoint", "http://127.0.0.1:7070", "--s3-path-style", "--upload-jobs", "2"}, "",
			func(o *LadderOptions) bool {
				pc := o.Publish.config()
				return pc != nil && pc.Target == "s3://media/vod" && pc.KeysTo == "s3://keys/vod" && pc.Endpoint == "http://127.0.0.1:7070" && pc.PathStyle && pc.UploadJobs == 2
			}},
		{[]string{"a.mp4", "-o", "out"}, "", func(o *LadderOptions) bool { return o.Publish.config() == nil }},
		{[]string{"a.mp4", "-o", "out", "--publish", "media/vod"}, "--publish", nil},
		{[]string{"a.mp4", "-o", "out", "--keys-to", "s3://keys/vod"}, "needs --publish", nil},
		{[]string{"a.mp4", "-o", "out", "--publish", "s3://media/vod", "--upload-jobs", "0"}, "--upload-jobs", nil},
	}
	for _, c := range cases {
		got, err := captureOptions(NewCmdLadder, c.args...)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) || exitCode(err) != ExitUsage {
				t.Errorf("%v: err %v, want usage error with %q", c.args, err, c.wantErr)
			}
			continue
		}
		if err != nil || !c.check(got) {
			t.Errorf("%v: %v %+v", c.args, err, got)
		}
	}
}

func TestSegmentFlags(t *testing.T) {
	run := func(args ...string) (*LadderOptions, error) { return captureOptions(NewCmdSegment, args...) }
	o, err := run("in.mp4", "-o", "out", "--copy", "--track", "t1")
	if err != nil || o.Segment != "copy" || o.TrackID != "t1" {
		t.Fatalf("%+v %v", o, err)
	}
	o, err = run("in.mp4", "-o", "out")
	if err != nil || o.Segment != "auto" {
		t.Fatalf("%+v %v", o, err)
	}
	o, err = run("in.mp4", "-o", "out", "--encode")
	if err != nil || o.Segment != "encode" {
		t.Fatalf("%+v %v", o, err)
	}
	if _, err := run("in.mp4", "-o", "out", "--copy", "--encode"); exitCode(err) != ExitUsage {
		t.Fatalf("--copy --encode: %v", err)
	}
	o, err = run("in.mp4", "-o", "out", "--publish", "s3://media/vod")
	if err != nil || o.Publish.Target != "s3://media/vod" {
		t.Fatalf("--publish: %+v %v", o, err)
	}
	if _, err := run("a", "b", "-o", "out"); exitCode(err) != ExitUsage {
		t.Fatalf("two inputs: %v", err)
	}
}

func TestLadderList(t *testing.T) {
	var out bytes.Buffer
	code := run(context.Background(), []string{"ladder", "--list"}, &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &bytes.Buffer{}})
	if code != 0 || !strings.Contains(out.String(), "1080p    h264 1080p 5000k + audio 128k") || !strings.Contains(out.String(), "hi_res   aac 320k") {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
}
