-- Schema 7: what a track carries besides its picture, and what it left out
-- (issue 15). media holds the EXT-X-MEDIA renditions of a track (audio
-- languages of a demuxed ladder, WebVTT subtitles); audio ones are also in
-- renditions, with their segments. not_carried lists every source stream
-- (or sidecar file) the output leaves out, with the reason. A new ladder
-- run replaces the track's rows.

CREATE TABLE media (
	track_id      TEXT NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
	rendition     TEXT NOT NULL,              -- folder name: audio_en, subs_fr
	type          TEXT NOT NULL CHECK (type IN ('audio', 'subtitles')),
	group_id      TEXT NOT NULL,
	language      TEXT NOT NULL,              -- BCP 47, "und" when unknown
	name          TEXT NOT NULL,              -- NAME players show
	is_default    INTEGER NOT NULL CHECK (is_default IN (0, 1)),
	forced        INTEGER NOT NULL CHECK (forced IN (0, 1)),
	channels      INTEGER NOT NULL CHECK (channels >= 0),
	playlist_path TEXT NOT NULL,
	PRIMARY KEY (track_id, rendition)
) STRICT, WITHOUT ROWID;

CREATE TABLE not_carried (
	track_id TEXT NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
	stream   INTEGER NOT NULL,                -- source stream index, -1 for a file
	file     TEXT NOT NULL,                   -- sidecar file, '' for a stream
	type     TEXT NOT NULL,
	codec    TEXT NOT NULL,
	language TEXT NOT NULL,
	reason   TEXT NOT NULL,
	PRIMARY KEY (track_id, stream, file)
) STRICT, WITHOUT ROWID;
