package clitest

import (
	"os"
	"os/exec"
	"testing"
)

// RequireTool skips a test that needs an external program (bash, zsh,
// fish, jq, script) where it is missing, except where MLABCTL_REQUIRE_TOOLS
// is set: .ci/run installs them and sets it, so in CI a missing tool fails
// instead of silently dropping the completion and workflow tests.
func RequireTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("MLABCTL_REQUIRE_TOOLS") != "" {
			t.Fatalf("%s is required here (MLABCTL_REQUIRE_TOOLS is set) but not installed: %v", name, err)
		}
		t.Skipf("%s is not installed", name)
	}
}
