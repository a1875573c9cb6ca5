package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/veza-media/veza/pkg/dash"
	"github.com/veza-media/veza/pkg/hls"
)

// verifyPath checks one PATH: an .mpd with the DASH rules, a folder with
// the HLS rules and, when it holds MPDs, the DASH rules too (one report),
// anything else with the HLS rules.
func verifyPath(ctx context.Context, p string, opts hls.Options) (*hls.Report, error) {
	st, err := os.Stat(p)
	if err == nil && !st.IsDir() && strings.EqualFold(filepath.Ext(p), ".mpd") {
		return dash.Verify(ctx, p, dash.Options{})
	}
	if err != nil || !st.IsDir() {
		return hls.Verify(ctx, p, opts)
	}
	mpds, err := dash.FindMPDs(p)
	if err != nil || len(mpds) == 0 {
		return hls.Verify(ctx, p, opts)
	}
	drep, err := dash.Verify(ctx, p, dash.Options{})
	if err != nil {
		return nil, err
	}
	hrep, err := hls.Verify(ctx, p, opts)
	if err != nil {
		if ctx.Err() != nil || hasPlaylists(p) {
			return nil, err
		}
		return drep, nil // a DASH-only folder
	}
	hrep.Playlists = append(hrep.Playlists, drep.Playlists...)
	hrep.Must += drep.Must
	hrep.Should += drep.Should
	return hrep, nil
}

// hasPlaylists says whether a folder holds any .m3u8 (hidden ones aside).
func hasPlaylists(dir string) bool {
	found := false
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || found {
			return filepath.SkipAll
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		found = !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".m3u8")
		return nil
	})
	return found
}
