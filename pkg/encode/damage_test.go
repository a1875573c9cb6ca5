package encode

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/veza-media/veza/internal/testmedia"
)

func TestIsDamage(t *testing.T) {
	for line, want := range map[string]bool{
		// Captured from ffmpeg 5.1 on an MPEG-TS with 200 KB overwritten.
		"[mpegts @ 0x55beba45e980] [warning] changing packet size to 188":                    true,
		"[mpegts @ 0x55beba45e980] [warning] Packet corrupt (stream = 0, dts = 578090).":     true,
		"[warning] bad2.ts: corrupt input packet in stream 0":                                true,
		"[warning] bad2.ts: corrupt decoded frame in stream 0":                               true,
		"[h264 @ 0x55beba579840] [info] concealing 352 DC, 352 AC, 352 MV errors in P frame": true,
		"[h264 @ 0x55beba579840] [error] mb_type 88 in P slice too large at 17 15":           false,
		"[h264 @ 0x55beba579840] [error] error while decoding MB 17 15":                      true,
		"[aac @ 0x1] [error] Input buffer exhausted before END element found":                true,
		"[mp3float @ 0x1] [error] Header missing":                                            true,
		// Untagged captures still count when a component says it.
		"[h264 @ 0x1] error while decoding MB 1 2": true,
		// Input metadata and ordinary lines do not.
		"[info]     title           : Packet corrupt":           false,
		"[info]     comment         : concealing everything":    false,
		"    title           : error while decoding":            false,
		"[libx264 @ 0x1] [info] profile High, level 3.0":        false,
		"[hls @ 0x1] [info] Opening 'seg_00001.ts' for writing": false,
		"[h264 @ 0x1] [debug] concealing 1 DC":                  false,
	} {
		if got := isDamage(ParseLogLine(line)); got != want {
			t.Errorf("isDamage(%q) = %v, want %v", line, got, want)
		}
	}
}

func TestDamageRanges(t *testing.T) {
	var l damageLog
	sec := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
	// Reports between progress at 4 s and 5 s, 5–6 s, 6.9–7 s, 12–12.5 s
	// (two), 30–30.5 s.
	for _, p := range [][2]float64{{4, 5}, {5, 6}, {5, 6}, {6.9, 7}, {12, 12.5}, {12, 12.5}, {30, 30.5}} {
		l.progress(sec(p[0]))
		l.add(sec(p[0]))
		l.progress(sec(p[1]))
	}
	d, ok := l.result(40*time.Second, 40*time.Second)
	if !ok || d.Short || d.Errors != 7 || len(d.Ranges) != 3 {
		t.Fatalf("%+v", d)
	}
	// Reports while probing count only when decoding reports nothing.
	early := damageLog{probing: true}
	early.add(0)
	early.add(0)
	if d, ok := early.result(8*time.Second, 0); !ok || d.Errors != 2 || len(d.Ranges) != 1 || d.Ranges[0].End != 8*time.Second {
		t.Errorf("probe-only damage: %+v", d)
	}
	early = damageLog{probing: true}
	early.add(0)
	early.probing = false
	early.progress(time.Second)
	early.add(time.Second)
	if d, _ := early.result(2*time.Second, 0); d.Errors != 1 || d.Ranges[0].Start != time.Second {
		t.Errorf("probe damage seen again while decoding: %+v", d)
	}
	if got := d.String(); got != "7 decode errors or corrupt packets at 00:04-00:07 (4 errors), 00:12-00:13 (2 errors), 00:30-00:31 (1 errors)" {
		t.Errorf("String = %q", got)
	}
	var clean damageLog
	if _, ok := clean.result(9500*time.Millisecond, 10*time.Second); ok {
		t.Error("0.5 s short of 10 s is not damage")
	}
	d, ok = clean.result(5*time.Second, 10*time.Second)
	if !ok || !d.Short || d.String() != "ended at 00:05 of 00:10" {
		t.Errorf("short: %+v %q", d, d.String())
	}
	if _, ok := clean.result(5*time.Second, 0); ok {
		t.Error("no expected duration: nothing to compare")
	}
}

func TestRunReportsDamage(t *testing.T) {
	dir := t.TempDir()
	ts, short := testmedia.DamagedTS(t, dir, 6), testmedia.ShortMKV(t, dir, 6)
	run := func(in string, expect time.Duration, inArgs ...string) (*Damaged, []Event) {
		var evs []Event
		j := &Job{
			Inputs:         []Input{{Path: in, Args: inArgs}},
			Outputs:        []Output{{Path: filepath.Join(t.TempDir(), "out.mp4"), VideoCodec: "libx264", AudioCodec: "aac", Args: []string{"-preset", "ultrafast"}}},
			ExpectDuration: expect,
			OnEvent:        collect(&evs),
		}
		if err := j.Run(context.Background()); err != nil {
			t.Fatalf("%s: %v (a damaged but decodable file encodes)", in, err)
		}
		for i, e := range evs {
			if d, ok := e.(Damaged); ok {
				if _, last := evs[i+1].(Exited); !last {
					t.Errorf("Damaged is not followed by Exited")
				}
				return &d, evs
			}
		}
		return nil, evs
	}
	d, _ := run(ts, 6*time.Second, "-re") // read at its own pace, so progress locates the damage
	if d == nil || d.Errors == 0 || len(d.Ranges) == 0 {
		t.Fatalf("damaged TS: %+v, want decode errors", d)
	}
	if r := d.Ranges[0]; r.Start < 1500*time.Millisecond || r.End > 4500*time.Millisecond {
		t.Errorf("damage at %v, want around the middle of 6 s", d.Ranges)
	}
	d, _ = run(short, 6*time.Second)
	if d == nil || !d.Short || d.Encoded > 4*time.Second {
		t.Fatalf("half a Matroska file: %+v, want ended early", d)
	}
	// The clean source reports nothing.
	if d, _ := run(media(t, "av.mp4"), 3*time.Second); d != nil {
		t.Fatalf("clean source reported %+v", d)
	}
}
