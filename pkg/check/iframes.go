package check

import (
	"context"
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/veza-media/veza/pkg/hls"
)

// iframesOutcome is what the harness's vezaIFrames reports.
type iframesOutcome struct {
	// Variants counts hls.iframeVariants; Found says whether the checked
	// playlist is one of them.
	Variants int  `json:"variants"`
	Found    bool `json:"found"`
	// Landed is the I-frame fragment loaded for each seek; SN is -1 when
	// none was.
	Landed []landing `json:"landed"`
	Error  string    `json:"error"`
}

// landing is an I-frame fragment hls.js buffered: its start (which hls.js
// moves to the media's own timestamps), media sequence number and level.
type landing struct {
	Start float64 `json:"start"`
	SN    int64   `json:"sn"`
	Level int     `json:"level"`
}

// checkIFrames checks the I-frame playlist v of master t in hls.js: it is
// among hls.iframeVariants, and hls.js's I-frame player, sought into three
// of its keyframes' spans, loads exactly those keyframes.
func checkIFrames(ctx context.Context, cfg Config, dir string, t target, v variant, masterURL string) (Result, error) {
	r := Result{Master: t.name, Kind: KindIFrames, Variant: v.index, URI: v.uri, Codecs: v.codecs,
		Bandwidth: v.bandwidth, Resolution: v.resolution}
	mu, _ := url.Parse(masterURL)
	vu, err := url.Parse(v.uri)
	if err != nil || vu.IsAbs() {
		r.Error = fmt.Sprintf("I-frame playlist URI %q is not a local file", v.uri)
		return r, nil
	}
	pl, err := hls.ReadMedia(filepath.Join(dir, filepath.FromSlash(path.Join(path.Dir(t.name), vu.Path))))
	if err != nil {
		r.Error = err.Error()
		return r, nil
	}
	if len(pl.Segments) == 0 {
		r.Error = "the I-frame playlist lists no keyframe"
		return r, nil
	}
	starts := make([]float64, len(pl.Segments))
	for i := 1; i < len(starts); i++ {
		starts[i] = starts[i-1] + pl.Segments[i-1].Duration
	}
	// Into the spans of the keyframes a quarter, half and three quarters
	// of the way, from the end backwards, so that every seek loads anew.
	var picks []int
	for _, f := range []float64{0.75, 0.5, 0.25} {
		k := int(f * float64(len(starts)))
		if len(picks) == 0 || picks[len(picks)-1] != k {
			picks = append(picks, k)
		}
	}
	times := make([]float64, len(picks))
	for i, k := range picks {
		times[i] = starts[k] + pl.Segments[k].Duration/2
	}
	start := time.Now()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[iframesOutcome](
		jsCall("vezaIFrames", masterURL, mu.ResolveReference(vu).String(), times, cfg.Timeout.Milliseconds()),
		chromedp.EvalAwaitPromise,
	))
	r.Elapsed = time.Since(start)
	if err != nil {
		return r, err
	}
	switch {
	case out.Error != "":
		r.Error = out.Error
	case !out.Found:
		r.Error = fmt.Sprintf("hls.js did not parse this I-frame playlist (hls.iframeVariants has %d)", out.Variants)
	case len(out.Landed) != len(times):
		r.Error = fmt.Sprintf("%d seeks, %d landings", len(times), len(out.Landed))
	default:
		r.Passed = true
		for i, got := range out.Landed {
			if want := int64(pl.SequenceOf(picks[i])); got.SN != want {
				r.Passed = false
				r.Error = fmt.Sprintf("a seek to %.3f s loaded I-frame %d (at %.3f s), not %d, the keyframe at %.3f s", times[i], got.SN, got.Start, want, starts[picks[i]])
				if got.SN < 0 {
					r.Error = fmt.Sprintf("a seek to %.3f s loaded no I-frame", times[i])
				}
				break
			}
		}
	}
	return r, nil
}
