package schemacmd_test

import (
	"os"
	"testing"

	"github.com/mlabctl/mlabctl/internal/cli/clitest"
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
