//go:build unix

package cli

import (
	"fmt"
	"os"
	"syscall"
)

// checkConfigOwner refuses a config file veza found on its own when another
// user owns it or when its group or others may write it: whoever can write
// it could choose what veza does.
func checkConfigOwner(path string, st os.FileInfo) error {
	if st.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("config %q: refusing a file that group or others may write (mode %04o); chmod go-w it or pass it with --config", path, st.Mode().Perm())
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Getuid() {
		return fmt.Errorf("config %q: refusing a file owned by another user (uid %d); pass it with --config to use it", path, sys.Uid)
	}
	return nil
}
