package mp4

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestReadHeader(t *testing.T) {
	large := slices.Concat(u32s(1), []byte("mdat"), []byte{0, 0, 0, 0, 0, 0, 0, 24}, make([]byte, 8))
	for _, tt := range []struct {
		name string
		in   []byte
		want Header
		err  string
	}{
		{"plain", mk("ftyp", make([]byte, 8)), Header{"ftyp", 16, 8}, ""},
		{"to the end", slices.Concat(u32s(0), []byte("mdat"), make([]byte, 5)), Header{"mdat", 13, 8}, ""},
		{"64-bit size", large, Header{"mdat", 24, 16}, ""},
		{"64-bit header cut", large[:12], Header{}, "mdat box header cut short"},
		{"too small", slices.Concat(u32s(4), []byte("free")), Header{}, "free box has an impossible size 4"},
		{"past the end", slices.Concat(u32s(50), []byte("mdat"), make([]byte, 2)), Header{}, "mdat box needs 50 bytes, file has 10"},
		{"stray bytes", []byte{1, 2, 3}, Header{}, "3 stray bytes at the end"},
		{"damaged type", slices.Concat(u32s(8), []byte{'m', 0, 'o', 'v'}), Header{"m?ov", 8, 8}, ""},
	} {
		got, err := ReadHeader(bytes.NewReader(tt.in), 0, int64(len(tt.in)))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err %v, want %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
	}
}

func TestBoxes(t *testing.T) {
	b := slices.Concat(mk("ftyp", u32s(0)), mk("moov", mk("trak", mk("tkhd", u32s(0))), mk("udta", mk("meta"))))
	boxes, err := Boxes(b)
	if err != nil || len(boxes) != 2 {
		t.Fatalf("%d boxes, %v", len(boxes), err)
	}
	moov := Find(boxes, "moov")
	if moov.Child("trak").Child("tkhd") == nil {
		t.Error("containers are not descended into")
	}
	if udta := moov.Child("udta"); udta == nil || udta.Children != nil {
		t.Errorf("udta %+v: only container boxes get children", udta)
	}
	// A damaged child names its container, and the boxes before it remain.
	bad := slices.Concat(mk("ftyp", u32s(0)), mk("moov", slices.Concat(u32s(99), []byte("trak"))))
	boxes, err = Boxes(bad)
	if err == nil || !strings.HasPrefix(err.Error(), "in moov: trak box needs 99 bytes") || len(boxes) != 1 {
		t.Errorf("damaged moov: %d boxes, %v", len(boxes), err)
	}
}
