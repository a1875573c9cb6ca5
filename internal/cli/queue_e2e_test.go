package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/nats-io/nats.go"

	"github.com/veza-media/veza/internal/s3test"
	"github.com/veza-media/veza/pkg/queue"
)

// natsServerBinary finds Debian's nats-server, which scripts/deps.sh
// installs (its package puts it in /usr/sbin, not always on PATH).
func natsServerBinary(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("nats-server"); err == nil {
		return p
	}
	if st, err := os.Stat("/usr/sbin/nats-server"); err == nil && st.Mode().IsRegular() {
		return "/usr/sbin/nats-server"
	}
	t.Fatal("nats-server is not installed; scripts/deps.sh (make test) installs it: sudo apt-get install nats-server")
	return ""
}

// startNATSBinary runs nats-server with JetStream on a free loopback port
// until the test ends and returns its URL.
func startNATSBinary(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	var logs bytes.Buffer
	cmd := exec.Command(natsServerBinary(t), "-a", "127.0.0.1", "-p", strconv.Itoa(port), "-js", "-sd", t.TempDir())
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	url := fmt.Sprintf("nats://127.0.0.1:%d", port)
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		nc, err := nats.Connect(url)
		if err == nil {
			nc.Close()
			return url
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("nats-server did not start: %v\n%s", err, logs.String())
		}
	}
}

// buildVeza builds the veza binary into a temporary folder.
func buildVeza(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "veza")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/veza-media/veza/cmd/veza")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// lavfi makes a test input with ffmpeg.
func lavfi(t *testing.T, out string, args ...string) {
	t.Helper()
	cmd := exec.Command("ffmpeg", append(append([]string{"-hide_banner", "-loglevel", "error", "-y"}, args...), out)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %s: %v\n%s", out, err, b)
	}
}

// vezaWorker is a `veza worker` process.
type vezaWorker struct {
	cmd  *exec.Cmd
	logs *syncBuffer
}

func startVezaWorker(t *testing.T, bin, url, name string, s3 *s3test.Server) *vezaWorker {
	t.Helper()
	w := &vezaWorker{logs: &syncBuffer{}}
	w.cmd = exec.Command(bin, "worker", "--queue", url, "--name", name, "--jobs", "1", "--ack-wait", "2s",
		"--catalog", filepath.Join(t.TempDir(), name+".db"), "--s3-endpoint", s3.URL, "--s3-path-style")
	w.cmd.Env = os.Environ()
	w.cmd.Stdout, w.cmd.Stderr = w.logs, w.logs
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if w.cmd.ProcessState == nil {
			w.cmd.Process.Kill()
			w.cmd.Wait()
		}
	})
	return w
}

// ffmpegChild says whether pid has an ffmpeg child process right now.
func ffmpegChild(pid int) bool {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …
		s := string(b)
		open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || close < open {
			continue
		}
		f := strings.Fields(s[close+1:])
		if s[open+1:close] == "ffmpeg" && len(f) > 1 && f[1] == strconv.Itoa(pid) {
			return true
		}
	}
	return false
}

// uriAttr finds the URI="…" attributes of playlist tags.
var uriAttr = regexp.MustCompile(`URI="([^"]+)"`)

// checkBucketComplete reads every playlist in the bucket and fails the
// test for each object one names that the bucket does not hold.
func checkBucketComplete(t *testing.T, srv *s3test.Server, bucket, prefix string) map[string]bool {
	t.Helper()
	have := map[string]bool{}
	for _, o := range srv.List(t, bucket, prefix) {
		have[o.Key] = true
	}
	for key := range have {
		if !strings.HasSuffix(key, ".m3u8") {
			continue
		}
		resp, err := srv.Client().GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err != nil {
			t.Fatalf("get %s: %v", key, err)
		}
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			var uris []string
			if strings.HasPrefix(line, "#") {
				for _, m := range uriAttr.FindAllStringSubmatch(line, -1) {
					uris = append(uris, m[1])
				}
			} else if line != "" {
				uris = append(uris, line)
			}
			for _, u := range uris {
				if !have[path.Join(path.Dir(key), u)] {
					t.Errorf("%s names %s, which the bucket does not hold", key, u)
				}
			}
		}
		resp.Body.Close()
	}
	return have
}

// TestQueueEndToEnd: Debian's nats-server, versitygw and two `veza worker`
// processes. Six jobs are submitted, one of them not media; the worker
// running the video job is killed (SIGKILL) in the middle of its encode.
// Every good job ends done exactly once and published complete, the bad
// one dead with its error after one delivery, and `veza jobs` says so.
func TestQueueEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds veza and runs nats-server, versitygw and ffmpeg (not with -short)")
	}
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	url := startNATSBinary(t)
	srv := s3test.Start(t)
	srv.Env(t)
	srv.CreateBucket(t, "media")
	bin := buildVeza(t)

	in, out := t.TempDir(), filepath.Join(t.TempDir(), "out")
	video := filepath.Join(in, "film.mp4")
	lavfi(t, video, "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=16", "-c:v", "libx264", "-preset", "ultrafast", "-g", "50")
	var tones []string
	for i := range 4 {
		p := filepath.Join(in, fmt.Sprintf("tone%d.wav", i))
		lavfi(t, p, "-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=%d:duration=3", 300+100*i), "-ac", "1", "-ar", "44100")
		tones = append(tones, p)
	}
	bad := filepath.Join(in, "notes.wav")
	os.WriteFile(bad, []byte("these are notes, not audio"), 0o644)
	videoLadder := filepath.Join(in, "small.yaml")
	os.WriteFile(videoLadder, []byte("name: small\nsegment_time: 2\nrungs:\n"+
		"  - {name: sd, height: 360, bitrate: 800}\n  - {name: low, height: 180, bitrate: 250}\n"), 0o644)

	vezaRun := func(args ...string) (string, string) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("veza %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return stdout.String(), stderr.String()
	}
	submit := func(l string, inputs ...string) {
		t.Helper()
		vezaRun(append([]string{"submit", "--queue", url, "--ladder", l, "-o", out, "--publish", "s3://media/vod",
			"--preset", "veryfast"}, inputs...)...)
	}

	// a takes the video job, the first submitted, and is killed in the
	// middle of its encode, once a segment is written.
	a := startVezaWorker(t, bin, url, "a", srv)
	submit(videoLadder, video)
	submit("audio", append(tones, bad)...)
	deadline := time.Now().Add(60 * time.Second)
	for {
		segs, _ := filepath.Glob(filepath.Join(out, "film", "*", "*.ts"))
		if len(segs) > 0 && ffmpegChild(a.cmd.Process.Pid) {
			break
		}
		if time.Now().After(deadline) || a.cmd.ProcessState != nil {
			t.Fatalf("worker a never reached the middle of the video encode:\n%s", a.logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	b := startVezaWorker(t, bin, url, "b", srv)
	if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	a.cmd.Wait()

	jobsJSON := func() []queue.State {
		t.Helper()
		stdout, _ := vezaRun("jobs", "--queue", url, "--json")
		var states []queue.State
		if err := json.Unmarshal([]byte(stdout), &states); err != nil {
			t.Fatalf("veza jobs --json: %v\n%s", err, stdout)
		}
		return states
	}
	var states []queue.State
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(250 * time.Millisecond) {
		states = jobsJSON()
		settled := 0
		for _, s := range states {
			if s.Status == queue.StatusDone || s.Status == queue.StatusDead {
				settled++
			}
		}
		if len(states) == 6 && settled == 6 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("jobs not settled: %+v\nworker a:\n%s\nworker b:\n%s", states, a.logs.String(), b.logs.String())
		}
	}
	b.cmd.Process.Signal(syscall.SIGTERM)
	b.cmd.Wait()
	defer func() {
		if t.Failed() {
			t.Logf("worker a:\n%s\nworker b:\n%s", a.logs.String(), b.logs.String())
		}
	}()

	logs := a.logs.String() + b.logs.String()
	for _, s := range states {
		switch s.Track {
		case "notes":
			if s.Status != queue.StatusDead || s.Delivery != 1 || !strings.Contains(s.Error, "notes.wav") {
				t.Errorf("bad input: %+v", s)
			}
		case "film":
			// Delivered again once a was killed (twice when a heavily
			// loaded machine makes b miss a heartbeat too).
			if s.Status != queue.StatusDone || s.Worker != "b" || s.Delivery < 2 || s.Output != "s3://media/vod/film" {
				t.Errorf("video job after its worker was killed: %+v", s)
			}
		default:
			if s.Status != queue.StatusDone || s.Delivery != 1 || s.Output != "s3://media/vod/"+s.Track {
				t.Errorf("audio job: %+v", s)
			}
		}
		if s.Status == queue.StatusDone {
			if n := strings.Count(logs, "job "+s.ID+": done"); n != 1 {
				t.Errorf("job %s (%s) done %d times", s.ID, s.Track, n)
			}
		}
	}
	have := checkBucketComplete(t, srv, "media", "vod/")
	for _, track := range []string{"film", "tone0", "tone1", "tone2", "tone3"} {
		if !have["vod/"+track+"/master.m3u8"] {
			t.Errorf("no master of %s in the bucket", track)
		}
	}
	if have["vod/notes/master.m3u8"] {
		t.Error("the bad input was published")
	}

	table, _ := vezaRun("jobs", "--queue", url)
	t.Logf("veza jobs:\n%s", table)
	if !strings.Contains(table, "6 jobs: 5 done, 1 dead") || !regexp.MustCompile(`film\s+done\s+b\s+[2-5]\s`).MatchString(table) ||
		!regexp.MustCompile(`notes\s+dead\s+\S+\s+1\s.*notes\.wav`).MatchString(table) {
		t.Errorf("veza jobs does not tell the story:\n%s", table)
	}
	dead, _ := vezaRun("jobs", "--queue", url, "--state", "dead")
	if !strings.Contains(dead, "notes") || strings.Contains(dead, "film") {
		t.Errorf("veza jobs --state dead:\n%s", dead)
	}
}
