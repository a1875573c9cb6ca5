// Package catalog is veza's record of what it produced: tracks, their
// renditions, the jobs that encoded them and every segment on disk, kept in
// one SQLite file (by default <output dir>/veza.db, see DefaultPath) so an
// output folder describes itself.
//
// The catalog is concrete SQLite, not an interface: Open it once per process
// and share the *DB. Several veza processes may write the same file at the
// same time; SQLite's WAL and immediate write transactions keep every write
// whole, and upserts keyed on natural keys (track id, rendition name, segment
// index) make re-runs idempotent. The schema is embedded and migrated on
// Open; a catalog written by a newer veza is refused rather than damaged.
//
// Analyses (loudness and silences measured from a track's source and from
// each rendition's output) hang off the track and are replaced on re-runs.
//
// Writes are ordered by foreign keys: a track before its renditions, a
// rendition before its segments, a job before segments that name it.
package catalog
