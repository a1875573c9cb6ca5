// Command veza is a command-line media encoding toolkit: probe, transcode,
// segment, ladder, verify, serve and check HLS output built with FFmpeg.
package main

import (
	"os"

	"github.com/veza-media/veza/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:]))
}
