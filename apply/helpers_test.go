package apply

import (
	"encoding/json"
	"regexp"
	"testing"

	"github.com/mlabctl/mlabctl/plan"
)

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

func addr(t testing.TB, s string) plan.Address {
	t.Helper()
	a, err := plan.ParseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// durations matches the "(12ms)" of a step line, which varies run to run.
var durations = regexp.MustCompile(`\(([0-9.]+(ns|µs|ms|s)|0s)\)`)
