// Package report measures an HLS ladder against its source and writes what
// it found as report.json and a self-contained report.html.
//
// Run reads a multivariant playlist (veza's or any packager's) and compares
// every video rung with the source in one ffmpeg pass: the source is
// decoded once and split, each rung is brought to the source's frame rate
// and display size with one fixed scaler (Config.Scaler, bicubic by
// default, as players upscale), and ffmpeg's psnr and ssim filters score
// every frame. The per-frame scores (parsed from the filters' stats files
// by ParseStats, a pure, table-tested and fuzzed parser) are summarised per
// segment and per rung: mean, 5th percentile, worst frame, worst segment.
// Audio rungs get their bit rate measured from the segment sizes and their
// loudness measured with ebur128 (pkg/audio). VMAF is not measured; the
// report says why (Debian's ffmpeg has no libvmaf). The pass's wall and
// CPU time are part of the report.
//
// # report.json
//
// Schema version 1 (Report, SchemaVersion). Rates are bits per second,
// times seconds, PSNR dB, SSIM the "All" index in [0, 1]:
//
//	version          1
//	master           the master playlist measured
//	source           {path, width, height (display size), frame_rate, duration}
//	scaler           swscale algorithm of the upscale, "bicubic"
//	metrics          ["psnr", "ssim"]
//	vmaf             {measured: false, note: why not}
//	cost             {wall_seconds, cpu_seconds, source_decodes: 1, rungs, frames}
//	video[]          one per video rung, lowest declared bandwidth first:
//	  name, uri, width, height, codecs
//	  declared_bandwidth, measured_peak, measured_average
//	  frames
//	  psnr           {mean, p5, min, pooled (PSNR of the mean MSE, ffmpeg's "average")}
//	  ssim           {mean, p5, min}
//	  worst_segment  media sequence number of the lowest mean PSNR
//	  segments[]     {index, start, duration, bytes, bitrate, frames,
//	                  psnr, psnr_min, ssim, ssim_min}
//	audio[]          {name, uri, group, codecs, declared_bandwidth (0 for
//	                  EXT-X-MEDIA), measured_peak, measured_average,
//	                  segments[] {index, start, duration, bytes, bitrate},
//	                  integrated (LUFS), true_peak (dBTP), lra (LU),
//	                  loudness_error}
//	worst[]          each video rung's worst segment, lowest PSNR first:
//	                 {rung, segment, psnr, ssim, time (of its worst frame)}
//
// A frame identical to the source scores MaxPSNR (ffmpeg prints inf).
//
// # report.html
//
// WriteHTML renders the report as one HTML file that needs no network:
// inline CSS, SVG charts drawn here (bit rate over time per rung with the
// declared BANDWIDTH as a line, segment sizes, quality over time, the
// ladder's rate–quality curve) and the worst segments with JPEG pictures of
// the source and of the rung, inlined as data URIs. No script.
package report
