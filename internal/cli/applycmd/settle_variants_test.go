package applycmd_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlabctl/mlabctl/apply"
	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/remote"
)

// TestApplySettlesAnInterruptedCreateOnEveryVariant is
// TestApplySettlesAnInterruptedCreate on every reading of the API
// (emulator.Matrix), each on a server that replays idempotency keys and one
// that ignores them. The dead run's create of staging committed and its
// answer reached nobody; its journal entry was written (with the clock's
// full precision) just before the create, so a reading whose created_at
// has second precision or another format (timestamps=sql) puts the key's
// creation before the entry, and must still be matched to it. The account
// holds the bulk keys too, so that on the paginated readings the orphan is
// found past the first page. The next `apply -f` must exit 0, leave every
// declared key exactly once, save the live secrets (staging's recovered or
// remade, ci's rotated) in --secrets-out, and converge.
func TestApplySettlesAnInterruptedCreateOnEveryVariant(t *testing.T) {
	t.Parallel()
	variants := emulator.Matrix()
	trials := 0
	for _, nv := range variants {
		for _, ignore := range []bool{false, true} {
			trials++
			t.Run(fmt.Sprintf("%s/ignore-idempotency=%v", nv.Name, ignore), func(t *testing.T) {
				t.Parallel()
				m := startMatrixRun(t, nv.Variants, func(s *emulator.Server) { s.IgnoreIdempotency = ignore })
				m.seedBulk()
				spec := m.file("modelslab.yaml", matrixSpec(t))
				stateRoot, secrets := filepath.Join(m.dir, "state"), filepath.Join(m.dir, "secrets.json")
				m.env[clitest.EnvStateDir] = stateRoot

				// The dead apply: its journal entry, fsynced before the
				// call, then the create, whose answer nobody received.
				notes := "Used by the staging environment"
				dir := writeDeadJournal(t, m.em, stateRoot, map[string]any{"event": "send", "entry": "dead-1", "run": "dead",
					"time": m.clock.Now().UTC(), "base_url": m.em.URL, "account": m.em.Demo.Username, "address": "api_key.staging",
					"name": "staging", "notes": notes, "idempotency_key": "dead-run-staging", "step": "create", "attempt": 1})
				dead := deadCreate(t, m.em, "dead-run-staging", remote.APIKeyCreate{Name: "staging", Notes: &notes})

				res := m.run(0, "apply", "-f", spec, "--auto-approve", "--secrets-out", secrets)
				want := "the server gave it back, and it was saved"
				if ignore {
					want = "the server made key id"
				}
				requireAll(t, "apply", res.Stdout, "journal: api_key.staging: key id "+dead.ID.String(), want)
				if strings.Contains(res.Stdout, "+ api_key.staging") {
					t.Errorf("the plan creates staging again:\n%s", res.Stdout)
				}

				b, err := os.ReadFile(secrets)
				if err != nil {
					t.Fatal(err)
				}
				var saved map[string]string
				if err := json.Unmarshal(b, &saved); err != nil {
					t.Fatalf("secrets file: %v", err)
				}
				for _, name := range []string{"production", "ci", "staging"} {
					keys := m.em.KeysNamed(m.em.Demo.Username, name)
					if len(keys) != 1 {
						t.Errorf("%d live keys named %s, want 1", len(keys), name)
						continue
					}
					if name == "production" {
						continue // protected and untouched: its secret was never ours
					}
					if saved[name] != keys[0].Key {
						t.Errorf("the secrets file does not hold %s's live secret", name)
					}
				}
				for name, s := range saved {
					if s != "" && strings.Contains(res.Stdout+res.Stderr, s) {
						t.Errorf("apply printed the secret of %s", name)
					}
				}
				journal, _ := os.ReadFile(filepath.Join(dir, apply.JournalFile))
				for name, s := range saved {
					if s != "" && strings.Contains(string(journal), s) {
						t.Errorf("the journal holds the secret of %s", name)
					}
				}

				requireAll(t, "plan after apply", m.run(0, "plan", "-f", spec, "--detailed-exitcode").Stdout, "No changes.")
			})
		}
	}
	t.Cleanup(func() {
		t.Logf("%d readings of the API (emulator.Matrix) x {replaying, ignoring idempotency keys}: %d trials", len(variants), trials)
	})
}
