package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/veza-media/veza/pkg/shard"
)

func TestShardFlag(t *testing.T) {
	t.Setenv(shard.EnvIndex, "1")
	t.Setenv(shard.EnvCount, "4")
	lo, err := captureOptions(NewCmdLadder, "a.wav", "b.wav", "--shard", "2/3", "-o", "out")
	if err != nil || lo.Shard != (shard.Shard{Index: 2, Count: 3}) {
		t.Errorf("ladder --shard 2/3: %+v, %v", lo.Shard, err)
	}
	to, err := captureOptions(NewCmdTranscode, "in", "--shard", "k8s", "-o", "out")
	if err != nil || to.Batch.Shard != (shard.Shard{Index: 2, Count: 4}) {
		t.Errorf("transcode --shard k8s: %+v, %v", to.Batch.Shard, err)
	}
	if lo, _ := captureOptions(NewCmdLadder, "a.wav", "-o", "out"); lo.Shard != (shard.Shard{}) {
		t.Errorf("no --shard: %+v", lo.Shard)
	}
	for _, bad := range []string{"0/3", "4/3", "3", "k8s/1"} {
		var errOut bytes.Buffer
		ios := &IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &errOut}
		if code := run(context.Background(), []string{"ladder", "a.wav", "-o", "out", "--shard", bad}, ios); code != ExitUsage ||
			!strings.Contains(errOut.String(), "bad shard") {
			t.Errorf("--shard %s: exit %d, %q", bad, code, errOut.String())
		}
	}
}

func TestSelectShard(t *testing.T) {
	var errOut bytes.Buffer
	ios := &IOStreams{Out: &bytes.Buffer{}, ErrOut: &errOut}
	in := []string{"d.wav", "c.wav", "b.wav", "a.wav", "e.wav", "f.wav"}
	if got := selectShard(ios, shard.Shard{}, in); len(got) != len(in) || errOut.Len() != 0 {
		t.Errorf("zero shard: %v, said %q", got, errOut.String())
	}
	total := 0
	for i := 1; i <= 2; i++ {
		errOut.Reset()
		got := selectShard(ios, shard.Shard{Index: i, Count: 2}, in)
		total += len(got)
		want := "shard " + (shard.Shard{Index: i, Count: 2}).String() + ": "
		if !strings.HasPrefix(errOut.String(), want) ||
			!strings.Contains(errOut.String(), " of 6 inputs") {
			t.Errorf("shard %d said %q", i, errOut.String())
		}
	}
	if total != len(in) {
		t.Errorf("two shards took %d of %d", total, len(in))
	}
}
