package applycmd_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/apply"
	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/remote"
)

// TestApplySettlesAnInterruptedCreate: a journal entry left open by an
// apply that died after its create reached the server (the key exists,
// nobody has its secret) is settled by the next `mlabctl apply` before it
// plans: the create is sent again under the same idempotency key, a
// replaying server gives the secret back, it goes to --secrets-out, and
// the plan has nothing left to create. On a server that ignores the key,
// a second key is made (its secret saved) and the first deleted.
func TestApplySettlesAnInterruptedCreate(t *testing.T) {
	t.Parallel()
	for _, ignore := range []bool{false, true} {
		t.Run(fmt.Sprintf("ignore-idempotency=%v", ignore), func(t *testing.T) {
			t.Parallel()
			em := emulatortest.Start(t, func(s *emulator.Server) { s.IgnoreIdempotency = ignore })
			tmp := t.TempDir()
			stateRoot, secrets := filepath.Join(tmp, "state"), filepath.Join(tmp, "secrets.json")
			// The dead apply: its journal entry, then its create, whose
			// answer nobody received.
			dir, err := apply.MakeAccountStateDir(stateRoot, em.URL, em.Demo.Username)
			if err != nil {
				t.Fatal(err)
			}
			sent := time.Now().UTC().Add(-time.Minute)
			rec, _ := json.Marshal(map[string]any{"event": "send", "entry": "dead-1", "run": "dead", "time": sent,
				"base_url": em.URL, "account": em.Demo.Username, "address": "api_key.staging", "name": "staging",
				"notes": "Used by the staging environment", "idempotency_key": "dead-run-staging", "step": "create", "attempt": 1})
			if err := os.WriteFile(filepath.Join(dir, apply.JournalFile), append(rec, '\n'), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := remote.New(remote.Options{BaseURL: em.URL, Token: remote.Secret(em.Demo.Token)})
			if err != nil {
				t.Fatal(err)
			}
			notes := "Used by the staging environment"
			if _, err := c.CreateAPIKey(remote.WithIdempotencyKey(context.Background(), "dead-run-staging"), remote.APIKeyCreate{Name: "staging", Notes: &notes}); err != nil {
				t.Fatal(err)
			}

			env := clitest.DemoEnv(em)
			env[clitest.EnvStateDir] = stateRoot
			res := clitest.Mlabctl(t, env, "apply", "-f", clitest.ExampleFile(), "--auto-approve", "--secrets-out", secrets)
			if res.Code != 0 {
				t.Fatalf("exit %d\nstdout %s\nstderr %s", res.Code, res.Stdout, res.Stderr)
			}
			want := "the server gave it back, and it was saved"
			if ignore {
				want = "the server made key id"
			}
			if !strings.Contains(res.Stdout, "journal: api_key.staging: key id") || !strings.Contains(res.Stdout, want) {
				t.Errorf("stdout does not report the settled entry (%q):\n%s", want, res.Stdout)
			}
			if strings.Contains(res.Stdout, "+ api_key.staging") {
				t.Errorf("the plan creates staging again:\n%s", res.Stdout)
			}
			keys := em.KeysNamed(em.Demo.Username, "staging")
			if len(keys) != 1 {
				t.Fatalf("%d keys named staging, want 1", len(keys))
			}
			b, err := os.ReadFile(secrets)
			if err != nil {
				t.Fatal(err)
			}
			var saved map[string]string
			if err := json.Unmarshal(b, &saved); err != nil {
				t.Fatal(err)
			}
			if saved["staging"] != keys[0].Key {
				t.Errorf("the secrets file does not hold staging's live secret")
			}
			journal, _ := os.ReadFile(filepath.Join(dir, apply.JournalFile))
			for _, s := range saved {
				if strings.Contains(string(journal), s) {
					t.Errorf("the journal holds a secret")
				}
			}
			clitest.AssertConverged(t, em, clitest.ExampleFile(), "the apply")
		})
	}
}

// TestApplyDroppedCreateAnswerOnAServerIgnoringIdempotency: the first key
// create's answer is dropped after the server made the key, and the server
// does not replay: apply settles it by reading, creates again itself, keeps
// the second key's secret and deletes the first: exit 0, one key of each
// name, its live secret in --secrets-out.
func TestApplyDroppedCreateAnswerOnAServerIgnoringIdempotency(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t, func(s *emulator.Server) {
		s.IgnoreIdempotency = true
		s.Faults = &emulator.Faults{DropFirst: 1, Routes: []string{"POST /api-keys"}}
	})
	secrets := filepath.Join(t.TempDir(), "secrets.json")
	res := clitest.Mlabctl(t, clitest.DemoEnv(em), "apply", "-f", clitest.ExampleFile(), "--auto-approve", "--secrets-out", secrets)
	if res.Code != 0 {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", res.Code, res.Stdout, res.Stderr)
	}
	if !strings.Contains(res.Stdout, "made on attempt 2, after a lost answer") || !strings.Contains(res.Stdout, "which an attempt whose answer was lost made") {
		t.Errorf("stdout does not say what happened to the lost answer:\n%s", res.Stdout)
	}
	b, _ := os.ReadFile(secrets)
	var saved map[string]string
	if err := json.Unmarshal(b, &saved); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ci", "staging"} {
		keys := em.KeysNamed(em.Demo.Username, name)
		if len(keys) != 1 || saved[name] != keys[0].Key {
			t.Errorf("%s: %d live keys, secret saved: %v; want one, whose secret is saved", name, len(keys), len(keys) == 1 && saved[name] == keys[0].Key)
		}
	}
	clitest.AssertConverged(t, em, clitest.ExampleFile(), "the apply")
}

// TestInterruptedRotationConverges: an apply replaced key ci (its new key
// made, its secret kept) and died before deleting the old one. `mlabctl
// plan` reads the journal (read only) and plans the old key's delete,
// saying why, instead of refusing two keys named ci or advising to pin the
// old one; `mlabctl apply` deletes it and the account converges.
func TestInterruptedRotationConverges(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	stateRoot, secrets := filepath.Join(t.TempDir(), "state"), filepath.Join(t.TempDir(), "secrets.json")
	old := em.KeysNamed(em.Demo.Username, "ci")
	if len(old) != 1 {
		t.Fatalf("%d demo keys named ci", len(old))
	}
	oldID := fmt.Sprint(old[0].ID)
	c, err := remote.New(remote.Options{BaseURL: em.URL, Token: remote.Secret(em.Demo.Token)})
	if err != nil {
		t.Fatal(err)
	}
	sent := time.Now().UTC().Add(-time.Minute)
	notes := "Used by GitHub Actions"
	k, err := c.CreateAPIKey(remote.WithIdempotencyKey(context.Background(), "dead-run-ci"), remote.APIKeyCreate{Name: "ci", Notes: &notes})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(secrets, []byte(fmt.Sprintf("{%q: %q}\n", "ci", k.Key.Reveal())), 0o600); err != nil {
		t.Fatal(err)
	}
	dir, err := apply.MakeAccountStateDir(stateRoot, em.URL, em.Demo.Username)
	if err != nil {
		t.Fatal(err)
	}
	var lines []byte
	for _, r := range []map[string]any{
		{"event": "send", "entry": "dead-1", "run": "dead", "time": sent, "base_url": em.URL, "account": em.Demo.Username,
			"address": "api_key.ci", "name": "ci", "notes": notes, "idempotency_key": "dead-run-ci", "step": "replace-create", "attempt": 1,
			"replaces": oldID, "known": []string{oldID}},
		{"event": "answer", "entry": "dead-1", "run": "dead", "time": sent, "id": k.ID.String(), "kept": true},
	} {
		b, _ := json.Marshal(r)
		lines = append(append(lines, b...), '\n')
	}
	if err := os.WriteFile(filepath.Join(dir, apply.JournalFile), lines, 0o600); err != nil {
		t.Fatal(err)
	}
	env := clitest.DemoEnv(em)
	env[clitest.EnvStateDir] = stateRoot

	pl := clitest.Mlabctl(t, env, "plan", "-f", clitest.ExampleFile())
	if pl.Code != 0 {
		t.Fatalf("plan: exit %d\nstdout %s\nstderr %s", pl.Code, pl.Stdout, pl.Stderr)
	}
	if !strings.Contains(pl.Stdout, "predecessor of key id "+k.ID.String()) || !strings.Contains(pl.Stderr, "the next apply settles it") {
		t.Errorf("plan does not show the rotation's end:\nstdout %s\nstderr %s", pl.Stdout, pl.Stderr)
	}
	if strings.Contains(pl.Stdout+pl.Stderr, `"id: `+oldID+`"`) {
		t.Errorf("plan advises pinning the predecessor:\n%s%s", pl.Stdout, pl.Stderr)
	}
	res := clitest.Mlabctl(t, env, "apply", "-f", clitest.ExampleFile(), "--auto-approve", "--secrets-out", secrets)
	if res.Code != 0 {
		t.Fatalf("apply: exit %d\nstdout %s\nstderr %s", res.Code, res.Stdout, res.Stderr)
	}
	keys := em.KeysNamed(em.Demo.Username, "ci")
	if len(keys) != 1 || fmt.Sprint(keys[0].ID) != k.ID.String() {
		t.Errorf("live keys named ci: %+v, want only the successor %s", keys, k.ID)
	}
	clitest.AssertConverged(t, em, clitest.ExampleFile(), "the apply")
}
