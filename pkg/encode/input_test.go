package encode

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// TestRunURLLikeFileName: a file whose name reads as an ffmpeg URL
// ("http:HOST:PORT?.wav") is encoded from the file; the server its name
// points at hears nothing. ffmpeg used to get the bare name and fetch it.
func TestRunURLLikeFileName(t *testing.T) {
	var hits atomic.Int32
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	long := media(t, "long.wav")
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.ServeFile(w, r, long)
	})}
	go srv.Serve(ln)
	defer srv.Close()

	dir := t.TempDir()
	t.Chdir(dir)
	name := fmt.Sprintf("http:%s?.wav", ln.Addr())
	data, err := os.ReadFile(media(t, "tone.wav")) // 3 s; the server has 60 s
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.m4a")
	var evs []Event
	j := &Job{
		Inputs:  []Input{{Path: name}},
		Outputs: []Output{{Path: out, AudioCodec: "aac", NoVideo: true}},
		OnEvent: collect(&evs),
	}
	if err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("encoding %q made %d HTTP requests", name, n)
	}
	var last Progress
	for _, e := range evs {
		if p, ok := e.(Progress); ok {
			last = p
		}
	}
	if last.OutTime < 2900*time.Millisecond || last.OutTime > 3100*time.Millisecond {
		t.Fatalf("encoded %v, want the file's 3 s", last.OutTime)
	}
}
