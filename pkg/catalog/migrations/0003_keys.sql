-- Schema 3: AES-128 encryption keys (issue 9).
-- One row per key of a track: the segments it covers (by index, the same in
-- every rendition of the track, which share their segment boundaries), the
-- URI players fetch it from and the key file next to the output. The key
-- itself is never stored here: fingerprint is a digest that tells
-- which key file a row means without revealing it. A re-run replaces a
-- track's rows.

CREATE TABLE keys (
	track_id      TEXT NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
	idx           INTEGER NOT NULL CHECK (idx >= 0),
	method        TEXT NOT NULL CHECK (method IN ('AES-128')),
	uri           TEXT NOT NULL,              -- EXT-X-KEY URI as written in the playlists
	path          TEXT NOT NULL,              -- key file, relative to the catalog's folder
	first_segment INTEGER NOT NULL CHECK (first_segment >= 0),
	last_segment  INTEGER NOT NULL CHECK (last_segment >= first_segment),
	fingerprint   TEXT NOT NULL,              -- hex SHA-256 of a label and the key, 16 bytes
	created_at    TEXT NOT NULL,
	PRIMARY KEY (track_id, idx)
) STRICT, WITHOUT ROWID;
