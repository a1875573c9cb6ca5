package catalog

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestTracks(t *testing.T) {
	db := openTest(t)
	ts, err := db.Tracks(ctx)
	must(t, err)
	if len(ts) != 0 {
		t.Fatalf("empty catalog lists %d tracks", len(ts))
	}

	seed(t, db)                                                                          // t: 720p + audio, both pending; ticks 0–2
	must(t, db.UpsertTrack(ctx, Track{ID: "b-live", SourcePath: "srt://x", Live: true})) // tick 3
	must(t, db.UpsertTrack(ctx, Track{ID: "c-empty"}))                                   // tick 4
	must(t, db.UpsertRendition(ctx, Rendition{TrackID: "b-live", Name: "low", Kind: KindAudio, Status: StatusEncoding}))
	// 720p: 3 segments of 4+4+2 s; audio: 2 segments of 4+4 s — the
	// track's duration is the longest rendition's, its size the sum.
	must(t, db.UpsertSegments(ctx, []Segment{
		seg("720p", 0, 4), seg("720p", 1, 4), seg("720p", 2, 2),
		seg("audio", 0, 4), seg("audio", 1, 4),
		{TrackID: "b-live", Rendition: "low", Index: 7, Path: "l7.ts", Duration: 2, Bytes: 10},
		{TrackID: "b-live", Rendition: "low", Index: 8, Path: "l8.ts", Duration: 2, Bytes: 20},
	}))
	must(t, db.MarkSegmentRemoved(ctx, "b-live", "low", 7))
	must(t, db.SetRenditionStatus(ctx, "t", "720p", StatusDone))

	ts, err = db.Tracks(ctx)
	must(t, err)
	want := []TrackSummary{
		{ID: "b-live", SourcePath: "srt://x", Status: StatusEncoding, Renditions: 1, Segments: 1, Duration: 2, Bytes: 20, Live: true, CreatedAt: t0.Add(3 * time.Second)},
		{ID: "c-empty", Status: StatusPending, CreatedAt: t0.Add(4 * time.Second)},
		{ID: "t", SourcePath: "t.mp4", Status: StatusPending, Renditions: 2, Segments: 5, Duration: 10, Bytes: 1000 + 1001 + 1002 + 1000 + 1001, CreatedAt: t0},
	}
	if !reflect.DeepEqual(ts, want) {
		t.Errorf("tracks =\n%+v\nwant\n%+v", ts, want)
	}
	must(t, db.SetRenditionStatus(ctx, "t", "audio", StatusDone))
	ts, err = db.Tracks(ctx)
	must(t, err)
	if ts[2].Status != StatusDone {
		t.Errorf("all renditions done: track status %s", ts[2].Status)
	}
}

func TestTrackDetail(t *testing.T) {
	db := openTest(t)
	seed(t, db)                                                                                                                       // ticks 0–2
	must(t, db.UpsertRendition(ctx, Rendition{TrackID: "t", Name: "360p", Kind: KindVideo, Bandwidth: 800_000, Status: StatusError})) // tick 3
	j1, err := db.CreateJob(ctx, Job{TrackID: "t", Rendition: "720p", Kind: "segment"})                                               // tick 4
	must(t, err)
	j2, err := db.CreateJob(ctx, Job{TrackID: "t", Kind: "ladder"}) // tick 5
	must(t, err)
	must(t, db.UpsertSegments(ctx, []Segment{seg("720p", 0, 4), seg("720p", 1, 1.5)}))

	d, err := db.Track(ctx, "t")
	must(t, err)
	if d.ID != "t" || d.SourcePath != "t.mp4" || d.Status != StatusError {
		t.Errorf("track = %+v (status %s)", d.Track, d.Status)
	}
	var names []string
	for _, r := range d.Renditions {
		names = append(names, r.Name)
	}
	// Video first, highest bandwidth first, audio last.
	if want := []string{"720p", "360p", "audio"}; !reflect.DeepEqual(names, want) {
		t.Errorf("renditions %v, want %v", names, want)
	}
	if r := d.Renditions[0]; r.Segments != 2 || r.Duration != 5.5 || r.Bytes != 2001 {
		t.Errorf("720p totals: %d segments, %v s, %d bytes", r.Segments, r.Duration, r.Bytes)
	}
	if len(d.Jobs) != 2 || d.Jobs[0].ID != j2.ID || d.Jobs[1].ID != j1.ID {
		t.Errorf("jobs %+v, want newest first", d.Jobs)
	}

	_, err = db.Track(ctx, "nope")
	if !errors.Is(err, ErrNotFound) || err.Error() != `track "nope": not found` {
		t.Errorf("missing track: %v", err)
	}

	// An empty track gives empty lists, not nulls, in JSON.
	must(t, db.UpsertTrack(ctx, Track{ID: "e"}))
	d, err = db.Track(ctx, "e")
	must(t, err)
	b, err := json.Marshal(d)
	must(t, err)
	var m map[string]any
	must(t, json.Unmarshal(b, &m))
	if _, ok := m["renditions"].([]any); !ok {
		t.Errorf("renditions in JSON: %s", b)
	}
	if _, ok := m["jobs"].([]any); !ok {
		t.Errorf("jobs in JSON: %s", b)
	}
}

// TestJobStatusJSON pins the shape of GET /api/jobs/{id} from MISSION.md.
func TestJobStatusJSON(t *testing.T) {
	db := openTest(t)
	seed(t, db)                                                                                    // ticks 0–2
	j, err := db.CreateJob(ctx, Job{ID: "01HX", TrackID: "t", Rendition: "720p", Kind: "segment"}) // tick 3
	must(t, err)
	other, err := db.CreateJob(ctx, Job{TrackID: "t", Rendition: "audio", Kind: "segment"}) // tick 4
	must(t, err)

	st, err := db.JobStatus(ctx, j.ID)
	must(t, err)
	b, err := json.Marshal(st)
	must(t, err)
	want := `{"id":"01HX","track_id":"t","status":"pending","segments":[],"current_duration":0,"progress":0,` +
		`"created_at":"2024-05-01T12:00:03Z","started_at":null,"completed_at":null,"error":""}`
	if string(b) != want {
		t.Errorf("pending job:\n got %s\nwant %s", b, want)
	}

	must(t, db.StartJob(ctx, j.ID)) // tick 5
	// Segments 1 and 0 arrive out of order; JobStatus lists them by index.
	s1 := seg("720p", 1, 3.2)
	s1.JobID = j.ID
	s0 := seg("720p", 0, 4.004)
	s0.JobID = j.ID
	s0.CreatedAt = t0.Add(5*time.Second + 250*time.Millisecond)
	s2 := seg("720p", 2, 1)
	s2.JobID = j.ID
	sa := seg("audio", 0, 4) // another job's segment
	sa.JobID = other.ID
	must(t, db.UpsertSegments(ctx, []Segment{s1, s0, s2, sa})) // tick 6
	must(t, db.MarkSegmentRemoved(ctx, "t", "720p", 2))        // tick 7: not on disk, not listed
	must(t, db.SetJobProgress(ctx, j.ID, 0.75, 7.204))
	must(t, db.FinishJob(ctx, j.ID, StatusError, "ffmpeg exited with status 1")) // tick 8

	st, err = db.JobStatus(ctx, j.ID)
	must(t, err)
	b, err = json.Marshal(st)
	must(t, err)
	want = `{"id":"01HX","track_id":"t","status":"error","segments":[` +
		`{"index":0,"path":"t/720p/seg_0.ts","duration":4.004,"created_at":"2024-05-01T12:00:05.25Z"},` +
		`{"index":1,"path":"t/720p/seg_1.ts","duration":3.2,"created_at":"2024-05-01T12:00:06Z"}],` +
		`"current_duration":7.204,"progress":0.75,"created_at":"2024-05-01T12:00:03Z",` +
		`"started_at":"2024-05-01T12:00:05Z","completed_at":"2024-05-01T12:00:08Z","error":"ffmpeg exited with status 1"}`
	if string(b) != want {
		t.Errorf("finished job:\n got %s\nwant %s", b, want)
	}

	_, err = db.JobStatus(ctx, "nope")
	if !errors.Is(err, ErrNotFound) || err.Error() != "job nope: not found" {
		t.Errorf("missing job: %v", err)
	}
}
