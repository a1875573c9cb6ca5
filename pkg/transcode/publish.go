package transcode

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/veza-media/veza/pkg/publish"
	"github.com/veza-media/veza/pkg/recorder"
)

// ObjectPublished reports one object of an output uploaded to (or found
// unchanged in) the bucket, with Config.Publish.
type ObjectPublished struct {
	// Action is "uploaded" or "skipped" (already there, unchanged).
	Action string `json:"action"`
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
	Size   int64  `json:"bytes"`
	ETag   string `json:"etag"`
}

func (ObjectPublished) Type() string { return "object_published" }

// publish uploads it's output, now in place, below Config.Publish's target
// with the key its path below OutDir gives it.
func (b *batch) publish(ctx context.Context, i int, it *Item) error {
	rel, err := filepath.Rel(b.cfg.OutDir, it.Output)
	if err != nil {
		return fmt.Errorf("publish %q: %w", it.Output, err)
	}
	cfg := *b.cfg.Publish
	cfg.Dir, cfg.Paths, cfg.Delete, cfg.DryRun = b.cfg.OutDir, []string{rel}, false, false
	// An HLS output is a track of the catalog: its publish is recorded.
	var rec *recorder.Publication
	if b.cfg.Recorder != nil {
		if rec, err = b.cfg.Recorder.Publishing(ctx, trackID(b.cfg.OutDir, it.Output), cfg.Target, false); err != nil {
			return catalogError(err)
		}
	}
	var recErr error
	cfg.OnEvent = func(e publish.Event) {
		if rec != nil && recErr == nil {
			recErr = rec.Object(context.WithoutCancel(ctx), e)
		}
		b.emit(Event{Job: i + 1, File: it.Input, Data: ObjectPublished{Action: string(e.Action), Bucket: e.Bucket, Key: e.Key, Size: e.Size, ETag: e.ETag}})
	}
	_, err = publish.Run(ctx, cfg)
	if rec != nil {
		if derr := rec.Done(context.WithoutCancel(ctx), err); recErr == nil {
			recErr = derr
		}
	}
	if err != nil {
		return fmt.Errorf("transcode %q: output kept at %s, not published: %w", it.Input, it.Output, err)
	}
	if recErr != nil {
		return catalogError(recErr)
	}
	loc, _ := publish.ParseLocation(cfg.Target)
	it.Published = loc.String() + "/" + filepath.ToSlash(rel)
	return nil
}
