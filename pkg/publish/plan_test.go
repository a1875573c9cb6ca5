package publish

import (
	"errors"
	"slices"
	"testing"
)

func TestParseLocation(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Location
		err  bool
	}{
		{in: "s3://media", want: Location{Bucket: "media"}},
		{in: "s3://media/", want: Location{Bucket: "media"}},
		{in: "s3://media/vod/2024/", want: Location{Bucket: "media", Prefix: "vod/2024"}},
		{in: "media/vod", err: true},
		{in: "https://media/vod", err: true},
		{in: "s3:///vod", err: true},
		{in: "s3://key:secret@media/vod", err: true},
		{in: "s3://media/a//b", err: true},
	} {
		got, err := ParseLocation(tt.in)
		if tt.err {
			if !errors.Is(err, ErrBadTarget) {
				t.Errorf("%q: err %v, want ErrBadTarget", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q: %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestKindsAndHeaders(t *testing.T) {
	for _, tt := range []struct {
		name  string
		kind  Kind
		ctype string
	}{
		{"360p/seg_00001.ts", KindSegment, "video/mp2t"},
		{"180p/seg_00001.m4s", KindSegment, "video/iso.segment"},
		{"180p/init.mp4", KindInit, "video/mp4"},
		{"audio/seg_00001.mp3", KindSegment, "audio/mpeg"},
		{"subs/en_00001.vtt", KindSubtitle, "text/vtt"},
		{"thumbs/sprite.JPG", KindImage, "image/jpeg"},
		{"key_00000.key", KindKey, "application/octet-stream"},
		{"360p/index.m3u8", KindPlaylist, "application/vnd.apple.mpegurl"},
		{"manifest.mpd", KindMPD, "application/dash+xml"},
	} {
		k, ok := kindOf(tt.name)
		if !ok || k != tt.kind || contentType(tt.name) != tt.ctype {
			t.Errorf("%s: kind %q %v, type %q; want %q, %q", tt.name, k, ok, contentType(tt.name), tt.kind, tt.ctype)
		}
	}
	for _, name := range []string{"veza.db", "veza.db-wal", "ladder.log", "report.json", "README"} {
		if k, ok := kindOf(name); ok {
			t.Errorf("%s: kind %q, want not published", name, k)
		}
	}
	if got := cacheControl(KindPlaylist, true, false); got != cacheLive {
		t.Errorf("live playlist: %q", got)
	}
	if got := cacheControl(KindMaster, false, true); got != cacheVOD {
		t.Errorf("VOD master: %q", got)
	}
	if got := cacheControl(KindSegment, false, false); got != cacheMedia {
		t.Errorf("segment: %q", got)
	}
	if got := cacheControl(KindSegment, false, true); got != cacheImmutable {
		t.Errorf("segment with unique names: %q", got)
	}
	if got := cacheControl(KindKey, false, true); got != cacheKey {
		t.Errorf("key: %q", got)
	}
}

func TestResolve(t *testing.T) {
	for _, tt := range []struct {
		rel, uri, want string
		ok             bool
	}{
		{"film/360p/index.m3u8", "seg_00001.ts", "film/360p/seg_00001.ts", true},
		{"film/360p/index.m3u8", "../key_00000.key", "film/key_00000.key", true},
		{"film/master.m3u8", "360p/index.m3u8?v=2", "film/360p/index.m3u8", true},
		{"index.m3u8", "../x.ts", "../x.ts", true},
		{"film/360p/index.m3u8", "https://cdn.example/seg.ts", "", false},
		{"film/360p/index.m3u8", "/abs/seg.ts", "", false},
		{"film/360p/index.m3u8", "data:text/plain;base64,AA==", "", false},
	} {
		got, ok := resolve(tt.rel, tt.uri)
		if got != tt.want || ok != tt.ok {
			t.Errorf("resolve(%q, %q) = %q, %v; want %q, %v", tt.rel, tt.uri, got, ok, tt.want, tt.ok)
		}
	}
}

func TestScanOutputFolder(t *testing.T) {
	out := outputFolder(t)
	tracks, err := scan(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(tracks) != 1 || tracks[0].rel != "film" {
		t.Fatalf("tracks %v, want film", tracks)
	}
	tr := tracks[0]
	if !slices.Equal(tr.keyURIs, []string{"../key_00000.key"}) {
		t.Errorf("key URIs %q", tr.keyURIs)
	}
	kinds := map[string]Kind{}
	lastPhase := 0
	for _, f := range tr.files {
		kinds[f.rel] = f.kind
		if f.kind.phase() < lastPhase {
			t.Errorf("%s (phase %d) after phase %d", f.rel, f.kind.phase(), lastPhase)
		}
		lastPhase = f.kind.phase()
		if f.live {
			t.Errorf("%s: live in a VOD folder", f.rel)
		}
	}
	for rel, want := range map[string]Kind{
		"film/master.m3u8": KindMaster, "film/360p/index.m3u8": KindPlaylist, "film/180p/init.mp4": KindInit,
		"film/key_00000.key": KindKey, "film/360p/seg_00000.ts": KindSegment, "film/180p/seg_00000.m4s": KindSegment,
	} {
		if kinds[rel] != want {
			t.Errorf("%s: kind %q, want %q", rel, kinds[rel], want)
		}
	}
	if _, ok := kinds["film/ladder.log"]; ok {
		t.Error("ladder.log would be published")
	}
	for _, f := range tr.files {
		switch f.rel {
		case "film/master.m3u8":
			if !slices.Equal(f.refs, []string{"film/180p/index.m3u8", "film/360p/index.m3u8"}) {
				t.Errorf("master refs %q", f.refs)
			}
		case "film/360p/index.m3u8":
			if len(f.refs) != 6 || slices.Contains(f.refs, "film/key_00000.key") {
				t.Errorf("360p refs %q: want 6 segments and no key", f.refs)
			}
		case "film/180p/index.m3u8":
			if len(f.refs) != 7 || !slices.Contains(f.refs, "film/180p/init.mp4") {
				t.Errorf("180p refs %q: want init.mp4 and 6 segments", f.refs)
			}
		}
	}
	// A track folder is itself the one track.
	tracks, err = scan(out + "/film")
	if err != nil || len(tracks) != 1 || tracks[0].rel != "." || len(tracks[0].files) != len(tr.files) {
		t.Fatalf("scan of the track folder: %v, %v", tracks, err)
	}
}
