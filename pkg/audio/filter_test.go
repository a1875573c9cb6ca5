package audio

import (
	"math"
	"strings"
	"testing"

	"github.com/veza-media/veza/pkg/encode"
)

func TestFiltersApply(t *testing.T) {
	keep := []Interval{{0, 6.24}, {10.76, math.Inf(1)}}
	trim := TrimGraph(keep, "[0:v:0]", "[0:a:0]", "[vcut]", "[acut]")
	for _, tc := range []struct {
		name        string
		out         encode.Output
		keep        []Interval
		filter      string
		rate        int
		graph, maps string
		err         string
	}{
		{"video and audio", encode.Output{VideoFilter: "scale=-2:240", AudioFilter: "volume=1"}, keep, "loudnorm=I=-14", 44100,
			trim + ";[vcut]scale=-2:240[vout];[acut]loudnorm=I=-14,aresample=44100,volume=1[aout]", "[vout] [aout]", ""},
		{"cuts only", encode.Output{}, keep, "", 0, trim + ";[vcut]null[vout];[acut]anull[aout]", "[vout] [aout]", ""},
		{"audio only, loudness only", encode.Output{NoVideo: true}, nil, "loudnorm=I=-14", 0, "[0:a:0]loudnorm=I=-14[aout]", "[aout]", ""},
		{"video only, cuts", encode.Output{NoAudio: true}, keep, "", 0,
			TrimGraph(keep, "[0:v:0]", "", "[vcut]", "[acut]") + ";[vcut]null[vout]", "[vout]", ""},
		{"nothing to do", encode.Output{Maps: []string{"0:a:0"}, AudioFilter: "volume=2"}, nil, "", 0, "", "0:a:0", ""},
		{"loudness without audio", encode.Output{NoAudio: true}, nil, "loudnorm=I=-14", 0, "", "", "without audio"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := &encode.Job{Inputs: []encode.Input{{Path: "in.mp4"}}, Outputs: []encode.Output{tc.out}}
			err := (Filters{Keep: tc.keep, AudioFilter: tc.filter}).Apply(j, tc.rate)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if j.FilterComplex != tc.graph {
				t.Errorf("graph\n got %s\nwant %s", j.FilterComplex, tc.graph)
			}
			o := j.Outputs[0]
			if got := strings.Join(o.Maps, " "); got != tc.maps {
				t.Errorf("maps %q, want %q", got, tc.maps)
			}
			if tc.graph != "" && (o.VideoFilter != "" || o.AudioFilter != "") {
				t.Errorf("-vf %q -af %q left on a graph output", o.VideoFilter, o.AudioFilter)
			}
		})
	}
	j := &encode.Job{Inputs: []encode.Input{{Path: "a"}}, Outputs: []encode.Output{{}, {}}}
	if err := (Filters{Keep: keep}).Apply(j, 0); err == nil {
		t.Error("two outputs accepted")
	}
}
