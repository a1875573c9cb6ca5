// Package testmedia makes small broken media files for tests, with real
// ffmpeg: a damaged MPEG-TS and a file whose header promises more than it
// holds. Tests of several packages use the same recipes.
package testmedia
