package layout

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestSegmentNames(t *testing.T) {
	if got := SegmentName(7, TS); got != "seg_00007.ts" {
		t.Errorf("SegmentName = %q", got)
	}
	if got := DASHSegmentTemplate(FMP4); got != "seg_$Number%05d$.m4s" {
		t.Errorf("DASHSegmentTemplate = %q", got)
	}
	if m, _ := filepath.Match(SegmentGlob(TS), SegmentName(123456, TS)); !m {
		t.Error("SegmentGlob does not match a segment name")
	}
	for _, tc := range []struct {
		name string
		n    uint64
		ok   bool
	}{
		{"seg_00000.m4s", 0, true},
		{"seg_00042.m4s", 42, true},
		{"seg_123456.m4s", 123456, true},
		{"seg_0042.m4s", 0, false},   // fewer than five digits
		{"seg_00042.ts", 0, false},   // another extension
		{"part_00042.m4s", 0, false}, // another prefix
		{"seg_0004x.m4s", 0, false},
	} {
		n, ok := SegmentNumber(tc.name, FMP4)
		if n != tc.n || ok != tc.ok {
			t.Errorf("SegmentNumber(%q) = %d, %v; want %d, %v", tc.name, n, ok, tc.n, tc.ok)
		}
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, Playlist)
	if err := WriteFile(path, []byte("one"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	st, _ := os.Stat(path)
	if string(got) != "two" || st.Mode().Perm() != 0o644 {
		t.Errorf("content %q mode %v", got, st.Mode())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	// A directory that does not exist fails cleanly and names the file.
	err := WriteFile(filepath.Join(dir, "missing", "x.m3u8"), []byte("x"), 0o644)
	if err == nil || !strings.Contains(err.Error(), "x.m3u8") {
		t.Errorf("err = %v", err)
	}
	// A target that is a directory: the rename fails, the temp file goes.
	sub := filepath.Join(dir, "sub.m3u8")
	os.Mkdir(sub, 0o755)
	os.WriteFile(filepath.Join(sub, "f"), nil, 0o644)
	if err := WriteFile(sub, []byte("x"), 0o644); err == nil {
		t.Error("writing over a non-empty directory succeeded")
	}
	entries, _ = os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("temporary files left behind after a failed rename: %v", entries)
	}
}

func TestCreateFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "key_00000.key")
	if err := CreateFile(path, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := CreateFile(path, []byte("theirs"), 0o600)
	if !errors.Is(err, fs.ErrExist) {
		t.Errorf("second create: err = %v, want fs.ErrExist", err)
	}
	got, _ := os.ReadFile(path)
	st, _ := os.Stat(path)
	if string(got) != "mine" || st.Mode().Perm() != 0o600 {
		t.Errorf("content %q mode %v", got, st.Mode())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{
		"a/" + Master, "a/720p/" + Playlist, "a/720p/seg_00000.ts", "a/" + Manifest,
		"b/LIVE.M3U8", "a/." + Playlist + ".tmp-1", "a/.hidden.m3u8",
		"a/" + Staging + "/720p/" + Playlist, ".cache/x.mpd",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, nil, 0o644)
	}
	f, err := Find(dir)
	if err != nil {
		t.Fatal(err)
	}
	j := func(s string) string { return filepath.Join(dir, filepath.FromSlash(s)) }
	if want := []string{j("a/720p/index.m3u8"), j("a/master.m3u8"), j("b/LIVE.M3U8")}; !slices.Equal(f.Playlists, want) {
		t.Errorf("playlists %v, want %v", f.Playlists, want)
	}
	if want := []string{j("a/manifest.mpd")}; !slices.Equal(f.Manifests, want) {
		t.Errorf("manifests %v, want %v", f.Manifests, want)
	}
	// A hidden folder given as the root is walked.
	f, err = Find(j(".cache"))
	if err != nil || len(f.Manifests) != 1 {
		t.Errorf("hidden root: %v, %v", f, err)
	}
	if _, err := Find(j("nope")); err == nil {
		t.Error("a missing folder gave no error")
	}
}
