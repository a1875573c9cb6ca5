package ladder

import (
	"fmt"
	"strings"
)

// AudioGroup and SubtitleGroup are the GROUP-IDs of a ladder's EXT-X-MEDIA
// renditions.
const (
	AudioGroup    = "audio"
	SubtitleGroup = "subs"
)

// Carry fits the selected tracks to the plan. A video ladder with one
// audio stream keeps it muxed into every variant, as before; with several
// it is demuxed: the variants become video only and each audio stream is
// encoded once, at the rungs' highest audio bit rate, into a rendition of
// the audio group. An audio ladder carries one stream. conditioned says
// the sound is processed (loudness, silence): that works on one stream;
// trimmed says silences are cut, which moves the picture under subtitle
// cues. What cannot be carried joins t.NotCarried.
func (p *Plan) Carry(t Tracks, conditioned, trimmed bool) error {
	video := false
	for _, r := range p.Renditions {
		video = video || r.Width > 0
	}
	drop := func(ts []Track, reason string) {
		for _, x := range ts {
			t.NotCarried = append(t.NotCarried, NotCarried{Stream: x.Stream, File: x.File, Type: sourceType(x.Type),
				Codec: x.Codec, Language: x.Language, Reason: reason})
		}
	}
	switch {
	case !video && len(t.Audio) > 1:
		drop(t.Audio[1:], "an audio ladder carries one audio stream")
		t.Audio = t.Audio[:1]
	case conditioned && len(t.Audio) > 1:
		drop(t.Audio[1:], "loudness and silence processing works on one audio stream")
		t.Audio = t.Audio[:1]
	}
	if len(t.Subtitles) > 0 && (!video || trimmed) {
		reason := "an audio ladder has no picture to show subtitles on"
		if video {
			reason = "cutting silences moves the picture away from the cue times"
		}
		drop(t.Subtitles, reason)
		t.Subtitles = nil
	}
	t.Audio = settle(t.Audio)
	t.Subtitles = settle(t.Subtitles)
	p.Tracks = t
	if len(t.Audio) == 0 {
		if p.Audio && !video {
			return fmt.Errorf("no audio stream chosen: an audio ladder needs one")
		}
		p.Audio = false
		for i := range p.Renditions {
			p.Renditions[i].AudioBitrate, p.Renditions[i].AudioCodec = 0, ""
		}
		return nil
	}
	if len(t.Audio) == 1 {
		p.AudioStream = t.Audio[0].Nth
		return nil
	}
	bitrate, codec := 0, ""
	for i := range p.Renditions {
		r := &p.Renditions[i]
		if r.AudioBitrate > bitrate {
			bitrate, codec = r.AudioBitrate, r.AudioCodec
		}
		r.AudioBitrate, r.AudioCodec = 0, ""
	}
	if bitrate == 0 {
		drop(t.Audio, "the ladder's rungs carry no audio")
		p.Tracks.Audio = nil
		p.Audio = false
		return nil
	}
	seen := map[string]int{}
	for i := range t.Audio {
		tr := t.Audio[i]
		name := "audio_" + strings.ReplaceAll(tr.Language, "-", "_")
		seen[name]++
		if n := seen[name]; n > 1 {
			name = fmt.Sprintf("%s_%d", name, n)
		}
		rung := Rung{Name: name, AudioCodec: codec, AudioBitrate: bitrate}
		if tr.Channels > 2 {
			rung.AudioChannels = 2 // like the muxed rungs: stereo, a surround mix is not kept
		}
		p.Renditions = append(p.Renditions, Rendition{Rung: rung, Track: &tr})
	}
	return nil
}

// Demuxed says whether the plan's audio is in its own renditions.
func (p *Plan) Demuxed() bool {
	for _, r := range p.Renditions {
		if r.Track != nil {
			return true
		}
	}
	return false
}
