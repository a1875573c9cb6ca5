//go:build linux

package serve

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
)

// sendHeadAndFile writes head, then the first size bytes of f, to c and
// returns how many bytes of f went out. On a TCP connection the head is
// sent with MSG_MORE, so it leaves in one packet with the start of the
// file, and the file goes with sendfile at an explicit offset: f's own
// position is never read or moved, so one open file serves any number of
// connections at once. os.File keeps the descriptor valid until the
// callback returns, even if the cache closes it meanwhile; a file closed
// before the call gives errFileGone with nothing sent.
func sendHeadAndFile(c net.Conn, head []byte, f *os.File, size int64) (int64, error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return copyHeadAndFile(c, head, f, size)
	}
	sock, err := sc.SyscallConn()
	if err != nil {
		return copyHeadAndFile(c, head, f, size)
	}
	file, err := f.SyscallConn()
	if err != nil {
		return 0, err
	}
	var off int64
	sent := 0
	var werr, serr error
	cerr := file.Control(func(ffd uintptr) {
		werr = sock.Write(func(sfd uintptr) bool {
			for sent < len(head) {
				n, err := syscall.SendmsgN(int(sfd), head[sent:], nil, nil, syscall.MSG_MORE)
				sent += max(n, 0)
				switch {
				case errors.Is(err, syscall.EINTR):
				case errors.Is(err, syscall.EAGAIN):
					return false // wait until writable, then go on
				case err != nil:
					serr = err
					return true
				}
			}
			for off < size {
				n, err := syscall.Sendfile(int(sfd), int(ffd), &off, int(min(size-off, 1<<30)))
				switch {
				case errors.Is(err, syscall.EINTR):
				case errors.Is(err, syscall.EAGAIN):
					return false
				case err != nil:
					serr = err
					return true
				case n == 0:
					serr = io.ErrUnexpectedEOF // the file shrank
					return true
				}
			}
			return true
		})
	})
	if cerr != nil {
		// Control fails only before running the callback
		return 0, fmt.Errorf("%w: %v", errFileGone, cerr)
	}
	if serr != nil {
		return off, serr
	}
	return off, werr
}
