-- Schema 12: raw recordings of live streams (issue 17). One row per
-- recording file a live job wrote (--record), and one per part of it
-- backed up to object storage while it was written, so that a retention
-- (veza catalog prune) can remove the file, its parts and these rows.

CREATE TABLE recordings (
	track_id   TEXT NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
	path       TEXT NOT NULL,                  -- relative to the catalog's root
	bytes      INTEGER NOT NULL CHECK (bytes >= 0),
	started_at TEXT NOT NULL,
	ended_at   TEXT,                           -- NULL while the stream records
	PRIMARY KEY (track_id, path)
) STRICT, WITHOUT ROWID;

CREATE TABLE recording_parts (
	track_id    TEXT NOT NULL,
	path        TEXT NOT NULL,
	idx         INTEGER NOT NULL CHECK (idx >= 0),
	bucket      TEXT NOT NULL,
	key         TEXT NOT NULL,
	offset      INTEGER NOT NULL CHECK (offset >= 0), -- where the part starts in the file
	size        INTEGER NOT NULL CHECK (size >= 0),
	etag        TEXT NOT NULL,
	uploaded_at TEXT NOT NULL,
	PRIMARY KEY (track_id, path, idx),
	FOREIGN KEY (track_id, path) REFERENCES recordings (track_id, path) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
