//go:build !unix

package ffprobe

import "os/exec"

// setProcessGroup keeps exec's default: CommandContext kills the process.
func setProcessGroup(cmd *exec.Cmd) {}
