package report

import (
	"strings"
	"testing"
)

var psnrLineCases = []struct {
	in        string
	n         int
	mse, psnr float64
	ok        bool
}{
	{"n:1 mse_avg:5.73 mse_y:5.75 mse_u:5.81 mse_v:5.53 psnr_avg:40.55 psnr_y:40.53 psnr_u:40.49 psnr_v:40.70 ", 1, 5.73, 40.55, true},
	{"n:250 mse_avg:0.00 mse_y:0.00 mse_u:0.00 mse_v:0.00 psnr_avg:inf psnr_y:inf psnr_u:inf psnr_v:inf", 250, 0, MaxPSNR, true},
	// Ten-bit sources add max_avg; gray ones have only y.
	{"n:3 mse_avg:16.76 mse_y:16.76 psnr_avg:35.89 psnr_y:35.89 max_avg:1023.00", 3, 16.76, 35.89, true},
	{"n:0 mse_avg:1.00 psnr_avg:48.13", 0, 0, 0, false},
	{"n:2 mse_avg:-1.00 psnr_avg:48.13", 0, 0, 0, false},
	{"n:2 mse_avg:1.00 psnr_avg:nan", 0, 0, 0, false},
	{"n:2 mse_avg:1.00", 0, 0, 0, false},
	{"n:x mse_avg:1.00 psnr_avg:3", 0, 0, 0, false},
	{"", 0, 0, 0, false},
}

func TestParsePSNRLine(t *testing.T) {
	for _, tc := range psnrLineCases {
		n, mse, psnr, ok := ParsePSNRLine(tc.in)
		if n != tc.n || mse != tc.mse || psnr != tc.psnr || ok != tc.ok {
			t.Errorf("ParsePSNRLine(%q) = %d, %v, %v, %v; want %d, %v, %v, %v", tc.in, n, mse, psnr, ok, tc.n, tc.mse, tc.psnr, tc.ok)
		}
	}
}

var ssimLineCases = []struct {
	in   string
	n    int
	ssim float64
	ok   bool
}{
	{"n:1 Y:0.987804 U:0.989487 V:0.995609 All:0.989386 (19.741014)", 1, 0.989386, true},
	{"n:12 Y:1.000000 U:1.000000 V:1.000000 All:1.000000 (inf)", 12, 1, true},
	{"n:4 Y:0.5 All:1.5 (3.0)", 0, 0, false},
	{"n:4 Y:0.5 U:0.4", 0, 0, false},
	{"All:0.9", 0, 0, false},
}

func TestParseSSIMLine(t *testing.T) {
	for _, tc := range ssimLineCases {
		n, v, ok := ParseSSIMLine(tc.in)
		if n != tc.n || v != tc.ssim || ok != tc.ok {
			t.Errorf("ParseSSIMLine(%q) = %d, %v, %v; want %d, %v, %v", tc.in, n, v, ok, tc.n, tc.ssim, tc.ok)
		}
	}
}

func TestParseStats(t *testing.T) {
	psnr := "n:1 mse_avg:5.73 psnr_avg:40.55\nn:2 mse_avg:16.76 psnr_avg:35.89\n\n"
	ssim := "n:1 Y:0.98 All:0.989386 (19.7)\nn:2 Y:0.97 All:0.977642 (16.5)\n"
	fs, err := ParseStats(psnr, ssim)
	if err != nil {
		t.Fatal(err)
	}
	want := []FrameScore{{1, 5.73, 40.55, 0.989386}, {2, 16.76, 35.89, 0.977642}}
	if len(fs) != 2 || fs[0] != want[0] || fs[1] != want[1] {
		t.Errorf("ParseStats = %+v, want %+v", fs, want)
	}
	for _, tc := range []struct{ psnr, ssim, msg string }{
		{psnr, "n:1 Y:0.98 All:0.98 (1)\n", "ssim stats have 1 frames, psnr stats 2"},
		{"n:2 mse_avg:1 psnr_avg:48\n", ssim, "frame 2, want 1"},
		{psnr, "n:1 All:0.9 (1)\nn:3 All:0.9 (1)\n", "frame 3, want 2"},
		{psnr + "garbage\n", ssim, `psnr stats line 4: not a frame line: "garbage"`},
		{psnr, ssim + "n:3 All:0.9 (1)\n", "frame 3, want 3 of 2"},
	} {
		if _, err := ParseStats(tc.psnr, tc.ssim); err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("ParseStats(%q, %q) = %v, want an error with %q", tc.psnr, tc.ssim, err, tc.msg)
		}
	}
}

func FuzzParseStats(f *testing.F) {
	for _, p := range psnrLineCases {
		for _, s := range ssimLineCases {
			f.Add(p.in, s.in)
		}
	}
	f.Fuzz(func(t *testing.T, psnr, ssim string) {
		fs, err := ParseStats(psnr, ssim)
		if err != nil {
			return
		}
		for i, fr := range fs {
			if fr.N != i+1 || fr.MSE < 0 || fr.PSNR > MaxPSNR || fr.PSNR != fr.PSNR || fr.SSIM < -1 || fr.SSIM > 1 {
				t.Errorf("frame %d: %+v from %q, %q", i, fr, psnr, ssim)
			}
		}
	})
}
