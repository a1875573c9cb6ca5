// Package mpegts reads what veza needs from MPEG transport streams without
// running a process: the program tables at the start of a segment
// (ReadTables, HLS-RULES M9), whether the first video picture is a
// keyframe (StartsWithKeyframe), and every picture of the video stream with
// the byte range an I-frame playlist names for it (Pictures, Keyframes,
// HLS-RULES P9). All of them walk the 188-byte packets with one scanner.
package mpegts
