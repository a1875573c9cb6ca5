package publish

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/veza-media/veza/internal/s3test"
	"github.com/veza-media/veza/pkg/hls"
)

// recorder keeps the events of a run in the order they came.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) add(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) keys(a Action) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		if e.Action == a {
			out = append(out, e.Key)
		}
	}
	return out
}

// server starts versitygw with a bucket "media" and points the SDK's
// environment at it.
func server(t *testing.T) *s3test.Server {
	t.Helper()
	srv := s3test.Start(t)
	srv.Env(t)
	srv.CreateBucket(t, "media")
	return srv
}

func testConfig(srv *s3test.Server, dir string, rec *recorder) Config {
	return Config{Dir: dir, Target: "s3://media/vod", Endpoint: srv.URL, PathStyle: true,
		RetryDelay: 5 * time.Millisecond, OnEvent: rec.add}
}

// published is what a full publish of the fixture puts in the bucket.
func published(t *testing.T, out string) map[string]string {
	t.Helper()
	want := map[string]string{}
	for _, rel := range localFiles(t, out) {
		if k, ok := kindOf(rel); !ok || k == KindKey {
			continue
		}
		data, err := os.ReadFile(filepath.Join(out, rel))
		if err != nil {
			t.Fatal(err)
		}
		sum := md5.Sum(data)
		want["vod/"+rel] = hex.EncodeToString(sum[:])
	}
	return want
}

// checkBucket compares the bucket below vod/ with want (key → MD5).
func checkBucket(t *testing.T, srv *s3test.Server, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for _, o := range srv.List(t, "media", "vod/") {
		got[o.Key] = o.ETag
	}
	for k, sum := range want {
		if got[k] != sum {
			t.Errorf("%s: ETag %q in the bucket, want %q", k, got[k], sum)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: in the bucket, not expected", k)
		}
	}
}

// checkNoDanglingPlaylist fails if a playlist in the bucket names an object
// the bucket does not have.
func checkNoDanglingPlaylist(t *testing.T, srv *s3test.Server) {
	t.Helper()
	have := map[string]bool{}
	objs := srv.List(t, "media", "")
	for _, o := range objs {
		have[o.Key] = true
	}
	for _, o := range objs {
		if !strings.HasSuffix(o.Key, ".m3u8") {
			continue
		}
		out, err := srv.Client().GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("media"), Key: aws.String(o.Key)})
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		master, media, err := hls.Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", o.Key, err)
		}
		var uris []string
		if master != nil {
			for _, v := range master.Variants {
				uris = append(uris, v.URI)
			}
		} else {
			for _, s := range media.Segments {
				uris = append(uris, s.URI)
				if s.Map != nil {
					uris = append(uris, s.Map.URI)
				}
			}
		}
		for _, u := range uris {
			if k := path.Join(path.Dir(o.Key), u); !have[k] {
				t.Errorf("%s in the bucket names %s, which is not there", o.Key, k)
			}
		}
	}
}

func TestPublishOrderTypesAndRerun(t *testing.T) {
	srv := server(t)
	out := outputFolder(t)
	rec := &recorder{}
	res, err := Run(context.Background(), testConfig(srv, out, rec))
	if err != nil {
		t.Fatal(err)
	}
	want := published(t, out)
	checkBucket(t, srv, want)
	if res.Uploaded != len(want) || res.Skipped != 0 || len(res.Tracks) != 1 || res.Tracks[0].Track != "film" {
		t.Errorf("result %+v, want %d uploads in track film", res, len(want))
	}
	if !slices.Equal(res.KeyURIs, []string{"../key_00000.key"}) {
		t.Errorf("key URIs %q", res.KeyURIs)
	}
	var bytes int64
	for _, e := range rec.events {
		bytes += e.Size
		if e.ETag != want[e.Key] {
			t.Errorf("event %s: ETag %q, want %q", e.Key, e.ETag, want[e.Key])
		}
	}
	if res.Bytes != bytes {
		t.Errorf("result bytes %d, events %d", res.Bytes, bytes)
	}

	// Each playlist came after everything it names; the master last.
	order := map[string]int{}
	for i, k := range rec.keys(Uploaded) {
		order[k] = i
	}
	tracks, err := scan(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range tracks[0].files {
		for _, r := range f.refs {
			if order["vod/"+r] >= order["vod/"+f.rel] {
				t.Errorf("%s uploaded before %s, which it names", f.rel, r)
			}
		}
	}
	if order["vod/film/master.m3u8"] != len(want)-1 {
		t.Errorf("master uploaded at %d of %d", order["vod/film/master.m3u8"], len(want))
	}

	// Content-Type and Cache-Control per kind.
	for key, wantType := range map[string]string{
		"vod/film/master.m3u8":        "application/vnd.apple.mpegurl",
		"vod/film/360p/index.m3u8":    "application/vnd.apple.mpegurl",
		"vod/film/360p/seg_00000.ts":  "video/mp2t",
		"vod/film/180p/seg_00000.m4s": "video/iso.segment",
		"vod/film/180p/init.mp4":      "video/mp4",
	} {
		h, err := srv.Client().HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("media"), Key: aws.String(key)})
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		wantCache := cacheMedia
		if strings.HasSuffix(key, ".m3u8") {
			wantCache = cacheVOD
		}
		if aws.ToString(h.ContentType) != wantType || aws.ToString(h.CacheControl) != wantCache {
			t.Errorf("%s: %q, %q; want %q, %q", key, aws.ToString(h.ContentType), aws.ToString(h.CacheControl), wantType, wantCache)
		}
	}

	// A rerun uploads nothing.
	rec2 := &recorder{}
	res, err = Run(context.Background(), testConfig(srv, out, rec2))
	if err != nil {
		t.Fatal(err)
	}
	if res.Uploaded != 0 || res.Skipped != len(want) || len(rec2.keys(Skipped)) != len(want) {
		t.Errorf("rerun: %d uploaded, %d skipped; want 0 and %d", res.Uploaded, res.Skipped, len(want))
	}

	// A track folder publishes below the prefix as it is.
	res, err = Run(context.Background(), Config{Dir: filepath.Join(out, "film"), Target: "s3://media/one", Endpoint: srv.URL, PathStyle: true})
	if err != nil || res.Uploaded != len(want) || res.Tracks[0].Track != "." {
		t.Fatalf("track folder: %+v, %v", res, err)
	}
	if objs := srv.List(t, "media", "one/master.m3u8"); len(objs) != 1 {
		t.Errorf("one/master.m3u8: %v", objs)
	}
}

func TestPublishKeysTo(t *testing.T) {
	srv := server(t)
	srv.CreateBucket(t, "keys")
	out := outputFolder(t)
	cfg := testConfig(srv, out, &recorder{})
	cfg.KeysTo = "s3://keys/film-keys"
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	checkBucket(t, srv, published(t, out))
	objs := srv.List(t, "keys", "")
	if len(objs) != 1 || objs[0].Key != "film-keys/film/key_00000.key" || len(res.KeyURIs) != 0 {
		t.Fatalf("keys bucket %+v, key URIs %q", objs, res.KeyURIs)
	}
	h, err := srv.Client().HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("keys"), Key: aws.String(objs[0].Key)})
	if err != nil || aws.ToString(h.CacheControl) != cacheKey {
		t.Errorf("key object: %v, %v", h, err)
	}
}

func TestPublishDeleteAndDryRun(t *testing.T) {
	srv := server(t)
	out := outputFolder(t)
	ctx := context.Background()
	if _, err := Run(ctx, testConfig(srv, out, &recorder{})); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"vod/film/360p/seg_00099.ts", "vod/old/master.m3u8", "other/keep.ts"} {
		if _, err := srv.Client().PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("media"), Key: aws.String(k), Body: strings.NewReader("x")}); err != nil {
			t.Fatal(err)
		}
	}
	// The 180p rendition leaves the folder but the master still names
	// its playlist: --delete must keep what a published playlist names.
	if err := os.Remove(filepath.Join(out, "film/180p/seg_00005.m4s")); err != nil {
		t.Fatal(err)
	}

	rec := &recorder{}
	cfg := testConfig(srv, out, rec)
	cfg.Delete, cfg.DryRun = true, true
	res, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	wantDeleted := []string{"vod/film/360p/seg_00099.ts", "vod/old/master.m3u8"}
	if got := rec.keys(Deleted); !equalSets(got, wantDeleted) || res.Deleted != 2 {
		t.Errorf("dry run deletes %q, want %q", got, wantDeleted)
	}
	for _, e := range rec.events {
		if !e.DryRun && e.Action != Skipped {
			t.Errorf("dry run event %+v without DryRun", e)
		}
	}
	if n := len(srv.List(t, "media", "")); n != len(published(t, out))+4 {
		t.Errorf("dry run changed the bucket: %d objects", n)
	}

	rec = &recorder{}
	cfg = testConfig(srv, out, rec)
	cfg.Delete = true
	if _, err := Run(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if got := rec.keys(Deleted); !equalSets(got, wantDeleted) {
		t.Errorf("deleted %q, want %q", got, wantDeleted)
	}
	if len(srv.List(t, "media", "other/")) != 1 {
		t.Error("an object outside the prefix was deleted")
	}
	// The playlist still names seg_00005.m4s, so it stays in the bucket.
	if len(srv.List(t, "media", "vod/film/180p/seg_00005.m4s")) != 1 {
		t.Error("a segment a published playlist names was deleted")
	}
	checkNoDanglingPlaylist(t, srv)
}

func equalSets(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestPublishRetriesThrottling(t *testing.T) {
	srv := server(t)
	up, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	var n, refused atomic.Int64
	rp := httputil.NewSingleHostReverseProxy(up)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%5 == 0 {
			refused.Add(1)
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`))
			return
		}
		rp.ServeHTTP(w, r)
	}))
	defer proxy.Close()

	out := outputFolder(t)
	cfg := testConfig(srv, out, &recorder{})
	cfg.Endpoint = proxy.URL
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := published(t, out)
	checkBucket(t, srv, want)
	if refused.Load() == 0 || res.Uploaded != len(want) {
		t.Errorf("%d requests refused, %d uploaded of %d", refused.Load(), res.Uploaded, len(want))
	}
}

func TestPublishServerStoppedMidway(t *testing.T) {
	srv := server(t)
	out := outputFolder(t)
	rec := &recorder{}
	cfg := testConfig(srv, out, nil)
	cfg.Attempts = 3
	var stopped sync.Once
	cfg.OnEvent = func(e Event) {
		rec.add(e)
		if len(rec.keys(Uploaded)) == 5 {
			stopped.Do(srv.Stop)
		}
	}
	_, err := Run(context.Background(), cfg)
	if err == nil {
		t.Fatal("publish succeeded with the server stopped")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "s3://media/vod/film/") || !strings.Contains(msg, "connection refused") {
		t.Errorf("error %q: want one line naming the object and the cause", msg)
	}
	t.Log(msg)
	srv.Restart()
	if objs := srv.List(t, "media", "vod/film/master.m3u8"); len(objs) != 0 {
		t.Error("master.m3u8 published by a failed run")
	}
	checkNoDanglingPlaylist(t, srv)

	res, err := Run(context.Background(), testConfig(srv, out, &recorder{}))
	if err != nil {
		t.Fatal(err)
	}
	want := published(t, out)
	checkBucket(t, srv, want)
	if res.Skipped < 5 || res.Uploaded+res.Skipped != len(want) {
		t.Errorf("rerun: %d uploaded, %d skipped of %d", res.Uploaded, res.Skipped, len(want))
	}
}

func TestPublishRefusedClearly(t *testing.T) {
	srv := server(t)
	out := outputFolder(t)
	for _, tt := range []struct {
		name   string
		target string
		secret string
		want   error
	}{
		{"missing bucket", "s3://nosuchbucket/vod", srv.SecretKey, ErrNoBucket},
		{"wrong secret", "s3://media/vod", "WRONG" + srv.SecretKey[5:], ErrAccessDenied},
		{"unknown access key", "s3://media/vod", "", ErrAccessDenied},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.secret == "" {
				t.Setenv("AWS_ACCESS_KEY_ID", "VEZAUNKNOWN0000")
			} else {
				t.Setenv("AWS_SECRET_ACCESS_KEY", tt.secret)
			}
			rec := &recorder{}
			cfg := testConfig(srv, out, rec)
			cfg.Target = tt.target
			_, err := Run(context.Background(), cfg)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") || !strings.Contains(msg, strings.TrimSuffix(tt.target, "/vod")) {
				t.Errorf("%q: want one line naming the bucket", msg)
			}
			for _, secret := range []string{srv.SecretKey, tt.secret, srv.AccessKey, "VEZAUNKNOWN0000"} {
				if secret != "" && strings.Contains(msg, secret) {
					t.Errorf("%q holds a credential", msg)
				}
			}
			if len(rec.events) != 0 {
				t.Errorf("events %v", rec.events)
			}
			t.Log(msg)
		})
	}
}
