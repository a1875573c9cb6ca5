package cli

import (
	"strings"

	"github.com/spf13/pflag"

	"github.com/veza-media/veza/pkg/ladder"
)

// ProtectOptions are the DASH and encryption flags `veza ladder` and
// `veza segment` share.
type ProtectOptions struct {
	// DASH also writes <track>/manifest.mpd for the fMP4 segments.
	DASH bool
	// Encrypt is "" (clear) or "aes-128".
	Encrypt string
	// KeyFile, KeyURL and KeyRotation are ladder.Encryption's fields.
	KeyFile     string
	KeyURL      string
	KeyRotation int
}

func addProtectFlags(fl *pflag.FlagSet, o *ProtectOptions) {
	fl.BoolVar(&o.DASH, "dash", false, "also describe the fMP4 segments with a DASH manifest, <track>/manifest.mpd (needs --format fmp4)")
	fl.StringVar(&o.Encrypt, "encrypt", "", "encrypt every segment: aes-128 (whole-segment AES-128-CBC, HLS METHOD=AES-128)")
	fl.StringVar(&o.KeyFile, "key-file", "", "with --encrypt: a 16-byte key file to use (default: a random key per track, kept in the track folder)")
	fl.StringVar(&o.KeyURL, "key-url", "", "with --encrypt: the key URI written in the playlists; {key} stands for the key file's name (default ../key_00000.key, served by veza serve)")
	fl.IntVar(&o.KeyRotation, "key-rotation", 0, "with --encrypt: a new key every N segments (0: one key per track)")
}

// encryption checks the flags and returns the encryption asked for (nil
// for clear output).
func (o *ProtectOptions) encryption(format string) (*ladder.Encryption, error) {
	switch strings.ToLower(o.Encrypt) {
	case "":
		if o.KeyFile != "" || o.KeyURL != "" || o.KeyRotation != 0 {
			return nil, usageErrorf("--key-file, --key-url and --key-rotation need --encrypt aes-128")
		}
		if o.DASH && format != string(ladder.FormatFMP4) {
			return nil, usageErrorf("--dash needs --format fmp4: DASH players read fMP4 segments")
		}
		return nil, nil
	case "aes-128":
	default:
		return nil, usageErrorf("--encrypt %q: use aes-128", o.Encrypt)
	}
	if o.DASH {
		return nil, usageErrorf("--dash and --encrypt cannot be used together: DASH players decrypt CENC, not HLS AES-128")
	}
	e := &ladder.Encryption{KeyFile: o.KeyFile, KeyURL: o.KeyURL, Rotation: o.KeyRotation}
	if err := e.Check(); err != nil {
		return nil, usageErrorf("--encrypt: %v", err)
	}
	return e, nil
}

// checkHLSFlags checks the output flags ladder and segment share.
func (o *LadderOptions) checkHLSFlags() error {
	switch o.Format {
	case "ts", "fmp4":
	default:
		return usageErrorf("--format %q: use ts or fmp4", o.Format)
	}
	if _, err := o.encryption(o.Format); err != nil {
		return err
	}
	if o.SegmentTime <= 0 || o.SegmentTime > 60 {
		return usageErrorf("--segment-time must be between 0 and 60 seconds")
	}
	return o.Publish.check(o.Inputs...)
}
