package applycmd_test

// The per-user account lock: two applies of one account by one user on one
// machine exclude each other whatever their state directories, because
// each also takes the lock of the account under the per-user state root
// ($XDG_STATE_HOME/mlabctl/locks, which clitest points at a directory of
// the test).

import (
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
// the test closes release, so that an apply is held in the middle of its
// run (holding its locks); arrived is closed when that create arrives.
// Every other request is served at once. release may be called again (the
// test's end calls it too).
func gatedEmulator(t *testing.T) (em *emulatortest.Server, arrived chan struct{}, release func()) {
	t.Helper()
	srv := emulator.New()
	demo := srv.SeedDemo()
	arrived, gate := make(chan struct{}), make(chan struct{})
	var gated atomic.Bool // not a sync.Once: the creates after the first must not wait for it
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/api-keys") && gated.CompareAndSwap(false, true) {
			close(arrived)
			<-gate
		}
		srv.ServeHTTP(w, r)
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
			em, arrived, release := gatedEmulator(t)
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
