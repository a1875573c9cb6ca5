package verify

import (
	"encoding/binary"
	"slices"
	"strings"
	"testing"

	"github.com/veza-media/veza/pkg/hls"
)

// ruleIDs lists "RULE/SEVERITY" of a playlist report's findings, in order.
func ruleIDs(r *PlaylistReport) []string {
	out := []string{}
	for _, f := range r.Findings {
		out = append(out, f.Rule+"/"+string(f.Severity))
	}
	return out
}

const vodHead = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n"

func TestCheckMediaPlaylist(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   string
		live bool
		want []string
		// msg, when set, must appear in the first finding's message.
		msg string
	}{
		{name: "clean", in: vodHead + "#EXTINF:4.000,\na.ts\n#EXTINF:3.5,\nb.ts\n#EXT-X-ENDLIST\n", want: []string{}},
		{name: "4.49 rounds down", in: vodHead + "#EXTINF:4.49,\na.ts\n#EXT-X-ENDLIST\n", want: []string{}},
		{name: "4.5 rounds half-up", in: vodHead + "#EXTINF:4.5,\na.ts\n#EXT-X-ENDLIST\n", want: []string{"M2/MUST"},
			msg: "EXTINF 4.5 rounds (half-up) to 5 s, above EXT-X-TARGETDURATION 4"},
		{name: "no target", in: "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:4.0,\na.ts\n#EXT-X-ENDLIST\n", want: []string{"M2/MUST"}},
		{name: "target zero", in: "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:0\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:0.4,\na.ts\n#EXT-X-ENDLIST\n",
			want: []string{"M2/MUST"}, msg: "EXT-X-TARGETDURATION is 0"},
		{name: "long target", in: "#EXTM3U\n#EXT-X-TARGETDURATION:12\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:12,\na.ts\n#EXT-X-ENDLIST\n", want: []string{"M3/SHOULD"}},
		{name: "fractional extinf needs version 3", in: "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:4.0,\na.ts\n#EXT-X-ENDLIST\n",
			want: []string{"M5/MUST"}, msg: "EXT-X-VERSION is 1 but fractional EXTINF needs version 3"},
		{name: "map needs version 6", in: vodHead + "#EXT-X-MAP:URI=\"i.mp4\"\n#EXTINF:4.0,\na.m4s\n#EXT-X-ENDLIST\n", want: []string{"M5/MUST"}},
		{name: "media sequence late", in: "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:4.0,\na.ts\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-ENDLIST\n",
			want: []string{"M6/MUST"}},
		{name: "discontinuity sequence after discontinuity", in: "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-DISCONTINUITY\n#EXT-X-DISCONTINUITY-SEQUENCE:2\n#EXTINF:4.0,\na.ts\n",
			want: []string{"M6/MUST"}},
		{name: "endlist without type", in: "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\na.ts\n#EXT-X-ENDLIST\n", want: []string{"M7/MUST"}},
		{name: "ended live window", in: "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:7\n#EXTINF:4.0,\na.ts\n#EXT-X-ENDLIST\n", want: nil},
		{name: "ended live with dates", in: "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-PROGRAM-DATE-TIME:2026-11-21T10:00:00.000Z\n#EXTINF:4.0,\na.ts\n#EXT-X-ENDLIST\n", want: nil},
		{name: "endlist without type, live", live: true, in: "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\na.ts\n#EXT-X-ENDLIST\n", want: []string{}},
		{name: "vod without endlist", in: vodHead + "#EXTINF:4.0,\na.ts\n", want: []string{"M7/MUST"}},
		{name: "event without endlist", in: "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXTINF:4.0,\na.ts\n", want: []string{}},
		{name: "sliding window", in: "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:9\n#EXTINF:4.0,\na.ts\n", want: []string{}},
		{name: "key without uri and bad iv", in: vodHead + "#EXT-X-KEY:METHOD=AES-128,IV=0x12\n#EXTINF:4.0,\na.ts\n#EXTINF:4.0,\nb.ts\n#EXT-X-ENDLIST\n",
			want: []string{"K1/MUST", "K2/MUST"}},
		{name: "unknown key method", in: vodHead + "#EXT-X-KEY:METHOD=ROT13,URI=\"k\"\n#EXTINF:4.0,\na.ts\n#EXT-X-ENDLIST\n", want: []string{"K1/MUST"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pl, err := hls.ParseMedia([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			r := &PlaylistReport{Path: "p.m3u8"}
			checkMediaPlaylist(pl, r, tt.live)
			got := ruleIDs(r)
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("findings %v, want %v: %+v", got, tt.want, r.Findings)
			}
			if tt.msg != "" && !strings.Contains(r.Findings[0].Message, tt.msg) {
				t.Errorf("message %q lacks %q", r.Findings[0].Message, tt.msg)
			}
		})
	}
}

func TestCheckMasterPlaylist(t *testing.T) {
	const ok = "#EXT-X-STREAM-INF:BANDWIDTH=1000,AVERAGE-BANDWIDTH=900,CODECS=\"mp4a.40.2\"\na.m3u8\n"
	for _, tt := range []struct {
		name string
		in   string
		want []string
	}{
		{name: "audio only, clean", in: "#EXTM3U\n" + ok, want: []string{}},
		{name: "no codecs, no average", in: "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\na.m3u8\n", want: []string{"P3/MUST", "P4/MUST"}},
		{name: "no bandwidth", in: "#EXTM3U\n#EXT-X-STREAM-INF:AVERAGE-BANDWIDTH=1,CODECS=\"mp4a.40.2\"\na.m3u8\n", want: []string{"P1/MUST"}},
		{name: "video without i-frame playlists", in: "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,AVERAGE-BANDWIDTH=1,CODECS=\"avc1.64001f\"\nv.m3u8\n",
			want: []string{"P8/SHOULD"}},
		{name: "program-id in version 6", in: "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-STREAM-INF:PROGRAM-ID=1,BANDWIDTH=1,AVERAGE-BANDWIDTH=1,CODECS=\"mp4a.40.2\"\na.m3u8\n",
			want: []string{"M5/MUST"}},
		{name: "service needs version 7", in: "#EXTM3U\n#EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID=\"cc\",NAME=\"en\",INSTREAM-ID=\"SERVICE1\"\n" +
			strings.Replace(ok, "#EXT-X-STREAM-INF:", "#EXT-X-STREAM-INF:CLOSED-CAPTIONS=\"cc\",", 1),
			want: []string{"M5/MUST"}},
		{name: "good groups", in: "#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"en\",LANGUAGE=\"en\",DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"2\",URI=\"en.m3u8\"\n" +
			"#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"fr\",LANGUAGE=\"fr-CA\",CHANNELS=\"6\",URI=\"fr.m3u8\"\n" +
			"#EXT-X-STREAM-INF:BANDWIDTH=1,AVERAGE-BANDWIDTH=1,CODECS=\"mp4a.40.2\",AUDIO=\"a\",CLOSED-CAPTIONS=NONE\na.m3u8\n", want: []string{}},
		{name: "group problems", in: "#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"en\",DEFAULT=YES,URI=\"en.m3u8\"\n" +
			"#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"en\",LANGUAGE=\"en\",DEFAULT=YES,URI=\"en2.m3u8\"\n" +
			"#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"s\",LANGUAGE=\"en\"\n" +
			"#EXT-X-MEDIA:TYPE=VIDEO,GROUP-ID=\"a\",NAME=\"v\"\n" +
			"#EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID=\"cc\",NAME=\"c\",URI=\"c.m3u8\"\n" +
			"#EXT-X-MEDIA:TYPE=DATA,GROUP-ID=\"d\",NAME=\"d\"\n" +
			"#EXT-X-STREAM-INF:BANDWIDTH=1,AVERAGE-BANDWIDTH=1,CODECS=\"mp4a.40.2\",AUDIO=\"missing\",SUBTITLES=\"a\"\na.m3u8\n",
			want: []string{
				"P6/MUST", // audio "en" without LANGUAGE
				"P6/MUST", // two renditions named "en" in group a
				"P6/MUST", // subtitles without NAME
				"P6/MUST", // subtitles without URI
				"P6/MUST", // group a mixes AUDIO and VIDEO
				"P6/MUST", // closed captions with a URI
				"P6/MUST", // TYPE=DATA
				"P6/MUST", // two DEFAULT=YES in group a
				"P6/MUST", // AUDIO="missing"
				"P6/MUST", // SUBTITLES="a" is not a subtitles group
				"P6/MUST", // "en" has no CHANNELS
				"P6/MUST", // "en" (en2.m3u8) has no CHANNELS
				"P6/MUST", // "en" DEFAULT=YES without AUTOSELECT
				"P6/MUST", // "en" (en2.m3u8) DEFAULT=YES without AUTOSELECT
				"P6/MUST", // group cc named by no variant
				"P6/MUST", // group d named by no variant
				"P6/MUST", // group s named by no variant
			}},
		{name: "group rules of HLS-RULES P6", in: "#EXTM3U\n" +
			"#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"English\",LANGUAGE=\"en_US\",CHANNELS=\"2\",URI=\"en.m3u8\"\n" +
			"#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"s\",NAME=\"en\",LANGUAGE=\"en\",URI=\"s.m3u8\"\n" +
			"#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"t\",NAME=\"en\",LANGUAGE=\"en\",URI=\"t.m3u8\"\n" +
			"#EXT-X-STREAM-INF:BANDWIDTH=1,AVERAGE-BANDWIDTH=1,CODECS=\"mp4a.40.2\",AUDIO=\"a\",SUBTITLES=\"s\"\na.m3u8\n" +
			"#EXT-X-STREAM-INF:BANDWIDTH=1,AVERAGE-BANDWIDTH=1,CODECS=\"mp4a.40.2\",AUDIO=\"a\",SUBTITLES=\"t\"\nb.m3u8\n",
			want: []string{
				"P6/MUST", // LANGUAGE="en_US" is not BCP 47
				"P6/MUST", // audio group a has no DEFAULT=YES
				"P6/MUST", // the variants name different subtitle groups
			}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pl, err := hls.ParseMaster([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			r := &PlaylistReport{Path: "master.m3u8"}
			checkMasterPlaylist(pl, r, false)
			got := ruleIDs(r)
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("findings %v, want %v:\n%+v", got, tt.want, r.Findings)
			}
		})
	}
}

func TestCheckBytes(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int
	}{
		{"#EXTM3U\n#EXT-X-TARGETDURATION:1\n", 0},
		{"#EXTM3U\r\n", 0},
		{"\xef\xbb\xbf#EXTM3U\n", 1},
		{"# comment\n#EXTM3U\n", 1},
		{"#EXTM3U\n\xff\xfe\n", 1},
	} {
		r := &PlaylistReport{}
		checkBytes([]byte(tt.in), r)
		if len(r.Findings) != tt.want {
			t.Errorf("%q: %d findings, want %d: %+v", tt.in, len(r.Findings), tt.want, r.Findings)
		}
	}
}

func TestBandwidthRules(t *testing.T) {
	vod := &mediaCheck{pl: &hls.MediaPlaylist{Type: hls.TypeVOD}, peak: 1_000_000, average: 800_000}
	live := &mediaCheck{pl: &hls.MediaPlaylist{}, peak: 1_000_000, average: 800_000}
	audio := &mediaCheck{pl: &hls.MediaPlaylist{Type: hls.TypeVOD}, peak: 130_000, average: 128_000}
	for _, tt := range []struct {
		name   string
		v      hls.Variant
		vm     variantMedia
		want   []string
		inMsgs string
	}{
		{"exact", hls.Variant{Bandwidth: 1_000_000, AverageBandwidth: 800_000}, variantMedia{own: vod}, []string{}, ""},
		{"within 10 %", hls.Variant{Bandwidth: 1_090_000, AverageBandwidth: 740_000}, variantMedia{own: vod}, []string{}, ""},
		{"understated", hls.Variant{Bandwidth: 800_000, AverageBandwidth: 800_000}, variantMedia{own: vod}, []string{"P1/MUST"}, "measured peak 1000000 bit/s is 25 % above BANDWIDTH 800000"},
		{"overstated", hls.Variant{Bandwidth: 2_000_000, AverageBandwidth: 800_000}, variantMedia{own: vod}, []string{"P2/MUST"}, "50 % below"},
		{"average off", hls.Variant{Bandwidth: 1_000_000, AverageBandwidth: 500_000}, variantMedia{own: vod}, []string{"P2/MUST"}, "+60 % off AVERAGE-BANDWIDTH"},
		{"live: only understatement", hls.Variant{Bandwidth: 5_000_000, AverageBandwidth: 100}, variantMedia{own: live}, []string{}, ""},
		{"audio group added", hls.Variant{Bandwidth: 1_130_000, AverageBandwidth: 928_000}, variantMedia{own: vod, groups: []*mediaCheck{audio}}, []string{}, ""},
		{"audio group counted", hls.Variant{Bandwidth: 900_000, AverageBandwidth: 928_000}, variantMedia{own: vod, groups: []*mediaCheck{audio}}, []string{"P1/MUST"}, "1130000"},
	} {
		r := &PlaylistReport{}
		checkBandwidth(tt.v, tt.vm, r)
		got := ruleIDs(r)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: findings %v, want %v: %+v", tt.name, got, tt.want, r.Findings)
		} else if tt.inMsgs != "" && !strings.Contains(r.Findings[0].Message, tt.inMsgs) {
			t.Errorf("%s: message %q lacks %q", tt.name, r.Findings[0].Message, tt.inMsgs)
		}
	}
}

func TestCheckCodecs(t *testing.T) {
	for _, tt := range []struct {
		declared string
		found    []string
		ok       bool
	}{
		{"avc1.64001f,mp4a.40.2", []string{"avc1.64001F", "mp4a.40.2"}, true},
		{"mp4a.40.2, avc1.64001f", []string{"avc1.64001f", "mp4a.40.2"}, true},
		{"avc1.64001f", []string{"avc1.64001f", "mp4a.40.2"}, false},
		{"avc1.64001f,mp4a.40.2,ec-3", []string{"avc1.64001f", "mp4a.40.2"}, false},
		{"avc1.4d401f,mp4a.40.2", []string{"avc1.64001f", "mp4a.40.2"}, false},
	} {
		r := &PlaylistReport{}
		checkCodecs(hls.Variant{Codecs: tt.declared}, tt.found, r)
		if (len(r.Findings) == 0) != tt.ok {
			t.Errorf("CODECS %q vs %v: findings %+v", tt.declared, tt.found, r.Findings)
		}
	}
}

// tsPacket builds one 188-byte TS packet starting a PSI section on pid.
func tsPacket(pid uint16, section []byte) []byte {
	p := make([]byte, 188)
	for i := range p {
		p[i] = 0xff
	}
	p[0], p[1], p[2], p[3] = 0x47, 0x40|byte(pid>>8), byte(pid), 0x10
	p[4] = 0 // pointer field
	copy(p[5:], section)
	return p
}

// pat builds a PAT section naming programs (number, PMT PID).
func pat(progs ...[2]uint16) []byte {
	s := []byte{0x00, 0, 0, 0, 1, 0xc1, 0, 0}
	for _, p := range progs {
		s = binary.BigEndian.AppendUint16(s, p[0])
		s = binary.BigEndian.AppendUint16(s, 0xe000|p[1])
	}
	n := len(s) - 3 + 4
	s[1], s[2] = 0xb0|byte(n>>8), byte(n)
	return append(s, 0, 0, 0, 0) // CRC, not checked
}

// mp4Box builds an ISO BMFF box.
func mp4Box(typ string, payload ...[]byte) []byte {
	body := slices.Concat(payload...)
	b := binary.BigEndian.AppendUint32(nil, uint32(8+len(body)))
	return append(append(b, typ...), body...)
}

func TestMP4Boxes(t *testing.T) {
	ftyp := mp4Box("ftyp", []byte("iso5\x00\x00\x02\x00"))
	tkhd := mp4Box("tkhd", make([]byte, 4+8), []byte{0, 0, 0, 7}, make([]byte, 68))
	mdhd := mp4Box("mdhd", make([]byte, 4+8), []byte{0, 0, 0x3e, 0x80}, make([]byte, 8)) // timescale 16000
	hdlr := mp4Box("hdlr", make([]byte, 8), []byte("soun"), make([]byte, 13))
	trak := mp4Box("trak", tkhd, mp4Box("mdia", mdhd, hdlr))
	initOK := slices.Concat(ftyp, mp4Box("moov", mp4Box("mvhd", make([]byte, 100)), trak, mp4Box("mvex", mp4Box("trex", make([]byte, 24)))))
	tfhd := mp4Box("tfhd", []byte{0, 0, 0, 0}, []byte{0, 0, 0, 7})
	tfdt := mp4Box("tfdt", []byte{1, 0, 0, 0}, binary.BigEndian.AppendUint64(nil, 32000))
	frag := slices.Concat(mp4Box("styp", []byte("msdh")), mp4Box("moof", mp4Box("mfhd", make([]byte, 8)), mp4Box("traf", tfhd, tfdt)), mp4Box("mdat", []byte{1, 2, 3}))

	if err := checkInit(initOK); err != nil {
		t.Errorf("good init: %v", err)
	}
	if err := checkFragment(frag); err != nil {
		t.Errorf("good fragment: %v", err)
	}
	if got := decodeStarts(initOK, frag); got["soun"] != 2 {
		t.Errorf("decodeStarts = %v, want soun 2 s", got)
	}
	for name, b := range map[string][]byte{
		"no ftyp":   mp4Box("moov", mp4Box("mvex")),
		"no moov":   ftyp,
		"no mvex":   slices.Concat(ftyp, mp4Box("moov", trak)),
		"truncated": initOK[:len(initOK)-5],
	} {
		if err := checkInit(b); err == nil {
			t.Errorf("init %s accepted", name)
		}
	}
	for name, b := range map[string][]byte{
		"no moof":   mp4Box("mdat"),
		"no tfdt":   slices.Concat(mp4Box("moof", mp4Box("traf", tfhd)), mp4Box("mdat")),
		"no traf":   slices.Concat(mp4Box("moof", mp4Box("mfhd", make([]byte, 8))), mp4Box("mdat")),
		"no mdat":   mp4Box("moof", mp4Box("traf", tfhd, tfdt)),
		"bad size":  []byte{0, 0, 0, 4, 'm', 'o', 'o', 'f'},
		"too short": []byte{0, 0, 0},
	} {
		if err := checkFragment(b); err == nil {
			t.Errorf("fragment %s accepted", name)
		}
	}
	if sniff(frag) != containerFMP4 || sniff(tsPacket(0, nil)) != containerTS || sniff([]byte("ID3")) != containerUnknown {
		t.Error("sniff")
	}
}
