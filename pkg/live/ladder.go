package live

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/veza-media/veza/pkg/catalog"
	"github.com/veza-media/veza/pkg/encode"
	"github.com/veza-media/veza/pkg/ladder"
	"github.com/veza-media/veza/pkg/layout"
	"github.com/veza-media/veza/pkg/recorder"
)

// ErrLadderCopy is returned for a live ladder asked to stream-copy: every
// rung is an encode.
var ErrLadderCopy = errors.New("a live ladder re-encodes; it cannot stream-copy")

// ladderRun is what a live ladder adds to a job. Its fields are guarded by
// the runner's mu.
//
// The rungs a source allows depend on its picture size, known only once it
// sends, while one ffmpeg must be given every rung when it starts. So each
// run of a ladder has two ffmpeg processes: a receiver that reads the
// source and stream-copies it, unchanged, into a FIFO (and into the record
// file), and — once the receiver's log describes the source — the encoder,
// which reads the FIFO, decodes once and encodes every rung. The receiver
// cannot get ahead: it writes nothing until the encoder opens the FIFO,
// and then no more than the pipe holds.
type ladderRun struct {
	dir    string // the rung folders and the master
	master string
	// plan and cmd are made when the source first sends, and kept for the
	// job's later runs: a player's renditions do not change mid-stream.
	plan        *ladder.Plan
	cmd         ladder.Command
	encoding    bool // the current run's encoder was started
	relayClosed bool // the current run's receiver ended
	masterDone  bool
}

// relayPath is the FIFO from the receiver to the encoder.
func (r *runner) relayPath() string { return filepath.Join(r.work, "relay.fifo") }

// relayOutput is the receiver's output: the source's first video and audio
// streams, copied into MPEG-TS in the relay FIFO (made anew for each run).
func (r *runner) relayOutput() (encode.Output, error) {
	p := r.relayPath()
	_ = os.Remove(p)
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		return encode.Output{}, fmt.Errorf("live: relay FIFO: %w", err)
	}
	return encode.Output{Path: p, Format: "mpegts", Maps: []string{"0:v:0?", "0:a:0?"},
		VideoCodec: "copy", AudioCodec: "copy"}, nil
}

// runLadder runs run n of a ladder: the receiver recv, and the encoder once
// the source is described. It returns the encoder's error when the encoder
// failed (the receiver then fails writing to it), the receiver's otherwise.
func (r *runner) runLadder(ctx context.Context, n int, recv *encode.Job) error {
	r.mu.Lock()
	r.abr.encoding, r.abr.relayClosed = false, false
	r.mu.Unlock()
	var encErr error
	encDone := make(chan struct{})
	go func() {
		defer close(encDone)
		encErr = r.encodeLadder(ctx, n)
		if encErr != nil {
			// A receiver still waiting for a reader is let go: it opens
			// the FIFO and fails writing to it.
			unblockFIFO(r.relayPath(), os.O_RDONLY)
		}
	}()
	err := recv.Run(ctx)
	r.mu.Lock()
	r.abr.relayClosed = true
	encoding := r.abr.encoding
	r.mu.Unlock()
	if encoding {
		// An encoder still waiting for the receiver to open the FIFO (it
		// ended first) is let go by a writer that comes and goes: it reads
		// the end of its input.
		for !isClosed(encDone) {
			if unblockFIFO(r.relayPath(), os.O_WRONLY) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	<-encDone
	if encErr != nil {
		return encErr
	}
	return err
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// unblockFIFO opens the FIFO at path for flag without blocking and closes
// it, which releases a process blocked opening the other end. It reports
// whether the open succeeded (for writing: whether there was a reader).
func unblockFIFO(path string, flag int) bool {
	f, err := os.OpenFile(path, flag|syscall.O_NONBLOCK, 0)
	if err != nil {
		return false
	}
	f.Close()
	return true
}

// sourcePoll is how often the receiver's log is read for the source's
// description.
const sourcePoll = 50 * time.Millisecond

// encodeLadder waits for the receiver's log to describe the source, plans
// the ladder on the first run, and runs the encoder until its input ends.
// It returns nil without encoding when the receiver ends first.
func (r *runner) encodeLadder(ctx context.Context, n int) error {
	t := time.NewTicker(sourcePoll)
	defer t.Stop()
	var streams []InputStream
	// ffmpeg writes the description a line at a time: it is complete when
	// two reads agree.
	for prev := -1; ; {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		r.mu.Lock()
		closed := r.abr.relayClosed
		r.mu.Unlock()
		if closed {
			return nil
		}
		log, _ := os.ReadFile(r.logPath(n))
		streams = ParseInputStreams(log)
		if len(streams) > 0 && len(streams) == prev {
			break
		}
		prev = len(streams)
	}
	r.mu.Lock()
	if r.abr.plan == nil {
		if err := r.planLadder(streams); err != nil {
			r.mu.Unlock()
			return err
		}
	}
	if r.abr.relayClosed {
		r.mu.Unlock()
		return nil
	}
	job := r.encoderJob(n)
	r.abr.encoding = true
	r.mu.Unlock()
	return job.Run(ctx)
}

// planLadder fits the ladder to the source as ffmpeg described it, and
// makes the renditions' outputs and catalog rows. Called with mu held.
func (r *runner) planLadder(streams []InputStream) error {
	var src ladder.Source
	for _, s := range streams {
		switch s.Type {
		case "video":
			if !src.HasVideo {
				src.HasVideo, src.Width, src.Height, src.FrameRate = true, s.Width, s.Height, s.FrameRate
			}
		case "audio":
			src.HasAudio = true
		}
	}
	p, err := ladder.NewPlan(src, *r.cfg.Ladder, r.cfg.SegmentTime.Seconds())
	if err == nil {
		err = p.CheckFormat(ladder.FormatTS)
	}
	if err != nil {
		return fmt.Errorf("live %q: %w", Redact(r.cfg.Input), err)
	}
	r.abr.plan = p
	r.abr.cmd = p.Build(p.Renditions, r.abr.dir, ladder.Encoding{Format: ladder.FormatTS, Preset: r.cfg.Preset})
	ctx := context.Background()
	ev := LadderPlanned{Ladder: p.Ladder, Dropped: p.Dropped}
	for _, c := range r.abr.cmd.Outputs {
		o := newOutput(c.Rendition.Name, c.Dir, r.work, r.cfg)
		if err := os.MkdirAll(o.dir, 0o755); err != nil {
			return fmt.Errorf("live %q: %w", Redact(r.cfg.Input), err)
		}
		kind := catalog.KindAudio
		if c.Rendition.Width > 0 {
			kind = catalog.KindVideo
		}
		o.rend = catalog.Rendition{TrackID: r.cfg.TrackID, Name: o.name, Kind: recorder.Kind(c.Rendition.Width, "", kind),
			Width: c.Rendition.Width, Height: c.Rendition.Height, PlaylistPath: o.playlist, Status: catalog.StatusEncoding}
		r.keep(r.rec.Rendition(ctx, o.rend))
		r.outs = append(r.outs, o)
		r.res.Renditions = append(r.res.Renditions, o.name)
		ev.Renditions = append(ev.Renditions, o.name)
	}
	r.emit(ev)
	return nil
}

// encoderJob is run n's encoder: the relay FIFO in, every rung out, each
// into ffmpeg's private EVENT playlist with its segments in the rung's
// folder (as job does for one rendition). Called with mu held.
func (r *runner) encoderJob(n int) *encode.Job {
	cfg := r.cfg
	cmd := r.abr.cmd
	j := &encode.Job{
		FFmpeg:     cfg.FFmpeg,
		FFprobe:    cfg.FFprobe,
		GlobalArgs: []string{"-nostats", "-stats_period", statsPeriod},
		// The receiver described the source already: half a second of
		// probing is enough, and keeps the first segment early.
		Inputs:        []encode.Input{{Path: r.relayPath(), Format: "mpegts", Args: []string{"-analyzeduration", "500000"}}},
		FilterComplex: cmd.FilterComplex,
		Overwrite:     true,
		Duration:      time.Hour * 24 * 365,
		Timeout:       encode.NoTimeout,
	}
	for i, c := range cmd.Outputs {
		args := c.Args
		if c.Rendition.Width > 0 {
			args = append(append(args, "-tune", "zerolatency"), keyframeArgs(cfg.SegmentTime)...)
		}
		j.Outputs = append(j.Outputs, encode.Output{Path: r.outs[i].work, Maps: c.Maps, Args: args,
			HLS: &encode.HLSOptions{SegmentTime: cfg.SegmentTime, PlaylistType: "event", StartNumber: r.nextNumber,
				SegmentFilename: c.SegmentPattern, Flags: []string{"temp_file"}}})
	}
	j.OnEvent = func(ev encode.Event) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.emit(FFmpeg{Run: n, Event: ev})
		if _, ok := ev.(encode.SegmentOpened); ok {
			r.receiving(n)
		}
	}
	return j
}

// clearOldLadder removes an earlier ladder stream's master, rung folders
// and their catalog rows (--force).
func (r *runner) clearOldLadder(ctx context.Context) error {
	entries, err := os.ReadDir(r.abr.dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	for _, e := range entries {
		sub := filepath.Join(r.abr.dir, e.Name())
		if _, err := os.Stat(filepath.Join(sub, layout.Playlist)); !e.IsDir() || err != nil {
			continue
		}
		if err := os.RemoveAll(sub); err != nil {
			return err
		}
		if err := r.rec.Cleared(ctx, r.cfg.TrackID, e.Name()); err != nil {
			return err
		}
	}
	if err := os.Remove(r.abr.master); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// outputs returns the job's outputs under mu (a ladder's appear with its
// plan).
func (r *runner) outputs() []*output {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.outs
}
