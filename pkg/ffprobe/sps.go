package ffprobe

import (
	"errors"
	"fmt"
)

// AVCPicture is what an H.264 sequence parameter set says about the
// pictures of a stream.
type AVCPicture struct {
	// Codec is the RFC 6381 string, "avc1.PPCCLL".
	Codec string
	// Width and Height are the displayed size in pixels, after the
	// SPS's frame cropping.
	Width, Height int
}

// ReadAVCPicture finds the first SPS in an Annex-B byte stream (the start
// of an H.264 elementary stream, as an MPEG-TS segment carries it) and
// reads the codec string and the cropped picture size from it, so a
// rendition can be described without starting ffprobe.
func ReadAVCPicture(annexB []byte) (AVCPicture, error) {
	for _, nal := range annexBNALs(annexB) {
		if len(nal) == 0 || nal[0]&0x1f != 7 {
			continue
		}
		codec, err := AVCCodecString("", annexB)
		if err != nil {
			return AVCPicture{}, err
		}
		w, h, err := avcSize(unescapeRBSP(nal)[1:])
		if err != nil {
			return AVCPicture{}, err
		}
		return AVCPicture{Codec: codec, Width: w, Height: h}, nil
	}
	return AVCPicture{}, fmt.Errorf("h264: %w", errNoConfig)
}

// errBadSPS is returned for a sequence parameter set that does not parse.
var errBadSPS = errors.New("h264: bad sequence parameter set")

// maxMBs bounds the picture size an SPS may declare (level 6.2's frame
// size is 139264 macroblocks), so garbage cannot claim a huge picture.
const maxMBs = 139264

// avcSize reads an SPS's RBSP (after the NAL header byte) up to the frame
// cropping fields (ITU-T H.264 7.3.2.1.1) and returns the displayed size.
func avcSize(rbsp []byte) (width, height int, err error) {
	r := &bitReader{b: rbsp}
	profile := r.u(8)
	r.u(16) // constraint flags, level_idc
	r.ue()  // seq_parameter_set_id
	chroma := uint64(1)
	if highProfile(profile) {
		chroma = r.ue()
		if chroma > 3 {
			return 0, 0, errBadSPS
		}
		separate := false
		if chroma == 3 {
			separate = r.flag()
		}
		if separate {
			chroma = 0 // coded as three monochrome planes (Table 6-1, ChromaArrayType 0)
		}
		r.ue() // bit_depth_luma_minus8
		r.ue() // bit_depth_chroma_minus8
		r.u(1) // qpprime_y_zero_transform_bypass_flag
		if r.flag() {
			lists := 8
			if chroma == 3 && !separate {
				lists = 12
			}
			for i := range lists {
				if r.flag() {
					size := 16
					if i >= 6 {
						size = 64
					}
					skipScalingList(r, size)
				}
			}
		}
	}
	r.ue() // log2_max_frame_num_minus4
	switch r.ue() {
	case 0:
		r.ue() // log2_max_pic_order_cnt_lsb_minus4
	case 1:
		r.u(1) // delta_pic_order_always_zero_flag
		r.se() // offset_for_non_ref_pic
		r.se() // offset_for_top_to_bottom_field
		n := r.ue()
		if n > 255 {
			return 0, 0, errBadSPS
		}
		for range n {
			r.se()
		}
	}
	r.ue() // max_num_ref_frames
	r.u(1) // gaps_in_frame_num_value_allowed_flag
	mbW := r.ue() + 1
	mapH := r.ue() + 1
	frameMBsOnly := r.flag()
	if !frameMBsOnly {
		r.u(1) // mb_adaptive_frame_field_flag
	}
	r.u(1) // direct_8x8_inference_flag
	var cropL, cropR, cropT, cropB uint64
	if r.flag() {
		cropL, cropR, cropT, cropB = r.ue(), r.ue(), r.ue(), r.ue()
	}
	if r.short {
		return 0, 0, errBadSPS
	}
	fieldFactor := uint64(1)
	if !frameMBsOnly {
		fieldFactor = 2
	}
	mbH := mapH * fieldFactor
	if mbW*mbH > maxMBs {
		return 0, 0, errBadSPS
	}
	// Crop units (7-19 to 7-22): one sample horizontally and one line per
	// field vertically without chroma; otherwise the chroma subsampling.
	unitX, unitY := uint64(1), fieldFactor
	switch chroma {
	case 1:
		unitX, unitY = 2, 2*fieldFactor
	case 2:
		unitX = 2
	}
	w, h := mbW*16, mbH*16
	if cx, cy := unitX*(cropL+cropR), unitY*(cropT+cropB); cx < w && cy < h {
		w, h = w-cx, h-cy
	} else {
		return 0, 0, errBadSPS
	}
	return int(w), int(h), nil
}

// highProfile says the SPS carries chroma format and bit depth fields.
func highProfile(p uint64) bool {
	switch p {
	case 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135:
		return true
	}
	return false
}

// skipScalingList reads past one scaling_list() (7.3.2.1.1.1).
func skipScalingList(r *bitReader, size int) {
	last, next := int64(8), int64(8)
	for range size {
		if next != 0 {
			next = (last + r.se() + 256) % 256
			if r.short {
				return
			}
		}
		if next != 0 {
			last = next
		}
	}
}

// ue reads an unsigned Exp-Golomb code (H.264 9.1).
func (r *bitReader) ue() uint64 {
	zeros := 0
	for !r.flag() {
		if r.short || zeros >= 32 {
			r.short = true
			return 0
		}
		zeros++
	}
	return r.u(zeros) + (1<<zeros - 1)
}

// se reads a signed Exp-Golomb code (H.264 9.1.1).
func (r *bitReader) se() int64 {
	k := r.ue()
	if k%2 == 1 {
		return int64(k+1) / 2
	}
	return -int64(k / 2)
}
