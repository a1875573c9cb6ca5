package serve

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// startServer runs a Server for h on a loopback port.
func startServer(t *testing.T, h *Handler) (*Server, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	s := &Server{Handler: h}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve returned %v", err)
		}
	})
	return s, ln.Addr().String()
}

// exchange writes raw requests on one connection and reads n responses
// (HEAD ones when the n-th request is in heads).
func exchange(t *testing.T, addr, raw string, n int, heads ...int) []*http.Response {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	must(t, err)
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	_, err = io.WriteString(c, raw)
	must(t, err)
	br := bufio.NewReader(c)
	var out []*http.Response
	for i := range n {
		var req *http.Request
		for _, h := range heads {
			if h == i {
				req = &http.Request{Method: http.MethodHead}
			}
		}
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			t.Fatalf("response %d of %q: %v", len(out)+1, raw, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(strings.NewReader(string(b)))
		out = append(out, resp)
	}
	return out
}

func TestServerNothingLeavesTheRoot(t *testing.T) {
	fx := newFixture(t)
	_, addr := startServer(t, newTestHandler(t, Config{Dir: fx.root}))
	for _, target := range escapeTargets(fx, addr) {
		code, body := rawGet(t, addr, target)
		if code == http.StatusOK || strings.Contains(body, secret) {
			t.Errorf("GET %s = %d %q, want refused", target, code, body)
		}
	}
	if code, body := rawGet(t, addr, "/in.ts"); code != 200 || body != "small segment low" {
		t.Errorf("GET /in.ts = %d %q", code, body)
	}
}

// TestServerMatchesHandler: the fast path answers with the same status,
// headers and bytes as the Handler does through net/http.
func TestServerMatchesHandler(t *testing.T) {
	fx := newFixture(t)
	h := newTestHandler(t, Config{Dir: fx.root})
	_, addr := startServer(t, h)
	for _, p := range []string{"/vod/master.m3u8", "/vod/low/index.m3u8", "/vod/low/seg0.ts", "/vod/low/seg1.ts", "/vod/k.key", "/live/index.m3u8", "/live/seg0.ts"} {
		want := get(t, h, p)
		wantBody := body(t, want)
		got := exchange(t, addr, "GET "+p+" HTTP/1.1\r\nHost: x\r\n\r\n", 1)[0]
		if got.StatusCode != want.StatusCode || body(t, got) != wantBody {
			t.Errorf("%s: %d with %d bytes, want %d", p, got.StatusCode, got.ContentLength, want.StatusCode)
		}
		for k := range want.Header {
			if k != "Date" && got.Header.Get(k) != want.Header.Get(k) {
				t.Errorf("%s: %s = %q, want %q", p, k, got.Header.Get(k), want.Header.Get(k))
			}
		}
		for k := range got.Header {
			if _, ok := want.Header[k]; !ok && k != "Date" { // the recorder sets no Date
				t.Errorf("%s: extra header %s", p, k)
			}
		}
		if _, err := http.ParseTime(got.Header.Get("Date")); err != nil {
			t.Errorf("%s: Date %q", p, got.Header.Get("Date"))
		}
	}
}

func TestServerKeepAliveAndHandOff(t *testing.T) {
	fx := newFixture(t)
	reg := newTestHandler(t, Config{Dir: fx.root})
	_, addr := startServer(t, reg)
	// pipelined plain requests, then a range (net/http from there on),
	// then plain ones again on the same connection
	raw := "GET /vod/low/index.m3u8 HTTP/1.1\r\nHost: x\r\n\r\n" +
		"HEAD /vod/low/seg1.ts HTTP/1.1\r\nHost: x\r\n\r\n" +
		"GET /vod/low/seg1.ts HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n\r\n" +
		"GET /vod/low/seg1.ts HTTP/1.1\r\nHost: x\r\nRange: bytes=5-9\r\n\r\n" +
		"GET /vod/low/seg0.ts HTTP/1.1\r\nHost: x\r\n\r\n" +
		"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
	rs := exchange(t, addr, raw, 6, 1)
	want := []struct {
		code int
		body string
	}{
		{200, vodM3U8}, {200, ""}, {200, string(fx.big)}, {206, string(fx.big[5:10])}, {200, "small segment low"}, {200, "ok\n"},
	}
	for i, w := range want {
		if rs[i].StatusCode != w.code || body(t, rs[i]) != w.body {
			t.Errorf("response %d: %d %.40q, want %d %.40q", i, rs[i].StatusCode, body(t, rs[i]), w.code, w.body)
		}
	}
	if rs[1].ContentLength != int64(len(fx.big)) {
		t.Errorf("HEAD Content-Length %d", rs[1].ContentLength)
	}
}

func TestServerEdgeCases(t *testing.T) {
	fx := newFixture(t)
	reader, writer := catalogPair(t, fx)
	seedCatalog(t, writer)
	_, addr := startServer(t, newTestHandler(t, Config{Dir: fx.root, Catalog: reader}))
	for _, tc := range []struct {
		name, raw string
		code      int
		contains  string
	}{
		{"no Host", "GET /vod/low/seg0.ts HTTP/1.1\r\n\r\n", 400, ""},
		{"HTTP/1.0", "GET /vod/low/seg0.ts HTTP/1.0\r\n\r\n", 200, "small segment low"},
		{"gzip playlist", "GET /vod/low/index.m3u8 HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n", 200, ""},
		{"gzip segment", "GET /vod/low/seg0.ts HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n", 200, "small segment low"},
		{"escaped path", "GET /vod/low/seg%30.ts HTTP/1.1\r\nHost: x\r\n\r\n", 200, "small segment low"},
		{"query", "GET /vod/low/seg0.ts?x=1 HTTP/1.1\r\nHost: x\r\n\r\n", 200, "small segment low"},
		{"missing", "GET /vod/low/nope.ts HTTP/1.1\r\nHost: x\r\n\r\n", 404, ""},
		{"POST", "POST /vod/low/seg0.ts HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab", 405, ""},
		{"page", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 200, "/watch/vod"},
		{"API", "GET /api/tracks HTTP/1.1\r\nHost: x\r\n\r\n", 200, `"id": "vod"`},
		{"metrics", "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 200, "veza_serve_requests_total"},
		{"folded header", "GET /vod/low/seg0.ts HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", 200, "small segment low"},
		{"bare LF inside", "GET /vod/low/seg1.ts HTTP/1.1\r\nHost: x\nRange: bytes=0-1\r\n\r\n", 206, ""},
		{"huge header", "GET /vod/low/seg0.ts HTTP/1.1\r\nHost: x\r\nX-A: " + strings.Repeat("a", 5000) + "\r\n\r\n", 200, "small segment low"},
		{"bare LF", "GET /vod/low/seg0.ts HTTP/1.1\nHost: x\n\n", 200, "small segment low"},
	} {
		r := exchange(t, addr, tc.raw, 1)[0]
		b := body(t, r)
		if r.StatusCode != tc.code || !strings.Contains(b, tc.contains) {
			t.Errorf("%s: %d %.80q, want %d with %q", tc.name, r.StatusCode, b, tc.code, tc.contains)
		}
		if tc.name == "gzip playlist" && r.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("gzip playlist: Content-Encoding %q", r.Header.Get("Content-Encoding"))
		}
	}
	// Connection: close ends the connection after the answer
	c, err := net.Dial("tcp", addr)
	must(t, err)
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprint(c, "GET /vod/low/seg0.ts HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	all, err := io.ReadAll(c)
	if err != nil || !strings.HasSuffix(string(all), "small segment low") {
		t.Errorf("Connection: close: %v %q", err, all)
	}
}

func TestServerSignedGoesToNetHTTP(t *testing.T) {
	fx := newFixture(t)
	h := newTestHandler(t, Config{Dir: fx.root, SignKey: []byte("k-0123456789abcdef")})
	_, addr := startServer(t, h)
	if r := exchange(t, addr, "GET /vod/low/seg0.ts HTTP/1.1\r\nHost: x\r\n\r\n", 1)[0]; r.StatusCode != 403 {
		t.Errorf("unsigned through Server: %d", r.StatusCode)
	}
	u := h.Signer().URL("/vod/low/seg0.ts", time.Now().Add(time.Hour))
	if r := exchange(t, addr, "GET "+u+" HTTP/1.1\r\nHost: x\r\n\r\n", 1)[0]; r.StatusCode != 200 {
		t.Errorf("signed through Server: %d", r.StatusCode)
	}
}

func TestServerMetrics(t *testing.T) {
	fx := newFixture(t)
	h := newTestHandler(t, Config{Dir: fx.root})
	_, addr := startServer(t, h)
	exchange(t, addr, strings.Repeat("GET /vod/low/index.m3u8 HTTP/1.1\r\nHost: x\r\n\r\n", 4), 4)
	exchange(t, addr, "GET /vod/low/seg1.ts HTTP/1.1\r\nHost: x\r\n\r\n", 1)
	m := body(t, get(t, h, "/metrics"))
	for _, want := range []string{`veza_serve_requests_total{code="200",route="playlist"} 4`, `veza_serve_response_bytes_total{route="media"} 307200`} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestServerShutdown: idle keep-alive connections, on either path, do not
// hold Shutdown up, and a request in flight finishes.
func TestServerShutdown(t *testing.T) {
	fx := newFixture(t)
	h := newTestHandler(t, Config{Dir: fx.root})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	s := &Server{Handler: h}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	addr := ln.Addr().String()
	var idle []net.Conn
	for _, raw := range []string{
		"GET /vod/low/seg0.ts HTTP/1.1\r\nHost: x\r\n\r\n",                         // stays on the fast path
		"GET /vod/low/seg0.ts HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"x\"\r\n\r\n", // handed to net/http
	} {
		c, err := net.Dial("tcp", addr)
		must(t, err)
		defer c.Close()
		io.WriteString(c, raw)
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := http.ReadResponse(bufio.NewReader(c), nil); err != nil {
			t.Fatal(err)
		}
		idle = append(idle, c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := s.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("Shutdown took %v", d)
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve: %v", err)
	}
	for i, c := range idle {
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		if n, err := c.Read(make([]byte, 1)); n != 0 || err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("connection %d still open after Shutdown: %d %v", i, n, err)
		}
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Error("listener still accepting")
	}
}

// BenchmarkServerPlaylist measures the fast path over loopback, one
// connection: the cost per request without the client's share.
func BenchmarkServerPlaylist(b *testing.B) {
	fx := newFixture(b)
	h := newTestHandler(b, Config{Dir: fx.root})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	s := &Server{Handler: h}
	go s.Serve(ln)
	defer s.Close()
	benchGet(b, ln.Addr().String(), "/vod/master.m3u8")
}

// BenchmarkNetHTTPPlaylist is the same request through net/http alone.
func BenchmarkNetHTTPPlaylist(b *testing.B) {
	fx := newFixture(b)
	srv := httptest.NewServer(newTestHandler(b, Config{Dir: fx.root}))
	defer srv.Close()
	benchGet(b, srv.Listener.Addr().String(), "/vod/master.m3u8")
}

func benchGet(b *testing.B, addr, path string) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	req := []byte("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n")
	b.ReportAllocs()
	for b.Loop() {
		c.Write(req)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// TestServerSharedFileReplaced: while a segment is replaced again and
// again, every answer sent from the shared descriptor is one whole version
// of the file, never a mix or a short body.
func TestServerSharedFileReplaced(t *testing.T) {
	fx := newFixture(t)
	_, addr := startServer(t, newTestHandler(t, Config{Dir: fx.root, StatTTL: time.Millisecond}))
	seg := fx.root + "/vod/low/seg1.ts"
	versions := map[string]bool{string(fx.big): true}
	var contents [][]byte
	for i, c := range []byte("ab") {
		b := []byte(strings.Repeat(string(c), (200+100*i)<<10))
		contents = append(contents, b)
		versions[string(b)] = true
	}
	stop := make(chan struct{})
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			br := bufio.NewReader(c)
			for {
				select {
				case <-stop:
					errs <- nil
					return
				default:
				}
				io.WriteString(c, "GET /vod/low/seg1.ts HTTP/1.1\r\nHost: x\r\n\r\n")
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					errs <- err
					return
				}
				b, err := io.ReadAll(resp.Body)
				if err != nil || !versions[string(b)] {
					errs <- fmt.Errorf("answer of %d bytes is no version of the file (%v)", len(b), err)
					return
				}
			}
		}()
	}
	for i := range 40 {
		writeFile(t, seg+".tmp", contents[i%2])
		must(t, os.Rename(seg+".tmp", seg))
		time.Sleep(3 * time.Millisecond)
	}
	close(stop)
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
