package serve

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startServing runs s on a loopback port.
func startServing(t *testing.T, s *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve returned %v", err)
		}
	})
	return ln.Addr().String()
}

// closedWithin says whether the server closes c within d.
func closedWithin(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// TestServeReadHeaderTimeout: a client that starts a request and never
// ends its headers is dropped after ReadHeaderTimeout, not after the idle
// timeout, on the first request and on a later one of a connection.
func TestServeReadHeaderTimeout(t *testing.T) {
	fx := newFixture(t)
	h := newTestHandler(t, Config{Dir: fx.root})
	addr := startServing(t, &Server{Handler: h, ReadHeaderTimeout: 200 * time.Millisecond, IdleTimeout: time.Minute})
	for _, before := range []string{"", "GET /vod/low/seg0.ts HTTP/1.1\r\nHost: x\r\n\r\n"} {
		c, err := net.Dial("tcp", addr)
		must(t, err)
		defer c.Close()
		if before != "" {
			io.WriteString(c, before)
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			must(t, err)
			resp.Body.Close()
		}
		io.WriteString(c, "GET /vod/low/seg0.ts HTTP/1.1\r\nHo")
		if !closedWithin(c, 3*time.Second) {
			t.Errorf("after %q: a half-sent request kept its connection", before)
		}
	}
}

// dialSmall connects with a small receive buffer, set before the
// handshake (shrinking it later makes the kernel drop data in flight).
func dialSmall(t *testing.T, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) {
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
	}}
	c, err := d.Dial("tcp", addr)
	must(t, err)
	return c
}

// slowReader asks for path on a connection with a small receive buffer
// and reads nothing for a while; it returns what it could read then and
// how the reading ended.
func slowReader(t *testing.T, addr, req string, pause time.Duration) (int64, error) {
	t.Helper()
	c := dialSmall(t, addr)
	defer c.Close()
	_, err := io.WriteString(c, req)
	must(t, err)
	time.Sleep(pause)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	return io.Copy(io.Discard, c)
}

// TestServeDropsSlowReader: a client that stops reading its answer is
// dropped after WriteTimeout, whether the fast path sends a file, sends a
// playlist from memory, or net/http answers a range.
func TestServeDropsSlowReader(t *testing.T) {
	fx := newFixture(t)
	big := strings.Repeat("x", 24<<20)
	writeFile(t, filepath.Join(fx.root, "vod/low/huge.ts"), []byte(big))
	pl := "#EXTM3U\n#EXT-X-TARGETDURATION:2\n" + strings.Repeat("#EXTINF:2.0,\nseg0.ts\n", 12<<20/21)
	writeFile(t, filepath.Join(fx.root, "vod/low/long.m3u8"), []byte(pl))
	h := newTestHandler(t, Config{Dir: fx.root})
	addr := startServing(t, &Server{Handler: h, WriteTimeout: 300 * time.Millisecond})
	for _, tc := range []struct {
		name, req string
		size      int
	}{
		{"fast path file", "GET /vod/low/huge.ts HTTP/1.1\r\nHost: x\r\n\r\n", len(big)},
		{"fast path playlist", "GET /vod/low/long.m3u8 HTTP/1.1\r\nHost: x\r\n\r\n", len(pl)},
		{"net/http range", "GET /vod/low/huge.ts HTTP/1.1\r\nHost: x\r\nRange: bytes=0-\r\n\r\n", len(big)},
	} {
		n, err := slowReader(t, addr, tc.req, 1500*time.Millisecond)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() || n >= int64(tc.size) {
			t.Errorf("%s: read %d of %d bytes, then %v: the slow reader was not dropped", tc.name, n, tc.size, err)
		}
	}
}

// TestServeCapsConnections: at MaxConns, a new connection waits until one
// ends, and connections idle between requests make room at once.
func TestServeCapsConnections(t *testing.T) {
	fx := newFixture(t)
	writeFile(t, filepath.Join(fx.root, "vod/low/huge.ts"), make([]byte, 24<<20))
	h := newTestHandler(t, Config{Dir: fx.root})
	addr := startServing(t, &Server{Handler: h, MaxConns: 2})

	// two clients busy receiving, reading nothing
	var busy []net.Conn
	for range 2 {
		c := dialSmall(t, addr)
		defer c.Close()
		io.WriteString(c, "GET /vod/low/huge.ts HTTP/1.1\r\nHost: x\r\n\r\n")
		busy = append(busy, c)
	}
	time.Sleep(200 * time.Millisecond)
	c, err := net.Dial("tcp", addr) // queued by the kernel
	must(t, err)
	defer c.Close()
	io.WriteString(c, "GET /vod/low/seg0.ts HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := br.Peek(1); err == nil {
		t.Fatal("a third connection was served beyond MaxConns 2")
	}
	busy[0].Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("queued connection after a slot freed: %v", err)
	}
	resp.Body.Close()

	// c is now idle between requests: a new client takes its slot
	busy[1].Close()
	time.Sleep(100 * time.Millisecond)
	for i := range 3 {
		d, err := net.Dial("tcp", addr)
		must(t, err)
		defer d.Close()
		d.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(d, "GET /vod/low/seg0.ts HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(d), nil)
		if err != nil {
			t.Fatalf("new client %d beside idle connections: %v", i, err)
		}
		resp.Body.Close()
	}
}

// TestServeSurvivesEMFILE: with the descriptor limit reached by idle
// connections, the server waits and goes on instead of returning from
// Serve. The server runs in a child process (this test binary run again)
// whose RLIMIT_NOFILE is set a few descriptors above what it uses.
func TestServeSurvivesEMFILE(t *testing.T) {
	if dir := os.Getenv("VEZA_SERVE_EMFILE_DIR"); dir != "" {
		emfileChild(dir)
		return
	}
	fx := newFixture(t)
	cmd := execSelf(t, "TestServeSurvivesEMFILE", "VEZA_SERVE_EMFILE_DIR="+fx.root)
	stdin, err := cmd.StdinPipe()
	must(t, err)
	stdout, err := cmd.StdoutPipe()
	must(t, err)
	must(t, cmd.Start())
	exited := make(chan error, 1)
	out := bufio.NewReader(stdout)
	addr, err := out.ReadString('\n')
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	addr = strings.TrimSpace(addr)
	go func() {
		rest, _ := io.ReadAll(out)
		if len(rest) > 0 {
			t.Logf("child said: %s", rest)
		}
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		stdin.Close()
		<-exited
	})

	var idle []net.Conn
	for range 80 {
		c, err := net.Dial("tcp", addr)
		must(t, err)
		defer c.Close()
		idle = append(idle, c)
	}
	for _, c := range idle {
		closedWithin(c, 20*time.Second)
	}
	select {
	case err := <-exited:
		t.Fatalf("the server exited with the descriptor limit reached: %v", err)
	default:
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get("http://" + addr + "/vod/low/seg0.ts")
	if err != nil {
		t.Fatalf("after the burst: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "small segment low" {
		t.Errorf("after the burst: %d %q", resp.StatusCode, b)
	}
}

// emfileChild serves dir with few descriptors to spare, prints its
// address, and exits 0 when stdin closes or 1 when Serve returns.
func emfileChild(dir string) {
	h, err := New(Config{Dir: dir})
	if err != nil {
		panic(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		panic(err)
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		panic(err)
	}
	lim.Cur = uint64(len(fds) + 12)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		panic(err)
	}
	os.Stdout.WriteString(ln.Addr().String() + "\n")
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	s := &Server{Handler: h, ReadHeaderTimeout: 300 * time.Millisecond}
	err = s.Serve(ln)
	os.Stdout.WriteString("Serve returned: " + err.Error() + "\n")
	os.Exit(1)
}
