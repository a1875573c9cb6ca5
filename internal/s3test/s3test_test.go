package s3test

import (
	"strings"
	"testing"
)

func TestBinaryMissingSaysHowToInstall(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("GOPATH", t.TempDir())
	_, err := Binary()
	if err == nil || !strings.Contains(err.Error(), "make test") || !strings.Contains(err.Error(), Version) {
		t.Fatalf("err %v: want it to say that make test installs versitygw %s", err, Version)
	}
}

func TestStartServesABucket(t *testing.T) {
	s := Start(t)
	s.CreateBucket(t, "bucket")
	if objs := s.List(t, "bucket", ""); len(objs) != 0 {
		t.Fatalf("new bucket lists %v", objs)
	}
	s.Stop()
	s.Restart()
	if objs := s.List(t, "bucket", ""); len(objs) != 0 {
		t.Fatalf("bucket after restart lists %v", objs)
	}
}
