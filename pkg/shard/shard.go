package shard

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Shard is shard Index of Count, numbered from 1 like CI matrices and
// GitLab's CI_NODE_INDEX. The zero value is no sharding: it takes every
// input.
type Shard struct {
	Index, Count int
}

// Environment variables Parse reads for the "k8s" form.
const (
	// EnvIndex is set by Kubernetes in every pod of an Indexed Job: the
	// completion index, from 0.
	EnvIndex = "JOB_COMPLETION_INDEX"
	// EnvCount is the number of shards. Kubernetes does not give a pod its
	// Job's completion count (the downward API exposes pod fields only),
	// so the pod template sets it to the Job's spec.completions.
	EnvCount = "VEZA_SHARD_COUNT"
)

// ErrSpec is wrapped by every error Parse returns.
var ErrSpec = errors.New("bad shard")

// Parse reads a shard: "I/N" (1 <= I <= N), "k8s" (index from
// JOB_COMPLETION_INDEX plus one, count from VEZA_SHARD_COUNT) or "k8s/N"
// (index from JOB_COMPLETION_INDEX, count N). getenv looks variables up; ""
// gives the zero Shard.
func Parse(spec string, getenv func(string) string) (Shard, error) {
	if spec == "" {
		return Shard{}, nil
	}
	idx, count, _ := strings.Cut(spec, "/")
	k8s := idx == "k8s"
	if k8s {
		v := getenv(EnvIndex)
		if v == "" {
			return Shard{}, fmt.Errorf("%w %q: %s is not set (not a pod of a Kubernetes Indexed Job)", ErrSpec, spec, EnvIndex)
		}
		i, err := strconv.Atoi(v)
		if err != nil || i < 0 {
			return Shard{}, fmt.Errorf("%w %q: %s=%q is not an index", ErrSpec, spec, EnvIndex, v)
		}
		idx = strconv.Itoa(i + 1)
		if count == "" && !strings.Contains(spec, "/") {
			if count = getenv(EnvCount); count == "" {
				return Shard{}, fmt.Errorf("%w %q: %s is not set: set it to the Job's completions or write k8s/N", ErrSpec, spec, EnvCount)
			}
		}
	}
	i, ierr := strconv.Atoi(idx)
	n, nerr := strconv.Atoi(count)
	switch {
	case ierr != nil || nerr != nil:
		return Shard{}, fmt.Errorf("%w %q: want I/N, k8s or k8s/N", ErrSpec, spec)
	case n < 1:
		return Shard{}, fmt.Errorf("%w %q: the count must be at least 1", ErrSpec, spec)
	case i < 1 || i > n:
		if k8s {
			return Shard{}, fmt.Errorf("%w %q: completion index %d is not below the count %d", ErrSpec, spec, i-1, n)
		}
		return Shard{}, fmt.Errorf("%w %q: shards are numbered 1 to %d", ErrSpec, spec, n)
	}
	return Shard{Index: i, Count: n}, nil
}

// String gives the shard as "I/N", or "" for the zero Shard.
func (s Shard) String() string {
	if s.Count == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// Identity is what an input is hashed by: a URL (anything with "://") as
// written, a path cleaned and with forward slashes, so "./a.wav" and "a.wav"
// are one input. Paths are not made absolute: runs on different machines
// check the catalog out in different folders.
func Identity(input string) string {
	if strings.Contains(input, "://") {
		return input
	}
	return filepath.ToSlash(filepath.Clean(input))
}

// Of returns the shard, from 1 to count, that takes input.
func Of(input string, count int) int {
	sum := sha256.Sum256([]byte(Identity(input)))
	return int(binary.BigEndian.Uint64(sum[:8])%uint64(count)) + 1
}

// Takes says whether s takes input; the zero Shard takes every input.
func (s Shard) Takes(input string) bool {
	return s.Count == 0 || Of(input, s.Count) == s.Index
}

// Select returns the items s takes, sorted by their inputs' identities;
// input names an item's input. The zero Shard returns items as they are.
func Select[T any](s Shard, items []T, input func(T) string) []T {
	if s.Count == 0 {
		return items
	}
	var out []T
	for _, it := range items {
		if s.Takes(input(it)) {
			out = append(out, it)
		}
	}
	slices.SortStableFunc(out, func(a, b T) int { return strings.Compare(Identity(input(a)), Identity(input(b))) })
	return out
}
