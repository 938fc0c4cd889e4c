package schemacmd_test

import (
	"encoding/json"
	"testing"

	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/schema"
)

// TestSchema prints the embedded schemas exactly as shipped: modelslab.yaml's
// by default, the JSON plan's with --plan; each is one JSON document.
func TestSchema(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"schema"}, schema.JSON()},
		{[]string{"schema", "--plan"}, schema.PlanJSON()},
	} {
		res := clitest.Mlabctl(t, nil, tc.args...)
		if res.Code != 0 || res.Stderr != "" {
			t.Fatalf("%v: exit %d, stderr %q", tc.args, res.Code, res.Stderr)
		}
		if res.Stdout != tc.want {
			t.Errorf("%v printed something other than the embedded schema", tc.args)
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(res.Stdout), &doc); err != nil || doc["$schema"] == nil {
			t.Errorf("%v: not a JSON Schema document: %v", tc.args, err)
		}
	}
	if res := clitest.Mlabctl(t, nil, "schema", "plan"); res.Code != 1 || res.Stdout != "" {
		t.Errorf("schema plan (an argument): exit %d, stdout %q; want 1 and nothing printed", res.Code, res.Stdout)
	}
}
