package e2e

// The two-level interrupt of apply on the real binary: the first SIGINT is
// answered at once; a second signal (SIGTERM after SIGINT, as a CI
// cancellation sends them) waits at most 2s for the answers arriving, then
// exits 130 naming what is unknown, with the secrets of the answered
// creates in the secrets file; a third quits at once. The next apply
// settles what was left.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
)

func TestApplySecondSignal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		signals []os.Signal
		wantErr []string
	}{
		{name: "SIGINT then SIGTERM", signals: []os.Signal{os.Interrupt, syscall.SIGTERM}, wantErr: []string{
			"Interrupted again: waiting at most 2s for the answers already arriving, then stopping.",
			"the outcome of 1 action(s) still running is unknown: api_key.",
			"the next apply settles them from its journal (",
		}},
		{name: "two Ctrl-C", signals: []os.Signal{os.Interrupt, os.Interrupt}, wantErr: []string{
			"the outcome of 1 action(s) still running is unknown: api_key.",
		}},
		{name: "a third signal quits at once", signals: []os.Signal{os.Interrupt, syscall.SIGTERM, os.Interrupt}, wantErr: []string{
			"mlabctl: interrupted three times, quitting now; the next apply settles what this one left.",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// A slow emulator (mlabctl emulator --latency 200ms), and the
			// second key create held until the test lets it go: it is the
			// call in flight whose answer does not arrive in time.
			em := startEmulator(t, func(s *emulator.Server) { s.Latency = 200 * time.Millisecond })
			api := emulatortest.StartGate(t, em, emulatortest.HoldRoute(http.MethodPost, "/api-keys", 1))
			env := clitest.DemoEnv(em)
			env[cmdutil.EnvBaseURL] = api.URL
			env[cmdutil.EnvStateDir] = filepath.Join(t.TempDir(), "state")
			secrets := filepath.Join(t.TempDir(), "secrets.json")
			args := []string{"apply", "--auto-approve", "--parallelism", "1", "--secrets-out", secrets, "-f", exampleFile}
			p := startWatched(t, env, args...)
			eventually(t, "the second create is in flight", func() bool { return api.Waiting() == 1 })
			for i, sig := range tt.signals {
				if err := p.cmd.Process.Signal(sig); err != nil {
					t.Fatal(err)
				}
				if i == 0 {
					// Answered at once, while the call is still held.
					eventually(t, "the first signal is answered", func() bool {
						return strings.Contains(p.stderr.String(), "Interrupted: stopping after the calls in flight; press Ctrl-C again to stop waiting.")
					})
				}
			}
			code := p.wait(t)
			stderr := p.stderr.String()
			if code != cmdutil.ExitForced {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, cmdutil.ExitForced, p.stdout.String(), stderr)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr does not say %q:\n%s", want, stderr)
				}
			}
			// The create that answered before the signals has its live
			// secret in the file.
			var saved map[string]string
			if err := json.Unmarshal([]byte(readOptional(t, secrets)), &saved); err != nil || len(saved) != 1 {
				t.Fatalf("secrets file: %v, %d keys, want 1", err, len(saved))
			}
			for name, value := range saved {
				if !slices.ContainsFunc(em.KeysNamed(em.Demo.Username, name), func(k emulator.Key) bool { return k.Key == value }) {
					t.Errorf("the secret of %q is not a live key's", name)
				}
			}
			assertNoSecrets(t, "the output", p.stdout.String()+stderr, append(values(saved), em.Demo.Token))

			// The held create now commits, its answer read by nobody; the
			// next apply settles it and converges, every key once, each
			// secret in the file the live one.
			api.Release()
			res := runCLI(t, cliRun{Args: args, Env: env})
			if res.Code != 0 {
				t.Fatalf("the next apply: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
			}
			assertOnceEach(t, em, secrets)
			clitest.AssertConverged(t, em, exampleFile, "the next apply")
		})
	}
}

// values returns m's values.
func values(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// TestForcedStopSafetyNet: apply stopped by a second signal must end even
// when what follows Run does not (here: logging out its temporary token,
// whose answer never comes): cmdutil.ForceExitAfter after the second
// signal, the process restores the terminal and exits 130 itself.
func TestForcedStopSafetyNet(t *testing.T) {
	t.Parallel()
	em := startEmulator(t)
	// The second create, and the logout of the run's temporary token.
	createAfterFirst := emulatortest.HoldRoute(http.MethodPost, "/api-keys", 1)
	gate := emulatortest.StartGate(t, em, func(r *http.Request) bool {
		return createAfterFirst(r) || (r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/auth/logout"))
	})
	env := map[string]string{
		cmdutil.EnvBaseURL:  gate.URL,
		cmdutil.EnvEmail:    em.Demo.Email,
		cmdutil.EnvPassword: em.Demo.Password,
		cmdutil.EnvStateDir: filepath.Join(t.TempDir(), "state"),
	}
	secrets := filepath.Join(t.TempDir(), "secrets.json")
	p := startWatched(t, env, "apply", "--auto-approve", "--parallelism", "1", "--secrets-out", secrets, "-f", exampleFile)
	eventually(t, "the second create is in flight", func() bool { return gate.Waiting() == 1 })
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the first signal is answered", func() bool { return strings.Contains(p.stderr.String(), "Interrupted: stopping") })
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	code := p.wait(t)
	stderr := p.stderr.String()
	if code != cmdutil.ExitForced {
		t.Fatalf("exit %d, want %d\nstderr:\n%s", code, cmdutil.ExitForced, stderr)
	}
	want := fmt.Sprintf("mlabctl: still not stopped %v after the second interrupt, quitting now", cmdutil.ForceExitAfter)
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr does not say %q:\n%s", want, stderr)
	}
	// The summary came first: the net caught only the logout.
	if !strings.Contains(p.stdout.String(), "Apply forced to stop:") {
		t.Errorf("no summary before the safety net:\n%s", p.stdout.String())
	}
	if n := gate.Waiting(); n != 2 {
		t.Errorf("%d requests held, want the create and the logout", n)
	}
}
