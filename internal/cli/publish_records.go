package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/publish"
	"github.com/veza-media/veza/pkg/recorder"
)

// publishRecords records `veza publish` in the catalog of the folder
// published, when it has one: DIR/veza.db for an output folder, the one
// beside a track folder. Only track folders the catalog knows are
// recorded; a folder some other tool wrote is published all the same.
type publishRecords struct {
	db     *catalog.DB
	rec    *recorder.Recorder
	target string
	// self is the track id of DIR itself ("."), when DIR is a track folder.
	self string
	pubs map[string]*recorder.Publication
	err  error
}

// openPublishRecords finds the catalog of dir; nil when it has none.
func openPublishRecords(dir, target string) *publishRecords {
	root, self := dir, ""
	if _, err := os.Stat(catalog.DefaultPath(dir)); err != nil {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil
		}
		root, self = filepath.Dir(abs), filepath.Base(abs)
	}
	db, err := catalog.OpenExisting(catalog.DefaultPath(root))
	if err != nil {
		return nil
	}
	return &publishRecords{db: db, rec: &recorder.Recorder{DB: db, Root: root}, target: target, self: self, pubs: map[string]*recorder.Publication{}}
}

// event records one object; calls never overlap (publish.Config.OnEvent).
func (r *publishRecords) event(ctx context.Context, e publish.Event) {
	if r == nil || e.DryRun || r.err != nil {
		return
	}
	if e.Action == publish.Deleted {
		// A removed object belonged to whichever track recorded it.
		for _, p := range r.pubs {
			r.keep(p.Object(ctx, e))
		}
		return
	}
	id := e.Track
	switch {
	case r.self != "" && id != ".":
		return // the catalog beside a track folder knows only that track
	case id == ".":
		id = r.self
	}
	p, ok := r.pubs[e.Track]
	if !ok {
		if _, err := r.db.Track(ctx, id); err != nil {
			if !errors.Is(err, catalog.ErrNotFound) {
				r.keep(err)
			}
			r.pubs[e.Track] = nil
			return
		}
		if p, r.err = r.rec.Publishing(ctx, id, r.target, false); r.err != nil {
			return
		}
		r.pubs[e.Track] = p
	}
	if p != nil {
		r.keep(p.Object(ctx, e))
	}
}

func (r *publishRecords) keep(err error) {
	if r.err == nil {
		r.err = err
	}
}

// close records how each track's publish ended and closes the catalog; it
// returns the first catalog error.
func (r *publishRecords) close(ctx context.Context, res *publish.Result) error {
	if r == nil {
		return nil
	}
	defer r.db.Close()
	if res != nil {
		for _, t := range res.Tracks {
			if p := r.pubs[t.Track]; p != nil {
				r.keep(p.Done(ctx, t.Err))
			}
		}
	}
	return r.err
}
