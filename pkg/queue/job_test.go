package queue

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/veza-media/veza/pkg/ladder"
)

func goodJob() Job { return NewJob("/srv/in/a.wav", "/srv/out", "", smallLadder, smallOptions) }

func TestNewJobID(t *testing.T) {
	a := goodJob()
	b := NewJob("/srv/in/./a.wav", "/srv/out/", "", ladder.Ladder{Name: "other name", Rungs: smallLadder.Rungs}, smallOptions)
	if a.ID != b.ID {
		t.Errorf("same work, two ids: %s %s", a.ID, b.ID)
	}
	for name, other := range map[string]Job{
		"source":  NewJob("/srv/in/b.wav", "/srv/out", "", smallLadder, smallOptions),
		"output":  NewJob("/srv/in/a.wav", "/srv/out2", "", smallLadder, smallOptions),
		"track":   NewJob("/srv/in/a.wav", "/srv/out", "t", smallLadder, smallOptions),
		"bitrate": NewJob("/srv/in/a.wav", "/srv/out", "", ladder.Ladder{Rungs: []ladder.Rung{{Name: "low", AudioCodec: "aac", AudioBitrate: 64}}}, smallOptions),
		"format":  NewJob("/srv/in/a.wav", "/srv/out", "", smallLadder, Options{Format: "fmp4", SegmentTime: 1, Preset: "veryfast", Strategy: "auto"}),
	} {
		if other.ID == a.ID {
			t.Errorf("a different %s gives the same id", name)
		}
	}
}

// jobCases are messages and whether ParseJob takes them; the fuzz corpus
// starts from them.
var jobCases = func() []struct {
	name string
	data string
	ok   bool
} {
	good, _ := json.Marshal(goodJob())
	edit := func(f func(m map[string]any)) string {
		var m map[string]any
		json.Unmarshal(good, &m)
		f(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	opt := func(k string, v any) string {
		return edit(func(m map[string]any) { m["options"].(map[string]any)[k] = v })
	}
	set := func(k string, v any) string { return edit(func(m map[string]any) { m[k] = v }) }
	return []struct {
		name string
		data string
		ok   bool
	}{
		{"good", string(good), true},
		{"url source", set("source", "https://cdn.test/a.mp4"), true},
		{"s3 source", set("source", "s3://bucket/in/a.mkv"), true},
		{"track", set("track", "film-1"), true},
		{"empty", "", false},
		{"not json", "hello", false},
		{"array", "[]", false},
		{"trailing", string(good) + "{}", false},
		{"version 2", set("v", 2), false},
		{"version 0", set("v", 0), false},
		{"no id", set("id", ""), false},
		{"id with space", set("id", "a b"), false},
		{"other kind", set("kind", "transcode"), false},
		{"relative source", set("source", "in/a.wav"), false},
		{"ftp source", set("source", "ftp://host/a.wav"), false},
		{"url without host", set("source", "https:///a.wav"), false},
		{"nul in source", set("source", "/srv/a\x00.wav"), false},
		{"relative output", set("output", "out"), false},
		{"bad track", set("track", "../x"), false},
		{"no rungs", set("ladder", map[string]any{"name": "x", "rungs": []any{}}), false},
		{"bad rung", set("ladder", map[string]any{"rungs": []any{map[string]any{"name": "a"}}}), false},
		{"bad format", opt("format", "mkv"), false},
		{"zero segment", opt("segment_time", 0), false},
		{"long segment", opt("segment_time", 61), false},
		{"bad strategy", opt("strategy", "fast"), false},
		{"bad preset", opt("preset", "very fast"), false},
		{"wrong type", set("source", 3), false},
	}
}()

func TestParseJob(t *testing.T) {
	for _, tt := range jobCases {
		j, err := ParseJob([]byte(tt.data))
		if (err == nil) != tt.ok {
			t.Errorf("%s: ParseJob = %v, want ok %v", tt.name, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrBadJob) {
			t.Errorf("%s: %v does not wrap ErrBadJob", tt.name, err)
		}
		if err == nil && j.ID == "" {
			t.Errorf("%s: no id", tt.name)
		}
	}
	if _, err := ParseJob([]byte(jobCases[8].data)); err == nil || !strings.Contains(err.Error(), "schema version 2") {
		t.Errorf("version 2: %v", err)
	}
}

// FuzzParseJob: ParseJob never panics, and a job it takes survives a
// round trip through JSON unchanged.
func FuzzParseJob(f *testing.F) {
	for _, tt := range jobCases {
		f.Add([]byte(tt.data))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		j, err := ParseJob(data)
		if err != nil {
			return
		}
		again, _ := json.Marshal(j)
		k, err := ParseJob(again)
		if err != nil {
			t.Fatalf("round trip refused: %v\n%s", err, again)
		}
		if !reflect.DeepEqual(j, k) {
			t.Fatalf("round trip changed the job:\n%+v\n%+v", j, k)
		}
	})
}
