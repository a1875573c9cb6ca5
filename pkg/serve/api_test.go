package serve

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/layout"
	"github.com/veza-media/veza/pkg/player"
)

var bg = context.Background()

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// seedCatalog records the fixture's vod track (done) with one job that
// wrote two segments, and returns the job id.
func seedCatalog(t *testing.T, db *catalog.DB) string {
	t.Helper()
	must(t, db.UpsertTrack(bg, catalog.Track{ID: "vod", SourcePath: "vod.mp4", ContentHash: "h"}))
	for _, q := range []string{"low", "high"} {
		must(t, db.UpsertRendition(bg, catalog.Rendition{TrackID: "vod", Name: q, Kind: catalog.KindVideo,
			Codecs: "avc1.64000d,mp4a.40.2", Bandwidth: 300_000, Width: 320, Height: 240,
			PlaylistPath: "vod/" + q + "/index.m3u8", Status: catalog.StatusDone}))
	}
	job, err := db.CreateJob(bg, catalog.Job{TrackID: "vod", Rendition: "low", Kind: "segment"})
	must(t, err)
	must(t, db.StartJob(bg, job.ID))
	for i := range 2 {
		must(t, db.UpsertSegment(bg, catalog.Segment{TrackID: "vod", Rendition: "low", Index: i,
			Path: "vod/low/seg" + string(rune('0'+i)) + ".ts", Duration: 2, Bytes: 1000, JobID: job.ID}))
	}
	must(t, db.FinishJob(bg, job.ID, catalog.StatusDone, ""))
	return job.ID
}

// catalogPair opens the fixture's catalog twice: one handle for the
// handler, one standing in for another veza process writing it.
func catalogPair(t *testing.T, fx *fixture) (reader, writer *catalog.DB) {
	t.Helper()
	path := catalog.DefaultPath(fx.root)
	must(t, os.Remove(path)) // the fixture's fake one
	writer, err := catalog.Open(path)
	must(t, err)
	t.Cleanup(func() { writer.Close() })
	reader, err = catalog.OpenExisting(path)
	must(t, err)
	t.Cleanup(func() { reader.Close() })
	return reader, writer
}

func decode[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%v in %s", err, s)
	}
	return v
}

func TestAPI(t *testing.T) {
	fx := newFixture(t)
	reader, writer := catalogPair(t, fx)
	jobID := seedCatalog(t, writer)
	h := newTestHandler(t, Config{Dir: fx.root, Catalog: reader})

	resp := get(t, h, "/api/tracks")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("/api/tracks: %d %v", resp.StatusCode, resp.Header)
	}
	tracks := decode[[]map[string]any](t, body(t, resp))
	if len(tracks) != 1 || tracks[0]["id"] != "vod" || tracks[0]["status"] != "done" || tracks[0]["renditions"] != 2.0 ||
		tracks[0]["master_url"] != "/vod/master.m3u8" || tracks[0]["watch_url"] != "/watch/vod" || tracks[0]["live"] != false {
		t.Errorf("/api/tracks = %v", tracks)
	}

	detail := decode[map[string]any](t, body(t, get(t, h, "/api/tracks/vod")))
	if rs, _ := detail["renditions"].([]any); len(rs) != 2 || detail["master_url"] != "/vod/master.m3u8" {
		t.Errorf("/api/tracks/vod = %v", detail)
	}
	if ps, ok := detail["publications"].([]any); !ok || len(ps) != 0 {
		t.Errorf("/api/tracks/vod publications = %v, want an empty list", detail["publications"])
	}
	ctx := context.Background()
	must(t, writer.SetPublishState(ctx, "vod", "s3://media/vod", catalog.Published, ""))
	must(t, writer.PutPublishedObject(ctx, "vod", "s3://media/vod", catalog.PublishedObject{
		Bucket: "media", Key: "vod/vod/master.m3u8", Kind: "master", Size: 120, ETag: "abc"}))
	type apiPublications struct{ Publications []catalog.Publication }
	pubs := decode[apiPublications](t, body(t, get(t, h, "/api/tracks/vod"))).Publications
	if len(pubs) != 1 || pubs[0].State != catalog.Published || len(pubs[0].Objects) != 1 || pubs[0].Objects[0].ETag != "abc" {
		t.Errorf("/api/tracks/vod publications = %+v", pubs)
	}
	if resp := get(t, h, "/api/tracks/nope"); resp.StatusCode != 404 || !strings.Contains(body(t, resp), "not found") {
		t.Errorf("/api/tracks/nope: %d", resp.StatusCode)
	}

	job := decode[map[string]any](t, body(t, get(t, h, "/api/jobs/"+jobID)))
	var keys []string
	for k := range job {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"completed_at", "created_at", "current_duration", "error", "id", "progress", "segments", "started_at", "status", "track_id"}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("job keys %v, want %v", keys, want)
	}
	segs, _ := job["segments"].([]any)
	if job["status"] != "done" || job["progress"] != 1.0 || len(segs) != 2 {
		t.Fatalf("job = %v", job)
	}
	seg0 := segs[0].(map[string]any)
	if seg0["index"] != 0.0 || seg0["path"] != "vod/low/seg0.ts" || seg0["duration"] != 2.0 || seg0["created_at"] == nil {
		t.Errorf("segment = %v", seg0)
	}
	if resp := get(t, h, "/api/jobs/NOPE"); resp.StatusCode != 404 {
		t.Errorf("/api/jobs/NOPE: %d", resp.StatusCode)
	}
	if resp := get(t, h, "/api/other"); resp.StatusCode != 404 {
		t.Errorf("/api/other: %d", resp.StatusCode)
	}
}

// TestAPIIsLive: rows another process writes show up at the next request.
func TestAPIIsLive(t *testing.T) {
	fx := newFixture(t)
	reader, writer := catalogPair(t, fx)
	seedCatalog(t, writer)
	h := newTestHandler(t, Config{Dir: fx.root, Catalog: reader})
	get(t, h, "/api/tracks") // warm anything that could cache

	must(t, writer.UpsertTrack(bg, catalog.Track{ID: "live", SourcePath: "srt://x", Live: true}))
	must(t, writer.UpsertRendition(bg, catalog.Rendition{TrackID: "live", Name: "audio", Kind: catalog.KindAudio, PlaylistPath: "live/index.m3u8"}))
	job, err := writer.CreateJob(bg, catalog.Job{TrackID: "live", Rendition: "audio", Kind: "live"})
	must(t, err)
	must(t, writer.StartJob(bg, job.ID))
	must(t, writer.UpsertSegment(bg, catalog.Segment{TrackID: "live", Rendition: "audio", Index: 0, Path: "live/seg0.ts", Duration: 2, Bytes: 12, JobID: job.ID}))
	must(t, writer.SetJobProgress(bg, job.ID, 0.25, 2))

	tracks := decode[[]map[string]any](t, body(t, get(t, h, "/api/tracks")))
	if len(tracks) != 2 || tracks[0]["id"] != "live" || tracks[0]["live"] != true || tracks[0]["status"] != "pending" ||
		tracks[0]["master_url"] != "/live/index.m3u8" {
		t.Errorf("tracks after another writer: %v", tracks)
	}
	st := decode[map[string]any](t, body(t, get(t, h, "/api/jobs/"+job.ID)))
	if st["status"] != "encoding" || st["progress"] != 0.25 || st["current_duration"] != 2.0 || st["completed_at"] != nil {
		t.Errorf("running job: %v", st)
	}
	must(t, writer.UpsertSegment(bg, catalog.Segment{TrackID: "live", Rendition: "audio", Index: 1, Path: "live/seg1.ts", Duration: 2, Bytes: 12, JobID: job.ID}))
	must(t, writer.FinishJob(bg, job.ID, catalog.StatusDone, ""))
	st = decode[map[string]any](t, body(t, get(t, h, "/api/jobs/"+job.ID)))
	if segs, _ := st["segments"].([]any); st["status"] != "done" || len(segs) != 2 || st["completed_at"] == nil {
		t.Errorf("finished job: %v", st)
	}
}

func TestNoCatalog(t *testing.T) {
	fx := newFixture(t)
	h := newTestHandler(t, Config{Dir: fx.root})
	for _, p := range []string{"/api/tracks", "/api/tracks/vod", "/api/jobs/x"} {
		if resp := get(t, h, p); resp.StatusCode != 503 || !strings.Contains(body(t, resp), "no catalog") {
			t.Errorf("%s without catalog: %d", p, resp.StatusCode)
		}
	}
	page := body(t, get(t, h, "/"))
	for _, want := range []string{`href="/watch/live"`, `href="/watch/vod"`, `href="/vod/master.m3u8"`, `href="/live/index.m3u8"`, "No catalog"} {
		if !strings.Contains(page, want) {
			t.Errorf("index without catalog lacks %s:\n%s", want, page)
		}
	}
	if strings.Contains(page, "hidden") || strings.Contains(page, "outdir") {
		t.Errorf("index lists folders without playlists:\n%s", page)
	}
}

func TestHealthAndReady(t *testing.T) {
	fx := newFixture(t)
	reader, writer := catalogPair(t, fx)
	seedCatalog(t, writer)
	h := newTestHandler(t, Config{Dir: fx.root, Catalog: reader})
	if resp := get(t, h, "/healthz"); resp.StatusCode != 200 || body(t, resp) != "ok\n" {
		t.Errorf("/healthz %d", resp.StatusCode)
	}
	resp := get(t, h, "/readyz")
	rd := decode[readiness](t, body(t, resp))
	if resp.StatusCode != 200 || !rd.Ready || rd.Checks["catalog"] != "ok" || rd.Checks["ffmpeg"] != "ok" {
		t.Errorf("/readyz %d %+v", resp.StatusCode, rd)
	}

	h2 := newTestHandler(t, Config{Dir: fx.root, Catalog: reader, FFmpeg: filepath.Join(fx.root, "no-ffmpeg")})
	resp = get(t, h2, "/readyz")
	rd = decode[readiness](t, body(t, resp))
	if resp.StatusCode != 503 || rd.Ready || !strings.Contains(rd.Checks["ffmpeg"], "not found") {
		t.Errorf("/readyz without ffmpeg %d %+v", resp.StatusCode, rd)
	}

	broken, err := catalog.OpenExisting(catalog.DefaultPath(fx.root))
	must(t, err)
	broken.Close()
	h3 := newTestHandler(t, Config{Dir: fx.root, Catalog: broken})
	if resp := get(t, h3, "/readyz"); resp.StatusCode != 503 {
		t.Errorf("/readyz with a closed catalog: %d", resp.StatusCode)
	}
}

// TestServeStatusSaysNoPaths: /readyz and /metrics, often open to anyone
// who can connect, name neither the folder, the catalog nor ffmpeg's
// place, healthy or not.
func TestServeStatusSaysNoPaths(t *testing.T) {
	fx := newFixture(t)
	reader, writer := catalogPair(t, fx)
	seedCatalog(t, writer)
	h := newTestHandler(t, Config{Dir: fx.root, Catalog: reader})
	ff, err := exec.LookPath("ffmpeg")
	must(t, err)
	broken, err := catalog.OpenExisting(catalog.DefaultPath(fx.root))
	must(t, err)
	broken.Close()
	hb := newTestHandler(t, Config{Dir: fx.root, Catalog: broken, FFmpeg: filepath.Join(fx.root, "no-ffmpeg")})
	for _, tc := range []struct {
		h    *Handler
		path string
	}{{h, "/readyz"}, {h, "/metrics"}, {hb, "/readyz"}} {
		b := body(t, get(t, tc.h, tc.path))
		for _, p := range []string{fx.root, filepath.Dir(ff), "no-ffmpeg", layout.CatalogName} {
			if strings.Contains(b, p) {
				t.Errorf("%s names %s:\n%s", tc.path, p, b)
			}
		}
	}
}

// TestServeSignStatus: with SignStatus, /readyz and /metrics need a
// signed link; /healthz stays open.
func TestServeSignStatus(t *testing.T) {
	fx := newFixture(t)
	key := []byte("0123456789abcdef")
	h := newTestHandler(t, Config{Dir: fx.root, SignKey: key, SignStatus: true})
	for _, p := range []string{"/readyz", "/metrics"} {
		if resp := get(t, h, p); resp.StatusCode != 403 {
			t.Errorf("unsigned %s: %d", p, resp.StatusCode)
		}
		if resp := get(t, h, h.Signer().URL(p, time.Now().Add(time.Hour))); resp.StatusCode != 200 {
			t.Errorf("signed %s: %d", p, resp.StatusCode)
		}
	}
	if resp := get(t, h, "/healthz"); resp.StatusCode != 200 {
		t.Errorf("/healthz: %d", resp.StatusCode)
	}
	open := newTestHandler(t, Config{Dir: fx.root, SignKey: key})
	if resp := get(t, open, "/metrics"); resp.StatusCode != 200 {
		t.Errorf("/metrics without SignStatus: %d", resp.StatusCode)
	}
}

// TestServeRefusesShortSignKey: a key under MinSignKeyLen bytes is
// refused.
func TestServeRefusesShortSignKey(t *testing.T) {
	if _, err := New(Config{Dir: t.TempDir(), SignKey: []byte("short key")}); err == nil || !strings.Contains(err.Error(), "at least 16") {
		t.Errorf("9-byte key: %v", err)
	}
}

func TestMetrics(t *testing.T) {
	fx := newFixture(t)
	reader, writer := catalogPair(t, fx)
	seedCatalog(t, writer)
	running, err := writer.CreateJob(bg, catalog.Job{TrackID: "vod", Kind: "ladder"})
	must(t, err)
	must(t, writer.StartJob(bg, running.ID))
	h := newTestHandler(t, Config{Dir: fx.root, Catalog: reader})
	for range 3 {
		get(t, h, "/vod/low/index.m3u8")
	}
	get(t, h, "/vod/low/seg1.ts")
	get(t, h, "/vod/low/nope.ts")
	get(t, h, "/api/tracks")
	out := body(t, get(t, h, "/metrics"))
	for _, want := range []string{
		`veza_serve_requests_total{code="200",route="playlist"} 3`,
		`veza_serve_requests_total{code="200",route="media"} 1`,
		`veza_serve_requests_total{code="404",route="media"} 1`,
		`veza_serve_requests_total{code="200",route="api_tracks"} 1`,
		`veza_serve_response_bytes_total{route="media"} 307200`,
		`veza_serve_request_duration_seconds_bucket{route="playlist",le="+Inf"} 3`,
		`veza_catalog_jobs{status="done"} 1`,
		`veza_catalog_jobs{status="encoding"} 1`,
		`veza_catalog_segments 2`,
		`veza_catalog_up 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestPages(t *testing.T) {
	fx := newFixture(t)
	reader, writer := catalogPair(t, fx)
	seedCatalog(t, writer)
	must(t, writer.UpsertTrack(bg, catalog.Track{ID: "gone", SourcePath: "gone.mp4"}))

	h := newTestHandler(t, Config{Dir: fx.root, Catalog: reader})
	page := body(t, get(t, h, "/"))
	for _, want := range []string{`<a href="/watch/vod">vod</a>`, `class="status-done">done`, `<a href="/vod/master.m3u8">playlist</a>`, "no playlist on disk", "0:04"} {
		if !strings.Contains(page, want) {
			t.Errorf("index lacks %s:\n%s", want, page)
		}
	}
	watch := get(t, h, "/watch/vod")
	page = body(t, watch)
	for _, want := range []string{`data-src="/vod/master.m3u8"`, "hls.js player is not available", player.HLSJSSHA256, "avc1.64000d,mp4a.40.2", `<script src="/_veza/watch.js?v=`} {
		if !strings.Contains(page, want) {
			t.Errorf("watch page without player lacks %s:\n%s", want, page)
		}
	}
	if watch.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("watch page type %q", watch.Header.Get("Content-Type"))
	}
	if resp := get(t, h, "/watch/nope"); resp.StatusCode != 404 {
		t.Errorf("/watch/nope: %d", resp.StatusCode)
	}
	if p := body(t, get(t, h, "/watch/gone")); !strings.Contains(p, "No playlist of this track is on disk") {
		t.Errorf("watch page of a track without files:\n%s", p)
	}

	js := []byte("/* fake hls.js */")
	h2 := newTestHandler(t, Config{Dir: fx.root, Catalog: reader, PlayerJS: js})
	page = body(t, get(t, h2, "/watch/vod"))
	if strings.Contains(page, "not available") || !strings.Contains(page, `<script src="/_veza/hls.min.js?v=`) || !strings.Contains(page, "hls.js "+player.HLSJSVersion) {
		t.Errorf("watch page with player:\n%s", page)
	}
	resp := get(t, h2, "/_veza/hls.min.js")
	if b := body(t, resp); b != string(js) || resp.Header.Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Errorf("player script: %q %v", b, resp.Header)
	}
	if resp := get(t, h2, "/_veza/watch.js"); resp.StatusCode != 200 || !strings.Contains(body(t, resp), "bandwidthEstimate") {
		t.Errorf("watch.js: %d", resp.StatusCode)
	}
	if resp := get(t, h, "/_veza/hls.min.js"); resp.StatusCode != 404 {
		t.Errorf("player script without player: %d", resp.StatusCode)
	}
	if resp := do(t, h, "POST", "/"); resp.StatusCode != 405 {
		t.Errorf("POST /: %d", resp.StatusCode)
	}
}
