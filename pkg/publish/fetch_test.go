package publish

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/veza-media/veza/internal/s3test"
)

func putObject(t *testing.T, srv *s3test.Server, bucket, key string, data []byte) {
	t.Helper()
	_, err := srv.Client().PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
}

func fetchConfig(srv *s3test.Server, endpoint string) FetchConfig {
	if endpoint == "" {
		endpoint = srv.URL
	}
	return FetchConfig{Endpoint: endpoint, PathStyle: true, RetryDelay: 5 * time.Millisecond}
}

func TestFetchAndList(t *testing.T) {
	srv := server(t)
	data := bytes.Repeat([]byte("veza source "), 100_000) // 1.2 MB: several reads
	putObject(t, srv, "media", "in/film one.mkv", data)
	putObject(t, srv, "media", "in/sub/b.wav", []byte("b"))
	putObject(t, srv, "media", "in/", nil) // a folder marker
	putObject(t, srv, "media", "other/c.wav", []byte("c"))

	// Every other request through the proxy is cut after 100 kB: each
	// download resumes where it stopped.
	up, _ := url.Parse(srv.URL)
	rp := httputil.NewSingleHostReverseProxy(up)
	var gets, ranged atomic.Int64
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Query().Has("list-type") {
			rp.ServeHTTP(w, r)
			return
		}
		if r.Header.Get("Range") != "" {
			ranged.Add(1)
		}
		if gets.Add(1)%2 == 1 {
			rp.ServeHTTP(&cutWriter{ResponseWriter: w, left: 100_000}, r)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	defer proxy.Close()

	cfg := fetchConfig(srv, proxy.URL)
	cfg.Dir = t.TempDir()
	var progress []int64
	cfg.OnProgress = func(_ Source, done int64) { progress = append(progress, done) }
	local, src, cleanup, err := Fetch(context.Background(), cfg, "s3://media/in/film one.mkv")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(local)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("copy differs from the object (%d of %d bytes, %v)", len(got), len(data), err)
	}
	if filepath.Base(local) != "film one.mkv" || !strings.HasPrefix(local, cfg.Dir) {
		t.Errorf("local copy %s", local)
	}
	if ranged.Load() == 0 {
		t.Error("a cut download did not resume with a range request")
	}
	if src.Size != int64(len(data)) || !isMD5(src.ETag) || src.URL() != "s3://media/in/film one.mkv" {
		t.Errorf("source %+v", src)
	}
	if !strings.Contains(src.Identity(), src.ETag) || strings.Contains(src.Identity(), cfg.Dir) {
		t.Errorf("identity %q", src.Identity())
	}
	if len(progress) < 2 || progress[len(progress)-1] != src.Size {
		t.Errorf("progress %v", progress)
	}
	cleanup()
	if ents, _ := os.ReadDir(cfg.Dir); len(ents) != 0 {
		t.Errorf("cleanup left %v", ents)
	}

	for _, tt := range []struct {
		url  string
		want []string
	}{
		{"s3://media/in/", []string{"in/film one.mkv", "in/sub/b.wav"}},
		{"s3://media/in", []string{"in/film one.mkv", "in/sub/b.wav"}},
		{"s3://media/in/sub/b.wav", []string{"in/sub/b.wav"}},
		{"s3://media", []string{"in/film one.mkv", "in/sub/b.wav", "other/c.wav"}},
	} {
		srcs, err := List(context.Background(), fetchConfig(srv, ""), tt.url)
		if err != nil {
			t.Fatalf("%s: %v", tt.url, err)
		}
		var keys []string
		for _, s := range srcs {
			keys = append(keys, s.Key)
		}
		if strings.Join(keys, ",") != strings.Join(tt.want, ",") {
			t.Errorf("List(%s) = %q, want %q", tt.url, keys, tt.want)
		}
	}
}

// cutWriter passes on the first left bytes of a body, then drops the
// connection.
type cutWriter struct {
	http.ResponseWriter
	left int
}

func (w *cutWriter) Write(p []byte) (int, error) {
	if len(p) > w.left {
		p = p[:w.left]
	}
	n, _ := w.ResponseWriter.Write(p)
	w.left -= n
	if w.left == 0 {
		panic(http.ErrAbortHandler)
	}
	return n, nil
}

func TestFetchRefusedClearly(t *testing.T) {
	srv := server(t)
	putObject(t, srv, "media", "in/a.wav", []byte("a"))
	for _, tt := range []struct {
		name, url, secret string
		list              bool
		want              error
	}{
		{"missing object", "s3://media/in/nope.wav", srv.SecretKey, false, ErrNoObject},
		{"missing bucket", "s3://nosuchbucket/in/a.wav", srv.SecretKey, false, ErrNoBucket},
		{"wrong secret", "s3://media/in/a.wav", "WRONG" + srv.SecretKey[5:], false, ErrAccessDenied},
		{"unknown access key", "s3://media/in/a.wav", "", false, ErrAccessDenied},
		{"empty prefix", "s3://media/nothing/", srv.SecretKey, true, ErrNoObject},
		{"listing a missing bucket", "s3://nosuchbucket/in/", srv.SecretKey, true, ErrNoBucket},
		{"listing with a wrong secret", "s3://media/in/", "WRONG" + srv.SecretKey[5:], true, ErrAccessDenied},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.secret == "" {
				t.Setenv("AWS_ACCESS_KEY_ID", "VEZAUNKNOWN0000")
			} else {
				t.Setenv("AWS_SECRET_ACCESS_KEY", tt.secret)
			}
			cfg := fetchConfig(srv, "")
			cfg.Dir = t.TempDir()
			var err error
			if tt.list {
				_, err = List(context.Background(), cfg, tt.url)
			} else {
				_, _, _, err = Fetch(context.Background(), cfg, tt.url)
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") || !strings.Contains(msg, strings.TrimSuffix(tt.url, "/")) {
				t.Errorf("%q: want one line naming %s", msg, tt.url)
			}
			for _, secret := range []string{srv.SecretKey, tt.secret, srv.AccessKey} {
				if secret != "" && strings.Contains(msg, secret) {
					t.Errorf("%q holds a credential", msg)
				}
			}
			if ents, _ := os.ReadDir(cfg.Dir); len(ents) != 0 {
				t.Errorf("a failed fetch left %v", ents)
			}
			t.Log(msg)
		})
	}
}
