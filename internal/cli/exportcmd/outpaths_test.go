//go:build unix

package exportcmd_test

import (
	"strings"
	"testing"

	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/atomicfile/atomicfiletest"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
)

// TestOutRefused runs export --out, with and without --force, on what can
// never be written: exit 1 naming the path before any request, the path
// untouched. --force only allows replacing a regular file.
func TestOutRefused(t *testing.T) {
	t.Parallel()
	for _, force := range []bool{false, true} {
		for _, sp := range atomicfiletest.Specials(t) {
			name := sp.Name
			if force {
				name += " with --force"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				em := emulatortest.Start(t)
				args := []string{"export", "--out", sp.Path}
				if force {
					args = append(args, "--force")
				}
				res := clitest.Mlabctl(t, clitest.DemoEnv(em), args...)
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
}

// TestOutThroughSymlink checks a symlinked --out: without --force the
// existing target is kept (it exists); with --force the export replaces
// the target and the link stays.
func TestOutThroughSymlink(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	l := atomicfiletest.SymlinkToFile(t, "version: 1\n# managed by hand\n")
	res := clitest.Mlabctl(t, clitest.DemoEnv(em), "export", "--out", l.Path)
	if res.Code != cmdutil.ExitError || !strings.Contains(res.Stderr, "exists") {
		t.Errorf("without --force: exit %d, stderr %q; want exit 1 saying it exists", res.Code, res.Stderr)
	}
	res = clitest.Mlabctl(t, clitest.DemoEnv(em), "export", "--out", l.Path, "--force")
	if res.Code != 0 {
		t.Fatalf("with --force: exit %d, stderr %q", res.Code, res.Stderr)
	}
	if got := l.Written(t, 0o644); !strings.Contains(got, "version: 1") || strings.Contains(got, "managed by hand") {
		t.Errorf("the target is not the export:\n%s", got)
	}
}
