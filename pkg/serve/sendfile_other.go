//go:build !linux

package serve

import (
	"io"
	"net"
	"os"
)

// sendHeadAndFile writes head, then the first size bytes of f, to c,
// reading f at offsets so a shared file's position is never used.
func sendHeadAndFile(c net.Conn, head []byte, f *os.File, size int64) (int64, error) {
	return copyHeadAndFile(c, head, f, size)
}
