package cli

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/veza-media/veza/pkg/catalog"
)

// The tables `veza catalog` prints for people; --json prints the rows.

func newCatalogTable(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0) }

func writeCatalogTracks(w io.Writer, ts []catalog.TrackSummary) {
	tw := newCatalogTable(w)
	fmt.Fprintln(tw, "TRACK\tSTATUS\tRENDITIONS\tDURATION\tSIZE\tLIVE")
	for _, t := range ts {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", t.ID, t.Status, t.Renditions,
			catalogDuration(t.Duration), humanBytes(t.Bytes), catalogYesNo(t.Live))
	}
	tw.Flush()
}

func writeCatalogTrack(w io.Writer, d *catalog.TrackDetail) {
	tw := newCatalogTable(w)
	fmt.Fprintf(tw, "track:\t%s\n", d.ID)
	fmt.Fprintf(tw, "source:\t%s\n", catalogOr(d.SourcePath, "-"))
	fmt.Fprintf(tw, "content hash:\t%s\n", catalogOr(d.ContentHash, "-"))
	fmt.Fprintf(tw, "status:\t%s\n", d.Status)
	fmt.Fprintf(tw, "live:\t%s\n", catalogYesNo(d.Live))
	fmt.Fprintf(tw, "created:\t%s\n", catalogTime(d.CreatedAt))
	tw.Flush()

	fmt.Fprintln(w)
	if len(d.Renditions) == 0 {
		fmt.Fprintln(w, "no renditions")
	} else {
		tw = newCatalogTable(w)
		fmt.Fprintln(tw, "RENDITION\tKIND\tCODECS\tBANDWIDTH\tRESOLUTION\tSEGMENTS\tDURATION\tSIZE\tSTATUS\tPLAYLIST")
		for _, r := range d.Renditions {
			res := "-"
			if r.Width > 0 && r.Height > 0 {
				res = fmt.Sprintf("%dx%d", r.Width, r.Height)
			}
			rate := "-"
			if r.Bandwidth > 0 {
				rate = humanRate(r.Bandwidth)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", r.Name, r.Kind, catalogOr(r.Codecs, "-"),
				rate, res, r.Segments, catalogDuration(r.Duration), humanBytes(r.Bytes), r.Status, catalogOr(r.PlaylistPath, "-"))
		}
		tw.Flush()
	}

	fmt.Fprintln(w)
	if len(d.Jobs) == 0 {
		fmt.Fprintln(w, "no jobs")
		return
	}
	writeCatalogJobs(w, d.Jobs, false)
}

// writeCatalogAnalyses prints the loudness and silence measurements of a
// track's source and renditions, when there are any.
func writeCatalogAnalyses(w io.Writer, as []catalog.Analysis) {
	num := func(v *float64, unit string) string {
		if v == nil {
			return "-"
		}
		return fmt.Sprintf("%.2f %s", *v, unit)
	}
	var rows [][]string
	for _, a := range as {
		var sil []string
		for _, s := range a.Silences {
			sil = append(sil, fmt.Sprintf("%.2f-%.2f", s.Start, s.End))
		}
		rows = append(rows, []string{string(a.Kind), catalogOr(a.Rendition, "-"),
			num(a.Integrated, "LUFS"), num(a.TruePeak, "dBTP"), num(a.LRA, "LU"),
			catalogOr(a.Normalization, "-"), catalogOr(strings.Join(sil, " "), "none")})
	}
	writeCatalogSection(w, "LOUDNESS\tRENDITION\tINTEGRATED\tTRUE PEAK\tLRA\tNORMALISATION\tSILENCES", rows)
}

// writeCatalogQuality prints the measured picture quality of a track's
// video renditions (`veza report`), when there is any.
func writeCatalogQuality(w io.Writer, qs []catalog.Quality) {
	var rows [][]string
	for _, q := range qs {
		rows = append(rows, []string{q.Rendition, humanRate(q.Bitrate),
			fmt.Sprintf("%.2f dB", q.PSNRMean), fmt.Sprintf("%.2f dB", q.PSNRP5), fmt.Sprintf("%.4f", q.SSIMMean),
			fmt.Sprintf("%.4f", q.SSIMP5), fmt.Sprintf("%d (%.2f dB)", q.WorstSegment, q.WorstPSNR), q.Scaler})
	}
	writeCatalogSection(w, "QUALITY\tMEASURED\tPSNR\tPSNR P5\tSSIM\tSSIM P5\tWORST SEGMENT\tSCALER", rows)
}

// writeCatalogPublications prints where a track was published and how
// each publish stands, when it was published at all.
func writeCatalogPublications(w io.Writer, ps []catalog.Publication) {
	var rows [][]string
	for _, p := range ps {
		rows = append(rows, []string{p.Target, string(p.State), strconv.Itoa(len(p.Objects)), humanBytes(p.Bytes),
			catalogTime(p.UpdatedAt), catalogOr(firstLine(p.Error), "-")})
	}
	writeCatalogSection(w, "PUBLISHED TO\tSTATE\tOBJECTS\tSIZE\tUPDATED\tERROR", rows)
}

// writeCatalogThumbnails prints the files of a track's seek-bar
// thumbnails, when it has any.
func writeCatalogThumbnails(w io.Writer, ts []catalog.Thumbnail) {
	var rows [][]string
	for _, t := range ts {
		size := "-"
		if t.Width > 0 {
			size = fmt.Sprintf("%dx%d", t.Width, t.Height)
		}
		rows = append(rows, []string{t.Path, string(t.Kind), size,
			fmt.Sprintf("%dx%d every %s s", t.TileWidth, t.TileHeight, catalogSeconds(t.Interval))})
	}
	writeCatalogSection(w, "THUMBNAILS\tKIND\tSIZE\tTILES", rows)
}

// writeCatalogSection prints one of catalog show's extra tables after a
// blank line, or nothing when it has no rows.
func writeCatalogSection(w io.Writer, header string, rows [][]string) {
	if len(rows) == 0 {
		return
	}
	fmt.Fprintln(w)
	tw := newCatalogTable(w)
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
}

func writeCatalogJobs(w io.Writer, js []catalog.Job, withTrack bool) {
	tw := newCatalogTable(w)
	head := "JOB\tKIND\tRENDITION\tSTATUS\tPROGRESS\tCREATED\tTOOK\tERROR"
	if withTrack {
		head = "JOB\tTRACK\tKIND\tRENDITION\tSTATUS\tPROGRESS\tCREATED\tTOOK\tERROR"
	}
	fmt.Fprintln(tw, head)
	for _, j := range js {
		took := "-"
		if !j.StartedAt.IsZero() && !j.CompletedAt.IsZero() {
			took = catalogDuration(j.CompletedAt.Sub(j.StartedAt).Seconds())
		}
		track := ""
		if withTrack {
			track = j.TrackID + "\t"
		}
		fmt.Fprintf(tw, "%s\t%s%s\t%s\t%s\t%.0f%%\t%s\t%s\t%s\n", j.ID, track, j.Kind, catalogOr(j.Rendition, "-"),
			j.Status, j.Progress*100, catalogTime(j.CreatedAt), took, catalogOr(firstLine(j.Error), "-"))
	}
	tw.Flush()
}

func writeCatalogSegments(w io.Writer, segs []catalog.Segment) {
	removed := false
	for _, s := range segs {
		removed = removed || !s.RemovedAt.IsZero()
	}
	tw := newCatalogTable(w)
	head := "INDEX\tDURATION\tSIZE\tCREATED\tPATH"
	if removed {
		head += "\tREMOVED"
	}
	fmt.Fprintln(tw, head)
	for _, s := range segs {
		// The duration is printed exactly as recorded: it is the playlist's
		// EXTINF, which is what this listing is checked against.
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s", s.Index, catalogSeconds(s.Duration), s.Bytes, catalogTime(s.CreatedAt), s.Path)
		if removed {
			r := "-"
			if !s.RemovedAt.IsZero() {
				r = catalogTime(s.RemovedAt)
			}
			fmt.Fprintf(tw, "\t%s", r)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
}

// catalogTime prints a time in UTC to the second: the catalog stores UTC
// and the same listing must read the same on every machine.
func catalogTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

// catalogDuration prints seconds as m:ss.s, or h:mm:ss past an hour.
func catalogDuration(sec float64) string {
	if sec <= 0 || math.IsNaN(sec) {
		return "0:00.0"
	}
	d := time.Duration(math.Round(sec*10)) * 100 * time.Millisecond
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	s := (d % time.Minute).Seconds()
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02.0f", h, m, math.Floor(s))
	}
	return fmt.Sprintf("%d:%04.1f", m, s)
}

// catalogSeconds prints an exact duration without trailing zeros: 4.004,
// 3.2, 10.
func catalogSeconds(sec float64) string {
	return strconv.FormatFloat(sec, 'f', -1, 64)
}

func catalogYesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func catalogOr(s, empty string) string {
	if s == "" {
		return empty
	}
	return s
}

// writeCatalogDamage prints what ffmpeg reported of a damaged source.
func writeCatalogDamage(w io.Writer, d *catalog.Damage) {
	if d == nil {
		return
	}
	fmt.Fprintf(w, "\nSOURCE DAMAGED: %d decode errors or corrupt packets\n", d.Errors)
	for _, r := range d.Ranges {
		fmt.Fprintf(w, "  %.2f-%.2f s: %d\n", r.Start, r.End, r.Count)
	}
	if d.Short {
		fmt.Fprintf(w, "  ended at %.2f s of %.2f s\n", d.Encoded, d.Expected)
	}
}
