// Package shard splits a batch of inputs among N independent runs (a CI
// matrix, the completions of a Kubernetes Indexed Job) without any of them
// talking to the others.
//
// Each input goes to the shard chosen by a stable hash of its identity (its
// cleaned path or its URL), so every run that expands the same inputs,
// whatever order the listing came in, agrees on which shard takes which
// input: N shards cover every input exactly once.
package shard
