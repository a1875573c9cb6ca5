package cli

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestProtectFlags: --dash and --encrypt with their key options reach the
// options of both `veza ladder` and `veza segment`, and impossible
// combinations are usage errors before any work.
func TestProtectFlags(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		want  ProtectOptions
		usage bool
	}{
		{args: []string{"in.mp4", "-o", "out"}},
		{args: []string{"in.mp4", "-o", "out", "--format", "fmp4", "--dash"}, want: ProtectOptions{DASH: true}},
		{args: []string{"in.mp4", "-o", "out", "--encrypt", "aes-128", "--key-rotation", "3", "--key-url", "https://k/{key}"},
			want: ProtectOptions{Encrypt: "aes-128", KeyRotation: 3, KeyURL: "https://k/{key}"}},
		{args: []string{"in.mp4", "-o", "out", "--encrypt", "AES-128", "--key-file", "k.bin", "--format", "fmp4"},
			want: ProtectOptions{Encrypt: "AES-128", KeyFile: "k.bin"}},
		{args: []string{"in.mp4", "-o", "out", "--dash"}, usage: true},                                             // TS
		{args: []string{"in.mp4", "-o", "out", "--format", "fmp4", "--dash", "--encrypt", "aes-128"}, usage: true}, // CENC, not AES-128
		{args: []string{"in.mp4", "-o", "out", "--encrypt", "sample-aes"}, usage: true},
		{args: []string{"in.mp4", "-o", "out", "--key-file", "k.bin"}, usage: true},
		{args: []string{"in.mp4", "-o", "out", "--encrypt", "aes-128", "--key-rotation", "2", "--key-file", "k.bin"}, usage: true},
		{args: []string{"in.mp4", "-o", "out", "--encrypt", "aes-128", "--key-rotation", "2", "--key-url", "https://k/one.key"}, usage: true},
		{args: []string{"in.mp4", "-o", "out", "--encrypt", "aes-128", "--key-rotation", "-1"}, usage: true},
	} {
		for _, name := range []string{"ladder", "segment"} {
			f := &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}}
			var got *LadderOptions
			runF := func(_ context.Context, o *LadderOptions) error { got = o; return nil }
			cmd := NewCmdLadder(f, runF)
			if name == "segment" {
				cmd = NewCmdSegment(f, runF)
			}
			cmd.SetArgs(tc.args)
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &UsageError{Err: err} })
			err := cmd.Execute()
			var ue *UsageError
			if tc.usage {
				if !errors.As(err, &ue) {
					t.Errorf("%s %v: err %v, want a usage error", name, tc.args, err)
				}
				continue
			}
			if err != nil || got == nil || got.ProtectOptions != tc.want {
				t.Errorf("%s %v: err %v, options %+v", name, tc.args, err, got)
				continue
			}
			enc, err := got.encryption(got.Format)
			if (enc != nil) != (tc.want.Encrypt != "") || err != nil {
				t.Errorf("%s %v: encryption %+v %v", name, tc.args, enc, err)
			}
			if enc != nil && (enc.KeyFile != tc.want.KeyFile || enc.KeyURL != tc.want.KeyURL || enc.Rotation != tc.want.KeyRotation) {
				t.Errorf("%s %v: encryption %+v", name, tc.args, enc)
			}
		}
	}
}
