package ffprobe

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// flex holds a JSON value ffprobe writes either as a string or as a number
// (bit_rate is "123", level is 31, rotation became a float in later
// versions); it keeps the text and parses it on demand.
type flex string

func (f *flex) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flex(s)
		return nil
	}
	if string(b) == "null" {
		*f = ""
		return nil
	}
	if string(b) == "true" || string(b) == "false" {
		*f = flex(b)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flex(n)
	return nil
}

func (f flex) float() float64 {
	v, err := strconv.ParseFloat(strings.TrimSpace(string(f)), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

func (f flex) int() int {
	v := f.float()
	if v > math.MaxInt32 || v < math.MinInt32 {
		return 0
	}
	return int(math.Round(v))
}

func (f flex) int64() int64 {
	s := strings.TrimSpace(string(f))
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v
	}
	v := f.float()
	if v > math.MaxInt64/2 || v < math.MinInt64/2 {
		return 0
	}
	return int64(math.Round(v))
}

func (f flex) str() string {
	s := string(f)
	if s == "N/A" || s == "unknown" {
		return ""
	}
	return s
}

type rawOutput struct {
	Streams []rawStream `json:"streams"`
	Format  *rawFormat  `json:"format"`
	Packets []rawPacket `json:"packets"`
}

type rawFormat struct {
	Filename       string            `json:"filename"`
	FormatName     flex              `json:"format_name"`
	FormatLongName flex              `json:"format_long_name"`
	StartTime      flex              `json:"start_time"`
	Duration       flex              `json:"duration"`
	Size           flex              `json:"size"`
	BitRate        flex              `json:"bit_rate"`
	ProbeScore     flex              `json:"probe_score"`
	Tags           map[string]string `json:"tags"`
}

type rawStream struct {
	Index            flex              `json:"index"`
	CodecName        flex              `json:"codec_name"`
	CodecType        flex              `json:"codec_type"`
	Profile          flex              `json:"profile"`
	CodecTagString   flex              `json:"codec_tag_string"`
	Level            flex              `json:"level"`
	Width            flex              `json:"width"`
	Height           flex              `json:"height"`
	SAR              flex              `json:"sample_aspect_ratio"`
	DAR              flex              `json:"display_aspect_ratio"`
	PixFmt           flex              `json:"pix_fmt"`
	FieldOrder       flex              `json:"field_order"`
	RFrameRate       flex              `json:"r_frame_rate"`
	AvgFrameRate     flex              `json:"avg_frame_rate"`
	BitsPerRawSample flex              `json:"bits_per_raw_sample"`
	BitsPerSample    flex              `json:"bits_per_sample"`
	ColorSpace       flex              `json:"color_space"`
	ColorTransfer    flex              `json:"color_transfer"`
	ColorPrimaries   flex              `json:"color_primaries"`
	ColorRange       flex              `json:"color_range"`
	Channels         flex              `json:"channels"`
	ChannelLayout    flex              `json:"channel_layout"`
	SampleRate       flex              `json:"sample_rate"`
	BitRate          flex              `json:"bit_rate"`
	Duration         flex              `json:"duration"`
	Extradata        string            `json:"extradata"`
	Disposition      map[string]flex   `json:"disposition"`
	Tags             map[string]string `json:"tags"`
	SideData         []rawSideData     `json:"side_data_list"`
}

type rawSideData struct {
	Type     string `json:"side_data_type"`
	Rotation flex   `json:"rotation"`
}

type rawPacket struct {
	StreamIndex flex `json:"stream_index"`
	PTS         flex `json:"pts"`
	Flags       flex `json:"flags"`
}

// Decode turns the output of
//
//	ffprobe -v error -show_format -show_streams -show_data -of json
//
// (optionally with -show_entries packet=stream_index,pts,flags for the first
// packets, which Decode uses to detect variable frame rate) into a Result.
// Input is set from the format's filename; Probe replaces it with the name
// the caller gave.
func Decode(data []byte) (*Result, error) {
	return decode(data, true)
}

// decode is Decode; codecStrings false says the output was made without the
// codec private data (Prober.NoCodecStrings), so a missing codec string is
// expected and not worth a warning.
func decode(data []byte, codecStrings bool) (*Result, error) {
	var raw rawOutput
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("decode ffprobe json: %w", err)
	}
	r := &Result{Streams: []Stream{}}
	if raw.Format != nil {
		f := raw.Format
		r.Input = f.Filename
		r.Format = Format{
			Name:       f.FormatName.str(),
			LongName:   f.FormatLongName.str(),
			Duration:   nonNeg(f.Duration.float()),
			Size:       max(f.Size.int64(), 0),
			BitRate:    max(f.BitRate.int64(), 0),
			StartTime:  f.StartTime.float(),
			Tags:       f.Tags,
			ProbeScore: f.ProbeScore.int(),
		}
	}
	pts := packetTimes(raw.Packets)
	for _, rs := range raw.Streams {
		s := decodeStream(&rs)
		if s.Type == "video" && !s.AttachedPic {
			s.VFR = irregular(pts[s.Index])
		}
		r.Streams = append(r.Streams, s)
	}
	r.Summary = summarize(r, codecStrings)
	return r, nil
}

func decodeStream(rs *rawStream) Stream {
	s := Stream{
		Index:          rs.Index.int(),
		Type:           rs.CodecType.str(),
		Codec:          rs.CodecName.str(),
		Profile:        rs.Profile.str(),
		Level:          max(rs.Level.int(), 0),
		CodecTag:       tagString(rs.CodecTagString.str()),
		Width:          max(rs.Width.int(), 0),
		Height:         max(rs.Height.int(), 0),
		SAR:            ratio(rs.SAR.str()),
		DAR:            ratio(rs.DAR.str()),
		RFrameRate:     rs.RFrameRate.str(),
		AvgFrameRate:   rs.AvgFrameRate.str(),
		PixFmt:         rs.PixFmt.str(),
		ColorSpace:     rs.ColorSpace.str(),
		ColorTransfer:  rs.ColorTransfer.str(),
		ColorPrimaries: rs.ColorPrimaries.str(),
		ColorRange:     rs.ColorRange.str(),
		Channels:       max(rs.Channels.int(), 0),
		ChannelLayout:  rs.ChannelLayout.str(),
		SampleRate:     max(rs.SampleRate.int(), 0),
		BitRate:        max(rs.BitRate.int64(), 0),
		Duration:       nonNeg(rs.Duration.float()),
		Language:       rs.Tags["language"],
		Title:          rs.Tags["title"],
		Default:        rs.Disposition["default"].int() == 1,
		Forced:         rs.Disposition["forced"].int() == 1,
		AttachedPic:    rs.Disposition["attached_pic"].int() == 1,
	}
	if s.Language == "und" {
		s.Language = ""
	}
	if s.RFrameRate == "0/0" {
		s.RFrameRate = ""
	}
	if s.AvgFrameRate == "0/0" {
		s.AvgFrameRate = ""
	}
	s.FrameRate = rationalFloat(s.AvgFrameRate)
	if s.FrameRate == 0 {
		s.FrameRate = rationalFloat(s.RFrameRate)
	}
	if s.FrameRate > 1e6 { // nonsense rates would round to +Inf
		s.FrameRate = 0
	}
	s.FrameRate = math.Round(s.FrameRate*1000) / 1000
	switch fo := rs.FieldOrder.str(); fo {
	case "progressive":
		s.FieldOrder = fo
	case "tt", "bb", "tb", "bt":
		s.FieldOrder, s.Interlaced = fo, true
	}
	s.Rotation = rotation(rs)
	s.BitDepth = rs.BitsPerRawSample.int()
	if s.BitDepth <= 0 && s.Type == "video" {
		s.BitDepth = pixFmtDepth(s.PixFmt)
	}
	if s.BitDepth <= 0 && s.Type == "audio" {
		s.BitDepth = rs.BitsPerSample.int()
	}
	s.BitDepth = max(s.BitDepth, 0)
	s.CodecString = CodecString(CodecInfo{
		Codec:     s.Codec,
		Tag:       s.CodecTag,
		Profile:   s.Profile,
		Extradata: parseHexDump(rs.Extradata),
		BitDepth:  s.BitDepth,
		Width:     s.Width,
		Height:    s.Height,
		FrameRate: s.FrameRate,
	})
	return s
}

// tagString drops the "[27][0][0][0]" form ffprobe prints for numeric tags
// (MPEG-TS stream types, WAV format codes): it names no sample entry.
func tagString(t string) string {
	if strings.HasPrefix(t, "[") {
		return ""
	}
	return t
}

// ratio keeps "64:45" and drops ffprobe's placeholders for unknown ("0:1", "N/A").
func ratio(s string) string {
	n, d, ok := strings.Cut(s, ":")
	if !ok {
		return ""
	}
	a, err1 := strconv.Atoi(n)
	b, err2 := strconv.Atoi(d)
	if err1 != nil || err2 != nil || a <= 0 || b <= 0 {
		return ""
	}
	return s
}

func ratioParts(s string) (int, int, bool) {
	n, d, ok := strings.Cut(s, ":")
	if !ok {
		return 0, 0, false
	}
	a, err1 := strconv.Atoi(n)
	b, err2 := strconv.Atoi(d)
	if err1 != nil || err2 != nil || a <= 0 || b <= 0 {
		return 0, 0, false
	}
	return a, b, true
}

// rationalFloat parses "30000/1001" (or a plain number); 0 when invalid.
func rationalFloat(s string) float64 {
	n, d, ok := strings.Cut(s, "/")
	if !ok {
		return flex(s).float()
	}
	a, err1 := strconv.ParseFloat(n, 64)
	b, err2 := strconv.ParseFloat(d, 64)
	if err1 != nil || err2 != nil || b == 0 || math.IsNaN(a/b) || math.IsInf(a/b, 0) || a/b < 0 {
		return 0
	}
	return a / b
}

func nonNeg(v float64) float64 { return max(v, 0) }

// rotation reads the display matrix side data; older ffprobe builds (and
// some muxers) only carry the legacy "rotate" tag.
func rotation(rs *rawStream) int {
	deg, found := 0.0, false
	for _, sd := range rs.SideData {
		if sd.Type == "Display Matrix" && sd.Rotation != "" {
			deg, found = sd.Rotation.float(), true
			break
		}
	}
	if !found {
		if t, ok := rs.Tags["rotate"]; ok {
			deg = flex(t).float()
		}
	}
	// Round to the nearest quarter turn: encoders only handle those, and
	// matrices written with float maths come out as 89.99.
	q := int(math.Round(deg/90)) % 4
	if q < 0 {
		q += 4
	}
	return q * 90
}

// pixFmtDepth guesses the component depth from a pixel format name for
// streams whose bits_per_raw_sample is missing (it is for most non-H.264
// decoders): "yuv420p10le" is 10 bits, "yuv420p" 8.
func pixFmtDepth(p string) int {
	if p == "" {
		return 0
	}
	for _, d := range []int{16, 14, 12, 10, 9} {
		n := strconv.Itoa(d)
		if strings.Contains(p, "p"+n) || strings.HasSuffix(p, n+"le") || strings.HasSuffix(p, n+"be") {
			return d
		}
	}
	return 8
}

// parseHexDump reads ffprobe's -show_data format back into bytes:
//
//	00000000: 0142 c00d ffe1 0016 6742 c00d da05 07ec  .B......gB......
//
// Each line is an 8-digit offset, ": ", up to 16 bytes as hex in pairs
// padded to 41 columns, then the bytes as ASCII.
func parseHexDump(s string) []byte {
	var out []byte
	for line := range strings.SplitSeq(s, "\n") {
		_, rest, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		if len(rest) > 41 {
			rest = rest[:41]
		}
		h := strings.ReplaceAll(rest, " ", "")
		if len(h)%2 == 1 {
			h = h[:len(h)-1]
		}
		b, err := hex.DecodeString(h)
		if err != nil {
			return out
		}
		out = append(out, b...)
	}
	return out
}

// packetTimes groups packet pts by stream index.
func packetTimes(pk []rawPacket) map[int][]int64 {
	m := map[int][]int64{}
	for _, p := range pk {
		if p.PTS.str() == "" {
			continue
		}
		if _, err := strconv.ParseInt(string(p.PTS), 10, 64); err != nil {
			continue
		}
		i := p.StreamIndex.int()
		m[i] = append(m[i], p.PTS.int64())
	}
	return m
}

// irregular says whether frame timestamps are unevenly spaced. ffprobe's
// r_frame_rate and avg_frame_rate both read "25/1" for a Matroska file whose
// frames were dropped, so veza looks at the timestamps themselves: after
// sorting (B-frames arrive out of order), gaps that differ from the median
// gap by more than rounding in the time base (1.5 ticks, or 1 %) at least
// twice mean variable frame rate. NTSC rates in a 1 ms time base (33/34 ms)
// stay constant.
func irregular(pts []int64) bool {
	if len(pts) < 6 {
		return false
	}
	p := slices.Clone(pts)
	slices.Sort(p)
	p = slices.Compact(p)
	var gaps []int64
	for i := 1; i < len(p); i++ {
		gaps = append(gaps, p[i]-p[i-1])
	}
	if len(gaps) < 5 {
		return false
	}
	sorted := slices.Clone(gaps)
	slices.Sort(sorted)
	med := float64(sorted[len(sorted)/2])
	tol := max(1.5, med*0.01)
	odd := 0
	for _, g := range gaps {
		if math.Abs(float64(g)-med) > tol {
			odd++
		}
	}
	return odd >= 2
}
