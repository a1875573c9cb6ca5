package report

import (
	"fmt"
	"strings"
)

// compareGraph is the -filter_complex of the comparison pass: input 0 is
// the source, input i+1 rung i. The source is decoded once and split into
// two copies per rung; each rung is brought to the source's frame rate and
// display size with scaler, as a player would show it, and compared by psnr
// and ssim, whose stats files are psnrLogs[i] and ssimLogs[i]. Outputs are
// labelled [q0] [q1] … (two per rung) for -map. Timestamps start at zero on
// both sides, so a packager's start offset does not shift the pairing.
func compareGraph(width, height int, fps, scaler string, psnrLogs, ssimLogs []string) string {
	n := len(psnrLogs)
	fit := fmt.Sprintf("scale=%d:%d:flags=%s,setsar=1,format=yuv420p", width, height, scaler)
	var b strings.Builder
	fmt.Fprintf(&b, "[0:v]setpts=PTS-STARTPTS,settb=AVTB,%s,split=%d", fit, 2*n)
	for i := range 2 * n {
		fmt.Fprintf(&b, "[s%d]", i)
	}
	for i := range n {
		fmt.Fprintf(&b, ";[%d:v]setpts=PTS-STARTPTS,settb=AVTB,fps=%s,%s,split[d%da][d%db]", i+1, fps, fit, i, i)
		fmt.Fprintf(&b, ";[d%da][s%d]psnr=stats_file=%s[q%d]", i, 2*i, graphValue(psnrLogs[i]), 2*i)
		fmt.Fprintf(&b, ";[d%db][s%d]ssim=stats_file=%s[q%d]", i, 2*i+1, graphValue(ssimLogs[i]), 2*i+1)
	}
	return b.String()
}

// graphValue escapes an option value for a filter graph: once for the
// filter's option parser, once more for the graph parser.
func graphValue(v string) string {
	return escape(escape(v, `\':`), `\'[],;`)
}

func escape(s, special string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(special, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
