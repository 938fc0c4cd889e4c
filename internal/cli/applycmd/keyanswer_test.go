package applycmd_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/remote"
)

// TestApplyCreateAnswerWithoutSecret: a server that creates a key but
// answers it masked, empty or without key (Faults.KeyAnswer, first create
// only) fails the create (exit 4, never "Apply complete"), and no run
// writes a masked string to the secrets file or shows a secret. On a
// server that ignores Idempotency-Key the next apply converges (the key
// exists once, the secrets file holds its live secret). On one that
// replays, the next apply's create is answered with the stored, degraded
// answer; there the test holds every run to what must be true of any exit:
// 0 only when the account converged with the secret in the file, else 1,
// 3 or 4.
func TestApplyCreateAnswerWithoutSecret(t *testing.T) {
	t.Parallel()
	for _, answer := range emulator.KeyAnswers {
		for _, ignore := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s ignore-idempotency=%v", answer, ignore), func(t *testing.T) {
				t.Parallel()
				em := emulatortest.Start(t, func(s *emulator.Server) {
					s.Faults = &emulator.Faults{KeyAnswer: answer, KeyAnswerFirst: 1}
					s.IgnoreIdempotency = ignore
				})
				dir := t.TempDir()
				spec := clitest.WriteFile(t, dir, "modelslab.yaml", "version: 1\napi_keys:\n  - name: production\n  - name: ci\n  - name: dashboard-playground\n  - name: old-key\n  - name: fresh\n")
				secretsOut := filepath.Join(dir, "secrets.json")
				args := []string{"apply", "-f", spec, "--auto-approve", "--secrets-out", secretsOut}
				checkRun := func(which string, res clitest.Result) {
					t.Helper()
					clitest.AssertRunHasNoSecrets(t, em, res)
					for name, v := range readSecrets(t, secretsOut) {
						if why := remote.CheckWholeSecret(remote.Secret(v)); why != "" {
							t.Errorf("after the %s apply the secrets file holds %s: %s", which, name, why)
						}
					}
					if !slices.Contains([]int{0, 1, 3, 4}, res.Code) {
						t.Errorf("the %s apply exited %d, want 0, 1, 3 or 4", which, res.Code)
					}
				}

				first := clitest.Mlabctl(t, clitest.DemoEnv(em), args...)
				if first.Code != 4 || strings.Contains(first.Stdout, "Apply complete") {
					t.Fatalf("apply with a create answered %s: exit %d, want 4 (the create failed)\nstdout:\n%s\nstderr:\n%s", answer, first.Code, first.Stdout, first.Stderr)
				}
				checkRun("first", first)

				second := clitest.Mlabctl(t, clitest.DemoEnv(em), args...)
				checkRun("second", second)
				if second.Code != 0 && !ignore {
					t.Logf("the second apply, answered by a replay of the degraded answer, exited %d:\n%s", second.Code, second.Stdout)
					return
				}
				if second.Code != 0 {
					t.Fatalf("the next apply: exit %d, want 0\nstdout:\n%s\nstderr:\n%s", second.Code, second.Stdout, second.Stderr)
				}
				live := keysNamed(t, em.Server, em.Demo.Username, "fresh")
				if len(live) != 1 {
					t.Fatalf("%d live keys named fresh after the second apply, want 1", len(live))
				}
				if got := readSecrets(t, secretsOut)["fresh"]; got != live[0].Key {
					t.Errorf("the secrets file does not hold fresh's live secret (%d characters there)", len(got))
				}
				clitest.AssertConverged(t, em, spec, "the second apply")
			})
		}
	}
}
