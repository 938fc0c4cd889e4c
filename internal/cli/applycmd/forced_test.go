package applycmd_test

// The second interrupt in-process (clitest.Running.Force): apply waits at
// most cmdutil.ForceGrace for the answers already arriving, records their
// secrets, names what is unknown and exits 130; the next apply settles it.
// The real signals (SIGINT then SIGTERM) are e2e's (e2e_interrupt_test.go).

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
)

func TestApplyForcedStop(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// releaseInGrace lets the held create answer 300ms after the
		// second interrupt, within the grace.
		releaseInGrace bool
		wantUnknown    bool
		// wantSummary heads the summary: nothing is unknown when every
		// call answered within the grace.
		wantSummary string
	}{
		{name: "an answer arriving within the grace is recorded", releaseInGrace: true, wantSummary: "Apply interrupted:"},
		{name: "a call still running after the grace is unknown", wantUnknown: true, wantSummary: "Apply forced to stop:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			em := emulatortest.Start(t)
			gate := emulatortest.StartGate(t, em, emulatortest.HoldRoute(http.MethodPost, "/api-keys", 1))
			env := clitest.DemoEnv(em)
			env[cmdutil.EnvBaseURL] = gate.URL
			env[cmdutil.EnvStateDir] = t.TempDir()
			secrets := filepath.Join(t.TempDir(), "s.json")
			args := []string{"apply", "--auto-approve", "--parallelism", "1", "--secrets-out", secrets, "-f", clitest.ExampleFile()}
			r := clitest.Start(t, clitest.Invocation{Args: args, Env: env})
			deadline := time.Now().Add(time.Minute)
			for gate.Waiting() == 0 {
				if time.Now().After(deadline) {
					t.Fatalf("no create reached the gate\n%s", r.Stderr())
				}
				time.Sleep(5 * time.Millisecond)
			}
			r.Interrupt()
			waitFor(t, r, "Interrupted: stopping after the calls in flight; press Ctrl-C again to stop waiting.")
			if !r.Force() {
				t.Fatal("apply did not hold the second interrupt: a real process would have quit at once")
			}
			waitFor(t, r, "Interrupted again: waiting at most 2s for the answers already arriving")
			if tt.releaseInGrace {
				time.Sleep(300 * time.Millisecond)
				gate.Release()
			}
			res := r.Wait()
			if res.Code != cmdutil.ExitForced {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", res.Code, cmdutil.ExitForced, res.Stdout, res.Stderr)
			}
			if !strings.Contains(res.Stdout, tt.wantSummary) {
				t.Errorf("the summary does not start %q:\n%s", tt.wantSummary, res.Stdout)
			}
			if !tt.wantUnknown && !strings.Contains(res.Stderr, "every call in flight answered within the wait") {
				t.Errorf("stderr does not say that nothing is unknown:\n%s", res.Stderr)
			}
			unknownLine := "the outcome of 1 action(s) still running is unknown: api_key."
			if got := strings.Contains(res.Stderr, unknownLine); got != tt.wantUnknown {
				t.Errorf("stderr names an unknown action: %v, want %v\n%s", got, tt.wantUnknown, res.Stderr)
			}
			if tt.wantUnknown && !strings.Contains(res.Stderr, "the next apply settles them from its journal (") {
				t.Errorf("stderr does not say the next apply settles it:\n%s", res.Stderr)
			}
			// Every key whose create answered has its live secret in the
			// file: the one before the gate, and the released one.
			var saved map[string]string
			if err := json.Unmarshal([]byte(clitest.ReadOptional(t, secrets)), &saved); err != nil {
				t.Fatalf("secrets file: %v", err)
			}
			want := 1
			if tt.releaseInGrace {
				want = 2
			}
			if len(saved) != want {
				t.Errorf("the secrets file holds %d keys, want %d", len(saved), want)
			}
			// (A replace stopped halfway leaves its old key beside the new.)
			for name, value := range saved {
				if !slices.ContainsFunc(em.KeysNamed(em.Demo.Username, name), func(k emulator.Key) bool { return k.Key == value }) {
					t.Errorf("secret of %q is not a live key's", name)
				}
			}
			clitest.AssertRunHasNoSecrets(t, em, res)

			// The held create commits now (if it had not), with nobody to
			// read its answer; the next apply settles it and converges.
			gate.Release()
			again := clitest.Run(t, clitest.Invocation{Args: args, Env: env})
			if again.Code != 0 {
				t.Fatalf("the next apply: exit %d\nstdout:\n%s\nstderr:\n%s", again.Code, again.Stdout, again.Stderr)
			}
			for _, name := range []string{"production", "ci", "staging"} {
				if n := len(em.KeysNamed(em.Demo.Username, name)); n != 1 {
					t.Errorf("%d live keys named %q after the next apply, want 1", n, name)
				}
			}
			saved = nil
			if err := json.Unmarshal([]byte(clitest.ReadOptional(t, secrets)), &saved); err != nil {
				t.Fatal(err)
			}
			for name, value := range saved {
				keys := em.KeysNamed(em.Demo.Username, name)
				if len(keys) != 1 || keys[0].Key != value {
					t.Errorf("after the next apply, the secret of %q is not its one live key's", name)
				}
			}
			res2 := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "--detailed-exitcode", "-f", clitest.ExampleFile()}, Env: env})
			if res2.Code != 0 {
				t.Errorf("plan after the next apply: exit %d\n%s%s", res2.Code, res2.Stdout, res2.Stderr)
			}
		})
	}
}
