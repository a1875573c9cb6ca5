package webvtt

import (
	"strings"
	"testing"
)

const sample = "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:126000,LOCAL:00:00:00.000\n\nNOTE a comment\n\n1\n00:00:01.000 --> 00:00:02.500 line:90%\nHello\nworld\n\n00:03.000 --> 00:04.000\nBonjour\n"

func TestParse(t *testing.T) {
	f, err := Parse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.TimestampMap(); got != "MPEGTS:126000,LOCAL:00:00:00.000" {
		t.Errorf("TimestampMap = %q", got)
	}
	if len(f.Cues) != 2 {
		t.Fatalf("cues = %+v", f.Cues)
	}
	c := f.Cues[0]
	if c.ID != "1" || c.Start != 1 || c.End != 2.5 || c.Settings != "line:90%" || c.Text != "Hello\nworld" {
		t.Errorf("cue 0 = %+v", c)
	}
	if f.Cues[1].Start != 3 || f.Cues[1].Text != "Bonjour" {
		t.Errorf("cue 1 = %+v", f.Cues[1])
	}
	again, err := Parse(f.Encode())
	if err != nil || len(again.Cues) != 2 || again.Cues[0] != c || again.TimestampMap() != f.TimestampMap() {
		t.Errorf("round trip: %+v, %v", again, err)
	}
	if got := f.Between(2.5, 3.5); len(got) != 1 || got[0].Text != "Bonjour" {
		t.Errorf("Between(2.5, 3.5) = %+v", got)
	}
	if got := f.Between(0, 10); len(got) != 2 {
		t.Errorf("Between(0, 10) = %+v", got)
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "empty"},
		{"1\n00:00:01.000 --> 00:00:02.000\nx\n", "not WEBVTT"},
		{"WEBVTT\n\n00:00:03.000 --> 00:00:02.000\nx\n", "before it starts"},
		{"WEBVTT\n\n00:00:0x.000 --> 00:00:02.000\nx\n", "bad timestamp"},
		{"WEBVTT\n\n00:61:00.000 --> 01:00:00.000\nx\n", "bad timestamp"},
		{"WEBVTT\n\njust text\n", "without a timing line"},
	} {
		_, err := Parse([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %v, want %q", c.in, err, c.want)
		}
	}
}

func TestTime(t *testing.T) {
	for _, s := range []string{"00:00:00.000", "01:02:03.456", "123:00:00.001"} {
		v, err := ParseTime(s)
		if err != nil || FormatTime(v) != s {
			t.Errorf("%s -> %v, %v -> %s", s, v, err, FormatTime(v))
		}
	}
}

// FuzzParse checks that Parse never panics and that what it accepts
// survives Encode and Parse again with the same cue times.
func FuzzParse(f *testing.F) {
	f.Add([]byte(sample))
	f.Add([]byte("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nx"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse(data)
		if err != nil {
			return
		}
		again, err := Parse(file.Encode())
		if err != nil {
			t.Fatalf("re-parse: %v\n%s", err, file.Encode())
		}
		if len(again.Cues) != len(file.Cues) {
			t.Fatalf("%d cues became %d", len(file.Cues), len(again.Cues))
		}
	})
}
