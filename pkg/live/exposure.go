package live

import (
	"net"
	"net/url"
	"strings"

	"github.com/veza-media/veza/pkg/encode"
)

// Exposure says, for a live source veza listens for, whether the listening
// socket is reachable from other machines, and what to do about it; "" when
// veza pulls the source, reads stdin, or listens on loopback only. Anyone
// who reaches such a port can push a stream into the output.
func Exposure(input string) string {
	if input == "-" {
		return ""
	}
	u, err := url.Parse(input)
	if err != nil {
		return ""
	}
	host := u.Hostname()
	if isLoopback(host) {
		return ""
	}
	where := "all interfaces"
	if host != "" && host != "0.0.0.0" && host != "::" {
		where = host
	}
	switch strings.ToLower(u.Scheme) {
	case "srt":
		if !strings.EqualFold(u.Query().Get("mode"), "listener") {
			return ""
		}
		if u.Query().Get("passphrase") != "" {
			return ""
		}
		return "listening for SRT on " + where + " port " + u.Port() + " without a passphrase: anyone who reaches it can send a stream; add ?passphrase=… (10 to 79 characters) or listen on 127.0.0.1"
	case "udp":
		if ip := net.ParseIP(host); ip != nil && ip.IsMulticast() {
			return "receiving UDP multicast group " + host + ": any host on that network can send to it"
		}
		return "receiving UDP on " + where + " port " + u.Port() + ": anyone who reaches it can send a stream; receive on 127.0.0.1 or firewall the port"
	case "rtmp":
		if !isLocalHost(host) {
			return "" // pulled from another server
		}
		return "listening for RTMP on " + where + " port " + u.Port() + ": anyone who reaches it can publish a stream; listen on 127.0.0.1 or firewall the port"
	}
	return ""
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Redact hides the secrets a live URL may carry (an SRT passphrase, a
// stream id's password, user info) so the URL can be logged, put in events
// and recorded in the catalog.
func Redact(input string) string {
	scheme, rest, ok := strings.Cut(input, "://")
	if !ok {
		return input
	}
	if at := strings.IndexByte(rest, '@'); at >= 0 && at < strings.IndexAny(rest+"/", "/?") {
		rest = "REDACTED@" + rest[at+1:]
	}
	base, q, hasQ := strings.Cut(rest, "?")
	if !hasQ {
		return scheme + "://" + rest
	}
	parts := strings.Split(q, "&")
	for i, p := range parts {
		k, _, _ := strings.Cut(p, "=")
		switch strings.ToLower(k) {
		case "passphrase", "password", "pass", "key", "token", "pbkeylen_secret":
			parts[i] = k + "=REDACTED"
		}
	}
	return scheme + "://" + base + "?" + strings.Join(parts, "&")
}

// redactArgs is an ffmpeg command line with the secrets of its URLs hidden,
// for events and the catalog.
func redactArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = Redact(a)
	}
	return out
}

// redactEvent hides the input URL's secrets in the lines ffmpeg logs: they
// quote the input ("srt://…?passphrase=…: Connection refused").
func redactEvent(ev encode.Event, input string) encode.Event {
	// Only ffmpeg's lines quote the input; progress and segment events,
	// which come many times a second, pass untouched.
	switch e := ev.(type) {
	case encode.Error:
		e.Line = redactIn(e.Line, input)
		return e
	case encode.Warning:
		e.Line = redactIn(e.Line, input)
		return e
	}
	return ev
}

// redactIn replaces the input URL in line with its redacted form.
func redactIn(line, input string) string {
	if !strings.Contains(line, input) {
		return line
	}
	return strings.ReplaceAll(line, input, Redact(input))
}
