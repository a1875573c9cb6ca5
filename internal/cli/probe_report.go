package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/veza-media/veza/pkg/ffprobe"
)

// writeProbeTable prints one result for people: a title line, a table of
// streams and the summary.
func writeProbeTable(w io.Writer, r *ffprobe.Result, color bool) {
	re := renderer(w, color)
	bold := re.NewStyle().Bold(true)
	dim := re.NewStyle().Faint(true)
	warn := re.NewStyle().Foreground(lipgloss.Color("3"))
	bad := re.NewStyle().Foreground(lipgloss.Color("1")).Bold(true)
	good := re.NewStyle().Foreground(lipgloss.Color("2"))

	f := r.Format
	title := []string{f.LongName}
	if f.LongName == "" {
		title[0] = f.Name
	}
	title = append(title, fmt.Sprintf("%.2f s", r.Summary.Duration))
	if f.Size > 0 {
		title = append(title, humanBytes(f.Size))
	}
	if f.BitRate > 0 {
		title = append(title, humanRate(f.BitRate))
	}
	fmt.Fprintf(w, "%s  %s\n", bold.Render(r.Input), dim.Render(strings.Join(title, ", ")))

	t := plainTable(re, dim).
		Headers("#", "TYPE", "CODEC", "CODECS", "DETAILS")
	for _, s := range r.Streams {
		cs := s.CodecString
		if cs == "" {
			cs = "-"
		}
		t.Row(fmt.Sprint(s.Index), s.Type, s.Codec, cs, streamDetails(&s))
	}
	if len(r.Streams) > 0 {
		printTable(w, t)
	}

	var sum []string
	if r.Summary.DisplayWidth > 0 {
		sum = append(sum, fmt.Sprintf("display %dx%d", r.Summary.DisplayWidth, r.Summary.DisplayHeight))
	}
	if r.Summary.Usable {
		sum = append(sum, good.Render("usable"))
	} else {
		sum = append(sum, bad.Render("not usable"))
	}
	fmt.Fprintln(w, strings.Join(sum, "  "))
	for _, p := range r.Summary.Problems {
		fmt.Fprintf(w, "%s %s\n", bad.Render("problem:"), p)
	}
	for _, p := range r.Summary.Warnings {
		fmt.Fprintf(w, "%s %s\n", warn.Render("warning:"), p)
	}
}

func streamDetails(s *ffprobe.Stream) string {
	var d []string
	if s.Profile != "" {
		d = append(d, s.Profile)
	}
	switch s.Type {
	case "video":
		if s.Width > 0 {
			d = append(d, fmt.Sprintf("%dx%d", s.Width, s.Height))
		}
		if s.SAR != "" && s.SAR != "1:1" {
			d = append(d, "SAR "+s.SAR)
		}
		if s.DAR != "" {
			d = append(d, "DAR "+s.DAR)
		}
		if s.FrameRate > 0 {
			fps := fmt.Sprintf("%g fps", s.FrameRate)
			if s.VFR {
				fps += " (VFR)"
			}
			d = append(d, fps)
		}
		if s.Interlaced {
			d = append(d, "interlaced "+s.FieldOrder)
		}
		if s.PixFmt != "" {
			d = append(d, s.PixFmt)
		}
		if s.Rotation != 0 {
			d = append(d, fmt.Sprintf("rotated %d", s.Rotation))
		}
		if s.AttachedPic {
			d = append(d, "cover art")
		}
	case "audio":
		if s.SampleRate > 0 {
			d = append(d, fmt.Sprintf("%d Hz", s.SampleRate))
		}
		if s.ChannelLayout != "" {
			d = append(d, s.ChannelLayout)
		} else if s.Channels > 0 {
			d = append(d, fmt.Sprintf("%d ch", s.Channels))
		}
	}
	if s.BitRate > 0 {
		d = append(d, humanRate(s.BitRate))
	}
	if s.Language != "" {
		d = append(d, "["+s.Language+"]")
	}
	return strings.Join(d, " ")
}
