package catalog

import (
	"errors"
	"testing"
	"time"
)

func TestPublications(t *testing.T) {
	db := openTest(t)
	seed(t, db)
	const target = "s3://media/vod"
	obj := PublishedObject{Bucket: "media", Key: "vod/t/720p/seg_00000.ts", Kind: "segment", Size: 1200, ETag: "abc",
		PublishedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	if err := db.PutPublishedObject(ctx, "t", target, obj); !errors.Is(err, ErrNotFound) {
		t.Errorf("an object before its publish: %v, want ErrNotFound", err)
	}
	must(t, db.SetPublishState(ctx, "t", target, PublishRunning, ""))
	must(t, db.PutPublishedObject(ctx, "t", target, obj))
	master := PublishedObject{Bucket: "media", Key: "vod/t/master.m3u8", Kind: "master", Size: 300, ETag: "def"}
	must(t, db.PutPublishedObject(ctx, "t", target, master))
	// The same key again replaces the row.
	obj.Size, obj.ETag = 1300, "abd"
	must(t, db.PutPublishedObject(ctx, "t", target, obj))
	must(t, db.SetPublishState(ctx, "t", target, Published, ""))

	got, err := db.Publications(ctx, "t")
	must(t, err)
	if len(got) != 1 || got[0].State != Published || got[0].Target != target || got[0].Bytes != 1600 || len(got[0].Objects) != 2 {
		t.Fatalf("Publications = %+v", got)
	}
	if o := got[0].Objects[0]; o != obj {
		t.Errorf("object %+v, want %+v", o, obj)
	}
	if got[0].Objects[1].PublishedAt.IsZero() {
		t.Error("an object without a time got none")
	}

	must(t, db.DeletePublishedObject(ctx, "t", target, "media", obj.Key))
	must(t, db.SetPublishState(ctx, "t", target, PublishFailed, "upload s3://media/vod/t/master.m3u8: 503"))
	got, err = db.Publications(ctx, "t")
	must(t, err)
	if len(got[0].Objects) != 1 || got[0].State != PublishFailed || got[0].Error == "" {
		t.Errorf("after a delete and a failure: %+v", got)
	}
	if err := db.SetPublishState(ctx, "t", target, "half", ""); err == nil {
		t.Error("an unknown state was accepted")
	}
	if err := db.SetPublishState(ctx, "nope", target, Published, ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("publish of a missing track: %v, want ErrNotFound", err)
	}
	if got, _ := db.Publications(ctx, "none"); got == nil || len(got) != 0 {
		t.Errorf("Publications of a track never published = %#v, want an empty list", got)
	}
}
