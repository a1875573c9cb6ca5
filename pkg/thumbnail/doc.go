// Package thumbnail plans seek-bar thumbnails: sprite sheets of small
// tiles, one every few seconds, that ffmpeg draws (Layout.Filter), and the
// WebVTT track whose cues point at each tile with a #xywh= media fragment
// (Cues, WriteVTT), as hls.js, Shaka Player and video.js read them.
package thumbnail
