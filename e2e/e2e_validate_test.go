package e2e

// End-to-end tests of `mlabctl validate` that need a process of their own:
// the default file is ./modelslab.yaml of the working directory, which
// in-process tests cannot change while they run in parallel. The rest of
// validate's tests are in internal/cli/validatecmd, schema's in
// internal/cli/schemacmd.

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
)

// TestValidateDefaultFile: without -f or MODELSLAB_FILE, validate reads
// modelslab.yaml of the directory it runs in, and names it so.
func TestValidateDefaultFile(t *testing.T) {
	t.Parallel()
	t.Run("found", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		clitest.WriteFile(t, dir, "modelslab.yaml", "version: 1\napi_keys: []\n")
		res := runCLI(t, cliRun{Args: []string{"validate"}, Dir: dir})
		if res.Code != 0 || res.Stdout != "modelslab.yaml: OK (0 API keys)\n" {
			t.Errorf("exit %d, stdout %q, stderr %q; want 0 and the OK line for modelslab.yaml", res.Code, res.Stdout, res.Stderr)
		}
	})
	t.Run("missing", func(t *testing.T) {
		t.Parallel()
		res := runCLI(t, cliRun{Args: []string{"validate"}, Dir: t.TempDir()})
		if res.Code != 1 {
			t.Errorf("exit %d, want 1", res.Code)
		}
		if diff := cmp.Diff("Error: reading \"modelslab.yaml\": no such file (give another with -f or MODELSLAB_FILE)\n", res.Stderr); diff != "" {
			t.Errorf("stderr (-want +got):\n%s", diff)
		}
	})
}
