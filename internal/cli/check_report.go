package cli

import (
	"fmt"
	"io"

	"github.com/charmbracelet/lipgloss"

	"github.com/veza-media/veza/pkg/check"
)

// writeCheckTable prints one line per check.
func writeCheckTable(w io.Writer, rep *check.Report, color bool) {
	re := renderer(w, color)
	dim := re.NewStyle().Faint(true)
	bad := re.NewStyle().Foreground(lipgloss.Color("1")).Bold(true)
	good := re.NewStyle().Foreground(lipgloss.Color("2"))
	t := plainTable(re, dim).
		Headers("PLAYLIST", "CHECK", "VARIANT", "SIZE", "CODECS", "PLAYED", "RESULT")
	for _, r := range rep.Results {
		played := "-"
		if r.Kind == check.KindPlay {
			played = fmt.Sprintf("%.2f s", r.Played)
		}
		result := good.Render("ok")
		switch {
		case r.Skipped:
			result = dim.Render("SKIP") + " " + r.Error
		case !r.Passed:
			result = bad.Render("FAIL") + " " + r.Error
		}
		size := r.Resolution
		if size == "" {
			size = "-"
		}
		codecs := r.Codecs
		if codecs == "" {
			codecs = "-"
		}
		t.Row(r.Master, r.Kind, fmt.Sprintf("%d %s", r.Variant, r.URI), size, codecs, played, result)
	}
	printTable(w, t)
}
