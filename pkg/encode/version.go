package encode

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"strings"
)

// Version returns the version field of `ffmpeg -version` ("5.1.8-0+deb12u1"),
// recorded with every job and part of the ladder's resume fingerprint. bin
// defaults to "ffmpeg"; a binary that cannot be run wraps ErrFFmpegNotFound.
func Version(ctx context.Context, bin string) (string, error) {
	if bin == "" {
		bin = "ffmpeg"
	}
	out, err := exec.CommandContext(ctx, bin, "-hide_banner", "-version").Output()
	if err != nil {
		var ee *exec.Error
		if errors.As(err, &ee) || errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("%w: %q", ErrFFmpegNotFound, bin)
		}
		return "", fmt.Errorf("ffmpeg %q: %w", bin, err)
	}
	first, _, _ := strings.Cut(string(out), "\n")
	if f := strings.Fields(first); len(f) >= 3 && f[0] == "ffmpeg" && f[1] == "version" {
		return f[2], nil
	}
	return strings.TrimSpace(first), nil
}
