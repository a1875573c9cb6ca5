package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// Configuration precedence, highest first:
//
//	1. a flag given on the command line;
//	2. VEZA_<COMMAND>_<FLAG> then VEZA_<FLAG> in the environment
//	   (VEZA_LADDER_JOBS=2, VEZA_FFMPEG=/opt/ffmpeg);
//	3. the config file: a key under the command's section, then a top-level key
//	   ("ladder: {jobs: 2}" beats "jobs: 4");
//	4. the flag's default.
//
// The config file is --config (or VEZA_CONFIG), else ./veza.yaml, else
// $XDG_CONFIG_HOME/veza/config.yaml. Values are applied to each command's own
// flag set, so two commands' same-named flags never clobber each other.
//
// veza runs inside folders other people delivered, so a file it finds on its
// own is trusted less than one the user named:
//   - ./veza.yaml (a project file) may not set the settings in
//     trustedOnlySettings: programs veza runs or serves, and key material;
//   - a file found on its own (./veza.yaml or the user's config) is refused
//     when another user owns it or anyone but its owner may write it, as git
//     refuses a repository owned by someone else.
// --config and VEZA_CONFIG name a file the user chose; both rules are off.

// trustedOnlySettings are the settings a project file in the current folder
// may not set: each names a program veza runs, a script it serves to a
// browser, or a key. They may come from flags, VEZA_* variables, the user's
// own config file or an explicit --config.
var trustedOnlySettings = []string{"ffmpeg", "ffprobe", "chromium", "player-js", "dash-player-js", "sign-key", "sign-key-file", "key-file", "allow-indirect-input"}

// configFile is the config file veza read, and how it was found.
type configFile struct {
	Path string
	// Project is true for ./veza.yaml found in the current folder.
	Project bool
}

// loadConfigFile finds and reads the config file. explicit is the value of
// --config; when it names a file that does not exist, that is an error.
func loadConfigFile(explicit string) (*viper.Viper, configFile, error) {
	v := viper.New()
	path := explicit
	if path == "" {
		path = os.Getenv("VEZA_CONFIG")
	}
	var found configFile
	if path != "" {
		if _, err := os.Stat(path); err != nil {
			return nil, found, fmt.Errorf("config %q: %w", path, errors.Unwrap(err))
		}
		found.Path = path
	} else {
		for _, c := range defaultConfigPaths() {
			st, err := os.Stat(c.Path)
			if err != nil || st.IsDir() {
				continue
			}
			if err := checkConfigOwner(c.Path, st); err != nil {
				return nil, found, err
			}
			found = c
			break
		}
	}
	if found.Path == "" {
		return v, found, nil
	}
	v.SetConfigFile(found.Path)
	if filepath.Ext(found.Path) == "" {
		v.SetConfigType("yaml")
	}
	if err := v.ReadInConfig(); err != nil {
		return nil, found, fmt.Errorf("config %q: %v", found.Path, err)
	}
	if found.Project {
		if err := checkProjectSettings(v, found.Path); err != nil {
			return nil, found, err
		}
	}
	return v, found, nil
}

// checkProjectSettings refuses a project file that sets a trusted-only
// setting, at the top level or in any command's section.
func checkProjectSettings(v *viper.Viper, path string) error {
	for _, key := range v.AllKeys() {
		name := key
		if i := strings.LastIndex(key, "."); i >= 0 {
			name = key[i+1:]
		}
		name = strings.ReplaceAll(name, "_", "-")
		for _, t := range trustedOnlySettings {
			if name == t {
				return fmt.Errorf("config %q: %q may not be set by a config file found in the current folder (it names a program or a key); set it in $XDG_CONFIG_HOME/veza/config.yaml, a VEZA_ variable, or pass the file with --config", path, key)
			}
		}
	}
	return nil
}

func defaultConfigPaths() []configFile {
	paths := []configFile{{Path: "veza.yaml", Project: true}}
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		if home, err := os.UserHomeDir(); err == nil {
			dir = filepath.Join(home, ".config")
		}
	}
	if dir != "" {
		paths = append(paths, configFile{Path: filepath.Join(dir, "veza", "config.yaml")})
	}
	return paths
}

// commandKey is the command's path below the root, joined by sep:
// "catalog ls" gives "catalog.ls" or "CATALOG_LS".
func commandKey(cmd *cobra.Command, sep string, upper bool) string {
	var parts []string
	for c := cmd; c != nil && c.HasParent(); c = c.Parent() {
		parts = append([]string{c.Name()}, parts...)
	}
	k := strings.Join(parts, sep)
	if upper {
		k = strings.ToUpper(strings.ReplaceAll(k, "-", "_"))
	}
	return k
}

// applyConfig fills every flag of cmd that was not given on the command line
// from the environment or the config file.
func applyConfig(cmd *cobra.Command, cfg *viper.Viper) error {
	section := commandKey(cmd, ".", false)
	envSection := commandKey(cmd, "_", true)
	var firstErr error
	cmd.Flags().VisitAll(func(fl *pflag.Flag) {
		if fl.Changed || firstErr != nil || fl.Name == "config" || fl.Name == "help" {
			return
		}
		val, from, ok := lookupSetting(cfg, section, envSection, fl.Name)
		if !ok {
			return
		}
		if err := setFlag(fl, val); err != nil {
			firstErr = &UsageError{Err: fmt.Errorf("%s: invalid value %q for --%s: %v", from, val, fl.Name, err)}
		}
	})
	return firstErr
}

func lookupSetting(cfg *viper.Viper, section, envSection, name string) (val, from string, ok bool) {
	envName := strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
	var envKeys []string
	if envSection != "" {
		envKeys = append(envKeys, "VEZA_"+envSection+"_"+envName)
	}
	envKeys = append(envKeys, "VEZA_"+envName)
	for _, k := range envKeys {
		if v, found := os.LookupEnv(k); found {
			return v, k, true
		}
	}
	if cfg == nil {
		return "", "", false
	}
	var keys []string
	for _, n := range []string{name, strings.ReplaceAll(name, "-", "_")} {
		if section != "" {
			keys = append(keys, section+"."+n)
		}
	}
	keys = append(keys, name, strings.ReplaceAll(name, "-", "_"))
	for _, k := range keys {
		if cfg.IsSet(k) {
			raw := cfg.Get(k)
			if _, isMap := raw.(map[string]any); isMap {
				continue // a command section, not a value
			}
			return configString(raw), "config " + k, true
		}
	}
	return "", "", false
}

func configString(v any) string {
	switch t := v.(type) {
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = fmt.Sprint(e)
		}
		return strings.Join(parts, ",")
	case []string:
		return strings.Join(t, ",")
	default:
		return fmt.Sprint(v)
	}
}

// setFlag sets a flag from a setting. Slice flags take the whole list rather
// than appending to their default.
func setFlag(fl *pflag.Flag, val string) error {
	if sv, ok := fl.Value.(pflag.SliceValue); ok {
		var items []string
		if val != "" {
			items = strings.Split(val, ",")
		}
		return sv.Replace(items)
	}
	return fl.Value.Set(val)
}
