package catalog

import (
	"errors"
	"math"
	"reflect"
	"testing"
)

func TestQuality(t *testing.T) {
	db := openTest(t)
	seed(t, db)
	qs := []Quality{
		{Rendition: "720p", Scaler: "bicubic", Frames: 250, PSNRMean: 41.2, PSNRP5: 38.1, PSNRMin: 36.9,
			SSIMMean: 0.985, SSIMP5: 0.97, WorstSegment: 3, WorstPSNR: 39.4, Bitrate: 2_400_000},
		{Rendition: "360p", Scaler: "bicubic", Frames: 250, PSNRMean: 33.5, PSNRP5: 31, PSNRMin: 30,
			SSIMMean: 0.93, SSIMP5: 0.91, WorstSegment: 1, WorstPSNR: 32, Bitrate: 700_000},
	}
	must(t, db.PutQuality(ctx, "t", qs))
	got, err := db.Qualities(ctx, "t")
	must(t, err)
	if len(got) != 2 || got[0].Rendition != "360p" || got[0].CreatedAt.IsZero() {
		t.Fatalf("Qualities = %+v", got)
	}
	want := qs[1]
	want.TrackID, want.CreatedAt = "t", got[0].CreatedAt
	if !reflect.DeepEqual(got[0], want) {
		t.Errorf("quality = %+v\nwant      %+v", got[0], want)
	}
	// A new report replaces the old rows.
	must(t, db.PutQuality(ctx, "t", qs[:1]))
	if got, _ := db.Qualities(ctx, "t"); len(got) != 1 || got[0].Rendition != "720p" {
		t.Errorf("after a second report: %+v", got)
	}
	if err := db.PutQuality(ctx, "nope", qs); !errors.Is(err, ErrNotFound) {
		t.Errorf("quality of a missing track: %v, want ErrNotFound", err)
	}
	bad := qs[0]
	bad.PSNRMean = math.Inf(1)
	if err := db.PutQuality(ctx, "t", []Quality{bad}); err == nil {
		t.Error("an infinite PSNR was accepted")
	}
	if got, _ := db.Qualities(ctx, "none"); got == nil || len(got) != 0 {
		t.Errorf("Qualities of a track without a report = %#v, want an empty list", got)
	}
}
