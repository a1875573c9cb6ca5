package ffprobe

import (
	"errors"
	"strings"
)

// Local inputs may use only these protocols (crypto reads the AES-128
// segments of a local encrypted playlist). A file's name is never read as a
// URL: "http:127.0.0.1:8080?.wav" is a file in the current folder.
const localProtocols = "file,pipe,crypto"

// networkProtocols lists, per URL scheme a user may type, the ffmpeg
// protocols that input needs (HLS over HTTPS opens tcp, tls and crypto; SRT
// runs over udp…). A scheme not listed may use only itself.
var networkProtocols = map[string]string{
	"http":  "http,https,tcp,tls,crypto",
	"https": "http,https,tcp,tls,crypto",
	"srt":   "srt,udp",
	"udp":   "udp",
	"rtp":   "rtp,udp",
	"rtmp":  "rtmp,tcp",
	"rtmps": "rtmps,tcp,tls",
	"rtsp":  "rtsp,rtp,udp,tcp,tls",
}

// InputArgs returns the arguments that open input in ffmpeg or ffprobe:
// "-protocol_whitelist", the protocols it may use, "-i" and the input.
// They go right before the output or probe options, after any -f.
//
// A URL (a scheme followed by "://") may use the protocols its scheme needs;
// "-" is standard input; anything else is a local path, passed as
// "file:PATH" so a leading "-" or a colon in the name means nothing to
// ffmpeg, and restricted to local protocols so nothing inside the file can
// make ffmpeg fetch a URL.
func InputArgs(input string) []string {
	arg, protocols := inputProtocols(input)
	return []string{"-protocol_whitelist", protocols, "-i", arg}
}

// LocalInputArgs is InputArgs for a path known to be a local file, such as
// one found by listing a folder, whatever its name looks like.
func LocalInputArgs(path string) []string {
	return []string{"-protocol_whitelist", localProtocols, "-i", "file:" + path}
}

func inputProtocols(input string) (arg, protocols string) {
	switch {
	case input == "-" || input == "pipe:0" || input == "pipe:":
		return "pipe:0", "pipe"
	case isURL(input):
		scheme := strings.ToLower(input[:strings.Index(input, ":")])
		if p, ok := networkProtocols[scheme]; ok {
			return input, p
		}
		return input, scheme
	case strings.HasPrefix(input, "file:"):
		return input, localProtocols
	default:
		return "file:" + input, localProtocols
	}
}

// indirectDemuxers read other files or URLs named inside the input: a
// playlist, a concat script, an image sequence pattern, a session
// description. A local input that turns out to be one of these is refused
// unless Prober.AllowIndirect is set: an HLS playlist saved as clip.mp4
// would otherwise pull in whatever media it names.
var indirectDemuxers = map[string]bool{
	"hls": true, "applehttp": true, "concat": true, "dash": true,
	"image2": true, "imf": true, "sdp": true, "rtp": true, "rtsp": true,
	"webm_dash_manifest": true, "tee": true,
}

// indirectDemuxer returns the first of format's comma-separated demuxer
// names that reads other inputs, or "".
func indirectDemuxer(format string) string {
	for _, n := range strings.Split(format, ",") {
		if indirectDemuxers[strings.TrimSpace(n)] {
			return strings.TrimSpace(n)
		}
	}
	return ""
}

// ErrIndirect is wrapped by the Error of a local input whose demuxer reads
// other files or URLs named inside it.
var ErrIndirect = errors.New("read only when asked for")
