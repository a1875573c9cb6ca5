package report

import (
	"encoding/json"
	"testing"
)

func TestRunShape(t *testing.T) {
	rep := runReport(t)
	b, _ := json.MarshalIndent(rep, "", "  ")
	t.Logf("%s", b)
}
