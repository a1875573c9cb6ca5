package serve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/player"
)

// Config configures a Handler. Only Dir is required.
type Config struct {
	// Dir is the folder served: one sub-folder per track with its master
	// playlist, rendition folders and segments. Nothing outside it is ever
	// read to answer a request.
	Dir string

	// Hosts, when not empty, are the only names a request's Host header
	// may carry (compared without the port, ignoring case); other requests
	// get 403. It keeps a server on loopback from answering a web page
	// that reaches it under the page's own name (DNS rebinding).
	// LoopbackHosts gives the list for a listen address.
	Hosts []string
	// CORSOrigin is the one origin (scheme://host[:port]) whose pages may
	// read the files served, or "*" for every origin. Empty, the default:
	// no CORS headers, so only pages of this server read its files. Keys
	// never get CORS headers.
	CORSOrigin string

	// SignKey, when not empty, makes every file, page and API answer need
	// a valid HMAC-SHA256 signed link (see Signer); /healthz, /readyz,
	// /metrics (unless SignStatus) and the player's script stay open. It
	// must hold at least MinSignKeyLen bytes. Playlists are rewritten
	// so the URIs they list carry the playlist link's own expiry.
	SignKey []byte
	// SignTTL is how long the links that pages hand out stay valid. It
	// defaults to 6 hours.
	SignTTL time.Duration
	// SignStatus, with SignKey, makes /readyz and /metrics need signed
	// links too; /healthz stays open for probes.
	SignStatus bool

	// StatTTL is how long a file kept in memory (playlists, init
	// sections, keys) is served without checking the disk again. It
	// defaults to 20 ms: a live playlist is at most that stale (the live
	// benchmark's median from segment on disk to served playlist went from
	// 70 ms to under the 50 ms target), and a busy playlist still costs one
	// stat per interval instead of one per request.
	StatTTL time.Duration

	// Catalog is the catalog the pages, the API and the catalog metrics
	// read, fresh on every request (another veza process may be writing
	// it). nil: the index lists the folders holding a playlist and the
	// API answers 503.
	Catalog *catalog.DB

	// Jobs, when not nil, reads the work queue's jobs (pkg/queue's
	// states) for GET /api/jobs and the index page. nil: /api/jobs
	// answers 503.
	Jobs func(context.Context) ([]QueueJob, error)

	// FFmpeg is the ffmpeg /readyz looks for. It defaults to ffmpeg on
	// PATH.
	FFmpeg string

	// PlayerJS is the hls.js script the watch pages load (see player.LoadHLSJS).
	// nil: the pages say PlayerHelp instead of playing with hls.js.
	PlayerJS []byte
	// PlayerVersion is shown under the player. It defaults to
	// player.HLSJSVersion when PlayerJS is set.
	PlayerVersion string
	// PlayerHelp tells a user how to get hls.js when PlayerJS is nil. It
	// defaults to a sentence naming the pinned release and its hash.
	PlayerHelp string

	// Registry receives the handler's metrics and is what /metrics shows.
	// It defaults to a new registry holding the handler's metrics and the
	// Go runtime and process collectors.
	Registry *prometheus.Registry

	// Now returns the current time for signature expiry. It defaults to
	// time.Now.
	Now func() time.Time
}

// MinSignKeyLen is the shortest signing key New accepts: a shorter one
// could be guessed from the links it signs.
const MinSignKeyLen = 16

// Handler serves one folder. Create it with New; Close releases the
// folder.
type Handler struct {
	cfg     Config
	root    *os.Root
	files   *fileCache
	signer  *Signer
	metrics *metrics
	reg     *prometheus.Registry
	assets  map[string]*asset
	hosts   map[string]bool
	cors    []string // the Access-Control-Allow-Origin value, nil for none

	metricsHandler http.Handler
}

// New opens cfg.Dir and returns the handler serving it.
func New(cfg Config) (*Handler, error) {
	if cfg.Dir == "" {
		return nil, errors.New("serve: no folder given")
	}
	if n := len(cfg.SignKey); n > 0 && n < MinSignKeyLen {
		return nil, fmt.Errorf("serve: signing key of %d bytes: want at least %d", n, MinSignKeyLen)
	}
	if cfg.SignTTL <= 0 {
		cfg.SignTTL = 6 * time.Hour
	}
	if cfg.StatTTL <= 0 {
		cfg.StatTTL = 20 * time.Millisecond
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PlayerVersion == "" && len(cfg.PlayerJS) > 0 {
		cfg.PlayerVersion = player.HLSJSVersion
	}
	if cfg.PlayerHelp == "" {
		cfg.PlayerHelp = "veza fetches hls.js " + player.HLSJSVersion + " with npm pack into your cache folder on first use and checks its hash " +
			"(dist/hls.min.js sha256 " + player.HLSJSSHA256 + "); install npm and start again with network access, or give a copy of hls.min.js."
	}
	root, err := os.OpenRoot(cfg.Dir)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("serve %q: %w", cfg.Dir, err)
	}
	h := &Handler{cfg: cfg, root: root, files: newFileCache(root, cfg.StatTTL)}
	if len(cfg.Hosts) > 0 {
		h.hosts = map[string]bool{}
		for _, n := range cfg.Hosts {
			h.hosts[hostName(n)] = true
		}
	}
	if cfg.CORSOrigin != "" {
		h.cors = []string{cfg.CORSOrigin}
	}
	if len(cfg.SignKey) > 0 {
		h.signer = NewSigner(cfg.SignKey)
	}
	h.reg = cfg.Registry
	if h.reg == nil {
		h.reg = prometheus.NewRegistry()
		registerRuntime(h.reg)
	}
	h.metrics = newMetrics(h.reg)
	h.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "veza_serve_file_loads_total",
		Help: "Files opened to (re)load the cache's entry of a file: new and changed files.",
	}, func() float64 { return float64(h.files.reads.Load()) }))
	if cfg.Catalog != nil {
		h.reg.MustRegister(newCatalogCollector(cfg.Catalog))
	}
	h.metricsHandler = promhttp.HandlerFor(h.reg, promhttp.HandlerOpts{})
	h.loadAssets()
	return h, nil
}

// Close releases the folder and the files kept open. Requests still
// running may fail.
func (h *Handler) Close() error {
	h.files.close()
	return h.root.Close()
}

// Signer returns the signer of links, or nil when links are not signed.
func (h *Handler) Signer() *Signer { return h.signer }

// ServeHTTP answers one request. Paths under DIR are files; a few names
// are the server's own: "/", /watch/, /api/, /_veza/, /healthz, /readyz
// and /metrics (a top-level folder with one of those names is hidden).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if !h.hostAllowed(r.Host) {
		h.fail(w, routeOther, http.StatusForbidden, "host not allowed", start)
		return
	}
	p := r.URL.Path
	var rt route
	switch {
	case p == "/":
		rt = routeIndex
	case strings.HasPrefix(p, "/watch/") && len(p) > len("/watch/"):
		rt = routeWatch
	case strings.HasPrefix(p, "/api/"):
		rt = routeAPITracks // refined by serveAPI
	case strings.HasPrefix(p, assetPrefix):
		rt = routeAsset
	case p == "/healthz":
		rt = routeHealthz
	case p == "/readyz":
		rt = routeReadyz
	case p == "/metrics":
		rt = routeMetrics
	default:
		h.serveFile(w, r, start)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header()["Allow"] = []string{"GET, HEAD"}
		h.fail(w, rt, http.StatusMethodNotAllowed, "method not allowed", start)
		return
	}
	var exp string
	if h.signer != nil && (rt == routeIndex || rt == routeWatch || rt == routeAPITracks ||
		h.cfg.SignStatus && (rt == routeReadyz || rt == routeMetrics)) {
		var err error
		if exp, err = h.signer.Verify(p, r.URL.RawQuery, h.cfg.Now()); err != nil {
			h.fail(w, rt, http.StatusForbidden, err.Error(), start)
			return
		}
	}
	sw := &statusWriter{ResponseWriter: w}
	switch rt {
	case routeIndex:
		h.serveIndex(sw, r, exp)
	case routeWatch:
		h.serveWatch(sw, r, exp)
	case routeAPITracks:
		rt = h.serveAPI(sw, r, exp)
	case routeAsset:
		h.serveAsset(sw, r)
	case routeHealthz:
		h.serveHealth(sw)
	case routeReadyz:
		h.serveReady(sw, r)
	case routeMetrics:
		h.metricsHandler.ServeHTTP(sw, r)
	}
	h.metrics.observe(rt, sw.status(), sw.n, start)
}

// Header values assigned as shared slices: the hot path sets map entries
// directly and allocates nothing for them. They must never be modified.
var (
	hdrBytes         = []string{"bytes"}
	hdrExpose        = []string{"Content-Length, Content-Range, ETag, Last-Modified"}
	hdrVaryAE        = []string{"Accept-Encoding"}
	hdrGzip          = []string{"gzip"}
	ccNoCache        = []string{"no-cache"}
	ccPrivateNoCache = []string{"private, no-cache"}
)

func (h *Handler) serveFile(w http.ResponseWriter, r *http.Request, start time.Time) {
	name, ok := cleanName(r.URL.Path, r.URL.RawPath)
	if !ok {
		h.fail(w, routeOther, http.StatusBadRequest, "bad path", start)
		return
	}
	typ, ok := typeOf(name)
	if !ok {
		h.fail(w, routeOther, http.StatusNotFound, "not found", start)
		return
	}
	rt := fileRoute(typ.kind)
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodOptions:
		h.preflight(w, r, typ.kind, rt, start)
		return
	default:
		w.Header()["Allow"] = []string{"GET, HEAD, OPTIONS"}
		h.fail(w, rt, http.StatusMethodNotAllowed, "method not allowed", start)
		return
	}
	var exp string
	if h.signer != nil {
		var err error
		if exp, err = h.signer.Verify(r.URL.Path, r.URL.RawQuery, h.cfg.Now()); err != nil {
			h.fail(w, rt, http.StatusForbidden, err.Error(), start)
			return
		}
	}
	if typ.kind == kindKey && !h.files.keyNamed(name) {
		h.fail(w, rt, http.StatusNotFound, "not found", start)
		return
	}
	e, f, err := h.files.open(name, typ)
	if err != nil {
		code, msg := http.StatusNotFound, "not found"
		if errors.Is(err, fs.ErrPermission) {
			code, msg = http.StatusForbidden, "forbidden"
		}
		h.fail(w, rt, code, msg, start)
		return
	}
	if f != nil {
		defer f.Close()
	}

	hdr := w.Header()
	hdr["Content-Type"] = e.ctype
	hdr["Last-Modified"] = e.lastMod
	hdr["Accept-Ranges"] = hdrBytes
	hdr["Cache-Control"] = h.cacheControl(e)
	if h.allowOrigin(hdr, r, typ.kind) {
		hdr["Access-Control-Expose-Headers"] = hdrExpose
	}
	body, etag, clen := e.body, e.etag, e.clen
	switch {
	case h.signer != nil && typ.kind == kindPlaylist:
		// Each expiry gives different bytes: nothing is shared between
		// links, so no ETag and no caching by proxies.
		if body == nil { // too big to keep: read it for this request
			b, err := io.ReadAll(f)
			if err != nil {
				h.fail(w, rt, http.StatusInternalServerError, "read error", start)
				return
			}
			e = &fileEntry{name: e.name, dir: e.dir, typ: e.typ, mod: e.mod, body: b, uris: playlistURIs(b)}
		}
		body = signPlaylist(e, h.signer, exp)
		etag, clen = nil, []string{strconv.Itoa(len(body))}
		hdr["Cache-Control"] = ccPrivateNoCache
	case e.compressible():
		hdr["Vary"] = hdrVaryAE
		if _, ranged := r.Header["Range"]; !ranged && acceptsGzip(r.Header["Accept-Encoding"]) {
			gz := e.gzipped()
			body, etag, clen = gz.body, gz.etag, gz.len
			hdr["Content-Encoding"] = hdrGzip
		}
	}
	if etag != nil {
		hdr["Etag"] = etag
	}
	if h.cors != nil && h.cors[0] != "*" {
		// the answer depends on the Origin sent
		hdr["Vary"] = append(slices.Clip(hdr["Vary"]), "Origin")
	}

	if conditional(r.Header) {
		if strings.Count(r.Header.Get("Range"), ",") >= maxRanges {
			h.fail(w, rt, http.StatusRequestedRangeNotSatisfiable, "too many ranges", start)
			return
		}
		// Ranges and validators are rare next to plain GETs: let the
		// standard library's well-tested code evaluate them, on the same
		// bytes and headers.
		var content io.ReadSeeker
		if body != nil {
			content = bytes.NewReader(body)
		} else {
			content = f
		}
		sw := &statusWriter{ResponseWriter: w}
		http.ServeContent(sw, r, "", e.mod, content)
		h.metrics.observe(rt, sw.status(), sw.n, start)
		return
	}

	hdr["Content-Length"] = clen
	w.WriteHeader(http.StatusOK)
	var n int64
	if r.Method != http.MethodHead {
		if body != nil {
			k, _ := w.Write(body)
			n = int64(k)
		} else {
			n, _ = copyFile(w, f)
		}
	}
	h.metrics.observe(rt, http.StatusOK, n, start)
}

// maxRanges caps the ranges of one request: a player asks for one, and
// each costs a multipart header and a seek.
const maxRanges = 8

// copyFile sends f through the ResponseWriter's ReadFrom, which hands the
// file to the kernel (sendfile) once the headers are out.
func copyFile(w http.ResponseWriter, f *os.File) (int64, error) {
	if rf, ok := w.(io.ReaderFrom); ok {
		return rf.ReadFrom(f)
	}
	return io.Copy(w, f)
}

// cacheControl makes clients revalidate every file, with the ETag (which
// changes with the file's size, mtime and inode) answered 304 when nothing
// changed. Nothing is immutable: veza --force and a restarted live stream
// write new bytes under the same names (seg_00000.ts, and with AES new
// keys and IVs for them), and a cached old segment would not play with the
// new playlist. On loopback a revalidation costs one round trip without a
// body. Keys are private.
func (h *Handler) cacheControl(e *fileEntry) []string {
	if e.typ.kind == kindKey {
		return ccPrivateNoCache
	}
	return ccNoCache
}

// allowOrigin sets Access-Control-Allow-Origin when the request comes from
// the origin allowed and the file is not a key, and says whether it did.
func (h *Handler) allowOrigin(hdr http.Header, r *http.Request, k kind) bool {
	o, ok := r.Header["Origin"]
	if !ok || h.cors == nil || k == kindKey || (h.cors[0] != "*" && (len(o) != 1 || o[0] != h.cors[0])) {
		return false
	}
	hdr["Access-Control-Allow-Origin"] = h.cors
	return true
}

// hostAllowed says whether a request naming host may be answered.
func (h *Handler) hostAllowed(host string) bool {
	return h.hosts == nil || h.hosts[hostName(host)]
}

// hostName is a Host header's name: no port, no brackets around an IPv6
// address, no final dot, lower case.
func hostName(host string) string {
	return strings.ToLower(strings.TrimSuffix(string(hostOnly([]byte(host))), "."))
}

// hostOnly cuts the port and the brackets of an IPv6 address off a Host
// value.
func hostOnly(b []byte) []byte {
	if len(b) > 0 && b[0] == '[' {
		if i := bytes.IndexByte(b, ']'); i > 0 {
			return b[1:i]
		}
		return b
	}
	if i := bytes.IndexByte(b, ':'); i >= 0 && bytes.Count(b, []byte(":")) == 1 {
		return b[:i]
	}
	return b
}

// LoopbackHosts returns the Host names a server listening on addr accepts
// (Config.Hosts): localhost, 127.0.0.1, ::1 and addr's own host when addr
// is a loopback address; nil, meaning any, otherwise. A server reachable
// from other machines is reached under names this one cannot know.
func LoopbackHosts(addr string) []string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil
	}
	ip := net.ParseIP(host)
	if !strings.EqualFold(host, "localhost") && (ip == nil || !ip.IsLoopback()) {
		return nil
	}
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	if !slices.Contains(hosts, hostName(host)) {
		hosts = append(hosts, hostName(host))
	}
	return hosts
}

// preflight answers a CORS preflight for a file: players on other origins
// send Range, which is not a simple header.
func (h *Handler) preflight(w http.ResponseWriter, r *http.Request, k kind, rt route, start time.Time) {
	hdr := w.Header()
	if !h.allowOrigin(hdr, r, k) {
		h.fail(w, rt, http.StatusForbidden, "cross-origin requests not allowed", start)
		return
	}
	hdr["Access-Control-Allow-Methods"] = []string{"GET, HEAD, OPTIONS"}
	hdr["Access-Control-Allow-Headers"] = []string{"Range, If-None-Match, If-Modified-Since, Accept-Encoding"}
	hdr["Access-Control-Max-Age"] = []string{"86400"}
	w.WriteHeader(http.StatusNoContent)
	h.metrics.observe(rt, http.StatusNoContent, 0, start)
}

func (h *Handler) fail(w http.ResponseWriter, rt route, code int, msg string, start time.Time) {
	http.Error(w, strconv.Itoa(code)+" "+msg, code)
	h.metrics.observe(rt, code, 0, start)
}

// conditional says whether a request carries a range or a validator.
func conditional(h http.Header) bool {
	for _, k := range [...]string{"Range", "If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since"} {
		if _, ok := h[k]; ok {
			return true
		}
	}
	return false
}

// acceptsGzip reads Accept-Encoding: gzip (or *) with a q-value above 0.
func acceptsGzip(values []string) bool {
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			coding = strings.TrimSpace(coding)
			if !strings.EqualFold(coding, "gzip") && coding != "*" {
				continue
			}
			q := 1.0
			for p := range strings.SplitSeq(params, ";") {
				k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
				if strings.EqualFold(strings.TrimSpace(k), "q") {
					if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
						q = f
					}
				}
			}
			if q > 0 {
				return true
			}
		}
	}
	return false
}

// statusWriter records the status and body size of a response it passes
// through, keeping ReadFrom so sendfile still applies.
type statusWriter struct {
	http.ResponseWriter
	code int
	n    int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.n += int64(n)
	return n, err
}

func (w *statusWriter) ReadFrom(r io.Reader) (int64, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	var n int64
	var err error
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(r)
	} else {
		n, err = io.Copy(w.ResponseWriter, r)
	}
	w.n += n
	return n, err
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}
