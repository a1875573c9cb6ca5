package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/lipgloss/table"
	"github.com/muesli/termenv"
)

// writeJSON writes v as veza's --json output: indented by two spaces, one
// document ending in a newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// oneLine keeps the first line of an error: ffmpeg's stderr tail belongs in
// --verbose output and the catalog, not in the one-line message. An error
// of one line is returned as is, so errors.Is still sees what it wraps.
func oneLine(err error) error {
	msg := err.Error()
	if !strings.Contains(msg, "\n") {
		return err
	}
	return errors.New(firstLine(msg))
}

// firstLine keeps a table row on one line when a message has several.
func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// humanBytes prints a size in binary units: 512 B, 12 KiB, 3.4 MiB.
func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// humanRate prints a bit rate: 128 kb/s, 2.5 Mb/s.
func humanRate(bps int64) string {
	if bps >= 1_000_000 {
		return fmt.Sprintf("%.1f Mb/s", float64(bps)/1e6)
	}
	return fmt.Sprintf("%d kb/s", (bps+500)/1000)
}

// renderer returns a lipgloss renderer for w with colour exactly as the
// caller decided: IOStreams has already weighed the terminal, NO_COLOR,
// --no-color and --json, so the renderer must not guess again from w.
func renderer(w io.Writer, color bool) *lipgloss.Renderer {
	re := lipgloss.NewRenderer(w)
	re.SetColorProfile(termenv.Ascii)
	if color {
		re.SetColorProfile(termenv.ANSI)
	}
	return re
}

// plainTable is the table style of veza's reports: no frame, a faint rule
// under faint headers, two spaces between columns.
func plainTable(re *lipgloss.Renderer, dim lipgloss.Style) *table.Table {
	return table.New().
		Border(lipgloss.NormalBorder()).
		BorderTop(false).BorderBottom(false).BorderLeft(false).BorderRight(false).
		BorderColumn(false).BorderHeader(true).
		BorderStyle(dim).
		StyleFunc(func(row, col int) lipgloss.Style {
			s := re.NewStyle().PaddingRight(2)
			if row == table.HeaderRow {
				return s.Inherit(dim)
			}
			return s
		})
}

// printTable writes a table built with plainTable, without the blanks the
// table pads the last cell of each line with.
func printTable(w io.Writer, t *table.Table) {
	for line := range strings.SplitSeq(t.Render(), "\n") {
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
}

// strictUsage is the help of --strict on transcode, ladder and segment.
const strictUsage = "fail on a damaged source (decode errors, corrupt packets, or an end before its header says) instead of warning"
