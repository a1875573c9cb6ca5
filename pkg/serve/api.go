package serve

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/layout"
)

// apiTrack is one element of GET /api/tracks: the catalog's summary and
// where to play it.
type apiTrack struct {
	catalog.TrackSummary
	// MasterURL is the playlist to play (signed when links are); empty
	// when no playlist of the track is on disk.
	MasterURL string `json:"master_url"`
	WatchURL  string `json:"watch_url"`
}

// apiTrackDetail is GET /api/tracks/{id}.
type apiTrackDetail struct {
	*catalog.TrackDetail
	MasterURL string `json:"master_url"`
	WatchURL  string `json:"watch_url"`
	// Publications are the track's publishes to object storage, each
	// with the objects it put in the bucket.
	Publications []catalog.Publication `json:"publications"`
}

type apiError struct {
	Error string `json:"error"`
}

func (h *Handler) serveAPI(w http.ResponseWriter, r *http.Request, exp string) route {
	p := r.URL.Path
	switch {
	case p == "/api/tracks":
		if !h.needCatalog(w) {
			return routeAPITracks
		}
		tracks, err := h.cfg.Catalog.Tracks(r.Context())
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, apiError{err.Error()})
			return routeAPITracks
		}
		out := make([]apiTrack, 0, len(tracks))
		for _, t := range tracks {
			out = append(out, apiTrack{
				TrackSummary: t,
				MasterURL:    h.masterURL(r.Context(), t.ID, nil, exp),
				WatchURL:     h.link("/watch/"+t.ID, exp),
			})
		}
		writeJSON(w, http.StatusOK, out)
		return routeAPITracks
	case strings.HasPrefix(p, "/api/tracks/") && len(p) > len("/api/tracks/"):
		if !h.needCatalog(w) {
			return routeAPITrack
		}
		id := p[len("/api/tracks/"):]
		d, err := h.cfg.Catalog.Track(r.Context(), id)
		if err != nil {
			writeCatalogErr(w, err)
			return routeAPITrack
		}
		pubs, err := h.cfg.Catalog.Publications(r.Context(), id)
		if err != nil {
			writeCatalogErr(w, err)
			return routeAPITrack
		}
		writeJSON(w, http.StatusOK, apiTrackDetail{
			TrackDetail:  d,
			MasterURL:    h.masterURL(r.Context(), id, d.Renditions, exp),
			WatchURL:     h.link("/watch/"+id, exp),
			Publications: pubs,
		})
		return routeAPITrack
	case p == "/api/jobs":
		h.serveQueueJobs(w, r)
		return routeAPIJobs
	case strings.HasPrefix(p, "/api/jobs/") && len(p) > len("/api/jobs/"):
		if !h.needCatalog(w) {
			return routeAPIJob
		}
		st, err := h.cfg.Catalog.JobStatus(r.Context(), p[len("/api/jobs/"):])
		if err != nil {
			writeCatalogErr(w, err)
			return routeAPIJob
		}
		writeJSON(w, http.StatusOK, st)
		return routeAPIJob
	}
	writeJSON(w, http.StatusNotFound, apiError{"no such API: " + p})
	return routeOther
}

func (h *Handler) needCatalog(w http.ResponseWriter) bool {
	if h.cfg.Catalog == nil {
		writeJSON(w, http.StatusServiceUnavailable, apiError{"no catalog: serve a folder with a veza.db or pass one"})
		return false
	}
	return true
}

func writeCatalogErr(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	if errors.Is(err, catalog.ErrNotFound) {
		code = http.StatusNotFound
	}
	writeJSON(w, code, apiError{err.Error()})
}

// writeJSON answers with v. API answers are never cached: another veza
// process may be writing the catalog right now.
func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		code, b = http.StatusInternalServerError, []byte(`{"error":"encoding the answer failed"}`)
	}
	hdr := w.Header()
	hdr["Content-Type"] = []string{"application/json; charset=utf-8"}
	hdr["Cache-Control"] = []string{"no-store"}
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}

// link returns a URL for p (a decoded path), signed with expiry exp when
// links are signed. Pages and API answers hand out links that expire with
// the link they were reached by, so a link never grants more time than
// its own.
func (h *Handler) link(p, exp string) string {
	u := (&url.URL{Path: p}).EscapedPath()
	if h.signer == nil {
		return u
	}
	return u + "?" + h.signer.query(p, exp)
}

// masterPath finds the playlist to play for a track: <id>/master.m3u8,
// else a rendition's playlist when there is only one, else <id>/index.m3u8.
// It returns a name inside the root, or "" when none is on disk.
func (h *Handler) masterPath(id string, rends []catalog.RenditionSummary) string {
	cands := []string{id + "/" + layout.Master}
	if len(rends) == 1 && rends[0].PlaylistPath != "" {
		cands = append(cands, h.relToRoot(rends[0].PlaylistPath))
	}
	cands = append(cands, id+"/"+layout.Playlist)
	for _, c := range cands {
		if name, ok := cleanName("/"+c, ""); ok {
			if st, err := h.root.Stat(name); err == nil && st.Mode().IsRegular() {
				return name
			}
		}
	}
	return ""
}

// relToRoot turns a path recorded in the catalog (relative to the output
// folder, or absolute) into a name inside the root.
func (h *Handler) relToRoot(p string) string {
	if !filepath.IsAbs(p) {
		return filepath.ToSlash(filepath.Clean(p))
	}
	abs, err := filepath.Abs(h.cfg.Dir)
	if err != nil {
		return ""
	}
	rel, err := filepath.Rel(abs, p)
	if err != nil || strings.HasPrefix(rel, "..") {
		return ""
	}
	return filepath.ToSlash(rel)
}

func (h *Handler) masterURL(ctx context.Context, id string, rends []catalog.RenditionSummary, exp string) string {
	if rends == nil && h.cfg.Catalog != nil {
		// The summary does not list renditions; a track without a master
		// playlist may still have a single rendition to play.
		if _, err := h.root.Stat(id + "/" + layout.Master); err != nil {
			if d, err := h.cfg.Catalog.Track(ctx, id); err == nil {
				rends = d.Renditions
			}
		}
	}
	if m := h.masterPath(id, rends); m != "" {
		return h.link("/"+m, exp)
	}
	return ""
}

// folderTracks lists the top-level folders that hold a playlist, for
// serving a folder that has no catalog.
func (h *Handler) folderTracks() []string {
	entries, err := fs.ReadDir(h.root.FS(), ".")
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if h.masterPath(e.Name(), nil) != "" {
			out = append(out, e.Name())
		}
	}
	slices.Sort(out)
	return out
}

// serveHealth answers /healthz: the process is up and serving.
func (h *Handler) serveHealth(w http.ResponseWriter) {
	w.Header()["Content-Type"] = []string{"text/plain; charset=utf-8"}
	w.Header()["Cache-Control"] = []string{"no-store"}
	w.Write([]byte("ok\n"))
}

// readiness is the body of /readyz.
type readiness struct {
	Ready  bool              `json:"ready"`
	Checks map[string]string `json:"checks"`
}

// serveReady answers /readyz: the folder can be read, the catalog answers
// a query and ffmpeg is installed. 503 lists what is wrong, in words that
// name no path: the endpoint is often open to anyone who can connect.
func (h *Handler) serveReady(w http.ResponseWriter, r *http.Request) {
	rd := readiness{Ready: true, Checks: map[string]string{}}
	fail := func(k, v string) { rd.Ready = false; rd.Checks[k] = v }
	if _, err := h.root.Stat("."); err != nil {
		fail("folder", "unreadable")
	} else {
		rd.Checks["folder"] = "ok"
	}
	if h.cfg.Catalog == nil {
		rd.Checks["catalog"] = "none"
	} else {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		_, err := h.cfg.Catalog.Jobs(ctx, catalog.JobFilter{Limit: 1})
		cancel()
		if err != nil {
			fail("catalog", "not answering")
		} else {
			rd.Checks["catalog"] = "ok"
		}
	}
	ff := h.cfg.FFmpeg
	if ff == "" {
		ff = "ffmpeg"
	}
	if _, err := exec.LookPath(ff); err != nil {
		fail("ffmpeg", "not found")
	} else {
		rd.Checks["ffmpeg"] = "ok"
	}
	code := http.StatusOK
	if !rd.Ready {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, rd)
}

// catalogCollector exports the catalog's state at each scrape, read fresh
// since other processes write it.
type catalogCollector struct {
	db                           *catalog.DB
	up, jobs, segments, tracks   *prometheus.Desc
	renditions, bytesOnDisk, dur *prometheus.Desc
}

func newCatalogCollector(db *catalog.DB) *catalogCollector {
	return &catalogCollector{
		db:          db,
		up:          prometheus.NewDesc("veza_catalog_up", "1 if the catalog answered the last scrape's queries.", nil, nil),
		jobs:        prometheus.NewDesc("veza_catalog_jobs", "Jobs in the catalog, by status.", []string{"status"}, nil),
		segments:    prometheus.NewDesc("veza_catalog_segments", "Segments on disk recorded in the catalog.", nil, nil),
		tracks:      prometheus.NewDesc("veza_catalog_tracks", "Tracks in the catalog, by status.", []string{"status"}, nil),
		renditions:  prometheus.NewDesc("veza_catalog_renditions", "Renditions in the catalog.", nil, nil),
		bytesOnDisk: prometheus.NewDesc("veza_catalog_segment_bytes", "Bytes of segments on disk recorded in the catalog.", nil, nil),
		dur:         prometheus.NewDesc("veza_catalog_media_seconds", "Seconds of media recorded in the catalog (longest rendition per track).", nil, nil),
	}
}

func (c *catalogCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.up, c.jobs, c.segments, c.tracks, c.renditions, c.bytesOnDisk, c.dur} {
		ch <- d
	}
}

func (c *catalogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	tracks, err := c.db.Tracks(ctx)
	var jobs []catalog.Job
	if err == nil {
		jobs, err = c.db.Jobs(ctx, catalog.JobFilter{})
	}
	if err != nil {
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 1)
	statuses := []catalog.Status{catalog.StatusPending, catalog.StatusEncoding, catalog.StatusDone,
		catalog.StatusError, catalog.StatusTimeout, catalog.StatusCancelled}
	byJob := map[catalog.Status]int{}
	for _, j := range jobs {
		byJob[j.Status]++
	}
	byTrack := map[catalog.Status]int{}
	var segs, rends int
	var bytes int64
	var dur float64
	for _, t := range tracks {
		byTrack[t.Status]++
		segs += t.Segments
		rends += t.Renditions
		bytes += t.Bytes
		dur += t.Duration
	}
	for _, s := range statuses {
		ch <- prometheus.MustNewConstMetric(c.jobs, prometheus.GaugeValue, float64(byJob[s]), string(s))
		ch <- prometheus.MustNewConstMetric(c.tracks, prometheus.GaugeValue, float64(byTrack[s]), string(s))
	}
	ch <- prometheus.MustNewConstMetric(c.segments, prometheus.GaugeValue, float64(segs))
	ch <- prometheus.MustNewConstMetric(c.renditions, prometheus.GaugeValue, float64(rends))
	ch <- prometheus.MustNewConstMetric(c.bytesOnDisk, prometheus.GaugeValue, float64(bytes))
	ch <- prometheus.MustNewConstMetric(c.dur, prometheus.GaugeValue, dur)
}
