package recorder

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/veza-media/veza/pkg/catalog"
)

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func media(segs ...string) string {
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n")
	for _, s := range segs {
		b.WriteString("#EXTINF:3.960,\n" + s + "\n")
	}
	b.WriteString("#EXT-X-ENDLIST\n")
	return b.String()
}

func TestImport(t *testing.T) {
	out := t.TempDir()
	// A ladder written by some other packager.
	write(t, filepath.Join(out, "Show A", "master.m3u8"), "#EXTM3U\n"+
		"#EXT-X-STREAM-INF:BANDWIDTH=900000,CODECS=\"avc1.4d401e,mp4a.40.2\",RESOLUTION=640x360\nhi/index.m3u8\n"+
		"#EXT-X-STREAM-INF:BANDWIDTH=64000,CODECS=\"mp4a.40.2\"\naudio/index.m3u8\n"+
		// Its I-frame and subtitle playlists are part of the track.
		"#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,URI=\"hi/iframes.m3u8\"\n"+
		"#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"s\",NAME=\"en\",URI=\"subs/en.m3u8\"\n")
	write(t, filepath.Join(out, "Show A", "hi", "iframes.m3u8"), media("a.ts"))
	write(t, filepath.Join(out, "Show A", "subs", "en.m3u8"), media("en.vtt"))
	write(t, filepath.Join(out, "Show A", "subs", "en.vtt"), "WEBVTT\n")
	for _, r := range []string{"hi", "audio"} {
		write(t, filepath.Join(out, "Show A", r, "index.m3u8"), media("a.ts", "b.ts"))
		write(t, filepath.Join(out, "Show A", r, "a.ts"), strings.Repeat("x", 1000))
		write(t, filepath.Join(out, "Show A", r, "b.ts"), strings.Repeat("y", 500))
	}
	// A lone media playlist, and one naming a segment that is not there.
	write(t, filepath.Join(out, "loose", "clip.m3u8"), media("c0.ts"))
	write(t, filepath.Join(out, "loose", "c0.ts"), "zz")
	write(t, filepath.Join(out, "broken", "index.m3u8"), media("gone.ts"))

	rec := openRecorder(t, out)
	db := rec.DB
	ctx := context.Background()
	res, err := rec.Import(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	if res.Tracks != 3 || res.Renditions != 4 || res.Segments != 5 || len(res.Problems) != 1 || !strings.Contains(res.Problems[0], "gone.ts") {
		t.Fatalf("%+v", res)
	}
	d, err := db.Track(ctx, "show-a")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Renditions) != 2 {
		t.Fatalf("%+v", d.Renditions)
	}
	segs, err := db.Segments(ctx, "show-a", "hi")
	if err != nil || len(segs) != 2 || segs[0].Path != "Show A/hi/a.ts" || segs[0].Bytes != 1000 || segs[1].Duration != 3.96 {
		t.Fatalf("%+v %v", segs, err)
	}
	r, err := db.Rendition(ctx, "broken", "index")
	if err != nil || r.Status != catalog.StatusError {
		t.Fatalf("broken rendition: %+v %v", r, err)
	}
	// Importing again changes nothing.
	if _, err := rec.Import(ctx, out); err != nil {
		t.Fatal(err)
	}
	segs2, _ := db.Segments(ctx, "show-a", "hi")
	if len(segs2) != 2 {
		t.Fatalf("reimport: %d rows", len(segs2))
	}
}

func TestImportKeys(t *testing.T) {
	out := t.TempDir()
	enc := func(uri string, segs ...string) string {
		var b strings.Builder
		b.WriteString("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n")
		for i, s := range segs {
			if i%2 == 0 {
				b.WriteString("#EXT-X-KEY:METHOD=AES-128,URI=\"" + uri + "\",IV=0x000102030405060708090a0b0c0d0e0f\n")
			}
			b.WriteString("#EXTINF:4.0,\n" + s + "\n")
		}
		b.WriteString("#EXT-X-ENDLIST\n")
		return b.String()
	}
	write(t, filepath.Join(out, "secret", "master.m3u8"), "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000,CODECS=\"mp4a.40.2\"\na/index.m3u8\n")
	write(t, filepath.Join(out, "secret", "a", "index.m3u8"), enc("../key_00000.key", "s0.ts", "s1.ts", "s2.ts"))
	for _, s := range []string{"s0.ts", "s1.ts", "s2.ts"} {
		write(t, filepath.Join(out, "secret", "a", s), strings.Repeat("z", 32))
	}
	write(t, filepath.Join(out, "secret", "key_00000.key"), "0123456789abcdef")
	// A lone playlist whose key file is the wrong size.
	write(t, filepath.Join(out, "badkey", "index.m3u8"), enc("k.key", "t0.ts"))
	write(t, filepath.Join(out, "badkey", "t0.ts"), "x")
	write(t, filepath.Join(out, "badkey", "k.key"), "short")

	rec := openRecorder(t, out)
	db := rec.DB
	ctx := context.Background()
	res, err := rec.Import(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	if res.Keys != 1 || len(res.Problems) != 1 || !strings.Contains(res.Problems[0], "5 bytes, not 16") {
		t.Fatalf("%+v", res)
	}
	keys, err := db.Keys(ctx, "secret")
	if err != nil || len(keys) != 1 {
		t.Fatalf("%+v %v", keys, err)
	}
	k := keys[0]
	if k.URI != "../key_00000.key" || k.Path != "secret/key_00000.key" || k.FirstSegment != 0 || k.LastSegment != 2 ||
		k.Fingerprint != catalog.KeyFingerprint([]byte("0123456789abcdef")) {
		t.Errorf("key %+v", k)
	}
}

// openRecorder opens a catalog in dir, closed when the test ends, and a
// recorder writing paths relative to dir.
func openRecorder(t *testing.T, dir string) *Recorder {
	t.Helper()
	db, err := catalog.Open(catalog.DefaultPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &Recorder{DB: db, Root: dir}
}
