package cli

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/viper"

	"github.com/veza-media/veza/pkg/transcode"
)

// loadPresets returns the built-in presets with the config file's changes
// (transcode.presets.<name>: {vcodec, acodec, vb, ab, crf, height}).
func loadPresets(cfg *viper.Viper) (map[string]transcode.Preset, error) {
	ps := map[string]transcode.Preset{}
	for _, p := range transcode.Builtin() {
		ps[p.Name] = p
	}
	if cfg == nil {
		return ps, nil
	}
	raw, ok := cfg.Get("transcode.presets").(map[string]any)
	if !ok {
		if cfg.IsSet("transcode.presets") {
			return nil, fmt.Errorf("config transcode.presets: want a map of preset name to settings")
		}
		return ps, nil
	}
	for name, v := range raw {
		fields, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("config transcode.presets.%s: want a map of settings", name)
		}
		p := ps[name]
		p.Name = name
		for k, val := range fields {
			s := fmt.Sprint(val)
			switch strings.ToLower(k) {
			case "vcodec":
				p.VCodec = s
			case "acodec":
				p.ACodec = s
			case "vb":
				p.VBitrate = s
			case "ab":
				p.ABitrate = s
			case "description":
				p.Description = s
			case "crf", "height":
				n, err := strconv.Atoi(s)
				if err != nil || n < 0 {
					return nil, fmt.Errorf("config transcode.presets.%s.%s: %q is not a whole number", name, k, s)
				}
				if k == "crf" {
					p.CRF = n
				} else {
					p.Height = n
				}
			default:
				return nil, fmt.Errorf("config transcode.presets.%s: unknown setting %q (vcodec, acodec, vb, ab, crf, height, description)", name, k)
			}
		}
		if p.ACodec == "" && p.VCodec == "" {
			return nil, fmt.Errorf("config transcode.presets.%s: needs vcodec or acodec", name)
		}
		ps[name] = p
	}
	return ps, nil
}

// sortedPresets lists presets in table order, then config additions by name.
func sortedPresets(ps map[string]transcode.Preset) []transcode.Preset {
	builtin := transcode.Builtin()
	var out []transcode.Preset
	for _, b := range builtin {
		out = append(out, ps[b.Name])
	}
	var extra []string
	for name := range ps {
		if !slices.ContainsFunc(builtin, func(b transcode.Preset) bool { return b.Name == name }) {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	for _, n := range extra {
		out = append(out, ps[n])
	}
	return out
}

func listPresets(ios *IOStreams, ps map[string]transcode.Preset) error {
	list := sortedPresets(ps)
	if ios.JSON {
		enc := json.NewEncoder(ios.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	for _, p := range list {
		fmt.Fprintf(ios.Out, "%-12s %s\n", p.Name, p.Description)
	}
	fmt.Fprintf(ios.Out, "\nChange or add presets in the config file:\n  transcode:\n    presets:\n      h264-720p: {crf: 20}\n      voice: {acodec: libopus, ab: 32k}\n")
	return nil
}
