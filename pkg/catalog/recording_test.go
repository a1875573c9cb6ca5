package catalog

import (
	"errors"
	"testing"
	"time"
)

func TestRecordings(t *testing.T) {
	db := openTest(t)
	seed(t, db)
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	must(t, db.PutRecording(ctx, Recording{TrackID: "t", Path: "rec/old.ts", StartedAt: start}))
	must(t, db.PutRecordingPart(ctx, "t", "rec/old.ts", RecordingPart{Index: 1, Bucket: "b", Key: "r/old.ts.part00001", Offset: 100, Size: 50, ETag: "e1"}))
	must(t, db.PutRecordingPart(ctx, "t", "rec/old.ts", RecordingPart{Index: 0, Bucket: "b", Key: "r/old.ts.part00000", Size: 100, ETag: "e0"}))
	// Ending keeps the start.
	must(t, db.PutRecording(ctx, Recording{TrackID: "t", Path: "rec/old.ts", Bytes: 150, StartedAt: start.Add(time.Hour), EndedAt: start.Add(time.Minute)}))
	must(t, db.PutRecording(ctx, Recording{TrackID: "t", Path: "rec/live.ts", StartedAt: start.Add(2 * time.Hour)}))

	all, err := db.Recordings(ctx, time.Time{})
	must(t, err)
	if len(all) != 2 || all[0].Path != "rec/old.ts" || !all[0].StartedAt.Equal(start) || all[0].Bytes != 150 ||
		len(all[0].Parts) != 2 || all[0].Parts[0].Key != "r/old.ts.part00000" || all[0].Parts[1].Offset != 100 ||
		!all[1].EndedAt.IsZero() || all[1].Parts == nil {
		t.Fatalf("Recordings = %+v", all)
	}
	old, err := db.Recordings(ctx, start.Add(time.Hour))
	must(t, err)
	if len(old) != 1 || old[0].Path != "rec/old.ts" {
		t.Errorf("ended before an hour after: %+v", old)
	}
	if old, _ := db.Recordings(ctx, start); len(old) != 0 {
		t.Errorf("ended before the start: %+v", old)
	}
	must(t, db.DeleteRecording(ctx, "t", "rec/old.ts"))
	must(t, db.DeleteRecording(ctx, "t", "rec/old.ts"))
	if all, _ := db.Recordings(ctx, time.Time{}); len(all) != 1 {
		t.Errorf("after delete: %+v", all)
	}
	if err := db.PutRecording(ctx, Recording{TrackID: "nope", Path: "x.ts"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown track: %v", err)
	}
	if err := db.PutRecordingPart(ctx, "t", "nope.ts", RecordingPart{Bucket: "b", Key: "k"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown recording: %v", err)
	}
}
