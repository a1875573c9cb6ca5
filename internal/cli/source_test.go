package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/veza-media/veza/internal/s3test"
	"github.com/veza-media/veza/pkg/catalog"
)

// bucketWithMedia starts versitygw with a bucket "media" holding the
// files made by makeMedia in dir, under the same relative keys.
func bucketWithMedia(t *testing.T, files ...string) *s3test.Server {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	srv := s3test.Start(t)
	srv.Env(t)
	srv.CreateBucket(t, "media")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		putBytes(t, srv, "media", filepath.ToSlash(f), data)
	}
	return srv
}

func putBytes(t *testing.T, srv *s3test.Server, bucket, key string, data []byte) {
	t.Helper()
	if _, err := srv.Client().PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket),
		Key: aws.String(key), Body: bytes.NewReader(data)}); err != nil {
		t.Fatal(err)
	}
}

// noCopiesLeft fails when a temporary copy of a bucket's object is still
// in dir.
func noCopiesLeft(t *testing.T, dir string) {
	t.Helper()
	if m, _ := filepath.Glob(filepath.Join(dir, ".veza-s3-*")); len(m) > 0 {
		t.Errorf("temporary copies left: %v", m)
	}
}

func TestLadderFromBucket(t *testing.T) {
	chdir(t, t.TempDir())
	makeMedia(t, "in/tone.wav", "-f", "lavfi", "-i", "sine=frequency=440:duration=3")
	srv := bucketWithMedia(t, "in/tone.wav")
	endpoint := []string{"--s3-endpoint", srv.URL, "--s3-path-style"}

	args := append([]string{"ladder", "s3://media/in/tone.wav", "-o", "out", "--ladder", "audio", "--json"}, endpoint...)
	code, stdout, stderr := verifyRun(t, args...)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "fetching s3://media/in/tone.wav") {
		t.Errorf("no word of the download: %q", stderr)
	}
	if _, err := os.Stat("out/tone/master.m3u8"); err != nil {
		t.Fatal(err)
	}
	noCopiesLeft(t, "out")
	db, err := catalog.Open("out/veza.db")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := db.Track(context.Background(), "tone")
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	obj := srv.List(t, "media", "in/tone.wav")[0]
	if want := "s3://media/in/tone.wav#etag=" + obj.ETag + ";size="; !strings.HasPrefix(tr.SourcePath, want) {
		t.Errorf("track source %q, want the object's identity %s…", tr.SourcePath, want)
	}

	// A rerun fetches the object again and finds every rendition current:
	// the copy's path is not part of what decides.
	code, stdout, stderr = verifyRun(t, args...)
	var res []struct {
		UpToDate bool `json:"up_to_date"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &res) != nil || len(res) != 1 || !res[0].UpToDate {
		t.Fatalf("rerun: exit %d, want an up-to-date track\n%s\n%s", code, stdout, stderr)
	}
	noCopiesLeft(t, "out")

	for _, tt := range []struct{ url, want string }{
		{"s3://media/in/nope.wav", "veza: s3://media/in/nope.wav: no such object\n"},
		{"s3://nobucket/in/tone.wav", "veza: fetch s3://nobucket/in/tone.wav: bucket does not exist\n"},
	} {
		code, stdout, stderr = verifyRun(t, append([]string{"ladder", tt.url, "-o", "out"}, endpoint...)...)
		if code != ExitFailure || !strings.HasSuffix(stderr, tt.want) {
			t.Errorf("%s: exit %d, stderr %q, want %q", tt.url, code, stderr, tt.want)
		}
	}
	// An object that is not media: the message names the object.
	putBytes(t, srv, "media", "in/notes.txt", []byte("not media"))
	code, _, stderr = verifyRun(t, append([]string{"ladder", "s3://media/in/notes.txt", "-o", "out"}, endpoint...)...)
	if code != ExitFailure || !strings.Contains(stderr, "\nveza: s3://media/in/notes.txt: probe ") || !strings.Contains(stderr, "not a media file") {
		t.Errorf("not media: exit %d, stderr %q", code, stderr)
	}
	noCopiesLeft(t, "out")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "WRONG"+srv.SecretKey[5:])
	code, _, stderr = verifyRun(t, append([]string{"ladder", "s3://media/in/tone.wav", "-o", "out"}, endpoint...)...)
	if code != ExitFailure || !strings.Contains(stderr, "veza: fetch s3://media/in/tone.wav: access denied") || strings.Contains(stderr, srv.SecretKey[5:]) {
		t.Errorf("wrong secret: exit %d, stderr %q", code, stderr)
	}
	noCopiesLeft(t, "out")
}

func TestTranscodeFromBucketPrefix(t *testing.T) {
	chdir(t, t.TempDir())
	makeMedia(t, "in/a.wav", "-f", "lavfi", "-i", "sine=frequency=440:duration=1")
	makeMedia(t, "in/sub/b.wav", "-f", "lavfi", "-i", "sine=frequency=880:duration=1")
	srv := bucketWithMedia(t, "in/a.wav", "in/sub/b.wav")

	code, stdout, stderr := transcodeRun(t, context.Background(), "", "transcode", "s3://media/in/", "-o", "out",
		"--preset", "aac-128", "--s3-endpoint", srv.URL, "--s3-path-style")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, f := range []string{"out/a.m4a", "out/sub/b.m4a"} {
		if st, err := os.Stat(f); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	noCopiesLeft(t, "out")

	code, _, stderr = transcodeRun(t, context.Background(), "", "transcode", "s3://media/empty/", "-o", "out",
		"--s3-endpoint", srv.URL, "--s3-path-style")
	if code != ExitFailure || stderr != "veza: s3://media/empty: no such object\n" {
		t.Errorf("empty prefix: exit %d, stderr %q", code, stderr)
	}
}

// A catalog is rebuilt from what a bucket holds alone: tracks,
// renditions and segments (sizes from the listing) and the publications.
func TestCatalogImportFromBucket(t *testing.T) {
	track := vodFolder(t)
	chdir(t, t.TempDir())
	for _, name := range []string{"a", "b"} {
		if err := os.CopyFS(filepath.Join("out", name), os.DirFS(track)); err != nil {
			t.Fatal(err)
		}
	}
	srv := bucketWithMedia(t)
	endpoint := []string{"--s3-endpoint", srv.URL, "--s3-path-style"}
	if code, stdout, stderr := verifyRun(t, append([]string{"publish", "out", "s3://media/vod"}, endpoint...)...); code != 0 {
		t.Fatalf("publish: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, stderr := verifyRun(t, append([]string{"catalog", "import", "s3://media/vod", "--catalog", "cat.db"}, endpoint...)...)
	if code != 0 || !strings.Contains(stdout, "imported 2 track(s), 2 rendition(s), 4 segment(s)") {
		t.Fatalf("import: exit %d\n%s\n%s", code, stdout, stderr)
	}
	db, err := catalog.Open("cat.db")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	segs, err := db.Segments(ctx, "a", "index")
	if err != nil || len(segs) != 2 {
		t.Fatalf("segments of a: %v %v", segs, err)
	}
	for _, s := range segs {
		st, err := os.Stat(filepath.Join("out", filepath.FromSlash(s.Path)))
		if err != nil || st.Size() != s.Bytes || s.Duration <= 0 {
			t.Errorf("segment %+v: the local file says %v", s, err)
		}
	}
	tr, err := db.Track(ctx, "a")
	if err != nil || tr.SourcePath != "s3://media/vod/a/index.m3u8" {
		t.Errorf("track a: %+v %v", tr, err)
	}
	pubs, err := db.Publications(ctx, "a")
	if err != nil || len(pubs) != 1 || pubs[0].Target != "s3://media/vod" || pubs[0].State != catalog.Published || len(pubs[0].Objects) != 3 {
		t.Fatalf("publications of a: %+v %v", pubs, err)
	}
	for _, o := range pubs[0].Objects {
		if !strings.HasPrefix(o.Key, "vod/a/") || o.ETag == "" {
			t.Errorf("published object %+v", o)
		}
	}
	db.Close()

	// An object gone from the bucket: its rendition is reported, exit 3.
	if _, err := srv.Client().DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("media"), Key: aws.String("vod/b/seg1.ts")}); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = verifyRun(t, append([]string{"catalog", "import", "s3://media/vod", "--catalog", "cat2.db"}, endpoint...)...)
	if code != ExitPartial || !strings.Contains(stderr, `s3://media/vod/b/index.m3u8: segment "seg1.ts" is missing or empty in the bucket`) {
		t.Errorf("missing object: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = verifyRun(t, append([]string{"catalog", "import", "s3://nobucket/vod", "--catalog", "cat3.db"}, endpoint...)...)
	if code != ExitFailure || stderr != "veza: list s3://nobucket/vod: bucket does not exist\n" {
		t.Errorf("missing bucket: exit %d, stderr %q", code, stderr)
	}
}
