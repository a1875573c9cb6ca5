// Package transcode encodes a batch of files with named presets.
//
// Run expands the inputs (files, folders searched recursively, globs, a
// list of paths read from a reader), probes every candidate and tells media
// from the other files of a folder, picks a preset per file, names the
// outputs under the output folder, and encodes them on a pool of workers.
// Each output is written under a hidden temporary name next to its final
// place and renamed only when ffmpeg succeeded, so an interrupted or failed
// file never leaves half an output. Loudness normalisation and silence
// trimming go through pkg/audio.
//
// HLS outputs are recorded in a catalog when Config.Recorder is set (veza
// transcode --format hls does so, as every HLS segment veza writes is
// recorded): through pkg/recorder, and only once an output is in place, from
// its final playlist, so the catalog never lists a segment of a temporary
// folder.
//
// Run reports through one callback (Config.OnEvent). Its events are the
// batch's own JobStarted and JobFinished around each file's encode events;
// WriteNDJSON writes them in the line-per-event schema (version 1) that
// `veza transcode --events ndjson` prints.
package transcode
