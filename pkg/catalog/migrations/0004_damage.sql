-- Schema 4: damage ffmpeg reported in a track's source (issue 13, item 11).
-- A source can decode with errors (corrupt packets, concealed macroblocks)
-- or end before its header says, while ffmpeg exits 0. One row per track:
-- the latest encode's report. A clean re-encode removes the row.

CREATE TABLE source_damage (
	track_id    TEXT PRIMARY KEY REFERENCES tracks (id) ON DELETE CASCADE,
	errors      INTEGER NOT NULL CHECK (errors >= 0),  -- damage reports in all ranges
	ranges_json TEXT NOT NULL,                          -- [{"start":s,"end":s,"count":n}], output seconds
	short       INTEGER NOT NULL CHECK (short IN (0, 1)),
	expected    REAL,                                   -- seconds the source promised, when short
	encoded     REAL,                                   -- seconds encoded, when short
	created_at  TEXT NOT NULL
) STRICT;
