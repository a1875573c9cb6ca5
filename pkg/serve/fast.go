package serve

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Server serves a Handler over HTTP/1.1 on a listener the caller opened.
//
// Nearly all of a player's traffic is plain: GET or HEAD of a playlist or a
// segment, no range, no validator, no compression. Server answers those
// itself, from the Handler's file cache, with one write for a playlist and
// one write plus sendfile for a segment. net/http spends most of its time
// elsewhere on such requests (a goroutine per request to watch the
// connection, a cloned header map, a cancelable context): on a loaded
// two-core machine that halves the playlists served per second.
//
// The first request that is not plain — a page, the API, a range, a
// conditional or compressed request, an odd header, HTTP/1.0, a signed
// link — hands its connection, with that request unread, to a net/http
// Server for the rest of the connection's life. Everything but the plain
// cases therefore keeps net/http's complete behaviour.
type Server struct {
	// Handler answers every request. Required.
	Handler *Handler
	// IdleTimeout closes a keep-alive connection that sends nothing for
	// this long between requests. It defaults to 2 minutes.
	IdleTimeout time.Duration
	// ReadHeaderTimeout bounds reading a request's headers: from the
	// connection's start for its first request, from the first byte for
	// the next ones. It defaults to 10 seconds.
	ReadHeaderTimeout time.Duration
	// WriteTimeout bounds writing one response, so a client that stops
	// reading cannot hold a connection for ever. It defaults to 5 minutes.
	WriteTimeout time.Duration
	// MaxConns caps the connections open at once. At the cap, connections
	// idle between requests are closed to make room, and new ones wait in
	// the listen queue until one ends. It defaults to 512.
	MaxConns int
	// ErrorLog receives net/http's errors (bad handshakes, panics). It
	// defaults to discarding them: the library prints nothing.
	ErrorLog *log.Logger

	mu       sync.Mutex
	ln       net.Listener
	slots    chan struct{} // one element per open connection
	stop     chan struct{} // closed by Shutdown and Close
	stopOnce sync.Once
	conns    map[*fastConn]struct{}
	slow     *http.Server
	slowLn   *chanListener
	slowDone chan error
	closing  atomic.Bool
	wg       sync.WaitGroup
}

// fastConn is one connection served by the fast path.
type fastConn struct {
	c     net.Conn
	br    *bufio.Reader
	buf   []byte
	state atomic.Int32 // connBusy, connNew or connIdle
}

// States of a fastConn. Shutdown wakes connections waiting for a request
// (connNew and connIdle); the connection cap reclaims only connIdle ones,
// since a new connection's first request may be on its way.
const (
	connBusy int32 = iota
	connNew
	connIdle
)

var fastConnPool = sync.Pool{New: func() any {
	return &fastConn{br: bufio.NewReaderSize(nil, 4096), buf: make([]byte, 0, 2048)}
}}

func (s *Server) init(ln net.Listener) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Handler == nil {
		return errors.New("serve: Server without a Handler")
	}
	if s.ln != nil {
		return errors.New("serve: Server already serving")
	}
	if s.IdleTimeout <= 0 {
		s.IdleTimeout = 2 * time.Minute
	}
	if s.ReadHeaderTimeout <= 0 {
		s.ReadHeaderTimeout = 10 * time.Second
	}
	if s.WriteTimeout <= 0 {
		s.WriteTimeout = 5 * time.Minute
	}
	if s.MaxConns <= 0 {
		s.MaxConns = 512
	}
	if s.ErrorLog == nil {
		s.ErrorLog = log.New(io.Discard, "", 0)
	}
	s.ln = ln
	s.conns = map[*fastConn]struct{}{}
	s.slots = make(chan struct{}, s.MaxConns)
	s.stop = make(chan struct{})
	s.slowLn = &chanListener{addr: ln.Addr(), ch: make(chan net.Conn), done: make(chan struct{})}
	s.slow = &http.Server{
		Handler:           s.Handler,
		ReadHeaderTimeout: s.ReadHeaderTimeout,
		WriteTimeout:      s.WriteTimeout,
		IdleTimeout:       s.IdleTimeout,
		ErrorLog:          s.ErrorLog,
	}
	s.slowDone = make(chan error, 1)
	go func() { s.slowDone <- s.slow.Serve(s.slowLn) }()
	return nil
}

// Serve accepts connections on ln until Shutdown or Close, and returns
// http.ErrServerClosed then.
func (s *Server) Serve(ln net.Listener) error {
	if err := s.init(ln); err != nil {
		return err
	}
	var backoff time.Duration
	for {
		if !s.acquire() {
			return http.ErrServerClosed
		}
		c, err := ln.Accept()
		if err != nil {
			s.release()
			if s.closing.Load() {
				return http.ErrServerClosed
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			// Out of file descriptors (EMFILE), a connection reset before
			// it was accepted and the like: wait and go on, as net/http
			// does. Whatever the error, a preview server that exits is
			// worse than one that waits.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			select {
			case <-time.After(backoff):
			case <-s.stop:
				return http.ErrServerClosed
			}
			continue
		}
		backoff = 0
		fc := fastConnPool.Get().(*fastConn)
		fc.c = c
		fc.br.Reset(c)
		s.mu.Lock()
		if s.closing.Load() {
			s.mu.Unlock()
			c.Close()
			s.release()
			continue
		}
		s.conns[fc] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serveConn(fc)
	}
}

// acquire takes a connection slot and, while none is free, closes the
// connections idle between requests (again every 50 ms: a busy one may
// turn idle meanwhile). It returns false when the server is stopping.
func (s *Server) acquire() bool {
	select {
	case s.slots <- struct{}{}:
		return true
	default:
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		s.mu.Lock()
		for fc := range s.conns {
			if fc.state.Load() == connIdle {
				fc.c.SetReadDeadline(time.Unix(1, 0)) // wakes the idle read, which ends the connection
			}
		}
		s.mu.Unlock()
		select {
		case s.slots <- struct{}{}:
			return true
		case <-s.stop:
			return false
		case <-tick.C:
		}
	}
}

func (s *Server) release() { <-s.slots }

func (s *Server) stopAccepting() {
	s.closing.Store(true)
	s.stopOnce.Do(func() {
		if s.stop != nil {
			close(s.stop)
		}
	})
}

// Shutdown stops accepting, closes idle connections, lets requests in
// flight finish and waits for them until ctx ends; then it closes what is
// left and returns ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.stopAccepting()
	if s.ln == nil {
		s.mu.Unlock()
		return nil
	}
	s.ln.Close()
	for fc := range s.conns {
		if fc.state.Load() != connBusy {
			fc.c.SetReadDeadline(time.Unix(1, 0)) // wakes the idle read
		}
	}
	s.mu.Unlock()
	slowErr := make(chan error, 1)
	go func() { slowErr <- s.slow.Shutdown(ctx) }()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
		s.closeConns()
		<-done
	}
	if e := <-slowErr; e != nil && err == nil {
		err = e
	}
	return err
}

// Close closes the listener and every connection at once.
func (s *Server) Close() error {
	s.mu.Lock()
	s.stopAccepting()
	if s.ln == nil {
		s.mu.Unlock()
		return nil
	}
	err := s.ln.Close()
	s.mu.Unlock()
	s.closeConns()
	s.slow.Close()
	s.wg.Wait()
	return err
}

func (s *Server) closeConns() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for fc := range s.conns {
		fc.c.Close()
	}
}

func (s *Server) serveConn(fc *fastConn) {
	handedOff := false
	defer func() {
		s.mu.Lock()
		delete(s.conns, fc)
		s.mu.Unlock()
		if !handedOff {
			fc.c.Close()
			fc.c = nil
			fc.br.Reset(nil)
			fastConnPool.Put(fc)
			s.release()
		}
		s.wg.Done()
	}()
	// The first request's headers must come within ReadHeaderTimeout of
	// the connection's start; a later one may wait IdleTimeout for its
	// first byte, then ReadHeaderTimeout for the rest of its headers.
	fc.state.Store(connNew)
	fc.c.SetReadDeadline(time.Now().Add(s.ReadHeaderTimeout))
	for first := true; ; first = false {
		if !first {
			fc.state.Store(connIdle)
			fc.c.SetReadDeadline(time.Now().Add(s.IdleTimeout))
		}
		if s.closing.Load() { // checked after the state is set: Shutdown sees one or the other
			return
		}
		if _, err := fc.br.Peek(1); err != nil {
			return
		}
		fc.state.Store(connBusy)
		if !first {
			fc.c.SetReadDeadline(time.Now().Add(s.ReadHeaderTimeout))
		}
		req, ok, err := readFastRequest(fc.br)
		if err != nil {
			return
		}
		fc.c.SetWriteDeadline(time.Now().Add(s.WriteTimeout))
		if !ok || !s.Handler.serveFast(fc, &req) {
			handedOff = s.handOff(fc)
			return
		}
		fc.br.Discard(req.size)
		if req.close {
			return
		}
	}
}

// handOff gives the connection, its unread bytes first, to net/http.
func (s *Server) handOff(fc *fastConn) bool {
	fc.c.SetReadDeadline(time.Time{})
	fc.c.SetWriteDeadline(time.Time{})
	hc := &handedConn{Conn: fc.c, r: fc.br, release: s.release}
	select {
	case s.slowLn.ch <- hc:
		return true
	case <-s.slowLn.done:
		return false
	}
}

// handedConn is a connection whose first bytes were already read into r.
// It keeps its connection slot until net/http closes it.
type handedConn struct {
	net.Conn
	r       *bufio.Reader
	release func()
	once    sync.Once
}

func (c *handedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

func (c *handedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// ReadFrom keeps sendfile working for net/http on a handed-over connection.
func (c *handedConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}

// CloseWrite lets net/http half-close the connection as it does a TCP one.
func (c *handedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// chanListener feeds handed-over connections to net/http.
type chanListener struct {
	addr net.Addr
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *chanListener) Addr() net.Addr { return l.addr }

// fastRequest is a plain request as the fast path reads it. Its byte
// slices point into the connection's buffer and die with Discard.
type fastRequest struct {
	head   bool
	path   []byte
	size   int // bytes of the request line and headers
	close  bool
	host   []byte
	accept []byte // Accept-Encoding value, nil when absent
}

var (
	crlfcrlf = []byte("\r\n\r\n")
	http11   = []byte(" HTTP/1.1")
)

// readFastRequest peeks at the next request's head. ok is false when the
// request is not one the fast path takes (the bytes stay unread for
// net/http); err means the connection is gone.
func readFastRequest(br *bufio.Reader) (req fastRequest, ok bool, err error) {
	var b []byte
	for {
		b, _ = br.Peek(br.Buffered())
		if i := bytes.Index(b, crlfcrlf); i >= 0 {
			b = b[:i+4]
			break
		}
		if bytes.Contains(b, []byte("\n\n")) || bytes.Contains(b, []byte("\n\r\n")) {
			return req, false, nil // bare LF line ends: net/http is lenient about them
		}
		if br.Buffered() == br.Size() {
			return req, false, nil // headers beyond 4 KB: net/http's limits apply
		}
		if _, err := br.Peek(br.Buffered() + 1); err != nil {
			if br.Buffered() > 0 && !errors.Is(err, os.ErrDeadlineExceeded) {
				return req, false, nil // let net/http answer what there is
			}
			return req, false, err
		}
	}
	req.size = len(b)
	line, rest, _ := bytes.Cut(b, []byte("\r\n"))
	switch {
	case bytes.HasPrefix(line, []byte("GET /")):
		line = line[4:]
	case bytes.HasPrefix(line, []byte("HEAD /")):
		line = line[5:]
		req.head = true
	default:
		return req, false, nil
	}
	if !bytes.HasSuffix(line, http11) {
		return req, false, nil
	}
	req.path = line[:len(line)-len(http11)]
	for _, c := range req.path {
		if !plainPathByte[c] {
			return req, false, nil // escapes, queries, spaces: net/http decodes them
		}
	}
	host := false
	for len(rest) > 2 {
		var h []byte
		h, rest, _ = bytes.Cut(rest, []byte("\r\n"))
		name, value, found := bytes.Cut(h, []byte(":"))
		if !found || len(name) == 0 || name[0] == ' ' || name[0] == '\t' || bytes.ContainsAny(h, "\r\n") {
			return req, false, nil // folded or malformed: net/http decides
		}
		if !validHeader(name, value) {
			return req, false, nil // net/http answers 400
		}
		value = bytes.TrimSpace(value)
		switch {
		case len(name) == 4 && bytes.EqualFold(name, []byte("host")):
			if host || !validHost(value) {
				return req, false, nil // duplicate or bad Host: 400 from net/http
			}
			host = true
			req.host = value
		case bytes.EqualFold(name, []byte("connection")):
			if containsToken(value, "close") {
				req.close = true
			}
		case bytes.EqualFold(name, []byte("accept-encoding")):
			req.accept = value
		case bytes.EqualFold(name, []byte("content-length")):
			if string(value) != "0" {
				return req, false, nil
			}
		case bytes.EqualFold(name, []byte("transfer-encoding")),
			bytes.EqualFold(name, []byte("range")),
			bytes.EqualFold(name, []byte("if-range")),
			bytes.EqualFold(name, []byte("if-none-match")),
			bytes.EqualFold(name, []byte("if-modified-since")),
			bytes.EqualFold(name, []byte("if-match")),
			bytes.EqualFold(name, []byte("if-unmodified-since")),
			bytes.EqualFold(name, []byte("origin")),
			bytes.EqualFold(name, []byte("expect")),
			bytes.EqualFold(name, []byte("upgrade")):
			return req, false, nil
		}
	}
	if !host {
		return req, false, nil // net/http answers 400
	}
	return req, true, nil
}

// plainPathByte lists the bytes a fast-path request path may hold:
// unreserved and sub-delimiter characters and "/". No "%", "?", "#",
// "\", spaces or controls.
var plainPathByte = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "-._~/!$&'()*+,;=:@" {
		t[c] = true
	}
	return t
}()

// validHeader applies net/http's rules: a name of token characters, a
// value without control characters other than tab.
func validHeader(name, value []byte) bool {
	for _, c := range name {
		if !tokenByte[c] {
			return false
		}
	}
	for _, c := range value {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

var tokenByte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c > ' ' && c < 0x7f && !strings.ContainsRune("\"(),/:;<=>?@[\\]{}", rune(c))
	}
	return t
}()

// validHost is net/http's check of a Host value's bytes.
func validHost(v []byte) bool {
	for _, c := range v {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!$%&'()*+,-.:;=[]_~", c) >= 0) {
			return false
		}
	}
	return true
}

func containsToken(v []byte, tok string) bool {
	for len(v) > 0 {
		var part []byte
		part, v, _ = bytes.Cut(v, []byte(","))
		if bytes.EqualFold(bytes.TrimSpace(part), []byte(tok)) {
			return true
		}
	}
	return false
}

// serveFast answers a plain request for a file, or returns false having
// written nothing when net/http should answer it instead.
func (h *Handler) serveFast(fc *fastConn, req *fastRequest) bool {
	if h.signer != nil {
		return false
	}
	if h.hosts != nil && !h.hosts[string(hostOnly(req.host))] {
		return false // net/http normalizes the name or answers 403
	}
	start := time.Now()
	p := string(req.path)
	if reservedPath(p) {
		return false
	}
	name, ok := cleanName(p, "")
	if !ok {
		return false
	}
	typ, ok := typeOf(name)
	if !ok || typ.kind == kindKey {
		return false // keys are rare: net/http checks a playlist names them
	}
	if req.accept != nil && (typ.kind == kindPlaylist || typ.kind == kindManifest) && acceptsGzip([]string{string(req.accept)}) {
		return false
	}
	e, err := h.files.entry(name, typ)
	if err != nil {
		return false
	}
	cc := h.cacheControl(e)[0]
	var f *os.File
	if e.body == nil && e.fd == nil && !req.head {
		// no shared descriptor (too many files open): open one for this
		// request; the entry may be fresher than the cached one
		var ferr error
		if e, f, ferr = h.files.open(name, typ); ferr != nil {
			return false
		}
		if f != nil {
			defer f.Close()
		}
	}
	head := append(fc.buf[:0], "HTTP/1.1 200 OK\r\n"...)
	head = append(head, e.fastHdr...)
	head = append(head, "Cache-Control: "...)
	head = append(head, cc...)
	head = append(head, "\r\nDate: "...)
	head = appendDate(head, start)
	head = append(head, "\r\n\r\n"...)
	fc.buf = head[:0]
	var n int64
	var werr error
	switch {
	case req.head:
		_, werr = fc.c.Write(head)
	case e.body != nil && len(e.body) <= 32<<10:
		head = append(head, e.body...)
		fc.buf = head[:0]
		_, werr = fc.c.Write(head)
		n = int64(len(e.body))
	case e.body != nil:
		bufs := net.Buffers{head, e.body}
		_, werr = bufs.WriteTo(fc.c)
		n = int64(len(e.body))
	default:
		src := e.fd
		if f != nil {
			src = f
		}
		n, werr = sendHeadAndFile(fc.c, head, src, e.size)
		if errors.Is(werr, errFileGone) {
			// The entry was replaced while this request began and its
			// descriptor is closed: nothing went out, so net/http can
			// answer from a fresh look.
			return false
		}
	}
	if werr != nil {
		req.close = true // the client went away mid-answer
	}
	h.metrics.observe(fileRoute(typ.kind), http.StatusOK, n, start)
	return true
}

// reservedPath says whether p is one of the Handler's own routes.
func reservedPath(p string) bool {
	switch p {
	case "/", "/healthz", "/readyz", "/metrics":
		return true
	}
	for _, pre := range [...]string{"/watch/", "/api/", assetPrefix} {
		if len(p) >= len(pre) && p[:len(pre)] == pre {
			return true
		}
	}
	return false
}

// buildFastHeader precomputes the header lines that do not change between
// requests for one version of a file.
func (e *fileEntry) buildFastHeader() {
	var b []byte
	b = append(b, "Accept-Ranges: bytes\r\nContent-Length: "...)
	b = strconv.AppendInt(b, e.size, 10)
	b = append(b, "\r\nContent-Type: "...)
	b = append(b, e.ctype[0]...)
	b = append(b, "\r\nEtag: "...)
	b = append(b, e.etag[0]...)
	b = append(b, "\r\nLast-Modified: "...)
	b = append(b, e.lastMod[0]...)
	b = append(b, "\r\n"...)
	if e.compressible() {
		b = append(b, "Vary: Accept-Encoding\r\n"...)
	}
	e.fastHdr = b
}

// The Date header changes once a second; format it once a second.
type dateStamp struct {
	sec int64
	b   []byte
}

var lastDate atomic.Pointer[dateStamp]

func appendDate(b []byte, now time.Time) []byte {
	sec := now.Unix()
	d := lastDate.Load()
	if d == nil || d.sec != sec {
		d = &dateStamp{sec: sec, b: now.UTC().AppendFormat(nil, httpTimeFormat)}
		lastDate.Store(d)
	}
	return append(b, d.b...)
}

// errFileGone is sendHeadAndFile's error for a shared file closed before
// anything was sent.
var errFileGone = errors.New("file closed before sending")

// copyHeadAndFile is sendHeadAndFile for connections that are not sockets.
func copyHeadAndFile(c net.Conn, head []byte, f *os.File, size int64) (int64, error) {
	if _, err := c.Write(head); err != nil {
		return 0, err
	}
	return io.Copy(c, io.NewSectionReader(f, 0, size))
}
