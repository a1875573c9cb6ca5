package check

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/layout"
	"github.com/veza-media/veza/pkg/player"
	"github.com/veza-media/veza/pkg/serve"
)

// Config says what to check and how. Target is required.
type Config struct {
	// Target is a playlist (master or media) or a folder; in a folder
	// every master playlist found at any depth is checked, and when there
	// is none, every media playlist.
	Target string
	// Seconds is how much media each variant must play. It defaults to 2.
	Seconds float64
	// PlayerJS is the hls.js script the browser runs. When empty, Run
	// loads it with player.LoadHLSJS(HLSJS).
	PlayerJS []byte
	// DASHPlayerJS is the Shaka Player script that plays DASH manifests.
	// It is needed only when the target holds an .mpd; when empty, Run
	// then loads it with player.LoadShaka(Shaka).
	DASHPlayerJS []byte
	// HLSJS and Shaka say where the players not given above are found.
	HLSJS, Shaka player.Options
	// Chromium is the browser binary. It defaults to chromium on PATH,
	// then /usr/bin/chromium; a browser is never downloaded.
	Chromium string
	// Timeout bounds the playback of one variant. It defaults to 30 s
	// plus four times Seconds: a loaded CI machine starts slowly.
	Timeout time.Duration
	// BaseURL, when set, is where the browser loads Target's playlists and
	// segments from instead of veza's own server: the URL of the folder
	// Target was published to (a bucket's, which must then allow this
	// page's origin by CORS). Target is still read locally to know what to
	// play. It defaults to "".
	BaseURL string
	// OnResult, when set, is called with each result as it is known, from
	// the goroutine running Run.
	OnResult func(Result)
}

// Kinds of results.
const (
	KindCodecs = "codecs" // MSE accepts the variant's CODECS string
	KindPlay   = "play"   // the variant plays Seconds of media
	// KindIFrames: hls.js parses the master's I-frame playlist and its
	// I-frame player, sought to a few times, loads the keyframes there.
	KindIFrames = "iframes"
)

// Result is the outcome of one check of one variant.
type Result struct {
	// Master is the playlist checked, relative to the served folder.
	Master string `json:"master"`
	// Kind is KindCodecs, KindPlay or KindIFrames.
	Kind string `json:"kind"`
	// Variant is the variant's position in the master (0 for a media
	// playlist checked alone) and URI its playlist as the master names it.
	Variant    int    `json:"variant"`
	URI        string `json:"uri"`
	Codecs     string `json:"codecs,omitempty"`
	Bandwidth  int64  `json:"bandwidth,omitempty"`
	Resolution string `json:"resolution,omitempty"`
	// MIMEType is what MSE was asked about (codecs checks).
	MIMEType string `json:"mime_type,omitempty"`
	// Played is the seconds of media played (play checks).
	Played float64 `json:"played,omitempty"`
	Passed bool    `json:"passed"`
	// Skipped is set when the check could not run here for a reason that
	// is not the output's fault (Error says why): the browser cannot
	// decode the codec at all. Skipped checks do not fail.
	Skipped bool `json:"skipped,omitempty"`
	// Error says why the check failed.
	Error   string        `json:"error,omitempty"`
	Elapsed time.Duration `json:"elapsed_ns"`
}

// Name is a short label of the variant for tables and reports.
func (r Result) Name() string {
	s := fmt.Sprintf("%d %s", r.Variant, r.URI)
	if r.Resolution != "" {
		s += " " + r.Resolution
	}
	return s
}

// Report is everything Run found.
type Report struct {
	// Dir is the folder served to the browser.
	Dir string `json:"dir"`
	// Browser is Chromium's product string ("Chrome/126.0…").
	Browser string `json:"browser"`
	// Seconds is the media each variant had to play.
	Seconds float64  `json:"seconds"`
	Results []Result `json:"results"`
	// Elapsed is the whole run, browser start included.
	Elapsed time.Duration `json:"elapsed_ns"`
}

// Failed counts the failed results.
func (r *Report) Failed() int {
	n := 0
	for _, res := range r.Results {
		if !res.Passed && !res.Skipped {
			n++
		}
	}
	return n
}

// ErrChromiumNotFound is returned when no Chromium binary is found.
var ErrChromiumNotFound = errors.New("chromium not found")

// FindChromium returns the browser to run: the given name or path, else
// chromium on PATH, else /usr/bin/chromium.
func FindChromium(given string) (string, error) {
	if given != "" {
		p, err := exec.LookPath(given)
		if err != nil {
			return "", fmt.Errorf("%w: %q: %v", ErrChromiumNotFound, given, err)
		}
		return p, nil
	}
	for _, c := range []string{"chromium", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(c); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: veza check plays the output in Debian's Chromium; install it (sudo apt-get install chromium) or name the binary", ErrChromiumNotFound)
}

//go:embed harness
var harnessFS embed.FS

// variant is one thing to play.
type variant struct {
	index      int
	uri        string
	codecs     string
	bandwidth  int64
	resolution string
	video      bool
	// mime is the DASH mimeType ("" for HLS: MP4 is assumed); urls are the
	// init and media segments a DASH Representation may load.
	mime string
	urls []string
}

// target is one playlist to check and its variants.
type target struct {
	name     string // relative to the root, slash-separated
	variants []variant
	master   bool
	dash     bool // an MPD played with Shaka Player
	// iframes are the master's I-frame playlists.
	iframes []variant
}

// Run checks cfg.Target and returns the report. An error means the check
// could not run (bad target, no browser); failed checks are in the report.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	start := time.Now()
	if cfg.Seconds <= 0 {
		cfg.Seconds = 2
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30*time.Second + time.Duration(4*cfg.Seconds*float64(time.Second))
	}
	var err error
	if len(cfg.PlayerJS) == 0 {
		if cfg.PlayerJS, _, err = player.LoadHLSJS(ctx, cfg.HLSJS); err != nil {
			return nil, fmt.Errorf("check: %w", err)
		}
	}
	dir, targets, err := findTargets(cfg.Target)
	if err != nil {
		return nil, err
	}
	if len(cfg.DASHPlayerJS) == 0 && slices.ContainsFunc(targets, func(t target) bool { return t.dash }) {
		if cfg.DASHPlayerJS, _, err = player.LoadShaka(ctx, cfg.Shaka); err != nil {
			return nil, fmt.Errorf("check: %w", err)
		}
	}
	chromium, err := FindChromium(cfg.Chromium)
	if err != nil {
		return nil, err
	}

	h, err := serve.New(serve.Config{Dir: dir, PlayerJS: cfg.PlayerJS})
	if err != nil {
		return nil, err
	}
	defer h.Close()
	mux := http.NewServeMux()
	sub, _ := fs.Sub(harnessFS, "harness")
	mux.Handle("/_check/", http.StripPrefix("/_check/", http.FileServerFS(sub)))
	mux.HandleFunc("/_check/shaka.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Write(cfg.DASHPlayerJS) // empty when no MPD is checked
	})
	mux.Handle("/", h)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	profile, err := os.MkdirTemp("", "veza-check-chromium-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(profile)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(profile),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
	)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()

	rep := &Report{Dir: dir, Seconds: cfg.Seconds}
	err = chromedp.Do(bctx,
		chromedp.Navigate(base+"/_check/index.html"),
		chromedp.WaitReady(chromedp.ID("stage")),
	)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("check: starting %s: %w", chromium, err)
	}
	if v, err := chromedp.CallBrowser(bctx, browser.GetVersion, cdp.Empty{}); err == nil {
		rep.Browser = v.Product
	}

	add := func(r Result) {
		rep.Results = append(rep.Results, r)
		if cfg.OnResult != nil {
			cfg.OnResult(r)
		}
	}
	for _, t := range targets {
		masterURL := base + "/" + escapePath(t.name)
		if cfg.BaseURL != "" {
			masterURL = strings.TrimSuffix(cfg.BaseURL, "/") + "/" + escapePath(t.name)
		}
		var skipped map[int]string
		if t.master {
			if skipped, err = checkCodecs(bctx, t, add); err != nil {
				return nil, runErr(ctx, err)
			}
		}
		for _, v := range t.variants {
			if why, ok := skipped[v.index]; ok {
				add(Result{Master: t.name, Kind: KindPlay, Variant: v.index, URI: v.uri, Codecs: v.codecs,
					Bandwidth: v.bandwidth, Resolution: v.resolution, Skipped: true, Error: why})
				continue
			}
			var res Result
			if t.dash {
				res, err = playDASH(bctx, cfg, t, v, masterURL)
			} else {
				res, err = play(bctx, cfg, t, v, masterURL)
			}
			if err != nil {
				return nil, runErr(ctx, err)
			}
			add(res)
		}
		for _, v := range t.iframes {
			res, err := checkIFrames(bctx, cfg, dir, t, v, masterURL)
			if err != nil {
				return nil, runErr(ctx, err)
			}
			add(res)
		}
	}
	rep.Elapsed = time.Since(start)
	return rep, nil
}

func runErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("check: browser: %w", err)
}

// mimeType is what MSE is asked about for a CODECS string. hls.js feeds
// MSE fMP4 whatever the segments' container, so MP4 is the right question.
func mimeType(v variant) string {
	if v.mime != "" {
		return v.mime + `; codecs="` + v.codecs + `"`
	}
	kind := "audio"
	if v.video {
		kind = "video"
	}
	if !v.video && allMP3(v.codecs) {
		// MP3 reaches MSE as an elementary stream, as hls.js feeds it:
		// Chromium refuses audio/mp4 with mp4a.40.34.
		return "audio/mpeg"
	}
	return kind + `/mp4; codecs="` + v.codecs + `"`
}

// allMP3 says whether every codec of a CODECS list is MP3.
func allMP3(codecs string) bool {
	cs := hls.SplitCodecs(codecs)
	for _, c := range cs {
		switch strings.ToLower(c) {
		case "mp4a.40.34", "mp4a.6b", "mp3":
		default:
			return false
		}
	}
	return len(cs) > 0
}

// videoCodecs are RFC 6381 sample entries of video codecs.
var videoCodecs = []string{"avc1", "avc3", "hvc1", "hev1", "av01", "vp09", "vp08", "dvh1", "dvhe", "mp4v"}

func hasVideo(codecs string, res hls.Resolution) bool {
	if !res.IsZero() {
		return true
	}
	for _, c := range hls.SplitCodecs(codecs) {
		entry, _, _ := strings.Cut(c, ".")
		if slices.Contains(videoCodecs, strings.ToLower(entry)) {
			return true
		}
	}
	return false
}

// checkCodecs asks MSE about each variant's CODECS. A refused variant
// whose codec the browser cannot decode in any profile (its reference
// string is refused too) is skipped, with the reason, rather than failed:
// the returned map holds those variants, by index, for play to skip.
func checkCodecs(ctx context.Context, t target, add func(Result)) (map[int]string, error) {
	var types []string
	for _, v := range t.variants {
		types = append(types, mimeType(v))
	}
	start := time.Now()
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[[]bool](jsCall("vezaSupported", types)))
	if err != nil {
		return nil, err
	}
	skipped := map[int]string{}
	for i, v := range t.variants {
		if v.codecs == "" || (i < len(ok) && ok[i]) {
			continue
		}
		refs := referenceTypes(v)
		if len(refs) == 0 {
			continue
		}
		var mimes []string
		for _, r := range refs {
			mimes = append(mimes, r.mime)
		}
		refOK, err := chromedp.Run(ctx, chromedp.Evaluate[[]bool](jsCall("vezaSupported", mimes)))
		if err != nil {
			return nil, err
		}
		for j, good := range refOK {
			if !good {
				skipped[v.index] = fmt.Sprintf("this browser decodes no %s at all (MSE refuses even %s): not checked here",
					refs[j].entry, refs[j].mime)
				break
			}
		}
	}
	for i, v := range t.variants {
		r := Result{Master: t.name, Kind: KindCodecs, Variant: v.index, URI: v.uri, Codecs: v.codecs,
			Bandwidth: v.bandwidth, Resolution: v.resolution, MIMEType: types[i], Elapsed: time.Since(start)}
		switch {
		case v.codecs == "":
			r.Error = "no CODECS attribute: players must guess the codecs (HLS-RULES P4)"
		case i < len(ok) && ok[i]:
			r.Passed = true
		case skipped[v.index] != "":
			r.Skipped, r.Error = true, skipped[v.index]
		default:
			r.Error = "MSE refuses " + types[i]
		}
		add(r)
	}
	return skipped, nil
}

// playOutcome is what vezaPlay resolves to.
type playOutcome struct {
	Played     float64 `json:"played"`
	Level      int     `json:"level"`
	Levels     int     `json:"levels"`
	Error      string  `json:"error"`
	FragLevels []int   `json:"fragLevels"`
	Ended      bool    `json:"ended"`
	Duration   float64 `json:"duration"`
}

func play(ctx context.Context, cfg Config, t target, v variant, masterURL string) (Result, error) {
	r := Result{Master: t.name, Kind: KindPlay, Variant: v.index, URI: v.uri, Codecs: v.codecs,
		Bandwidth: v.bandwidth, Resolution: v.resolution}
	variantURL := masterURL
	if t.master {
		mu, _ := url.Parse(masterURL)
		vu, err := url.Parse(v.uri)
		if err != nil {
			r.Error = fmt.Sprintf("variant URI %q: %v", v.uri, err)
			return r, nil
		}
		variantURL = mu.ResolveReference(vu).String()
	}
	start := time.Now()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[playOutcome](
		jsCall("vezaPlay", masterURL, variantURL, cfg.Seconds, cfg.Timeout.Milliseconds()),
		chromedp.EvalAwaitPromise,
	))
	r.Elapsed = time.Since(start)
	if err != nil {
		return r, err
	}
	r.Played = out.Played
	switch {
	case out.Error != "":
		r.Error = out.Error
	case slices.ContainsFunc(out.FragLevels, func(l int) bool { return l != out.Level }):
		r.Error = fmt.Sprintf("hls.js loaded segments of levels %v while locked to level %d", out.FragLevels, out.Level)
	case out.Played >= cfg.Seconds:
		r.Passed = true
	case out.Ended && out.Duration > 0 && out.Played >= out.Duration-0.25:
		// shorter than Seconds, but played to the end
		r.Passed = true
	default:
		r.Error = fmt.Sprintf("played %.2f s of %.2f s required", out.Played, cfg.Seconds)
	}
	return r, nil
}

// jsCall builds a call of a harness function with JSON arguments.
func jsCall(fn string, args ...any) string {
	var parts []string
	for _, a := range args {
		b, _ := json.Marshal(a)
		parts = append(parts, string(b))
	}
	return fn + "(" + strings.Join(parts, ", ") + ")"
}

func escapePath(p string) string { return (&url.URL{Path: p}).EscapedPath() }

// findTargets resolves what to serve and which playlists to check.
func findTargets(t string) (dir string, targets []target, err error) {
	st, err := os.Stat(t)
	if err != nil {
		return "", nil, fmt.Errorf("check %q: %w", t, errors.Unwrap(err))
	}
	if !st.IsDir() && strings.EqualFold(path.Ext(t), ".mpd") {
		tg, err := readMPDTarget(filepath.Dir(t), filepath.Base(t))
		if err != nil {
			return "", nil, err
		}
		return filepath.Dir(t), []target{tg}, nil
	}
	if !st.IsDir() {
		tg, err := readTarget(filepath.Dir(t), filepath.Base(t))
		if err != nil {
			return "", nil, err
		}
		return filepath.Dir(t), []target{tg}, nil
	}
	found, err := layout.Find(t)
	if err != nil {
		return "", nil, err
	}
	var masters, media, mpds []target
	for _, p := range found.Manifests {
		rel, _ := filepath.Rel(t, p)
		tg, err := readMPDTarget(t, filepath.ToSlash(rel))
		if err != nil {
			return "", nil, err
		}
		mpds = append(mpds, tg)
	}
	for _, p := range found.Playlists {
		rel, _ := filepath.Rel(t, p)
		tg, err := readTarget(t, filepath.ToSlash(rel))
		if err != nil {
			return "", nil, err
		}
		if tg.master {
			masters = append(masters, tg)
		} else {
			media = append(media, tg)
		}
	}
	switch {
	case len(masters) > 0:
		return t, append(masters, mpds...), nil
	case len(media) > 0:
		return t, append(media, mpds...), nil
	case len(mpds) > 0:
		return t, mpds, nil
	}
	return "", nil, fmt.Errorf("check %q: no .m3u8 playlist or .mpd manifest in this folder", t)
}

func readTarget(dir, name string) (target, error) {
	full := filepath.Join(dir, filepath.FromSlash(name))
	master, _, err := hls.ReadFile(full)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return target{}, fmt.Errorf("check %q: %w", full, pe.Err)
		}
		return target{}, fmt.Errorf("check: %w", err)
	}
	tg := target{name: name}
	if master == nil {
		tg.variants = []variant{{index: 0, uri: path.Base(name)}}
		return tg, nil
	}
	tg.master = true
	for i, v := range master.Variants {
		vr := variant{index: i, uri: v.URI, codecs: v.Codecs, bandwidth: v.Bandwidth, video: hasVideo(v.Codecs, v.Resolution)}
		if !v.Resolution.IsZero() {
			vr.resolution = fmt.Sprintf("%dx%d", v.Resolution.Width, v.Resolution.Height)
		}
		tg.variants = append(tg.variants, vr)
	}
	for i, v := range master.IFrameVariants {
		tg.iframes = append(tg.iframes, variant{index: i, uri: v.URI, codecs: v.Codecs, bandwidth: v.Bandwidth, video: true,
			resolution: fmt.Sprintf("%dx%d", v.Resolution.Width, v.Resolution.Height)})
	}
	if len(tg.variants) == 0 {
		return target{}, fmt.Errorf("check %q: master playlist without variants", full)
	}
	return tg, nil
}
