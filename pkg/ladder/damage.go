package ladder

import (
	"context"
	"errors"
	"fmt"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/encode"
)

// ErrDamaged fails a Strict run whose source is damaged.
var ErrDamaged = errors.New("source damaged")

// sawDamage keeps the worst of the processes' damage reports.
func (run *runner) sawDamage(d encode.Damaged) {
	run.mu.Lock()
	defer run.mu.Unlock()
	if run.damage == nil || d.Errors > run.damage.Errors || d.Short && !run.damage.Short {
		run.damage = &d
	}
}

// checkDamage reports and records what the encode found wrong with the
// source (a clean source clears an earlier report). With Config.Strict a
// damaged source fails the run: the renditions just encoded are marked
// error, so nothing is published and the next run encodes them again.
func (run *runner) checkDamage(ctx context.Context, encoded []Rendition) error {
	run.mu.Lock()
	d := run.damage
	run.mu.Unlock()
	bg := context.WithoutCancel(ctx)
	if err := run.rec.Damaged(bg, run.trackID, d); err != nil {
		return err
	}
	if d == nil {
		return nil
	}
	run.res.Damage = d
	run.emit(Event{Encode: *d})
	if !run.cfg.Strict {
		return nil
	}
	for _, r := range encoded {
		_ = run.rec.RenditionStatus(bg, run.trackID, r.Name, catalog.StatusError)
	}
	return fmt.Errorf("%w: %s", ErrDamaged, d)
}

// damageFromCatalog reports, for an up-to-date track, the damage the run
// that encoded it found.
func (run *runner) damageFromCatalog(ctx context.Context) {
	row, err := run.cfg.Catalog.SourceDamage(ctx, run.trackID)
	if err != nil || row == nil {
		return
	}
	d := encode.Damaged{Errors: row.Errors, Short: row.Short, Expected: seconds(row.Expected), Encoded: seconds(row.Encoded)}
	for _, r := range row.Ranges {
		d.Ranges = append(d.Ranges, encode.DamageRange{Start: seconds(r.Start), End: seconds(r.End), Count: r.Count})
	}
	run.res.Damage = &d
	run.emit(Event{Encode: d})
}
