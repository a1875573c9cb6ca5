package report

import "testing"

func TestCompareGraph(t *testing.T) {
	got := compareGraph(640, 360, "25/1", "bicubic", []string{"/t/p0.log", "/t/p1.log"}, []string{"/t/s0.log", "/t/s1.log"})
	want := "[0:v]setpts=PTS-STARTPTS,settb=AVTB,scale=640:360:flags=bicubic,setsar=1,format=yuv420p,split=4[s0][s1][s2][s3]" +
		";[1:v]setpts=PTS-STARTPTS,settb=AVTB,fps=25/1,scale=640:360:flags=bicubic,setsar=1,format=yuv420p,split[d0a][d0b]" +
		";[d0a][s0]psnr=stats_file=/t/p0.log[q0];[d0b][s1]ssim=stats_file=/t/s0.log[q1]" +
		";[2:v]setpts=PTS-STARTPTS,settb=AVTB,fps=25/1,scale=640:360:flags=bicubic,setsar=1,format=yuv420p,split[d1a][d1b]" +
		";[d1a][s2]psnr=stats_file=/t/p1.log[q2];[d1b][s3]ssim=stats_file=/t/s1.log[q3]"
	if got != want {
		t.Errorf("compareGraph =\n%s\nwant\n%s", got, want)
	}
}

func TestGraphValue(t *testing.T) {
	for in, want := range map[string]string{
		"/tmp/a.log":    "/tmp/a.log",
		"C:/x,y.log":    `C\\:/x\,y.log`,
		"it's[1];2.log": `it\\\'s\[1\]\;2.log`,
	} {
		if got := graphValue(in); got != want {
			t.Errorf("graphValue(%q) = %q, want %q", in, got, want)
		}
	}
}
