package authcmd

import (
	"bufio"
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/mlabctl/mlabctl/remote"
)

// sessionFixture is an in-process emulator with the demo account and a
// client without a token.
type sessionFixture struct {
	em   *emulatortest.Server
	srv  *emulator.Server
	demo emulator.Demo
	base *remote.Client
}

func newSessionFixture(t *testing.T) *sessionFixture {
	t.Helper()
	em := emulatortest.Start(t)
	base, err := remote.New(remote.Options{BaseURL: em.URL})
	if err != nil {
		t.Fatal(err)
	}
	return &sessionFixture{em: em, srv: em.Server, demo: em.Demo, base: base}
}

// tokens returns "name scopes" of the demo user's live tokens, sorted.
func (f *sessionFixture) tokens(t *testing.T) []string { return f.em.TokenScopes(t, f.demo.Username) }

// count returns how many requests "METHOD /path" the emulator served.
func (f *sessionFixture) count(route string) int { return f.em.Count(route) }

// terminalIO is an authIO whose stdin is a terminal answering hidden reads
// with lines, in turn.
func terminalIO(stdout, stderr *bytes.Buffer, lines ...string) authIO {
	return authIO{Stdout: stdout, Stderr: stderr, Format: cmdutil.OutputText, Input: &secretInput{
		terminal: true, readHidden: fakeTerminal(lines...), lines: bufio.NewReader(strings.NewReader("")), prompts: stderr,
	}}
}

// api is a cmdutil.API on the session fixture's emulator, without a token.
func (f *sessionFixture) api() cmdutil.API {
	return cmdutil.API{
		Client: func() (*remote.Client, error) { return f.base, nil },
		Connect: func(o cmdutil.ConnectOptions) (*cmdutil.Session, error) {
			return cmdutil.OpenSession(context.Background(), f.base, cmdutil.Credentials{Email: f.demo.Email, Password: remote.Secret(f.demo.Password)}, o, nil)
		},
	}
}

func TestRunSignupPromptsTwice(t *testing.T) {
	t.Parallel()
	f := newSessionFixture(t)
	for _, tc := range []struct {
		name    string
		typed   []string
		wantErr string
		signups int
	}{
		{name: "mismatch stops before the network", typed: []string{"first-passphrase", "second-passphrase"}, wantErr: "the passwords do not match"},
		{name: "confirmed", typed: []string{"same-passphrase-1", "same-passphrase-1"}, signups: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.srv.ResetRequests()
			var stdout, stderr bytes.Buffer
			err := runSignup(context.Background(), signupOptions{Name: "T", emailOptions: emailOptions{Email: "t" + strings.ReplaceAll(tc.name, " ", "") + "@acme.example",
				IO: terminalIO(&stdout, &stderr, tc.typed...), API: f.api()}})
			checkWantErr(t, err, tc.wantErr)
			if diff := cmp.Diff("Password: \nRepeat password: \n", stderr.String()); diff != "" {
				t.Errorf("prompts on stderr (-want +got):\n%s", diff)
			}
			if n := f.count("POST /auth/signup"); n != tc.signups {
				t.Errorf("%d signups, want %d", n, tc.signups)
			}
			for _, typed := range tc.typed {
				if strings.Contains(stdout.String()+stderr.String(), typed) {
					t.Errorf("the typed password appears in the output")
				}
			}
		})
	}
}

func TestRunLoginFromTerminal(t *testing.T) {
	t.Parallel()
	f := newSessionFixture(t)
	var stdout, stderr bytes.Buffer
	err := runLogin(context.Background(), loginOptions{Expiry: "1_week", Scopes: []string{"profile:read"}, Device: "laptop",
		emailOptions: emailOptions{Email: f.demo.Email, IO: terminalIO(&stdout, &stderr, f.demo.Password), API: f.api()}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("Password: \n", stderr.String()); diff != "" {
		t.Errorf("stderr (-want +got):\n%s", diff)
	}
	if !strings.Contains(stdout.String(), `Access token "laptop" `) || !strings.Contains(stdout.String(), "scopes: profile:read") {
		t.Errorf("stdout:\n%s", stdout.String())
	}
	if diff := cmp.Diff([]string{"demo *", "laptop profile:read", "old-laptop *"}, f.tokens(t)); diff != "" {
		t.Errorf("tokens (-want +got):\n%s", diff)
	}
}
