// Package ffprobe runs FFmpeg's ffprobe and turns its JSON into typed results:
// format, streams with RFC 6381 codec strings read from the real bitstream
// (avcC, hvcC, av1C, AudioSpecificConfig or in-band parameter sets), and a
// summary that says whether a file is usable as an encoding source.
//
// The JSON decoder (Decode) and the codec string builders (codecs.go) are pure
// functions, table-tested and fuzzed; Prober is the only part that runs a
// process. Failures are *Error values naming the input and the cause, e.g.
//
//	probe "clip.mp4": not a media file (invalid data found)
package ffprobe
