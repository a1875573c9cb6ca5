package publish

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// ErrNoObject is an s3:// URL that names no object, or a prefix with none
// below it.
var ErrNoObject = errors.New("no such object")

// Source is an object a run reads its input from.
type Source struct {
	Bucket, Key string
	// Size is the object's size in bytes and ETag its ETag without quotes.
	Size int64
	ETag string
}

// URL is the object as s3://bucket/key.
func (s Source) URL() string { return "s3://" + s.Bucket + "/" + s.Key }

// Identity names this version of the object: its URL, ETag and size. It
// changes when the object is replaced, never with where a copy of it is
// kept, so it is what resume decisions and catalogs record for an input
// read from a bucket.
func (s Source) Identity() string {
	return fmt.Sprintf("%s#etag=%s;size=%d", s.URL(), s.ETag, s.Size)
}

// FetchConfig is how List, Fetch, Download, Put and Remove reach a
// bucket.
type FetchConfig struct {
	// Endpoint and PathStyle are as in Config; region and credentials
	// come from the SDK's standard chain.
	Endpoint  string
	PathStyle bool
	// Dir is the folder Fetch makes its temporary copies in. It defaults
	// to os.TempDir(); give a folder on a disk with room for the object.
	Dir string
	// Attempts and RetryDelay bound the tries of one request as in Config
	// (5 tries, 200 ms). A download that fails midway resumes where it
	// stopped.
	Attempts   int
	RetryDelay time.Duration
	// OnProgress is called as an object's bytes arrive, with how many of
	// its Size have been written so far. It may be nil.
	OnProgress func(src Source, done int64)
}

func (c FetchConfig) open(ctx context.Context) (*store, error) {
	cfg := Config{Endpoint: c.Endpoint, PathStyle: c.PathStyle, Attempts: c.Attempts, RetryDelay: c.RetryDelay}
	cfg.defaults()
	return openStore(ctx, &cfg)
}

// IsURL says whether s is an s3:// URL, to be read with List or Fetch
// rather than from the local disk.
func IsURL(s string) bool { return strings.HasPrefix(s, "s3://") }

// List returns the objects url names, in key order: the object itself
// when url names one, else every object below url as a folder
// (s3://bucket/in/ and s3://bucket/in list the same keys, in/…). Folder
// markers (keys ending in "/") are left out. A url naming nothing is
// ErrNoObject; a missing bucket ErrNoBucket.
func List(ctx context.Context, cfg FetchConfig, url string) ([]Source, error) {
	loc, err := ParseLocation(url)
	if err != nil {
		return nil, err
	}
	st, err := cfg.open(ctx)
	if err != nil {
		return nil, err
	}
	if loc.Prefix != "" && !strings.HasSuffix(url, "/") {
		src, err := st.stat(ctx, loc.Bucket, loc.Prefix)
		if err == nil {
			return []Source{src}, nil
		}
		if !errors.Is(err, ErrNoObject) {
			return nil, err
		}
	}
	in := &s3.ListObjectsV2Input{Bucket: aws.String(loc.Bucket)}
	if loc.Prefix != "" {
		in.Prefix = aws.String(loc.Prefix + "/")
	}
	var out []Source
	for {
		var page *s3.ListObjectsV2Output
		n, err := st.retrying(ctx, func(ctx context.Context) error {
			var err error
			page, err = st.client.ListObjectsV2(ctx, in)
			return err
		})
		if err != nil {
			return nil, st.objectError("list", loc.String(), n, err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			if strings.HasSuffix(key, "/") {
				continue
			}
			out = append(out, Source{Bucket: loc.Bucket, Key: key, Size: aws.ToInt64(o.Size), ETag: strings.Trim(aws.ToString(o.ETag), `"`)})
		}
		if !aws.ToBool(page.IsTruncated) || page.NextContinuationToken == nil {
			break
		}
		in.ContinuationToken = page.NextContinuationToken
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %w", loc, ErrNoObject)
	}
	return out, nil
}

// Fetch copies the object at url (s3://bucket/key) into a new temporary
// folder below cfg.Dir, under the key's base name, so that what is named
// after the file is named after the object. It returns the copy's path,
// the object it copied and a cleanup that removes the copy and its folder;
// on error nothing is left behind. A missing object is ErrNoObject, a
// missing bucket ErrNoBucket, refused credentials ErrAccessDenied, each in
// a one-line *ObjectError naming the URL.
func Fetch(ctx context.Context, cfg FetchConfig, url string) (localPath string, src Source, cleanup func(), err error) {
	loc, err := ParseLocation(url)
	if err != nil {
		return "", Source{}, nil, err
	}
	if loc.Prefix == "" || strings.HasSuffix(url, "/") {
		return "", Source{}, nil, fmt.Errorf("%q: %w (a folder, not an object)", url, ErrBadTarget)
	}
	st, err := cfg.open(ctx)
	if err != nil {
		return "", Source{}, nil, err
	}
	if src, err = st.stat(ctx, loc.Bucket, loc.Prefix); err != nil {
		return "", Source{}, nil, err
	}
	dir, err := os.MkdirTemp(cfg.Dir, ".veza-s3-")
	if err != nil {
		return "", Source{}, nil, fmt.Errorf("fetch %s: %w", src.URL(), err)
	}
	cleanup = func() { os.RemoveAll(dir) }
	localPath = filepath.Join(dir, baseName(src.Key))
	if err := st.download(ctx, cfg, src, localPath); err != nil {
		cleanup()
		return "", Source{}, nil, err
	}
	return localPath, src, cleanup, nil
}

// Download copies the object src (as List returned it) to the file at
// localPath, creating its folder. The file is complete when Download
// returns nil; on error it is removed.
func Download(ctx context.Context, cfg FetchConfig, src Source, localPath string) error {
	st, err := cfg.open(ctx)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(localPath), 0o755); err != nil {
		return fmt.Errorf("fetch %s: %w", src.URL(), err)
	}
	return st.download(ctx, cfg, src, localPath)
}

// baseName is the last element of key, made safe as a file name.
func baseName(key string) string {
	b := path.Base(key)
	if b == "." || b == "/" || b == ".." {
		return "object"
	}
	return b
}

// stat returns the object at bucket/key; a missing bucket is told apart
// from a missing object (HEAD answers both with a bare 404).
func (st *store) stat(ctx context.Context, bucket, key string) (Source, error) {
	url := "s3://" + bucket + "/" + key
	var out *s3.HeadObjectOutput
	n, err := st.retrying(ctx, func(ctx context.Context) error {
		var err error
		out, err = st.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		return err
	})
	if err == nil {
		return Source{Bucket: bucket, Key: key, Size: aws.ToInt64(out.ContentLength), ETag: strings.Trim(aws.ToString(out.ETag), `"`)}, nil
	}
	if statusOf(err) != http.StatusNotFound {
		return Source{}, st.objectError("fetch", url, n, err)
	}
	// A listing, unlike HEAD, answers with an error code: NoSuchBucket,
	// or the one of refused credentials.
	n, err = st.retrying(ctx, func(ctx context.Context) error {
		_, err := st.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(key), MaxKeys: aws.Int32(1)})
		return err
	})
	if err != nil {
		return Source{}, st.objectError("fetch", url, n, err)
	}
	return Source{}, &ObjectError{Op: "fetch", Location: url, Attempts: 1, Err: ErrNoObject, msg: ErrNoObject.Error()}
}

// download writes src to localPath. A request that fails midway is
// retried from the first byte not yet written; the copy is checked
// against the object's size, and against its MD5 when the ETag is one
// (a single-part upload's).
func (st *store) download(ctx context.Context, cfg FetchConfig, src Source, localPath string) (err error) {
	f, err := os.Create(localPath)
	if err != nil {
		return fmt.Errorf("fetch %s: %w", src.URL(), err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("fetch %s: %w", src.URL(), cerr)
		}
		if err != nil {
			os.Remove(localPath)
		}
	}()
	var sum hash.Hash
	if isMD5(src.ETag) {
		sum = md5.New()
	}
	var done int64
	w := io.Writer(f)
	if sum != nil {
		w = io.MultiWriter(f, sum)
	}
	n, err := st.retrying(ctx, func(ctx context.Context) error {
		in := &s3.GetObjectInput{Bucket: aws.String(src.Bucket), Key: aws.String(src.Key)}
		if done > 0 {
			in.Range = aws.String(fmt.Sprintf("bytes=%d-", done))
		}
		out, err := st.client.GetObject(ctx, in)
		if err != nil {
			return err
		}
		defer out.Body.Close()
		buf := make([]byte, 256<<10)
		for {
			k, rerr := out.Body.Read(buf)
			if k > 0 {
				if _, werr := w.Write(buf[:k]); werr != nil {
					return &localError{werr}
				}
				done += int64(k)
				if cfg.OnProgress != nil {
					cfg.OnProgress(src, done)
				}
			}
			if rerr == io.EOF {
				return nil
			}
			if rerr != nil {
				return &bodyError{rerr}
			}
		}
	})
	var le *localError
	switch {
	case errors.As(err, &le):
		return fmt.Errorf("fetch %s: writing %s: %w", src.URL(), localPath, le.err)
	case err != nil:
		return st.objectError("fetch", src.URL(), n, err)
	case done != src.Size:
		return fmt.Errorf("fetch %s: got %d bytes, the object has %d (replaced while being read?)", src.URL(), done, src.Size)
	case sum != nil && hex.EncodeToString(sum.Sum(nil)) != strings.ToLower(src.ETag):
		return fmt.Errorf("fetch %s: the copy's MD5 differs from the object's ETag (replaced while being read?)", src.URL())
	}
	return nil
}

// bodyError is a response cut short; the request is retried from where
// it stopped.
type bodyError struct{ err error }

func (e *bodyError) Error() string { return e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

// localError is a failure to write the local copy, which no retry of the
// request mends.
type localError struct{ err error }

func (e *localError) Error() string { return e.err.Error() }

// isMD5 says whether an ETag is a single-part upload's, the hex MD5 of
// the object.
func isMD5(etag string) bool {
	if len(etag) != 32 {
		return false
	}
	_, err := hex.DecodeString(etag)
	return err == nil
}

// Remove deletes the objects at urls (s3://bucket/key), one by one; an
// object already gone is no error. It stops at the first that cannot be
// deleted, returning its one-line *ObjectError.
func Remove(ctx context.Context, cfg FetchConfig, urls ...string) error {
	if len(urls) == 0 {
		return nil
	}
	st, err := cfg.open(ctx)
	if err != nil {
		return err
	}
	for _, u := range urls {
		loc, err := ParseLocation(u)
		if err != nil {
			return err
		}
		n, err := st.retrying(ctx, func(ctx context.Context) error {
			_, err := st.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(loc.Bucket), Key: aws.String(loc.Prefix)})
			return err
		})
		if err != nil && statusOf(err) != http.StatusNotFound {
			return st.objectError("delete", u, n, err)
		}
	}
	return nil
}

// Put uploads size bytes of body as the object at url (s3://bucket/key)
// with the given Content-Type, in parts from DefaultMultipartSize, and
// returns its ETag. Live recordings are backed up with it.
func Put(ctx context.Context, cfg FetchConfig, url string, body io.ReaderAt, size int64, contentType string) (string, error) {
	loc, err := ParseLocation(url)
	if err != nil {
		return "", err
	}
	if loc.Prefix == "" {
		return "", fmt.Errorf("%q: %w (no key)", url, ErrBadTarget)
	}
	st, err := cfg.open(ctx)
	if err != nil {
		return "", err
	}
	h := md5.New()
	if _, err := io.Copy(h, io.NewSectionReader(body, 0, size)); err != nil {
		return "", fmt.Errorf("upload %s: %w", url, err)
	}
	in := &s3.PutObjectInput{Bucket: aws.String(loc.Bucket), Key: aws.String(loc.Prefix), ContentType: aws.String(contentType)}
	etag, n, err := st.put(ctx, in, body, size, h.Sum(nil), DefaultMultipartSize, DefaultPartSize)
	var le *localError
	if errors.As(err, &le) {
		return "", fmt.Errorf("upload %s: %w", url, le.err)
	}
	if err != nil {
		return "", st.objectError("upload", url, n, err)
	}
	return etag, nil
}
