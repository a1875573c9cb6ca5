package queue

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// DefaultMaxSourceBytes is Runner.MaxSourceBytes's default: 64 GiB, more
// than a feature film's mezzanine file.
const DefaultMaxSourceBytes = 64 << 30

// isWebSource says whether a job's source is an http or https URL.
func isWebSource(src string) bool {
	return strings.HasPrefix(src, "https://") || strings.HasPrefix(src, "http://")
}

// redactURL keeps a URL's scheme, host and path: a query or user info may
// hold a signature or a password, which must reach no log, error or state.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "(a URL that does not parse)"
	}
	return u.Scheme + "://" + u.Host + u.EscapedPath()
}

// webVersion is what identifies a version of a web object: its ETag, else
// its Last-Modified date; "" when the server sends neither.
func webVersion(h http.Header) string {
	if etag := h.Get("ETag"); etag != "" {
		return "etag:" + etag
	}
	if lm := h.Get("Last-Modified"); lm != "" {
		return "modified:" + lm
	}
	return ""
}

// SourceVersion asks the server of an http or https source for the
// version of the object (a HEAD request) so that the job's id changes with
// it; other sources return "".
func SourceVersion(ctx context.Context, client *http.Client, src string) (string, error) {
	if !isWebSource(src) {
		return "", nil
	}
	if client == nil {
		client = http.DefaultClient
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, src, nil)
	if err != nil {
		return "", fmt.Errorf("source %s: %w", redactURL(src), errors.Unwrap(err))
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("source %s: %v", redactURL(src), unwrapURLError(err))
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return "", fmt.Errorf("source %s: %s", redactURL(src), resp.Status)
	}
	return webVersion(resp.Header), nil
}

// unwrapURLError drops the *url.Error around a client error: its message
// repeats the whole URL, query included.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// fetchSource downloads the job's web source into dir, at most max bytes,
// and returns the file's path; advanced is called as bytes arrive, so a
// long download keeps the job's delivery alive. A source that is gone, refused, too big or
// not the version submitted gives an error wrapping ErrBadInput; a network
// failure or a server error is worth a retry.
func fetchSource(ctx context.Context, client *http.Client, j Job, dir string, max int64, advanced func()) (string, error) {
	name := redactURL(j.Source)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.Source, nil)
	if err != nil {
		return "", fmt.Errorf("%w: job %s: source %s: %v", ErrBadInput, j.ID, name, errors.Unwrap(err))
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("job %s: source %s: %v", j.ID, name, unwrapURLError(err))
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return "", fmt.Errorf("job %s: source %s: %s", j.ID, name, resp.Status)
	case resp.StatusCode/100 != 2:
		return "", fmt.Errorf("%w: job %s: source %s: %s", ErrBadInput, j.ID, name, resp.Status)
	case resp.ContentLength > max:
		return "", fmt.Errorf("%w: job %s: source %s: %d bytes, more than the %d allowed", ErrBadInput, j.ID, name, resp.ContentLength, max)
	}
	if v := webVersion(resp.Header); j.SourceVersion != "" && v != j.SourceVersion {
		return "", fmt.Errorf("%w: job %s: source %s changed since it was submitted (%s, now %s): submit it again",
			ErrBadInput, j.ID, name, j.SourceVersion, v)
	}
	u, _ := url.Parse(j.Source)
	p := filepath.Join(dir, "source"+path.Ext(u.Path))
	f, err := os.Create(p)
	if err != nil {
		return "", err
	}
	n, err := io.Copy(f, &progressReader{r: io.LimitReader(resp.Body, max+1), advanced: advanced})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		return "", fmt.Errorf("job %s: source %s: %v", j.ID, name, err)
	case n > max:
		return "", fmt.Errorf("%w: job %s: source %s: more than the %d bytes allowed", ErrBadInput, j.ID, name, max)
	}
	return p, nil
}

// progressReader calls advanced after each read that returned bytes.
type progressReader struct {
	r        io.Reader
	advanced func()
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.advanced()
	}
	return n, err
}
