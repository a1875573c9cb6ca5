package ladder

import (
	"context"
	"fmt"

	"github.com/veza-media/veza/pkg/publish"
)

// upload publishes the complete track folder with Config.Publish, reporting
// each object as an Event and recording it, and the publish's state, in
// the catalog.
func (run *runner) upload(ctx context.Context) error {
	if run.cfg.Publish == nil {
		return nil
	}
	pc := *run.cfg.Publish
	pc.Dir, pc.Paths = run.cfg.OutDir, []string{run.trackID}
	pub, err := run.rec.Publishing(ctx, run.trackID, pc.Target, false)
	if err != nil {
		return err
	}
	// OnEvent calls never overlap: recErr needs no lock.
	var recErr error
	pc.OnEvent = func(e publish.Event) {
		if err := pub.Object(ctx, e); err != nil && recErr == nil {
			recErr = err
		}
		run.emit(Event{Object: &e})
	}
	res, err := publish.Run(ctx, pc)
	if err == nil {
		err = recErr
	}
	if derr := pub.Done(context.WithoutCancel(ctx), err); err == nil {
		err = derr
	}
	if err != nil {
		return fmt.Errorf("track %q not published (the output is kept in %s): %w", run.trackID, run.res.Dir, err)
	}
	if len(res.KeyURIs) > 0 {
		run.note(fmt.Sprintf("AES-128 keys were not published; the playlists expect them at %q", res.KeyURIs))
	}
	loc, _ := publish.ParseLocation(pc.Target)
	run.res.Published = loc.String() + "/" + run.trackID
	return nil
}
