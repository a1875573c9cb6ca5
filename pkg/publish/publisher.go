package publish

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/veza-media/veza/pkg/hls"
)

// Actions only a Publisher reports.
const (
	// Behind says the upload queue passed Config.Backlog; Event.Backlog is
	// its length. Dropped events for what was given up follow.
	Behind Action = "behind"
	// Dropped is an upload given up: its object left the playlist before
	// it could be sent, or its file was already gone.
	Dropped Action = "dropped"
	// Failed is a request that failed after its last try; Event.Err says
	// why. A playlist naming a failed object is held back until a newer
	// version no longer names it.
	Failed Action = "failed"
)

// DefaultBacklog is Config.Backlog's default: uploads waiting (none in
// flight counted) before a Publisher gives up the ones that left the
// playlist.
const DefaultBacklog = 16

// Publisher uploads the files of a live output one by one as they are
// written, over Config.UploadJobs workers, and keeps the bucket's playlists
// valid: a playlist version goes up only once every object it names is in
// the bucket, versions overtaken by a newer one are never sent, and an
// object is deleted only once the playlist in the bucket no longer names
// it. Put and Delete never wait for the network, so an encoder can call
// them as it writes; Close drains what is queued.
type Publisher struct {
	p *publisher
	// ctx ends the workers' requests when Close gives up.
	ctx    context.Context
	cancel context.CancelFunc
	wake   chan struct{}
	done   chan struct{}

	mu sync.Mutex
	// queue are the files to upload, oldest first.
	queue []string
	// playlists are the newest version of each playlist not yet sent, by
	// path below Config.Dir.
	playlists map[string]*version
	// sent are the versions in the bucket, by path: what they name may not
	// be deleted.
	sent map[string]*version
	// deletes are objects to remove once no sent playlist names them.
	deletes []string
	// busy are the paths being uploaded or deleted, so that one path is
	// never in two requests at once.
	busy    map[string]bool
	running int
	failed  map[string]bool
	events  []Event
	first   error
	closing bool
}

// version is one version of a playlist, read when it was Put.
type version struct {
	rel  string
	data []byte
	kind Kind
	live bool
	refs []string
}

// NewPublisher starts a Publisher of the files below cfg.Dir to
// cfg.Target. cfg.Paths, Delete, DryRun and KeysTo do not apply: a live
// output has no keys. OnEvent is called from one goroutine of the
// Publisher's, never from Put or Delete.
func NewPublisher(ctx context.Context, cfg Config) (*Publisher, error) {
	cfg.defaults()
	if cfg.Backlog <= 0 {
		cfg.Backlog = DefaultBacklog
	}
	target, err := ParseLocation(cfg.Target)
	if err != nil {
		return nil, err
	}
	p := &publisher{cfg: cfg, target: target, res: &Result{}, in: map[object]listed{}, acked: map[object]bool{}}
	if p.store, err = openStore(ctx, &p.cfg); err != nil {
		return nil, err
	}
	pub := &Publisher{p: p, wake: make(chan struct{}, 1), done: make(chan struct{}),
		playlists: map[string]*version{}, sent: map[string]*version{}, busy: map[string]bool{}, failed: map[string]bool{}}
	pub.ctx, pub.cancel = context.WithCancel(context.WithoutCancel(ctx))
	go pub.dispatch()
	return pub, nil
}

// Put queues the upload of the file at path, below Config.Dir. A playlist
// is read at once (the version to publish is the one on disk now); other
// files are read when their turn comes.
func (pub *Publisher) Put(path string) {
	rel, kind, ok := pub.rel(path)
	if !ok {
		return
	}
	pub.mu.Lock()
	defer pub.mu.Unlock()
	if kind != KindPlaylist {
		pub.queue = append(pub.queue, rel)
		pub.signal()
		return
	}
	v, err := readVersion(path, rel)
	if err != nil {
		pub.fail(Event{Key: pub.p.target.key(rel), Kind: kind}, err)
	} else {
		pub.playlists[rel] = v
		// Only now is it known which queued files the playlist no
		// longer names.
		pub.trim()
	}
	pub.signal()
}

// Delete queues the removal of the object of the file at path, below
// Config.Dir, once no playlist in the bucket names it. An upload of it
// still queued is given up.
func (pub *Publisher) Delete(path string) {
	rel, _, ok := pub.rel(path)
	if !ok {
		return
	}
	pub.mu.Lock()
	defer pub.mu.Unlock()
	if i := slices.Index(pub.queue, rel); i >= 0 {
		pub.queue = slices.Delete(pub.queue, i, i+1)
		pub.events = append(pub.events, pub.event(Dropped, rel, 0, ""))
	}
	pub.deletes = append(pub.deletes, rel)
	pub.signal()
}

// Close uploads and deletes what is queued, waiting at most until ctx
// ends, then stops the Publisher. It returns the first request that failed
// after its last try, if any.
func (pub *Publisher) Close(ctx context.Context) error {
	pub.mu.Lock()
	pub.closing = true
	pub.signal()
	pub.mu.Unlock()
	select {
	case <-pub.done:
	case <-ctx.Done():
		pub.cancel()
		<-pub.done
	}
	pub.cancel()
	pub.mu.Lock()
	defer pub.mu.Unlock()
	if pub.first == nil && ctx.Err() != nil {
		return fmt.Errorf("publish to %s: %w", pub.p.target, ctx.Err())
	}
	return pub.first
}

// rel is path relative to Config.Dir with its kind; false for a file
// outside it or one that is never published.
func (pub *Publisher) rel(path string) (string, Kind, bool) {
	r, err := filepath.Rel(pub.p.cfg.Dir, path)
	if err != nil || !filepath.IsLocal(r) {
		return "", "", false
	}
	r = filepath.ToSlash(r)
	k, ok := kindOf(r)
	return r, k, ok && k != KindKey
}

func readVersion(path, rel string) (*version, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	master, media, err := hls.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("playlist %q: %w", path, err)
	}
	v := &version{rel: rel, data: data, kind: KindPlaylist}
	f := &file{rel: rel}
	if master != nil {
		v.kind, f.refs = KindMaster, masterRefs(rel, master)
	} else {
		v.live = !media.EndList && media.Type != hls.TypeVOD
		for _, s := range media.Segments {
			f.addRef(s.URI)
			if s.Map != nil {
				f.addRef(s.Map.URI)
			}
		}
	}
	v.refs = f.refs
	return v, nil
}

// signal wakes the dispatcher; callers hold mu.
func (pub *Publisher) signal() {
	select {
	case pub.wake <- struct{}{}:
	default:
	}
}

// named says whether a playlist still to send, or sent, names rel.
func (pub *Publisher) named(rel string, in map[string]*version) bool {
	for _, v := range in {
		if slices.Contains(v.refs, rel) {
			return true
		}
	}
	return false
}

// trim gives up the queued uploads no playlist names any more once the
// queue is longer than Config.Backlog; callers hold mu.
func (pub *Publisher) trim() {
	if len(pub.queue) <= pub.p.cfg.Backlog {
		return
	}
	pub.events = append(pub.events, Event{Action: Behind, Bucket: pub.p.target.Bucket, Backlog: len(pub.queue), Time: time.Now()})
	keep := pub.queue[:0]
	for _, rel := range pub.queue {
		if pub.named(rel, pub.playlists) {
			keep = append(keep, rel)
			continue
		}
		pub.events = append(pub.events, pub.event(Dropped, rel, 0, ""))
	}
	pub.queue = keep
}

func (pub *Publisher) event(a Action, rel string, size int64, etag string) Event {
	k, _ := kindOf(rel)
	return Event{Action: a, Bucket: pub.p.target.Bucket, Key: pub.p.target.key(rel), Kind: k, Size: size, ETag: etag, Time: time.Now()}
}

// fail records a request that failed; callers hold mu.
func (pub *Publisher) fail(ev Event, err error) {
	ev.Action, ev.Err, ev.Time = Failed, err, time.Now()
	if ev.Bucket == "" {
		ev.Bucket = pub.p.target.Bucket
	}
	pub.events = append(pub.events, ev)
	if pub.first == nil {
		pub.first = err
	}
}

// dispatch starts the requests whose turn has come and reports events, from
// one goroutine, until Close and an empty queue.
func (pub *Publisher) dispatch() {
	defer close(pub.done)
	for {
		pub.mu.Lock()
		pub.start()
		events := pub.events
		pub.events = nil
		idle := pub.running == 0 && len(pub.queue) == 0 && len(pub.playlists) == 0 && len(pub.deletes) == 0
		stop := (pub.closing && idle) || (pub.ctx.Err() != nil && pub.running == 0)
		pub.mu.Unlock()
		for _, ev := range events {
			if pub.p.cfg.OnEvent != nil {
				pub.p.cfg.OnEvent(ev)
			}
		}
		if stop {
			return
		}
		// Once cancelled, only the workers' ends are waited for.
		cancelled := pub.ctx.Done()
		if pub.ctx.Err() != nil {
			cancelled = nil
		}
		select {
		case <-pub.wake:
		case <-cancelled:
		}
	}
}

// start hands work to free workers: uploads first, in order; then each
// playlist whose objects are all in the bucket; then deletions no sent
// playlist stands in the way of. Callers hold mu.
func (pub *Publisher) start() {
	if pub.ctx.Err() != nil {
		return
	}
	free := func() bool { return pub.running < pub.p.cfg.UploadJobs }
	for i := 0; i < len(pub.queue) && free(); {
		rel := pub.queue[i]
		if pub.busy[rel] {
			i++
			continue
		}
		pub.queue = slices.Delete(pub.queue, i, i+1)
		pub.run(rel, func(ctx context.Context) { pub.upload(ctx, rel) })
	}
	for rel, v := range pub.playlists {
		if !free() {
			return
		}
		if pub.busy[rel] || !pub.ready(v) {
			continue
		}
		delete(pub.playlists, rel)
		pub.run(rel, func(ctx context.Context) { pub.sendPlaylist(ctx, v) })
	}
	for i := 0; i < len(pub.deletes) && free(); {
		rel := pub.deletes[i]
		if pub.busy[rel] || pub.named(rel, pub.sent) || pub.named(rel, pub.playlists) {
			i++
			continue
		}
		pub.deletes = slices.Delete(pub.deletes, i, i+1)
		if !pub.p.acked[object{pub.p.target.Bucket, pub.p.target.key(rel)}] {
			continue // never uploaded
		}
		pub.run(rel, func(ctx context.Context) { pub.remove(ctx, rel) })
	}
	if pub.closing {
		// A version that can never go up (it names a failed object) is
		// given up at the end.
		for rel, v := range pub.playlists {
			if !pub.busy[rel] && pub.running == 0 && len(pub.queue) == 0 && !pub.ready(v) {
				delete(pub.playlists, rel)
				pub.fail(pub.event(Failed, rel, 0, ""), fmt.Errorf("playlist s3://%s/%s not uploaded: it names objects that could not be uploaded",
					pub.p.target.Bucket, pub.p.target.key(rel)))
			}
		}
	}
}

// ready says whether every object v names is in the bucket; callers hold
// mu.
func (pub *Publisher) ready(v *version) bool {
	for _, r := range v.refs {
		if !pub.p.acked[object{pub.p.target.Bucket, pub.p.target.key(r)}] {
			return false
		}
	}
	return true
}

// run starts fn for rel on a worker; callers hold mu.
func (pub *Publisher) run(rel string, fn func(context.Context)) {
	pub.busy[rel] = true
	pub.running++
	go func() {
		fn(pub.ctx)
		pub.mu.Lock()
		delete(pub.busy, rel)
		pub.running--
		pub.signal()
		pub.mu.Unlock()
	}()
}

// upload sends the file rel.
func (pub *Publisher) upload(ctx context.Context, rel string) {
	data, err := os.ReadFile(filepath.Join(pub.p.cfg.Dir, filepath.FromSlash(rel)))
	if errors.Is(err, os.ErrNotExist) {
		pub.mu.Lock()
		pub.events = append(pub.events, pub.event(Dropped, rel, 0, ""))
		pub.mu.Unlock()
		return
	}
	k, _ := kindOf(rel)
	pub.put(ctx, rel, data, err, k, false)
}

// sendPlaylist sends one version of a playlist and makes it the one whose
// objects are kept.
func (pub *Publisher) sendPlaylist(ctx context.Context, v *version) {
	if pub.put(ctx, v.rel, v.data, nil, v.kind, v.live) {
		pub.mu.Lock()
		pub.sent[v.rel] = v
		pub.mu.Unlock()
	}
}

// put uploads data (read with readErr) as the object of rel and reports
// it; it says whether the object is in the bucket.
func (pub *Publisher) put(ctx context.Context, rel string, data []byte, readErr error, kind Kind, live bool) bool {
	p := pub.p
	key := p.target.key(rel)
	sum := md5.Sum(data)
	ev := pub.event(Uploaded, rel, int64(len(data)), hex.EncodeToString(sum[:]))
	err := readErr
	if err == nil {
		in := &s3.PutObjectInput{
			Bucket: aws.String(p.target.Bucket), Key: aws.String(key), ContentLength: aws.Int64(int64(len(data))),
			ContentMD5:   aws.String(base64.StdEncoding.EncodeToString(sum[:])),
			ContentType:  aws.String(contentType(rel)),
			CacheControl: aws.String(cacheControl(kind, live, p.cfg.UniqueNames)),
		}
		var n int
		n, err = p.retrying(ctx, func(ctx context.Context) error {
			in.Body = bytes.NewReader(data)
			out, err := p.client.PutObject(ctx, in)
			if err == nil && out.ETag != nil {
				ev.ETag = strings.Trim(*out.ETag, `"`)
			}
			return err
		})
		if err != nil {
			err = p.objectError("upload", "s3://"+p.target.Bucket+"/"+key, n, err)
		}
	}
	pub.mu.Lock()
	defer pub.mu.Unlock()
	if err != nil {
		if ctx.Err() == nil {
			pub.fail(ev, err)
		}
		return false
	}
	p.acked[object{p.target.Bucket, key}] = true
	ev.Time = time.Now()
	pub.events = append(pub.events, ev)
	return true
}

// remove deletes the object of rel.
func (pub *Publisher) remove(ctx context.Context, rel string) {
	p := pub.p
	key := p.target.key(rel)
	n, err := p.retrying(ctx, func(ctx context.Context) error {
		_, err := p.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(p.target.Bucket), Key: aws.String(key)})
		return err
	})
	pub.mu.Lock()
	defer pub.mu.Unlock()
	if err != nil {
		if ctx.Err() == nil {
			pub.fail(pub.event(Failed, rel, 0, ""), p.objectError("delete", "s3://"+p.target.Bucket+"/"+key, n, err))
		}
		return
	}
	delete(p.acked, object{p.target.Bucket, key})
	pub.events = append(pub.events, pub.event(Deleted, rel, 0, ""))
}
