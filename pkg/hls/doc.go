// Package hls reads and writes HLS playlists, measures their bandwidth and
// encrypts and decrypts their AES-128 segments. The checks of veza verify
// are in pkg/verify.
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
// quoted value). WriteMaster and WriteMedia write through layout.WriteFile,
// which never leaves a half-written file behind.
//
// Measuring. MeasureBandwidth is the one place HLS-RULES P1 is computed: the
// ladder sets BANDWIDTH with it and pkg/verify checks BANDWIDTH with it.
//
// Encrypting. EncryptSegment and DecryptSegment are AES-128-CBC with PKCS#7
// padding as RFC 8216 §5.2 describes it; the IV is the EXT-X-KEY IV or the
// segment's media sequence number (SegmentIV).
package hls
