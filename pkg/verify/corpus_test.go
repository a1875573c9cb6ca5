package verify

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// playlistsDir holds veza's own corpus of odd playlists; expect.txt gives
// the findings of the text rules for each (see its header).
const playlistsDir = "../../testdata/playlists"

// TestCorpus applies the text rules (bytes, syntax, master and media
// playlist rules; no files, no ffprobe) to every playlist of the corpus and
// compares the findings with the rules column of expect.txt.
func TestCorpus(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(playlistsDir, "expect.txt"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 3 {
			t.Fatalf("expect.txt: %q has %d columns, want 3", line, len(cols))
		}
		n++
		file, want := cols[0], []string{}
		if cols[2] != "-" {
			want = strings.Split(cols[2], ",")
		}
		t.Run(file, func(t *testing.T) {
			path := filepath.Join(playlistsDir, file)
			v := newVerifier(Options{NoProbe: true})
			r := v.playlistReport(path, "media")
			_, master, media := v.readPlaylist(path, r)
			switch {
			case master != nil:
				checkMasterPlaylist(master, r, false)
			case media != nil:
				checkMediaPlaylist(media, r, false)
			}
			got := []string{}
			for _, f := range r.Findings {
				got = append(got, f.Rule+"/"+string(f.Severity))
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("findings %v, want %v:\n%+v", got, want, r.Findings)
			}
		})
	}
	if n < 25 {
		t.Errorf("expect.txt lists %d playlists; the corpus has gone missing", n)
	}
}
