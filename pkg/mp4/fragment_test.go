package mp4

import (
	"encoding/binary"
	"testing"
)

// mk builds a box from its type and payload parts.
func mk(typ string, parts ...[]byte) []byte {
	n := 8
	for _, p := range parts {
		n += len(p)
	}
	b := binary.BigEndian.AppendUint32(nil, uint32(n))
	b = append(b, typ...)
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func u32s(vs ...uint32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	return b
}

// initSection has track 1 (vide, timescale 12800, trex default 512) and
// track 2 (soun, 48000, trex default 1024).
func initSection() []byte {
	trak := func(id, ts uint32, handler string) []byte {
		tkhd := u32s(0, 0, 0, id, 0, 0)
		mdhd := u32s(0, 0, 0, ts, 0, 0)
		hdlr := append(u32s(0, 0), handler...)
		hdlr = append(hdlr, make([]byte, 12)...)
		stsd := append(u32s(0, 1), mk(map[string]string{"vide": "avc1", "soun": "mp4a"}[handler], make([]byte, 8))...)
		return mk("trak", mk("tkhd", tkhd), mk("mdia", mk("mdhd", mdhd), mk("hdlr", hdlr),
			mk("minf", mk("stbl", mk("stsd", stsd)))))
	}
	mvex := mk("mvex", mk("trex", u32s(0, 1, 1, 512, 0, 0)), mk("trex", u32s(0, 2, 1, 1024, 0, 0)))
	return append(mk("ftyp", []byte("iso5"), u32s(0)), mk("moov", trak(1, 12800, "vide"), trak(2, 48000, "soun"), mvex)...)
}

func TestReadInit(t *testing.T) {
	tracks, err := ReadInit(initSection())
	if err != nil {
		t.Fatal(err)
	}
	want := []Track{{1, "vide", 12800, 512, 0, 0}, {2, "soun", 48000, 1024, 0, 0}}
	if len(tracks) != 2 || tracks[0] != want[0] || tracks[1] != want[1] {
		t.Errorf("tracks %+v, want %+v", tracks, want)
	}
	if e := SampleEntries(initSection()); !e["avc1"] || !e["mp4a"] || len(e) != 2 {
		t.Errorf("sample entries %v", e)
	}
	for name, b := range map[string][]byte{
		"empty":    nil,
		"no moov":  mk("ftyp", u32s(0, 0)),
		"no mvex":  mk("moov", mk("trak")),
		"no trak":  mk("moov", mk("mvex")),
		"too long": append(u32s(100), "moov"...),
	} {
		if _, err := ReadInit(b); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestReadFragment(t *testing.T) {
	tracks, _ := ReadInit(initSection())
	// Video: tfdt v1 at 25600, a trun with three explicit durations.
	video := mk("traf", mk("tfhd", u32s(0x20000, 1)), mk("tfdt", append(u32s(1<<24), 0, 0, 0, 0, 0, 0, 0x64, 0)),
		mk("trun", u32s(0x301, 3, 0, 512, 10, 512, 10, 1024, 10)))
	// Audio: tfdt v0 at 96000, tfhd default 1000 (flag 0x8) for 2 samples,
	// then a second trun without defaults in tfhd... in the next moof.
	audio := mk("traf", mk("tfhd", u32s(0x8, 2, 1000)), mk("tfdt", u32s(0, 96000)), mk("trun", u32s(0x200, 2, 5, 5)))
	audio2 := mk("traf", mk("tfhd", u32s(0, 2)), mk("tfdt", u32s(0, 98000)), mk("trun", u32s(0, 3)))
	frag := append(mk("moof", mk("mfhd", u32s(0, 1)), video, audio), mk("mdat", []byte("x"))...)
	frag = append(frag, mk("moof", audio2)...)
	frag = append(frag, mk("mdat")...)
	got, err := ReadFragment(frag, tracks)
	if err != nil {
		t.Fatal(err)
	}
	if v := got[1]; v != (Timing{Start: 25600, Duration: 2048, Samples: 3}) {
		t.Errorf("video %+v", v)
	}
	// 2 × 1000 from tfhd, then 3 × 1024 from trex.
	if a := got[2]; a != (Timing{Start: 96000, Duration: 2000 + 3072, Samples: 5}) {
		t.Errorf("audio %+v", a)
	}
	for name, b := range map[string][]byte{
		"no moof":        mk("mdat"),
		"no tfdt":        mk("moof", mk("traf", mk("tfhd", u32s(0, 1)))),
		"no tfhd":        mk("moof", mk("traf", mk("tfdt", u32s(0, 0)))),
		"short trun":     mk("moof", mk("traf", mk("tfhd", u32s(0, 1)), mk("tfdt", u32s(0, 0)), mk("trun", u32s(0x100, 9, 1)))),
		"short tfhd":     mk("moof", mk("traf", mk("tfhd", u32s(0x8, 1)), mk("tfdt", u32s(0, 0)))),
		"short tfdt v1":  mk("moof", mk("traf", mk("tfhd", u32s(0, 1)), mk("tfdt", u32s(1<<24, 0)))),
		"stray bytes":    append(mk("moof"), 1, 2, 3),
		"64-bit too big": append(u32s(1), append([]byte("mdat"), 0, 0, 0, 0, 0, 0, 1, 0)...),
	} {
		if _, err := ReadFragment(b, tracks); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func FuzzReadFragment(f *testing.F) {
	tracks, _ := ReadInit(initSection())
	f.Add(append(mk("moof", mk("traf", mk("tfhd", u32s(0x8, 2, 1000)), mk("tfdt", u32s(0, 96000)), mk("trun", u32s(0x301, 1, 0, 5, 5, 5)))), mk("mdat")...))
	f.Add(initSection())
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ReadFragment(b, tracks)
		_, _ = ReadInit(b)
		_ = SampleEntries(b)
	})
}
