package report

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"path/filepath"

	"github.com/veza-media/veza/pkg/layout"
)

// JSONName and HTMLName are the files Write puts in a track folder.
const (
	JSONName = "report.json"
	HTMLName = "report.html"
)

// Write writes rep as report.json and report.html into dir, each replaced
// atomically.
func Write(dir string, rep *Report) error {
	var j, h bytes.Buffer
	if err := WriteJSON(&j, rep); err != nil {
		return err
	}
	if err := WriteHTML(&h, rep); err != nil {
		return err
	}
	if err := layout.WriteFile(filepath.Join(dir, JSONName), j.Bytes(), 0o644); err != nil {
		return err
	}
	return layout.WriteFile(filepath.Join(dir, HTMLName), h.Bytes(), 0o644)
}

// WriteJSON writes rep as report.json: indented by two spaces, fields in
// the schema's order.
func WriteJSON(w io.Writer, rep *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// WriteHTML writes rep as one self-contained HTML page: no script, no
// request to anywhere, charts as inline SVG, pictures as data URIs.
func WriteHTML(w io.Writer, rep *Report) error {
	return page.Execute(w, htmlView(rep))
}

type worstView struct {
	Worst
	Source, Rung template.URL
}

type view struct {
	*Report
	Charts []template.HTML
	Worsts []worstView
}

func htmlView(rep *Report) view {
	v := view{Report: rep}
	add := func(c *chart) { v.Charts = append(v.Charts, template.HTML(c.svg())) }
	add(rateQualityChart(rep))
	add(qualityChart(rep, "PSNR over time (segment means)", "PSNR (dB)", func(s SegmentQuality) float64 { return s.PSNR }))
	add(qualityChart(rep, "SSIM over time (segment means)", "SSIM", func(s SegmentQuality) float64 { return s.SSIM }))
	for i, r := range rep.Video {
		add(bitrateChart("Bit rate of "+r.Name, r.DeclaredBandwidth, videoTimes(r.Segments), colour(i)))
		add(sizeChart("Segment sizes of "+r.Name, videoTimes(r.Segments), colour(i)))
	}
	for i, a := range rep.Audio {
		ts := audioTimes(a.Segments)
		add(bitrateChart("Bit rate of audio "+a.Name, a.DeclaredBandwidth, ts, colour(len(rep.Video)+i)))
	}
	for _, w := range rep.Worst {
		v.Worsts = append(v.Worsts, worstView{Worst: w, Source: jpegURL(w.SourceJPEG), Rung: jpegURL(w.RungJPEG)})
	}
	return v
}

// jpegURL inlines a picture; "" when there is none.
func jpegURL(b []byte) template.URL {
	if len(b) == 0 {
		return ""
	}
	return template.URL("data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(b))
}

// times is a rung's segments as chart series.
type times struct{ starts, durs, rates, bytes []float64 }

func videoTimes(ss []SegmentQuality) times {
	var t times
	for _, s := range ss {
		t.starts, t.durs = append(t.starts, s.Start), append(t.durs, s.Duration)
		t.rates, t.bytes = append(t.rates, float64(s.Bitrate)/1000), append(t.bytes, float64(s.Bytes)/1024)
	}
	return t
}

func audioTimes(ss []AudioSegment) times {
	var t times
	for _, s := range ss {
		t.starts, t.durs = append(t.starts, s.Start), append(t.durs, s.Duration)
		t.rates, t.bytes = append(t.rates, float64(s.Bitrate)/1000), append(t.bytes, float64(s.Bytes)/1024)
	}
	return t
}

func end(t times) float64 {
	if len(t.starts) == 0 {
		return 1
	}
	return t.starts[len(t.starts)-1] + t.durs[len(t.durs)-1]
}

// bitrateChart is a rung's bit rate per segment over time, with its
// declared BANDWIDTH dashed.
func bitrateChart(title string, declared int64, t times, col string) *chart {
	_, hi := extent(t.rates, []float64{float64(declared) / 1000})
	c := newChart(title, "time (s)", "kbit/s", 0, end(t), 0, hi*1.1)
	c.steps(t.starts, t.durs, t.rates, col)
	if declared > 0 {
		c.line([]float64{0, end(t)}, []float64{float64(declared) / 1000, float64(declared) / 1000}, "#444", true)
		c.legend([]string{"measured", "BANDWIDTH"})
	}
	return c
}

// sizeChart is a rung's segment sizes.
func sizeChart(title string, t times, col string) *chart {
	_, hi := extent(t.bytes)
	c := newChart(title, "time (s)", "KiB", 0, end(t), 0, hi*1.1)
	c.bars(t.starts, t.durs, t.bytes, col)
	return c
}

// qualityChart is one metric per segment over time, one line per rung.
func qualityChart(rep *Report, title, unit string, of func(SegmentQuality) float64) *chart {
	var all [][]float64
	var last float64
	for _, r := range rep.Video {
		var vs []float64
		for _, s := range r.Segments {
			vs = append(vs, of(s))
		}
		all = append(all, vs)
		last = max(last, end(videoTimes(r.Segments)))
	}
	lo, hi := extent(all...)
	pad := (hi - lo) * 0.1
	c := newChart(title, "time (s)", unit, 0, last, lo-pad, hi+pad)
	var names []string
	for i, r := range rep.Video {
		var xs []float64
		for _, s := range r.Segments {
			xs = append(xs, s.Start+s.Duration/2)
		}
		c.line(xs, all[i], colour(i), false)
		names = append(names, r.Name)
	}
	c.legend(names)
	return c
}

// rateQualityChart is the ladder's rate–quality curve: each rung's
// measured average rate against its mean PSNR.
func rateQualityChart(rep *Report) *chart {
	var xs, ys []float64
	var labels []string
	for _, r := range rep.Video {
		xs, ys = append(xs, float64(r.MeasuredAverage)/1000), append(ys, r.PSNR.Mean)
		labels = append(labels, fmt.Sprintf("%s %.1f dB", r.Name, r.PSNR.Mean))
	}
	_, xhi := extent(xs)
	ylo, yhi := extent(ys)
	c := newChart("Rate–quality curve of the ladder", "measured average bit rate (kbit/s)", "mean PSNR (dB)", 0, xhi*1.15, ylo-2, yhi+2)
	c.line(xs, ys, colour(0), false)
	c.dots(xs, ys, labels, colour(0))
	return c
}

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"kbps": func(v int64) string { return fmt.Sprintf("%d", (v+500)/1000) },
	"f":    func(digits int, v float64) string { return fmt.Sprintf("%.*f", digits, v) },
	"lufs": func(v *float64) string {
		if v == nil {
			return "–"
		}
		return fmt.Sprintf("%.1f", *v)
	},
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<title>Ladder report: {{.Master}}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; max-width: 1340px; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { padding: 3px 10px; text-align: right; border-bottom: 1px solid #ddd; }
th:first-child, td:first-child { text-align: left; }
.note { color: #555; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
svg.chart { background: #fff; border: 1px solid #e4e4e4; }
svg .title { font-size: 13px; font-weight: 600; }
svg .tick { font-size: 10px; fill: #444; }
svg .label { font-size: 11px; fill: #444; }
svg .axis { stroke: #444; fill: none; }
svg .grid { stroke: #eee; fill: none; }
svg .series { fill: none; stroke-width: 2; }
figure { display: inline-block; margin: 0 12px 12px 0; }
figcaption { font-size: 12px; color: #555; }
.missing { display: inline-block; width: 240px; height: 135px; background: #eee; }
</style>
</head>
<body>
<h1>Ladder report</h1>
<p>Master <code>{{.Master}}</code>, source <code>{{.Source.Path}}</code> ({{.Source.Width}}×{{.Source.Height}}, {{f 3 .Source.FrameRate}} fps, {{f 2 .Source.Duration}} s).</p>
<p class="note">Every rung was upscaled to {{.Source.Width}}×{{.Source.Height}} with <b>{{.Scaler}}</b> and compared frame by frame ({{range $i, $m := .Metrics}}{{if $i}}, {{end}}{{$m}}{{end}}). VMAF: {{.VMAF.Note}}.</p>
<p class="note">Cost: one decode of the source for {{.Cost.Rungs}} rungs, {{.Cost.Frames}} frames each: {{f 2 .Cost.WallSeconds}} s wall, {{f 2 .Cost.CPUSeconds}} s CPU.</p>

<h2>Video rungs</h2>
<table>
<tr><th>rung</th><th>size</th><th>BANDWIDTH kbit/s</th><th>measured peak</th><th>measured average</th><th>PSNR mean</th><th>PSNR p5</th><th>PSNR min</th><th>SSIM mean</th><th>SSIM p5</th><th>worst segment</th></tr>
{{range .Video}}<tr><td>{{.Name}}</td><td>{{.Width}}×{{.Height}}</td><td>{{kbps .DeclaredBandwidth}}</td><td>{{kbps .MeasuredPeak}}</td><td>{{kbps .MeasuredAverage}}</td><td>{{f 2 .PSNR.Mean}}</td><td>{{f 2 .PSNR.P5}}</td><td>{{f 2 .PSNR.Min}}</td><td>{{f 4 .SSIM.Mean}}</td><td>{{f 4 .SSIM.P5}}</td><td>{{.WorstSegment}}</td></tr>
{{end}}</table>
{{if .Audio}}
<h2>Audio rungs</h2>
<table>
<tr><th>rung</th><th>group</th><th>BANDWIDTH kbit/s</th><th>measured peak</th><th>measured average</th><th>integrated LUFS</th><th>true peak dBTP</th><th>LRA LU</th></tr>
{{range .Audio}}<tr><td>{{.Name}}</td><td>{{.Group}}</td><td>{{kbps .DeclaredBandwidth}}</td><td>{{kbps .MeasuredPeak}}</td><td>{{kbps .MeasuredAverage}}</td><td>{{lufs .Integrated}}</td><td>{{lufs .TruePeak}}</td><td>{{lufs .LRA}}</td></tr>
{{end}}</table>
{{end}}
<h2>Charts</h2>
<div class="charts">
{{range .Charts}}{{.}}
{{end}}</div>

<h2>Worst segments</h2>
{{range .Worsts}}<div>
<p>Rung <b>{{.Rung}}</b>, segment {{.Segment}}: PSNR {{f 2 .PSNR}} dB, SSIM {{f 4 .SSIM}}; worst frame at {{f 2 .Time}} s.</p>
<figure>{{if .Source}}<img src="{{.Source}}" alt="source at {{f 2 .Time}} s"/>{{else}}<span class="missing"></span>{{end}}<figcaption>source</figcaption></figure>
<figure>{{if .Rung}}<img src="{{.Rung}}" alt="{{.Worst.Rung}} at {{f 2 .Time}} s"/>{{else}}<span class="missing"></span>{{end}}<figcaption>{{.Worst.Rung}}, upscaled</figcaption></figure>
</div>
{{end}}</body>
</html>
`))
