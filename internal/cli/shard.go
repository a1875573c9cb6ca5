package cli

import (
	"os"

	"github.com/spf13/pflag"

	"github.com/veza-media/veza/pkg/shard"
)

// shardFlag is --shard: it parses I/N, k8s or k8s/N into a shard.Shard as
// the flag is read, so a bad value is a usage error like any other flag's.
type shardFlag struct {
	spec string
	to   *shard.Shard
}

func (f *shardFlag) String() string { return f.spec }
func (f *shardFlag) Type() string   { return "I/N" }

func (f *shardFlag) Set(v string) error {
	s, err := shard.Parse(v, os.Getenv)
	if err != nil {
		return err
	}
	f.spec, *f.to = v, s
	return nil
}

const shardUsage = "take only shard I of N of the inputs (numbered from 1), chosen by a stable hash of each input's path; " +
	"k8s reads JOB_COMPLETION_INDEX and VEZA_SHARD_COUNT, k8s/N reads the index only"

// addShardFlag adds --shard, filling to.
func addShardFlag(fl *pflag.FlagSet, to *shard.Shard) {
	fl.Var(&shardFlag{to: to}, "shard", shardUsage)
}

// selectShard keeps the inputs s takes, sorted, and says how many of how
// many it took; the zero shard keeps every input as it is.
func selectShard(io *IOStreams, s shard.Shard, inputs []string) []string {
	if s.Count == 0 {
		return inputs
	}
	took := shard.Select(s, inputs, func(in string) string { return in })
	io.Logf("shard %s: %d of %d inputs", s, len(took), len(inputs))
	return took
}
