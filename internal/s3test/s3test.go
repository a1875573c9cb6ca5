package s3test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"golang.org/x/sys/unix"
)

// Version is the versitygw release the tests run; scripts/deps.sh installs
// the same one.
const Version = "v1.8.0"

// Region is the region the server and the clients agree on.
const Region = "us-east-1"

// Server is a running versitygw.
type Server struct {
	// URL is the server's endpoint, http://127.0.0.1:PORT.
	URL string
	// AccessKey and SecretKey are the root user's credentials, new for
	// each server.
	AccessKey, SecretKey string

	t    testing.TB
	bin  string
	args []string
	addr string

	mu     sync.Mutex
	cmd    *exec.Cmd
	output *bytes.Buffer
	exited chan struct{}
}

// Binary finds versitygw on PATH or in $(go env GOPATH)/bin, where
// `go install` puts it.
func Binary() (string, error) {
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		out, err := exec.Command("go", "env", "GOPATH").Output()
		if err == nil {
			gopath = strings.TrimSpace(string(out))
		}
	}
	for _, dir := range filepath.SplitList(gopath) {
		p := filepath.Join(dir, "bin", "versitygw")
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", errors.New("versitygw is not on PATH nor in $(go env GOPATH)/bin; `make test` installs it " +
		"(or run: go install github.com/versity/versitygw/cmd/versitygw@" + Version + ")")
}

// Start runs a versitygw for the test, stopped at its cleanup. Its POSIX
// backend lives in t.TempDir(); object metadata goes to extended
// attributes when that file system takes user xattrs, to a sidecar folder
// otherwise.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	data := filepath.Join(root, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, bin: bin, AccessKey: "VEZATEST" + randomHex(6), SecretKey: randomHex(20)}
	s.addr = freeAddr(t)
	s.URL = "http://" + s.addr
	s.args = []string{"--access", s.AccessKey, "--secret", s.SecretKey, "--region", Region, "--port", s.addr, "--quiet", "posix"}
	if !userXattrs(data) {
		side := filepath.Join(root, "meta")
		if err := os.Mkdir(side, 0o755); err != nil {
			t.Fatal(err)
		}
		s.args = append(s.args, "--sidecar", side)
	}
	s.args = append(s.args, data)
	t.Cleanup(s.Stop)
	s.Restart()
	return s
}

// Restart starts the server again, on the same address and folder, after
// Stop; it returns once the server answers.
func (s *Server) Restart() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		s.t.Fatal("s3test: server already running")
	}
	s.output = &bytes.Buffer{}
	cmd := exec.Command(s.bin, s.args...)
	cmd.Stdout, cmd.Stderr = s.output, s.output
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("s3test: start versitygw: %v", err)
	}
	s.cmd, s.exited = cmd, make(chan struct{})
	go func(exited chan struct{}) { cmd.Wait(); close(exited) }(s.exited)
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(s.URL)
		if err == nil {
			resp.Body.Close()
			return
		}
		select {
		case <-s.exited:
			s.t.Fatalf("s3test: versitygw %s exited at start:\n%s", strings.Join(s.redactedArgs(), " "), s.output)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("s3test: versitygw did not answer on %s within 15 s:\n%s", s.addr, s.output)
		}
	}
}

// Stop ends the server; the folder stays, for Restart.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill()
	<-s.exited
	s.cmd = nil
}

// redactedArgs are the server's arguments without its secret.
func (s *Server) redactedArgs() []string {
	out := make([]string, len(s.args))
	for i, a := range s.args {
		out[i] = strings.ReplaceAll(a, s.SecretKey, "***")
	}
	return out
}

// Env points the AWS SDK's standard chain at the server for the rest of
// the test: its credentials and region from the environment, no shared
// config files, no instance metadata lookups. The endpoint is left to
// the caller (Config.Endpoint or --s3-endpoint).
func (s *Server) Env(t testing.TB) {
	none := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           s.AccessKey,
		"AWS_SECRET_ACCESS_KEY":       s.SecretKey,
		"AWS_SESSION_TOKEN":           "",
		"AWS_REGION":                  Region,
		"AWS_DEFAULT_REGION":          Region,
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             none,
		"AWS_SHARED_CREDENTIALS_FILE": none,
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_ENDPOINT_URL":            "",
		"AWS_ENDPOINT_URL_S3":         "",
	} {
		t.Setenv(k, v)
	}
}

// Client is an S3 client for the server, for tests to look at a bucket.
func (s *Server) Client() *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint:               aws.String(s.URL),
		Region:                     Region,
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
}

// CreateBucket makes a bucket.
func (s *Server) CreateBucket(t testing.TB, name string) {
	t.Helper()
	if _, err := s.Client().CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("s3test: create bucket %s: %v", name, err)
	}
}

// Object is one object of a listing.
type Object struct {
	Key          string
	Size         int64
	ETag         string
	LastModified time.Time
}

// List lists every object of a bucket below prefix, in key order.
func (s *Server) List(t testing.TB, bucket, prefix string) []Object {
	t.Helper()
	var out []Object
	p := s3.NewListObjectsV2Paginator(s.Client(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("s3test: list s3://%s/%s: %v", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			out = append(out, Object{Key: aws.ToString(o.Key), Size: aws.ToInt64(o.Size),
				ETag: strings.Trim(aws.ToString(o.ETag), `"`), LastModified: aws.ToTime(o.LastModified)})
		}
	}
	return out
}

// freeAddr returns a loopback address with a port nothing listens on now.
func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// userXattrs says whether files in dir can carry user extended attributes,
// where versitygw's POSIX backend keeps object metadata by default.
func userXattrs(dir string) bool {
	f := filepath.Join(dir, ".xattr-probe")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		return false
	}
	defer os.Remove(f)
	return unix.Setxattr(f, "user.veza.probe", []byte("1"), 0) == nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}

// OpenToBrowsers lets anyone read the bucket's objects without signing
// (a bucket policy) from any web page (a CORS rule), as a CDN origin does,
// so a browser player can load them straight from the server's URL.
func (s *Server) OpenToBrowsers(t testing.TB, bucket string) {
	t.Helper()
	ctx := context.Background()
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",` +
		`"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::` + bucket + `/*"]}]}`
	if _, err := s.Client().PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(policy)}); err != nil {
		t.Fatalf("s3test: bucket policy of %s: %v", bucket, err)
	}
	cors := &types.CORSConfiguration{CORSRules: []types.CORSRule{{
		AllowedMethods: []string{"GET", "HEAD"}, AllowedOrigins: []string{"*"}, AllowedHeaders: []string{"*"},
		ExposeHeaders: []string{"Content-Length", "Content-Range", "ETag"}, MaxAgeSeconds: aws.Int32(60)}}}
	if _, err := s.Client().PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: aws.String(bucket), CORSConfiguration: cors}); err != nil {
		t.Fatalf("s3test: CORS of %s: %v", bucket, err)
	}
}
