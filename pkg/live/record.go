package live

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sync"
	"time"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/publish"
)

// DefaultRecordBackup is Config.RecordBackup's default: a crash loses at
// most this much of the recording.
const DefaultRecordBackup = 10 * time.Minute

// backup copies the raw recording to the bucket while it is written: every
// Config.RecordBackup, the bytes written since the last copy become the
// next part, an object of its own (NAME.part00000, NAME.part00001…), so
// that the parts concatenated are the recording, and a crash loses at most
// one interval. Each part is recorded in the catalog.
type backup struct {
	r    *runner
	cfg  publish.FetchConfig
	base string // s3://bucket/prefix/TRACK/record/NAME

	flushMu sync.Mutex // one copy at a time
	done    int64      // bytes copied
	next    int        // the next part's index

	stopOnce sync.Once
	stop     chan struct{}
	stopped  chan struct{}
}

// recordingStarted records the recording in the catalog and, with
// Config.Publish, starts its backups.
func (r *runner) recordingStarted(ctx context.Context) error {
	if r.cfg.Record == "" {
		return nil
	}
	if err := r.rec.Recording(ctx, catalog.Recording{TrackID: r.cfg.TrackID, Path: r.cfg.Record, StartedAt: time.Now()}); err != nil {
		return err
	}
	if r.cfg.Publish == nil {
		return nil
	}
	loc, err := publish.ParseLocation(r.cfg.Publish.Target)
	if err != nil {
		return err
	}
	b := &backup{r: r, base: loc.String() + "/" + path.Join(r.cfg.TrackID, "record", filepath.Base(r.cfg.Record)),
		cfg: publish.FetchConfig{Endpoint: r.cfg.Publish.Endpoint, PathStyle: r.cfg.Publish.PathStyle,
			Attempts: r.cfg.Publish.Attempts, RetryDelay: r.cfg.Publish.RetryDelay},
		stop: make(chan struct{}), stopped: make(chan struct{})}
	r.backup = b
	go b.loop(context.WithoutCancel(ctx), r.cfg.RecordBackup)
	return nil
}

// recordingEnded stops the backups, copies what is left (after the runs'
// recordings were joined) and records the recording's size and end. The
// caller must not hold mu.
func (r *runner) recordingEnded(ctx context.Context) error {
	if r.cfg.Record == "" {
		return nil
	}
	var err error
	if b := r.backup; b != nil {
		b.halt()
		err = b.flush(ctx)
	}
	var size int64
	if st, serr := os.Stat(r.cfg.Record); serr == nil {
		size = st.Size()
	}
	if rerr := r.rec.Recording(ctx, catalog.Recording{TrackID: r.cfg.TrackID, Path: r.cfg.Record, Bytes: size, EndedAt: time.Now()}); err == nil {
		err = rerr
	}
	return err
}

func (b *backup) loop(ctx context.Context, every time.Duration) {
	defer close(b.stopped)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
			if err := b.flush(ctx); err != nil {
				// The next interval tries again from the same byte.
				b.r.mu.Lock()
				b.r.emit(Warning{Message: "recording backup: " + err.Error()})
				b.r.mu.Unlock()
			}
		}
	}
}

// halt stops the loop and waits for a copy under way.
func (b *backup) halt() {
	b.stopOnce.Do(func() { close(b.stop) })
	<-b.stopped
}

// flush copies the bytes recorded since the last copy as the next part.
func (b *backup) flush(ctx context.Context) error {
	b.flushMu.Lock()
	defer b.flushMu.Unlock()
	b.r.mu.Lock()
	runs := max(b.r.res.Runs, 1)
	b.r.mu.Unlock()
	// The recording so far: each run's file in order (joined into the
	// first when the job ends).
	var rec files
	for n := 1; n <= runs; n++ {
		if st, err := os.Stat(b.r.recordPath(n)); err == nil {
			rec = append(rec, file{b.r.recordPath(n), st.Size()})
		}
	}
	size := rec.size() - b.done
	if size <= 0 {
		return nil
	}
	url := fmt.Sprintf("%s.part%05d", b.base, b.next)
	etag, err := publish.Put(ctx, b.cfg, url, io.NewSectionReader(rec, b.done, size), size, "video/mp2t")
	if err != nil {
		return err
	}
	loc, _ := publish.ParseLocation(url)
	part := catalog.RecordingPart{Index: b.next, Bucket: loc.Bucket, Key: loc.Prefix, Offset: b.done, Size: size, ETag: etag, UploadedAt: time.Now()}
	b.done += size
	b.next++
	b.r.mu.Lock()
	defer b.r.mu.Unlock()
	b.r.keep(b.r.rec.RecordingPart(ctx, b.r.cfg.TrackID, b.r.cfg.Record, part))
	b.r.emit(BucketEvent{Action: string(publish.Uploaded), Bucket: part.Bucket, Key: part.Key, Size: part.Size})
	return nil
}

type file struct {
	path string
	size int64
}

// files reads several files as one, the sizes fixed when listed.
type files []file

func (fs files) size() int64 {
	var n int64
	for _, f := range fs {
		n += f.size
	}
	return n
}

func (fs files) ReadAt(p []byte, off int64) (int, error) {
	read := 0
	for _, f := range fs {
		if off >= f.size {
			off -= f.size
			continue
		}
		fh, err := os.Open(f.path)
		if err != nil {
			return read, err
		}
		n, err := fh.ReadAt(p[read:min(len(p), read+int(f.size-off))], off)
		fh.Close()
		read += n
		if err != nil && err != io.EOF {
			return read, err
		}
		if read == len(p) {
			return read, nil
		}
		off = 0
	}
	return read, io.EOF
}
