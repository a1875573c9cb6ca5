package live

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
)

// ErrCapacity is wrapped by the error of a live job refused because as
// many live jobs as allowed are running already. The message says how many:
// "capacity reached: 4 live jobs running".
var ErrCapacity = errors.New("capacity reached")

// Limiter caps the number of live jobs running at once. A job holds one
// slot from start to end; when none is free the next job is refused at once
// with an error wrapping ErrCapacity — a live source cannot wait in a queue.
//
// NewLimiter counts the jobs of one process. NewSharedLimiter counts every
// process that uses the same folder: each slot is a lock file held with
// flock(2), so a crashed process frees its slot by itself.
type Limiter struct {
	max int
	dir string

	mu      sync.Mutex
	running int
}

// NewLimiter allows max live jobs at once in this process.
func NewLimiter(max int) *Limiter { return &Limiter{max: max} }

// NewSharedLimiter allows max live jobs at once among all the processes
// that share dir (created if needed), for example all the veza processes
// writing one output folder.
func NewSharedLimiter(dir string, max int) *Limiter { return &Limiter{max: max, dir: dir} }

// Max is the number of jobs the limiter allows.
func (l *Limiter) Max() int { return l.max }

// Acquire takes a slot, or fails with an error wrapping ErrCapacity when
// every slot is taken. release gives the slot back; calling it again does
// nothing.
func (l *Limiter) Acquire() (release func(), err error) {
	full := fmt.Errorf("%w: %d live jobs running", ErrCapacity, l.max)
	if l.max <= 0 {
		return nil, full
	}
	if l.dir == "" {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.running >= l.max {
			return nil, full
		}
		l.running++
		return sync.OnceFunc(func() {
			l.mu.Lock()
			l.running--
			l.mu.Unlock()
		}), nil
	}
	if err := os.MkdirAll(l.dir, 0o755); err != nil {
		return nil, fmt.Errorf("live slots %q: %w", l.dir, err)
	}
	for i := range l.max {
		f, err := os.OpenFile(filepath.Join(l.dir, "slot-"+strconv.Itoa(i)+".lock"), os.O_CREATE|os.O_RDWR, 0o644)
		if err != nil {
			return nil, fmt.Errorf("live slots %q: %w", l.dir, err)
		}
		// Each open file has its own flock, so slots taken by this very
		// process are refused too.
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				continue
			}
			return nil, fmt.Errorf("live slots %q: %w", l.dir, err)
		}
		return sync.OnceFunc(func() { f.Close() }), nil
	}
	return nil, full
}
