package e2e

// End-to-end tests of `mlabctl apply` that need the real binary: the
// README's demo command, run as a user would in a directory of their own,
// and a real Ctrl-C. apply's other tests run in-process in
// internal/cli/applycmd.

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
)

func TestApplyReadmeDemo(t *testing.T) {
	t.Parallel()
	// The README's first command, run as a user would: in a directory with
	// examples/modelslab.yaml, nothing in the environment.
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(exampleFile)), 0o755); err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile(exampleFile)
	if err != nil {
		t.Fatal(err)
	}
	clitest.WriteFile(t, dir, exampleFile, string(example))
	res := runCLI(t, cliRun{Args: []string{"apply", "--emulator", "--auto-approve", "--secrets-out", "demo-secrets.json", "-f", exampleFile}, Dir: dir})
	if res.Code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
	for _, want := range []string{
		"Plan: 2 to create, 5 to update, 3 to delete, 1 to replace, 1 to resend.",
		"Apply complete: 2 created, 5 updated, 3 deleted, 1 replaced, 1 resent.",
		"Planning again against the same emulator",
	} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, res.Stdout)
		}
	}
	if !strings.HasSuffix(res.Stdout, "No changes. The account matches modelslab.yaml.\n") {
		t.Errorf("stdout does not end with the empty second plan:\n%s", res.Stdout)
	}
	if !strings.Contains(res.Stderr, "throwaway emulator") {
		t.Errorf("stderr does not say the emulator is throwaway:\n%s", res.Stderr)
	}
	clitest.ReadFileWithMode(t, filepath.Join(dir, "demo-secrets.json"), 0o600)
	keys := clitest.ReadSecretsFile(t, filepath.Join(dir, "demo-secrets.json"))
	if len(keys) != 2 || keys["ci"] == "" || keys["staging"] == "" {
		t.Errorf("demo-secrets.json holds %d keys, want ci and staging", len(keys))
	}
	for name, k := range keys {
		if strings.Contains(res.Stdout+res.Stderr, k) {
			t.Errorf("the secret of %q is in the output", name)
		}
	}
}

// TestApplyInterrupted: Ctrl-C (SIGINT) during an apply finishes the call
// in flight, starts nothing new, and reports what was done (exit 4).
func TestApplyInterrupted(t *testing.T) {
	t.Parallel()
	// Slow calls, one at a time, so that Ctrl-C lands mid-apply.
	em := emulatortest.Start(t, func(s *emulator.Server) { s.Latency = 150 * time.Millisecond })
	secrets := filepath.Join(t.TempDir(), "s.json")
	p := startCLI(t, cliRun{Args: []string{"apply", "--auto-approve", "--parallelism", "1", "--secrets-out", secrets, "-f", exampleFile}, Env: clitest.DemoEnv(em)})
	var out strings.Builder
	sc := bufio.NewScanner(p.Stdout)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if strings.HasPrefix(sc.Text(), "~ profile: updated") {
			// Two account calls are done; the third is in flight or next.
			p.Signal(t, os.Interrupt)
			break
		}
	}
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
	}
	code, stderr := p.Wait(t)
	if code != cmdutil.ExitPartial {
		t.Fatalf("exit %d, want 4\nstdout:\n%s\nstderr:\n%s", code, out.String(), stderr)
	}
	if !strings.Contains(out.String(), "Apply interrupted:") || !strings.Contains(out.String(), "not started: apply was interrupted") || strings.Contains(out.String(), "secrets were written") {
		t.Errorf("no interrupted summary:\n%s", out.String())
	}
	// Said at once, on stderr, before the call in flight returned.
	if n := strings.Count(stderr, "Interrupted: stopping after the calls in flight; press Ctrl-C again to stop waiting."); n != 1 {
		t.Errorf("the interrupt notice is on stderr %d times, want once:\n%s", n, stderr)
	}
	// Nothing started after the interrupt: at most the call in flight then.
	if m := em.Mutations(); len(m) > 3 {
		t.Errorf("%d mutations after an interrupt during the third: %v", len(m), m)
	}
	// A re-run converges.
	if res := runCLI(t, cliRun{Args: []string{"apply", "--auto-approve", "--secrets-out", secrets, "-f", exampleFile}, Env: clitest.DemoEnv(em)}); res.Code != 0 {
		t.Fatalf("re-run: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	clitest.AssertConverged(t, em, exampleFile, "the re-run")
}
