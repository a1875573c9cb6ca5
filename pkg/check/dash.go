package check

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/veza-media/veza/pkg/dash"
	"github.com/veza-media/veza/pkg/hls"
)

// readMPDTarget reads an MPD as a target: one variant per Representation,
// each knowing the segment URLs it may load.
func readMPDTarget(dir, name string) (target, error) {
	full := filepath.Join(dir, filepath.FromSlash(name))
	data, err := os.ReadFile(full)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return target{}, fmt.Errorf("check %q: %w", full, pe.Err)
		}
		return target{}, fmt.Errorf("check %q: %w", full, err)
	}
	m, err := dash.Parse(data)
	if err != nil {
		return target{}, fmt.Errorf("check %q: %w", full, err)
	}
	tg := target{name: name, master: true, dash: true}
	i := 0
	for _, p := range m.Periods {
		for _, as := range p.AdaptationSets {
			for _, rep := range as.Representations {
				codecs := rep.Codecs
				if codecs == "" {
					codecs = as.Codecs
				}
				mime := rep.MimeType
				if mime == "" {
					mime = as.MimeType
				}
				v := variant{index: i, uri: rep.ID, codecs: codecs, bandwidth: rep.Bandwidth, mime: mime,
					video: strings.HasPrefix(mime, "video/") || hasVideo(codecs, hls.Resolution{Width: rep.Width, Height: rep.Height})}
				if rep.Width > 0 {
					v.resolution = fmt.Sprintf("%dx%d", rep.Width, rep.Height)
				}
				if t := as.Template(&rep); t != nil {
					if u, err := t.InitializationURL(rep.ID, rep.Bandwidth); err == nil {
						v.urls = append(v.urls, u)
					}
					segs, _ := t.Segments(rep.ID, rep.Bandwidth, float64(m.MediaPresentationDuration))
					for _, s := range segs {
						v.urls = append(v.urls, s.URL)
					}
				}
				tg.variants = append(tg.variants, v)
				i++
			}
		}
	}
	if len(tg.variants) == 0 {
		return target{}, fmt.Errorf("check %q: MPD without Representations", full)
	}
	return tg, nil
}

// dashOutcome is what vezaPlayDASH resolves to.
type dashOutcome struct {
	Played   float64  `json:"played"`
	Error    string   `json:"error"`
	Ended    bool     `json:"ended"`
	Duration float64  `json:"duration"`
	Loaded   []string `json:"loaded"` // segment URLs Shaka fetched
	Found    bool     `json:"found"`  // the Representation was among Shaka's tracks
}

// playDASH plays one Representation of an MPD in Shaka Player, restricted
// to it from the start (ABR off), and checks that every segment fetched
// belongs to it.
func playDASH(ctx context.Context, cfg Config, t target, v variant, mpdURL string) (Result, error) {
	r := Result{Master: t.name, Kind: KindPlay, Variant: v.index, URI: v.uri, Codecs: v.codecs,
		Bandwidth: v.bandwidth, Resolution: v.resolution}
	w, h := 0, 0
	fmt.Sscanf(v.resolution, "%dx%d", &w, &h)
	start := time.Now()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[dashOutcome](
		jsCall("vezaPlayDASH", mpdURL, v.uri, v.bandwidth, w, h, cfg.Seconds, cfg.Timeout.Milliseconds()),
		chromedp.EvalAwaitPromise,
	))
	r.Elapsed = time.Since(start)
	if err != nil {
		return r, err
	}
	r.Played = out.Played
	base, _ := url.Parse(mpdURL)
	var foreign []string
	for _, l := range out.Loaded {
		lu, err := url.Parse(l)
		if err != nil {
			continue
		}
		if !slices.ContainsFunc(v.urls, func(u string) bool {
			ru, err := url.Parse(u)
			return err == nil && path.Clean(base.ResolveReference(ru).Path) == path.Clean(lu.Path)
		}) {
			foreign = append(foreign, lu.Path)
		}
	}
	switch {
	case out.Error != "":
		r.Error = out.Error
	case !out.Found:
		r.Error = "Shaka Player dropped this Representation: its codecs are not playable here"
	case len(out.Loaded) == 0:
		r.Error = "Shaka Player reported no segment fetched: cannot tell which Representation played"
	case len(foreign) > 0:
		r.Error = fmt.Sprintf("Shaka Player loaded segments of other Representations while restricted to %s: %s", v.uri, strings.Join(foreign, ", "))
	case out.Played >= cfg.Seconds:
		r.Passed = true
	case out.Ended && out.Duration > 0 && out.Played >= out.Duration-0.25:
		r.Passed = true
	default:
		r.Error = fmt.Sprintf("played %.2f s of %.2f s required", out.Played, cfg.Seconds)
	}
	return r, nil
}

// referenceCodecs are CODECS strings of mainstream profiles, one per
// sample entry family. When MSE refuses a variant's codec and also this
// reference, the browser cannot decode that codec at all (Debian's
// Chromium has no HEVC decoder): the check is skipped, not failed.
var referenceCodecs = map[string]string{
	"hvc1": "hvc1.1.6.L93.B0", "hev1": "hev1.1.6.L93.B0",
	"av01": "av01.0.08M.08", "vp09": "vp09.00.10.08",
	"avc1": "avc1.64001f", "avc3": "avc3.64001f",
	"dvh1": "dvh1.05.06", "dvhe": "dvhe.05.06",
	"ec-3": "ec-3", "ac-3": "ac-3",
}

// reference is a reference MIME type for one codec family.
type reference struct{ entry, mime string }

// referenceTypes lists, for a variant MSE refused, each of its codecs'
// families with the family's reference string as a MIME type (codecs
// without a reference are left out).
func referenceTypes(v variant) []reference {
	var out []reference
	for _, c := range hls.SplitCodecs(v.codecs) {
		entry, _, _ := strings.Cut(strings.ToLower(c), ".")
		ref, ok := referenceCodecs[entry]
		if !ok {
			continue
		}
		kind := "audio"
		if looksVideoEntry(entry) {
			kind = "video"
		}
		out = append(out, reference{entry, kind + `/mp4; codecs="` + ref + `"`})
	}
	return out
}

func looksVideoEntry(e string) bool { return slices.Contains(videoCodecs, e) }
