package hls

import (
	"fmt"

	"github.com/veza-media/veza/pkg/layout"
)

// WriteMaster encodes p and writes it atomically to path.
func WriteMaster(path string, p *MasterPlaylist) error {
	data, err := p.Encode()
	if err != nil {
		return fmt.Errorf("write %q: %w", path, err)
	}
	return layout.WriteFile(path, data, 0o644)
}

// WriteMedia encodes p and writes it atomically to path.
func WriteMedia(path string, p *MediaPlaylist) error {
	data, err := p.Encode()
	if err != nil {
		return fmt.Errorf("write %q: %w", path, err)
	}
	return layout.WriteFile(path, data, 0o644)
}
