// Package hls reads and writes HLS playlists and checks HLS output against
// the rules of HLS-RULES.md (veza verify).
//
// Reading. The reader is veza's own line parser rather than grafov/m3u8,
// which the design card names. Run over the 86 real-world playlists of the
// shared corpus, grafov v0.12.1 panics on two (an EXT-X-KEY before an
// EXT-X-MAP: nil pointer), refuses "#EXTINF:10" without its comma in strict
// mode, and keeps no line positions, so a validator could not tell whether
// EXT-X-MEDIA-SEQUENCE came before the first segment (rule M6). Its writer
// prints EXTINF with three decimals (3.0000041 becomes 3.000, drifting the
// catalog's exact durations away from the playlist) and always writes
// PROGRAM-ID, which protocol version 6 removed. A playlist parser is a few
// hundred lines of table-tested, fuzzed code, and owning it keeps grafov's
// types out of veza's API. grafov is still used in the tests, as an
// independent reader of what veza writes.
//
// The reader is lenient where a rule can report the defect (an EXTINF above
// the target, a missing CODECS, TARGETDURATION:0) and strict where a line
// has no meaning (a non-numeric EXTINF, a URI with no EXTINF, a playlist
// mixing master and media tags): those give a *SyntaxError with the line
// number and, when one applies, the rule id.
//
// Writing. MasterPlaylist.Encode and MediaPlaylist.Encode give the same bytes
// for the same playlist, raise EXT-X-VERSION to what the features need, and
// refuse to write an invalid playlist (a target below an EXTINF, a quote in a
// quoted value). WriteFileAtomic, used by every veza command that writes a
// playlist, never leaves a half-written file behind.
//
// Measuring. MeasureBandwidth is the one place HLS-RULES P1 is computed: the
// ladder sets BANDWIDTH with it and the validator checks BANDWIDTH with it.
//
// Verifying. Verify reads a master, a media playlist or a folder and applies
// the rules in three layers: the playlist text (pure functions, table
// tested: M1–M2, M5–M7, P3, P6, K1–K2), the files (stat, MPEG-TS packet scan
// and MP4 box walk: M8–M10; AES-128 segments are decrypted with their key
// file first, K3), and ffprobe of every segment (M3, M4, M11, P4, P5,
// S1–S4), encrypted ones in the clear. Each distinct segment is probed once, NumCPU at a time: one
// ffprobe for streams and format, and for video one for the first frame and
// one for keyframe packet times. fMP4 fragments and byte ranges are copied
// with their init section into a temporary file first. Two ffprobe habits
// are corrected for: a fragment's stream "duration" is its end time (the
// tfdt is read from the box walk and taken off), and audio-only MPEG-TS
// durations are bit-rate estimates (segments are measured from one start
// time to the next instead). VerifyLive samples a live playlist and applies
// the text and file rules plus L1–L5 to every version it sees.
//
// Not checked: K3 (key files and AES-128 decryption), the bitstream of
// encrypted segments, and anything behind a remote (http) URI; remote URIs
// are listed as notes.
package hls
