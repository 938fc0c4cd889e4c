//go:build unix

package plancmd_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/atomicfile/atomicfiletest"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/mlabctl/mlabctl/plan/planfile"
)

// writeSpec writes a small modelslab.yaml that plans one change against
// the demo account, and returns its path.
func writeSpec(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "modelslab.yaml")
	if err := os.WriteFile(p, []byte("version: 1\npreferences:\n  nsfw_content: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestOutRefused runs plan --out on what can never be written: exit 1
// naming the path before any request, the path untouched.
func TestOutRefused(t *testing.T) {
	t.Parallel()
	specPath := writeSpec(t)
	for _, sp := range atomicfiletest.Specials(t) {
		t.Run(sp.Name, func(t *testing.T) {
			t.Parallel()
			em := emulatortest.Start(t)
			res := clitest.Mlabctl(t, clitest.DemoEnv(em), "plan", "-f", specPath, "--out", sp.Path)
			if res.Code != cmdutil.ExitError {
				t.Errorf("exit %d, want %d\nstderr %q", res.Code, cmdutil.ExitError, res.Stderr)
			}
			sp.Refusal(t, res.Stderr)
			sp.Unchanged(t)
			if r := em.Requests(); len(r) != 0 {
				t.Errorf("%d requests were made before the refusal, first %s %s", len(r), r[0].Method, r[0].Path)
			}
		})
	}
}

// TestOutThroughSymlink checks that plan --out through a symlink to an
// earlier plan file replaces the target, keeps the link, and that apply
// reads the plan through the link.
func TestOutThroughSymlink(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	specPath := writeSpec(t)
	first := filepath.Join(t.TempDir(), "first.plan")
	if res := clitest.Mlabctl(t, clitest.DemoEnv(em), "plan", "-f", specPath, "--out", first); res.Code != 0 {
		t.Fatalf("first plan: exit %d, stderr %q", res.Code, res.Stderr)
	}
	earlier, err := os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}
	l := atomicfiletest.SymlinkToFile(t, string(earlier))
	// A later plan, made at another time, replaces the earlier one.
	if res := clitest.Mlabctl(t, clitest.DemoEnv(em), "plan", "-f", specPath, "--out", l.Path); res.Code != 0 {
		t.Fatalf("plan through the link: exit %d, stderr %q", res.Code, res.Stderr)
	}
	if got := l.Written(t, 0o600); got == string(earlier) {
		t.Error("the target still holds the earlier plan")
	}
	if _, err := planfile.Read(l.Target); err != nil {
		t.Errorf("the target is not a plan file: %v", err)
	}
	if res := clitest.Mlabctl(t, clitest.DemoEnv(em), "apply", "--auto-approve", l.Path); res.Code != 0 {
		t.Errorf("apply through the link: exit %d, stderr %q", res.Code, res.Stderr)
	}
}
