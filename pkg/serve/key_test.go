package serve

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestKeysServed: AES-128 key files (key_00000.key as veza ladder writes
// them, mode 0600, or key.bin) are served as bytes no client caches, and
// only through a signed link when links are signed.
func TestKeysServed(t *testing.T) {
	root := t.TempDir()
	key := []byte("0123456789abcdef")
	for _, name := range []string{"song/key_00000.key", "song/key.bin"} {
		p := filepath.Join(root, filepath.FromSlash(name))
		must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		must(t, os.WriteFile(p, key, 0o600))
	}
	writeFile(t, filepath.Join(root, "song", "240p", "index.m3u8"), []byte("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n"+
		"#EXT-X-KEY:METHOD=AES-128,URI=\"../key_00000.key\",IV=0x000102030405060708090a0b0c0d0e0f\n#EXTINF:4.0,\nseg_00000.ts\n#EXT-X-ENDLIST\n"))
	writeFile(t, filepath.Join(root, "song", "index.m3u8"), []byte("#EXTM3U\n#EXT-X-TARGETDURATION:4\n"+
		"#EXT-X-KEY:METHOD=AES-128,URI=\"key.bin\"\n#EXTINF:4.0,\nseg_00000.ts\n#EXT-X-ENDLIST\n"))
	h := newTestHandler(t, Config{Dir: root})
	for _, p := range []string{"/song/key_00000.key", "/song/key.bin"} {
		resp := get(t, h, p)
		if b := body(t, resp); resp.StatusCode != 200 || b != string(key) ||
			resp.Header.Get("Content-Type") != "application/octet-stream" || resp.Header.Get("Cache-Control") != "private, no-cache" {
			t.Errorf("%s: %d %v", p, resp.StatusCode, resp.Header)
		}
	}

	now := t0
	hs := newTestHandler(t, Config{Dir: root, SignKey: []byte("sign-0123456789abcdef"), Now: func() time.Time { return now }})
	if resp := get(t, hs, "/song/key_00000.key"); resp.StatusCode != 403 {
		t.Errorf("unsigned key: %d", resp.StatusCode)
	}
	pl := body(t, get(t, hs, hs.Signer().URL("/song/240p/index.m3u8", t0.Add(time.Hour))))
	i := strings.Index(pl, `URI="`)
	ref := pl[i+5 : i+5+strings.Index(pl[i+5:], `"`)]
	if !strings.Contains(ref, "sig=") {
		t.Fatalf("key URI not signed: %s", pl)
	}
	if resp := get(t, hs, resolve(t, "http://x/song/240p/index.m3u8", ref)); resp.StatusCode != 200 || body(t, resp) != string(key) {
		t.Errorf("signed key link %s: %d", ref, resp.StatusCode)
	}
}

// TestServeKeysOnlyWhereNamed: a key file that no playlist of its folder
// or of a folder below names is not published.
func TestServeKeysOnlyWhereNamed(t *testing.T) {
	fx := newFixture(t)
	writeFile(t, filepath.Join(fx.root, "vod/stray.key"), []byte("0123456789abcdef"))
	writeFile(t, filepath.Join(fx.root, "vod/low/stray.bin"), []byte("0123456789abcdef"))
	writeFile(t, filepath.Join(fx.root, "loose/k.key"), []byte("0123456789abcdef"))
	h := newTestHandler(t, Config{Dir: fx.root})
	_, addr := startServer(t, h)
	for p, want := range map[string]int{"/vod/k.key": 200, "/vod/stray.key": 404, "/vod/low/stray.bin": 404, "/loose/k.key": 404} {
		if resp := get(t, h, p); resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", p, resp.StatusCode, want)
		}
		if code, _ := rawGet(t, addr, p); code != want {
			t.Errorf("%s through Server: %d, want %d", p, code, want)
		}
	}
}
