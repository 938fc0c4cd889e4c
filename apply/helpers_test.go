package apply

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/plan"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

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

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./apply -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}
