package encode

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// captureLimit bounds the stderr text kept for the report parsers: the
// reports come last, and a long input's warnings must not grow memory.
const captureLimit = 1 << 20

// Capture runs ffmpeg with args in its own process group, hands every
// stderr line to onLine and returns the last captureLimit bytes of stderr:
// it is for measuring passes whose result is a report in ffmpeg's log
// (pkg/audio's loudness and silence analysis).
// Cancelling ctx or passing the timeout sends SIGINT to the group and
// SIGKILL after DefaultGracePeriod; the error is then ctx.Err() or wraps
// ErrTimeout. A failing ffmpeg gives an *ExitError.
func Capture(ctx context.Context, bin string, args []string, timeout time.Duration, onLine func(string)) (string, error) {
	path, err := exec.LookPath(bin)
	if err != nil {
		return "", fmt.Errorf("%w: %q", ErrFFmpegNotFound, bin)
	}
	switch {
	case timeout == 0:
		timeout = DefaultTimeout
	case timeout < 0:
		timeout = 0
	}
	runCtx, cancel := ctx, context.CancelFunc(func() {})
	if timeout > 0 {
		runCtx, cancel = context.WithTimeout(ctx, timeout)
	}
	defer cancel()
	cmd := exec.CommandContext(runCtx, path, args...)
	cmd.SysProcAttr = sysProcAttr()
	// SIGINT lets ffmpeg stop cleanly; WaitDelay then kills it.
	cmd.Cancel = func() error {
		signalGroup(cmd.Process.Pid, syscall.SIGINT)
		return nil
	}
	cmd.WaitDelay = DefaultGracePeriod
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start ffmpeg: %w", err)
	}
	var (
		buf     strings.Builder
		tail    []string
		errKind ErrorKind
		errLine string
	)
	_ = readLines(stderr, func(l string) {
		onLine(l)
		if buf.Len() > 2*captureLimit {
			keep := buf.String()[buf.Len()-captureLimit:]
			buf.Reset()
			buf.WriteString(keep)
		}
		buf.WriteString(l)
		buf.WriteByte('\n')
		ll := ParseLogLine(l)
		if _, ok := ParseStats(ll.Text); ok || ll.Text == "" {
			return
		}
		if tail = append(tail, l); len(tail) > tailLines {
			tail = tail[1:]
		}
		if ll.Level >= LevelError {
			kind, known := classifyError(ll.Text)
			if errLine == "" || (errKind == KindOther && known) {
				errKind, errLine = kind, ll.Text
			}
		}
	})
	waitErr := cmd.Wait()
	// Reap anything ffmpeg left behind in its group.
	signalGroup(cmd.Process.Pid, syscall.SIGKILL)
	switch {
	case ctx.Err() != nil:
		return "", ctx.Err()
	case runCtx.Err() != nil:
		return "", fmt.Errorf("%w after %s", ErrTimeout, timeout)
	case waitErr != nil:
		ee := &ExitError{Args: append([]string{path}, args...), Code: cmd.ProcessState.ExitCode(),
			Kind: errKind, Line: errLine, StderrTail: tail, Err: waitErr}
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			ee.Signal = ws.Signal().String()
		}
		return "", ee
	}
	return buf.String(), nil
}

// ReadLines splits ffmpeg's stderr the way the monitor and Capture do:
// '\r' and '\n' both end a line, empty lines are dropped and overlong ones
// truncated. It calls emit for every line and returns the read error other
// than io.EOF.
func ReadLines(r io.Reader, emit func(string)) error { return readLines(r, emit) }
