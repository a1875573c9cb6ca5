// Package verify checks media output against the rules of HLS-RULES.md
// (veza verify): HLS masters, media playlists and their segments, live
// playlists sampled over time, and MPEG-DASH manifests against their
// fMP4 files. Path chooses the checks for a path and gives one Report.
//
// HLS checks the output in three layers: the playlist text (pure
// functions, table tested: M1–M2, M5–M7, P3, P6, K1–K2), the files (stat,
// MPEG-TS packet scan with pkg/mpegts and MP4 box walk with pkg/mp4:
// M8–M10; AES-128 segments are decrypted with their key file first, K3),
// and ffprobe of every segment (M3, M4, M11, P4, P5, S1–S4), encrypted
// ones in the clear. Each distinct segment is probed once, NumCPU at a
// time: one ffprobe for streams and format, and for video one for the
// first frame and one for keyframe packet times. fMP4 fragments and byte
// ranges are copied with their init section into a temporary file first.
// Two ffprobe habits are corrected for: a fragment's stream "duration" is
// its end time (the tfdt is read from the box walk and taken off), and
// audio-only MPEG-TS durations are bit-rate estimates (segments are
// measured from one start time to the next instead).
//
// Live samples a live playlist and applies the text and file rules plus
// L1–L5 to every version it sees. DASH checks an MPD against the files
// next to it (D1–D5, listed in dash.go).
//
// Not checked: the samples of SAMPLE-AES segments (no key is applied to
// them), the content of AES-128 segments whose key cannot be read (K3 says
// why), and anything behind a remote (http) URI; remote URIs are listed as
// notes.
package verify
