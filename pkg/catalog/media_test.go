package catalog

import (
	"context"
	"errors"
	"testing"
)

func TestPutMedia(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	must(t, db.UpsertTrack(ctx, Track{ID: "t"}))
	ms := []Media{
		{Rendition: "subs_de", Type: "subtitles", GroupID: "subs", Language: "de", Name: "Deutsch", Forced: true, PlaylistPath: "t/subs_de/index.m3u8"},
		{Rendition: "audio_en", Type: "audio", GroupID: "audio", Language: "en", Name: "English", Default: true, Channels: 2, PlaylistPath: "t/audio_en/index.m3u8"},
	}
	nc := []NotCarried{{Stream: 4, Type: "subtitle", Codec: "hdmv_pgs_subtitle", Language: "en", Reason: "bitmap"},
		{Stream: -1, File: "x.srt", Type: "subtitle", Codec: "subrip", Language: "und", Reason: "not asked for"}}
	must(t, db.PutMedia(ctx, "t", ms, nc))
	gotM, gotN, err := db.TrackMedia(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	if len(gotM) != 2 || gotM[0].Rendition != "audio_en" || !gotM[0].Default || gotM[0].Channels != 2 || gotM[0].TrackID != "t" ||
		gotM[1].Rendition != "subs_de" || !gotM[1].Forced {
		t.Errorf("media = %+v", gotM)
	}
	if len(gotN) != 2 || gotN[0].Stream != -1 || gotN[0].File != "x.srt" || gotN[1].Codec != "hdmv_pgs_subtitle" {
		t.Errorf("not carried = %+v", gotN)
	}
	// A new run replaces the rows.
	must(t, db.PutMedia(ctx, "t", nil, nil))
	if gotM, gotN, _ = db.TrackMedia(ctx, "t"); len(gotM) != 0 || len(gotN) != 0 {
		t.Errorf("after replacing: %+v %+v", gotM, gotN)
	}
	if err := db.PutMedia(ctx, "nope", ms, nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown track: %v", err)
	}
	if err := db.PutMedia(ctx, "t", []Media{{Rendition: "x", Type: "video"}}, nil); err == nil {
		t.Error("a video media row was accepted")
	}
}
