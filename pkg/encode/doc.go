// Package encode runs FFmpeg jobs and turns what ffmpeg prints into events.
//
// A Job describes one ffmpeg run: inputs, an optional -filter_complex graph
// and outputs (plain files or HLS playlists with their segments). Job.Run
// starts ffmpeg in its own process group, reads its machine-readable progress
// from a dedicated pipe (-progress pipe:3) and its log from stderr, and
// delivers Events — segments opened and completed, progress, warnings,
// classified errors, the muxing summary and the exit — in order to one
// callback. Cancelling the context or hitting the job's timeout sends SIGINT
// to the whole group, so ffmpeg still writes trailers and playlists, and
// SIGKILL after a grace period; no ffmpeg started here outlives the call.
//
// The line parsers (log lines, stats lines, progress blocks, media playlist
// durations) are pure functions, table-tested and fuzzed. They accept the
// forms printed by ffmpeg 5.1 and the newer ones (KiB sizes, "N/A" fields,
// "muxing overhead: unknown", per-output summaries).
//
// Capture runs a measuring pass (ffmpeg writing to null) under the same
// process-group and timeout rules and returns its log; pkg/audio builds its
// loudness and silence analysis on it.
//
// The package is Linux-first: process groups and the parent-death signal use
// Linux system calls.
package encode
