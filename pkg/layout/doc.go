// Package layout is the vocabulary of a veza output folder: the names of
// the files veza writes there (master and media playlists, the DASH
// manifest, the fMP4 init segment, numbered segments and keys, the private
// staging folder, the catalog), the one atomic file write every writer of
// those files uses, and the one walk that finds the playlists and manifests
// in a folder.
//
// It imports nothing from veza, so every package that reads or writes an
// output folder can use it.
package layout
