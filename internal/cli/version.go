package cli

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Set by the linker: -X github.com/veza-media/veza/internal/cli.version=...
var (
	version = ""
	commit  = ""
	date    = ""
)

// BuildInfo says which veza this is.
type BuildInfo struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
	Go      string `json:"go"`
}

// currentBuild reads the ldflags values and falls back to what the Go
// toolchain recorded in the binary (go install, go build from a checkout).
func currentBuild() BuildInfo {
	b := BuildInfo{Version: version, Commit: commit, Date: date}
	if info, ok := debug.ReadBuildInfo(); ok {
		b.Go = info.GoVersion
		if b.Version == "" {
			b.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				if b.Commit == "" {
					b.Commit = s.Value
				}
			case "vcs.time":
				if b.Date == "" {
					b.Date = s.Value
				}
			}
		}
	}
	if b.Version == "" || b.Version == "(devel)" {
		b.Version = "dev"
	}
	return b
}

// NewCmdVersion builds `veza version`.
func NewCmdVersion(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print veza's version, commit and build date",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			b := currentBuild()
			if f.IO.JSON {
				return writeJSON(f.IO.Out, b)
			}
			fmt.Fprintf(f.IO.Out, "veza %s", b.Version)
			if b.Commit != "" {
				fmt.Fprintf(f.IO.Out, " (commit %s", shortCommit(b.Commit))
				if b.Date != "" {
					fmt.Fprintf(f.IO.Out, ", %s", b.Date)
				}
				fmt.Fprint(f.IO.Out, ")")
			}
			fmt.Fprintf(f.IO.Out, " %s\n", b.Go)
			return nil
		},
	}
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}
