package shard

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
)

func TestParse(t *testing.T) {
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	k8s := env(map[string]string{EnvIndex: "2", EnvCount: "5"})
	tests := []struct {
		spec   string
		getenv func(string) string
		want   Shard
		err    bool
	}{
		{"", env(nil), Shard{}, false},
		{"1/3", env(nil), Shard{1, 3}, false},
		{"3/3", env(nil), Shard{3, 3}, false},
		{"1/1", env(nil), Shard{1, 1}, false},
		{"0/3", env(nil), Shard{}, true},
		{"4/3", env(nil), Shard{}, true},
		{"1/0", env(nil), Shard{}, true},
		{"-1/3", env(nil), Shard{}, true},
		{"1", env(nil), Shard{}, true},
		{"a/b", env(nil), Shard{}, true},
		{"1/3/4", env(nil), Shard{}, true},
		{"k8s", k8s, Shard{3, 5}, false},
		{"k8s/4", k8s, Shard{3, 4}, false},
		{"k8s/3", k8s, Shard{3, 3}, false}, // index 2 is the last of 3
		{"k8s/2", k8s, Shard{}, true},
		{"k8s/", k8s, Shard{}, true},
		{"k8s", env(map[string]string{EnvIndex: "0"}), Shard{}, true},
		{"k8s", env(map[string]string{EnvCount: "3"}), Shard{}, true},
		{"k8s", env(map[string]string{EnvIndex: "x", EnvCount: "3"}), Shard{}, true},
		{"k8s", env(map[string]string{EnvIndex: "0", EnvCount: "1"}), Shard{1, 1}, false},
	}
	for _, tt := range tests {
		got, err := Parse(tt.spec, tt.getenv)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("Parse(%q) = %v, %v; want %v, error %v", tt.spec, got, err, tt.want, tt.err)
		}
		if err != nil && !errors.Is(err, ErrSpec) {
			t.Errorf("Parse(%q) error %v does not wrap ErrSpec", tt.spec, err)
		}
	}
}

func TestIdentity(t *testing.T) {
	for in, want := range map[string]string{
		"a.wav":                  "a.wav",
		"./a.wav":                "a.wav",
		"music//b/../a.wav":      "music/a.wav",
		"s3://bucket/in/./a.mkv": "s3://bucket/in/./a.mkv",
		"https://x.test/a.mp4":   "https://x.test/a.mp4",
	} {
		if got := Identity(in); got != want {
			t.Errorf("Identity(%q) = %q, want %q", in, got, want)
		}
	}
	if Of("./music/a.wav", 7) != Of("music/a.wav", 7) {
		t.Error("one input written two ways went to two shards")
	}
}

// TestSelectCoversEveryInputOnce: whatever the listing order, the N shards
// of a batch take every input exactly once, and each shard's list is the
// same whatever that order.
func TestSelectCoversEveryInputOnce(t *testing.T) {
	var inputs []string
	for i := range 200 {
		inputs = append(inputs, fmt.Sprintf("catalog/%02d/title-%03d.mkv", i%13, i))
	}
	inputs = append(inputs, "s3://bucket/in/a.mkv", "https://cdn.test/b.mp4")
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 7, 16} {
		var first [][]string
		for order := range 3 {
			list := append([]string(nil), inputs...)
			rng.Shuffle(len(list), func(i, j int) { list[i], list[j] = list[j], list[i] })
			seen := map[string]int{}
			for i := 1; i <= n; i++ {
				got := Select(Shard{i, n}, list, func(s string) string { return s })
				for _, in := range got {
					seen[in]++
				}
				if order == 0 {
					first = append(first, got)
				} else if fmt.Sprint(got) != fmt.Sprint(first[i-1]) {
					t.Errorf("n=%d shard %d: listing order changed what it takes", n, i)
				}
				if n > 1 && (len(got) == 0 || len(got) == len(inputs)) {
					t.Errorf("n=%d shard %d takes %d of %d inputs", n, i, len(got), len(inputs))
				}
			}
			for _, in := range inputs {
				if seen[in] != 1 {
					t.Errorf("n=%d: %q taken %d times", n, in, seen[in])
				}
			}
		}
	}
}

func TestSelectZeroTakesAllInOrder(t *testing.T) {
	in := []string{"b", "a", "c"}
	if got := Select(Shard{}, in, func(s string) string { return s }); fmt.Sprint(got) != "[b a c]" {
		t.Errorf("zero shard: %v", got)
	}
}
