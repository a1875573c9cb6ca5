package serve

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const secret = "TOP-SECRET-OUTSIDE-ROOT"

// fixture is a served folder with a finished track, a live track and
// files outside the root that no request may reach.
type fixture struct {
	outside string // folder next to the root
	root    string
	big     []byte // track/low/seg1.ts
}

func writeFile(t testing.TB, name string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

const (
	masterM3U8 = "#EXTM3U\n#EXT-X-VERSION:3\n" +
		"#EXT-X-STREAM-INF:BANDWIDTH=300000,CODECS=\"avc1.64000d,mp4a.40.2\",RESOLUTION=320x240\nlow/index.m3u8\n" +
		"#EXT-X-STREAM-INF:BANDWIDTH=600000,CODECS=\"avc1.64000d,mp4a.40.2\",RESOLUTION=320x240\nhigh/index.m3u8\n"
	vodM3U8 = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-PLAYLIST-TYPE:VOD\n" +
		"#EXT-X-KEY:METHOD=AES-128,URI=\"../k.key\"\n#EXTINF:2.0,\nseg0.ts\n#EXTINF:2.0,\nseg1.ts\n#EXT-X-ENDLIST\n"
	liveM3U8 = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:2.0,\nseg0.ts\n"
)

func newFixture(t testing.TB) *fixture {
	t.Helper()
	base := t.TempDir()
	fx := &fixture{outside: filepath.Join(base, "outside"), root: filepath.Join(base, "root")}
	fx.big = make([]byte, 300<<10)
	rand.Read(fx.big)
	// outside the root
	writeFile(t, filepath.Join(base, "secret.ts"), []byte(secret))
	writeFile(t, filepath.Join(fx.outside, "secret.ts"), []byte(secret))
	writeFile(t, filepath.Join(fx.outside, "secret.m3u8"), []byte(secret))
	// a finished track
	r := fx.root
	writeFile(t, filepath.Join(r, "vod/master.m3u8"), []byte(masterM3U8))
	for _, q := range []string{"low", "high"} {
		writeFile(t, filepath.Join(r, "vod", q, "index.m3u8"), []byte(vodM3U8))
		writeFile(t, filepath.Join(r, "vod", q, "seg0.ts"), []byte("small segment "+q))
		writeFile(t, filepath.Join(r, "vod", q, "seg1.ts"), fx.big)
	}
	writeFile(t, filepath.Join(r, "vod/k.key"), []byte("0123456789abcdef"))
	writeFile(t, filepath.Join(r, "vod/low/init.mp4"), []byte("init"))
	// a live track
	writeFile(t, filepath.Join(r, "live/index.m3u8"), []byte(liveM3U8))
	writeFile(t, filepath.Join(r, "live/seg0.ts"), []byte("live segment"))
	// things never served
	writeFile(t, filepath.Join(r, "veza.db"), []byte("sqlite"))
	writeFile(t, filepath.Join(r, ".hidden/x.ts"), []byte("hidden"))
	writeFile(t, filepath.Join(r, "notes.txt"), []byte("notes"))
	// symlinks: out of the root (refused) and inside it (followed)
	mustSymlink(t, filepath.Join(base, "secret.ts"), filepath.Join(r, "out.ts"))
	mustSymlink(t, "../secret.ts", filepath.Join(r, "rel-out.ts"))
	mustSymlink(t, fx.outside, filepath.Join(r, "outdir"))
	mustSymlink(t, "../../outside", filepath.Join(r, "vod/outdir"))
	mustSymlink(t, "vod/low/seg0.ts", filepath.Join(r, "in.ts"))
	return fx
}

func mustSymlink(t testing.TB, old, new string) {
	t.Helper()
	if err := os.Symlink(old, new); err != nil {
		t.Fatal(err)
	}
}

func newTestHandler(t testing.TB, cfg Config) *Handler {
	t.Helper()
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// rawGet sends request-target exactly as given, bypassing the URL
// cleaning of Go's client, and returns the status and body.
func rawGet(t *testing.T, addr, target string) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", target, addr)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%s: %v", target, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(b)
}

func TestNothingLeavesTheRoot(t *testing.T) {
	fx := newFixture(t)
	srv := httptest.NewServer(newTestHandler(t, Config{Dir: fx.root}))
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	for _, target := range escapeTargets(fx, addr) {
		code, body := rawGet(t, addr, target)
		if code == http.StatusOK || strings.Contains(body, secret) {
			t.Errorf("GET %s = %d %q, want refused", target, code, body)
		}
	}
	// a symlink that stays inside the root is followed
	if code, body := rawGet(t, addr, "/in.ts"); code != 200 || body != "small segment low" {
		t.Errorf("GET /in.ts = %d %q", code, body)
	}
}

// escapeTargets are request targets that must never reach a file outside
// the root, a hidden file or a file of a type not served.
func escapeTargets(fx *fixture, addr string) []string {
	return []string{
		"/../secret.ts",
		"/vod/../../secret.ts",
		"/%2e%2e/secret.ts",
		"/%2E%2E/secret.ts",
		"/vod/%2e%2e/%2e%2e/secret.ts",
		"/..%2fsecret.ts",
		"/vod%2f..%2f..%2fsecret.ts",
		"/..%5csecret.ts",
		"/..\\secret.ts",
		"/vod\\..\\..\\secret.ts",
		"//secret.ts",
		"/" + fx.outside + "/secret.ts",
		"/" + strings.TrimPrefix(fx.outside, "/") + "/secret.ts",
		"http://" + addr + "/../secret.ts",
		"http://" + addr + fx.outside + "/secret.ts",
		"/out.ts",
		"/rel-out.ts",
		"/outdir/secret.ts",
		"/outdir/secret.m3u8",
		"/vod/outdir/secret.ts",
		"/./out.ts",
		"/vod/./low/seg0.ts",
		"/veza.db",
		"/notes.txt",
		"/.hidden/x.ts",
		"/vod/",
		"/vod",
		"/vod/low/seg0.ts%00.m3u8",
		"*",
	}
}

func get(t *testing.T, h http.Handler, target string, hdr ...string) *http.Response {
	t.Helper()
	return do(t, h, http.MethodGet, target, hdr...)
}

func do(t *testing.T, h http.Handler, method, target string, hdr ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHeaders(t *testing.T) {
	fx := newFixture(t)
	h := newTestHandler(t, Config{Dir: fx.root})
	for _, tc := range []struct {
		path, ctype, cache string
	}{
		{"/vod/master.m3u8", "application/vnd.apple.mpegurl", "no-cache"},
		{"/vod/low/index.m3u8", "application/vnd.apple.mpegurl", "no-cache"},
		{"/vod/low/seg0.ts", "video/mp2t", "no-cache"},
		{"/vod/low/seg1.ts", "video/mp2t", "no-cache"},
		{"/vod/low/init.mp4", "video/mp4", "no-cache"},
		{"/vod/k.key", "application/octet-stream", "private, no-cache"},
		{"/live/index.m3u8", "application/vnd.apple.mpegurl", "no-cache"},
		{"/live/seg0.ts", "video/mp2t", "no-cache"},
	} {
		resp := get(t, h, tc.path)
		b := body(t, resp)
		if resp.StatusCode != 200 {
			t.Errorf("%s: status %d %s", tc.path, resp.StatusCode, b)
			continue
		}
		for k, want := range map[string]string{
			"Content-Type":   tc.ctype,
			"Cache-Control":  tc.cache,
			"Accept-Ranges":  "bytes",
			"Content-Length": fmt.Sprint(len(b)),
		} {
			if got := resp.Header.Get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", tc.path, k, got, want)
			}
		}
		if resp.Header.Get("ETag") == "" || resp.Header.Get("Last-Modified") == "" {
			t.Errorf("%s: no validators: %v", tc.path, resp.Header)
		}
		if resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%s: CORS header without Origin", tc.path)
		}
	}
	if b := body(t, get(t, h, "/vod/low/seg1.ts")); b != string(fx.big) {
		t.Errorf("big segment: got %d bytes, want %d", len(b), len(fx.big))
	}
}

func TestMIMETypes(t *testing.T) {
	for name, want := range map[string]string{
		"a.m3u8": "application/vnd.apple.mpegurl", "a.M3U8": "application/vnd.apple.mpegurl",
		"a.ts": "video/mp2t", "a.m4s": "video/iso.segment", "a.mp4": "video/mp4",
		"a.mpd": "application/dash+xml", "a.aac": "audio/aac", "a.mp3": "audio/mpeg",
		"a.vtt": "text/vtt; charset=utf-8", "a.key": "application/octet-stream",
		"d.x/a": "", "a": "", "a.db": "", "a.db-wal": "",
	} {
		typ, ok := typeOf(name)
		if typ.ctype != want || ok != (want != "") {
			t.Errorf("typeOf(%q) = %q %v, want %q", name, typ.ctype, ok, want)
		}
	}
}

func TestRangeAndValidators(t *testing.T) {
	fx := newFixture(t)
	h := newTestHandler(t, Config{Dir: fx.root})
	for _, path := range []string{"/vod/low/seg1.ts", "/vod/low/index.m3u8"} {
		full := body(t, get(t, h, path))
		resp := get(t, h, path, "Range", "bytes=10-19")
		if b := body(t, resp); resp.StatusCode != 206 || b != full[10:20] {
			t.Errorf("%s range 10-19: %d %q", path, resp.StatusCode, b)
		}
		if cr := resp.Header.Get("Content-Range"); cr != fmt.Sprintf("bytes 10-19/%d", len(full)) {
			t.Errorf("%s Content-Range %q", path, cr)
		}
		resp = get(t, h, path, "Range", "bytes=-5")
		if b := body(t, resp); resp.StatusCode != 206 || b != full[len(full)-5:] {
			t.Errorf("%s suffix range: %d %q", path, resp.StatusCode, b)
		}
		if resp := get(t, h, path, "Range", fmt.Sprintf("bytes=%d-", len(full)+10)); resp.StatusCode != 416 {
			t.Errorf("%s unsatisfiable range: %d", path, resp.StatusCode)
		}
		first := get(t, h, path)
		etag, lm := first.Header.Get("ETag"), first.Header.Get("Last-Modified")
		if resp := get(t, h, path, "If-None-Match", etag); resp.StatusCode != 304 || body(t, resp) != "" {
			t.Errorf("%s If-None-Match: %d", path, resp.StatusCode)
		}
		if resp := get(t, h, path, "If-None-Match", `"other"`); resp.StatusCode != 200 {
			t.Errorf("%s If-None-Match other: %d", path, resp.StatusCode)
		}
		if resp := get(t, h, path, "If-Modified-Since", lm); resp.StatusCode != 304 {
			t.Errorf("%s If-Modified-Since: %d", path, resp.StatusCode)
		}
		head := do(t, h, http.MethodHead, path)
		if head.ContentLength != int64(len(full)) || body(t, head) != "" {
			t.Errorf("%s HEAD: length %d", path, head.ContentLength)
		}
	}
	if resp := do(t, h, http.MethodPost, "/vod/low/seg1.ts"); resp.StatusCode != 405 || resp.Header.Get("Allow") == "" {
		t.Errorf("POST: %d", resp.StatusCode)
	}
}

func TestGzipPlaylists(t *testing.T) {
	fx := newFixture(t)
	h := newTestHandler(t, Config{Dir: fx.root})
	resp := get(t, h, "/vod/low/index.m3u8", "Accept-Encoding", "br, gzip;q=0.8")
	if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Vary") != "Accept-Encoding" {
		t.Fatalf("headers %v", resp.Header)
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if string(plain) != vodM3U8 {
		t.Errorf("gunzipped %q", plain)
	}
	gzTag := resp.Header.Get("ETag")
	if r2 := get(t, h, "/vod/low/index.m3u8", "Accept-Encoding", "gzip;q=0"); r2.Header.Get("Content-Encoding") != "" || body(t, r2) != vodM3U8 || r2.Header.Get("ETag") == gzTag {
		t.Errorf("q=0 still gzipped or same ETag: %v", r2.Header)
	}
	if r3 := get(t, h, "/vod/low/index.m3u8", "Accept-Encoding", "gzip", "If-None-Match", gzTag); r3.StatusCode != 304 {
		t.Errorf("gzip If-None-Match: %d", r3.StatusCode)
	}
	if r4 := get(t, h, "/vod/low/seg0.ts", "Accept-Encoding", "gzip"); r4.Header.Get("Content-Encoding") != "" {
		t.Error("segment gzipped")
	}
}

func TestAcceptsGzip(t *testing.T) {
	for in, want := range map[string]bool{
		"": false, "gzip": true, "GZIP": true, "deflate, gzip": true, "gzip;q=0": false,
		"gzip; q=0.001": true, "*": true, "*;q=0": false, "br": false, "x-gzip": false,
	} {
		if got := acceptsGzip([]string{in}); got != want {
			t.Errorf("acceptsGzip(%q) = %v", in, got)
		}
	}
}

// TestServeCORSOffByDefault: without CORSOrigin, a page of another origin
// gets no CORS header on any file and its preflight is refused.
func TestServeCORSOffByDefault(t *testing.T) {
	fx := newFixture(t)
	h := newTestHandler(t, Config{Dir: fx.root})
	for _, p := range []string{"/vod/low/seg0.ts", "/vod/low/seg1.ts", "/vod/master.m3u8", "/vod/k.key"} {
		resp := get(t, h, p, "Origin", "https://evil.example")
		if v := resp.Header.Get("Access-Control-Allow-Origin"); v != "" || resp.StatusCode != 200 {
			t.Errorf("%s: %d, Access-Control-Allow-Origin %q", p, resp.StatusCode, v)
		}
	}
	pre := do(t, h, http.MethodOptions, "/vod/low/seg0.ts", "Origin", "https://evil.example", "Access-Control-Request-Method", "GET")
	if pre.StatusCode != 403 || pre.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight %d %v", pre.StatusCode, pre.Header)
	}
}

// TestServeCORSOneOrigin: CORSOrigin lets that origin, and no other, read
// media and playlists, never keys.
func TestServeCORSOneOrigin(t *testing.T) {
	fx := newFixture(t)
	const player = "https://player.example"
	h := newTestHandler(t, Config{Dir: fx.root, CORSOrigin: player})
	resp := get(t, h, "/vod/low/seg0.ts", "Origin", player)
	if resp.Header.Get("Access-Control-Allow-Origin") != player || !strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "Content-Range") ||
		!strings.Contains(resp.Header.Get("Vary"), "Origin") {
		t.Errorf("allowed origin: %v", resp.Header)
	}
	if resp := get(t, h, "/vod/master.m3u8", "Origin", player, "Accept-Encoding", "gzip"); resp.Header.Get("Access-Control-Allow-Origin") != player ||
		resp.Header.Get("Vary") != "Accept-Encoding, Origin" && strings.Join(resp.Header.Values("Vary"), ", ") != "Accept-Encoding, Origin" {
		t.Errorf("gzipped playlist: %v", resp.Header)
	}
	if v := get(t, h, "/vod/low/seg0.ts", "Origin", "https://evil.example").Header.Get("Access-Control-Allow-Origin"); v != "" {
		t.Errorf("other origin got %q", v)
	}
	pre := do(t, h, http.MethodOptions, "/vod/low/seg0.ts", "Origin", player, "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "range")
	if pre.StatusCode != 204 || pre.Header.Get("Access-Control-Allow-Origin") != player || !strings.Contains(pre.Header.Get("Access-Control-Allow-Headers"), "Range") {
		t.Errorf("preflight %d %v", pre.StatusCode, pre.Header)
	}
}

// TestServeNoCORSOnKeys: even with every origin allowed, a key is never
// readable by another origin's page.
func TestServeNoCORSOnKeys(t *testing.T) {
	fx := newFixture(t)
	h := newTestHandler(t, Config{Dir: fx.root, CORSOrigin: "*"})
	if v := get(t, h, "/vod/low/seg0.ts", "Origin", "https://a.example").Header.Get("Access-Control-Allow-Origin"); v != "*" {
		t.Errorf("segment with CORSOrigin *: %q", v)
	}
	resp := get(t, h, "/vod/k.key", "Origin", "https://a.example")
	if v := resp.Header.Get("Access-Control-Allow-Origin"); resp.StatusCode != 200 || v != "" {
		t.Errorf("key: %d, Access-Control-Allow-Origin %q", resp.StatusCode, v)
	}
	if pre := do(t, h, http.MethodOptions, "/vod/k.key", "Origin", "https://a.example", "Access-Control-Request-Method", "GET"); pre.StatusCode != 403 {
		t.Errorf("key preflight %d", pre.StatusCode)
	}
}

// TestServeRefusesForeignHost: a server on loopback answers only requests
// naming a loopback host, on both paths of Server, so a page that rebinds
// its own name to 127.0.0.1 reads nothing.
func TestServeRefusesForeignHost(t *testing.T) {
	fx := newFixture(t)
	h := newTestHandler(t, Config{Dir: fx.root, Hosts: LoopbackHosts("127.0.0.1:8787")})
	_, addr := startServer(t, h)
	for _, tc := range []struct {
		host string
		code int
	}{
		{"127.0.0.1:8787", 200}, {"localhost:8787", 200}, {"LOCALHOST", 200}, {"[::1]:8787", 200}, {"localhost.", 200},
		{"evil.example:8787", 403}, {"evil.example", 403}, {"127.0.0.1.evil.example", 403}, {"localhost.evil.example:80", 403},
	} {
		for _, p := range []string{"/vod/low/seg0.ts", "/", "/api/tracks", "/vod/low/index.m3u8"} {
			resp := exchange(t, addr, "GET "+p+" HTTP/1.1\r\nHost: "+tc.host+"\r\n\r\n", 1)[0]
			want := tc.code
			if want == 200 && p == "/api/tracks" {
				want = 503 // no catalog
			}
			if resp.StatusCode != want {
				t.Errorf("Host %s, %s: %d, want %d", tc.host, p, resp.StatusCode, want)
			}
		}
	}
}

func TestLoopbackHosts(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8787": "localhost 127.0.0.1 ::1",
		"127.0.0.2:80":   "localhost 127.0.0.1 ::1 127.0.0.2",
		"[::1]:0":        "localhost 127.0.0.1 ::1",
		"localhost:1":    "localhost 127.0.0.1 ::1",
		"0.0.0.0:8787":   "",
		":8787":          "",
		"10.0.0.1:8787":  "",
	} {
		if got := strings.Join(LoopbackHosts(addr), " "); got != want {
			t.Errorf("LoopbackHosts(%q) = %q, want %q", addr, got, want)
		}
	}
}

// TestChangesAreSeen: a live playlist rewritten in place or replaced by a
// rename is served fresh once StatTTL has passed.
func TestChangesAreSeen(t *testing.T) {
	fx := newFixture(t)
	h := newTestHandler(t, Config{Dir: fx.root, StatTTL: time.Millisecond})
	if b := body(t, get(t, h, "/live/index.m3u8")); b != liveM3U8 {
		t.Fatalf("first %q", b)
	}
	grown := liveM3U8 + "#EXTINF:2.0,\nseg1.ts\n"
	writeFile(t, filepath.Join(fx.root, "live/index.m3u8"), []byte(grown))
	time.Sleep(5 * time.Millisecond)
	if b := body(t, get(t, h, "/live/index.m3u8")); b != grown {
		t.Errorf("after rewrite %q", b)
	}
	final := grown + "#EXT-X-ENDLIST\n"
	tmp := filepath.Join(fx.root, "live/index.m3u8.tmp")
	writeFile(t, tmp, []byte(final))
	if err := os.Rename(tmp, filepath.Join(fx.root, "live/index.m3u8")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	resp := get(t, h, "/live/index.m3u8")
	if b := body(t, resp); b != final || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("after rename %q %q", b, resp.Header.Get("Cache-Control"))
	}
	// the big file path re-reads metadata on every request
	seg := filepath.Join(fx.root, "vod/low/seg1.ts")
	writeFile(t, seg, bytes.Repeat([]byte("x"), 100<<10))
	if b := body(t, get(t, h, "/vod/low/seg1.ts")); len(b) != 100<<10 || b[0] != 'x' {
		t.Errorf("rewritten segment: %d bytes", len(b))
	}
	os.Remove(seg)
	if resp := get(t, h, "/vod/low/seg1.ts"); resp.StatusCode != 404 {
		t.Errorf("removed segment: %d", resp.StatusCode)
	}
}

// TestServeRebuiltSegmentRevalidates: a segment of a finished folder is
// not cached as immutable, and once rebuilt under the same name (--force,
// a live restart) the old copy's ETag no longer validates.
func TestServeRebuiltSegmentRevalidates(t *testing.T) {
	fx := newFixture(t)
	h := newTestHandler(t, Config{Dir: fx.root, StatTTL: time.Millisecond})
	for _, p := range []string{"/vod/low/seg0.ts", "/vod/low/seg1.ts", "/vod/low/index.m3u8", "/vod/master.m3u8"} {
		if cc := get(t, h, p).Header.Get("Cache-Control"); strings.Contains(cc, "immutable") || strings.Contains(cc, "max-age") {
			t.Errorf("%s of a finished folder: Cache-Control %q", p, cc)
		}
	}
	old := get(t, h, "/vod/low/seg0.ts").Header.Get("Etag")
	if resp := get(t, h, "/vod/low/seg0.ts", "If-None-Match", old); resp.StatusCode != 304 {
		t.Errorf("unchanged segment: %d", resp.StatusCode)
	}
	writeFile(t, filepath.Join(fx.root, "vod/low/seg0.ts"), []byte("rebuilt segment, new IV"))
	time.Sleep(5 * time.Millisecond)
	resp := get(t, h, "/vod/low/seg0.ts", "If-None-Match", old)
	if b := body(t, resp); resp.StatusCode != 200 || b != "rebuilt segment, new IV" {
		t.Errorf("rebuilt segment with the old ETag: %d %q", resp.StatusCode, b)
	}
}

func TestCleanName(t *testing.T) {
	for _, tc := range []struct {
		path, raw, want string
	}{
		{"/a/b.ts", "", "a/b.ts"},
		{"/a b/c.ts", "", "a b/c.ts"},
		{"/", "", ""},
		{"", "", ""},
		{"a.ts", "", ""},
		{"//a.ts", "", ""},
		{"/a//b.ts", "", ""},
		{"/../a.ts", "", ""},
		{"/a/../b.ts", "", ""},
		{"/./a.ts", "", ""},
		{"/a/", "", ""},
		{"/.git/config", "", ""},
		{"/a/.b.ts", "", ""},
		{"/a\\b.ts", "", ""},
		{"/a\x00.ts", "", ""},
		{"/a/b.ts", "/a%2Fb.ts", ""},
		{"/a\\b.ts", "/a%5cb.ts", ""},
		{"/a.b/c..ts", "", "a.b/c..ts"},
	} {
		got, ok := cleanName(tc.path, tc.raw)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("cleanName(%q, %q) = %q %v, want %q", tc.path, tc.raw, got, ok, tc.want)
		}
	}
}

func FuzzCleanName(f *testing.F) {
	for _, s := range []string{"/a/b.ts", "/../x", "/a\\b", "/%2e", "//x", "/a/./b", "/.x/y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		name, ok := cleanName(p, "")
		if !ok {
			return
		}
		for _, el := range strings.Split(name, "/") {
			if el == "" || el == "." || el == ".." || el[0] == '.' || strings.ContainsAny(el, "\\\x00") {
				t.Fatalf("cleanName(%q) accepted %q", p, name)
			}
		}
		if filepath.IsAbs(name) || "/"+name != p {
			t.Fatalf("cleanName(%q) = %q", p, name)
		}
	})
}

// TestServeChecksSymlinkTarget: a symlink with a media name is served
// only when its target is a file of the same kind: x.ts -> veza.db does
// not publish the catalog, nor k.ts -> k.key a key.
func TestServeChecksSymlinkTarget(t *testing.T) {
	fx := newFixture(t)
	mustSymlink(t, "veza.db", filepath.Join(fx.root, "x.ts"))
	mustSymlink(t, "notes.txt", filepath.Join(fx.root, "vod/low/n.m3u8"))
	mustSymlink(t, "../k.key", filepath.Join(fx.root, "vod/low/k.ts"))
	mustSymlink(t, "in.ts", filepath.Join(fx.root, "chain.ts"))
	h := newTestHandler(t, Config{Dir: fx.root})
	_, addr := startServer(t, h)
	for p, want := range map[string]int{"/x.ts": 404, "/vod/low/n.m3u8": 404, "/vod/low/k.ts": 404, "/in.ts": 200, "/chain.ts": 200} {
		if code, _ := rawGet(t, addr, p); code != want {
			t.Errorf("%s: %d, want %d", p, code, want)
		}
	}
}

// TestServeCapsRanges: a request with more ranges than maxRanges is
// refused; a few ranges are answered.
func TestServeCapsRanges(t *testing.T) {
	fx := newFixture(t)
	h := newTestHandler(t, Config{Dir: fx.root})
	many := "bytes=0-0"
	for i := 1; i < 200; i++ {
		many += fmt.Sprintf(",%d-%d", 2*i, 2*i)
	}
	if resp := get(t, h, "/vod/low/seg1.ts", "Range", many); resp.StatusCode != http.StatusRequestedRangeNotSatisfiable {
		t.Errorf("200 ranges: %d", resp.StatusCode)
	}
	if resp := get(t, h, "/vod/low/seg1.ts", "Range", "bytes=0-9,100-109"); resp.StatusCode != http.StatusPartialContent {
		t.Errorf("2 ranges: %d", resp.StatusCode)
	}
}

// fileLoads reads veza_serve_file_loads_total from h's /metrics.
func fileLoads(t *testing.T, h *Handler) int {
	t.Helper()
	for _, l := range strings.Split(body(t, get(t, h, "/metrics")), "\n") {
		if v, ok := strings.CutPrefix(l, "veza_serve_file_loads_total "); ok {
			n, err := strconv.Atoi(v)
			must(t, err)
			return n
		}
	}
	t.Fatal("/metrics has no veza_serve_file_loads_total")
	return 0
}

// TestServeReloadsChangedPlaylistOnce: many requests arriving together
// for a playlist that changed read it from disk once, not once each.
func TestServeReloadsChangedPlaylistOnce(t *testing.T) {
	fx := newFixture(t)
	name := filepath.Join(fx.root, "live/event.m3u8")
	pl := "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-PLAYLIST-TYPE:EVENT\n" + strings.Repeat("#EXTINF:2.0,\nseg0.ts\n", 4<<20/21)
	writeFile(t, name, []byte(pl))
	h := newTestHandler(t, Config{Dir: fx.root, StatTTL: time.Millisecond})
	get(t, h, "/live/event.m3u8")
	pl += "#EXTINF:2.0,\nseg0.ts\n"
	writeFile(t, name, []byte(pl))
	time.Sleep(5 * time.Millisecond)

	before := fileLoads(t, h)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 16 {
		wg.Go(func() {
			<-start
			resp := get(t, h, "/live/event.m3u8", "Accept-Encoding", "gzip")
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET: %d", resp.StatusCode)
			}
		})
	}
	close(start)
	wg.Wait()
	if n := fileLoads(t, h) - before; n != 1 {
		t.Errorf("16 requests for a changed playlist read it %d times, want 1", n)
	}
}
