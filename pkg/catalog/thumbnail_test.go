package catalog

import (
	"errors"
	"reflect"
	"testing"
)

func TestThumbnails(t *testing.T) {
	db := openTest(t)
	seed(t, db)
	ts := []Thumbnail{
		{Path: "t/thumbnails_00002.jpg", Kind: ThumbnailSheet, Bytes: 900, Width: 800, Height: 450, Interval: 5, TileWidth: 160, TileHeight: 90},
		{Path: "t/thumbnails_00001.jpg", Kind: ThumbnailSheet, Bytes: 20000, Width: 800, Height: 450, Interval: 5, TileWidth: 160, TileHeight: 90},
		{Path: "t/thumbnails.vtt", Kind: ThumbnailVTT, Bytes: 300, Interval: 5, TileWidth: 160, TileHeight: 90},
	}
	must(t, db.PutThumbnails(ctx, "t", ts))
	got, err := db.Thumbnails(ctx, "t")
	must(t, err)
	if len(got) != 3 || got[0].Kind != ThumbnailVTT || got[1].Path != "t/thumbnails_00001.jpg" || got[2].CreatedAt.IsZero() {
		t.Fatalf("Thumbnails = %+v", got)
	}
	want := ts[0]
	want.TrackID, want.CreatedAt = "t", got[2].CreatedAt
	if !reflect.DeepEqual(got[2], want) {
		t.Errorf("sheet = %+v\nwant    %+v", got[2], want)
	}
	rep, err := db.TrackReport(ctx, "t")
	must(t, err)
	if len(rep.Thumbnails) != 3 {
		t.Errorf("TrackReport has %d thumbnail files, want 3", len(rep.Thumbnails))
	}
	// Drawing them again replaces the rows; none removes them.
	must(t, db.PutThumbnails(ctx, "t", ts[2:]))
	if got, _ := db.Thumbnails(ctx, "t"); len(got) != 1 {
		t.Errorf("after replacing: %+v", got)
	}
	must(t, db.PutThumbnails(ctx, "t", nil))
	if got, _ := db.Thumbnails(ctx, "t"); got == nil || len(got) != 0 {
		t.Errorf("after removing: %#v, want an empty list", got)
	}
	if err := db.PutThumbnails(ctx, "nope", ts[2:]); !errors.Is(err, ErrNotFound) {
		t.Errorf("thumbnails of a missing track: %v, want ErrNotFound", err)
	}
	for name, bad := range map[string]Thumbnail{
		"kind":     {Path: "a.png", Kind: "image", Interval: 5, TileWidth: 1, TileHeight: 1},
		"interval": {Path: "a.jpg", Kind: ThumbnailSheet, TileWidth: 1, TileHeight: 1},
		"no path":  {Kind: ThumbnailVTT, Interval: 5, TileWidth: 1, TileHeight: 1},
	} {
		if err := db.PutThumbnails(ctx, "t", []Thumbnail{bad}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
