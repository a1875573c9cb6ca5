//go:build unix && !linux

package encode

import "syscall"

// sysProcAttr puts ffmpeg in its own process group, so a terminal's Ctrl-C
// reaches veza only and veza decides how ffmpeg stops.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
