-- Schema 1: the facts veza keeps about its output.
-- Times are UTC text, RFC 3339 with milliseconds ("2024-05-01T12:00:00.000Z"),
-- so they sort as text and read well in the sqlite3 shell.

CREATE TABLE tracks (
	id           TEXT PRIMARY KEY,            -- slug: "concert-2024"
	source_path  TEXT NOT NULL DEFAULT '',
	content_hash TEXT NOT NULL DEFAULT '',    -- identifies the source, not its name
	probe_json   TEXT,                        -- ffprobe's report, NULL when unknown
	live         INTEGER NOT NULL DEFAULT 0 CHECK (live IN (0, 1)),
	created_at   TEXT NOT NULL,
	updated_at   TEXT NOT NULL
) STRICT;

CREATE TABLE renditions (
	track_id      TEXT NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
	name          TEXT NOT NULL,              -- "720p", "medium", "hi_res"
	kind          TEXT NOT NULL CHECK (kind IN ('video', 'audio')),
	codecs        TEXT NOT NULL DEFAULT '',   -- RFC 6381: "avc1.64001f,mp4a.40.2"
	bandwidth     INTEGER NOT NULL DEFAULT 0, -- bits per second
	width         INTEGER NOT NULL DEFAULT 0,
	height        INTEGER NOT NULL DEFAULT 0,
	playlist_path TEXT NOT NULL DEFAULT '',
	status        TEXT NOT NULL DEFAULT 'pending'
		CHECK (status IN ('pending', 'encoding', 'done', 'error', 'timeout', 'cancelled')),
	-- A hash of everything that decides the rendition's bytes (source hash,
	-- encoder settings, veza version): a ladder compares it to skip work
	-- that is already done and up to date.
	fingerprint   TEXT NOT NULL DEFAULT '',
	created_at    TEXT NOT NULL,
	updated_at    TEXT NOT NULL,
	PRIMARY KEY (track_id, name)
) STRICT, WITHOUT ROWID;

CREATE TABLE jobs (
	id               TEXT PRIMARY KEY,
	track_id         TEXT NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
	rendition        TEXT,                    -- NULL: the job is not tied to one rendition
	kind             TEXT NOT NULL,           -- "segment", "transcode", "ladder", ...
	status           TEXT NOT NULL DEFAULT 'pending'
		CHECK (status IN ('pending', 'encoding', 'done', 'error', 'timeout', 'cancelled')),
	error            TEXT NOT NULL DEFAULT '',
	args_json        TEXT NOT NULL DEFAULT '[]',
	ffmpeg_version   TEXT NOT NULL DEFAULT '',
	created_at       TEXT NOT NULL,
	started_at       TEXT,
	completed_at     TEXT,
	progress         REAL NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
	current_duration REAL NOT NULL DEFAULT 0, -- seconds of output written so far
	FOREIGN KEY (track_id, rendition) REFERENCES renditions (track_id, name) ON DELETE CASCADE
) STRICT;

-- "A track with its jobs", newest first.
CREATE INDEX jobs_by_track ON jobs (track_id, created_at);
-- "All jobs", newest first, and the foreign key from renditions.
CREATE INDEX jobs_by_created ON jobs (created_at);
CREATE INDEX jobs_by_rendition ON jobs (track_id, rendition);

CREATE TABLE segments (
	track_id   TEXT NOT NULL,
	rendition  TEXT NOT NULL,
	idx        INTEGER NOT NULL CHECK (idx >= 0), -- media sequence number
	path       TEXT NOT NULL,
	duration   REAL NOT NULL CHECK (duration >= 0), -- exact seconds, as EXTINF
	bytes      INTEGER NOT NULL CHECK (bytes >= 0),
	created_at TEXT NOT NULL,
	job_id     TEXT REFERENCES jobs (id) ON DELETE SET NULL,
	removed_at TEXT,                          -- set when a live window dropped the file
	PRIMARY KEY (track_id, rendition, idx),
	FOREIGN KEY (track_id, rendition) REFERENCES renditions (track_id, name) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

-- "One job with its segments" (GET /api/jobs/{id}) and the foreign key from jobs.
CREATE INDEX segments_by_job ON segments (job_id);
