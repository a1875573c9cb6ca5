package queue

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/veza-media/veza/pkg/catalog"
)

// webServer serves dir's files with an ETag that the test may change, and
// fails requests for /down with 503.
func webServer(t *testing.T, dir string, etag *string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/down" {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("ETag", *etag)
		http.ServeFile(w, r, filepath.Join(dir, filepath.Base(r.URL.Path)))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestWebSource: a job whose source is an http URL is downloaded and
// built under the track named after the URL's file; its version is
// checked; a missing, too big or changed source is a bad input, a server
// error is not; the URL's query reaches no error.
func TestWebSource(t *testing.T) {
	dir := t.TempDir()
	tones(t, dir, 1)
	etag := `"v1"`
	srv := webServer(t, dir, &etag)
	ctx := context.Background()
	src := srv.URL + "/tone0.wav?sig=SECRET"
	version, err := SourceVersion(ctx, nil, src)
	if err != nil || version != `etag:"v1"` {
		t.Fatalf("SourceVersion: %q, %v", version, err)
	}
	if v, err := SourceVersion(ctx, nil, "/srv/in/a.wav"); v != "" || err != nil {
		t.Errorf("SourceVersion of a path: %q, %v", v, err)
	}
	out := filepath.Join(t.TempDir(), "out")
	j := NewJob(src, out, "", smallLadder, smallOptions)
	if j.WithSourceVersion(version).ID == j.ID {
		t.Error("the source's version does not change the job's id")
	}
	j = j.WithSourceVersion(version)
	if j.SourceName() != srv.URL+"/tone0.wav" {
		t.Errorf("SourceName %q", j.SourceName())
	}
	db, err := catalog.Open(filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := &Runner{Catalog: db}
	got, err := r.Run(ctx, j, func(float64) {})
	if err != nil || got != filepath.Join(out, "tone0") {
		t.Fatalf("run: %q, %v", got, err)
	}
	if _, err := os.Stat(filepath.Join(out, "tone0", "master.m3u8")); err != nil {
		t.Error(err)
	}

	for name, tc := range map[string]struct {
		job     Job
		max     int64
		bad     bool
		message string
	}{
		"missing":   {job: NewJob(srv.URL+"/gone.wav?sig=SECRET", out, "", smallLadder, smallOptions), bad: true, message: "404"},
		"too big":   {job: j, max: 1000, bad: true, message: "more than the 1000"},
		"changed":   {job: j.WithSourceVersion(`etag:"v0"`), bad: true, message: "changed since it was submitted"},
		"server":    {job: NewJob(srv.URL+"/down?sig=SECRET", out, "", smallLadder, smallOptions), message: "503"},
		"not media": {job: NewJob(srv.URL+"/w.db?sig=SECRET", out, "", smallLadder, smallOptions), bad: true, message: "downloaded"},
	} {
		t.Run(name, func(t *testing.T) {
			if name == "not media" {
				os.WriteFile(filepath.Join(dir, "w.db"), []byte("not media at all"), 0o644)
			}
			r := &Runner{Catalog: db, MaxSourceBytes: tc.max, HTTP: &http.Client{Timeout: 30 * time.Second}}
			_, err := r.Run(ctx, tc.job, func(float64) {})
			if err == nil || errors.Is(err, ErrBadInput) != tc.bad || !strings.Contains(err.Error(), tc.message) {
				t.Errorf("error %v, want bad input %v naming %q", err, tc.bad, tc.message)
			}
			if err != nil && strings.Contains(err.Error(), "SECRET") {
				t.Errorf("error holds the URL's query: %v", err)
			}
		})
	}
	if _, err := (&Runner{Catalog: db}).Run(ctx, NewJob("s3://media/in/a.wav", out, "", smallLadder, smallOptions), func(float64) {}); !errors.Is(err, ErrBadInput) {
		t.Errorf("s3 source: %v", err)
	}
}
