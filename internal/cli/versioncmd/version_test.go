package versioncmd_test

import (
	"strings"
	"testing"

	"github.com/mlabctl/mlabctl/internal/cli/clitest"
)

func TestVersionCommand(t *testing.T) {
	t.Parallel()
	res := clitest.Mlabctl(t, nil, "version")
	if res.Code != 0 {
		t.Fatalf("exit %d, stderr %q", res.Code, res.Stderr)
	}
	for _, want := range []string{"mlabctl ", "commit: ", "go: go1."} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("version output %q lacks %q", res.Stdout, want)
		}
	}
}
