-- Schema 5: measured picture quality of a track's video rungs (issue 20).
-- One row per (track, rendition): `veza report` compared the rendition with
-- the track's source (PSNR and SSIM at the source's display size, the rung
-- upscaled with scaler). A new report replaces the track's rows.

CREATE TABLE quality (
	track_id      TEXT NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
	rendition     TEXT NOT NULL,
	scaler        TEXT NOT NULL,
	frames        INTEGER NOT NULL CHECK (frames >= 0),
	psnr_mean     REAL NOT NULL,              -- dB
	psnr_p5       REAL NOT NULL,              -- dB, 5th percentile of the frames
	psnr_min      REAL NOT NULL,              -- dB, the worst frame
	ssim_mean     REAL NOT NULL,
	ssim_p5       REAL NOT NULL,
	worst_segment INTEGER NOT NULL,           -- media sequence number
	worst_psnr    REAL NOT NULL,              -- dB, that segment's mean
	bitrate       INTEGER NOT NULL CHECK (bitrate >= 0), -- measured average, bits/s
	created_at    TEXT NOT NULL,
	PRIMARY KEY (track_id, rendition)
) STRICT, WITHOUT ROWID;
