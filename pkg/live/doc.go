// Package live turns a live source — SRT (listener or caller), UDP MPEG-TS,
// RTMP or a pipe — into sliding-window HLS, recorded in the catalog as it
// goes.
//
// ffmpeg reads the source and writes segments into the rendition folder
// with an EVENT playlist of its own in a private folder: it never deletes a
// segment, and it rewrites that playlist as each segment completes. veza
// reads that playlist every 10 ms (more often than pkg/encode does for its
// SegmentCompleted, see follow), records each new segment in the catalog at
// once (through pkg/recorder), and publishes the public index.m3u8 itself,
// atomically: a window of Window segments (never under 6 and 3 × the target
// duration), an EXT-X-PROGRAM-DATE-TIME on every segment,
// EXT-X-MEDIA-SEQUENCE raised by the number dropped, versions at least half
// a target duration apart, and EXT-X-ENDLIST when the job ends (the
// playlist type is left as it was). A dropped segment is marked removed in
// the catalog, and its file is deleted only once it has been out of the
// playlist for its duration plus the playlist's (HLS-RULES L1–L5). The
// track is Live while the job runs.
//
// A source that goes quiet for IdleTimeout ends the job cleanly: each
// protocol is given its own read timeout so ffmpeg finishes its files
// (ffmpeg does not react to SIGINT while blocked on a socket), with a
// watchdog behind it. With Reconnect the job instead waits for the source
// and goes on after an EXT-X-DISCONTINUITY, ffmpeg restarted with its
// segment numbering continued.
//
// The source's streams are read from ffmpeg's own description of its input
// (a report file, FFREPORT), because a live source cannot be probed twice;
// the output's CODECS string from ffprobe on the first segment.
//
// With Config.Ladder the job is a live ladder: a receiving ffmpeg relays the
// source unchanged through a FIFO to one encoding ffmpeg, started once the
// source's size is known so that no rung is above it; that one decode feeds
// every rung, keyframes forced at every segment boundary in all of them.
// Each rung's window is published as one rendition's is, into
// <Rendition>/<rung>/index.m3u8, with the same sequence numbers and
// discontinuities, and a live master beside them is written once, when
// every rung has its first segment: BANDWIDTH from the rung's ceiling and
// AVERAGE-BANDWIDTH from its target, each plus the overhead measured in
// that segment, CODECS from ffprobe of it.
//
// A Limiter caps how many live jobs run at once, in one process or across
// the processes sharing a folder, and refuses the next with ErrCapacity.
package live
