package publish

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// object names one object in one bucket.
type object struct{ bucket, key string }

// listed is what a listing said about an object.
type listed struct {
	size int64
	etag string
}

// publisher is one Run's state.
type publisher struct {
	cfg Config
	*store
	// target is where the media goes; keys where the keys go, when
	// keysTo.
	target, keys Location
	keysTo       bool

	mu sync.Mutex
	// in is what the listings at the start found.
	in map[object]listed
	// acked are the objects this run knows to be in the bucket: uploaded,
	// found unchanged, or answered by a HEAD request.
	acked map[object]bool
	res   *Result
}

// Run publishes cfg.Dir to cfg.Target, track by track. Each track's media
// goes first, then its media playlists, then its masters and MPDs, each
// phase only when the one before it completed, and a playlist only when
// every object it names is in the bucket. With cfg.Delete, the objects the
// output no longer has are removed last. The Result is returned even with
// an error; a track that failed has its TrackResult.Err, and Run returns
// the first such error.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg.defaults()
	res := &Result{}
	target, err := ParseLocation(cfg.Target)
	if err != nil {
		return res, err
	}
	p := &publisher{cfg: cfg, target: target, res: res, in: map[object]listed{}, acked: map[object]bool{}}
	if cfg.KeysTo != "" {
		if p.keys, err = ParseLocation(cfg.KeysTo); err != nil {
			return res, err
		}
		p.keysTo = true
	}
	var tracks []*track
	if len(cfg.Paths) > 0 {
		tracks, err = scanPaths(cfg.Dir, cfg.Paths)
	} else {
		tracks, err = scan(cfg.Dir)
	}
	if err != nil {
		return res, err
	}
	if len(tracks) == 0 {
		return res, fmt.Errorf("%s: %w", cfg.Dir, ErrNothingToPublish)
	}
	if p.store, err = openStore(ctx, &p.cfg); err != nil {
		return res, err
	}
	if err := p.list(ctx, p.target); err != nil {
		return res, err
	}
	if p.keysTo {
		if err := p.list(ctx, p.keys); err != nil {
			return res, err
		}
	}
	var first error
	for i, t := range tracks {
		res.Tracks = append(res.Tracks, TrackResult{Track: t.rel})
		if err := p.track(ctx, t, i); err != nil {
			res.Tracks[i].Err = err
			if first == nil {
				first = err
			}
			if ctx.Err() != nil {
				return res, first
			}
		}
		if !p.keysTo {
			for _, u := range t.keyURIs {
				if !slices.Contains(res.KeyURIs, u) {
					res.KeyURIs = append(res.KeyURIs, u)
				}
			}
		}
	}
	if cfg.Delete && len(cfg.Paths) == 0 {
		if err := p.deleteStale(ctx, tracks); err != nil && first == nil {
			first = err
		}
	}
	return res, first
}

// list records the objects under loc.
func (p *publisher) list(ctx context.Context, loc Location) error {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(loc.Bucket)}
	if loc.Prefix != "" {
		in.Prefix = aws.String(loc.Prefix + "/")
	}
	for {
		var out *s3.ListObjectsV2Output
		n, err := p.retrying(ctx, func(ctx context.Context) error {
			var err error
			out, err = p.client.ListObjectsV2(ctx, in)
			return err
		})
		if err != nil {
			return p.objectError("list", loc.String(), n, err)
		}
		for _, o := range out.Contents {
			p.in[object{loc.Bucket, aws.ToString(o.Key)}] = listed{aws.ToInt64(o.Size), strings.Trim(aws.ToString(o.ETag), `"`)}
		}
		if !aws.ToBool(out.IsTruncated) || out.NextContinuationToken == nil {
			return nil
		}
		in.ContinuationToken = out.NextContinuationToken
	}
}

// track publishes one track's three phases; t is Result.Tracks[i].
func (p *publisher) track(ctx context.Context, t *track, i int) error {
	for phase := range 3 {
		var files []*file
		for _, f := range t.files {
			if f.kind.phase() == phase && (f.kind != KindKey || p.keysTo) {
				files = append(files, f)
			}
		}
		err := p.parallel(ctx, len(files), func(ctx context.Context, j int) error {
			return p.publish(ctx, files[j], i)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// parallel runs fn for 0..n-1, Config.UploadJobs at a time, and returns the
// first error; the calls still running are cancelled and no new one starts.
func (p *publisher) parallel(parent context.Context, n int, fn func(context.Context, int) error) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	sem := make(chan struct{}, p.cfg.UploadJobs)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	fail := func(err error) { once.Do(func() { first = err; cancel() }) }
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := fn(ctx, i); err != nil {
				fail(err)
			}
		})
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return parent.Err()
}

// smallFile is the size below which a file is read whole: every playlist,
// most segments. The bytes hashed are then the bytes sent, even if the file
// is rewritten meanwhile.
const smallFile = 8 << 20

// publish uploads f unless the bucket already has it, once the objects it
// names are there; track is its index in Result.Tracks.
func (p *publisher) publish(ctx context.Context, f *file, track int) error {
	loc := p.target
	if f.kind == KindKey {
		loc = p.keys
	}
	obj := object{loc.Bucket, loc.key(f.rel)}
	if err := p.checkRefs(ctx, f, obj); err != nil {
		return err
	}
	body, size, sum, err := open(f.path)
	if err != nil {
		return err
	}
	var n int
	defer body.Close()
	etag := hex.EncodeToString(sum)
	ev := Event{Bucket: obj.bucket, Key: obj.key, Track: p.res.Tracks[track].Track, Kind: f.kind, Size: size, ETag: etag}
	p.mu.Lock()
	have, ok := p.in[obj]
	p.mu.Unlock()
	if ok && have.size == size && strings.Contains(have.etag, "-") {
		// Uploaded in parts by an earlier run: its ETag is the parts'.
		if etag, err = multipartETag(body.(io.ReaderAt), size, p.cfg.PartSize); err != nil {
			return fmt.Errorf("publish %s: %w", f.path, err)
		}
	}
	if ok && have.size == size && have.etag == etag {
		ev.Action, ev.ETag = Skipped, etag
		p.done(ev, obj, track)
		return nil
	}
	ev.Action = Uploaded
	if p.cfg.DryRun {
		ev.DryRun = true
		p.done(ev, obj, track)
		return nil
	}
	in := &s3.PutObjectInput{
		Bucket:       aws.String(obj.bucket),
		Key:          aws.String(obj.key),
		ContentType:  aws.String(contentType(f.rel)),
		CacheControl: aws.String(cacheControl(f.kind, f.live, p.cfg.UniqueNames)),
	}
	ev.ETag, n, err = p.put(ctx, in, body.(io.ReaderAt), size, sum, p.cfg.MultipartSize, p.cfg.PartSize)
	var le *localError
	if errors.As(err, &le) {
		return fmt.Errorf("publish %s: %w", f.path, le.err)
	}
	if err != nil {
		return p.objectError("upload", "s3://"+obj.bucket+"/"+obj.key, n, err)
	}
	p.done(ev, obj, track)
	return nil
}

// done records ev, an object now in the bucket, and reports it.
func (p *publisher) done(ev Event, obj object, track int) {
	ev.Time = time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.acked[obj] = true
	tr := &p.res.Tracks[track]
	if ev.Action == Skipped {
		p.res.Skipped++
		tr.Skipped++
	} else {
		p.res.Uploaded++
		tr.Uploaded++
		p.res.Bytes += ev.Size
		tr.Bytes += ev.Size
	}
	if p.cfg.OnEvent != nil {
		p.cfg.OnEvent(ev)
	}
}

// checkRefs returns an error unless every object f names is in the bucket:
// acknowledged by this run, or answered by a HEAD request.
func (p *publisher) checkRefs(ctx context.Context, f *file, obj object) error {
	for _, r := range f.refs {
		key := p.target.key(r)
		if key = path.Clean(key); key == ".." || strings.HasPrefix(key, "../") {
			return fmt.Errorf("playlist s3://%s/%s not uploaded: it names %q, which leads outside the bucket", obj.bucket, obj.key, r)
		}
		ref := object{p.target.Bucket, key}
		p.mu.Lock()
		ok := p.acked[ref]
		p.mu.Unlock()
		if ok {
			continue
		}
		found, err := p.head(ctx, ref)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("playlist s3://%s/%s not uploaded: it names s3://%s/%s, which is not in the bucket", obj.bucket, obj.key, ref.bucket, ref.key)
		}
		p.mu.Lock()
		p.acked[ref] = true
		p.mu.Unlock()
	}
	return nil
}

// head says whether obj is in the bucket.
func (p *publisher) head(ctx context.Context, obj object) (bool, error) {
	n, err := p.retrying(ctx, func(ctx context.Context) error {
		_, err := p.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(obj.bucket), Key: aws.String(obj.key)})
		return err
	})
	if err != nil {
		if statusOf(err) == 404 {
			return false, nil
		}
		return false, p.objectError("check", "s3://"+obj.bucket+"/"+obj.key, n, err)
	}
	return true, nil
}

// open returns the file at name ready to upload, its size and MD5.
func open(name string) (io.ReadSeekCloser, int64, []byte, error) {
	fh, err := os.Open(name)
	if err != nil {
		return nil, 0, nil, err
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, 0, nil, err
	}
	h := md5.New()
	if st.Size() < smallFile {
		data, err := io.ReadAll(fh)
		fh.Close()
		if err != nil {
			return nil, 0, nil, err
		}
		h.Write(data)
		return nopCloser{bytes.NewReader(data)}, int64(len(data)), h.Sum(nil), nil
	}
	n, err := io.Copy(h, fh)
	if err != nil {
		fh.Close()
		return nil, 0, nil, err
	}
	return fh, n, h.Sum(nil), nil
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// deleteStale removes the objects under the target prefix that no local file
// maps to and no playlist names, except below a track whose publish failed:
// its old playlists may still name them.
func (p *publisher) deleteStale(ctx context.Context, tracks []*track) error {
	local := map[string]bool{}
	var keep []string
	for i, t := range tracks {
		if p.res.Tracks[i].Err != nil {
			if t.rel == "." {
				return nil
			}
			keep = append(keep, p.target.key(t.rel)+"/")
		}
		for _, f := range t.files {
			local[p.target.key(f.rel)] = true
			// What a playlist names stays even when the folder lost
			// it: the playlist in the bucket names it.
			for _, r := range f.refs {
				local[path.Clean(p.target.key(r))] = true
			}
			if p.keysTo && f.kind == KindKey && p.keys.Bucket == p.target.Bucket {
				local[p.keys.key(f.rel)] = true
			}
		}
	}
	prefix := ""
	if p.target.Prefix != "" {
		prefix = p.target.Prefix + "/"
	}
	var stale []object
	for o := range p.in {
		if o.bucket != p.target.Bucket || !strings.HasPrefix(o.key, prefix) || local[o.key] {
			continue
		}
		if !slices.ContainsFunc(keep, func(k string) bool { return strings.HasPrefix(o.key, k) }) {
			stale = append(stale, o)
		}
	}
	slices.SortFunc(stale, func(a, b object) int { return strings.Compare(a.key, b.key) })
	return p.parallel(ctx, len(stale), func(ctx context.Context, i int) error {
		o := stale[i]
		if !p.cfg.DryRun {
			n, err := p.retrying(ctx, func(ctx context.Context) error {
				_, err := p.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(o.bucket), Key: aws.String(o.key)})
				return err
			})
			if err != nil {
				return p.objectError("delete", "s3://"+o.bucket+"/"+o.key, n, err)
			}
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		p.res.Deleted++
		if p.cfg.OnEvent != nil {
			in := p.in[o]
			p.cfg.OnEvent(Event{Action: Deleted, Bucket: o.bucket, Key: o.key, Size: in.size, ETag: in.etag, DryRun: p.cfg.DryRun, Time: time.Now()})
		}
		return nil
	})
}
