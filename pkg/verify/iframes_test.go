package verify

import (
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/veza-media/veza/pkg/ffprobe"
	"github.com/veza-media/veza/pkg/hls"
)

// iframeLadder has ffmpeg's HLS muxer (not veza's ladder) write two video
// renditions with muxed audio, 3 s with a keyframe every second in 2 s
// segments, then builds each rendition's I-frame playlist with
// hls.BuildIFramePlaylist and writes a master listing both. It returns the
// master's path.
func iframeLadder(t *testing.T, fmp4 bool) string {
	t.Helper()
	dir := t.TempDir()
	ext, extra := "ts", []string{}
	if fmp4 {
		ext, extra = "m4s", []string{"-hls_segment_type", "fmp4"}
	}
	args := []string{
		"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=3", "-f", "lavfi", "-i", "sine=duration=3",
		"-filter_complex", "[0:v]split=2[a][b];[b]scale=160:120[b2]", "-map", "[a]", "-map", "[b2]", "-map", "1:a", "-map", "1:a",
		"-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-keyint_min", "25", "-sc_threshold", "0", "-c:a", "aac",
		"-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod", "-var_stream_map", "v:0,a:0 v:1,a:1",
		"-hls_segment_filename", "v%v/seg_%05d." + ext,
	}
	args = append(append(args, extra...), "v%v/index.m3u8")
	if err := ffmpeg(dir, args...); err != nil {
		t.Fatal(err)
	}
	master := &hls.MasterPlaylist{IndependentSegments: true}
	p := &ffprobe.Prober{}
	for n := range 2 {
		uri := "v" + strconv.Itoa(n) + "/index.m3u8"
		path := filepath.Join(dir, uri)
		media, err := hls.ReadMedia(path)
		if err != nil {
			t.Fatal(err)
		}
		peak, avg, err := hls.MeasureBandwidth(media, filepath.Dir(path))
		if err != nil {
			t.Fatal(err)
		}
		res := probeSegment(t, p, filepath.Dir(path), media.Segments[0])
		var codecs []string
		for _, st := range res.Streams {
			codecs = append(codecs, st.CodecString)
		}
		v := res.Video()
		variant := hls.Variant{URI: uri, Bandwidth: peak, AverageBandwidth: avg, Codecs: strings.Join(codecs, ","),
			Resolution: hls.Resolution{Width: v.Width, Height: v.Height}, FrameRate: 25}
		ipl, bw, err := hls.BuildIFramePlaylist(path)
		if err != nil {
			t.Fatal(err)
		}
		data, err := ipl.Encode()
		if err != nil {
			t.Fatal(err)
		}
		iuri := "v" + strconv.Itoa(n) + "/iframes.m3u8"
		if err := os.WriteFile(filepath.Join(dir, iuri), data, 0o644); err != nil {
			t.Fatal(err)
		}
		master.Variants = append(master.Variants, variant)
		master.IFrameVariants = append(master.IFrameVariants, hls.IFrameVariant(variant, iuri, bw))
	}
	data, err := master.Encode()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "master.m3u8")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// probeSegment probes one segment, its init section in front for fMP4.
func probeSegment(t *testing.T, p *ffprobe.Prober, dir string, s hls.Segment) *ffprobe.Result {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, s.URI))
	if err != nil {
		t.Fatal(err)
	}
	if s.Map != nil {
		init, err := os.ReadFile(filepath.Join(dir, s.Map.URI))
		if err != nil {
			t.Fatal(err)
		}
		data = append(init, data...)
	}
	tmp := filepath.Join(t.TempDir(), "probe."+filepath.Ext(s.URI)[1:])
	if s.Map != nil {
		tmp = filepath.Join(filepath.Dir(tmp), "probe.mp4")
	}
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := p.Probe(context.Background(), tmp)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestIFrameLadder builds I-frame playlists for a TS and an fMP4 ladder,
// has veza verify pass them with RequireIFrames, and checks every range
// independently: cut out (after the init section for fMP4), ffprobe decodes
// it to exactly one keyframe at the time the playlist lists, and the bit
// rates computed here from the range sizes agree with BANDWIDTH and
// AVERAGE-BANDWIDTH within 10 %.
func TestIFrameLadder(t *testing.T) {
	for _, fmp4 := range []bool{false, true} {
		t.Run(map[bool]string{false: "ts", true: "fmp4"}[fmp4], func(t *testing.T) {
			path := iframeLadder(t, fmp4)
			rep, err := HLS(context.Background(), path, Options{RequireIFrames: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, pr := range rep.Playlists {
				for _, f := range pr.Findings {
					if f.Severity == Must {
						t.Errorf("%s: %s %s: %s", filepath.Base(pr.Path), f.Rule, f.Segment, f.Message)
					}
				}
			}
			master, err := hls.ReadMaster(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, iv := range master.IFrameVariants {
				checkIFramesIndependently(t, filepath.Join(filepath.Dir(path), iv.URI), iv, fmp4)
			}
		})
	}
}

func checkIFramesIndependently(t *testing.T, path string, iv hls.Variant, fmp4 bool) {
	dir := filepath.Dir(path)
	pl, err := hls.ReadMedia(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[bool]int{false: 3, true: 2}[fmp4]; len(pl.Segments) != want {
		t.Errorf("%s: %d entries, want %d (one per keyframe%s)", path, len(pl.Segments), want, map[bool]string{true: " opening a fragment"}[fmp4])
	}
	var peak, bits, dur, listed, first float64
	for i, s := range pl.Segments {
		b, err := os.ReadFile(filepath.Join(dir, s.URI))
		if err != nil {
			t.Fatal(err)
		}
		rng := b[s.ByteRange.Offset : s.ByteRange.Offset+s.ByteRange.Length]
		if !fmp4 && (rng[0] != 0x47 || rng[1]&0x1f != 0 || rng[2] != 0) {
			t.Errorf("entry %d does not start with the PAT ffmpeg writes before each keyframe", i)
		}
		if fmp4 {
			init, err := os.ReadFile(filepath.Join(dir, s.Map.URI))
			if err != nil {
				t.Fatal(err)
			}
			rng = append(init, rng...)
		}
		cut := filepath.Join(t.TempDir(), "cut"+map[bool]string{false: ".ts", true: ".mp4"}[fmp4])
		if err := os.WriteFile(cut, rng, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0",
			"-show_entries", "frame=key_frame,pict_type,pts_time", "-of", "csv=p=0", cut).Output()
		if err != nil {
			t.Fatalf("entry %d: ffprobe: %v", i, err)
		}
		lines := strings.Fields(strings.TrimSpace(string(out)))
		if len(lines) != 1 {
			t.Errorf("entry %d decodes to %d frames: %q", i, len(lines), out)
			continue
		}
		f := strings.Split(lines[0], ",")
		if len(f) < 3 || f[0] != "1" || f[2] != "I" {
			t.Errorf("entry %d decodes to %q, not a keyframe", i, lines[0])
			continue
		}
		pts, _ := strconv.ParseFloat(f[1], 64)
		if i == 0 {
			first = pts
		}
		if math.Abs((pts-first)-listed) > 0.02 {
			t.Errorf("entry %d shows at %.3f s, the playlist lists %.3f s", i, pts-first, listed)
		}
		listed += s.Duration
		bits += float64(s.ByteRange.Length) * 8
		dur += s.Duration
		peak = max(peak, float64(s.ByteRange.Length)*8/s.Duration)
	}
	for _, c := range []struct {
		name          string
		got, declared float64
	}{{"BANDWIDTH", peak, float64(iv.Bandwidth)}, {"AVERAGE-BANDWIDTH", bits / dur, float64(iv.AverageBandwidth)}} {
		if math.Abs(c.got-c.declared) > 0.1*c.declared {
			t.Errorf("%s: %s %.0f, measured here %.0f", iv.URI, c.name, c.declared, c.got)
		}
	}
}

// TestIFrameLadderBroken damages the I-frame playlists of a TS ladder one
// way at a time and expects P9 each time.
func TestIFrameLadderBroken(t *testing.T) {
	path := iframeLadder(t, false)
	dir := filepath.Dir(path)
	ipath := filepath.Join(dir, "v0", "iframes.m3u8")
	goodMaster, _ := os.ReadFile(path)
	goodIFrames, _ := os.ReadFile(ipath)
	ipl, err := hls.ParseMedia(goodIFrames)
	if err != nil {
		t.Fatal(err)
	}
	r1 := ipl.Segments[1].ByteRange
	vc := hls.VideoCodecs(ipl0Codecs(t, string(goodMaster)))
	for _, tt := range []struct {
		name    string
		master  func(string) string
		iframes func(string) string
		require bool
		want    string // a P9 finding's message holds this
	}{
		{"no I-frame playlists", func(m string) string {
			var keep []string
			for _, l := range strings.Split(m, "\n") {
				if !strings.HasPrefix(l, "#EXT-X-I-FRAME-STREAM-INF") {
					keep = append(keep, l)
				}
			}
			return strings.Join(keep, "\n")
		}, nil, true, "has no I-frame playlist"},
		{"audio in CODECS", func(m string) string {
			return strings.Replace(m, `CODECS="`+vc+`",RESOLUTION=320x240,URI`, `CODECS="`+vc+`,mp4a.40.2",RESOLUTION=320x240,URI`, 1)
		}, nil, false, "not video"},
		{"range cut into the frame", nil, func(p string) string {
			return strings.Replace(p, rangeText(r1), rangeText(&hls.ByteRange{Length: r1.Length - 3*188, Offset: r1.Offset + 3*188}), 1)
		}, false, "0 pictures"},
		{"range past the end", nil, func(p string) string {
			return strings.Replace(p, rangeText(r1), rangeText(&hls.ByteRange{Length: r1.Length, Offset: r1.Offset + 1<<30}), 1)
		}, false, "runs past the end"},
		{"range stops early", nil, func(p string) string {
			return strings.Replace(p, rangeText(r1), rangeText(&hls.ByteRange{Length: r1.Length - 188, Offset: r1.Offset}), 1)
		}, false, "stops before the keyframe's last packet"},
		{"wrong time", nil, func(p string) string {
			return strings.Replace(p, "#EXTINF:1.000000,", "#EXTINF:0.500000,", 1)
		}, false, "EXTINF values put it"},
		{"bandwidth doubled", func(m string) string {
			i := strings.Index(m, "#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=")
			j := i + len("#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=")
			k := j + strings.IndexByte(m[j:], ',')
			n, _ := strconv.Atoi(m[j:k])
			return m[:j] + strconv.Itoa(2*n) + m[k:]
		}, nil, false, "measured I-frame bandwidth"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, p := string(goodMaster), string(goodIFrames)
			if tt.master != nil {
				m = tt.master(m)
			}
			if tt.iframes != nil {
				p = tt.iframes(p)
			}
			if p == string(goodIFrames) && m == string(goodMaster) {
				t.Fatal("the damage changed nothing")
			}
			os.WriteFile(path, []byte(m), 0o644)
			os.WriteFile(ipath, []byte(p), 0o644)
			defer os.WriteFile(path, goodMaster, 0o644)
			defer os.WriteFile(ipath, goodIFrames, 0o644)
			rep, err := HLS(context.Background(), path, Options{RequireIFrames: tt.require})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			var all []string
			for _, pr := range rep.Playlists {
				for _, f := range pr.Findings {
					all = append(all, f.Rule+"/"+string(f.Severity)+": "+f.Message)
					if f.Rule == "P9" && f.Severity == Must && strings.Contains(f.Message, tt.want) {
						found = true
					}
				}
			}
			if !found {
				t.Errorf("no P9 finding saying %q; findings:\n%s", tt.want, strings.Join(all, "\n"))
			}
		})
	}
	// Without RequireIFrames a master lacking them gets the old SHOULD.
	var keep []string
	for _, l := range strings.Split(string(goodMaster), "\n") {
		if !strings.HasPrefix(l, "#EXT-X-I-FRAME-STREAM-INF") {
			keep = append(keep, l)
		}
	}
	os.WriteFile(path, []byte(strings.Join(keep, "\n")), 0o644)
	rep, err := HLS(context.Background(), path, Options{NoProbe: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := rules(rep); len(got) != 1 || got[0] != "P8/SHOULD" {
		t.Errorf("without RequireIFrames: %v, want P8/SHOULD", got)
	}
}

func rangeText(r *hls.ByteRange) string {
	return "#EXT-X-BYTERANGE:" + strconv.FormatInt(r.Length, 10) + "@" + strconv.FormatInt(r.Offset, 10)
}

// ipl0Codecs is the CODECS of the master's first variant.
func ipl0Codecs(t *testing.T, master string) string {
	m, err := hls.ParseMaster([]byte(master))
	if err != nil {
		t.Fatal(err)
	}
	return m.Variants[0].Codecs
}
