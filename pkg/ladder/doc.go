// Package ladder turns a source and an ABR ladder definition into the
// renditions veza encodes: which rungs survive (never upscale), their exact
// output sizes (square pixels, even dimensions, portrait and rotation aware),
// one constant frame rate and one fixed GOP shared by every rung so that
// segment N of every rendition starts at the same instant. It also runs the
// ladder (one ffmpeg process with a split filter, or several in parallel) and
// writes the master playlist from measured segments. A ladder may also
// normalise loudness and cut silences (the built-in "replay" does both): the
// source is analysed once, every rung gets the same cuts and gain, and each
// rendition's sound is measured again after encoding.
package ladder
