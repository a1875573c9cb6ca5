//go:build !unix

package cli

import "os"

// checkConfigOwner has no owner to compare on this system.
func checkConfigOwner(string, os.FileInfo) error { return nil }
