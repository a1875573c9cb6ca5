package serve

import (
	"os"
	"os/exec"
	"testing"
)

// execSelf returns a command running this test binary's test named test
// with env added: a child process for what cannot happen inside the test
// process (a low descriptor limit).
func execSelf(t *testing.T, test string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	return cmd
}
