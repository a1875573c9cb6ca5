package ladder

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/veza-media/veza/pkg/ffprobe"
	"github.com/veza-media/veza/pkg/hls"
	"github.com/veza-media/veza/pkg/layout"
	"github.com/veza-media/veza/pkg/verify"
	"github.com/veza-media/veza/pkg/webvtt"
)

func probeOf(streams ...ffprobe.Stream) *ffprobe.Result {
	for i := range streams {
		streams[i].Index = i
	}
	return &ffprobe.Result{Streams: streams}
}

func TestSelectTracks(t *testing.T) {
	src := probeOf(
		ffprobe.Stream{Type: "video", Codec: "h264"},
		ffprobe.Stream{Type: "audio", Codec: "aac", Language: "eng"},
		ffprobe.Stream{Type: "audio", Codec: "ac3", Language: "fre", Title: "VF", Default: true},
		ffprobe.Stream{Type: "subtitle", Codec: "subrip", Language: "ger", Forced: true},
		ffprobe.Stream{Type: "subtitle", Codec: "hdmv_pgs_subtitle", Language: "eng"},
		ffprobe.Stream{Type: "subtitle", Codec: "ass"},
		ffprobe.Stream{Type: "attachment", Codec: "ttf"},
		ffprobe.Stream{Type: "data"},
		ffprobe.Stream{Type: "video", Codec: "mjpeg", AttachedPic: true},
	)
	tr, err := SelectTracks(src, Selection{}, []Sidecar{{Path: "movie.es.srt", Language: "spa"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Audio) != 2 || tr.Audio[0].Language != "en" || tr.Audio[0].Name != "English" || tr.Audio[0].Default ||
		tr.Audio[1].Language != "fr" || tr.Audio[1].Name != "VF" || !tr.Audio[1].Default || tr.Audio[1].Nth != 1 {
		t.Errorf("audio = %+v", tr.Audio)
	}
	if len(tr.Subtitles) != 3 || tr.Subtitles[0].Language != "de" || !tr.Subtitles[0].Forced || tr.Subtitles[0].Nth != 0 ||
		tr.Subtitles[1].Language != "und" || tr.Subtitles[1].Nth != 2 || tr.Subtitles[2].File != "movie.es.srt" || tr.Subtitles[2].Language != "es" {
		t.Errorf("subtitles = %+v", tr.Subtitles)
	}
	reasons := map[int]string{}
	for _, n := range tr.NotCarried {
		reasons[n.Stream] = n.Reason
	}
	for stream, want := range map[int]string{4: "bitmap", 6: "attachment", 7: "data", 8: "cover art"} {
		if !strings.Contains(reasons[stream], want) {
			t.Errorf("stream %d: reason %q, want %q", stream, reasons[stream], want)
		}
	}
	if len(tr.NotCarried) != 4 {
		t.Errorf("not carried = %+v", tr.NotCarried)
	}
	if len(tr.Notes) != 1 || !strings.Contains(tr.Notes[0], "ASS styling") {
		t.Errorf("notes = %q", tr.Notes)
	}

	tr, err = SelectTracks(src, Selection{Audio: "fra", Subtitles: "none"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Audio) != 1 || tr.Audio[0].Language != "fr" || len(tr.Subtitles) != 0 || len(tr.NotCarried) != 4+1+2 {
		t.Errorf("fra/none: audio %+v subtitles %+v not carried %+v", tr.Audio, tr.Subtitles, tr.NotCarried)
	}
	tr, _ = SelectTracks(src, Selection{Audio: "first"}, nil)
	if len(tr.Audio) != 1 || tr.Audio[0].Language != "en" || !tr.Audio[0].Default {
		t.Errorf("first: %+v", tr.Audio)
	}
	if _, err := SelectTracks(src, Selection{Audio: "klingon"}, nil); err == nil {
		t.Error("an unknown language was accepted")
	}
}

func TestCarryDemuxes(t *testing.T) {
	p, err := NewPlan(Source{HasVideo: true, HasAudio: true, Width: 640, Height: 360, FrameRate: 25}, small, 4)
	if err != nil {
		t.Fatal(err)
	}
	tracks := Tracks{Audio: []Track{{Type: "audio", Language: "en", Name: "English"}, {Type: "audio", Nth: 1, Language: "en", Name: "English"}}}
	if err := p.Carry(tracks, false, false); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range p.Renditions {
		names = append(names, r.Name)
		if r.Width > 0 && r.AudioBitrate != 0 {
			t.Errorf("%s keeps muxed audio", r.Name)
		}
	}
	if got := strings.Join(names, " "); got != "240p 120p audio_en audio_en_2" {
		t.Fatalf("renditions %s", got)
	}
	cmd := p.Build(p.Renditions, "/out", Encoding{})
	if m := strings.Join(cmd.Outputs[3].Maps, " "); m != "0:a:1" {
		t.Errorf("audio_en_2 maps %s", m)
	}
	if p.Tracks.Audio[1].Name != "English (2)" || !p.Tracks.Audio[0].Default || p.Tracks.Audio[1].Default {
		t.Errorf("tracks %+v", p.Tracks.Audio)
	}

	// Loudness processing works on one stream: the others are reported.
	p, _ = NewPlan(Source{HasVideo: true, HasAudio: true, Width: 640, Height: 360, FrameRate: 25}, small, 4)
	if err := p.Carry(tracks, true, false); err != nil {
		t.Fatal(err)
	}
	if p.Demuxed() || len(p.Tracks.NotCarried) != 1 {
		t.Errorf("conditioned: demuxed %v, not carried %+v", p.Demuxed(), p.Tracks.NotCarried)
	}
}

// TestRunMultiLanguage builds a ladder from an MKV with two audio
// languages, an SRT stream, a sidecar file and an attachment: two audio
// renditions in one group, two subtitle renditions, the attachment
// reported, and verify finds nothing a MUST rule forbids.
func TestRunMultiLanguage(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatal("ffmpeg is required for this test")
	}
	dir := t.TempDir()
	srt := filepath.Join(dir, "en.srt")
	if err := os.WriteFile(srt, []byte("1\n00:00:00,500 --> 00:00:01,500\nHello\n\n2\n00:00:02,500 --> 00:00:03,500\nAgain\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	input := filepath.Join(dir, "film.mkv")
	if err := os.WriteFile(filepath.Join(dir, "film.de.srt"), []byte("1\n00:00:01,000 --> 00:00:02,000\nHallo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=4", "-f", "lavfi", "-i", "sine=f=440:duration=4",
		"-f", "lavfi", "-i", "sine=f=660:duration=4", "-i", srt,
		"-map", "0:v", "-map", "1:a", "-map", "2:a", "-map", "3:s", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-c:s", "srt",
		"-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=fre", "-metadata:s:a:1", "title=Français",
		"-metadata:s:s:0", "language=eng", "-disposition:a:0", "0", "-disposition:a:1", "default",
		"-attach", srt, "-metadata:s:4", "mimetype=text/plain", input).CombinedOutput()
	if err != nil {
		t.Fatalf("making the input: %v: %s", err, out)
	}
	root := t.TempDir()
	var notes []string
	db := openCatalog(t, root)
	res, err := Run(context.Background(), Config{Input: input, OutDir: root, Catalog: db, Ladder: small, SegmentTime: 2,
		OnEvent: func(e Event) {
			if e.Message != "" {
				notes = append(notes, e.Message)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.NotCarried) != 1 || res.NotCarried[0].Type != "attachment" {
		t.Errorf("not carried = %+v", res.NotCarried)
	}
	all := strings.Join(notes, "\n")
	for _, want := range []string{"film.de.srt", "attachment"} {
		if !strings.Contains(all, want) {
			t.Errorf("the run does not mention %s:\n%s", want, all)
		}
	}
	ms, nc, err := db.TrackMedia(context.Background(), res.TrackID)
	if err != nil || len(ms) != 4 || len(nc) != 1 || nc[0].Type != "attachment" {
		t.Errorf("catalog media %+v, not carried %+v, %v", ms, nc, err)
	}
	m, err := hls.ReadMaster(res.Master)
	if err != nil {
		t.Fatal(err)
	}
	var audio, subs []hls.Rendition
	for _, r := range m.Renditions {
		switch r.Type {
		case "AUDIO":
			audio = append(audio, r)
		case "SUBTITLES":
			subs = append(subs, r)
		}
	}
	if len(audio) != 2 || audio[0].Language != "en" || audio[0].Default || audio[1].Language != "fr" || !audio[1].Default ||
		audio[1].Name != "Français" || audio[0].Channels != "1" || !audio[0].Autoselect { // the source is mono and stays mono
		t.Errorf("audio renditions %+v", audio)
	}
	if len(subs) != 2 || subs[0].Language != "en" || subs[1].Language != "de" {
		t.Errorf("subtitle renditions %+v", subs)
	}
	for _, v := range m.Variants {
		if v.Audio != AudioGroup || v.Subtitles != SubtitleGroup || !strings.Contains(v.Codecs, "mp4a.40.2") {
			t.Errorf("variant %s: AUDIO %q SUBTITLES %q CODECS %q", v.URI, v.Audio, v.Subtitles, v.Codecs)
		}
	}
	seg, err := os.ReadFile(filepath.Join(res.Dir, "subs_en", layout.SegmentName(1, layout.WebVTT)))
	if err != nil {
		t.Fatal(err)
	}
	f, err := webvtt.Parse(seg)
	if err != nil || f.TimestampMap() == "" || len(f.Cues) != 1 || f.Cues[0].Text != "Again" {
		t.Errorf("second English segment: %+v, %v\n%s", f, err, seg)
	}
	rep, err := verify.HLS(context.Background(), res.Master, verify.Options{RequireIFrames: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, pr := range rep.Playlists {
		for _, f := range pr.Findings {
			if f.Severity == verify.Must {
				t.Errorf("%s: %s %s", pr.Path, f.Rule, f.Message)
			}
		}
	}
}
