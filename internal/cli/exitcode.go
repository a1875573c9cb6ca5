package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/veza-media/veza/pkg/check"
	"github.com/veza-media/veza/pkg/ladder"
	"github.com/veza-media/veza/pkg/live"
	"github.com/veza-media/veza/pkg/player"
)

// Exit codes, decided only in exitCode.
const (
	ExitOK          = 0
	ExitFailure     = 1
	ExitUsage       = 2
	ExitPartial     = 3
	ExitInterrupted = 130
)

// UsageError marks a mistake in how veza was called (exit 2).
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usageErrorf(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// PartialError reports that some items of a batch failed while others
// succeeded (exit 3). The per-item errors have already been shown.
type PartialError struct{ Failed, Total int }

func (e *PartialError) Error() string {
	return fmt.Sprintf("%d of %d failed", e.Failed, e.Total)
}

// errSilent is returned when the command already printed everything a user
// needs and only the exit code remains to be decided.
var errSilent = errors.New("silent failure")

// exitCode maps an error returned by a command to the process exit code.
func exitCode(err error) int {
	var usage *UsageError
	var partial *PartialError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, context.Canceled), errors.Is(err, errInterrupted):
		return ExitInterrupted
	case errors.As(err, &usage):
		return ExitUsage
	case errors.As(err, &partial):
		return ExitPartial
	default:
		return ExitFailure
	}
}

// flagHints name the flag that helps with an error a library returned: the
// libraries speak their own language (a missing player, a stream that
// cannot be copied) and only the CLI knows its flags.
var flagHints = []struct {
	err  error
	hint string
}{
	{player.ErrHLSJSMissing, "pass --player-js PATH to a copy of hls.js's dist/hls.min.js"},
	{player.ErrShakaMissing, "pass --dash-player-js PATH to a copy of shaka-player's dist/shaka-player.dash.js"},
	{check.ErrChromiumNotFound, "pass --chromium PATH"},
	{ladder.ErrCannotCopy, "use --encode"},
	{ladder.ErrNeedsFMP4, "use --format fmp4"},
	{ladder.ErrNoVideo, "try --ladder audio"},
	{live.ErrStreamExists, "use --force to replace it or --track to name a new track"},
}

// hinted is an error whose message ends with a flag hint.
type hinted struct {
	err error
	msg string
}

func (h *hinted) Error() string { return h.msg }
func (h *hinted) Unwrap() error { return h.err }

// withFlagHint adds the hint of flagHints that fits err to the first line
// of its message; other errors are returned as they are.
func withFlagHint(err error) error {
	var h *hinted
	if err == nil || errors.As(err, &h) {
		return err
	}
	for _, fh := range flagHints {
		if errors.Is(err, fh.err) {
			return &hinted{err: err, msg: firstLine(err.Error()) + " (" + fh.hint + ")"}
		}
	}
	return err
}

// errInterrupted is the cause set on the root context when SIGINT or SIGTERM
// arrives.
var errInterrupted = errors.New("interrupted")
