// Package dash describes fMP4 (CMAF) segments with an MPEG-DASH manifest
// (MPD) and reads such manifests.
//
// veza writes one set of segments for both HLS and DASH: the init section
// and .m4s fragments that ffmpeg's HLS muxer produces in fMP4 mode. Build
// reads those files (with pkg/mp4) and writes a static MPD whose
// SegmentTimeline holds the exact fragment durations read from the boxes
// (tfdt and trun), so HLS EXTINF values and DASH segment durations describe
// the same media.
//
// The renditions ffmpeg writes carry audio and video muxed in one file.
// DASH-IF guidelines prefer one component per Representation and dash.js
// refuses muxed Representations outright; Shaka Player plays them on
// browsers whose Media Source Extensions accept a muxed SourceBuffer
// (Chromium does). veza check therefore plays MPDs with Shaka Player.
//
// pkg/verify checks an MPD against the files next to it (rules D1–D5).
package dash
