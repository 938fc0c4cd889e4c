//go:build unix

package authcmd_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/atomicfile/atomicfiletest"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
)

// outputCommand is an auth subcommand that writes a new token or API key
// to a file: args are its command line up to the path, route the request
// that issues the secret.
type outputCommand struct {
	name  string
	args  func(em *emulatortest.Server, path string) []string
	stdin func(em *emulatortest.Server) string
	route string
}

var outputCommands = []outputCommand{
	{
		name: "login --token-file",
		args: func(em *emulatortest.Server, p string) []string {
			return []string{"auth", "login", "--email", em.Demo.Email, "--password-stdin", "--token-file", p}
		},
		stdin: func(em *emulatortest.Server) string { return em.Demo.Password + "\n" },
		route: "POST /auth/login",
	},
	{
		name: "refresh --token-file",
		args: func(_ *emulatortest.Server, p string) []string {
			return []string{"auth", "refresh", "--expiry", "1_week", "--token-file", p}
		},
		route: "POST /auth/refresh",
	},
	{
		name: "switch-account --token-file",
		args: func(_ *emulatortest.Server, p string) []string {
			return []string{"auth", "switch-account", "--token-file", p, "acme-team"}
		},
		route: "POST /auth/switch-account",
	},
	{
		name: "verify-email --token-file",
		args: func(_ *emulatortest.Server, p string) []string {
			return []string{"auth", "verify-email", "--token-file", p, "123456"}
		},
		route: "POST /auth/verify-email",
	},
	{
		name: "verify-email --secrets-out",
		args: func(_ *emulatortest.Server, p string) []string {
			return []string{"auth", "verify-email", "--print-token", "--secrets-out", p, "123456"}
		},
		route: "POST /auth/verify-email",
	},
}

// TestOutputPathsRefused runs every auth output flag on what it must not
// write: exit 1 naming the path, before the request that would issue the
// secret (a token issued into nowhere is lost, and refresh would have
// revoked the old one), the path untouched and the account's tokens as
// they were.
func TestOutputPathsRefused(t *testing.T) {
	t.Parallel()
	for _, oc := range outputCommands {
		t.Run(oc.name, func(t *testing.T) {
			for _, sp := range atomicfiletest.Specials(t) {
				t.Run(sp.Name, func(t *testing.T) {
					t.Parallel()
					em := emulatortest.Start(t)
					tokens := em.TokenNames(t, em.Demo.Username)
					inv := clitest.Invocation{Args: oc.args(em, sp.Path), Env: clitest.DemoEnv(em)}
					if oc.stdin != nil {
						inv.Stdin = oc.stdin(em)
					}
					res := clitest.Run(t, inv)
					if res.Code != cmdutil.ExitError {
						t.Errorf("exit %d, want %d\nstdout %q\nstderr %q", res.Code, cmdutil.ExitError, res.Stdout, res.Stderr)
					}
					sp.Refusal(t, res.Stderr)
					sp.Unchanged(t)
					if n := em.Count(oc.route); n != 0 {
						t.Errorf("%s was sent %d times after the refusal", oc.route, n)
					}
					if diff := cmp.Diff(tokens, em.TokenNames(t, em.Demo.Username)); diff != "" {
						t.Errorf("the account's tokens changed (-before +after):\n%s", diff)
					}
				})
			}
		})
	}
}

// TestTokenFileThroughSymlink checks that a --token-file that is a symlink
// to a regular file (a secrets mount, say) puts the token in the target and
// keeps the link.
func TestTokenFileThroughSymlink(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	l := atomicfiletest.SymlinkToFile(t, "an old token\n")
	oc := outputCommands[0]
	res := clitest.Run(t, clitest.Invocation{Args: oc.args(em, l.Path), Env: clitest.DemoEnv(em), Stdin: oc.stdin(em)})
	if res.Code != 0 {
		t.Fatalf("exit %d, stderr %q", res.Code, res.Stderr)
	}
	token := strings.TrimSpace(l.Written(t, 0o600))
	if token == "" || token == "an old token" {
		t.Fatalf("the target holds %q, not the new token", token)
	}
	// The token in the file is one the server issued: it works.
	res = clitest.Mlabctl(t, map[string]string{cmdutil.EnvBaseURL: em.URL, cmdutil.EnvToken: token}, "auth", "tokens", "list")
	if res.Code != 0 {
		t.Errorf("the saved token does not work: exit %d, stderr %q", res.Code, res.Stderr)
	}
}
