package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veza-media/veza/pkg/serve"
)

func TestServeFlags(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		check func(*ServeOptions) bool
		usage bool
	}{
		{args: nil, check: func(o *ServeOptions) bool {
			return o.Dir == "." && o.Addr == "127.0.0.1:8787" && o.SignTTL == 6*time.Hour && o.FetchPlayer && o.SignKey == "" && o.CatalogPath == ""
		}},
		{args: []string{"out", "--addr", "0.0.0.0:9000", "--sign-key", "k", "--sign-ttl", "1m", "--catalog", "c.db", "--player-js", "p.js", "--fetch-player=false"},
			check: func(o *ServeOptions) bool {
				return o.Dir == "out" && o.Addr == "0.0.0.0:9000" && o.SignKey == "k" && o.SignTTL == time.Minute &&
					o.CatalogPath == "c.db" && o.PlayerJS == "p.js" && !o.FetchPlayer
			}},
		{args: []string{"--addr", "8787"}, usage: true},
		{args: []string{"--sign-ttl", "0s"}, usage: true},
		{args: []string{"a", "b"}, usage: true},
	} {
		f := &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}}
		var got *ServeOptions
		cmd := NewCmdServe(f, func(_ context.Context, o *ServeOptions) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
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

// syncBuffer is a bytes.Buffer safe to read while the server logs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var servingURL = regexp.MustCompile(`on (http://\S+/)`)

// startServe runs `veza serve` in the background and returns its URL and
// a function that stops it and returns its error.
func startServe(t *testing.T, opts *ServeOptions, log *syncBuffer) (string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, opts) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := servingURL.FindStringSubmatch(log.String()); m != nil {
			return m[1], func() error {
				cancel()
				select {
				case err := <-done:
					return err
				case <-time.After(10 * time.Second):
					return errors.New("serve did not stop")
				}
			}
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v\n%s", err, log.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("serve did not start:\n%s", log.String())
	return "", nil
}

func TestServeRunsAndStops(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "t"), 0o755); err != nil {
		t.Fatal(err)
	}
	pl := "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\ns.ts\n#EXT-X-ENDLIST\n"
	if err := os.WriteFile(filepath.Join(dir, "t", "index.m3u8"), []byte(pl), 0o644); err != nil {
		t.Fatal(err)
	}
	var log syncBuffer
	opts := &ServeOptions{IO: &IOStreams{Out: io.Discard, ErrOut: &log}, Dir: dir, Addr: "127.0.0.1:0", SignTTL: time.Hour}
	url, stop := startServe(t, opts, &log)
	resp, err := http.Get(url + "t/index.m3u8")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != pl {
		t.Errorf("GET playlist: %d %q", resp.StatusCode, b)
	}
	if err := stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
	out := log.String()
	for _, want := range []string{"no catalog at", "stopped"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "warning: listening") {
		t.Errorf("loopback address warned:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "veza.db")); err == nil {
		t.Error("serve created a catalog")
	}
}

func TestServeSignedAndOffLoopback(t *testing.T) {
	dir := t.TempDir()
	var log syncBuffer
	opts := &ServeOptions{IO: &IOStreams{Out: io.Discard, ErrOut: &log, ErrTTY: true}, Dir: dir, Addr: "0.0.0.0:0", SignKey: "k-0123456789abcdef", SignTTL: time.Hour}
	url, stop := startServe(t, opts, &log)
	if !strings.Contains(log.String(), "warning: listening on") {
		t.Errorf("no warning for 0.0.0.0:\n%s", log.String())
	}
	// the printed link is signed for "/"
	m := regexp.MustCompile(`on (http://\S+)`).FindStringSubmatch(log.String())
	if m == nil || !strings.Contains(m[1], "/?exp=") {
		t.Fatalf("printed link %q", m)
	}
	for target, want := range map[string]int{m[1]: 200, url: 403} {
		resp, err := http.Get(target)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", target, resp.StatusCode, want)
		}
	}
	if err := stop(); err != nil {
		t.Error(err)
	}
}

// TestServeSignKeyFile: the key comes from --sign-key-file without its
// final newline, and off a terminal the log holds no signed link (one that
// opens everything until it expires).
func TestServeSignKeyFile(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte("0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var log syncBuffer
	opts := &ServeOptions{IO: &IOStreams{Out: io.Discard, ErrOut: &log}, Dir: dir, Addr: "127.0.0.1:0", SignKeyFile: keyFile, SignTTL: time.Hour}
	url, stop := startServe(t, opts, &log)
	defer stop()
	if strings.Contains(log.String(), "sig=") {
		t.Errorf("signed link logged off a terminal:\n%s", log.String())
	}
	signed := strings.TrimSuffix(url, "/") + serve.NewSigner([]byte("0123456789abcdef")).URL("/", time.Now().Add(time.Hour))
	for target, want := range map[string]int{signed: 200, url: 403} {
		resp, err := http.Get(target)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", target, resp.StatusCode, want)
		}
	}
}

func TestServeBadInput(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	os.WriteFile(file, nil, 0o644)
	for _, tc := range []struct {
		opts ServeOptions
		want string
	}{
		{ServeOptions{Dir: filepath.Join(dir, "nope")}, "nope"},
		{ServeOptions{Dir: file}, "not a folder"},
		{ServeOptions{Dir: dir, CatalogPath: filepath.Join(dir, "x.db")}, "x.db"},
		{ServeOptions{Dir: dir, PlayerJS: filepath.Join(dir, "hls.js")}, "hls.js"},
		{ServeOptions{Dir: dir, SignKey: "short"}, "at least 16"},
		{ServeOptions{Dir: dir, SignKeyFile: filepath.Join(dir, "no-key")}, "no-key"},
	} {
		o := tc.opts
		o.IO = &IOStreams{Out: io.Discard, ErrOut: io.Discard}
		o.Addr = "127.0.0.1:0"
		o.SignTTL = time.Hour
		err := runServe(context.Background(), &o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err %v, want it to name %q", tc.opts, err, tc.want)
		}
	}
}
