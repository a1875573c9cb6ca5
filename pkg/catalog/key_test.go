package catalog

import (
	"context"
	"errors"
	"testing"
)

func TestKeys(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	if err := db.UpsertTrack(ctx, Track{ID: "song"}); err != nil {
		t.Fatal(err)
	}
	k := func(i, first, last int) Key {
		return Key{TrackID: "song", Index: i, Method: "AES-128", URI: "../key_0000" + string(rune('0'+i)) + ".key",
			Path: "song/key_0000" + string(rune('0'+i)) + ".key", FirstSegment: first, LastSegment: last, Fingerprint: "ab12"}
	}
	if err := db.ReplaceKeys(ctx, "song", []Key{k(0, 0, 2), k(1, 3, 5), k(2, 6, 6)}); err != nil {
		t.Fatal(err)
	}
	for seg, want := range map[int]int{0: 0, 2: 0, 3: 1, 5: 1, 6: 2} {
		got, err := db.KeyFor(ctx, "song", seg)
		if err != nil || got.Index != want || got.URI != k(want, 0, 0).URI || got.CreatedAt.IsZero() {
			t.Errorf("KeyFor(%d) = %+v, %v; want key %d", seg, got, err, want)
		}
	}
	if _, err := db.KeyFor(ctx, "song", 7); !errors.Is(err, ErrNotFound) {
		t.Errorf("segment 7: %v", err)
	}
	// A re-run replaces the whole set.
	if err := db.ReplaceKeys(ctx, "song", []Key{k(0, 0, 6)}); err != nil {
		t.Fatal(err)
	}
	ks, err := db.Keys(ctx, "song")
	if err != nil || len(ks) != 1 || ks[0].LastSegment != 6 {
		t.Errorf("after replace: %+v, %v", ks, err)
	}
	if err := db.ReplaceKeys(ctx, "song", nil); err != nil {
		t.Fatal(err)
	}
	if ks, _ := db.Keys(ctx, "song"); len(ks) != 0 {
		t.Errorf("keys left after clearing: %+v", ks)
	}
	for name, bad := range map[string]Key{
		"method":    {TrackID: "song", Method: "SAMPLE-AES", URI: "u", Path: "p", Fingerprint: "f"},
		"range":     {TrackID: "song", Method: "AES-128", URI: "u", Path: "p", Fingerprint: "f", FirstSegment: 3, LastSegment: 2},
		"no uri":    {TrackID: "song", Method: "AES-128", Path: "p", Fingerprint: "f"},
		"wrong trk": {TrackID: "other", Method: "AES-128", URI: "u", Path: "p", Fingerprint: "f"},
	} {
		if err := db.ReplaceKeys(ctx, "song", []Key{bad}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := db.ReplaceKeys(ctx, "ghost", []Key{{TrackID: "ghost", Method: "AES-128", URI: "u", Path: "p", Fingerprint: "f"}}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown track: %v", err)
	}
}
