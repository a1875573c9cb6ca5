package cli

import (
	"bytes"
	"context"
	"strings"

	"github.com/spf13/cobra"
)

// captureOptions runs the command newCmd builds with args, its run step
// replaced, and returns the options that step received: how flag parsing
// is tested without running anything.
func captureOptions[O any](newCmd func(*Factory, func(context.Context, *O) error) *cobra.Command, args ...string) (*O, error) {
	ios := &IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}
	var got *O
	cmd := newCmd(&Factory{IO: ios}, func(_ context.Context, o *O) error {
		got = o
		return nil
	})
	cmd.SetArgs(args)
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	return got, cmd.Execute()
}
