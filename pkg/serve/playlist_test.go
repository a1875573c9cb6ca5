package serve

import (
	"reflect"
	"testing"
)

func TestPlaylistURIs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{masterM3U8, []string{"low/index.m3u8", "high/index.m3u8"}},
		{vodM3U8, []string{"../k.key", "seg0.ts", "seg1.ts"}},
		{"#EXTM3U\r\n#EXTINF:2,\r\n  seg0.ts \r\n\r\n#EXTINF:2,\r\nseg1.ts", []string{"seg0.ts", "seg1.ts"}},
		{"#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4\",BYTERANGE=\"10@0\"\n", []string{"init.mp4"}},
		{"#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"x,URI=y\",URI=\"audio/index.m3u8\"\n", []string{"audio/index.m3u8"}},
		{"#EXT-X-KEY:METHOD=SAMPLE-AES,KEYFORMATURI=\"k\",URI=\"skd://id\"\n", []string{"skd://id"}},
		{"#EXT-X-KEY:METHOD=NONE\n# a comment URI=\"x\"\n", nil},
		{"#EXT-X-MAP:URI=\"unterminated\n", nil},
		{"", nil},
	} {
		var got []string
		for _, s := range playlistURIs([]byte(tc.in)) {
			got = append(got, tc.in[s.start:s.end])
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("playlistURIs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzPlaylistURIs(f *testing.F) {
	for _, s := range []string{masterM3U8, vodM3U8, liveM3U8, "#EXT-X-MAP:URI=\"a\"\n", "a\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		prev := 0
		for _, sp := range playlistURIs([]byte(s)) {
			if sp.start < prev || sp.end <= sp.start || sp.end > len(s) {
				t.Fatalf("bad span %v after %d in %q", sp, prev, s)
			}
			prev = sp.end
		}
	})
}
