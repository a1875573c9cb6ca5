-- Schema 8: seek-bar thumbnails of a track (issue 16). One row per file a
-- ladder wrote for them: the WebVTT track (kind 'vtt') and each sprite
-- sheet (kind 'sheet'). Drawing them again replaces the track's rows.

CREATE TABLE thumbnails (
	track_id    TEXT NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
	path        TEXT NOT NULL,                -- relative to the catalog's root
	kind        TEXT NOT NULL CHECK (kind IN ('vtt', 'sheet')),
	bytes       INTEGER NOT NULL CHECK (bytes >= 0),
	width       INTEGER NOT NULL CHECK (width >= 0),  -- pixels of a sheet; 0 for the VTT
	height      INTEGER NOT NULL CHECK (height >= 0),
	interval    REAL NOT NULL CHECK (interval > 0),   -- seconds between tiles
	tile_width  INTEGER NOT NULL CHECK (tile_width > 0),
	tile_height INTEGER NOT NULL CHECK (tile_height > 0),
	created_at  TEXT NOT NULL,
	PRIMARY KEY (track_id, path)
) STRICT, WITHOUT ROWID;
