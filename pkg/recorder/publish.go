package recorder

import (
	"context"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/publish"
)

// Publication records one track's publish to one target (an s3:// URL)
// from the publish's events. Only the target's bucket and prefix and the
// objects' keys, sizes and ETags are recorded: never the endpoint or
// credentials.
type Publication struct {
	rec     *Recorder
	trackID string
	target  string
}

// Publishing records that trackID's publish to target started: live for
// a live window the run keeps in the bucket, otherwise a publish under way
// until Done.
func (r *Recorder) Publishing(ctx context.Context, trackID, target string, live bool) (*Publication, error) {
	loc, err := publish.ParseLocation(target)
	if err != nil {
		return nil, err
	}
	p := &Publication{rec: r, trackID: trackID, target: loc.String()}
	state := catalog.PublishRunning
	if live {
		state = catalog.PublishLive
	}
	if err := r.DB.SetPublishState(ctx, trackID, p.target, state, ""); err != nil {
		return nil, err
	}
	return p, nil
}

// Object records what e says of one object: uploaded or found unchanged,
// it is published; deleted, it is gone. What a dry run would have done,
// and uploads given up or failed, change nothing.
func (p *Publication) Object(ctx context.Context, e publish.Event) error {
	if e.DryRun {
		return nil
	}
	switch e.Action {
	case publish.Deleted:
		return p.rec.DB.DeletePublishedObject(ctx, p.trackID, p.target, e.Bucket, e.Key)
	case publish.Uploaded, publish.Skipped:
	default:
		return nil
	}
	return p.rec.DB.PutPublishedObject(ctx, p.trackID, p.target, catalog.PublishedObject{
		Bucket: e.Bucket, Key: e.Key, Kind: string(e.Kind), Size: e.Size, ETag: e.ETag, PublishedAt: e.Time})
}

// Done records how the publish ended: published, or failed with err's
// message (which pkg/publish scrubs of credentials).
func (p *Publication) Done(ctx context.Context, err error) error {
	if err != nil {
		return p.rec.DB.SetPublishState(ctx, p.trackID, p.target, catalog.PublishFailed, err.Error())
	}
	return p.rec.DB.SetPublishState(ctx, p.trackID, p.target, catalog.Published, "")
}
