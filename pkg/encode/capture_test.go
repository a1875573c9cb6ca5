package encode

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestCaptureTimeout stops a pass that runs too long: the error wraps
// ErrTimeout and ffmpeg is gone.
func TestCaptureTimeout(t *testing.T) {
	start := time.Now()
	// A 10-minute lavfi tone would take seconds; 100 ms is not enough.
	_, err := Capture(context.Background(), "ffmpeg", []string{"-hide_banner", "-nostdin", "-f", "lavfi",
		"-i", "sine=duration=600", "-af", "loudnorm", "-f", "null", "-"}, 100*time.Millisecond, func(string) {})
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	if time.Since(start) > DefaultGracePeriod {
		t.Errorf("took %v: ffmpeg did not stop on SIGINT", time.Since(start))
	}
}

// TestCaptureLines hands every stderr line to the callback and returns the
// text; a failing ffmpeg is an *ExitError.
func TestCaptureLines(t *testing.T) {
	var lines []string
	out, err := Capture(context.Background(), "ffmpeg", []string{"-hide_banner", "-nostdin", "-f", "lavfi",
		"-i", "sine=duration=0.2", "-af", "volumedetect", "-f", "null", "-"}, 0, func(l string) { lines = append(lines, l) })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "mean_volume:") || len(lines) == 0 {
		t.Errorf("no volumedetect report in %d lines:\n%s", len(lines), out)
	}
	_, err = Capture(context.Background(), "ffmpeg", []string{"-hide_banner", "-nostdin", "-i", "/nonexistent/x.wav", "-f", "null", "-"}, 0, func(string) {})
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != 1 {
		t.Errorf("err = %v, want an ExitError for a missing input", err)
	}
}
