package catalog

import "context"

// TrackReport is what the catalog knows of one track: the track with its
// renditions and jobs, its loudness analyses and what ffmpeg reported of a
// damaged source.
type TrackReport struct {
	*TrackDetail
	// Analyses is empty, not nil, when none was recorded.
	Analyses []Analysis `json:"analyses"`
	// Quality is each video rendition's measured quality (veza report);
	// empty, not nil, when none was measured.
	Quality []Quality `json:"quality"`
	// Damage is nil for a clean source.
	Damage *Damage `json:"source_damage"`
	// Publications are the track's publishes to object storage; empty,
	// not nil, when it was never published.
	Publications []Publication `json:"publications"`
}

// TrackReport returns one track's report, or an error wrapping ErrNotFound.
func (db *DB) TrackReport(ctx context.Context, id string) (*TrackReport, error) {
	d, err := db.Track(ctx, id)
	if err != nil {
		return nil, err
	}
	as, err := db.Analyses(ctx, id)
	if err != nil {
		return nil, err
	}
	if as == nil {
		as = []Analysis{}
	}
	qs, err := db.Qualities(ctx, id)
	if err != nil {
		return nil, err
	}
	if qs == nil {
		qs = []Quality{}
	}
	dmg, err := db.SourceDamage(ctx, id)
	if err != nil {
		return nil, err
	}
	pubs, err := db.Publications(ctx, id)
	if err != nil {
		return nil, err
	}
	return &TrackReport{TrackDetail: d, Analyses: as, Quality: qs, Damage: dmg, Publications: pubs}, nil
}
