//go:build unix

package applycmd_test

import (
	"encoding/json"
	"testing"

	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/atomicfile/atomicfiletest"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
)

// TestSecretsOutRefused runs apply, whose plan creates keys, with
// --secrets-out naming what can never hold a secret: exit 1 naming the
// path, nothing changed in the account, the path untouched.
func TestSecretsOutRefused(t *testing.T) {
	t.Parallel()
	for _, sp := range atomicfiletest.Specials(t) {
		t.Run(sp.Name, func(t *testing.T) {
			t.Parallel()
			em := emulatortest.Start(t)
			res := clitest.Mlabctl(t, clitest.DemoEnv(em), "apply", "-f", clitest.ExampleFile(), "--auto-approve", "--secrets-out", sp.Path)
			if res.Code != cmdutil.ExitError {
				t.Errorf("exit %d, want %d\nstdout %q\nstderr %q", res.Code, cmdutil.ExitError, res.Stdout, res.Stderr)
			}
			sp.Refusal(t, res.Stderr)
			sp.Unchanged(t)
			if m := em.Mutations(); len(m) != 0 {
				t.Errorf("the account was changed: %v", m)
			}
		})
	}
}

// TestSecretsOutThroughSymlink checks that a symlinked --secrets-out
// merges the new secrets into the link's target and keeps the link.
func TestSecretsOutThroughSymlink(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	l := atomicfiletest.SymlinkToFile(t, `{"earlier": "ml-kept"}`)
	res := clitest.Mlabctl(t, clitest.DemoEnv(em), "apply", "-f", clitest.ExampleFile(), "--auto-approve", "--secrets-out", l.Path)
	if res.Code != 0 {
		t.Fatalf("exit %d, stderr %q", res.Code, res.Stderr)
	}
	var secrets map[string]string
	if err := json.Unmarshal([]byte(l.Written(t, 0o600)), &secrets); err != nil {
		t.Fatalf("the target is not a JSON object: %v", err)
	}
	if secrets["earlier"] != "ml-kept" || len(secrets) < 2 {
		t.Errorf("the target holds %d entries (earlier: %q), want the earlier one and the new keys", len(secrets), secrets["earlier"])
	}
}
