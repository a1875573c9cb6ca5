package cli

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/veza-media/veza/pkg/verify"
)

// writeVerifyText prints one PATH's outcome for people: MUST findings as a
// table per playlist on stdout, SHOULD findings and notes on stderr, and a
// one-line summary.
func writeVerifyText(ios *IOStreams, r verify.Result) {
	re := lipgloss.NewRenderer(ios.Out)
	if !ios.ColorOut() {
		re.SetColorProfile(termenv.Ascii)
	}
	bad := re.NewStyle().Foreground(lipgloss.Color("1")).Bold(true)
	good := re.NewStyle().Foreground(lipgloss.Color("2")).Bold(true)
	bold := re.NewStyle().Bold(true)
	if r.Error != "" {
		fmt.Fprintf(ios.ErrOut, "veza: %s\n", r.Error)
		fmt.Fprintf(ios.Out, "%s %s: not verified\n", bad.Render("FAIL"), r.Path)
		return
	}
	rep := r.Report
	playlistsFailed := 0
	for _, p := range rep.Playlists {
		var must []verify.Finding
		for _, f := range p.Findings {
			if f.Severity == verify.Must {
				must = append(must, f)
			} else {
				ios.Warnf("%s %s: %s", f.Rule, findingWhere(f), f.Message)
			}
		}
		for _, n := range p.Notes {
			ios.Logf("note: %s: %s", p.Path, n)
		}
		if len(must) == 0 {
			continue
		}
		playlistsFailed++
		fmt.Fprintf(ios.Out, "%s (%s)\n", bold.Render(p.Path), describePlaylist(p))
		writeVerifyFindings(ios.Out, must, bad)
		fmt.Fprintln(ios.Out)
	}
	counts := fmt.Sprintf("%s, %s checked", pluralize(len(rep.Playlists), "playlist"), pluralize(rep.Segments(), "segment"))
	if rep.Should > 0 {
		counts += ", " + pluralize(rep.Should, "warning")
	}
	if rep.Failed() {
		fmt.Fprintf(ios.Out, "%s %s: %s in %d of %s\n", bad.Render("FAIL"), r.Path,
			pluralize(rep.Must, "MUST failure"), playlistsFailed, counts)
		return
	}
	fmt.Fprintf(ios.Out, "%s %s: %s\n", good.Render("OK"), r.Path, counts)
}

func writeVerifyFindings(w io.Writer, fs []verify.Finding, ruleStyle lipgloss.Style) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  RULE\tSEGMENT\tPROBLEM")
	for _, f := range fs {
		seg := f.Segment
		if seg == "" {
			seg = "-"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", ruleStyle.Render(f.Rule), seg, f.Message)
	}
	tw.Flush()
}

func findingWhere(f verify.Finding) string {
	if f.Segment != "" {
		return f.Playlist + " " + f.Segment
	}
	return f.Playlist
}

func describePlaylist(p verify.PlaylistReport) string {
	switch p.Kind {
	case "master":
		return "master, " + pluralize(p.Variants, "variant")
	case "mpd":
		return "DASH MPD, " + pluralize(p.Variants, "representation") + ", " + pluralize(p.Segments, "segment")
	}
	return "media, " + pluralize(p.Segments, "segment")
}

func pluralize(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
