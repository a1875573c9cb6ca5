package report

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// chart draws one SVG chart: a plot area with axes, ticks and labels, and
// series added in data coordinates.
type chart struct {
	b                    strings.Builder
	width, height        float64
	x0, x1, y0, y1       float64 // data ranges
	left, right, top, b0 float64 // margins
}

// palette colours a chart's series in order; readable on white, distinct
// in grey.
var palette = []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"}

func colour(i int) string { return palette[i%len(palette)] }

// newChart starts a chart over x0..x1 and y0..y1 (widened when empty).
func newChart(title, xLabel, yLabel string, x0, x1, y0, y1 float64) *chart {
	if x1 <= x0 {
		x1 = x0 + 1
	}
	if y1 <= y0 {
		y0, y1 = y0-1, y1+1
	}
	c := &chart{width: 640, height: 260, x0: x0, x1: x1, y0: y0, y1: y1, left: 64, right: 16, top: 28, b0: 40}
	fmt.Fprintf(&c.b, `<svg class="chart" viewBox="0 0 %g %g" width="%g" height="%g" role="img" aria-label="%s">`,
		c.width, c.height, c.width, c.height, html.EscapeString(title))
	fmt.Fprintf(&c.b, `<text x="%g" y="18" class="title">%s</text>`, c.left, html.EscapeString(title))
	px0, px1, py0, py1 := c.x(x0), c.x(x1), c.y(y0), c.y(y1)
	fmt.Fprintf(&c.b, `<path class="axis" d="M%.1f %.1fV%.1fH%.1f"/>`, px0, py1, py0, px1)
	for _, v := range ticks(x0, x1) {
		fmt.Fprintf(&c.b, `<text x="%.1f" y="%.1f" class="tick" text-anchor="middle">%s</text>`, c.x(v), py0+14, tickLabel(v))
	}
	for _, v := range ticks(y0, y1) {
		fmt.Fprintf(&c.b, `<path class="grid" d="M%.1f %.1fH%.1f"/>`, px0, c.y(v), px1)
		fmt.Fprintf(&c.b, `<text x="%.1f" y="%.1f" class="tick" text-anchor="end">%s</text>`, px0-4, c.y(v)+4, tickLabel(v))
	}
	fmt.Fprintf(&c.b, `<text x="%.1f" y="%.1f" class="label" text-anchor="middle">%s</text>`, (px0+px1)/2, c.height-6, html.EscapeString(xLabel))
	fmt.Fprintf(&c.b, `<text x="12" y="%.1f" class="label" text-anchor="middle" transform="rotate(-90 12 %.1f)">%s</text>`,
		(py0+py1)/2, (py0+py1)/2, html.EscapeString(yLabel))
	return c
}

func (c *chart) x(v float64) float64 {
	return c.left + (v-c.x0)/(c.x1-c.x0)*(c.width-c.left-c.right)
}

func (c *chart) y(v float64) float64 {
	return c.height - c.b0 - (v-c.y0)/(c.y1-c.y0)*(c.height-c.top-c.b0)
}

// line draws a polyline through points (x, y pairs); dashed for a
// reference such as a declared BANDWIDTH.
func (c *chart) line(xs, ys []float64, colour string, dashed bool) {
	if len(xs) == 0 {
		return
	}
	var d strings.Builder
	for i := range xs {
		cmd := "L"
		if i == 0 {
			cmd = "M"
		}
		fmt.Fprintf(&d, "%s%.1f %.1f", cmd, c.x(xs[i]), c.y(ys[i]))
	}
	dash := ""
	if dashed {
		dash = ` stroke-dasharray="6 4"`
	}
	fmt.Fprintf(&c.b, `<path class="series" d="%s" stroke="%s"%s/>`, d.String(), colour, dash)
}

// steps draws a value held over each [starts[i], starts[i]+durs[i]).
func (c *chart) steps(starts, durs, vs []float64, colour string) {
	var xs, ys []float64
	for i := range vs {
		xs = append(xs, starts[i], starts[i]+durs[i])
		ys = append(ys, vs[i], vs[i])
	}
	c.line(xs, ys, colour, false)
}

// bars draws one bar per value over [starts[i], starts[i]+durs[i]).
func (c *chart) bars(starts, durs, vs []float64, colour string) {
	for i, v := range vs {
		x0, x1 := c.x(starts[i]), c.x(starts[i]+durs[i])
		fmt.Fprintf(&c.b, `<path class="bar" d="M%.1f %.1fV%.1fH%.1fV%.1fZ" fill="%s"/>`,
			x0+1, c.y(c.y0), c.y(v), x1-1, c.y(c.y0), colour)
	}
}

// dots marks points with a label each.
func (c *chart) dots(xs, ys []float64, labels []string, colour string) {
	for i := range xs {
		fmt.Fprintf(&c.b, `<circle cx="%.1f" cy="%.1f" r="4" fill="%s"/>`, c.x(xs[i]), c.y(ys[i]), colour)
		fmt.Fprintf(&c.b, `<text x="%.1f" y="%.1f" class="tick">%s</text>`, c.x(xs[i])+6, c.y(ys[i])-6, html.EscapeString(labels[i]))
	}
}

// legend names the series in their colours, top right.
func (c *chart) legend(names []string) {
	for i, n := range names {
		y := c.top + 4 + float64(i)*14
		fmt.Fprintf(&c.b, `<path d="M%.1f %.1fH%.1f" stroke="%s" stroke-width="3"/>`, c.width-c.right-110, y, c.width-c.right-96, colour(i))
		fmt.Fprintf(&c.b, `<text x="%.1f" y="%.1f" class="tick">%s</text>`, c.width-c.right-92, y+4, html.EscapeString(n))
	}
}

func (c *chart) svg() string { return c.b.String() + "</svg>" }

// ticks are about five round values covering lo..hi.
func ticks(lo, hi float64) []float64 {
	step := math.Pow(10, math.Floor(math.Log10((hi-lo)/5)))
	for _, m := range []float64{1, 2, 5, 10} {
		if (hi-lo)/(step*m) <= 6 {
			step *= m
			break
		}
	}
	var out []float64
	for v := math.Ceil(lo/step) * step; v <= hi+step*1e-9; v += step {
		out = append(out, v)
	}
	return out
}

func tickLabel(v float64) string {
	if math.Abs(v) < 1e-9 {
		return "0"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// span of values, for a chart's range.
func extent(vs ...[]float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, s := range vs {
		for _, v := range s {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if math.IsInf(lo, 0) {
		return 0, 1
	}
	return lo, hi
}
