package serve

import (
	"bufio"
	"bytes"
	"net/http"
	"strings"
	"testing"
)

func TestReadFastRequest(t *testing.T) {
	for _, tc := range []struct {
		raw   string
		ok    bool
		path  string
		head  bool
		close bool
	}{
		{"GET /a/b.ts HTTP/1.1\r\nHost: x\r\n\r\n", true, "/a/b.ts", false, false},
		{"HEAD /a.m3u8 HTTP/1.1\r\nhost: x\r\nConnection: keep-alive, Close\r\n\r\n", true, "/a.m3u8", true, true},
		{"GET /a.ts HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nAccept-Encoding: gzip\r\n\r\n", true, "/a.ts", false, false},
		{"GET /a.ts HTTP/1.1\r\n\r\n", false, "", false, false},                                    // no Host
		{"GET /a.ts HTTP/1.0\r\nHost: x\r\n\r\n", false, "", false, false},                         // HTTP/1.0
		{"POST /a.ts HTTP/1.1\r\nHost: x\r\n\r\n", false, "", false, false},                        // method
		{"GET /a%2e.ts HTTP/1.1\r\nHost: x\r\n\r\n", false, "", false, false},                      // escape
		{"GET /a.ts?x HTTP/1.1\r\nHost: x\r\n\r\n", false, "", false, false},                       // query
		{"GET http://x/a.ts HTTP/1.1\r\nHost: x\r\n\r\n", false, "", false, false},                 // absolute form
		{"GET /a.ts HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\r\n\r\n", false, "", false, false},     // range
		{"GET /a.ts HTTP/1.1\r\nHost: x\r\nIF-NONE-MATCH: \"e\"\r\n\r\n", false, "", false, false}, // validator
		{"GET /a.ts HTTP/1.1\r\nHost: x\r\nOrigin: o\r\n\r\n", false, "", false, false},            // CORS
		{"GET /a.ts HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", false, "", false, false}, // body
		{"GET /a.ts HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", false, "", false, false},
		{"GET /a.ts HTTP/1.1\r\nHost: x\r\n X: folded\r\n\r\n", false, "", false, false},
		{"GET /a.ts HTTP/1.1\r\nHost: x\nRange: bytes=0-1\r\n\r\n", false, "", false, false}, // bare LF
		{"GET /a.ts HTTP/1.1\nHost: x\n\n", false, "", false, false},
		{"GET /a b.ts HTTP/1.1\r\nHost: x\r\n\r\n", false, "", false, false},
		{"GET /a.ts HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", false, "", false, false},
		{"GET /a.ts HTTP/1.1\r\nHost: x/y\r\n\r\n", false, "", false, false},
		{"GET /a.ts HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n", false, "", false, false},
		{"GET /a.ts HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n", false, "", false, false},
	} {
		req, ok, err := readFastRequest(bufio.NewReaderSize(strings.NewReader(tc.raw), 4096))
		if err != nil && ok {
			t.Errorf("%q: ok with error %v", tc.raw, err)
		}
		if ok != tc.ok || (ok && (string(req.path) != tc.path || req.head != tc.head || req.close != tc.close)) {
			t.Errorf("%q: ok=%v path=%q head=%v close=%v", tc.raw, ok, req.path, req.head, req.close)
		}
	}
}

// FuzzReadFastRequest checks the fast path against net/http: whatever it
// takes, net/http reads the same way, as a plain GET or HEAD of that path.
func FuzzReadFastRequest(f *testing.F) {
	for _, s := range []string{
		"GET /a/b.ts HTTP/1.1\r\nHost: x\r\n\r\n",
		"HEAD /a.m3u8 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		"GET /a.ts HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\r\n\r\n",
		"GET /a.ts HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
		"GET /a.ts HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		req, ok, err := readFastRequest(bufio.NewReaderSize(strings.NewReader(raw), 4096))
		if !ok || err != nil {
			return
		}
		if req.size > len(raw) || !bytes.HasSuffix([]byte(raw[:req.size]), crlfcrlf) {
			t.Fatalf("size %d of %q", req.size, raw)
		}
		std, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw[:req.size])))
		if err != nil {
			// net/http is stricter on a few points (duplicate Host,
			// odd bytes in names); the fast path must not take those.
			t.Fatalf("fast path took %q, net/http refuses it: %v", raw[:req.size], err)
		}
		wantMethod := "GET"
		if req.head {
			wantMethod = "HEAD"
		}
		if std.Method != wantMethod || std.URL.Path != string(req.path) || std.URL.RawQuery != "" || std.Close != req.close ||
			std.ContentLength > 0 || len(std.TransferEncoding) > 0 || std.Header.Get("Range") != "" || std.Header.Get("If-None-Match") != "" {
			t.Fatalf("fast path read %q as %s %q close=%v; net/http as %s %q close=%v", raw[:req.size],
				wantMethod, req.path, req.close, std.Method, std.URL.Path, std.Close)
		}
	})
}
