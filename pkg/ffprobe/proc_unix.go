//go:build unix

package ffprobe

import (
	"os/exec"
	"syscall"
)

// setProcessGroup puts ffprobe in its own process group and makes
// cancellation kill the whole group, so nothing it spawned outlives a
// cancelled or timed-out probe. ffprobe writes nothing worth waiting for, so
// SIGKILL rather than SIGINT.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
