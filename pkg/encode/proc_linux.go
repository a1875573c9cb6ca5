package encode

import "syscall"

// sysProcAttr puts ffmpeg in its own process group, so a terminal's Ctrl-C
// reaches veza only and veza decides how ffmpeg stops, and asks the kernel
// to kill ffmpeg if veza dies without cleaning up (SIGKILL cannot be caught).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
