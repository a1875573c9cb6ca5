package live

import (
	"context"
	"fmt"

	"github.com/veza-media/veza/pkg/publish"
	"github.com/veza-media/veza/pkg/recorder"
)

// uploader keeps a live job's window in object storage (Config.Publish).
type uploader struct {
	pub *publish.Publisher
	rec *recorder.Publication
}

// startUploads starts the Publisher of Config.Publish and records the
// track's publish as live; nil without Config.Publish.
func (r *runner) startUploads(ctx context.Context) (*uploader, error) {
	if r.cfg.Publish == nil {
		return nil, nil
	}
	pc := *r.cfg.Publish
	pc.Dir = r.cfg.OutDir
	u := &uploader{}
	var err error
	if u.rec, err = r.rec.Publishing(ctx, r.cfg.TrackID, pc.Target, true); err != nil {
		return nil, err
	}
	pc.OnEvent = func(e publish.Event) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.keep(u.rec.Object(context.Background(), e))
		ev := BucketEvent{Action: string(e.Action), Bucket: e.Bucket, Key: e.Key, Size: e.Size, Backlog: e.Backlog}
		if e.Err != nil {
			ev.Error = e.Err.Error()
		}
		r.emit(ev)
	}
	if u.pub, err = publish.NewPublisher(ctx, pc); err != nil {
		return nil, fmt.Errorf("live %q: %w", Redact(r.cfg.Input), err)
	}
	return u, nil
}

// put queues the upload of files, in order; nothing without uploads.
func (u *uploader) put(files ...string) {
	if u == nil {
		return
	}
	for _, f := range files {
		u.pub.Put(f)
	}
}

// delete queues the removal of the object of a file deleted on disk.
func (u *uploader) delete(file string) {
	if u != nil {
		u.pub.Delete(file)
	}
}

// close drains the uploads and records how the publish ended. The caller
// must not hold the runner's mu: events still arriving take it.
func (u *uploader) close(ctx context.Context) error {
	if u == nil {
		return nil
	}
	err := u.pub.Close(ctx)
	if rerr := u.rec.Done(ctx, err); err == nil {
		err = rerr
	}
	return err
}
