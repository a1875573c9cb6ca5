package cli

import (
	"errors"
	"testing"

	"github.com/veza-media/veza/pkg/report"
)

func TestNewCmdReportFlags(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		want    ReportOptions
		wantErr bool
	}{
		{args: []string{"out/clip"}, want: ReportOptions{TrackDir: "out/clip", Scaler: report.DefaultScaler}},
		{args: []string{"hls/movie", "--source", "movie.mov", "--catalog", "db/veza.db", "--scaler", "lanczos"},
			want: ReportOptions{TrackDir: "hls/movie", Source: "movie.mov", Catalog: "db/veza.db", Scaler: "lanczos"}},
		{args: []string{}, wantErr: true},
		{args: []string{"a", "b"}, wantErr: true},
		{args: []string{"a", "--nope"}, wantErr: true},
	} {
		got, err := captureOptions(NewCmdReport, tt.args...)
		if tt.wantErr {
			var ue *UsageError
			if err == nil || (!errors.As(err, &ue) && got != nil) {
				t.Errorf("%q: err %v, want a usage error", tt.args, err)
			}
			continue
		}
		if err != nil || got == nil {
			t.Fatalf("%q: %v", tt.args, err)
		}
		got.IO, got.f = nil, nil
		if *got != tt.want {
			t.Errorf("%q: options %+v, want %+v", tt.args, *got, tt.want)
		}
	}
}
