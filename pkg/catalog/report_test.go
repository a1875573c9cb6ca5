package catalog

import (
	"context"
	"errors"
	"testing"
)

func TestTrackReport(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	if _, err := db.TrackReport(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing track: err = %v", err)
	}
	if err := db.UpsertTrack(ctx, Track{ID: "song", SourcePath: "song.wav"}); err != nil {
		t.Fatal(err)
	}
	rep, err := db.TrackReport(ctx, "song")
	if err != nil {
		t.Fatal(err)
	}
	if rep.ID != "song" || rep.Analyses == nil || len(rep.Analyses) != 0 || rep.Damage != nil {
		t.Errorf("report %+v", rep)
	}
}
