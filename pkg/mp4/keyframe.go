package mp4

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// KeyFragment is a fragment (moof + mdat) of a media segment whose first
// sample of a track is a sync sample: what an fMP4 I-frame playlist names
// (Apple's HLS authoring specification, section 6.10; HLS-RULES P9).
type KeyFragment struct {
	// Offset and Length cover the moof and the data of that first sample,
	// so a player given the init section and these bytes has the sample
	// and the box that describes it.
	Offset, Length int64
	// DecodeTime is the fragment's baseMediaDecodeTime (tfdt) in the
	// track's timescale.
	DecodeTime uint64
}

// sampleNonSync is sample_is_non_sync_sample in sample flags.
const sampleNonSync = 0x10000

// trun flags.
const (
	trunDataOffset       = 0x1
	trunFirstSampleFlags = 0x4
	trunSampleDuration   = 0x100
	trunSampleSize       = 0x200
	trunSampleFlags      = 0x400
)

// KeyFragments lists the fragments of a media segment whose first sample
// of track is a sync sample, in order. Fragments without the track are
// skipped. Sample data must lie inside the segment: data offsets count
// from the moof (default-base-is-moof, as ffmpeg and every CMAF packager
// write) unless tfhd gives a base data offset, which counts from the start
// of seg.
func KeyFragments(seg []byte, track Track) ([]KeyFragment, error) {
	var out []KeyFragment
	r := bytes.NewReader(seg)
	moofs := 0
	for off, end := int64(0), int64(len(seg)); off < end; {
		h, err := ReadHeader(r, off, end)
		if err != nil {
			return nil, err
		}
		if h.Type == "moof" {
			moofs++
			kids, err := Boxes(seg[off+h.HeaderSize : off+h.Size])
			if err != nil {
				return nil, fmt.Errorf("in moof at byte %d: %w", off, err)
			}
			kf, ok, err := keyFragment(kids, track, off, int64(len(seg)))
			if err != nil {
				return nil, fmt.Errorf("moof at byte %d: %w", off, err)
			}
			if ok {
				out = append(out, kf)
			}
		}
		off += h.Size
	}
	if moofs == 0 {
		return nil, errors.New("no moof box")
	}
	return out, nil
}

// keyFragment reads the traf of track in one moof's children; ok is false
// when the moof has no such traf or its first sample is not a sync sample.
func keyFragment(moof []Box, track Track, moofOff, size int64) (kf KeyFragment, ok bool, err error) {
	for _, traf := range moof {
		if traf.Type != "traf" {
			continue
		}
		tfhd, tfdt, trun := traf.Child("tfhd"), traf.Child("tfdt"), traf.Child("trun")
		if tfhd == nil {
			return kf, false, errors.New("a traf has no tfhd")
		}
		h, err := readTfhd(tfhd.Payload)
		if err != nil {
			return kf, false, err
		}
		if h.trackID != track.ID {
			continue
		}
		if tfdt == nil {
			return kf, false, errors.New("a traf has no tfdt")
		}
		if kf.DecodeTime, err = readTfdt(tfdt.Payload); err != nil {
			return kf, false, err
		}
		if trun == nil {
			return kf, false, nil // no samples
		}
		first, err := firstSample(trun.Payload)
		if err != nil || first.count == 0 {
			return kf, false, err
		}
		flags, sampleSize := track.DefaultSampleFlags, track.DefaultSampleSize
		if h.flags&tfhdDefaultFlags != 0 {
			flags = h.defaultFlags
		}
		if h.flags&tfhdDefaultSize != 0 {
			sampleSize = h.defaultSize
		}
		if first.hasFlags {
			flags = first.flags
		}
		if first.hasSize {
			sampleSize = first.size
		}
		if flags&sampleNonSync != 0 {
			return kf, false, nil
		}
		base := moofOff
		if h.flags&tfhdBaseDataOffset != 0 {
			base = int64(h.baseDataOffset)
		}
		start := base + int64(first.dataOffset)
		end := start + int64(sampleSize)
		if start < moofOff || end > size || sampleSize == 0 {
			return kf, false, fmt.Errorf("the first sample (%d bytes at byte %d) is not inside the segment's %d bytes", sampleSize, start, size)
		}
		kf.Offset, kf.Length = moofOff, end-moofOff
		return kf, true, nil
	}
	return kf, false, nil
}

// trunFirst is what a trun says of its first sample.
type trunFirst struct {
	count             uint32
	dataOffset        int32
	flags, size       uint32
	hasFlags, hasSize bool
}

// firstSample reads a trun payload up to its first sample.
func firstSample(p []byte) (trunFirst, error) {
	var f trunFirst
	truncated := errors.New("trun is truncated")
	if len(p) < 8 {
		return f, truncated
	}
	flags := binary.BigEndian.Uint32(p) & 0xffffff
	f.count = binary.BigEndian.Uint32(p[4:])
	p = p[8:]
	take := func() (uint32, bool) {
		if len(p) < 4 {
			return 0, false
		}
		v := binary.BigEndian.Uint32(p)
		p = p[4:]
		return v, true
	}
	var ok bool
	var v uint32
	if flags&trunDataOffset != 0 {
		if v, ok = take(); !ok {
			return f, truncated
		}
		f.dataOffset = int32(v)
	}
	if flags&trunFirstSampleFlags != 0 {
		if f.flags, ok = take(); !ok {
			return f, truncated
		}
		f.hasFlags = true
	}
	if f.count == 0 {
		return f, nil
	}
	if flags&trunSampleDuration != 0 {
		if _, ok = take(); !ok {
			return f, truncated
		}
	}
	if flags&trunSampleSize != 0 {
		if f.size, ok = take(); !ok {
			return f, truncated
		}
		f.hasSize = true
	}
	if flags&trunSampleFlags != 0 {
		if v, ok = take(); !ok {
			return f, truncated
		}
		if !f.hasFlags {
			f.flags, f.hasFlags = v, true
		}
	}
	return f, nil
}
