package serve

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// openDeleted lists this process's descriptors of deleted files under dir.
func openDeleted(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	must(t, err)
	var out []string
	for _, e := range ents {
		l, err := os.Readlink("/proc/self/fd/" + e.Name())
		if err == nil && strings.HasPrefix(l, dir) && strings.HasSuffix(l, " (deleted)") {
			out = append(out, l)
		}
	}
	return out
}

// TestServeReleasesDeletedFiles: the descriptor Server keeps for a large
// file is closed soon after the file is deleted (a live window removing
// its old segments), without another request for it, so the disk space
// comes back.
func TestServeReleasesDeletedFiles(t *testing.T) {
	fx := newFixture(t)
	h := newTestHandler(t, Config{Dir: fx.root})
	_, addr := startServer(t, h)
	if code, b := rawGet(t, addr, "/vod/low/seg1.ts"); code != 200 || len(b) != len(fx.big) {
		t.Fatalf("GET: %d, %d bytes", code, len(b))
	}
	must(t, os.Remove(filepath.Join(fx.root, "vod/low/seg1.ts")))
	if len(openDeleted(t, fx.root)) == 0 {
		t.Fatal("no descriptor kept: the test shows nothing")
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(openDeleted(t, fx.root)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("still open 5 s after deletion: %v", openDeleted(t, fx.root))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestServeRefusesFIFO: a FIFO named like a segment answers 404 at once
// instead of blocking the request until a writer comes.
func TestServeRefusesFIFO(t *testing.T) {
	fx := newFixture(t)
	must(t, syscall.Mkfifo(filepath.Join(fx.root, "vod/low/pipe.ts"), 0o644))
	h := newTestHandler(t, Config{Dir: fx.root})
	_, addr := startServer(t, h)
	done := make(chan int, 1)
	go func() {
		code, _ := rawGet(t, addr, "/vod/low/pipe.ts")
		done <- code
	}()
	select {
	case code := <-done:
		if code != 404 {
			t.Errorf("FIFO: %d", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a request for a FIFO blocked")
	}
}
