// Package tracker records an encode job's HLS segments in the catalog as
// ffmpeg completes them, and reconciles the catalog with the final playlist
// when the job ends. It joins pkg/encode's events to pkg/catalog's rows.
package tracker
