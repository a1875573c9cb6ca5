// Package mp4 reads ISO BMFF (MP4, fMP4/CMAF) boxes: one box walker
// (ReadHeader for files read in place, Boxes for bytes in memory) and what
// veza reads through it: the tracks of an fMP4 init section (ReadInit),
// the timing of a media segment (ReadFragment), the fragments that open
// with a sync sample, which I-frame playlists name (KeyFragments), and the
// sample entries an init section holds (SampleEntries). It reads only what
// veza checks and writes nothing; ffmpeg writes the files.
package mp4
