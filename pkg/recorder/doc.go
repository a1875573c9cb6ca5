// Package recorder is the one writer of what veza produced into the
// catalog: tracks, renditions and their status, jobs from start to finish,
// segments as ffmpeg completes them, segments a live window dropped, the
// reconciliation with a final playlist, AES-128 key rows, loudness
// analyses, measured picture quality, and the import of output already on disk. pkg/ladder and
// pkg/live hand it what happened; they read the catalog but never write it.
//
// Every path is recorded relative to Recorder.Root, by Rel.
package recorder
