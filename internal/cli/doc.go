// Package cli holds veza's cobra commands. Each command parses its flags into
// an options struct and calls one library function from pkg/*; output,
// configuration and exit codes are decided here and nowhere else.
package cli
