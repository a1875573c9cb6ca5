package encode

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// drainTimeout bounds how long Run keeps reading ffmpeg's pipes after it
// exited: something else holding them open must not hang the job.
const drainTimeout = 2 * time.Second

// Run runs the job and blocks until ffmpeg has exited and every event has
// been delivered. It returns nil when ffmpeg exited 0; ctx.Err() when ctx
// ended the job (status cancelled); an error wrapping ErrTimeout when the job
// ran past Timeout (status timeout); an *ExitError when ffmpeg failed; other
// errors when ffmpeg could not start.
func (j *Job) Run(ctx context.Context) error {
	if !j.claim() {
		return errors.New("encode: job already ran")
	}
	// Not deferred: a panic from OnEvent must not look like a success.
	err := j.start(ctx)
	switch {
	case err == nil:
		if j.OnSuccess != nil {
			j.OnSuccess()
		}
	case errors.Is(err, ErrTimeout):
		if j.OnTimeout != nil {
			j.OnTimeout()
		}
	default:
		if j.OnError != nil {
			j.OnError(err)
		}
	}
	return err
}

func (j *Job) start(ctx context.Context) error {
	if err := j.prepare(); err != nil {
		j.setStatus(StatusError)
		return err
	}
	bin, err := exec.LookPath(j.ffmpegBin())
	if err != nil {
		j.setStatus(StatusError)
		return fmt.Errorf("%w: %q: %v", ErrFFmpegNotFound, j.ffmpegBin(), errors.Unwrap(err))
	}
	total := j.Duration
	if total <= 0 {
		total = j.probeDuration(ctx)
	}
	for _, o := range j.Outputs {
		if o.Duration > 0 && (total <= 0 || o.Duration < total) {
			total = o.Duration
		}
	}
	if err := ctx.Err(); err != nil {
		j.setStatus(StatusCancelled)
		return err
	}
	return j.run(ctx, bin, total)
}

// claim marks the job as started; a Job runs once.
func (j *Job) claim() bool {
	return j.ran.CompareAndSwap(false, true)
}

// prepare validates the job and creates its output directories.
func (j *Job) prepare() error {
	if err := j.validate(); err != nil {
		return err
	}
	for _, o := range j.Outputs {
		if !isLocalPath(o.Path) {
			continue
		}
		dirs := []string{filepath.Dir(o.Path)}
		if o.HLS != nil {
			dirs = append(dirs, filepath.Dir(o.segmentFilename()))
		}
		for _, d := range dirs {
			if !filepath.IsAbs(d) && j.Dir != "" {
				d = filepath.Join(j.Dir, d)
			}
			if err := os.MkdirAll(d, 0o755); err != nil {
				return fmt.Errorf("output %q: %w", o.Path, err)
			}
		}
	}
	return nil
}

// isLocalPath tells file paths from stdout ("-") and URLs or protocols
// ("pipe:1", "http://host/x", "lavfi graphs"), which have no directory.
func isLocalPath(p string) bool {
	if p == "-" || p == "" {
		return false
	}
	if i := strings.IndexByte(p, ':'); i > 0 && !strings.ContainsRune(p[:i], '/') {
		return strings.HasPrefix(p, "file:")
	}
	return true
}

func (j *Job) run(ctx context.Context, bin string, total time.Duration) (err error) {
	args := j.Args()
	progR, progW, err := os.Pipe()
	if err != nil {
		j.setStatus(StatusError)
		return err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		progR.Close()
		progW.Close()
		j.setStatus(StatusError)
		return err
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = j.Dir
	cmd.Env = append(os.Environ(), j.Env...)
	cmd.Stderr = errW
	cmd.ExtraFiles = []*os.File{progW}
	cmd.SysProcAttr = sysProcAttr()
	started := time.Now()
	startErr := cmd.Start()
	// The child has its own copies; closing ours lets the readers see EOF
	// when ffmpeg exits.
	progW.Close()
	errW.Close()
	if startErr != nil {
		progR.Close()
		errR.Close()
		j.setStatus(StatusError)
		return fmt.Errorf("start ffmpeg: %w", startErr)
	}
	pid := cmd.Process.Pid
	j.setStatus(StatusEncoding)

	done := make(chan struct{})
	lines := make(chan string, 256)
	blocks := make(chan ProgressBlock, 16)
	waitc := make(chan error, 1)
	go func() {
		defer close(lines)
		_ = readLines(tapReader(errR, j.tap, 'E'), func(l string) {
			select {
			case lines <- l:
			case <-done:
			}
		})
	}()
	go func() {
		defer close(blocks)
		var p progressParser
		_ = readLines(tapReader(progR, j.tap, 'P'), func(l string) {
			if b, ok := p.line(l); ok {
				select {
				case blocks <- b:
				case <-done:
				}
			}
		})
	}()
	go func() { waitc <- cmd.Wait() }()

	exited := false
	defer func() {
		// Reached with ffmpeg still running only when an OnEvent callback
		// panicked: take the whole group down before the panic goes on.
		if !exited {
			signalGroup(pid, syscall.SIGKILL)
			<-waitc
		}
		close(done)
		errR.Close()
		progR.Close()
	}()

	emit := func(ev Event) {
		if j.OnEvent != nil {
			j.OnEvent(ev)
		}
	}
	mon := newMonitor(j, total, started, emit)

	var timeoutC, graceC, drainC <-chan time.Time
	if t := j.timeout(); t > 0 {
		timer := time.NewTimer(t)
		defer timer.Stop()
		timeoutC = timer.C
	}
	var stopping Status // StatusCancelled or StatusTimeout once veza asked ffmpeg to stop
	stop := func(why Status) {
		if exited || stopping != "" {
			return
		}
		stopping = why
		// SIGINT makes ffmpeg finish the files it writes (trailer, final
		// playlist) and exit; the whole group gets it in case ffmpeg has
		// children of its own.
		signalGroup(pid, syscall.SIGINT)
		graceC = time.After(j.gracePeriod())
	}
	// ffmpeg rewrites a playlist just after it logs the next segment's
	// opening, so a closed segment is looked for again a few times shortly
	// after each line that left one waiting, not only at the next progress
	// report half a second later.
	var recheckC <-chan time.Time
	rechecks := 0
	var waitErr error
	ctxDone := ctx.Done()
	linesC, blocksC, waitC := lines, blocks, waitc
	for linesC != nil || blocksC != nil || waitC != nil {
		select {
		case l, ok := <-linesC:
			if !ok {
				linesC = nil
				continue
			}
			mon.line(l)
			if mon.waiting() {
				rechecks = 0
				if recheckC == nil {
					recheckC = time.After(recheckInterval)
				}
			}
		case <-recheckC:
			recheckC = nil
			mon.recheck()
			if rechecks++; rechecks < maxRechecks && mon.waiting() {
				recheckC = time.After(recheckInterval)
			}
		case b, ok := <-blocksC:
			if !ok {
				blocksC = nil
				continue
			}
			mon.progress(b)
		case waitErr = <-waitC:
			waitC, exited = nil, true
			// A grandchild could hold the pipes open; reap the group and
			// stop reading after a while.
			signalGroup(pid, syscall.SIGKILL)
			drainC = time.After(drainTimeout)
		case <-ctxDone:
			ctxDone = nil
			stop(StatusCancelled)
		case <-timeoutC:
			timeoutC = nil
			stop(StatusTimeout)
		case <-graceC:
			graceC = nil
			signalGroup(pid, syscall.SIGKILL)
		case <-drainC:
			drainC = nil
			errR.Close()
			progR.Close()
		}
	}

	code := cmd.ProcessState.ExitCode()
	status := StatusDone
	switch {
	case stopping == StatusTimeout:
		status = StatusTimeout
		err = fmt.Errorf("%w after %s", ErrTimeout, j.timeout())
	case stopping == StatusCancelled:
		status = StatusCancelled
		err = ctx.Err()
	case waitErr != nil:
		status = StatusError
		ee := &ExitError{Args: append([]string{bin}, args...), Code: code, Kind: mon.errKind,
			Line: mon.errLine, StderrTail: mon.stderrTail(), Err: waitErr}
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			ee.Signal = ws.Signal().String()
		}
		err = ee
	}
	// The status is final before the Exited event, so a callback reading
	// Status sees it.
	j.setStatus(status)
	mon.finish(status, code)
	return err
}

// signalGroup signals ffmpeg's process group (its pid, as Setpgid made it
// the leader).
func signalGroup(pid int, sig syscall.Signal) {
	_ = syscall.Kill(-pid, sig)
}

// tapReader lets tests record what ffmpeg printed, as it arrives.
func tapReader(f *os.File, tap func(stream byte, p []byte), stream byte) interface{ Read([]byte) (int, error) } {
	if tap == nil {
		return f
	}
	return tapped{f, tap, stream}
}

type tapped struct {
	f      *os.File
	tap    func(byte, []byte)
	stream byte
}

func (t tapped) Read(p []byte) (int, error) {
	n, err := t.f.Read(p)
	if n > 0 {
		t.tap(t.stream, p[:n])
	}
	return n, err
}
