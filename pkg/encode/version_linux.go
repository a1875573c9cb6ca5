package encode

import (
	"fmt"
	"io/fs"
	"syscall"
)

// fileIdentity is the device, inode and change time of a file: a binary
// replaced in place keeps its size and may keep its modification time,
// but not these.
func fileIdentity(fi fs.FileInfo) string {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	return fmt.Sprintf("%d|%d|%d.%d", st.Dev, st.Ino, st.Ctim.Sec, st.Ctim.Nsec)
}
