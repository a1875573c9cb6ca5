package cli

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams is the one place output goes through: data on Out, logs, bars and
// tables meant for people on ErrOut.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	// OutTTY and ErrTTY say whether Out and ErrOut are terminals.
	OutTTY bool
	ErrTTY bool
	// NoColor is set by NO_COLOR or --no-color.
	NoColor bool

	// Quiet and Verbose are set from -q and -v; JSON from --json.
	Quiet   bool
	Verbose bool
	JSON    bool
}

// SystemIO returns IOStreams wired to the process's standard streams.
func SystemIO() *IOStreams {
	_, noColor := os.LookupEnv("NO_COLOR")
	return &IOStreams{
		In:      os.Stdin,
		Out:     os.Stdout,
		ErrOut:  os.Stderr,
		OutTTY:  term.IsTerminal(int(os.Stdout.Fd())),
		ErrTTY:  term.IsTerminal(int(os.Stderr.Fd())),
		NoColor: noColor,
	}
}

// ColorOut says whether text written to Out may carry colour.
func (s *IOStreams) ColorOut() bool { return s.OutTTY && !s.NoColor && !s.JSON }

// ColorErr says whether text written to ErrOut may carry colour.
func (s *IOStreams) ColorErr() bool { return s.ErrTTY && !s.NoColor }

// Bars says whether progress bars may be drawn on ErrOut.
func (s *IOStreams) Bars() bool { return s.ErrTTY && !s.Quiet && !s.JSON }

// Logf writes one informational line to ErrOut unless --quiet.
func (s *IOStreams) Logf(format string, args ...any) {
	if s.Quiet {
		return
	}
	fmt.Fprintf(s.ErrOut, format+"\n", args...)
}

// Debugf writes one line to ErrOut only with --verbose.
func (s *IOStreams) Debugf(format string, args ...any) {
	if !s.Verbose || s.Quiet {
		return
	}
	fmt.Fprintf(s.ErrOut, format+"\n", args...)
}

// Warnf writes a warning to ErrOut; warnings survive --quiet.
func (s *IOStreams) Warnf(format string, args ...any) {
	fmt.Fprintf(s.ErrOut, "warning: "+format+"\n", args...)
}
