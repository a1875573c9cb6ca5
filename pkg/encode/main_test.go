package encode

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden event files in testdata/transcripts")

// fakeEnv switches the test binary into a fake ffmpeg (see fakeFFmpeg).
const fakeEnv = "VEZA_FAKE_FFMPEG"

var mediaDir string

func TestMain(m *testing.M) {
	if mode := os.Getenv(fakeEnv); mode != "" {
		os.Exit(fakeFFmpeg(mode))
	}
	flag.Parse()
	dir, err := os.MkdirTemp("", "veza-encode-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	mediaDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// fakeFFmpeg plays an ffmpeg that misbehaves in one way. It writes its pid
// (and its child's) to $VEZA_FAKE_PIDFILE so tests can check they are gone.
func fakeFFmpeg(mode string) int {
	progress := os.NewFile(3, "progress")
	writePid := func(pids ...int) {
		if f := os.Getenv("VEZA_FAKE_PIDFILE"); f != "" {
			var s []string
			for _, p := range pids {
				s = append(s, strconv.Itoa(p))
			}
			_ = os.WriteFile(f+".tmp", []byte(strings.Join(s, " ")), 0o644)
			_ = os.Rename(f+".tmp", f)
		}
	}
	block := func(us int64) {
		fmt.Fprintf(progress, "frame=%d\nfps=25.00\nbitrate=N/A\ntotal_size=N/A\nout_time_us=%d\nout_time_ms=%d\nout_time=N/A\nspeed=1x\nprogress=continue\n", us/40000, us, us)
	}
	fmt.Fprintf(os.Stderr, "[info] Input #0, lavfi, from 'fake':\n")
	switch mode {
	case "crash":
		writePid(os.Getpid())
		block(1_000_000)
		fmt.Fprintf(os.Stderr, "[info] frame=   25 fps=0.0 q=-1.0 size=N/A time=00:00:01.00 bitrate=N/A speed=1x    \r")
		fmt.Fprintf(os.Stderr, "[libx264 @ 0x1] [error] internal error, about to crash\n")
		time.Sleep(50 * time.Millisecond)
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	case "hang", "slowexit":
		sigs := make(chan os.Signal, 1)
		if mode == "hang" {
			signal.Ignore(syscall.SIGINT) // only SIGKILL ends it
		} else {
			signal.Notify(sigs, syscall.SIGINT)
		}
		writePid(os.Getpid())
		delay, _ := time.ParseDuration(os.Getenv("VEZA_FAKE_DELAY"))
		tick := time.NewTicker(50 * time.Millisecond)
		var us int64
		for {
			select {
			case <-tick.C:
				us += 50_000
				block(us)
			case <-sigs:
				time.Sleep(delay)
				fmt.Fprintf(os.Stderr, "[info] Exiting normally, received signal 2.\n")
				return 255
			}
		}
	case "spew":
		writePid(os.Getpid())
		long := strings.Repeat("x", 1<<20)
		for i := range 20 {
			fmt.Fprintf(os.Stderr, "[h264 @ 0x2] [warning] %s line %d without end", long, i)
			fmt.Fprintf(os.Stderr, "\r[info] frame=%d fps=25 q=1 size=N/A time=00:00:0%d.00 bitrate=N/A speed=1x    \r", i, i%10)
			for k := range 200 {
				fmt.Fprintf(os.Stderr, "[h264 @ 0x2] [error] error while decoding MB %d %d\n", k, i)
			}
		}
		fmt.Fprintf(os.Stderr, "[fatal] Conversion failed!\n")
		return 1
	case "child":
		// A child in ffmpeg's group that keeps stderr open after ffmpeg exits.
		c := exec.Command("sleep", "30")
		c.Stderr = os.Stderr
		if err := c.Start(); err != nil {
			return 2
		}
		writePid(os.Getpid(), c.Process.Pid)
		block(1_000_000)
		fmt.Fprintf(progress, "progress=end\n")
		return 0
	}
	fmt.Fprintf(os.Stderr, "[fatal] fake ffmpeg: unknown mode %q\n", mode)
	return 2
}

// fakeJob returns a job that runs the test binary as a fake ffmpeg.
func fakeJob(t *testing.T, mode string, extraEnv ...string) (*Job, string) {
	t.Helper()
	pidfile := filepath.Join(t.TempDir(), "pid")
	return &Job{
		FFmpeg:      os.Args[0],
		Env:         append([]string{fakeEnv + "=" + mode, "VEZA_FAKE_PIDFILE=" + pidfile}, extraEnv...),
		Inputs:      []Input{{Path: "testsrc", Format: "lavfi"}},
		Outputs:     []Output{{Path: "-", Format: "null"}},
		Duration:    10 * time.Second,
		GracePeriod: 300 * time.Millisecond,
	}, pidfile
}

// readPids waits for the fake to write its pids.
func readPids(t *testing.T, pidfile string) []int {
	t.Helper()
	var data []byte
	for range 200 {
		var err error
		if data, err = os.ReadFile(pidfile); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	var pids []int
	for _, f := range strings.Fields(string(data)) {
		n, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("pidfile %q: %v", data, err)
		}
		pids = append(pids, n)
	}
	if len(pids) == 0 {
		t.Fatal("fake ffmpeg wrote no pid")
	}
	return pids
}

// assertGone fails unless the processes have exited (zombies count as gone:
// whoever reaps orphans may take a moment).
func assertGone(t *testing.T, pids ...int) {
	t.Helper()
	for _, pid := range pids {
		deadline := time.Now().Add(3 * time.Second)
		for {
			if err := syscall.Kill(pid, 0); err == syscall.ESRCH {
				break
			}
			if st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
				if f := strings.Fields(string(st)); len(f) > 2 && f[2] == "Z" {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("process %d still running", pid)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// media returns a small input made with lavfi, built once per test run.
func media(t *testing.T, name string) string {
	t.Helper()
	mediaMu.Lock()
	defer mediaMu.Unlock()
	path := filepath.Join(mediaDir, name)
	if _, err := os.Stat(path); err == nil {
		return path
	}
	var args []string
	switch name {
	case "av.mp4": // 3 s, 320x240, keyframe every second, with audio
		args = []string{"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=3",
			"-f", "lavfi", "-i", "sine=frequency=440:duration=3",
			"-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"}
	case "tone.wav": // 3 s of audio
		args = []string{"-f", "lavfi", "-i", "sine=frequency=440:duration=3"}
	case "long.wav": // 60 s of audio, for jobs that must still be running
		args = []string{"-f", "lavfi", "-i", "sine=frequency=440:duration=60"}
	case "garbage.mp4":
		if err := os.WriteFile(path, []byte("this is not a media file\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	default:
		t.Fatalf("unknown test media %q", name)
	}
	args = append([]string{"-hide_banner", "-loglevel", "error", "-y"}, append(args, path)...)
	if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("making %s: %v\n%s", name, err, out)
	}
	return path
}

var mediaMu sync.Mutex

// collect returns an OnEvent that records events.
func collect(evs *[]Event) func(Event) {
	return func(e Event) { *evs = append(*evs, e) }
}

func execOutput(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).Output()
	return string(out), err
}
