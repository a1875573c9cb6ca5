package ladder

import (
	"bytes"
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/veza-media/veza/pkg/check"
	"github.com/veza-media/veza/pkg/dash"
	"github.com/veza-media/veza/pkg/encode"
	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/layout"
	"github.com/veza-media/veza/pkg/mp4"
	"github.com/veza-media/veza/pkg/player"
	"github.com/veza-media/veza/pkg/verify"
)

// verifyMust runs veza verify's HLS rules on a master and returns the MUST
// findings as "rule segment: message" lines.
func verifyMust(t *testing.T, master string) []string {
	t.Helper()
	rep, err := verify.HLS(context.Background(), master, verify.Options{RequireIFrames: true})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range rep.Playlists {
		for _, f := range p.Findings {
			if f.Severity == verify.Must {
				out = append(out, f.Rule+" "+f.Segment+": "+f.Message)
			}
		}
	}
	return out
}

// TestEncryptedLadder: an AES-128 TS ladder with a new key every segment
// passes verify (K1–K3), keeps its keys in 0600 files and in the catalog
// (never the key itself), resumes, plays in hls.js, and fails K3 once a
// key file is swapped.
func TestEncryptedLadder(t *testing.T) {
	ctx := context.Background()
	out := t.TempDir()
	db := openCatalog(t, out)
	var notes []string
	cfg := Config{Input: media(t, "av.mp4"), OutDir: out, Ladder: small, SegmentTime: 2, Catalog: db,
		Encoding: Encoding{Preset: "ultrafast"}, Encryption: &Encryption{Rotation: 1},
		OnEvent: func(e Event) { notes = append(notes, e.Message) }}
	res, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Keys != 2 {
		t.Fatalf("%d keys for 2 segments rotated every segment", res.Keys)
	}
	var keys [][]byte
	for i := range 2 {
		p := filepath.Join(out, "av", "key_0000"+string(rune('0'+i))+".key")
		st, err := os.Stat(p)
		if err != nil || st.Mode().Perm() != 0o600 || st.Size() != 16 {
			t.Fatalf("key file %s: %v %v", p, st, err)
		}
		k, _ := os.ReadFile(p)
		keys = append(keys, k)
	}
	if bytes.Equal(keys[0], keys[1]) {
		t.Error("rotation reused the same key")
	}
	for _, rd := range []string{"240p", "120p"} {
		pl := checkRendition(t, db, out, "av", rd)
		if pl.Version < 2 {
			t.Errorf("%s: VERSION %d with explicit IVs", rd, pl.Version)
		}
		for i, s := range pl.Segments {
			if s.Key == nil || s.Key.Method != "AES-128" || s.Key.URI != "../key_0000"+string(rune('0'+i))+".key" || s.Key.IV == "" {
				t.Fatalf("%s segment %d key %+v", rd, i, s.Key)
			}
			iv, err := hls.ParseIV(s.Key.IV)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(filepath.Join(out, "av", rd, s.URI))
			clear, err := hls.DecryptSegment(keys[i], iv, data)
			if err != nil || len(clear)%188 != 0 || clear[0] != 0x47 {
				t.Errorf("%s segment %d does not decrypt to TS: %v", rd, i, err)
			}
		}
	}
	ks, err := db.Keys(ctx, "av")
	if err != nil || len(ks) != 2 || ks[0].FirstSegment != 0 || ks[1].FirstSegment != 1 || ks[1].LastSegment != 1 || ks[1].Path != "av/key_00001.key" {
		t.Fatalf("catalog keys %+v %v", ks, err)
	}
	// Neither the catalog, the rendition fingerprints nor the events hold a
	// key in clear.
	for _, k := range keys {
		h := hex.EncodeToString(k)
		for _, r := range ks {
			if strings.Contains(r.Fingerprint, h) || strings.Contains(r.URI, h) {
				t.Errorf("catalog row holds the key: %+v", r)
			}
		}
		if slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, h) || strings.Contains(n, string(k)) }) {
			t.Error("an event holds the key")
		}
	}
	if must := verifyMust(t, res.Master); len(must) > 0 {
		t.Fatalf("the encrypted ladder fails verify:\n%s", strings.Join(must, "\n"))
	}

	// hls.js plays it (one Chromium launch).
	if _, err := check.FindChromium(""); err != nil {
		t.Logf("not played: %v", err)
	} else if js, _, err := player.LoadHLSJS(ctx, player.Options{Fetch: true}); err != nil {
		t.Logf("not played: hls.js: %v", err)
	} else {
		cctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
		rep, err := check.Run(cctx, check.Config{Target: res.Master, Seconds: 2, PlayerJS: js})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rep.Results {
			if !r.Passed {
				t.Errorf("check %s %s: %s", r.Kind, r.Name(), r.Error)
			}
		}
		if len(rep.Results) != 4 {
			t.Errorf("%d check results, want 4", len(rep.Results))
		}
	}

	// A rerun reuses everything, keys included.
	if res, err = Run(ctx, cfg); err != nil || !res.UpToDate {
		t.Fatalf("rerun: %+v %v", res, err)
	}
	// Another key (from a file) changes the fingerprint: everything is
	// encoded again, with that key and no rotation.
	keyFile := filepath.Join(t.TempDir(), "key.bin")
	os.WriteFile(keyFile, []byte("0123456789abcdef"), 0o600)
	cfg.Encryption = &Encryption{KeyFile: keyFile, KeyURL: "https://keys.example/av/{key}"}
	if res, err = Run(ctx, cfg); err != nil || len(res.Encoded) != 2 || res.Keys != 1 {
		t.Fatalf("new key: %+v %v", res, err)
	}
	pl, _ := hls.ReadMedia(filepath.Join(out, "av", "240p", layout.Playlist))
	if pl.Segments[1].Key.URI != "https://keys.example/av/key_00000.key" {
		t.Errorf("key URL %q", pl.Segments[1].Key.URI)
	}
	if k, _ := os.ReadFile(filepath.Join(out, "av", "key_00000.key")); string(k) != "0123456789abcdef" {
		t.Error("the key file's key is not the one served")
	}
	// Clear output again: re-encoded, no key tags, no catalog keys.
	cfg.Encryption = nil
	if res, err = Run(ctx, cfg); err != nil || len(res.Encoded) != 2 || res.Keys != 0 {
		t.Fatalf("clear: %+v %v", res, err)
	}
	if ks, _ := db.Keys(ctx, "av"); len(ks) != 0 {
		t.Errorf("keys left in the catalog: %+v", ks)
	}
	if pl, _ := hls.ReadMedia(filepath.Join(out, "av", "240p", layout.Playlist)); pl.Segments[0].Key != nil {
		t.Error("clear rendition has a key")
	}

	// A wrong key file fails K3.
	cfg.Encryption = &Encryption{}
	if res, err = Run(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(out, "av", "key_00000.key"), []byte("fedcba9876543210"), 0o600)
	must := verifyMust(t, res.Master)
	if len(must) == 0 || !strings.HasPrefix(must[0], "K3 ") {
		t.Errorf("wrong key: MUST findings %v, want K3", must)
	}

	for _, bad := range []Encryption{{Rotation: 2, KeyFile: keyFile}, {Rotation: 2, KeyURL: "https://k/one.key"}, {Rotation: -1}} {
		cfg.Encryption = &bad
		if _, err := Run(ctx, cfg); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

// TestDASHLadder: --dash describes the fMP4 segments with an MPD whose
// durations are the HLS EXTINF values, that passes the DASH checks, and
// that comes back when deleted without encoding again.
func TestDASHLadder(t *testing.T) {
	ctx := context.Background()
	out := t.TempDir()
	db := openCatalog(t, out)
	cfg := Config{Input: media(t, "av.mp4"), OutDir: out, Ladder: small, SegmentTime: 2, Catalog: db,
		Encoding: Encoding{Format: FormatFMP4, Preset: "ultrafast"}, DASH: true}
	res, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.MPD != filepath.Join(out, "av", layout.Manifest) {
		t.Fatalf("MPD %q", res.MPD)
	}
	if must := verifyMust(t, res.Master); len(must) > 0 {
		t.Errorf("fMP4 ladder fails verify:\n%s", strings.Join(must, "\n"))
	}
	drep, err := verify.DASH(ctx, res.MPD)
	if err != nil || drep.Failed() || drep.Segments() != 4 {
		t.Fatalf("MPD verify: %+v %v", drep, err)
	}
	data, _ := os.ReadFile(res.MPD)
	m, err := dash.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	as := m.Periods[0].AdaptationSets[0]
	for i, rep := range as.Representations {
		v := res.Variants[i]
		if rep.ID != v.Name || rep.Codecs != v.Codecs || rep.Bandwidth != v.Bandwidth || rep.Width != v.Width || rep.FrameRate != "25" {
			t.Errorf("Representation %+v for variant %+v", rep, v)
		}
		pl, _ := hls.ReadMedia(filepath.Join(out, "av", v.URI))
		segs, err := rep.SegmentTemplate.Segments(rep.ID, rep.Bandwidth, float64(m.MediaPresentationDuration))
		if err != nil || len(segs) != len(pl.Segments) {
			t.Fatalf("%s: %d DASH segments, %d HLS (%v)", rep.ID, len(segs), len(pl.Segments), err)
		}
		for j, s := range segs {
			if d := s.Seconds(rep.SegmentTemplate.Timescale) - pl.Segments[j].Duration; d > 1e-3 || d < -1e-3 {
				t.Errorf("%s segment %d: DASH %.6f s, HLS %.6f s", rep.ID, j, s.Seconds(rep.SegmentTemplate.Timescale), pl.Segments[j].Duration)
			}
			if s.URL != rep.ID+"/"+pl.Segments[j].URI {
				t.Errorf("%s segment %d: %s vs %s", rep.ID, j, s.URL, pl.Segments[j].URI)
			}
		}
	}
	if res, err := Run(ctx, cfg); err != nil || !res.UpToDate || res.MPD == "" {
		t.Fatalf("rerun: %+v %v", res, err)
	}
	os.Remove(filepath.Join(out, "av", layout.Manifest))
	res, err = Run(ctx, cfg)
	if err != nil || res.UpToDate || len(res.Encoded) != 0 || len(res.Reused) != 2 {
		t.Fatalf("MPD rewritten: %+v %v", res, err)
	}
	if _, err := os.Stat(res.MPD); err != nil {
		t.Error(err)
	}
	for name, bad := range map[string]Config{
		"ts":        {Encoding: Encoding{Format: FormatTS}, DASH: true},
		"encrypted": {Encoding: Encoding{Format: FormatFMP4}, DASH: true, Encryption: &Encryption{}},
	} {
		c := cfg
		c.Encoding, c.DASH, c.Encryption = bad.Encoding, bad.DASH, bad.Encryption
		if _, err := Run(ctx, c); err == nil || !strings.Contains(err.Error(), "DASH") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestHEVCfMP4LadderVerifies: an HEVC rung goes into fMP4 tagged hvc1,
// and the ladder passes verify (M8, S4).
func TestHEVCfMP4LadderVerifies(t *testing.T) {
	out := t.TempDir()
	db := openCatalog(t, out)
	l := Ladder{Name: "hevc", Rungs: []Rung{{Name: "240p", Codec: "hevc", Height: 240, Bitrate: 300, AudioBitrate: 64}}}
	res, err := Run(context.Background(), Config{Input: media(t, "av.mp4"), OutDir: out, Ladder: l, SegmentTime: 2, Catalog: db,
		Encoding: Encoding{Format: FormatFMP4, Preset: "ultrafast"}})
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Variants[0].Codecs; !strings.HasPrefix(c, "hvc1.") {
		t.Errorf("CODECS %q", c)
	}
	init, _ := os.ReadFile(filepath.Join(out, "av", "240p", layout.Init))
	if e := mp4.SampleEntries(init); !e["hvc1"] {
		t.Errorf("init section sample entries %v, want hvc1", e)
	}
	pl, _ := hls.ReadMedia(filepath.Join(out, "av", "240p", layout.Playlist))
	if pl.Version < 6 || pl.Segments[0].Map == nil {
		t.Errorf("VERSION %d, map %+v", pl.Version, pl.Segments[0].Map)
	}
	if must := verifyMust(t, res.Master); len(must) > 0 {
		t.Errorf("HEVC fMP4 ladder fails verify:\n%s", strings.Join(must, "\n"))
	}
}

// TestEncryptedLadderNeverClearOnDisk: while ffmpeg writes an encrypted
// ladder, nothing clear is in the track folder people serve — no TS segment
// in the clear, no playlist without EXT-X-KEY. ffmpeg used to write both
// there and veza encrypted them at the end, so a crash left them clear.
func TestEncryptedLadderNeverClearOnDisk(t *testing.T) {
	out := t.TempDir()
	track := filepath.Join(out, "av")
	var looks, clear int
	var seen []string
	look := func() {
		looks++
		filepath.WalkDir(track, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if d.IsDir() && d.Name() == layout.Staging {
				return filepath.SkipDir
			}
			data, _ := os.ReadFile(p)
			switch filepath.Ext(p) {
			case ".ts":
				if len(data) >= 189 && data[0] == 0x47 && data[188] == 0x47 {
					clear++
					seen = append(seen, p)
				}
			case ".m3u8":
				if bytes.Contains(data, []byte("#EXTINF")) && !bytes.Contains(data, []byte("#EXT-X-KEY")) {
					clear++
					seen = append(seen, p)
				}
			}
			return nil
		})
	}
	cfg := Config{Input: media(t, "av.mp4"), OutDir: out, Ladder: small, SegmentTime: 1, Catalog: openCatalog(t, out),
		Encoding: Encoding{Preset: "ultrafast"}, Encryption: &Encryption{},
		OnEvent: func(e Event) {
			if _, ok := e.Encode.(encode.SegmentCompleted); ok {
				look()
			}
		}}
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	look()
	if looks < 3 || clear > 0 {
		t.Fatalf("%d looks, %d clear files in the served folder: %v", looks, clear, seen)
	}
	if _, err := os.Stat(filepath.Join(track, layout.Staging)); !os.IsNotExist(err) {
		t.Errorf("staging folder left behind: %v", err)
	}
	for _, rd := range []string{"240p", "120p"} {
		checkRendition(t, openCatalog(t, out), out, "av", rd)
	}
}
