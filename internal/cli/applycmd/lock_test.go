package applycmd_test

// The account lock of `mlabctl apply` in-process: a lock held by another
// holder (apply.LockAccount in this test process, which flock treats as
// another holder) makes apply wait, give up or refuse, touching nothing.
// Two real processes and kill -9 are e2e's (e2e/e2e_lock_test.go) and
// apply's (apply/lock_test.go).

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/apply"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
)

// holdLock takes the account lock of em's demo account under root, as
// another apply would, and returns its release.
func holdLock(t *testing.T, em *emulatortest.Server, root string) func() error {
	t.Helper()
	dir, err := apply.MakeAccountStateDir(root, em.URL, em.Demo.Username)
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := apply.LockAccount(context.Background(), dir, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = unlock() })
	return unlock
}

// applyEnv is the demo env with the state root.
func applyEnv(em *emulatortest.Server, root string) map[string]string {
	env := clitest.DemoEnv(em)
	env["MLABCTL_STATE_DIR"] = root
	return env
}

func TestApplyRefusesWhileTheAccountIsLocked(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		timeout  string
		waits    bool
		wantLine string
	}{
		{name: "--lock-timeout 0", timeout: "0", wantLine: "--lock-timeout 0 does not wait; nothing was changed"},
		{name: "a short --lock-timeout", timeout: "150ms", waits: true, wantLine: "is still running after --lock-timeout 150ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			em := emulatortest.Start(t)
			root := t.TempDir()
			holdLock(t, em, root)
			secrets := filepath.Join(t.TempDir(), "s.json")
			res := clitest.Run(t, clitest.Invocation{
				Args: []string{"apply", "--auto-approve", "--secrets-out", secrets, "--lock-timeout", tt.timeout, "-f", clitest.ExampleFile()},
				Env:  applyEnv(em, root),
			})
			if res.Code != 1 {
				t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
			}
			holder := fmt.Sprintf("pid %d on ", os.Getpid())
			for _, want := range []string{tt.wantLine, holder, fmt.Sprintf("account %q at %s", em.Demo.Username, em.URL)} {
				if !strings.Contains(res.Stderr, want) {
					t.Errorf("stderr does not say %q:\n%s", want, res.Stderr)
				}
			}
			if got := strings.Contains(res.Stderr, "Waiting for another apply of"); got != tt.waits {
				t.Errorf("a waiting line: %v, want %v:\n%s", got, tt.waits, res.Stderr)
			}
			if m := em.Mutations(); len(m) != 0 {
				t.Errorf("a refused apply changed the account: %v", m)
			}
			if res.Stdout != "" {
				t.Errorf("no plan may be shown while another apply runs; stdout:\n%s", res.Stdout)
			}
			if _, err := os.Stat(secrets); err == nil {
				t.Error("the secrets file was written")
			}
		})
	}
}

// waitFor polls r's stderr until it contains s.
func waitFor(t *testing.T, r *clitest.Running, s string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(r.Stderr(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("stderr never said %q:\n%s", s, r.Stderr())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestApplyWaitsForTheLock(t *testing.T) {
	t.Parallel()
	for _, planFile := range []bool{false, true} {
		t.Run(fmt.Sprintf("planfile=%v", planFile), func(t *testing.T) {
			t.Parallel()
			em := emulatortest.Start(t)
			root := t.TempDir()
			secrets := filepath.Join(t.TempDir(), "s.json")
			args := []string{"apply", "--auto-approve", "--secrets-out", secrets, "-f", clitest.ExampleFile()}
			if planFile {
				out := filepath.Join(t.TempDir(), "plan.bin")
				if res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", clitest.ExampleFile(), "--out", out}, Env: applyEnv(em, root)}); res.Code != 0 {
					t.Fatalf("plan --out: exit %d\n%s", res.Code, res.Stderr)
				}
				args = append(args, out)
			}
			unlock := holdLock(t, em, root)
			r := clitest.Start(t, clitest.Invocation{Args: args, Env: applyEnv(em, root)})
			waitFor(t, r, "Waiting for another apply of")
			if m := em.Mutations(); len(m) != 0 {
				t.Fatalf("apply changed the account while waiting for the lock: %v", m)
			}
			if r.Stdout() != "" {
				t.Errorf("apply showed a plan before it had the lock:\n%s", r.Stdout())
			}
			if err := unlock(); err != nil {
				t.Fatal(err)
			}
			res := r.Wait()
			if res.Code != 0 {
				t.Fatalf("exit %d once the lock was released\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
			}
			if n := strings.Count(res.Stderr, "Waiting for another apply of"); n != 1 {
				t.Errorf("%d waiting lines, want 1:\n%s", n, res.Stderr)
			}
			if !strings.Contains(res.Stderr, "--lock-timeout 5m\n") {
				t.Errorf("the waiting line does not name the default --lock-timeout 5m:\n%s", res.Stderr)
			}
			clitest.AssertConverged(t, em, clitest.ExampleFile(), "apply")
		})
	}
}

func TestApplyInterruptedWhileWaitingForTheLock(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	root := t.TempDir()
	holdLock(t, em, root)
	r := clitest.Start(t, clitest.Invocation{
		Args: []string{"apply", "--auto-approve", "--secrets-out", filepath.Join(t.TempDir(), "s.json"), "-f", clitest.ExampleFile()},
		Env:  applyEnv(em, root),
	})
	waitFor(t, r, "Waiting for another apply of")
	r.Interrupt()
	res := r.Wait()
	if res.Code != 1 {
		t.Fatalf("exit %d, want 1\nstderr:\n%s", res.Code, res.Stderr)
	}
	if !strings.Contains(res.Stderr, "interrupted while waiting for another apply of") || !strings.Contains(res.Stderr, "nothing was changed") {
		t.Errorf("stderr:\n%s", res.Stderr)
	}
	if m := em.Mutations(); len(m) != 0 {
		t.Errorf("an apply interrupted while waiting changed the account: %v", m)
	}
}

func TestApplyStateDirectory(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// args after apply; SECRETS and STATE are replaced by paths.
		args   []string
		env    string // MLABCTL_STATE_DIR; "-" for the test's own STATE
		wantIn string // "secrets" (beside the secrets file) or "state"
	}{
		{name: "beside --secrets-out", args: []string{"--secrets-out", "SECRETS"}, env: "", wantIn: "secrets"},
		{name: "MLABCTL_STATE_DIR", args: []string{"--secrets-out", "SECRETS"}, env: "-", wantIn: "state"},
		{name: "--state-dir wins over MLABCTL_STATE_DIR", args: []string{"--secrets-out", "SECRETS", "--state-dir", "STATE"}, env: "/nonexistent/elsewhere", wantIn: "state"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			em := emulatortest.Start(t)
			tmp := t.TempDir()
			secrets, state := filepath.Join(tmp, "out", "s.json"), filepath.Join(tmp, "state")
			if err := os.Mkdir(filepath.Dir(secrets), 0o755); err != nil {
				t.Fatal(err)
			}
			args := []string{"apply", "--auto-approve", "-f", clitest.ExampleFile()}
			for _, a := range tt.args {
				args = append(args, strings.NewReplacer("SECRETS", secrets, "STATE", state).Replace(a))
			}
			env := clitest.DemoEnv(em)
			env["MLABCTL_STATE_DIR"] = tt.env
			if tt.env == "-" {
				env["MLABCTL_STATE_DIR"] = state
			}
			res := clitest.Run(t, clitest.Invocation{Args: args, Env: env})
			if res.Code != 0 {
				t.Fatalf("exit %d\n%s", res.Code, res.Stderr)
			}
			root := state
			if tt.wantIn == "secrets" {
				root = filepath.Join(filepath.Dir(secrets), ".mlabctl-state")
			}
			dir := apply.AccountStateDir(root, em.URL, em.Demo.Username)
			rec, err := apply.ReadAccountRecord(dir)
			if err != nil {
				t.Fatalf("no account state where expected: %v", err)
			}
			if rec.Account != em.Demo.Username || rec.BaseURL != em.URL {
				t.Errorf("account.json = %+v", rec)
			}
			fi, err := os.Stat(dir)
			if err != nil || fi.Mode().Perm() != 0o700 {
				t.Errorf("state dir %s: %v, %v", dir, fi.Mode(), err)
			}
		})
	}
}

func TestPlanTakesNoLockAndMakesNoState(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	root := t.TempDir()
	holdLock(t, em, root)
	state := filepath.Join(t.TempDir(), "never")
	env := clitest.DemoEnv(em)
	env["MLABCTL_STATE_DIR"] = state
	// plan with the account locked by an apply under root: it plans.
	env2 := applyEnv(em, root)
	for _, e := range []map[string]string{env, env2} {
		res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", clitest.ExampleFile()}, Env: e})
		if res.Code != 0 || strings.Contains(res.Stderr, "Waiting") {
			t.Fatalf("plan: exit %d\n%s", res.Code, res.Stderr)
		}
	}
	if _, err := os.Stat(state); err == nil {
		t.Error("plan created a state directory")
	}
}

func TestApplyRefusesANegativeLockTimeout(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "--lock-timeout", "-1s", "-f", clitest.ExampleFile()}, Env: clitest.DemoEnv(em)})
	if res.Code != 1 || !strings.Contains(res.Stderr, "--lock-timeout -1s must not be negative") {
		t.Errorf("exit %d\n%s", res.Code, res.Stderr)
	}
	if n := len(em.Requests()); n != 0 {
		t.Errorf("%d requests for a malformed command line", n)
	}
}
