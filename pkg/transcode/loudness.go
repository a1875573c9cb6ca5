package transcode

import (
	"context"
	"fmt"

	"github.com/veza-media/veza/pkg/audio"
	"github.com/veza-media/veza/pkg/encode"
)

// condition prepares one input's sound (pkg/audio's analysis pass) and puts
// its silence cuts and loudness filter in front of the job's output.
func (b *batch) condition(ctx context.Context, i int, job *encode.Job, it *Item) error {
	if !it.src.HasAudio {
		b.note(i, it, false, "no audio: loudness and silence settings ignored")
		return nil
	}
	o := job.Outputs[0]
	if o.VideoCodec == "copy" || o.AudioCodec == "copy" {
		return fmt.Errorf("preset %s copies streams; loudness normalisation and silence trimming need re-encoding", it.Preset)
	}
	fps := 0.0
	if !o.NoVideo {
		fps = it.src.FrameRate
	}
	p, err := audio.Prepare(ctx, audio.PrepareConfig{FFmpeg: b.cfg.FFmpeg, Input: job.Inputs[0].Path, Settings: b.cfg.Audio,
		Duration: it.src.Duration, FrameRate: fps, Timeout: b.cfg.Timeout})
	if err != nil {
		return err
	}
	if p.Keep != nil {
		job.Duration = seconds(p.Duration)
	}
	if err := p.Apply(job, it.src.SampleRate); err != nil {
		return err
	}
	it.Loudness = p.Report
	if p.Report.Note != "" {
		b.note(i, it, false, "%s", p.Report.Note)
	}
	return nil
}

// measure measures the encoded output (a file, or the HLS playlist) before
// it is moved into place.
func (b *batch) measure(ctx context.Context, i int, it *Item, path string) error {
	m, err := audio.Measure(ctx, audio.MeasureConfig{FFmpeg: b.cfg.FFmpeg, Path: path,
		SilenceMin: seconds(b.cfg.Audio.MinSilence()), Timeout: b.cfg.Timeout})
	if err != nil {
		return err
	}
	it.Loudness.Outputs = []audio.Output{*m}
	b.note(i, it, false, "output %s LUFS, true peak %s dBTP, LRA %s LU",
		audio.Figure(m.Integrated), audio.Figure(m.TruePeak), audio.Figure(m.LRA))
	return nil
}
