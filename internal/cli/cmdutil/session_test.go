package cmdutil

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/remote"
)

// sessionFixture is an in-process emulator with the demo account and a
// client without a token.
type sessionFixture struct {
	em   *emulatortest.Server
	srv  *emulator.Server
	demo emulator.Demo
	url  string
	base *remote.Client
}

func newSessionFixture(t *testing.T) *sessionFixture {
	t.Helper()
	em := emulatortest.Start(t)
	base, err := remote.New(remote.Options{BaseURL: em.URL})
	if err != nil {
		t.Fatal(err)
	}
	return &sessionFixture{em: em, srv: em.Server, demo: em.Demo, url: em.URL, base: base}
}

// tokens returns "name scopes" of the demo user's live tokens, sorted.
func (f *sessionFixture) tokens(t *testing.T) []string { return f.em.TokenScopes(t, f.demo.Username) }

// count returns how many requests "METHOD /path" the emulator served.
func (f *sessionFixture) count(route string) int { return f.em.Count(route) }

var demoTokens = []string{"demo *", "old-laptop *"}

func TestOpenSessionWithToken(t *testing.T) {
	t.Parallel()
	f := newSessionFixture(t)
	sess, err := OpenSession(context.Background(), f.base, Credentials{Token: remote.Secret(f.demo.Token)},
		ConnectOptions{Command: "plan", Scopes: []string{"profile:read"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	me, err := sess.Client.Me(context.Background())
	if err != nil || me.Username != f.demo.Username {
		t.Fatalf("Me: %v, %+v", err, me)
	}
	if sess.BaseURL != f.url {
		t.Errorf("session BaseURL %q, want %q", sess.BaseURL, f.url)
	}
	sess.Close()
	if n := f.count("POST /auth/login") + f.count("POST /auth/logout"); n != 0 {
		t.Errorf("%d logins and logouts with a given token, want none", n)
	}
	if diff := cmp.Diff(demoTokens, f.tokens(t)); diff != "" {
		t.Errorf("the given token must survive Close (-want +got):\n%s", diff)
	}
}

func TestOpenSessionEphemeral(t *testing.T) {
	t.Parallel()
	f := newSessionFixture(t)
	creds := Credentials{Email: f.demo.Email, Password: remote.Secret(f.demo.Password)}
	ctx, cancel := context.WithCancel(context.Background())
	sess, err := OpenSession(ctx, f.base, creds, ConnectOptions{Command: "export", Scopes: []string{"teams:read", "profile:read"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(append(slices.Clone(demoTokens[:1]), "mlabctl-export profile:read,teams:read", "old-laptop *"), f.tokens(t)); diff != "" {
		t.Errorf("tokens during the session (-want +got):\n%s", diff)
	}
	// Ctrl-C: the command's context is gone when Close runs.
	cancel()
	sess.Close()
	sess.Close()
	if n := f.count("POST /auth/logout"); n != 1 {
		t.Errorf("%d logouts, want 1 however often Close is called", n)
	}
	if diff := cmp.Diff(demoTokens, f.tokens(t)); diff != "" {
		t.Errorf("tokens after Close (-want +got):\n%s", diff)
	}
}

func TestOpenSessionCancelledDuringLogin(t *testing.T) {
	t.Parallel()
	f := newSessionFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := OpenSession(ctx, f.base, Credentials{Email: f.demo.Email, Password: remote.Secret(f.demo.Password)},
		ConnectOptions{Command: "plan", Scopes: []string{"profile:read"}}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	// Ctrl-C is said in words, not as Go's "context canceled".
	if want := `interrupted while logging in as "` + f.demo.Email + `"`; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if diff := cmp.Diff(demoTokens, f.tokens(t)); diff != "" {
		t.Errorf("a login finished after the cancel must be logged out (-want +got):\n%s", diff)
	}
}

func TestOpenSessionSwitchesAccount(t *testing.T) {
	t.Parallel()
	f := newSessionFixture(t)
	f.srv.AddUser(emulator.UserSeed{Username: "acme-team", Verified: true, Team: true})
	f.srv.AddMember("acme-team", emulator.Member{Email: f.demo.Email, Role: "admin", Status: "active"})
	for _, tc := range []struct {
		name  string
		creds Credentials
	}{
		{name: "with a token", creds: Credentials{Token: remote.Secret(f.demo.Token)}},
		{name: "ephemeral", creds: Credentials{Email: f.demo.Email, Password: remote.Secret(f.demo.Password)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sess, err := OpenSession(context.Background(), f.base, tc.creds,
				ConnectOptions{Command: "plan", Scopes: []string{"profile:read"}, Account: "acme-team"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			me, err := sess.Client.Me(context.Background())
			if err != nil || me.Username != "acme-team" {
				t.Fatalf("Me in the session: %v, %+v", err, me)
			}
			checkSwitchedToken(t, f, "acme-team", "mlabctl-plan")
			sess.Close()
			if diff := cmp.Diff(demoTokens, f.tokens(t)); diff != "" {
				t.Errorf("tokens after Close (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("unknown account", func(t *testing.T) {
		_, err := OpenSession(context.Background(), f.base, Credentials{Email: f.demo.Email, Password: remote.Secret(f.demo.Password)},
			ConnectOptions{Command: "plan", Scopes: []string{"profile:read"}, Account: "nope"}, nil)
		if err == nil || !strings.Contains(err.Error(), `switching to account "nope"`) || !strings.Contains(err.Error(), "only active members") {
			t.Fatalf("error %v", err)
		}
		if diff := cmp.Diff(demoTokens, f.tokens(t)); diff != "" {
			t.Errorf("the login must be logged out after a failed switch (-want +got):\n%s", diff)
		}
	})
}

// checkSwitchedToken checks the one token acting in account: made for the
// run by switch-account, it carries the run's device name and the
// shortest documented expiry (without token_expiry the server would give
// it the caller's whole life, or its own default).
func checkSwitchedToken(t *testing.T, f *sessionFixture, account, device string) {
	t.Helper()
	var switched []emulator.Token
	for _, tok := range f.em.Tokens(t, f.demo.Username) {
		if tok.Account == account {
			switched = append(switched, tok)
		}
	}
	if len(switched) != 1 {
		t.Fatalf("%d tokens act in %s, want the one switched token: %+v", len(switched), account, switched)
	}
	tok := switched[0]
	if tok.Name != device {
		t.Errorf("switched token named %q, want the run's device name %s", tok.Name, device)
	}
	week := 7 * 24 * time.Hour
	if tok.ExpiresAt == nil || tok.ExpiresAt.Sub(tok.CreatedAt) > week+time.Minute {
		t.Errorf("switched token expires at %v (created %v), want within %s (token_expiry %s)", tok.ExpiresAt, tok.CreatedAt, week, remote.ShortestTokenExpiry)
	}
}

func TestOpenSessionRefusals(t *testing.T) {
	t.Parallel()
	f := newSessionFixture(t)
	for _, tc := range []struct {
		name  string
		creds Credentials
		want  string
	}{
		{name: "nothing", want: ErrNoCredentials.Error()},
		{name: "email only", creds: Credentials{Email: "a@b.c"}, want: EnvEmail + " is set but " + EnvPassword + " is not"},
		{name: "password only", creds: Credentials{Password: "pw"}, want: EnvPassword + " is set but " + EnvEmail + " is not"},
		{name: "wrong password", creds: Credentials{Email: f.demo.Email, Password: "not-the-pw-7f3k"}, want: "the email or password is wrong"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := OpenSession(context.Background(), f.base, tc.creds, ConnectOptions{Command: "plan", Scopes: []string{"profile:read"}}, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if strings.Contains(err.Error(), f.demo.Password) || (tc.creds.Password != "" && strings.Contains(err.Error(), tc.creds.Password.Reveal())) {
				t.Errorf("the error %q shows the password", err)
			}
		})
	}
}

func TestSessionCloseWarnsWhenLogoutFails(t *testing.T) {
	t.Parallel()
	f := newSessionFixture(t)
	f.srv.Faults = &emulator.Faults{Routes: []string{"POST /auth/logout"}, Statuses: []int{400}, FailFirst: 1}
	var warnings bytes.Buffer
	sess, err := OpenSession(context.Background(), f.base, Credentials{Email: f.demo.Email, Password: remote.Secret(f.demo.Password)},
		ConnectOptions{Command: "plan", Scopes: []string{"profile:read"}}, &warnings)
	if err != nil {
		t.Fatal(err)
	}
	sess.Close()
	got := warnings.String()
	for _, want := range []string{`Warning: could not log out the temporary token "mlabctl-plan"`, "expires by itself within a week", "mlabctl auth tokens revoke"} {
		if !strings.Contains(got, want) {
			t.Errorf("warning %q lacks %q", got, want)
		}
	}
	if strings.Contains(got, f.demo.Password) {
		t.Error("the warning shows the password")
	}
}

// TestOpenSessionMarksTheTokensItStandsOn: in a team account, GET
// /auth/tokens lists the user's tokens with only the switched one current;
// the session's client marks the token it switched from as current too, so
// that no plan revokes it. Only a session that reads tokens lists them
// before switching.
func TestOpenSessionMarksTheTokensItStandsOn(t *testing.T) {
	t.Parallel()
	f := newSessionFixture(t)
	f.srv.AddUser(emulator.UserSeed{Username: "acme-team", Verified: true, Team: true})
	f.srv.AddMember("acme-team", emulator.Member{Email: f.demo.Email, Role: "admin", Status: "active"})
	token := Credentials{Token: remote.Secret(f.demo.Token)}
	ephemeral := Credentials{Email: f.demo.Email, Password: remote.Secret(f.demo.Password)}
	for _, tc := range []struct {
		name    string
		creds   Credentials
		scopes  []string
		account string
		// notCurrent are the names of the tokens listed as not in use;
		// lists is how many GET /auth/tokens connect itself made.
		notCurrent []string
		lists      int
	}{
		{name: "token, team account", creds: token, scopes: []string{"profile:read", "tokens:read"}, account: "acme-team",
			notCurrent: []string{"old-laptop"}, lists: 1},
		{name: "ephemeral, team account", creds: ephemeral, scopes: []string{"profile:read", "tokens:read"}, account: "acme-team",
			notCurrent: []string{"demo", "old-laptop"}, lists: 1},
		{name: "token, own account", creds: token, scopes: []string{"profile:read", "tokens:read"},
			notCurrent: []string{"old-laptop"}, lists: 0},
		{name: "token, team account, tokens not read", creds: token, scopes: []string{"profile:read"}, account: "acme-team", lists: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// lists counts the first pages of GET /auth/tokens (the
			// emulator logs paths with their query).
			lists := func() int {
				n := 0
				for _, r := range f.srv.Requests() {
					if path, query, _ := strings.Cut(r.Path, "?"); r.Method == "GET" && path == "/auth/tokens" && !strings.Contains(query, "page=2") {
						n++
					}
				}
				return n
			}
			before := lists()
			sess, err := OpenSession(context.Background(), f.base, tc.creds,
				ConnectOptions{Command: "plan", Scopes: tc.scopes, Account: tc.account}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer sess.Close()
			if n := lists() - before; n != tc.lists {
				t.Errorf("connect listed tokens %d times, want %d", n, tc.lists)
			}
			if !slices.Contains(tc.scopes, remote.ScopeTokensRead) {
				return // the session may not list tokens
			}
			toks, err := sess.Client.ListTokens(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var notCurrent []string
			for _, tok := range toks {
				if !tok.Current {
					notCurrent = append(notCurrent, tok.Name)
				}
			}
			slices.Sort(notCurrent)
			if diff := cmp.Diff(tc.notCurrent, notCurrent); diff != "" {
				t.Errorf("tokens not in use (-want +got):\n%s", diff)
			}
		})
	}
}

// TestOpenSessionCancelledBeforeSwitch: a Ctrl-C while connect reads the
// tokens before switching account says it was interrupted, and leaves no
// token behind.
func TestOpenSessionCancelledBeforeSwitch(t *testing.T) {
	t.Parallel()
	f := newSessionFixture(t)
	f.srv.AddUser(emulator.UserSeed{Username: "acme-team", Verified: true, Team: true})
	f.srv.AddMember("acme-team", emulator.Member{Email: f.demo.Email, Role: "admin", Status: "active"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := OpenSession(ctx, f.base, Credentials{Token: remote.Secret(f.demo.Token)},
		ConnectOptions{Command: "plan", Scopes: []string{"profile:read", "tokens:read"}, Account: "acme-team"}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if want := "interrupted while reading the access tokens before switching account"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if diff := cmp.Diff(demoTokens, f.tokens(t)); diff != "" {
		t.Errorf("tokens after the interrupted connect (-want +got):\n%s", diff)
	}
}

// TestOpenSessionChecksScopesFirst: an ephemeral login asks only for
// scopes GET /auth/scopes lists, and says which one it does not; a server
// without the list is not an error.
func TestOpenSessionChecksScopesFirst(t *testing.T) {
	t.Run("unknown scope", func(t *testing.T) {
		f := newSessionFixture(t)
		_, err := OpenSession(context.Background(), f.base, Credentials{Email: f.demo.Email, Password: remote.Secret(f.demo.Password)},
			ConnectOptions{Command: "plan", Scopes: []string{"profile:read", "widgets:read"}}, nil)
		var unknown *remote.UnknownScopesError
		if !errors.As(err, &unknown) || !slices.Equal(unknown.Unknown, []string{"widgets:read"}) {
			t.Fatalf("error %v, want one naming the unknown scope widgets:read", err)
		}
		for _, want := range []string{`logging in as "` + f.demo.Email + `"`, `"widgets:read"`, "GET /auth/scopes lists", EnvToken} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q lacks %q", err, want)
			}
		}
		if n := f.count("POST /auth/login"); n != 0 {
			t.Errorf("%d logins with an unknown scope, want none", n)
		}
	})
	t.Run("no scope list", func(t *testing.T) {
		em := emulatortest.Start(t)
		noList := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == remote.APIPrefix+"/auth/scopes" {
				http.NotFound(w, r)
				return
			}
			em.ServeHTTP(w, r)
		}))
		defer noList.Close()
		base, err := remote.New(remote.Options{BaseURL: noList.URL})
		if err != nil {
			t.Fatal(err)
		}
		var warnings bytes.Buffer
		sess, err := OpenSession(context.Background(), base, Credentials{Email: em.Demo.Email, Password: remote.Secret(em.Demo.Password)},
			ConnectOptions{Command: "plan", Scopes: []string{"profile:read", "widgets:read"}}, &warnings)
		if err == nil {
			sess.Close()
			t.Fatal("the login with an unknown scope succeeded; the emulator refuses it")
		}
		if em.Count("POST /auth/login") != 1 {
			t.Errorf("%d logins, want 1: without a scope list the login itself decides", em.Count("POST /auth/login"))
		}
		if warnings.Len() != 0 {
			t.Errorf("warnings %q for a server without a scope list, want none", warnings.String())
		}
	})
}

// TestOpenSessionRefusesBlindTokenLists: switching into a team account
// with tokens to manage needs to know the token it switches from; a list
// that marks none current is a refusal (exit 3), before any switch.
func TestOpenSessionRefusesBlindTokenLists(t *testing.T) {
	em := emulatortest.StartVariants(t, emulator.Variants{OmitTokenCurrent: true})
	em.AddUser(emulator.UserSeed{Username: "acme-team", Verified: true, Team: true})
	em.AddMember("acme-team", emulator.Member{Email: em.Demo.Email, Role: "admin", Status: "active"})
	base, err := remote.New(remote.Options{BaseURL: em.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = OpenSession(context.Background(), base, Credentials{Token: remote.Secret(em.Demo.Token)},
		ConnectOptions{Command: "plan", Scopes: []string{remote.ScopeProfileRead, remote.ScopeTokensRead}, Account: "acme-team"}, nil)
	if ExitCode(err) != ExitRefused || !strings.Contains(err.Error(), "does not say which token this run uses") {
		t.Fatalf("error %v (exit %d), want a refusal (exit 3) saying the list names no current token", err, ExitCode(err))
	}
	if n := em.Count("POST /auth/switch-account"); n != 0 {
		t.Errorf("%d switches, want none", n)
	}
}
