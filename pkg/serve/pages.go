package serve

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/layout"
)

//go:embed assets
var assets embed.FS

var pageTemplates = template.Must(template.New("pages").Funcs(template.FuncMap{
	// json writes a value for a data- attribute that the page parses.
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
}).ParseFS(assets, "assets/*.html"))

// asset is a static file of the pages, with its headers ready.
type asset struct {
	body  []byte
	ctype []string
	etag  []string
}

func newAsset(b []byte, ctype string) *asset {
	sum := sha256.Sum256(b)
	return &asset{body: b, ctype: []string{ctype}, etag: []string{`"` + hex.EncodeToString(sum[:12]) + `"`}}
}

// assetPrefix holds the pages' own files. A track folder named _veza at
// the top of the served folder would be hidden by it.
const assetPrefix = "/_veza/"

func (h *Handler) loadAssets() {
	h.assets = map[string]*asset{}
	for name, ctype := range map[string]string{
		"style.css": "text/css; charset=utf-8",
		"watch.js":  "text/javascript; charset=utf-8",
	} {
		b, err := assets.ReadFile("assets/" + name)
		if err != nil {
			panic(err) // embedded at build time
		}
		h.assets[name] = newAsset(b, ctype)
	}
	if len(h.cfg.PlayerJS) > 0 {
		h.assets["hls.min.js"] = newAsset(h.cfg.PlayerJS, "text/javascript; charset=utf-8")
	}
}

func (h *Handler) serveAsset(w http.ResponseWriter, r *http.Request) {
	a := h.assets[strings.TrimPrefix(r.URL.Path, assetPrefix)]
	if a == nil {
		http.Error(w, "404 not found", http.StatusNotFound)
		return
	}
	hdr := w.Header()
	hdr["Content-Type"] = a.ctype
	hdr["Etag"] = a.etag
	hdr["Cache-Control"] = []string{"no-cache"}
	h.allowOrigin(hdr, r, kindMedia)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}

// assetURL is an asset's URL with a version so browsers reload it when it
// changes, yet revalidate nothing while it does not.
func (h *Handler) assetURL(name string) string {
	a := h.assets[name]
	if a == nil {
		return ""
	}
	return assetPrefix + name + "?v=" + strings.Trim(a.etag[0], `"`)
}

type indexRow struct {
	ID, Status, Duration, Size, Created string
	Renditions, Segments                int
	Live                                bool
	WatchURL, MasterURL                 string
}

type indexPage struct {
	Dir, StyleURL, APIURL, CatalogName, Error string
	FromCatalog                               bool
	Tracks                                    []indexRow
	// Queue is the job queue's table, with Config.Jobs (see jobs.go).
	Queue *queueSection
}

func (h *Handler) serveIndex(w http.ResponseWriter, r *http.Request, exp string) {
	p := indexPage{
		Dir:         h.cfg.Dir,
		StyleURL:    h.assetURL("style.css"),
		APIURL:      h.link("/api/tracks", exp),
		CatalogName: layout.CatalogName,
		FromCatalog: h.cfg.Catalog != nil,
		Queue:       h.indexQueue(r.Context(), exp),
	}
	if h.cfg.Catalog != nil {
		tracks, err := h.cfg.Catalog.Tracks(r.Context())
		if err != nil {
			p.Error = err.Error()
		}
		for _, t := range tracks {
			p.Tracks = append(p.Tracks, indexRow{
				ID:         t.ID,
				Status:     string(t.Status),
				Renditions: t.Renditions,
				Segments:   t.Segments,
				Duration:   clock(t.Duration),
				Size:       size(t.Bytes),
				Live:       t.Live,
				Created:    t.CreatedAt.Local().Format("2006-01-02 15:04"),
				WatchURL:   h.link("/watch/"+t.ID, exp),
				MasterURL:  h.masterURL(r.Context(), t.ID, nil, exp),
			})
		}
	} else {
		for _, id := range h.folderTracks() {
			p.Tracks = append(p.Tracks, indexRow{
				ID:        id,
				WatchURL:  h.link("/watch/"+id, exp),
				MasterURL: h.link("/"+h.masterPath(id, nil), exp),
			})
		}
	}
	renderPage(w, "index.html", p)
}

type watchRendition struct {
	Name, Status, Codecs, Size, Bandwidth, Duration string
	Segments                                        int
}

type watchPage struct {
	ID, StyleURL, IndexURL, WatchJSURL   string
	MasterURL, MasterName                string
	PlayerURL, PlayerVersion, PlayerHelp string
	// ThumbnailsURL is the track's thumbnail VTT and Sheets the link of
	// each sheet it may name, by name (signed like every link); empty
	// when the track has none.
	ThumbnailsURL string
	Sheets        map[string]string
	Renditions    []watchRendition
}

func (h *Handler) serveWatch(w http.ResponseWriter, r *http.Request, exp string) {
	id := strings.TrimPrefix(r.URL.Path, "/watch/")
	p := watchPage{
		ID:         id,
		StyleURL:   h.assetURL("style.css"),
		IndexURL:   h.link("/", exp),
		WatchJSURL: h.assetURL("watch.js"),
		PlayerURL:  h.assetURL("hls.min.js"),
		PlayerHelp: h.cfg.PlayerHelp,
	}
	if p.PlayerURL != "" {
		p.PlayerVersion = h.cfg.PlayerVersion
	}
	var rends []catalog.RenditionSummary
	if h.cfg.Catalog != nil {
		d, err := h.cfg.Catalog.Track(r.Context(), id)
		if err == nil {
			rends = d.Renditions
		}
		// A folder without a catalog row still plays.
	}
	master := h.masterPath(id, rends)
	if master == "" && len(rends) == 0 && h.cfg.Catalog != nil {
		if _, err := h.cfg.Catalog.Track(r.Context(), id); err != nil {
			http.Error(w, "404 no track "+strconv.Quote(id), http.StatusNotFound)
			return
		}
	}
	if master != "" {
		p.MasterURL = h.link("/"+master, exp)
		p.MasterName = master
	}
	if master != "" {
		p.ThumbnailsURL, p.Sheets = h.thumbnailLinks(id, exp)
	}
	for _, rd := range rends {
		wr := watchRendition{
			Name: rd.Name, Status: string(rd.Status), Codecs: rd.Codecs,
			Bandwidth: rate(rd.Bandwidth), Duration: clock(rd.Duration), Segments: rd.Segments,
		}
		if rd.Width > 0 {
			wr.Size = fmt.Sprintf("%d×%d", rd.Width, rd.Height)
		} else {
			wr.Size = "audio"
		}
		p.Renditions = append(p.Renditions, wr)
	}
	renderPage(w, "watch.html", p)
}

// thumbnailLinks returns the links of a track's thumbnail VTT and of its
// sheets, when the VTT is on disk. The page resolves the VTT's cues with
// them, so they work when links are signed.
func (h *Handler) thumbnailLinks(id, exp string) (string, map[string]string) {
	vtt := id + "/" + layout.Thumbnails
	if st, err := h.root.Stat(vtt); err != nil || !st.Mode().IsRegular() {
		return "", nil
	}
	sheets := map[string]string{}
	for n := 1; ; n++ {
		name := layout.ThumbnailName(n)
		if _, err := h.root.Stat(id + "/" + name); err != nil {
			break
		}
		sheets[name] = h.link("/"+id+"/"+name, exp)
	}
	return h.link("/"+vtt, exp), sheets
}

func renderPage(w http.ResponseWriter, name string, data any) {
	var buf bytes.Buffer
	if err := pageTemplates.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "500 page error: "+err.Error(), http.StatusInternalServerError)
		return
	}
	hdr := w.Header()
	hdr["Content-Type"] = []string{"text/html; charset=utf-8"}
	hdr["Cache-Control"] = []string{"no-store"}
	hdr["X-Content-Type-Options"] = []string{"nosniff"}
	hdr["Referrer-Policy"] = []string{"no-referrer"} // signed links stay in this tab
	w.Write(buf.Bytes())
}

// clock formats seconds as h:mm:ss (or m:ss).
func clock(s float64) string {
	if s <= 0 {
		return "–"
	}
	t := int(s + 0.5)
	if t >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", t/3600, t/60%60, t%60)
	}
	return fmt.Sprintf("%d:%02d", t/60, t%60)
}

func size(b int64) string {
	switch {
	case b <= 0:
		return "–"
	case b >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	default:
		return fmt.Sprintf("%.0f KiB", float64(b)/(1<<10))
	}
}

func rate(bps int64) string {
	switch {
	case bps <= 0:
		return "–"
	case bps >= 1e6:
		return fmt.Sprintf("%.2f Mbit/s", float64(bps)/1e6)
	default:
		return fmt.Sprintf("%d kbit/s", bps/1000)
	}
}
