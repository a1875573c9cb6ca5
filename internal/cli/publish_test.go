package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/veza-media/veza/internal/s3test"
	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/publish"
)

func TestNewCmdPublishFlags(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		want    PublishOptions
		wantErr bool
	}{
		{args: []string{"out", "s3://media/vod"}, want: PublishOptions{Dir: "out", Target: "s3://media/vod", S3: S3Options{UploadJobs: publish.DefaultUploadJobs}}},
		{
			args: []string{"out/film", "s3://media", "--delete", "--dry-run", "--upload-jobs", "3", "--keys-to", "s3://keys/vod",
				"--s3-endpoint", "http://127.0.0.1:7070", "--s3-path-style"},
			want: PublishOptions{Dir: "out/film", Target: "s3://media", Delete: true, DryRun: true, KeysTo: "s3://keys/vod",
				S3: S3Options{UploadJobs: 3, Endpoint: "http://127.0.0.1:7070", PathStyle: true}},
		},
		{args: []string{"out"}, wantErr: true},
		{args: []string{"out", "media/vod"}, wantErr: true},
		{args: []string{"out", "s3://media/vod", "--keys-to", "/tmp/keys"}, wantErr: true},
		{args: []string{"out", "s3://media/vod", "--upload-jobs", "0"}, wantErr: true},
	} {
		got, err := captureOptions(NewCmdPublish, tt.args...)
		if tt.wantErr {
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Errorf("%q: err %v, want a usage error", tt.args, err)
			}
			continue
		}
		if err != nil || got == nil {
			t.Fatalf("%q: %v", tt.args, err)
		}
		got.IO = nil
		if *got != tt.want {
			t.Errorf("%q: options %+v, want %+v", tt.args, *got, tt.want)
		}
	}
}

func TestPublishCommand(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	srv := s3test.Start(t)
	srv.Env(t)
	srv.CreateBucket(t, "media")
	track := vodFolder(t)
	out := t.TempDir()
	for _, name := range []string{"a", "b"} {
		if err := os.CopyFS(filepath.Join(out, name), os.DirFS(track)); err != nil {
			t.Fatal(err)
		}
	}
	endpoint := []string{"--s3-endpoint", srv.URL, "--s3-path-style"}
	wrong := "WRONG" + srv.SecretKey[5:]
	noSecret := func(streams ...string) {
		t.Helper()
		for _, s := range streams {
			if strings.Contains(s, srv.SecretKey) || strings.Contains(s, wrong) {
				t.Errorf("output holds a secret key: %q", s)
			}
		}
	}

	code, stdout, stderr := verifyRun(t, append([]string{"publish", out, "s3://media/out"}, endpoint...)...)
	if code != 0 || !strings.Contains(stdout, "published s3://media/out: 6 uploaded") {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	code, stdout, stderr = verifyRun(t, append([]string{"publish", out, "s3://media/out"}, endpoint...)...)
	if code != 0 || !strings.Contains(stdout, "0 uploaded (0 B), 6 unchanged") {
		t.Fatalf("rerun: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}

	// One track's playlist names a segment nobody has: that track is
	// withheld, the other published, exit 3.
	if err := os.Remove(filepath.Join(out, "b", "seg1.ts")); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = verifyRun(t, append([]string{"publish", out, "s3://media/fresh"}, endpoint...)...)
	if code != ExitPartial || !strings.Contains(stderr, "veza: track b: playlist s3://media/fresh/b/index.m3u8 not uploaded: it names s3://media/fresh/b/seg1.ts, which is not in the bucket") {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	noSecret(stdout, stderr)

	// A missing bucket and a wrong secret: one clear line each, exit 1.
	code, _, stderr = verifyRun(t, append([]string{"publish", out, "s3://nobucket/vod"}, endpoint...)...)
	if code != ExitFailure || stderr != "veza: list s3://nobucket/vod: bucket does not exist\n" {
		t.Errorf("missing bucket: exit %d, stderr %q", code, stderr)
	}
	t.Setenv("AWS_SECRET_ACCESS_KEY", wrong)
	code, stdout, stderr = verifyRun(t, append([]string{"publish", out, "s3://media/vod"}, endpoint...)...)
	if code != ExitFailure || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "veza: list s3://media/vod: access denied") {
		t.Errorf("wrong secret: exit %d, stderr %q", code, stderr)
	}
	noSecret(stdout, stderr)
}

// veza publish records each track its catalog knows as published.
func TestPublishRecordsInCatalog(t *testing.T) {
	track := vodFolder(t)
	chdir(t, t.TempDir())
	if err := os.CopyFS("out/a", os.DirFS(track)); err != nil {
		t.Fatal(err)
	}
	srv := bucketWithMedia(t)
	endpoint := []string{"--s3-endpoint", srv.URL, "--s3-path-style"}
	if code, _, stderr := verifyRun(t, "catalog", "import", "out"); code != 0 {
		t.Fatalf("import: %d %s", code, stderr)
	}
	if code, _, stderr := verifyRun(t, append([]string{"publish", "out", "s3://media/vod", "--dry-run"}, endpoint...)...); code != 0 {
		t.Fatalf("dry run: %d %s", code, stderr)
	}
	check := func(want int) {
		t.Helper()
		db, err := catalog.Open("out/veza.db")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		pubs, err := db.Publications(context.Background(), "a")
		if err != nil || len(pubs) != want {
			t.Fatalf("publications %+v %v, want %d", pubs, err, want)
		}
		if want == 1 && (pubs[0].State != catalog.Published || pubs[0].Target != "s3://media/vod" || len(pubs[0].Objects) != 3) {
			t.Errorf("publication %+v", pubs[0])
		}
	}
	check(0)
	if code, _, stderr := verifyRun(t, append([]string{"publish", "out", "s3://media/vod"}, endpoint...)...); code != 0 {
		t.Fatalf("publish: %d %s", code, stderr)
	}
	check(1)
	// A track folder is recorded in the catalog beside it.
	if code, _, stderr := verifyRun(t, append([]string{"publish", "out/a", "s3://media/one"}, endpoint...)...); code != 0 {
		t.Fatalf("publish a track: %d %s", code, stderr)
	}
	db, err := catalog.Open("out/veza.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if pubs, _ := db.Publications(context.Background(), "a"); len(pubs) != 2 {
		t.Errorf("after publishing the track folder: %+v", pubs)
	}
}
