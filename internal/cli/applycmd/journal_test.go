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

// writeDeadJournal stands for an apply that died: it makes the account's
// state directory under stateRoot and writes records, one JSON line each,
// as the journal that apply left. It returns the account's directory.
func writeDeadJournal(t *testing.T, em *emulatortest.Server, stateRoot string, records ...map[string]any) string {
	t.Helper()
	dir, err := apply.MakeAccountStateDir(stateRoot, em.URL, em.Demo.Username)
	if err != nil {
		t.Fatal(err)
	}
	var lines []byte
	for _, r := range records {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(append(lines, b...), '\n')
	}
	if err := os.WriteFile(filepath.Join(dir, apply.JournalFile), lines, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// deadCreate sends the create a dead apply journaled, under its
// idempotency key, as the demo user: the key exists on the server, and
// its answer reached nobody but the caller.
func deadCreate(t *testing.T, em *emulatortest.Server, idempotencyKey string, req remote.APIKeyCreate) *remote.APIKey {
	t.Helper()
	c, err := remote.New(remote.Options{BaseURL: em.URL, Token: remote.Secret(em.Demo.Token)})
	if err != nil {
		t.Fatal(err)
	}
	k, err := c.CreateAPIKey(remote.WithIdempotencyKey(context.Background(), idempotencyKey), req)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// deadStagingCreate leaves the account as an apply that died after its
// create of staging reached the server: the journal's open entry, and the
// key, whose secret nobody holds. It returns the account's state directory.
func deadStagingCreate(t *testing.T, em *emulatortest.Server, stateRoot string) string {
	t.Helper()
	notes := "Used by the staging environment"
	dir := writeDeadJournal(t, em, stateRoot, map[string]any{"event": "send", "entry": "dead-1", "run": "dead",
		"time": time.Now().UTC().Add(-time.Minute), "base_url": em.URL, "account": em.Demo.Username, "address": "api_key.staging",
		"name": "staging", "notes": notes, "idempotency_key": "dead-run-staging", "step": "create", "attempt": 1})
	deadCreate(t, em, "dead-run-staging", remote.APIKeyCreate{Name: "staging", Notes: &notes})
	return dir
}

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
			dir := deadStagingCreate(t, em, stateRoot)

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
	sent := time.Now().UTC().Add(-time.Minute)
	notes := "Used by GitHub Actions"
	k := deadCreate(t, em, "dead-run-ci", remote.APIKeyCreate{Name: "ci", Notes: &notes})
	if err := os.WriteFile(secrets, []byte(fmt.Sprintf("{%q: %q}\n", "ci", k.Key.Reveal())), 0o600); err != nil {
		t.Fatal(err)
	}
	writeDeadJournal(t, em, stateRoot,
		map[string]any{"event": "send", "entry": "dead-1", "run": "dead", "time": sent, "base_url": em.URL, "account": em.Demo.Username,
			"address": "api_key.ci", "name": "ci", "notes": notes, "idempotency_key": "dead-run-ci", "step": "replace-create", "attempt": 1,
			"replaces": oldID, "known": []string{oldID}},
		map[string]any{"event": "answer", "entry": "dead-1", "run": "dead", "time": sent, "id": k.ID.String(), "kept": true})
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

// TestApplySettleChangeIsNotNothingChanged: on a server that ignores
// idempotency keys, settling an interrupted create sends it again and
// makes a key, before any plan is shown. An apply that then stops (the
// answer to its prompt is not "yes") has changed the account: it must not
// exit 3 saying "nothing was changed", but 4, naming the key it made.
// Found by review: every refusal after settling claimed nothing changed.
func TestApplySettleChangeIsNotNothingChanged(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t, func(s *emulator.Server) { s.IgnoreIdempotency = true })
	tmp := t.TempDir()
	stateRoot, secrets := filepath.Join(tmp, "state"), filepath.Join(tmp, "secrets.json")
	deadStagingCreate(t, em, stateRoot)
	env := clitest.DemoEnv(em)
	env[clitest.EnvStateDir] = stateRoot
	res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "-f", clitest.ExampleFile(), "--secrets-out", secrets},
		Env: env, Stdin: "no\n", StdinTTY: true, StdoutTTY: true})
	if n := len(em.KeysNamed(em.Demo.Username, "staging")); n != 2 {
		t.Fatalf("%d keys named staging, want 2 (the dead run's and the one settling made); the case tests nothing\nstdout %s\nstderr %s", n, res.Stdout, res.Stderr)
	}
	if res.Code != 4 {
		t.Errorf("exit %d, want 4: settling changed the account\nstdout %s\nstderr %s", res.Code, res.Stdout, res.Stderr)
	}
	if !strings.Contains(res.Stderr, "the account did change") {
		t.Errorf("stderr does not say that settling changed the account:\n%s", res.Stderr)
	}
	// The next apply finishes it: one key, its secret kept.
	res = clitest.Mlabctl(t, env, "apply", "-f", clitest.ExampleFile(), "--auto-approve", "--secrets-out", secrets)
	if res.Code != 0 {
		t.Fatalf("second apply: exit %d\nstdout %s\nstderr %s", res.Code, res.Stdout, res.Stderr)
	}
	clitest.AssertConverged(t, em, clitest.ExampleFile(), "the second apply")
}

// TestApplyPlanFileSaysHowPlanSeesTheJournal: a plan file made by a plan
// that did not find the journal (plan has no --secrets-out, so it looks
// only in MLABCTL_STATE_DIR or the default state directory) differs from
// the plan apply computes with the journal's facts, and is refused. The
// refusal must say how to make a plan that sees the same journal, or
// following its advice ("make a new plan") refuses again forever. Found by
// review.
func TestApplyPlanFileSaysHowPlanSeesTheJournal(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	tmp := t.TempDir()
	stateRoot, secrets, planPath := filepath.Join(tmp, "state"), filepath.Join(tmp, "secrets.json"), filepath.Join(tmp, "plan.json")
	// The dead apply's create of staging, committed, its answer lost, and
	// already sent again once: the plan replaces the key.
	sent := time.Now().UTC().Add(-time.Minute)
	writeDeadJournal(t, em, stateRoot,
		map[string]any{"event": "send", "entry": "dead-1", "run": "dead", "time": sent, "base_url": em.URL, "account": em.Demo.Username,
			"address": "api_key.staging", "name": "staging", "idempotency_key": "dead-run-staging", "step": "create", "attempt": 1},
		map[string]any{"event": "resent", "entry": "dead-1", "run": "dead", "time": sent})
	deadCreate(t, em, "dead-run-staging", remote.APIKeyCreate{Name: "staging"})
	env := clitest.DemoEnv(em) // plan's MLABCTL_STATE_DIR: a directory of its own
	if res := clitest.Mlabctl(t, env, "plan", "-f", clitest.ExampleFile(), "--out", planPath); res.Code != 0 {
		t.Fatalf("plan: exit %d\n%s", res.Code, res.Stderr)
	}
	res := clitest.Mlabctl(t, env, "apply", "--auto-approve", "--secrets-out", secrets, "--state-dir", stateRoot, planPath)
	if res.Code != 3 {
		t.Fatalf("apply PLANFILE: exit %d, want 3 (the journal changes the plan)\nstdout %s\nstderr %s", res.Code, res.Stdout, res.Stderr)
	}
	if !strings.Contains(res.Stderr, clitest.EnvStateDir+"="+stateRoot) {
		t.Fatalf("the refusal does not say how plan finds the journal (%s=%s):\n%s", clitest.EnvStateDir, stateRoot, res.Stderr)
	}
	// Following the advice converges.
	env2 := clitest.DemoEnv(em)
	env2[clitest.EnvStateDir] = stateRoot
	if res := clitest.Mlabctl(t, env2, "plan", "-f", clitest.ExampleFile(), "--out", planPath); res.Code != 0 {
		t.Fatalf("plan with the journal: exit %d\n%s", res.Code, res.Stderr)
	}
	if res := clitest.Mlabctl(t, env2, "apply", "--auto-approve", "--secrets-out", secrets, planPath); res.Code != 0 {
		t.Fatalf("apply of the plan that saw the journal: exit %d\nstdout %s\nstderr %s", res.Code, res.Stdout, res.Stderr)
	}
	clitest.AssertConverged(t, em, clitest.ExampleFile(), "the apply of the plan that saw the journal")
}
