package cli

import (
	"errors"
	"fmt"
	"os/exec"

	"github.com/spf13/viper"

	"github.com/veza-media/veza/pkg/ffprobe"
)

// Factory carries what commands share: the streams, the loaded configuration
// and the tools veza drives. Tools are looked up lazily, so commands that do
// not need ffmpeg work without it.
type Factory struct {
	IO *IOStreams

	// Config is the loaded config file (empty when there is none).
	Config     *viper.Viper
	ConfigPath string

	// FFmpegPath and FFprobePath come from --ffmpeg/--ffprobe (or env/config);
	// empty means "look on PATH".
	FFmpegPath  string
	FFprobePath string
	// AllowIndirect comes from --allow-indirect-input: local inputs that
	// name other files (HLS playlists, ffconcat scripts) are read.
	AllowIndirect bool
}

// ErrToolNotFound is returned when ffmpeg or ffprobe cannot be found.
var ErrToolNotFound = errors.New("not found")

// FFmpeg returns the ffmpeg binary to run.
func (f *Factory) FFmpeg() (string, error) { return findTool("ffmpeg", f.FFmpegPath) }

// FFprobe returns the ffprobe binary to run.
func (f *Factory) FFprobe() (string, error) { return findTool("ffprobe", f.FFprobePath) }

// Prober returns an ffprobe runner for the configured ffprobe binary, or
// the findTool error saying what to install.
func (f *Factory) Prober() (*ffprobe.Prober, error) {
	path, err := f.FFprobe()
	if err != nil {
		return nil, err
	}
	return &ffprobe.Prober{Path: path, AllowIndirect: f.AllowIndirect}, nil
}

func findTool(name, configured string) (string, error) {
	want := configured
	if want == "" {
		want = name
	}
	p, err := exec.LookPath(want)
	if err != nil {
		if configured != "" {
			return "", fmt.Errorf("%s %q: %w (check --%s)", name, configured, ErrToolNotFound, name)
		}
		return "", fmt.Errorf("%s %w on PATH: install FFmpeg (Debian/Ubuntu: sudo apt-get install ffmpeg) or pass --%s PATH", name, ErrToolNotFound, name)
	}
	return p, nil
}
