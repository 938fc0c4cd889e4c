package applycmd_test

// The per-user account lock: two applies of one account by one user on one
// machine exclude each other whatever their state directories, because
// each also takes the lock of the account under the per-user state root
// ($XDG_STATE_HOME/mlabctl/locks, which clitest points at a directory of
// the test).

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mlabctl/mlabctl/apply"
	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
)

// gatedEmulator serves a demo emulator whose first key create waits until
// the test calls release, so that an apply is held in the middle of its
// run (holding its locks); arrived is closed when that create arrives.
// With committed the create is carried out first and only its answer
// waits (a create in flight that the server made: the key is live, its
// secret not delivered yet). Every other request is served at once.
// release may be called again (the test's end calls it too).
func gatedEmulator(t *testing.T, committed bool) (em *emulatortest.Server, arrived chan struct{}, release func()) {
	t.Helper()
	srv := emulator.New()
	demo := srv.SeedDemo()
	arrived, gate := make(chan struct{}), make(chan struct{})
	var gated atomic.Bool // not a sync.Once: the creates after the first must not wait for it
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/api-keys") || !gated.CompareAndSwap(false, true) {
			srv.ServeHTTP(w, r)
			return
		}
		if !committed {
			close(arrived)
			<-gate
			srv.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, r)
		close(arrived)
		<-gate
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}))
	var once sync.Once
	release = func() { once.Do(func() { close(gate) }) }
	t.Cleanup(func() {
		release()
		ts.Close()
	})
	return &emulatortest.Server{Server: srv, URL: ts.URL, Demo: demo}, arrived, release
}

func TestApplyLockDoesNotDependOnTheStateDirectory(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// second returns the second apply's arguments (after the common
		// ones) and its MLABCTL_STATE_DIR, given a fresh directory.
		second func(tmp string) (args []string, stateEnv string)
	}{
		{name: "--secrets-out in another directory", second: func(tmp string) ([]string, string) {
			return []string{"--secrets-out", filepath.Join(tmp, "s.json")}, ""
		}},
		{name: "another --state-dir", second: func(tmp string) ([]string, string) {
			return []string{"--secrets-out", filepath.Join(tmp, "s.json"), "--state-dir", filepath.Join(tmp, "state")}, ""
		}},
		{name: "another MLABCTL_STATE_DIR", second: func(tmp string) ([]string, string) {
			return []string{"--secrets-out", filepath.Join(tmp, "s.json")}, filepath.Join(tmp, "state")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			em, arrived, release := gatedEmulator(t, false)
			xdg := t.TempDir()
			firstSecrets := filepath.Join(t.TempDir(), "s.json")
			env1 := clitest.DemoEnv(em)
			env1["MLABCTL_STATE_DIR"] = ""
			env1["XDG_STATE_HOME"] = xdg
			first := clitest.Start(t, clitest.Invocation{
				// --parallelism 1: nothing else of the first apply moves while its create waits.
				Args: []string{"apply", "--auto-approve", "--parallelism", "1", "--secrets-out", firstSecrets, "-f", clitest.ExampleFile()},
				Env:  env1,
			})
			<-arrived // the first apply holds its locks and waits for its first create's answer
			before := len(em.Mutations())

			tmp := t.TempDir()
			args, stateEnv := tt.second(tmp)
			env2 := clitest.DemoEnv(em)
			env2["MLABCTL_STATE_DIR"] = stateEnv
			env2["XDG_STATE_HOME"] = xdg
			res := clitest.Run(t, clitest.Invocation{
				Args: append([]string{"apply", "--auto-approve", "--lock-timeout", "0", "-f", clitest.ExampleFile()}, args...),
				Env:  env2,
			})
			if res.Code != 1 {
				t.Errorf("second apply: exit %d, want 1\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
			}
			if !strings.Contains(res.Stderr, "another apply of account") || !strings.Contains(res.Stderr, "nothing was changed") {
				t.Errorf("second apply does not say another apply of the account runs:\n%s", res.Stderr)
			}
			if after := len(em.Mutations()); after != before {
				t.Errorf("the refused apply changed the account: %v", em.Mutations()[before:])
			}
			if _, err := os.Stat(filepath.Join(tmp, "s.json")); err == nil {
				t.Error("the refused apply wrote its secrets file")
			}

			release()
			if res := first.Wait(); res.Code != 0 {
				t.Fatalf("first apply: exit %d\n%s", res.Code, res.Stderr)
			}
			clitest.AssertConverged(t, em, clitest.ExampleFile(), "the first apply")
			// The per-user lock is where the docs say, private.
			lock := apply.UserLockPath(filepath.Join(xdg, "mlabctl"), em.URL, em.Demo.Username)
			for _, p := range []string{filepath.Join(xdg, "mlabctl"), filepath.Dir(lock)} {
				if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o700 {
					t.Errorf("%s: %v (err %v), want a 0700 directory", p, fi.Mode(), err)
				}
			}
			if _, err := os.Stat(lock); err != nil {
				t.Errorf("no per-user lock file: %v", err)
			}
		})
	}
}

func TestApplyWithoutAPerUserRootWarnsAndLocksTheStateDirectory(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	env := clitest.DemoEnv(em)
	env["XDG_STATE_HOME"] = "" // and no HOME: clitest's environment is only what a test gives
	res := clitest.Run(t, clitest.Invocation{
		Args: []string{"apply", "--auto-approve", "--secrets-out", filepath.Join(t.TempDir(), "s.json"), "-f", clitest.ExampleFile()},
		Env:  env,
	})
	if res.Code != 0 {
		t.Fatalf("exit %d\n%s", res.Code, res.Stderr)
	}
	if n := strings.Count(res.Stderr, "Warning: no per-user lock of account"); n != 1 {
		t.Errorf("%d warnings of the missing per-user lock, want 1:\n%s", n, res.Stderr)
	}
	if !strings.Contains(res.Stderr, "neither $XDG_STATE_HOME nor $HOME is set") {
		t.Errorf("the warning does not say why:\n%s", res.Stderr)
	}
	clitest.AssertConverged(t, em, clitest.ExampleFile(), "apply")
}

func TestPlanDuringAnApplyLeavesItsJournalAlone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// stateEnv is plan's MLABCTL_STATE_DIR given the apply's: the
		// same (its journal has the open entry), or another (the per-user
		// lock still shows the apply runs).
		stateEnv func(applyState, tmp string) string
	}{
		{name: "the apply's state directory", stateEnv: func(applyState, _ string) string { return applyState }},
		{name: "another state directory", stateEnv: func(_, tmp string) string { return tmp }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			em, arrived, release := gatedEmulator(t, true)
			xdg, state := t.TempDir(), t.TempDir()
			env := clitest.DemoEnv(em)
			env["MLABCTL_STATE_DIR"] = state
			env["XDG_STATE_HOME"] = xdg
			secrets := filepath.Join(t.TempDir(), "s.json")
			// --target: the apply's first create is a new key, not half a
			// rotation (two live keys of one name mid-rotation are a refusal
			// for any plan that cannot read the journal).
			running := clitest.Start(t, clitest.Invocation{
				Args: []string{"apply", "--auto-approve", "--parallelism", "1", "--target", "api_key.staging", "--secrets-out", secrets, "-f", clitest.ExampleFile()},
				Env:  env,
			})
			<-arrived // the apply's first create is made and journaled; its answer is on its way
			if j, err := apply.ReadJournal(apply.AccountStateDir(state, em.URL, em.Demo.Username)); err != nil || j == nil {
				t.Fatalf("the running apply has no journal: %v", err)
			}

			penv := clitest.DemoEnv(em)
			penv["MLABCTL_STATE_DIR"] = tt.stateEnv(state, t.TempDir())
			penv["XDG_STATE_HOME"] = xdg
			before := len(em.Mutations())
			res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", clitest.ExampleFile()}, Env: penv})
			if res.Code != 0 {
				t.Fatalf("plan: exit %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
			}
			want := fmt.Sprintf("note: an apply of account %q at %s is running (pid %d on ", em.Demo.Username, em.URL, os.Getpid())
			if !strings.Contains(res.Stderr, want) || !strings.Contains(res.Stderr, "this plan may change when it finishes") {
				t.Errorf("plan does not say an apply is running (%q):\n%s", want, res.Stderr)
			}
			for _, bad := range []string{"the next apply settles it", "never received", "interrupted apply"} {
				if strings.Contains(res.Stderr+res.Stdout, bad) {
					t.Errorf("plan treats the running apply's create as interrupted (%q):\nstdout:\n%s\nstderr:\n%s", bad, res.Stdout, res.Stderr)
				}
			}
			if after := len(em.Mutations()); after != before {
				t.Errorf("plan changed the account: %v", em.Mutations()[before:])
			}

			release()
			if res := running.Wait(); res.Code != 0 {
				t.Fatalf("apply: exit %d\n%s", res.Code, res.Stderr)
			}
			if keys := em.KeysNamed(em.Demo.Username, "staging"); len(keys) != 1 {
				t.Errorf("%d keys named staging after the apply, want 1", len(keys))
			}
			// With no apply running, plan reads the journal again and says nothing of one.
			res = clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", clitest.ExampleFile()}, Env: penv})
			if res.Code != 0 || strings.Contains(res.Stderr, "is running") {
				t.Errorf("plan after the apply: exit %d\n%s", res.Code, res.Stderr)
			}
		})
	}
}
