package live

import "time"

// attempt is the state of one ffmpeg run of a live job: the job (runner)
// starts a new one at every run, while it waits for the source and after
// each reconnection. Its fields are guarded by the runner's mu.
type attempt struct {
	n int // the run's number, from 1

	// The source as this run saw it.
	inputPath  string    // ffmpeg's input, as its error lines name it
	gotData    bool      // the source sent something in this run
	lastData   time.Time // when out_time last advanced (or the pipe last gave bytes)
	inputEnded time.Time // when ffmpeg said the input failed or ended
	maxOut     time.Duration
	closeInput func() // ends the pipe feeding ffmpeg
	idleClosed bool   // the pipe was ended for being quiet

	// Following ffmpeg's private playlist.
	seen     int       // entries of ffmpeg's playlist recorded in this run
	anchor   time.Time // wall-clock time of the run's first frame
	pdtNext  time.Time // EXT-X-PROGRAM-DATE-TIME of the next segment
	detected bool      // codecs looked at for this run
}
