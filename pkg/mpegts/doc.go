// Package mpegts reads what veza needs from MPEG transport streams without
// running a process: the program tables at the start of a segment
// (ReadTables, HLS-RULES M9) and whether the first video picture is a
// keyframe (StartsWithKeyframe). Both walk the 188-byte packets with one
// scanner; neither needs more than a segment's first bytes.
package mpegts
