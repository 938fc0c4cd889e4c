package e2e

// The account lock between real processes of the built binary: a second
// apply of one account waits for the first and then finds nothing to do,
// or gives up (--lock-timeout) or is interrupted having touched nothing;
// a holder killed with SIGKILL never blocks the next apply. A gate in front
// of the emulator (emulatortest.Gate) holds the first apply right after it
// took the lock (its read of the API keys), so that each case is decided,
// not raced.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/apply"
	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
)

// watched is a run of the binary whose output the test reads while it runs.
type watched struct {
	cmd            *exec.Cmd
	stdout, stderr clitest.Buffer
	done           chan struct{}
	code           int
}

func startWatched(t *testing.T, env map[string]string, args ...string) *watched {
	t.Helper()
	w := &watched{cmd: exec.Command(binPath, args...), done: make(chan struct{})}
	w.cmd.Env = childEnv(t, env)
	w.cmd.Stdout, w.cmd.Stderr = &w.stdout, &w.stderr
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(w.done)
		err := w.cmd.Wait()
		if ee, ok := err.(*exec.ExitError); ok {
			w.code = ee.ExitCode()
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				w.code = -int(ws.Signal())
			}
		}
	}()
	t.Cleanup(func() {
		_ = w.cmd.Process.Kill()
		<-w.done
	})
	return w
}

func (w *watched) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-w.done:
	case <-time.After(2 * time.Minute):
		t.Fatalf("mlabctl did not end\nstdout:\n%s\nstderr:\n%s", w.stdout.String(), w.stderr.String())
	}
	return w.code
}

func (w *watched) exited() bool {
	select {
	case <-w.done:
		return true
	default:
		return false
	}
}

// eventually polls cond until it holds, failing the test after a minute.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// lockPID is the pid the account lock under root names (0: none).
func lockPID(root, baseURL, account string) int {
	b, err := os.ReadFile(filepath.Join(apply.AccountStateDir(root, baseURL, account), "lock"))
	if err != nil {
		return 0
	}
	var h apply.LockHolder
	if json.Unmarshal(bytes.TrimSpace(b), &h) != nil {
		return 0
	}
	return h.PID
}

// assertOnceEach fails unless every key of the example exists exactly once
// and the secrets file holds the live secret of each key it names.
func assertOnceEach(t *testing.T, em *testEmulator, secrets string) {
	t.Helper()
	for _, name := range []string{"production", "ci", "staging"} {
		if n := len(em.KeysNamed(em.Demo.Username, name)); n != 1 {
			t.Errorf("%d live keys named %q, want 1", n, name)
		}
	}
	var saved map[string]string
	if err := json.Unmarshal([]byte(readOptional(t, secrets)), &saved); err != nil {
		t.Fatalf("secrets file: %v", err)
	}
	if len(saved) == 0 {
		t.Error("the secrets file holds no key")
	}
	for name, value := range saved {
		keys := em.KeysNamed(em.Demo.Username, name)
		if len(keys) != 1 || keys[0].Key != value {
			t.Errorf("the secrets file's %q is not the secret of its one live key", name)
		}
	}
}

func TestApplyLockAcrossProcesses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string // of the second apply
		// interrupt: SIGINT to the second once it waits.
		interrupt bool
		wantCode  int
		wantErr   string
	}{
		{name: "the second waits, then finds nothing to do", wantCode: 0, wantErr: "Waiting for another apply of"},
		{name: "--lock-timeout passes", args: []string{"--lock-timeout", "300ms"}, wantCode: 1, wantErr: "is still running after --lock-timeout 300ms"},
		{name: "--lock-timeout 0", args: []string{"--lock-timeout", "0"}, wantCode: 1, wantErr: "--lock-timeout 0 does not wait; nothing was changed"},
		{name: "Ctrl-C while waiting", interrupt: true, wantCode: 1, wantErr: "interrupted while waiting for another apply of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			em := startEmulator(t)
			api := emulatortest.StartGate(t, em, emulatortest.HoldRoute(http.MethodGet, "/api-keys", 0))
			env := clitest.DemoEnv(em)
			env["MODELSLAB_BASE_URL"] = api.URL
			// One secrets file for both, and so one state root beside it.
			dir := t.TempDir()
			secrets := filepath.Join(dir, "secrets.json")
			root := filepath.Join(dir, ".mlabctl-state")
			args := []string{"apply", "--auto-approve", "--secrets-out", secrets, "-f", exampleFile}

			first := startWatched(t, env, args...)
			eventually(t, "the first apply holds the lock and reads the keys", func() bool {
				return lockPID(root, api.URL, em.Demo.Username) == first.cmd.Process.Pid && api.Waiting() == 1
			})
			second := startWatched(t, env, append(args, tt.args...)...)
			if tt.wantCode == 0 || tt.interrupt {
				eventually(t, "the second apply says it waits", func() bool { return strings.Contains(second.stderr.String(), "Waiting for another apply of") })
			}
			if tt.interrupt {
				if err := second.cmd.Process.Signal(os.Interrupt); err != nil {
					t.Fatal(err)
				}
			}
			if tt.wantCode != 0 {
				// Decided while the first still holds the lock, before it
				// changed anything: the second touched nothing.
				if code := second.wait(t); code != tt.wantCode {
					t.Fatalf("second apply: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, second.stdout.String(), second.stderr.String())
				}
				if m := em.Mutations(); len(m) != 0 {
					t.Errorf("mutations while the first apply was held: %v", m)
				}
				if out := second.stdout.String(); out != "" {
					t.Errorf("the refused apply printed a plan:\n%s", out)
				}
			}
			if second.exited() && tt.wantCode == 0 {
				t.Fatalf("the second apply ended while the first held the lock: exit %d\n%s", second.code, second.stderr.String())
			}
			api.Release()
			if code := first.wait(t); code != 0 {
				t.Fatalf("first apply: exit %d\nstdout:\n%s\nstderr:\n%s", code, first.stdout.String(), first.stderr.String())
			}
			if code := second.wait(t); code != tt.wantCode {
				t.Fatalf("second apply: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, second.stdout.String(), second.stderr.String())
			}
			stderr := second.stderr.String()
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("the second apply's stderr does not say %q:\n%s", tt.wantErr, stderr)
			}
			if holder := fmt.Sprintf("(pid %d on ", first.cmd.Process.Pid); !tt.interrupt && !strings.Contains(stderr, holder) {
				t.Errorf("the second apply does not name the holder %q:\n%s", holder, stderr)
			}
			if tt.wantCode == 0 && !strings.Contains(second.stdout.String(), "No changes.") {
				t.Errorf("the second apply, run after the first, found changes:\n%s", second.stdout.String())
			}
			assertOnceEach(t, em, secrets)
			clitest.AssertConverged(t, em, exampleFile, "both applies")
			if pid := lockPID(root, api.URL, em.Demo.Username); pid != 0 {
				t.Errorf("the released lock still names pid %d", pid)
			}
		})
	}
}

// TestApplyLockOfAKilledHolder: kill -9 of the apply holding the lock
// releases it; the next apply takes it without waiting (--lock-timeout 0
// would refuse otherwise) and converges.
func TestApplyLockOfAKilledHolder(t *testing.T) {
	t.Parallel()
	em := startEmulator(t)
	api := emulatortest.StartGate(t, em, emulatortest.HoldRoute(http.MethodGet, "/api-keys", 0))
	env := clitest.DemoEnv(em)
	env["MODELSLAB_BASE_URL"] = api.URL
	env["MLABCTL_STATE_DIR"] = filepath.Join(t.TempDir(), "state")
	secrets := filepath.Join(t.TempDir(), "secrets.json")
	args := []string{"apply", "--auto-approve", "--secrets-out", secrets, "-f", exampleFile}

	first := startWatched(t, env, args...)
	eventually(t, "the first apply holds the lock", func() bool {
		return lockPID(env["MLABCTL_STATE_DIR"], api.URL, em.Demo.Username) == first.cmd.Process.Pid && api.Waiting() == 1
	})
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if code := first.wait(t); code != -int(syscall.SIGKILL) {
		t.Fatalf("the first apply was not killed: %d", code)
	}
	api.Release()
	if m := em.Mutations(); len(m) != 0 {
		t.Fatalf("the killed apply had changed %v", m)
	}
	// The lock file still names the dead holder: it is the flock that
	// counts, and the system dropped it with the process.
	if pid := lockPID(env["MLABCTL_STATE_DIR"], api.URL, em.Demo.Username); pid != first.cmd.Process.Pid {
		t.Fatalf("lock file names pid %d after the kill, want the dead %d (the test would prove nothing)", pid, first.cmd.Process.Pid)
	}
	res := runCLI(t, cliRun{Args: append(args, "--lock-timeout", "0"), Env: env})
	if res.Code != 0 {
		t.Fatalf("apply after the holder was killed: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	if strings.Contains(res.Stderr, "another apply") || strings.Contains(res.Stderr, "Waiting") {
		t.Errorf("a dead holder blocked the next apply:\n%s", res.Stderr)
	}
	assertOnceEach(t, em, secrets)
	clitest.AssertConverged(t, em, exampleFile, "the apply after the kill")
}

// TestTwoStaggeredApplies is the overlap of issue 11 with nothing staged:
// the same apply started twice, 0.1 to 0.3 s apart, against a slow
// emulator that does not replay idempotent requests, with one secrets
// file. One waits for the other and finds nothing to do; every key exists
// once; the secrets file holds each new key's live secret.
func TestTwoStaggeredApplies(t *testing.T) {
	t.Parallel()
	trials := 3
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	t.Logf("seed %d, %d trials", seed, trials)
	for trial := range trials {
		stagger := time.Duration(100+rng.IntN(201)) * time.Millisecond
		t.Run(fmt.Sprintf("trial %d, %v apart", trial, stagger), func(t *testing.T) {
			em := startEmulator(t, func(s *emulator.Server) { s.Latency = 200 * time.Millisecond; s.IgnoreIdempotency = true })
			secrets := filepath.Join(t.TempDir(), "secrets.json")
			args := []string{"apply", "--auto-approve", "--secrets-out", secrets, "-f", exampleFile}
			env := clitest.DemoEnv(em)
			a := startWatched(t, env, args...)
			time.Sleep(stagger)
			b := startWatched(t, env, args...)
			codeA, codeB := a.wait(t), b.wait(t)
			if codeA != 0 || codeB != 0 {
				t.Fatalf("exits %d and %d, want 0 and 0\nfirst:\n%s%s\nsecond:\n%s%s", codeA, codeB, a.stdout.String(), a.stderr.String(), b.stdout.String(), b.stderr.String())
			}
			waited := 0
			for _, w := range []*watched{a, b} {
				if strings.Contains(w.stderr.String(), "Waiting for another apply of") {
					waited++
					if !strings.Contains(w.stdout.String(), "No changes.") {
						t.Errorf("the apply that waited found changes:\n%s", w.stdout.String())
					}
				}
			}
			if waited != 1 {
				t.Errorf("%d applies waited, want exactly 1\nfirst:\n%s\nsecond:\n%s", waited, a.stderr.String(), b.stderr.String())
			}
			assertOnceEach(t, em, secrets)
			clitest.AssertConverged(t, em, exampleFile, "two staggered applies")
		})
	}
}
