package encode

import (
	"errors"
	"fmt"
	"strings"
)

// Status is where a job is in its life: pending → encoding → done | error |
// timeout | cancelled.
type Status string

const (
	StatusPending   Status = "pending"
	StatusEncoding  Status = "encoding"
	StatusDone      Status = "done"
	StatusError     Status = "error"
	StatusTimeout   Status = "timeout"
	StatusCancelled Status = "cancelled"
)

// Final reports whether the status is one a job ends in.
func (s Status) Final() bool {
	return s == StatusDone || s == StatusError || s == StatusTimeout || s == StatusCancelled
}

var (
	// ErrFFmpegNotFound is returned when the ffmpeg binary cannot be found.
	ErrFFmpegNotFound = errors.New("ffmpeg not found")
	// ErrTimeout is wrapped by the error of a job that ran past its Timeout.
	ErrTimeout = errors.New("ffmpeg timed out")
)

// ExitError is returned when ffmpeg exits with a non-zero code (or is killed
// by a signal) without veza having asked it to stop.
type ExitError struct {
	// Args is the command line that ran, program first.
	Args []string
	// Code is the exit code; -1 when a signal ended ffmpeg (Signal names it).
	Code   int
	Signal string
	// Kind and Line are the most telling error ffmpeg logged, if any.
	Kind ErrorKind
	Line string
	// StderrTail is the last lines ffmpeg printed (stats lines left out).
	StderrTail []string
	// Err is the underlying *exec.ExitError.
	Err error
}

func (e *ExitError) Error() string {
	var b strings.Builder
	if e.Code == -1 && e.Signal != "" {
		fmt.Fprintf(&b, "ffmpeg killed by signal: %s", e.Signal)
	} else {
		fmt.Fprintf(&b, "ffmpeg exited with code %d", e.Code)
	}
	switch {
	case e.Line != "" && e.Kind != KindOther:
		fmt.Fprintf(&b, ": %s: %s", e.Kind, e.Line)
	case e.Line != "":
		fmt.Fprintf(&b, ": %s", e.Line)
	case len(e.StderrTail) > 0:
		fmt.Fprintf(&b, ": %s", e.StderrTail[len(e.StderrTail)-1])
	}
	return b.String()
}

func (e *ExitError) Unwrap() error { return e.Err }
