package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

func TestSubmitWorkerFlags(t *testing.T) {
	so, err := captureOptions(NewCmdSubmit, "a.wav", "--queue", "nats://h:4222", "--ladder", "audio", "-o", "out", "--max-pending", "7", "--format", "fmp4")
	if err != nil || so.Queue != "nats://h:4222" || so.MaxPending != 7 || so.Options.Format != "fmp4" || so.Options.Preset != "veryfast" {
		t.Errorf("submit: %+v, %v", so, err)
	}
	if _, err := captureOptions(NewCmdSubmit, "a.wav", "--queue", "nats://h:4222", "-o", "out"); err == nil {
		t.Error("submit without --ladder accepted")
	}
	wo, err := captureOptions(NewCmdWorker, "--queue", "nats://h:4222", "--jobs", "3", "--grace", "1m", "--catalog", "w.db")
	if err != nil || wo.Worker.Jobs != 3 || wo.Worker.Grace != time.Minute || wo.Catalog != "w.db" || wo.Worker.MaxDeliver != 5 {
		t.Errorf("worker: %+v, %v", wo, err)
	}
	if wo, _ := captureOptions(NewCmdWorker, "--queue", "nats://h:4222", "--concurrency", "2"); wo.Worker.Jobs != 2 {
		t.Errorf("--concurrency: %d", wo.Worker.Jobs)
	}
}

// TestSubmitCapacity: veza submit against a real JetStream queues, then
// refuses past --max-pending with exit 1 and one clear line.
func TestSubmitCapacity(t *testing.T) {
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	defer s.Shutdown()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server did not start")
	}
	submit := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		ios := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
		code := run(context.Background(), append([]string{"submit", "--queue", s.ClientURL(), "--ladder", "audio", "-o", t.TempDir(), "--max-pending", "2"}, args...), ios)
		return code, out.String(), errOut.String()
	}
	if code, out, _ := submit("/m/a.wav", "/m/b.wav"); code != 0 || !strings.Contains(out, "queued 2 of 2 jobs") {
		t.Errorf("first submit: %d %q", code, out)
	}
	if code, _, errOut := submit("/m/c.wav"); code != ExitFailure || !strings.Contains(errOut, "capacity reached: 2 jobs pending") {
		t.Errorf("submit past capacity: %d %q", code, errOut)
	}
}
