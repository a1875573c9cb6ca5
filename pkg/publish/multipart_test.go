package publish

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// A large file goes up in parts, each with its MD5 and no other checksum;
// the object is the file, and a rerun recognises it by its parts' ETag.
func TestPublishMultipart(t *testing.T) {
	srv := server(t)
	dir := t.TempDir()
	data := make([]byte, 11<<20+12345) // three parts of 5 MiB
	rng := rand.NewChaCha8([32]byte{1})
	rng.Read(data)
	if err := os.WriteFile(filepath.Join(dir, "film.mp4"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	cfg := testConfig(srv, dir, rec)
	cfg.Paths, cfg.MultipartSize, cfg.PartSize = []string{"film.mp4"}, 6<<20, MinPartSize
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	objs := srv.List(t, "media", "vod/film.mp4")
	if res.Uploaded != 1 || len(objs) != 1 || !strings.HasSuffix(objs[0].ETag, "-3") || objs[0].Size != int64(len(data)) {
		t.Fatalf("uploaded %d; bucket %+v", res.Uploaded, objs)
	}
	if ev := rec.events[0]; ev.ETag != objs[0].ETag {
		t.Errorf("event ETag %q, object's %q", ev.ETag, objs[0].ETag)
	}
	out, err := srv.Client().GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("media"), Key: aws.String("vod/film.mp4")})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if md5.Sum(got) != md5.Sum(data) || aws.ToString(out.ContentType) != "video/mp4" {
		t.Errorf("object differs from the file (%d bytes, %s)", len(got), aws.ToString(out.ContentType))
	}
	ups, err := srv.Client().ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String("media")})
	if err != nil || len(ups.Uploads) != 0 {
		t.Errorf("multipart uploads left open: %v %v", ups, err)
	}

	cfg.OnEvent = nil
	if res, err = Run(context.Background(), cfg); err != nil || res.Skipped != 1 || res.Uploaded != 0 {
		t.Errorf("rerun: %+v %v", res, err)
	}
}

func TestMultipartETag(t *testing.T) {
	for _, tt := range []struct {
		size, part int64
		parts      int
	}{{10, 4, 3}, {8, 4, 2}, {3, 4, 1}} {
		data := strings.Repeat("x", int(tt.size))
		etag, err := multipartETag(strings.NewReader(data), tt.size, tt.part)
		if err != nil {
			t.Fatal(err)
		}
		var sums []byte
		for off := 0; off < len(data); off += int(tt.part) {
			s := md5.Sum([]byte(data[off:min(off+int(tt.part), len(data))]))
			sums = append(sums, s[:]...)
		}
		whole := md5.Sum(sums)
		if want := fmt.Sprintf("%s-%d", hex.EncodeToString(whole[:]), tt.parts); etag != want {
			t.Errorf("size %d part %d: %s, want %s", tt.size, tt.part, etag, want)
		}
	}
}
