package encode

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestCachedVersion asks a fake ffmpeg that counts its starts: the second
// run answers from the cache, and replacing the binary asks again.
func TestCachedVersion(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "ffmpeg")
	count := filepath.Join(dir, "starts")
	write := func(version string) {
		script := "#!/bin/sh\necho x >> " + count + "\necho 'ffmpeg version " + version + " Copyright'\n"
		if err := os.WriteFile(bin+".new", []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(bin+".new", bin); err != nil {
			t.Fatal(err)
		}
	}
	starts := func() int {
		b, _ := os.ReadFile(count)
		return len(b) / 2
	}
	if _, err := exec.LookPath("sh"); err != nil {
		t.Fatal("sh is needed for the fake ffmpeg")
	}
	cache := filepath.Join(dir, "cache")
	ctx := context.Background()
	write("5.1.8")
	for i := range 3 {
		v, err := CachedVersion(ctx, bin, cache)
		if err != nil || v != "5.1.8" {
			t.Fatalf("run %d: %q, %v", i, v, err)
		}
	}
	if n := starts(); n != 1 {
		t.Fatalf("ffmpeg started %d times for three runs, want 1", n)
	}
	write("6.0")
	if v, err := CachedVersion(ctx, bin, cache); err != nil || v != "6.0" {
		t.Fatalf("after replacing the binary: %q, %v", v, err)
	}
	if n := starts(); n != 2 {
		t.Fatalf("ffmpeg started %d times, want 2", n)
	}
	// A damaged cache is rebuilt; no cache folder asks every time.
	if err := os.WriteFile(filepath.Join(cache, versionCacheFile), []byte("{garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if v, err := CachedVersion(ctx, bin, cache); err != nil || v != "6.0" {
		t.Fatalf("damaged cache: %q, %v", v, err)
	}
	if v, err := CachedVersion(ctx, bin, ""); err != nil || v != "6.0" || starts() != 4 {
		t.Fatalf("no cache folder: %q, %v, %d starts", v, err, starts())
	}
	if _, err := CachedVersion(ctx, filepath.Join(dir, "missing"), cache); err == nil {
		t.Fatal("a missing binary gave no error")
	}
}
