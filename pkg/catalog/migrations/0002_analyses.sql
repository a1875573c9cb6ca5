-- Schema 2: loudness and silence analyses (issue 7).
-- One row per (track, rendition, kind): the source's measurement before
-- encoding (kind 'input', rendition '') and each rendition's measurement of
-- the encoded output (kind 'output'). A re-run replaces the row.

CREATE TABLE analyses (
	track_id      TEXT NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
	rendition     TEXT NOT NULL DEFAULT '',   -- '' for the source
	kind          TEXT NOT NULL CHECK (kind IN ('input', 'output')),
	-- EBU R128 figures; NULL when not measured (silence detection only).
	integrated    REAL,                       -- LUFS
	true_peak     REAL,                       -- dBTP
	lra           REAL,                       -- LU
	threshold     REAL,                       -- LUFS, the relative gate
	target_offset REAL,                       -- LU, loudnorm's second-pass offset
	-- How the output was normalised: 'linear', 'dynamic', or '' (not normalised).
	normalization TEXT NOT NULL DEFAULT '' CHECK (normalization IN ('', 'linear', 'dynamic')),
	-- [{"start":6.0,"end":11.0}, ...] in seconds of the analysed media.
	silences_json TEXT NOT NULL DEFAULT '[]',
	job_id        TEXT REFERENCES jobs (id) ON DELETE SET NULL,
	created_at    TEXT NOT NULL,
	PRIMARY KEY (track_id, rendition, kind)
) STRICT, WITHOUT ROWID;
