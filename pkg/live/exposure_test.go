package live

import (
	"strings"
	"testing"

	"github.com/veza-media/veza/pkg/encode"
)

func TestExposure(t *testing.T) {
	for in, want := range map[string]string{
		"-":                                                "",
		"srt://127.0.0.1:9000?mode=listener":               "",
		"srt://localhost:9000?mode=listener":               "",
		"srt://[::1]:9000?mode=listener":                   "",
		"srt://:9000?mode=listener":                        "SRT on all interfaces port 9000 without a passphrase",
		"srt://0.0.0.0:9000?mode=listener":                 "SRT on all interfaces",
		"srt://10.0.0.5:9000?mode=listener":                "SRT on 10.0.0.5",
		"srt://:9000?mode=listener&passphrase=abcdefghijk": "",
		"srt://encoder.example:9000":                       "", // caller: veza pulls
		"udp://127.0.0.1:5000":                             "",
		"udp://0.0.0.0:5000":                               "UDP on all interfaces port 5000",
		"udp://@:5000":                                     "UDP on all interfaces",
		"udp://239.1.1.1:5000":                             "multicast group 239.1.1.1",
		"rtmp://0.0.0.0:1935/live/key":                     "RTMP on all interfaces",
		"rtmp://127.0.0.1:1935/live/key":                   "",
		"rtmp://media.example/live/key":                    "",
	} {
		got := Exposure(in)
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("Exposure(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"srt://:9000?mode=listener&passphrase=s3cret-s3cret": "srt://:9000?mode=listener&passphrase=REDACTED",
		"srt://h:1?passphrase=abc&latency=200":               "srt://h:1?passphrase=REDACTED&latency=200",
		"rtmp://user:pw@h/live/x":                            "rtmp://REDACTED@h/live/x",
		"udp://127.0.0.1:5000":                               "udp://127.0.0.1:5000",
		"-":                                                  "-",
		"srt://h:1?streamid=#!::r=live,u=a":                  "srt://h:1?streamid=#!::r=live,u=a",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
		if strings.Contains(Redact(in), "s3cret") || strings.Contains(Redact(in), ":pw@") {
			t.Errorf("secret left in %q", Redact(in))
		}
	}
}

func FuzzRedact(f *testing.F) {
	for _, s := range []string{"srt://:9000?mode=listener&passphrase=abcdefghij", "rtmp://u:p@h/a", "udp://x", "-", "srt://h?passphrase="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Redact(in)
		if _, q, ok := strings.Cut(in, "?"); ok && strings.Contains(strings.ToLower(q), "passphrase=") && strings.Contains(out, "passphrase=") {
			for _, p := range strings.Split(out[strings.Index(out, "?")+1:], "&") {
				if strings.HasPrefix(strings.ToLower(p), "passphrase=") && p[len("passphrase="):] != "REDACTED" {
					t.Errorf("Redact(%q) = %q keeps a passphrase", in, out)
				}
			}
		}
	})
}

// TestLiveSecretsStayOut: an SRT passphrase in the source URL never reaches
// events, errors or the catalog; ffmpeg's own lines quoting the URL are
// redacted too.
func TestLiveSecretsStayOut(t *testing.T) {
	in := "srt://127.0.0.1:9?mode=caller&passphrase=topsecret123&timeout=1000"
	args := redactArgs([]string{"-i", in})
	if strings.Contains(strings.Join(args, " "), "topsecret123") {
		t.Errorf("args keep the passphrase: %q", args)
	}
	ev := redactEvent(encode.Error{Line: in + ": Connection refused"}, in)
	if strings.Contains(ev.(encode.Error).Line, "topsecret123") || !strings.Contains(ev.(encode.Error).Line, "Connection refused") {
		t.Errorf("event line %q", ev.(encode.Error).Line)
	}
	ev = redactEvent(encode.Warning{Line: "[srt @ 0x1] " + in + " slow"}, in)
	if strings.Contains(ev.(encode.Warning).Line, "topsecret123") {
		t.Errorf("warning line %q", ev.(encode.Warning).Line)
	}
}
