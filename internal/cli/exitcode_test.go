package cli

import (
	"errors"
	"fmt"
	"testing"

	"github.com/veza-media/veza/pkg/ladder"
	"github.com/veza-media/veza/pkg/live"
)

// TestFlagHints checks that library errors get the flag that helps with
// them, once, on the first line, and still match what they wrap.
func TestFlagHints(t *testing.T) {
	copyErr := fmt.Errorf("segment %q: %w: keyframes 10 s apart\nffmpeg stderr tail", "a.mp4", ladder.ErrCannotCopy)
	got := withFlagHint(copyErr)
	want := `segment "a.mp4": cannot stream-copy: keyframes 10 s apart (use --encode)`
	if got.Error() != want || !errors.Is(got, ladder.ErrCannotCopy) {
		t.Errorf("got %q, want %q", got, want)
	}
	if again := withFlagHint(fmt.Errorf("wrapped: %w", got)); again.Error() != "wrapped: "+want {
		t.Errorf("hinted twice: %q", again)
	}
	exists := fmt.Errorf("live %q: out/index.m3u8: %w", "-", live.ErrStreamExists)
	if got := withFlagHint(exists).Error(); got != `live "-": out/index.m3u8: an earlier stream's output exists (use --force to replace it or --track to name a new track)` {
		t.Errorf("live: %q", got)
	}
	plain := errors.New("disk full")
	if withFlagHint(plain) != plain || withFlagHint(nil) != nil {
		t.Error("an error without a hint changed")
	}
}
