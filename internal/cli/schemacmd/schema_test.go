package schemacmd_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/schema"
)

func TestSchemaCommand(t *testing.T) {
	t.Parallel()
	want, err := os.ReadFile(clitest.RepoPath("schema/modelslab.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	res := clitest.Mlabctl(t, nil, "schema")
	if res.Code != 0 || res.Stderr != "" {
		t.Fatalf("exit %d, stderr %q; want 0 and nothing", res.Code, res.Stderr)
	}
	if res.Stdout != string(want) {
		t.Errorf("mlabctl schema printed %d bytes that differ from schema/modelslab.schema.json (%d bytes)", len(res.Stdout), len(want))
	}
	if res := clitest.Mlabctl(t, nil, "schema", "extra"); res.Code != 1 {
		t.Errorf("mlabctl schema extra: exit %d, want 1", res.Code)
	}
}

// TestSchemaPlan prints the JSON plan's schema exactly as embedded
// (schema/plan.schema.json), one JSON Schema document.
func TestSchemaPlan(t *testing.T) {
	t.Parallel()
	res := clitest.Mlabctl(t, nil, "schema", "--plan")
	if res.Code != 0 || res.Stderr != "" {
		t.Fatalf("exit %d, stderr %q; want 0 and nothing", res.Code, res.Stderr)
	}
	if res.Stdout != schema.PlanJSON() {
		t.Error("mlabctl schema --plan printed something other than schema/plan.schema.json")
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(res.Stdout), &doc); err != nil || doc["$schema"] == nil {
		t.Errorf("not a JSON Schema document: %v", err)
	}
}
