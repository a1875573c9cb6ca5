package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/veza-media/veza/pkg/check"
)

func TestCheckFlags(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		check func(*CheckOptions) bool
		usage bool
	}{
		{args: []string{"out"}, check: func(o *CheckOptions) bool {
			return o.Target == "out" && o.Seconds == 2 && o.JUnit == "" && o.FetchPlayer && o.Chromium == "" && o.Timeout == 0
		}},
		{args: []string{"out/m.m3u8", "--junit", "r.xml", "--seconds", "4.5", "--chromium", "/c", "--player-js", "h.js", "--fetch-player=false", "--timeout", "1m"},
			check: func(o *CheckOptions) bool {
				return o.Target == "out/m.m3u8" && o.JUnit == "r.xml" && o.Seconds == 4.5 && o.Chromium == "/c" &&
					o.PlayerJS == "h.js" && !o.FetchPlayer && o.Timeout == time.Minute
			}},
		{args: nil, usage: true},
		{args: []string{"a", "b"}, usage: true},
		{args: []string{"a", "--seconds", "0"}, usage: true},
		{args: []string{"a", "--seconds", "x"}, usage: true},
	} {
		f := &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}}
		var got *CheckOptions
		cmd := NewCmdCheck(f, func(_ context.Context, o *CheckOptions) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &UsageError{Err: err} })
		err := cmd.Execute()
		var ue *UsageError
		if tc.usage {
			if !errors.As(err, &ue) {
				t.Errorf("%v: err %v, want a usage error", tc.args, err)
			}
			continue
		}
		if err != nil || got == nil || !tc.check(got) {
			t.Errorf("%v: err %v, options %+v", tc.args, err, got)
		}
	}
}

// TestCheckWithoutChromium: a clear message and exit 1, before any work.
func TestCheckWithoutChromium(t *testing.T) {
	dir := t.TempDir()
	js := filepath.Join(dir, "hls.min.js")
	os.WriteFile(js, []byte("/* */"), 0o644)
	os.WriteFile(filepath.Join(dir, "index.m3u8"), []byte("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-ENDLIST\n"), 0o644)
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"check", dir, "--player-js", js, "--chromium", "/nonexistent/chromium"},
		&IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	if code != ExitFailure || !strings.Contains(errOut.String(), "chromium not found") || !strings.Contains(errOut.String(), "--chromium PATH") {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
	if out.Len() != 0 {
		t.Errorf("stdout %q", out.String())
	}
	code = run(context.Background(), []string{"check", filepath.Join(dir, "nope"), "--player-js", js},
		&IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	if code != ExitFailure || !strings.Contains(errOut.String(), "nope") {
		t.Errorf("missing target: exit %d, stderr %q", code, errOut.String())
	}
}

func TestCheckTable(t *testing.T) {
	rep := &check.Report{Results: []check.Result{
		{Master: "a/master.m3u8", Kind: check.KindCodecs, Variant: 0, URI: "hi/index.m3u8", Resolution: "320x240", Codecs: "avc1.64000d,mp4a.40.2", Passed: true},
		{Master: "a/master.m3u8", Kind: check.KindPlay, Variant: 0, URI: "hi/index.m3u8", Resolution: "320x240", Codecs: "avc1.64000d,mp4a.40.2", Played: 0.4, Error: "played 0.40 s of 2.00 s required"},
	}}
	var buf bytes.Buffer
	writeCheckTable(&buf, rep, false)
	s := buf.String()
	for _, want := range []string{"PLAYLIST", "a/master.m3u8", "codecs", "0 hi/index.m3u8", "320x240", "0.40 s", "FAIL played 0.40 s of 2.00 s required", "ok"} {
		if !strings.Contains(s, want) {
			t.Errorf("table lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "\x1b[") {
		t.Errorf("colour without a terminal:\n%s", s)
	}
}
