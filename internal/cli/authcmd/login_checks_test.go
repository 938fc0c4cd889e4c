package authcmd_test

import (
	"strings"
	"testing"

	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
)

// TestLoginExpiryAndScopes: `auth login` accepts the token lifetimes only
// the official CLI uses with a warning (a server reading the docs refuses
// them), refuses one nobody knows, and checks --scopes against GET
// /auth/scopes before it logs in.
func TestLoginExpiryAndScopes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		variants emulator.Variants
		args     []string
		code     int
		stderr   []string
		logins   int
	}{
		{name: "documented expiry", args: []string{"--expiry", "3_months"}, code: 0, logins: 1},
		{name: "6_months warns", args: []string{"--expiry", "6_months"}, code: 0, logins: 1,
			stderr: []string{`Warning: --expiry 6_months: token expiry "6_months" is not in the public API documentation`}},
		{name: "1_year warns, a documented server refuses", variants: emulator.Variants{TokenExpiries: "documented"}, args: []string{"--expiry", "1_year"}, code: 1, logins: 1,
			stderr: []string{`Warning: --expiry 1_year`, "token_expiry"}},
		{name: "unknown expiry", args: []string{"--expiry", "2_weeks"}, code: 1, logins: 0,
			stderr: []string{`invalid --expiry "2_weeks": use one of 1_week, 1_month, 3_months, 6_months, 1_year, never`}},
		{name: "unknown scope", args: []string{"--scopes", "profile:read,widgets:read"}, code: 1, logins: 0,
			stderr: []string{`invalid --scopes: the API does not know the scope "widgets:read" (GET /auth/scopes lists `}},
		{name: "known scopes", args: []string{"--scopes", "profile:read,api-keys:read"}, code: 0, logins: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			em := emulatortest.StartVariants(t, tc.variants)
			args := append([]string{"auth", "login", "--email", em.Demo.Email, "--password-stdin", "--print-token"}, tc.args...)
			res := clitest.Run(t, clitest.Invocation{Args: args, Env: map[string]string{cmdutil.EnvBaseURL: em.URL}, Stdin: em.Demo.Password + "\n"})
			if res.Code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", res.Code, tc.code, res.Stdout, res.Stderr)
			}
			for _, want := range tc.stderr {
				if !strings.Contains(res.Stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, res.Stderr)
				}
			}
			if len(tc.stderr) == 0 && strings.Contains(res.Stderr, "Warning") {
				t.Errorf("unexpected warning:\n%s", res.Stderr)
			}
			if n := em.Count("POST /auth/login"); n != tc.logins {
				t.Errorf("%d logins, want %d", n, tc.logins)
			}
		})
	}
}
