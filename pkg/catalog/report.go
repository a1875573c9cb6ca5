package catalog

import "context"

// TrackReport is what the catalog knows of one track: the track with its
// renditions and jobs, its loudness analyses, what ffmpeg reported of a
// damaged source and its thumbnails.
type TrackReport struct {
	*TrackDetail
	// Analyses is empty, not nil, when none was recorded.
	Analyses []Analysis `json:"analyses"`
	// Quality is each video rendition's measured quality (veza report);
	// empty, not nil, when none was measured.
	Quality []Quality `json:"quality"`
	// Damage is nil for a clean source.
	Damage *Damage `json:"source_damage"`
	// Thumbnails are the files of the track's seek-bar thumbnails; empty,
	// not nil, when it has none.
	Thumbnails []Thumbnail `json:"thumbnails"`
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
	ths, err := db.Thumbnails(ctx, id)
	if err != nil {
		return nil, err
	}
	pubs, err := db.Publications(ctx, id)
	if err != nil {
		return nil, err
	}
	return &TrackReport{TrackDetail: d, Analyses: as, Quality: qs, Damage: dmg, Publications: pubs, Thumbnails: ths}, nil
}
