// Package webvtt reads and writes WebVTT text tracks: the cues ffmpeg
// converts subtitles into, and the segments of an HLS subtitle rendition
// (each a small WebVTT file, with X-TIMESTAMP-MAP when the media is
// MPEG-TS).
package webvtt
