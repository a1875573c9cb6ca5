// Package audio measures and conditions sound with ffmpeg: EBU R128
// loudness and silences.
//
// Analyze runs one measuring pass over an input's audio (loudnorm's first
// pass and silencedetect); Normalize turns the measurement into the
// second-pass loudnorm filter, linear unless that would break the true-peak
// limit; KeepIntervals and TrimGraph cut silences down to a short pad in
// picture and sound alike. Prepare does all of it for one source from
// Settings and returns the Filters to put in front of its encodes (Apply
// puts them into a one-output encode.Job) and the Report; Measure checks a
// finished output (a file or a whole HLS playlist) with ebur128.
//
// The log parsers (loudnorm's JSON block, ebur128's summary, silencedetect
// lines) are pure functions, table-tested and fuzzed.
package audio
