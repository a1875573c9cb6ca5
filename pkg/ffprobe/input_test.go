package ffprobe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
)

func TestInputArgs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"clip.mp4", []string{"-protocol_whitelist", "file,pipe,crypto", "-i", "file:clip.mp4"}},
		{"-rf.wav", []string{"-protocol_whitelist", "file,pipe,crypto", "-i", "file:-rf.wav"}},
		{"http:127.0.0.1:18999?.wav", []string{"-protocol_whitelist", "file,pipe,crypto", "-i", "file:http:127.0.0.1:18999?.wav"}},
		{"concat:a.ts|b.ts", []string{"-protocol_whitelist", "file,pipe,crypto", "-i", "file:concat:a.ts|b.ts"}},
		{"/abs/dir/x.mkv", []string{"-protocol_whitelist", "file,pipe,crypto", "-i", "file:/abs/dir/x.mkv"}},
		{"file:already.mp4", []string{"-protocol_whitelist", "file,pipe,crypto", "-i", "file:already.mp4"}},
		{"-", []string{"-protocol_whitelist", "pipe", "-i", "pipe:0"}},
		{"https://cdn.example/a.m3u8", []string{"-protocol_whitelist", "http,https,tcp,tls,crypto", "-i", "https://cdn.example/a.m3u8"}},
		{"SRT://0.0.0.0:9000?mode=listener", []string{"-protocol_whitelist", "srt,udp", "-i", "SRT://0.0.0.0:9000?mode=listener"}},
		{"udp://127.0.0.1:5000", []string{"-protocol_whitelist", "udp", "-i", "udp://127.0.0.1:5000"}},
		{"rtmp://h/live", []string{"-protocol_whitelist", "rtmp,tcp", "-i", "rtmp://h/live"}},
		{"gopher://h/x", []string{"-protocol_whitelist", "gopher", "-i", "gopher://h/x"}},
	}
	for _, tc := range tests {
		if got := InputArgs(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("InputArgs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// A listed file is local even when its name looks like a URL.
	if got := LocalInputArgs("http://x"); !slices.Equal(got, []string{"-protocol_whitelist", "file,pipe,crypto", "-i", "file:http://x"}) {
		t.Errorf("LocalInputArgs = %q", got)
	}
}

// TestProbeURLLikeFileName is the file named like a URL: probing it reads
// the file and never talks to the server its name points at.
func TestProbeURLLikeFileName(t *testing.T) {
	var hits atomic.Int32
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.ServeFile(w, r, media(t, "pcm.wav"))
	})}
	go srv.Serve(ln)
	defer srv.Close()

	dir := t.TempDir()
	t.Chdir(dir)
	name := fmt.Sprintf("http:%s?.wav", ln.Addr())
	// The file holds video; the server would answer with a sine.
	data, err := os.ReadFile(media(t, "h264_aac.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var p Prober
	r, err := p.Probe(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	if hits.Load() != 0 {
		t.Fatalf("probing %q made %d HTTP requests", name, hits.Load())
	}
	if len(r.Streams) == 0 || r.Streams[0].Type != "video" {
		t.Fatalf("probed something other than the file: %+v", r.Streams)
	}
}

// TestProbeRefusesIndirectInputs: an HLS playlist saved as .mp4 would pull
// in the local media it names; veza refuses it unless asked.
func TestProbeRefusesIndirectInputs(t *testing.T) {
	dir := t.TempDir()
	seg := media(t, "h264_aac.ts")
	playlist := filepath.Join(dir, "clip.mp4")
	body := "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:1,\n" + seg + "\n#EXT-X-ENDLIST\n"
	if err := os.WriteFile(playlist, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	// The concat demuxer's own safe mode refuses absolute names, not
	// relative ones.
	data, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "part.ts"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	concat := filepath.Join(dir, "list.mkv")
	if err := os.WriteFile(concat, []byte("ffconcat version 1.0\nfile 'part.ts'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{playlist, concat} {
		var p Prober
		_, err := p.Probe(context.Background(), in)
		var pe *Error
		if !errors.As(err, &pe) || pe.Reason != ReasonIndirect || !errors.Is(err, ErrIndirect) {
			t.Fatalf("Probe(%s) = %v, want a %q error", filepath.Base(in), err, ReasonIndirect)
		}
		p.AllowIndirect = true
		if _, err := p.Probe(context.Background(), in); err != nil {
			t.Fatalf("AllowIndirect: Probe(%s): %v", filepath.Base(in), err)
		}
	}
}
