package ffprobe

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strings"
)

// CodecInfo is what CodecString needs to know about a stream.
type CodecInfo struct {
	// Codec is ffprobe's codec_name ("h264", "hevc", "aac").
	Codec string
	// Tag is the container's sample entry ("avc1", "avc3", "hev1", "hvc1");
	// "" when the container has none (MPEG-TS, Matroska).
	Tag string
	// Profile is ffprobe's profile name; used only where the bitstream has
	// no answer (AAC in MPEG-TS carries no AudioSpecificConfig).
	Profile string
	// Extradata is the codec private data from -show_data: avcC, hvcC, av1C,
	// an AudioSpecificConfig, or Annex-B parameter sets in MPEG-TS.
	Extradata []byte
	// BitDepth, Width, Height and FrameRate fill in what VP9 does not carry
	// in any header veza can see (its level is derived from them).
	BitDepth      int
	Width, Height int
	FrameRate     float64
}

// errNoConfig is returned when the extradata holds nothing to build from.
var errNoConfig = errors.New("no decoder configuration found")

// CodecString returns the RFC 6381 codec string for an HLS CODECS attribute,
// or "" when there is none (PCM, subtitles) or it cannot be derived.
func CodecString(ci CodecInfo) string {
	var s string
	var err error
	switch ci.Codec {
	case "h264":
		s, err = AVCCodecString(ci.Tag, ci.Extradata)
	case "hevc":
		s, err = HEVCCodecString(ci.Tag, ci.Extradata)
	case "av1":
		s, err = AV1CodecString(ci.Extradata, ci.BitDepth)
	case "vp9":
		s, err = VP9CodecString(ci.Extradata, ci.Profile, ci.BitDepth, ci.Width, ci.Height, ci.FrameRate)
	case "vp8":
		s = "vp8"
	case "mpeg2video":
		s, err = MPEG2CodecString(ci.Extradata, ci.Profile)
	case "mpeg1video":
		s = "mp4v.6a" // ISO 14496-1 objectTypeIndication 0x6A: MPEG-1 Visual
	case "mpeg4":
		s, err = MPEG4VisualCodecString(ci.Extradata)
	case "aac":
		s, err = AACCodecString(ci.Extradata, ci.Profile)
	case "mp3":
		s = "mp4a.40.34" // MPEG-4 audio object type 34: Layer III, as ffmpeg and Apple write it
	case "mp2":
		s = "mp4a.40.33"
	case "opus":
		s = "opus"
	case "flac":
		s = "fLaC"
	case "vorbis":
		s = "vorbis"
	case "ac3":
		s = "ac-3"
	case "eac3":
		s = "ec-3"
	case "alac":
		s = "alac"
	}
	if err != nil {
		return ""
	}
	return s
}

// hasCodecString says whether CodecString knows the codec at all; for those
// it does, an empty string means the stream's configuration was unreadable.
func hasCodecString(codec string) bool {
	switch codec {
	case "h264", "hevc", "av1", "vp9", "vp8", "mpeg2video", "mpeg1video", "mpeg4", "aac",
		"mp3", "mp2", "opus", "flac", "vorbis", "ac3", "eac3", "alac":
		return true
	}
	return false
}

// AVCCodecString builds "avc1.PPCCLL" from an avcC record or, in MPEG-TS
// where ffprobe hands over Annex-B parameter sets, from the SPS: profile_idc,
// the constraint flags byte and level_idc in hex. tag "avc3" keeps that
// sample entry; anything else gives "avc1".
func AVCCodecString(tag string, extradata []byte) (string, error) {
	prefix := "avc1"
	if tag == "avc3" {
		prefix = "avc3"
	}
	var p []byte
	switch {
	case len(extradata) >= 4 && extradata[0] == 1:
		p = extradata[1:4]
	case isAnnexB(extradata):
		for _, nal := range annexBNALs(extradata) {
			if len(nal) > 0 && nal[0]&0x1f == 7 {
				sps := unescapeRBSP(nal)
				if len(sps) >= 4 {
					p = sps[1:4]
					break
				}
			}
		}
	}
	if p == nil {
		return "", fmt.Errorf("h264: %w", errNoConfig)
	}
	if p[0] == 0 || p[2] == 0 {
		return "", fmt.Errorf("h264: profile %d level %d: not a valid SPS", p[0], p[2])
	}
	return fmt.Sprintf("%s.%02x%02x%02x", prefix, p[0], p[1], p[2]), nil
}

// HEVCCodecString builds "hvc1.P.C.TLL.CC" (ISO 14496-15 Annex E) from an
// hvcC record or from the SPS (else VPS) of Annex-B parameter sets:
// profile space and idc, the 32 compatibility flags bit-reversed in hex,
// tier and level, then the six constraint bytes with trailing zero bytes
// dropped. tag "hev1" keeps that sample entry; anything else gives "hvc1",
// which HLS wants.
func HEVCCodecString(tag string, extradata []byte) (string, error) {
	prefix := "hvc1"
	if tag == "hev1" {
		prefix = "hev1"
	}
	var ptl []byte
	if isAnnexB(extradata) {
		var fromVPS []byte
		for _, nal := range annexBNALs(extradata) {
			if len(nal) < 2 {
				continue
			}
			u := unescapeRBSP(nal[2:])
			switch (nal[0] >> 1) & 0x3f {
			case 33: // SPS: 4+3+1 bits of ids and flags, then profile_tier_level
				if ptl == nil && len(u) >= 13 {
					ptl = u[1:13]
				}
			case 32: // VPS: 32 bits of ids and flags, then profile_tier_level
				if fromVPS == nil && len(u) >= 16 {
					fromVPS = u[4:16]
				}
			}
		}
		if ptl == nil {
			ptl = fromVPS
		}
	} else if len(extradata) >= 13 {
		ptl = extradata[1:13]
	}
	if ptl == nil {
		return "", fmt.Errorf("hevc: %w", errNoConfig)
	}
	space, tier, idc := ptl[0]>>6, ptl[0]>>5&1, ptl[0]&0x1f
	if idc == 0 || ptl[11] == 0 {
		return "", fmt.Errorf("hevc: profile %d level %d: not a valid profile_tier_level", idc, ptl[11])
	}
	var b strings.Builder
	b.WriteString(prefix)
	b.WriteByte('.')
	if space > 0 {
		b.WriteByte("ABC"[space-1])
	}
	fmt.Fprintf(&b, "%d.%X.", idc, bits.Reverse32(binary.BigEndian.Uint32(ptl[1:5])))
	b.WriteByte("LH"[tier])
	fmt.Fprintf(&b, "%d", ptl[11])
	cons := ptl[5:11]
	n := len(cons)
	for n > 0 && cons[n-1] == 0 {
		n--
	}
	for _, c := range cons[:n] {
		fmt.Fprintf(&b, ".%X", c)
	}
	return b.String(), nil
}

// AV1CodecString builds "av01.P.LLT.DD" from an av1C record, or from a
// sequence header OBU when the extradata is raw OBUs. bitDepth is used only
// if the sequence header's colour config cannot be reached.
func AV1CodecString(extradata []byte, bitDepth int) (string, error) {
	if len(extradata) >= 4 && extradata[0] == 0x81 { // av1C marker + version 1
		profile := extradata[1] >> 5
		level := extradata[1] & 0x1f
		tier := extradata[2] >> 7
		depth := 8
		if extradata[2]>>6&1 == 1 {
			depth = 10
			if extradata[2]>>5&1 == 1 {
				depth = 12
			}
		}
		return av1String(int(profile), int(level), int(tier), depth), nil
	}
	sh, err := av1SequenceHeader(extradata)
	if err != nil {
		return "", err
	}
	if sh.depth == 0 {
		if bitDepth == 0 {
			return "", fmt.Errorf("av1: bit depth unknown")
		}
		sh.depth = bitDepth
	}
	return av1String(sh.profile, sh.level, sh.tier, sh.depth), nil
}

func av1String(profile, level, tier, depth int) string {
	return fmt.Sprintf("av01.%d.%02d%c.%02d", profile, level, "MH"[tier&1], depth)
}

type av1Seq struct{ profile, level, tier, depth int }

// av1SequenceHeader finds the first sequence header OBU and reads operating
// point 0's level and tier and the colour config's bit depth (AV1 spec
// 5.5). depth is 0 when the header ends before the colour config.
func av1SequenceHeader(b []byte) (av1Seq, error) {
	for len(b) > 0 {
		h := b[0]
		if h&0x80 != 0 {
			return av1Seq{}, errors.New("av1: forbidden bit set in OBU header")
		}
		typ := h >> 3 & 0xf
		i := 1
		if h&0x04 != 0 { // extension header
			i++
		}
		if i > len(b) {
			break
		}
		size := len(b) - i
		if h&0x02 != 0 { // has size field: leb128
			v, n := leb128(b[i:])
			if n == 0 {
				return av1Seq{}, errors.New("av1: bad OBU size")
			}
			i += n
			if v > uint64(len(b)-i) {
				v = uint64(len(b) - i) // truncated: parse what is there
			}
			size = int(v)
		}
		payload := b[i : i+size]
		if typ == 1 {
			return parseAV1Seq(payload)
		}
		b = b[i+size:]
	}
	return av1Seq{}, fmt.Errorf("av1: %w", errNoConfig)
}

func leb128(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < 8 && i < len(b); i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			return v, i + 1
		}
	}
	return 0, 0
}

func parseAV1Seq(p []byte) (av1Seq, error) {
	r := &bitReader{b: p}
	var s av1Seq
	s.profile = int(r.u(3))
	r.u(1) // still_picture
	reduced := r.flag()
	decoderModel := false
	bufferDelayLen := 0
	if reduced {
		s.level = int(r.u(5))
	} else {
		if r.flag() { // timing_info_present_flag
			r.u(32) // num_units_in_display_tick
			r.u(32) // time_scale
			if r.flag() {
				r.uvlc() // num_ticks_per_picture_minus_1
			}
			decoderModel = r.flag()
			if decoderModel {
				bufferDelayLen = int(r.u(5)) + 1
				r.u(32) // num_units_in_decoding_tick
				r.u(5)  // buffer_removal_time_length_minus_1
				r.u(5)  // frame_presentation_time_length_minus_1
			}
		}
		initialDisplayDelay := r.flag()
		ops := int(r.u(5)) + 1
		for i := range ops {
			r.u(12) // operating_point_idc
			lvl := int(r.u(5))
			tier := 0
			if lvl > 7 {
				tier = int(r.u(1))
			}
			if decoderModel && r.flag() {
				r.u(bufferDelayLen) // decoder_buffer_delay
				r.u(bufferDelayLen) // encoder_buffer_delay
				r.u(1)              // low_delay_mode_flag
			}
			if initialDisplayDelay && r.flag() {
				r.u(4)
			}
			if i == 0 {
				s.level, s.tier = lvl, tier
			}
		}
	}
	if r.short {
		return av1Seq{}, errors.New("av1: sequence header too short")
	}
	wBits := int(r.u(4)) + 1
	hBits := int(r.u(4)) + 1
	r.u(wBits)
	r.u(hBits)
	if !reduced && r.flag() { // frame_id_numbers_present_flag
		r.u(4)
		r.u(3)
	}
	r.u(3) // use_128x128_superblock, enable_filter_intra, enable_intra_edge_filter
	if !reduced {
		r.u(4) // interintra, masked compound, warped motion, dual filter
		orderHint := r.flag()
		if orderHint {
			r.u(2) // jnt_comp, ref_frame_mvs
		}
		forceSCT := 1
		if !r.flag() { // seq_choose_screen_content_tools
			forceSCT = int(r.u(1))
		}
		if forceSCT > 0 && !r.flag() { // seq_choose_integer_mv
			r.u(1)
		}
		if orderHint {
			r.u(3)
		}
	}
	r.u(3) // superres, cdef, restoration
	depth := 8
	if r.flag() { // high_bitdepth
		depth = 10
		if s.profile == 2 && r.flag() {
			depth = 12
		}
	}
	if !r.short {
		s.depth = depth
	}
	return s, nil
}

// vp9Levels is the VP9 level table (webmproject.org/vp9/levels): the
// largest luma picture and luma sample rate each level allows.
var vp9Levels = []vp9Level{
	{10, 829440, 36864}, {11, 2764800, 73728}, {20, 4608000, 122880},
	{21, 9216000, 245760}, {30, 20736000, 552960}, {31, 36864000, 983040},
	{40, 83558400, 2228224}, {41, 160432128, 2228224}, {50, 311951360, 8912896},
	{51, 588251136, 8912896}, {52, 1176502272, 8912896}, {60, 1176502272, 35651584},
	{61, 2353004544, 35651584}, {62, 4706009088, 35651584},
}

type vp9Level struct {
	level     int
	rate, pic float64
}

// VP9CodecString builds "vp09.PP.LL.DD". WebM and MP4 as ffmpeg 5.1 reads
// them give no vpcC record, so unless the extradata is Matroska's VP9
// CodecPrivate (ID, length, value triples), the profile comes from ffprobe
// (which read it from the frame header), the depth from the decoded pixel
// format, and the level is the lowest whose picture size and sample rate
// fit the stream.
func VP9CodecString(extradata []byte, profile string, bitDepth, width, height int, fps float64) (string, error) {
	prof, level, depth := -1, -1, bitDepth
	for b := extradata; len(b) >= 3; {
		id, n := b[0], int(b[1])
		if n < 1 || len(b) < 2+n {
			break
		}
		v := int(b[2])
		switch id {
		case 1:
			prof = v
		case 2:
			level = v
		case 3:
			depth = v
		}
		b = b[2+n:]
	}
	if prof < 0 {
		if _, err := fmt.Sscanf(profile, "Profile %d", &prof); err != nil || prof < 0 || prof > 3 {
			return "", fmt.Errorf("vp9: profile %q unknown", profile)
		}
	}
	if depth == 0 {
		depth = 8
	}
	if prof > 3 || (depth != 8 && depth != 10 && depth != 12) {
		return "", fmt.Errorf("vp9: profile %d bit depth %d out of range", prof, depth)
	}
	if level > 0 && !slices.ContainsFunc(vp9Levels, func(l vp9Level) bool { return l.level == level }) {
		level = 0 // not a level VP9 defines: derive it instead
	}
	if level <= 0 {
		pic := float64(width) * float64(height)
		if pic <= 0 {
			return "", errors.New("vp9: picture size unknown")
		}
		for _, l := range vp9Levels {
			if pic <= l.pic && (fps <= 0 || pic*fps <= l.rate) {
				level = l.level
				break
			}
		}
		if level <= 0 {
			return "", errors.New("vp9: beyond level 6.2")
		}
	}
	return fmt.Sprintf("vp09.%02d.%02d.%02d", prof, level, depth), nil
}

// mpeg2Profiles maps ffprobe's MPEG-2 profile names to ISO 14496-1
// objectTypeIndication values, for streams whose sequence extension is not
// in the extradata.
var mpeg2Profiles = map[string]int{
	"Simple": 0x60, "Main": 0x61, "SNR Scalable": 0x62,
	"Spatially Scalable": 0x63, "High": 0x64, "4:2:2": 0x65,
}

// MPEG2CodecString builds "mp4v.6X" (X = profile: 0 Simple, 1 Main, 2 SNR,
// 3 Spatial, 4 High, 5 4:2:2) from the sequence extension's
// profile_and_level_indication, falling back to ffprobe's profile name.
func MPEG2CodecString(extradata []byte, profile string) (string, error) {
	for i := 0; i+5 < len(extradata); i++ {
		if extradata[i] != 0 || extradata[i+1] != 0 || extradata[i+2] != 1 || extradata[i+3] != 0xb5 {
			continue
		}
		if extradata[i+4]>>4 != 1 { // not a sequence extension
			continue
		}
		pl := extradata[i+4]<<4 | extradata[i+5]>>4
		if pl&0x80 != 0 {
			if pl == 0x82 || pl == 0x85 { // 4:2:2 profile, high / main level
				return "mp4v.65", nil
			}
			break
		}
		if oti := map[byte]int{5: 0x60, 4: 0x61, 3: 0x62, 2: 0x63, 1: 0x64}[pl>>4&7]; oti != 0 {
			return fmt.Sprintf("mp4v.%02x", oti), nil
		}
		break
	}
	if oti, ok := mpeg2Profiles[profile]; ok {
		return fmt.Sprintf("mp4v.%02x", oti), nil
	}
	return "", fmt.Errorf("mpeg2: %w", errNoConfig)
}

// MPEG4VisualCodecString builds "mp4v.20.N" with N the
// profile_and_level_indication of the visual object sequence header.
func MPEG4VisualCodecString(extradata []byte) (string, error) {
	for i := 0; i+4 < len(extradata); i++ {
		if extradata[i] == 0 && extradata[i+1] == 0 && extradata[i+2] == 1 && extradata[i+3] == 0xb0 {
			return fmt.Sprintf("mp4v.20.%d", extradata[i+4]), nil
		}
	}
	return "", fmt.Errorf("mpeg4: %w", errNoConfig)
}

// aacProfiles maps ffprobe's AAC profile names to audio object types, used
// only when there is no AudioSpecificConfig (ADTS in MPEG-TS).
var aacProfiles = map[string]int{
	"Main": 1, "LC": 2, "SSR": 3, "LTP": 4, "HE-AAC": 5, "HE-AACv2": 29,
	"LD": 23, "ELD": 39, "xHE-AAC": 42,
}

// AACCodecString builds "mp4a.40.AOT" from an AudioSpecificConfig,
// including backward-compatible SBR/PS signalling (an LC config followed by
// the 0x2b7 sync extension is HE-AAC, 5; with PS, HE-AACv2, 29). Without a
// config it falls back to ffprobe's profile name.
func AACCodecString(extradata []byte, profile string) (string, error) {
	if len(extradata) >= 2 {
		if aot, err := aacObjectType(extradata); err == nil {
			return fmt.Sprintf("mp4a.40.%d", aot), nil
		}
	}
	if aot, ok := aacProfiles[profile]; ok {
		return fmt.Sprintf("mp4a.40.%d", aot), nil
	}
	return "", fmt.Errorf("aac: %w", errNoConfig)
}

func aacObjectType(asc []byte) (int, error) {
	r := &bitReader{b: asc}
	objType := func() int {
		t := int(r.u(5))
		if t == 31 {
			t = 32 + int(r.u(6))
		}
		return t
	}
	aot := objType()
	if r.u(4) == 0xf { // samplingFrequencyIndex escape
		r.u(24)
	}
	channels := r.u(4)
	if r.short || aot == 0 {
		return 0, errors.New("aac: bad AudioSpecificConfig")
	}
	if aot != 2 || channels == 0 {
		// Explicit SBR/PS (5, 29) says so itself; other types and
		// configs with a program config element are taken as written.
		return aot, nil
	}
	r.u(1)        // frameLengthFlag
	if r.flag() { // dependsOnCoreCoder
		r.u(14)
	}
	r.u(1) // extensionFlag: always 0 for AOT 2
	if r.left() >= 16 && r.u(11) == 0x2b7 && objType() == 5 && r.flag() {
		if r.u(4) == 0xf {
			r.u(24)
		}
		if r.left() >= 12 && r.u(11) == 0x548 && r.flag() {
			return 29, nil
		}
		if r.short {
			return aot, nil
		}
		return 5, nil
	}
	return aot, nil
}
