package audio

import (
	"context"
	"math"
	"strings"
	"testing"
)

func TestSettingsOverrideAndFingerprint(t *testing.T) {
	base := Settings{Loudness: -14, TrimSilence: 3}
	got := base.Override(Settings{Loudness: -16, SilenceThreshold: -40})
	if got != (Settings{Loudness: -16, TrimSilence: 3, SilenceThreshold: -40}) {
		t.Errorf("override = %+v", got)
	}
	if (Settings{}).Fingerprint() != "" || (Settings{TruePeak: -2}).Active() {
		t.Error("inactive settings have a fingerprint")
	}
	// Defaults spelled out or left out are the same settings; anything
	// else is not.
	a := base.Fingerprint()
	if a != (Settings{Loudness: -14, TruePeak: -1, LRA: 11, TrimSilence: 3, SilenceThreshold: -50}).Fingerprint() {
		t.Error("explicit defaults changed the fingerprint")
	}
	for _, o := range []Settings{{Loudness: -16}, {TruePeak: -2}, {LRA: 7}, {TrimSilence: 4}, {SilenceThreshold: -60}} {
		if base.Override(o).Fingerprint() == a {
			t.Errorf("%+v: same fingerprint", o)
		}
	}
}

func TestSettingsNeedsEncodingAndMinSilence(t *testing.T) {
	for _, tc := range []struct {
		s    Settings
		want string
		min  float64
	}{
		{Settings{}, "", 3},
		{Settings{Loudness: -14}, "loudness normalisation needs re-encoding", 3},
		{Settings{TrimSilence: 2}, "silence trimming needs re-encoding", 2},
		{Settings{Loudness: -14, TrimSilence: 4}, "loudness normalisation and silence trimming need re-encoding", 4},
	} {
		if got := tc.s.NeedsEncoding(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.s, got, tc.want)
		}
		if got := tc.s.MinSilence(); got != tc.min {
			t.Errorf("%+v: min silence %v, want %v", tc.s, got, tc.min)
		}
	}
}

// TestPrepare conditions the quiet source with a gap: a linear loudnorm
// filter to -14 LUFS and the gap cut to half a second on frame boundaries.
func TestPrepare(t *testing.T) {
	src := gapMedia(t, "gap.wav")
	p, err := Prepare(context.Background(), PrepareConfig{Input: src, Settings: Settings{Loudness: -14, TrimSilence: 3},
		Duration: 17, FrameRate: 25})
	if err != nil {
		t.Fatal(err)
	}
	r := p.Report
	if !strings.HasPrefix(p.AudioFilter, "loudnorm=I=-14:") || !strings.HasSuffix(p.AudioFilter, ":linear=true") || r.Normalization != "linear" {
		t.Errorf("filter %q, normalisation %q", p.AudioFilter, r.Normalization)
	}
	if len(p.Keep) != 2 || math.Abs(r.Cut-4.5) > 0.05 || math.Abs(p.Duration-12.5) > 0.05 {
		t.Errorf("keep %v, cut %v, duration %v; want two pieces, 4.5 s cut, 12.5 s left", p.Keep, r.Cut, p.Duration)
	}
	for _, iv := range p.Keep {
		if f := iv.Start * 25; math.Abs(f-math.Round(f)) > 1e-6 {
			t.Errorf("cut at %v s is not on a frame boundary", iv.Start)
		}
	}
	if r.Input == nil || r.Settings.Loudness != -14 || len(r.Silences) != 1 {
		t.Errorf("report %+v", r)
	}

	// Loudness only: nothing is cut and the duration is the source's.
	p, err = Prepare(context.Background(), PrepareConfig{Input: src, Settings: Settings{Loudness: -16}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Keep != nil || p.Report.Cut != 0 || p.Duration != 17 || p.AudioFilter == "" {
		t.Errorf("loudness only: %+v", p)
	}
}
