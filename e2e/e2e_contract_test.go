package e2e

// End-to-end tests of the CONTRACT.md promises that need a real terminal:
// the built binary on a pseudo-terminal made by script(1). Every other
// promise's TestContract<Promise> runs in-process in
// internal/cli/contract_test.go.

import (
	"context"
	"errors"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
)

// contractOnTerminal runs the built binary with args on a pseudo-terminal made by
// util-linux script(1), so that stdin and stdout are terminals, and returns
// what the terminal showed and the exit code. It skips the test off Linux,
// where script(1) takes other arguments.
func contractOnTerminal(t *testing.T, env map[string]string, stdin string, args ...string) (string, int) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("script(1) of util-linux is needed for a pseudo-terminal")
	}
	clitest.RequireTool(t, "script")
	quoted := []string{contractShQuote(binPath)}
	for _, a := range args {
		quoted = append(quoted, contractShQuote(a))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "script", "-qec", strings.Join(quoted, " "), "/dev/null")
	cmd.Env = childEnv(t, env)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.Output()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	case err != nil:
		t.Fatalf("running mlabctl on a terminal: %v", err)
	}
	return string(out), 0
}

// contractShQuote quotes s for sh.
func contractShQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// TestContractNoColor: on a terminal the plan is coloured; --no-color
// (before or after the command) or a non-empty NO_COLOR turns colour off,
// for plan and for apply's plan and prompt.
func TestContractNoColor(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	withEnv := func(k, v string) map[string]string {
		env := clitest.DemoEnv(em)
		env[k] = v
		return env
	}
	tests := []struct {
		name      string
		env       map[string]string
		args      []string
		stdin     string
		wantCode  int
		wantColor bool
	}{
		{"plan on a terminal is coloured", clitest.DemoEnv(em), []string{"plan", "-f", exampleFile}, "", 0, true},
		{"plan --no-color", clitest.DemoEnv(em), []string{"plan", "--no-color", "-f", exampleFile}, "", 0, false},
		{"--no-color before plan", clitest.DemoEnv(em), []string{"--no-color", "plan", "-f", exampleFile}, "", 0, false},
		{"plan with NO_COLOR=1", withEnv(cmdutil.EnvNoColor, "1"), []string{"plan", "-f", exampleFile}, "", 0, false},
		{"plan with NO_COLOR=false (any non-empty value)", withEnv(cmdutil.EnvNoColor, "false"), []string{"plan", "-f", exampleFile}, "", 0, false},
		{"plan with an empty NO_COLOR", withEnv(cmdutil.EnvNoColor, ""), []string{"plan", "-f", exampleFile}, "", 0, true},
		{"declined apply on a terminal is coloured", clitest.DemoEnv(em), []string{"apply", "-f", exampleFile}, "no\n", cmdutil.ExitRefused, true},
		{"declined apply with NO_COLOR", withEnv(cmdutil.EnvNoColor, "1"), []string{"apply", "-f", exampleFile}, "no\n", cmdutil.ExitRefused, false},
		{"declined apply --no-color", clitest.DemoEnv(em), []string{"apply", "--no-color", "-f", exampleFile}, "no\n", cmdutil.ExitRefused, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, code := contractOnTerminal(t, tt.env, tt.stdin, tt.args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\n%s", code, tt.wantCode, out)
			}
			if !strings.Contains(out, "Plan: 2 to create, 5 to update, 3 to delete, 1 to replace, 1 to resend.") {
				t.Errorf("no plan on the terminal:\n%s", out)
			}
			if got := strings.Contains(out, "\x1b["); got != tt.wantColor {
				t.Errorf("colour escapes on the terminal: %v, want %v\n%q", got, tt.wantColor, out)
			}
			clitest.AssertNoSecrets(t, "the terminal", out, clitest.AccountSecrets(t, em, em.Demo.Username))
		})
	}
}

// TestContractSecretOnceOnATerminal: without --secrets-out, apply on a
// terminal shows each new key's secret once, and writes it nowhere else.
func TestContractSecretOnceOnATerminal(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	file := clitest.WriteSpec(t, "version: 1\napi_keys: [{name: fresh}]\nignore: {api_keys: [\"*\"]}\n")
	out, code := contractOnTerminal(t, clitest.DemoEnv(em), "yes\n", "apply", "-f", file)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	var secret string
	for _, k := range em.KeysNamed(em.Demo.Username, "fresh") {
		secret = k.Key
	}
	if secret == "" {
		t.Fatalf("no key fresh was created:\n%s", out)
	}
	if n := strings.Count(out, secret); n != 1 {
		t.Errorf("the new secret is shown %d times on the terminal, want once", n)
	}
}
