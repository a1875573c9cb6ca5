-- Schema 6: what was published to object storage (issue 17). One row per
-- track and target (s3://bucket/prefix) says where its publish stands, and
-- one row per object in the bucket what was put there. Endpoints and
-- credentials are never recorded.

CREATE TABLE publications (
	track_id   TEXT NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
	target     TEXT NOT NULL,                  -- s3://bucket/prefix
	state      TEXT NOT NULL CHECK (state IN ('publishing', 'live', 'published', 'failed')),
	error      TEXT NOT NULL DEFAULT '',       -- why it failed, one line
	updated_at TEXT NOT NULL,
	PRIMARY KEY (track_id, target)
) STRICT, WITHOUT ROWID;

CREATE TABLE published_objects (
	track_id     TEXT NOT NULL,
	target       TEXT NOT NULL,
	bucket       TEXT NOT NULL,                -- the target's, or the keys' bucket
	key          TEXT NOT NULL,
	kind         TEXT NOT NULL,                -- segment, init, playlist, master, mpd…
	size         INTEGER NOT NULL CHECK (size >= 0),
	etag         TEXT NOT NULL,
	published_at TEXT NOT NULL,
	PRIMARY KEY (track_id, target, bucket, key),
	FOREIGN KEY (track_id, target) REFERENCES publications (track_id, target) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
