package ffprobe

import (
	"os"
	"path/filepath"
	"testing"
)

func TestStartsWithMP4Box(t *testing.T) {
	dir := t.TempDir()
	cases := map[string][]byte{
		"text.mp4":  []byte("hello, this is not a video\n"),
		"ftyp.mp4":  append([]byte{0, 0, 0, 24}, []byte("ftypisom\x00\x00\x02\x00isomiso2")...),
		"mdat.mp4":  append([]byte{0, 0, 0, 8}, []byte("mdat")...),
		"short.mp4": {0, 0},
	}
	want := map[string]bool{"text.mp4": false, "ftyp.mp4": true, "mdat.mp4": true, "short.mp4": false}
	for name, data := range cases {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if got := startsWithMP4Box(p); got != want[name] {
			t.Errorf("%s: %v, want %v", name, got, want[name])
		}
	}
}
