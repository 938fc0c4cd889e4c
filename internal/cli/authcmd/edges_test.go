package authcmd_test

// In-process tests of the rough edges a new user hit in `mlabctl auth`: the
// end of the login report, and Ctrl-C at the password prompt.

import (
	"context"
	"strings"
	"testing"

	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
)

// TestLoginReportEndsWithTheToken: the API key the login answer carries is
// one of the account's keys, unnamed, which apply manages by name; the
// report does not end with an unexplained "API key ml-…" line.
func TestLoginReportEndsWithTheToken(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	for _, args := range [][]string{
		{"auth", "login", "--password-stdin"},
		{"auth", "login", "--password-stdin", "--print-token"},
	} {
		t.Run(strings.Join(args[2:], " "), func(t *testing.T) {
			res := clitest.Run(t, clitest.Invocation{
				Args:  args,
				Env:   map[string]string{cmdutil.EnvBaseURL: em.URL, cmdutil.EnvEmail: em.Demo.Email},
				Stdin: em.Demo.Password + "\n",
			})
			if res.Code != 0 {
				t.Fatalf("exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
			}
			report := res.Stdout
			if strings.Contains(strings.Join(args, " "), "--print-token") {
				report = res.Stderr
			}
			lines := strings.Split(strings.TrimSpace(report), "\n")
			if !strings.HasPrefix(lines[0], "Logged in as ") {
				t.Errorf("the report starts with %q", lines[0])
			}
			for _, l := range lines {
				if strings.HasPrefix(l, "API key") {
					t.Errorf("orphan API key line %q in\n%s", l, report)
				}
			}
		})
	}
}

// TestCtrlCAtThePasswordPrompt: Ctrl-C while the terminal waits for the
// password says "interrupted", not "context canceled", sends nothing, and
// exits 1.
func TestCtrlCAtThePasswordPrompt(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	never := make(chan struct{})
	t.Cleanup(func() { close(never) })
	res := clitest.Run(t, clitest.Invocation{
		Args:     []string{"auth", "login", "--email", em.Demo.Email},
		Env:      map[string]string{cmdutil.EnvBaseURL: em.URL},
		StdinTTY: true,
		// The user presses Ctrl-C instead of typing.
		Password: func() ([]byte, error) { cancel(); <-never; return nil, nil },
		Context:  ctx,
	})
	if res.Code != cmdutil.ExitError {
		t.Errorf("exit %d, want 1", res.Code)
	}
	if want := "Password: \nError: interrupted at the password prompt; nothing was sent\n"; res.Stderr != want {
		t.Errorf("stderr %q, want %q", res.Stderr, want)
	}
	if n := em.Count("POST /auth/login"); n != 0 {
		t.Errorf("%d logins were sent", n)
	}
}
