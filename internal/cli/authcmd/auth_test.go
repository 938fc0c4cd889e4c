package authcmd_test

// In-process tests of `mlabctl auth` and of connect's credentials (ephemeral
// least-privilege tokens, team accounts, interrupts): command lines against
// an emulator wrapped in a recorder that keeps every request body and every
// secret the server handed out, so that a test can check what was asked for
// and that no secret reached the output.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/cli/authcmd"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
)

// authEmulator is an emulator seeded with the demo account, served through
// a recorder.
type authEmulator struct {
	*emulator.Server
	URL  string
	Demo emulator.Demo

	mu sync.Mutex
	// calls are the /api requests with their bodies, in order of completion.
	calls []authRecordedCall
	// arrived are the /api requests ("METHOD /path") in order of arrival,
	// before the emulator handles them.
	arrived []string
	// secrets are every password sent and every token or key received.
	secrets map[string]bool
	// atLogout are the user's tokens just before each POST /auth/logout
	// was handled.
	atLogout [][]emulator.Token
}

// authRecordedCall is one request with its JSON bodies.
type authRecordedCall struct {
	Method, Path string
	Status       int
	// Authorized reports whether the request carried a bearer token.
	Authorized bool
	Request    map[string]any
	Response   map[string]any
}

func startAuthEmulator(t *testing.T) *authEmulator {
	t.Helper()
	srv := emulator.New()
	em := &authEmulator{Server: srv, Demo: srv.SeedDemo(), secrets: map[string]bool{}}
	em.secrets[em.Demo.Password] = true
	em.secrets[em.Demo.Token] = true
	ts := httptest.NewServer(em)
	t.Cleanup(ts.Close)
	em.URL = ts.URL
	t.Cleanup(func() {
		if unknown := srv.UnknownRoutes(); len(unknown) > 0 {
			t.Errorf("mlabctl called routes the API does not have: %q", unknown)
		}
	})
	return em
}

// ServeHTTP records the request and the response around the emulator.
func (em *authEmulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rel, isAPI := strings.CutPrefix(r.URL.Path, emulator.Prefix)
	if !isAPI {
		em.Server.ServeHTTP(w, r)
		return
	}
	em.mu.Lock()
	em.arrived = append(em.arrived, r.Method+" "+rel)
	em.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	call := authRecordedCall{Method: r.Method, Path: rel, Authorized: r.Header.Get("Authorization") != ""}
	json.Unmarshal(body, &call.Request)
	if r.Method == http.MethodPost && rel == "/auth/logout" {
		snap, _ := em.Snapshot(em.Demo.Username)
		em.mu.Lock()
		em.atLogout = append(em.atLogout, snap.Tokens)
		em.mu.Unlock()
	}
	rec := &authTeeWriter{ResponseWriter: w, status: http.StatusOK}
	em.Server.ServeHTTP(rec, r)
	call.Status = rec.status
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	json.Unmarshal(rec.body.Bytes(), &env)
	json.Unmarshal(env.Data, &call.Response)
	em.mu.Lock()
	defer em.mu.Unlock()
	em.calls = append(em.calls, call)
	for _, k := range []string{"password", "password_confirmation", "current_password", "token", "verification_code"} {
		if v, ok := call.Request[k].(string); ok && v != "" {
			em.secrets[v] = true
		}
	}
	for _, k := range []string{"access_token", "api_key", "key"} {
		if v, ok := call.Response[k].(string); ok && v != "" {
			em.secrets[v] = true
		}
	}
}

// authTeeWriter keeps a copy of the response.
type authTeeWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *authTeeWriter) WriteHeader(code int) { w.status = code; w.ResponseWriter.WriteHeader(code) }
func (w *authTeeWriter) Write(b []byte) (int, error) {
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

// hasArrived reports whether a request "METHOD /path" has arrived.
func (em *authEmulator) hasArrived(route string) bool {
	em.mu.Lock()
	defer em.mu.Unlock()
	return slices.Contains(em.arrived, route)
}

// callsTo returns the recorded calls of METHOD PATH.
func (em *authEmulator) callsTo(method, path string) []authRecordedCall {
	em.mu.Lock()
	defer em.mu.Unlock()
	var out []authRecordedCall
	for _, c := range em.calls {
		if c.Method == method && c.Path == path {
			out = append(out, c)
		}
	}
	return out
}

// lastResponse returns the response data of the last successful call of
// METHOD PATH, failing the test if there is none.
func (em *authEmulator) lastResponse(t *testing.T, method, path string) map[string]any {
	t.Helper()
	calls := em.callsTo(method, path)
	for i := len(calls) - 1; i >= 0; i-- {
		if calls[i].Status < 300 {
			return calls[i].Response
		}
	}
	t.Fatalf("no successful %s %s was made", method, path)
	return nil
}

// tokenNames returns the names of the demo user's live tokens, sorted.
func (em *authEmulator) tokenNames(t *testing.T) []string {
	t.Helper()
	return (&emulatortest.Server{Server: em.Server}).TokenNames(t, em.Demo.Username)
}

// env returns the environment of a run against the emulator, plus extra
// pairs (k1, v1, k2, v2, ...).
func (em *authEmulator) env(kv ...string) map[string]string {
	env := map[string]string{cmdutil.EnvBaseURL: em.URL}
	for i := 0; i+1 < len(kv); i += 2 {
		env[kv[i]] = kv[i+1]
	}
	return env
}

// run runs a command line against the emulator and fails the test if any
// secret the emulator saw appears in the output, except those in allowed.
func (em *authEmulator) run(t *testing.T, r clitest.Invocation, allowed ...string) clitest.Result {
	t.Helper()
	res := clitest.Run(t, r)
	em.checkNoSecrets(t, r.Args, res, allowed...)
	return res
}

func (em *authEmulator) checkNoSecrets(t *testing.T, args []string, res clitest.Result, allowed ...string) {
	t.Helper()
	em.mu.Lock()
	defer em.mu.Unlock()
	for s := range em.secrets {
		if len(s) < 6 || slices.Contains(allowed, s) {
			continue
		}
		if strings.Contains(res.Stdout, s) || strings.Contains(res.Stderr, s) {
			t.Errorf("mlabctl %s leaked a secret (%d chars, starting %q) in its output", strings.Join(args, " "), len(s), s[:2])
		}
	}
}

// authRequireOK fails the test unless the run exited 0.
func authRequireOK(t *testing.T, res clitest.Result) {
	t.Helper()
	if res.Code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", res.Code, res.Stdout, res.Stderr)
	}
}

// authRequireFail fails the test unless the run exited code with stderr
// containing every one of wants.
func authRequireFail(t *testing.T, res clitest.Result, code int, wants ...string) {
	t.Helper()
	if res.Code != code {
		t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", res.Code, code, res.Stdout, res.Stderr)
	}
	for _, w := range wants {
		if !strings.Contains(res.Stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, res.Stderr)
		}
	}
}

// authLatestCode returns the code of the last mail of kind sent to email.
func authLatestCode(t *testing.T, em *authEmulator, to, kind string) string {
	t.Helper()
	out := em.Outbox()
	for i := len(out) - 1; i >= 0; i-- {
		if strings.EqualFold(out[i].To, to) && out[i].Kind == kind {
			return out[i].Code
		}
	}
	t.Fatalf("no %s mail to %s in the outbox %v", kind, to, out)
	return ""
}

// authReadTokenFile reads a token file written by --token-file, checking its mode.
func authReadTokenFile(t *testing.T, path string) string {
	t.Helper()
	b := clitest.ReadFileWithMode(t, path, 0o600)
	tok := strings.TrimSpace(string(b))
	if tok == "" || strings.Contains(tok, "\n") {
		t.Fatalf("%s holds %d bytes, want one token line", path, len(b))
	}
	return tok
}

// authLoginWithFile logs the demo user in and returns the token saved to a file.
func authLoginWithFile(t *testing.T, em *authEmulator, dir, file string, extra ...string) string {
	t.Helper()
	path := filepath.Join(dir, file)
	args := append([]string{"auth", "login", "--email", em.Demo.Email, "--password-stdin", "--token-file", path}, extra...)
	authRequireOK(t, em.run(t, clitest.Invocation{Args: args, Env: em.env(), Stdin: em.Demo.Password + "\n"}))
	return authReadTokenFile(t, path)
}

func TestAuthLoginTokenDestinations(t *testing.T) {
	t.Parallel()
	em := startAuthEmulator(t)
	dir := t.TempDir()
	stale := filepath.Join(dir, "stale")
	if err := os.WriteFile(stale, []byte("old content that is longer than a token\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	masked := regexp.MustCompile(`Access token ("[^"]+" )?\S+…\S+`)

	t.Run("masked by default", func(t *testing.T) {
		res := em.run(t, clitest.Invocation{Args: []string{"auth", "login", "--email", em.Demo.Email, "--password-stdin"}, Env: em.env(), Stdin: em.Demo.Password + "\n"})
		authRequireOK(t, res)
		if !masked.MatchString(res.Stdout) || !strings.Contains(res.Stdout, "was not saved") {
			t.Errorf("stdout does not show the masked token and that it was not saved:\n%s", res.Stdout)
		}
		login := em.lastResponse(t, "POST", "/auth/login")
		if tok := login["access_token"].(string); strings.Contains(res.Stdout+res.Stderr, tok) {
			t.Errorf("the token was printed without --print-token")
		}
	})
	t.Run("print-token", func(t *testing.T) {
		res := clitest.Run(t, clitest.Invocation{Args: []string{"auth", "login", "--email", em.Demo.Email, "--password-stdin", "--print-token", "--device-name", "ci-runner"}, Env: em.env(), Stdin: em.Demo.Password + "\n"})
		authRequireOK(t, res)
		tok := em.lastResponse(t, "POST", "/auth/login")["access_token"].(string)
		em.checkNoSecrets(t, []string{"auth", "login", "--print-token"}, res, tok)
		if diff := cmp.Diff(tok+"\n", res.Stdout); diff != "" {
			t.Errorf("stdout is not the token alone (-want +got):\n%s", diff)
		}
		if strings.Contains(res.Stderr, tok) || !strings.Contains(res.Stderr, "Logged in") {
			t.Errorf("stderr should report the login without the token:\n%s", res.Stderr)
		}
		if !slices.Contains(em.tokenNames(t), "ci-runner") {
			t.Errorf("no token named ci-runner in %q", em.tokenNames(t))
		}
	})
	t.Run("token-file replaces an existing file with mode 0600", func(t *testing.T) {
		res := em.run(t, clitest.Invocation{Args: []string{"auth", "login", "--email", em.Demo.Email, "--password-stdin", "--token-file", stale, "--expiry", "1_week", "--scopes", "profile:read, tokens:read"}, Env: em.env(), Stdin: em.Demo.Password + "\r\n"})
		authRequireOK(t, res)
		tok := authReadTokenFile(t, stale)
		login := em.lastResponse(t, "POST", "/auth/login")
		if tok != login["access_token"] {
			t.Errorf("the file does not hold the token the API returned")
		}
		req := em.callsTo("POST", "/auth/login")
		got := req[len(req)-1].Request
		want := map[string]any{"email": em.Demo.Email, "password": em.Demo.Password, "device_name": authcmd.HostDeviceName(),
			"token_expiry": "1_week", "scopes": []any{"profile:read", "tokens:read"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("login request (-want +got):\n%s", diff)
		}
		// The token works and has what was asked for.
		res = em.run(t, clitest.Invocation{Args: []string{"auth", "tokens", "list", "-o", "json"}, Env: em.env(cmdutil.EnvToken, tok)})
		authRequireOK(t, res)
		var tokens []struct {
			Name    string   `json:"name"`
			Scopes  []string `json:"scopes"`
			Current bool     `json:"current"`
		}
		if err := json.Unmarshal([]byte(res.Stdout), &tokens); err != nil {
			t.Fatalf("tokens list -o json: %v\n%s", err, res.Stdout)
		}
		var current []string
		for _, tk := range tokens {
			if tk.Current {
				current = append(current, tk.Name+" "+strings.Join(tk.Scopes, ","))
			}
		}
		if diff := cmp.Diff([]string{authcmd.HostDeviceName() + " profile:read,tokens:read"}, current); diff != "" {
			t.Errorf("current token (-want +got):\n%s", diff)
		}
	})
	t.Run("json", func(t *testing.T) {
		// A token in the environment is not sent to an endpoint that needs none.
		res := em.run(t, clitest.Invocation{Args: []string{"auth", "login", "--email", em.Demo.Email, "--password-stdin", "-o", "json"}, Env: em.env(cmdutil.EnvToken, em.Demo.Token), Stdin: em.Demo.Password + "\n"})
		authRequireOK(t, res)
		if logins := em.callsTo("POST", "/auth/login"); logins[len(logins)-1].Authorized {
			t.Error("login sent MODELSLAB_TOKEN along")
		}
		var out struct {
			Account string `json:"account"`
			Email   string `json:"email"`
			Token   struct {
				Masked string `json:"masked"`
				Value  string `json:"value"`
				Expiry string `json:"token_expiry"`
			} `json:"token"`
			APIKey struct {
				Masked string `json:"masked"`
			} `json:"api_key"`
		}
		if err := json.Unmarshal([]byte(res.Stdout), &out); err != nil {
			t.Fatalf("-o json: %v\n%s", err, res.Stdout)
		}
		if out.Account != em.Demo.Username || out.Email != em.Demo.Email || out.Token.Value != "" ||
			!strings.Contains(out.Token.Masked, "…") || out.Token.Expiry != "1_month" || !strings.Contains(out.APIKey.Masked, "…") {
			t.Errorf("unexpected JSON: %+v", out)
		}
	})
	t.Run("json with print-token", func(t *testing.T) {
		res := clitest.Run(t, clitest.Invocation{Args: []string{"auth", "login", "--email", em.Demo.Email, "--password-stdin", "-o", "json", "--print-token"}, Env: em.env(), Stdin: em.Demo.Password + "\n"})
		authRequireOK(t, res)
		tok := em.lastResponse(t, "POST", "/auth/login")["access_token"].(string)
		em.checkNoSecrets(t, []string{"auth", "login", "-o", "json", "--print-token"}, res, tok)
		var out struct {
			Token struct {
				Value string `json:"value"`
			} `json:"token"`
		}
		if err := json.Unmarshal([]byte(res.Stdout), &out); err != nil || out.Token.Value != tok {
			t.Errorf("-o json --print-token does not hold the token (err %v)", err)
		}
	})
}

func TestAuthLoginRefusals(t *testing.T) {
	t.Parallel()
	em := startAuthEmulator(t)
	for _, tc := range []struct {
		name  string
		args  []string
		env   map[string]string
		stdin string
		wants []string
	}{
		{name: "no password source", args: []string{"auth", "login", "--email", em.Demo.Email},
			wants: []string{"no password", "--password-stdin", "never taken from a flag"}},
		{name: "empty stdin", args: []string{"auth", "login", "--email", em.Demo.Email, "--password-stdin"},
			wants: []string{"the first line of stdin is empty"}},
		{name: "wrong password", args: []string{"auth", "login", "--email", em.Demo.Email, "--password-stdin"},
			stdin: "not-the-password\n", wants: []string{"the email or password is wrong"}},
		{name: "no email", args: []string{"auth", "login", "--password-stdin"}, stdin: "x\n",
			wants: []string{"no email", cmdutil.EnvEmail}},
		{name: "bad expiry", args: []string{"auth", "login", "--email", em.Demo.Email, "--expiry", "2_weeks", "--password-stdin"},
			stdin: "x\n", wants: []string{`invalid --expiry "2_weeks"`, "1_week"}},
		{name: "unknown scope", args: []string{"auth", "login", "--email", em.Demo.Email, "--scopes", "api-keys:delete", "--password-stdin"},
			stdin: em.Demo.Password + "\n", wants: []string{"scopes", "api-keys:delete"}},
		{name: "flag after argument", args: []string{"auth", "tokens", "revoke", "5", "-o", "json"},
			env: map[string]string{cmdutil.EnvToken: em.Demo.Token}, wants: []string{`flag "-o" after an argument`}},
		{name: "no credentials", args: []string{"auth", "tokens", "list"}, wants: []string{"no credentials", cmdutil.EnvToken, cmdutil.EnvEmail}},
		{name: "email without password", args: []string{"auth", "tokens", "list"}, env: map[string]string{cmdutil.EnvEmail: em.Demo.Email},
			wants: []string{cmdutil.EnvEmail + " is set but " + cmdutil.EnvPassword + " is not"}},
		{name: "refresh without destination", args: []string{"auth", "refresh"}, env: map[string]string{cmdutil.EnvToken: em.Demo.Token},
			wants: []string{"--token-file FILE or --print-token"}},
		// Without --expiry the API would give the new token 1_month,
		// shortening a longer-lived one without a word.
		{name: "refresh without expiry", args: []string{"auth", "refresh", "--print-token"}, env: map[string]string{cmdutil.EnvToken: em.Demo.Token},
			wants: []string{"refresh needs --expiry EXPIRY", "1_year", "gives the new token 1_month"}},
		{name: "logout without token", args: []string{"auth", "logout"}, wants: []string{"logout needs the access token", cmdutil.EnvToken}},
		{name: "bad output", args: []string{"auth", "tokens", "list", "-o", "yaml"}, env: map[string]string{cmdutil.EnvToken: em.Demo.Token},
			wants: []string{`invalid --output "yaml"`}},
		{name: "token file in a missing directory", args: []string{"auth", "login", "--email", em.Demo.Email, "--password-stdin", "--token-file", "/no/such/dir/token"},
			stdin: em.Demo.Password + "\n", wants: []string{"--token-file: writing \"/no/such/dir/token\"", "cannot create files in \"/no/such/dir\""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := em.env()
			for k, v := range tc.env {
				env[k] = v
			}
			res := em.run(t, clitest.Invocation{Args: tc.args, Env: env, Stdin: tc.stdin})
			authRequireFail(t, res, 1, tc.wants...)
		})
	}
	// Nothing above left a token behind.
	if diff := cmp.Diff([]string{"demo", "old-laptop"}, em.tokenNames(t)); diff != "" {
		t.Errorf("tokens after the refusals (-want +got):\n%s", diff)
	}
	if n := len(em.callsTo("POST", "/auth/refresh")); n != 0 {
		t.Errorf("a refused refresh called POST /auth/refresh %d times", n)
	}
}

func TestAuthRefreshRotates(t *testing.T) {
	t.Parallel()
	em := startAuthEmulator(t)
	dir := t.TempDir()
	old := authLoginWithFile(t, em, dir, "old", "--device-name", "laptop")
	newPath := filepath.Join(dir, "new")
	res := em.run(t, clitest.Invocation{Args: []string{"auth", "refresh", "--expiry", "3_months", "--token-file", newPath}, Env: em.env(cmdutil.EnvToken, old)})
	authRequireOK(t, res)
	fresh := authReadTokenFile(t, newPath)
	if fresh == old {
		t.Fatal("refresh returned the same token")
	}
	res = em.run(t, clitest.Invocation{Args: []string{"auth", "tokens", "list"}, Env: em.env(cmdutil.EnvToken, old)})
	authRequireFail(t, res, 1, "the access token was rejected", "401")
	res = em.run(t, clitest.Invocation{Args: []string{"auth", "tokens", "list"}, Env: em.env(cmdutil.EnvToken, fresh)})
	authRequireOK(t, res)
	if !strings.Contains(res.Stdout, "laptop\t") {
		t.Errorf("the refreshed token keeps its name; tokens list:\n%s", res.Stdout)
	}
	snap, _ := em.Snapshot(em.Demo.Username)
	for _, tok := range snap.Tokens {
		if tok.Name == "laptop" && (tok.ExpiresAt == nil || tok.ExpiresAt.Sub(tok.CreatedAt) != 90*24*time.Hour) {
			t.Errorf("refreshed token expires %v after creation, want 3 months (90 days)", tok.ExpiresAt.Sub(tok.CreatedAt))
		}
	}
}

func TestAuthLogout(t *testing.T) {
	t.Parallel()
	em := startAuthEmulator(t)
	dir := t.TempDir()
	tok := authLoginWithFile(t, em, dir, "t", "--device-name", "to-log-out")
	res := em.run(t, clitest.Invocation{Args: []string{"auth", "logout"}, Env: em.env(cmdutil.EnvToken, tok)})
	authRequireOK(t, res)
	if !strings.Contains(res.Stdout, "Logged out") {
		t.Errorf("stdout: %s", res.Stdout)
	}
	if slices.Contains(em.tokenNames(t), "to-log-out") {
		t.Error("the token is still live after logout")
	}
	authRequireFail(t, em.run(t, clitest.Invocation{Args: []string{"auth", "logout"}, Env: em.env(cmdutil.EnvToken, tok)}), 1, "rejected")
}

func TestAuthLogoutAll(t *testing.T) {
	t.Parallel()
	em := startAuthEmulator(t)
	res := em.run(t, clitest.Invocation{Args: []string{"auth", "logout-all", "-o", "json"}, Env: em.env(cmdutil.EnvEmail, em.Demo.Email, cmdutil.EnvPassword, em.Demo.Password)})
	authRequireOK(t, res)
	if names := em.tokenNames(t); len(names) != 0 {
		t.Errorf("tokens left after logout-all: %q", names)
	}
	if !json.Valid([]byte(res.Stdout)) {
		t.Errorf("-o json printed %q", res.Stdout)
	}
	if strings.Contains(res.Stderr, "Warning") {
		t.Errorf("the ephemeral token revoked by logout-all should be no warning: %s", res.Stderr)
	}
}

func TestAuthTokensListAndRevoke(t *testing.T) {
	t.Parallel()
	em := startAuthEmulator(t)
	env := em.env(cmdutil.EnvToken, em.Demo.Token)
	snap, _ := em.Snapshot(em.Demo.Username)
	var oldLaptop string
	for _, tok := range snap.Tokens {
		if tok.Name == "old-laptop" {
			oldLaptop = strconv.FormatInt(tok.ID, 10)
		}
	}
	res := em.run(t, clitest.Invocation{Args: []string{"auth", "tokens", "list"}, Env: env})
	authRequireOK(t, res)
	lines := strings.Split(strings.TrimSpace(res.Stdout), "\n")
	var rows []string
	for _, l := range lines {
		f := strings.Split(l, "\t")
		if len(f) != 7 {
			t.Fatalf("line %q has %d tab-separated fields, want 7", l, len(f))
		}
		rows = append(rows, f[1]+" "+f[2]+" "+f[3])
	}
	if diff := cmp.Diff([]string{"demo * true", "old-laptop * false"}, rows); diff != "" {
		t.Errorf("tokens list (name scopes current) (-want +got):\n%s", diff)
	}

	authRequireOK(t, em.run(t, clitest.Invocation{Args: []string{"auth", "tokens", "revoke", oldLaptop}, Env: env}))
	if diff := cmp.Diff([]string{"demo"}, em.tokenNames(t)); diff != "" {
		t.Errorf("after revoke (-want +got):\n%s", diff)
	}
	authRequireFail(t, em.run(t, clitest.Invocation{Args: []string{"auth", "tokens", "revoke", oldLaptop}, Env: env}), 1, "404")

	em.IssueToken(em.Demo.Username, "other-1", []string{"*"}, 0)
	em.IssueToken(em.Demo.Username, "other-2", []string{"profile:read"}, time.Hour)
	res = em.run(t, clitest.Invocation{Args: []string{"auth", "tokens", "revoke-others", "-o", "json"}, Env: env})
	authRequireOK(t, res)
	if diff := cmp.Diff("{\n  \"revoked\": 2\n}\n", res.Stdout); diff != "" {
		t.Errorf("revoke-others -o json (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"demo"}, em.tokenNames(t)); diff != "" {
		t.Errorf("after revoke-others (-want +got):\n%s", diff)
	}
}

// TestAuthTokensRevokeRefusesTheTokenInUse: `auth tokens revoke ID` of the
// token the command runs with is refused (exit 1, nothing revoked), pointing
// at `auth logout`, which is the command that does that on purpose.
func TestAuthTokensRevokeRefusesTheTokenInUse(t *testing.T) {
	t.Parallel()
	em := startAuthEmulator(t)
	snap, _ := em.Snapshot(em.Demo.Username)
	var current string
	for _, tok := range snap.Tokens {
		if tok.Name == "demo" {
			current = strconv.FormatInt(tok.ID, 10)
		}
	}
	for _, args := range [][]string{
		{"auth", "tokens", "revoke", current},
		{"auth", "tokens", "revoke", "-o", "json", current},
	} {
		res := em.run(t, clitest.Invocation{Args: args, Env: em.env(cmdutil.EnvToken, em.Demo.Token)})
		authRequireFail(t, res, 1, "in use", "mlabctl auth logout")
		if len(em.callsTo("DELETE", "/auth/tokens/"+current)) > 0 {
			t.Errorf("%v sent the revocation", args)
		}
		if diff := cmp.Diff([]string{"demo", "old-laptop"}, em.tokenNames(t)); diff != "" {
			t.Errorf("tokens after a refused %v (-want +got):\n%s", args, diff)
		}
	}
}

func TestAuthInsufficientScopeNamesTheScope(t *testing.T) {
	t.Parallel()
	em := startAuthEmulator(t)
	narrow := em.IssueToken(em.Demo.Username, "narrow", []string{"profile:read"}, time.Hour)
	em.secrets[narrow] = true
	file := clitest.WriteFile(t, t.TempDir(), "modelslab.yaml", "version: 1\napi_keys: []\n")
	for _, tc := range []struct {
		name  string
		args  []string
		scope string
	}{
		{name: "auth tokens list", args: []string{"auth", "tokens", "list"}, scope: "tokens:read"},
		{name: "plan", args: []string{"plan", "-f", file}, scope: "api-keys:read"},
		// export reads keys and team at once: either may fail first.
		{name: "export", args: []string{"export"}, scope: "(api-keys|teams):read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := em.run(t, clitest.Invocation{Args: tc.args, Env: em.env(cmdutil.EnvToken, narrow)})
			authRequireFail(t, res, 1, cmdutil.EnvEmail)
			want := regexp.MustCompile(fmt.Sprintf(`the access token lacks scope "(%s)": create a token with it \(mlabctl auth login --scopes (%s),`, tc.scope, tc.scope))
			if !want.MatchString(res.Stderr) {
				t.Errorf("stderr does not match %s:\n%s", want, res.Stderr)
			}
		})
	}
}

func TestAuthSignupVerifyResend(t *testing.T) {
	t.Parallel()
	em := startAuthEmulator(t)
	dir := t.TempDir()
	const email, password = "new@acme.example", "a-long-enough-passphrase"
	res := em.run(t, clitest.Invocation{Args: []string{"auth", "signup", "--email", email, "--name", "New User", "--password-stdin"}, Env: em.env(), Stdin: password + "\n"})
	authRequireOK(t, res)
	em.secrets[password] = true
	if !strings.Contains(res.Stdout, "verify-email") {
		t.Errorf("signup does not say what comes next:\n%s", res.Stdout)
	}
	first := authLatestCode(t, em, email, "verification")
	authRequireOK(t, em.run(t, clitest.Invocation{Args: []string{"auth", "resend-verification", "--email", email}, Env: em.env()}))
	second := authLatestCode(t, em, email, "verification")
	// The first code no longer works (unless the random codes collided);
	// the second does, given as --code.
	if first != second {
		authRequireFail(t, em.run(t, clitest.Invocation{Args: []string{"auth", "verify-email", first}, Env: em.env()}), 1, "verification_code")
	}
	tokPath, secretsPath := filepath.Join(dir, "token"), filepath.Join(dir, "secrets.json")
	// A secrets file that cannot be merged into is refused before the code
	// is spent.
	notJSON := clitest.WriteFile(t, dir, "notes.txt", "production=abc\n")
	res = em.run(t, clitest.Invocation{Args: []string{"auth", "verify-email", "--code", second, "--secrets-out", notJSON}, Env: em.env()})
	authRequireFail(t, res, 1, "--secrets-out", "is not a JSON object")
	res = em.run(t, clitest.Invocation{Args: []string{"auth", "verify-email", "--code", second, "--token-file", tokPath, "--secrets-out", secretsPath}, Env: em.env()})
	authRequireOK(t, res)
	authReadTokenFile(t, tokPath)
	var secrets map[string]string
	b := clitest.ReadFileWithMode(t, secretsPath, 0o600)
	if err := json.Unmarshal(b, &secrets); err != nil || secrets[authcmd.DefaultKeyName] != em.lastResponse(t, "POST", "/auth/verify-email")["api_key"] {
		t.Errorf("secrets file does not hold the sign-up API key under %q (err %v)", authcmd.DefaultKeyName, err)
	}
}

func TestAuthForgotAndResetPassword(t *testing.T) {
	t.Parallel()
	em := startAuthEmulator(t)
	const newPassword = "another-long-passphrase"
	em.secrets[newPassword] = true
	res := em.run(t, clitest.Invocation{Args: []string{"auth", "forgot-password", "--email", em.Demo.Email, "-o", "json"}, Env: em.env()})
	authRequireOK(t, res)
	if !json.Valid([]byte(res.Stdout)) {
		t.Errorf("forgot-password -o json printed %q", res.Stdout)
	}
	code := authLatestCode(t, em, em.Demo.Email, "password_reset")
	em.secrets[code] = true
	authRequireFail(t, em.run(t, clitest.Invocation{Args: []string{"auth", "reset-password", "--email", em.Demo.Email, "--code", code}, Env: em.env()}), 1, "no password")
	res = em.run(t, clitest.Invocation{Args: []string{"auth", "reset-password", "--email", em.Demo.Email, "--code", code, "--password-stdin"}, Env: em.env(), Stdin: newPassword + "\n"})
	authRequireOK(t, res)
	authRequireFail(t, em.run(t, clitest.Invocation{Args: []string{"auth", "login", "--email", em.Demo.Email, "--password-stdin"}, Env: em.env(), Stdin: em.Demo.Password + "\n"}), 1, "wrong")
	authRequireOK(t, em.run(t, clitest.Invocation{Args: []string{"auth", "login", "--email", em.Demo.Email, "--password-stdin"}, Env: em.env(), Stdin: newPassword + "\n"}))
	// The forgot-password answer is the same for an unknown email.
	res = em.run(t, clitest.Invocation{Args: []string{"auth", "forgot-password", "--email", "nobody@acme.example"}, Env: em.env()})
	authRequireOK(t, res)
	if !strings.Contains(res.Stdout, "If an account exists") {
		t.Errorf("stdout: %s", res.Stdout)
	}
}

// authAddTeam creates a team account in which the demo user is an active admin.
func authAddTeam(em *authEmulator, name string) {
	em.AddUser(emulator.UserSeed{Username: name, Email: name + "@teams.example", Verified: true, Team: true})
	em.AddMember(name, emulator.Member{Email: em.Demo.Email, Role: "admin", Status: "active"})
}

func TestAuthSwitchAccount(t *testing.T) {
	t.Parallel()
	em := startAuthEmulator(t)
	authAddTeam(em, "acme-team")
	res := clitest.Run(t, clitest.Invocation{Args: []string{"auth", "switch-account", "--scopes", "profile:read,api-keys:read", "--print-token", "acme-team"},
		Env: em.env(cmdutil.EnvEmail, em.Demo.Email, cmdutil.EnvPassword, em.Demo.Password)})
	authRequireOK(t, res)
	tok := em.lastResponse(t, "POST", "/auth/switch-account")["access_token"].(string)
	em.checkNoSecrets(t, []string{"auth", "switch-account"}, res, tok)
	if strings.TrimSpace(res.Stdout) != tok {
		t.Errorf("stdout is not the switched token")
	}
	snap, _ := em.Snapshot(em.Demo.Username)
	var got []string
	for _, tk := range snap.Tokens {
		if tk.Account == "acme-team" {
			got = append(got, strings.Join(tk.Scopes, ","))
		}
	}
	if diff := cmp.Diff([]string{"api-keys:read,profile:read"}, got); diff != "" {
		t.Errorf("tokens in acme-team (-want +got):\n%s", diff)
	}
	// The login that switched asked for tokens:write only, and is gone.
	if diff := cmp.Diff([]string{"demo", "mlabctl-auth-switch-account → acme-team", "old-laptop"}, em.tokenNames(t)); diff != "" {
		t.Errorf("tokens after switch-account (-want +got):\n%s", diff)
	}
	authRequireFail(t, em.run(t, clitest.Invocation{Args: []string{"auth", "switch-account", "no-such-team"}, Env: em.env(cmdutil.EnvToken, em.Demo.Token)}), 1,
		`switching to account "no-such-team"`, "only active members")
}

func TestAuthAcceptInvite(t *testing.T) {
	t.Parallel()
	em := startAuthEmulator(t)
	authAddTeam(em, "acme-team")
	const email, password = "eve@acme.example", "eves-long-passphrase"
	em.secrets[password] = true
	eve := em.AddUser(emulator.UserSeed{Email: email, Password: password, Verified: true})
	invite := em.AddMember("acme-team", emulator.Member{Email: email, Role: "viewer", Status: "pending"})
	res := em.run(t, clitest.Invocation{Args: []string{"auth", "accept-invite", invite.InviteID}, Env: em.env(cmdutil.EnvEmail, email, cmdutil.EnvPassword, password)})
	authRequireOK(t, res)
	if !strings.Contains(res.Stdout, "role viewer") {
		t.Errorf("stdout: %s", res.Stdout)
	}
	team, _ := em.Snapshot("acme-team")
	for _, m := range team.Team {
		if m.Email == email && m.Status != "active" {
			t.Errorf("eve is %s after accept-invite", m.Status)
		}
	}
	if snap, _ := em.Snapshot(eve); len(snap.Tokens) != 0 {
		t.Errorf("eve's ephemeral token was not logged out: %+v", snap.Tokens)
	}
	if login := em.callsTo("POST", "/auth/login"); len(login) != 1 || !cmp.Equal(login[0].Request["scopes"], []any{"teams:write"}) {
		t.Errorf("accept-invite logged in with %v, want scopes [teams:write]", login)
	}
}

// authEphemeralSpec manages the profile, the API keys and the team of the demo
// account; applying it changes the profile name and creates one key.
const authEphemeralSpec = `version: 1
profile:
  name: Acme Automation
api_keys:
  - name: production
  - name: ci
  - name: dashboard-playground
  - name: old-key
  - name: staging
team:
  - email: alice@example.com
    role: admin
    permissions: [api-keys, billing]
  - email: bob@example.com
    role: viewer
  - email: carol@example.com
    role: member
  - email: mallory@example.com
    role: member
`

// authRefusedSpec pins the protected entry to ci's id: the demo's live key
// named production (id 101) would be deleted, and protection follows it, so
// plan and apply refuse (exit 3).
const authRefusedSpec = `version: 1
api_keys:
  - name: production
    protect: true
    id: 102
  - name: dashboard-playground
  - name: old-key
`

// checkEphemeralLogin checks that exactly one login happened, asking for
// exactly scopes with token_expiry=1_week and device mlabctl-<command>; that
// the token existed with those scopes until its logout; and that it is gone.
func checkEphemeralLogin(t *testing.T, em *authEmulator, command string, scopes []string) {
	t.Helper()
	logins := em.callsTo("POST", "/auth/login")
	if len(logins) != 1 {
		t.Fatalf("%d logins, want 1", len(logins))
	}
	var wantScopes []any
	for _, s := range scopes {
		wantScopes = append(wantScopes, s)
	}
	device := "mlabctl-" + command
	want := map[string]any{"email": em.Demo.Email, "password": em.Demo.Password, "device_name": device, "token_expiry": "1_week", "scopes": wantScopes}
	if diff := cmp.Diff(want, logins[0].Request); diff != "" {
		t.Errorf("login request (-want +got):\n%s", diff)
	}
	logouts := em.callsTo("POST", "/auth/logout")
	if len(logouts) != 1 || logouts[0].Status != http.StatusOK {
		t.Fatalf("logouts %+v, want one that succeeded", logouts)
	}
	em.mu.Lock()
	before := em.atLogout[0]
	em.mu.Unlock()
	var found bool
	for _, tok := range before {
		if tok.Name != device {
			continue
		}
		found = true
		if diff := cmp.Diff(scopes, tok.Scopes); diff != "" {
			t.Errorf("scopes of the live ephemeral token (-want +got):\n%s", diff)
		}
		if tok.ExpiresAt == nil || tok.ExpiresAt.Sub(tok.CreatedAt) != 7*24*time.Hour {
			t.Errorf("the ephemeral token expires at %v, want a week after %v", tok.ExpiresAt, tok.CreatedAt)
		}
	}
	if !found {
		t.Errorf("no token %q was live before the logout", device)
	}
	if diff := cmp.Diff([]string{"demo", "old-laptop"}, em.tokenNames(t)); diff != "" {
		t.Errorf("tokens after the run (-want +got):\n%s", diff)
	}
}

func TestEphemeralTokenLeastPrivilege(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		command string
		spec    string
		args    []string
		faults  *emulator.Faults
		code    int
		scopes  []string
	}{
		{name: "plan", command: "plan", spec: authEphemeralSpec, args: []string{"plan"}, code: 0,
			scopes: []string{"api-keys:read", "profile:read", "teams:read"}},
		{name: "apply", command: "apply", spec: authEphemeralSpec, args: []string{"apply", "--auto-approve", "--secrets-out", "SECRETS"}, code: 0,
			scopes: []string{"api-keys:read", "api-keys:write", "profile:read", "profile:write", "teams:read", "teams:write"}},
		{name: "plan refused by a rail", command: "plan", spec: authRefusedSpec, args: []string{"plan"}, code: 3,
			scopes: []string{"api-keys:read", "profile:read"}},
		{name: "apply refused by a rail", command: "apply", spec: authRefusedSpec, args: []string{"apply", "--auto-approve"}, code: 3,
			scopes: []string{"api-keys:read", "api-keys:write", "profile:read"}},
		{name: "plan failing on an API fault", command: "plan", spec: authEphemeralSpec, args: []string{"plan"}, code: 1,
			faults: &emulator.Faults{Routes: []string{"GET /teams"}, Statuses: []int{503}, FailFirst: 1000},
			scopes: []string{"api-keys:read", "profile:read", "teams:read"}},
		{name: "apply failing on an API fault", command: "apply", spec: authEphemeralSpec, args: []string{"apply", "--auto-approve", "--secrets-out", "SECRETS"}, code: 1,
			faults: &emulator.Faults{Routes: []string{"GET /api-keys"}, Statuses: []int{404}, FailFirst: 1000},
			scopes: []string{"api-keys:read", "api-keys:write", "profile:read", "profile:write", "teams:read", "teams:write"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			em := startAuthEmulator(t)
			em.Faults = tc.faults
			dir := t.TempDir()
			file := clitest.WriteFile(t, dir, "modelslab.yaml", tc.spec)
			var args []string
			for _, a := range tc.args {
				args = append(args, strings.ReplaceAll(a, "SECRETS", filepath.Join(dir, "secrets.json")))
			}
			args = append(args, "-f", file)
			res := em.run(t, clitest.Invocation{Args: args, Env: em.env(cmdutil.EnvEmail, em.Demo.Email, cmdutil.EnvPassword, em.Demo.Password)})
			if res.Code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", res.Code, tc.code, res.Stdout, res.Stderr)
			}
			checkEphemeralLogin(t, em, tc.command, tc.scopes)
		})
	}
}

func TestEphemeralTokenGoneAfterInterrupt(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// when is the request whose arrival triggers the interrupt.
		when string
		// stderr, when set, is what the error says (EMAIL stands for the
		// demo user's address).
		stderr string
	}{
		// The server is still creating the token when Ctrl-C comes.
		{name: "during the login", when: "POST /auth/login",
			stderr: `Error: interrupted while logging in as "EMAIL"` + "\n"},
		// The token is in use, reading the account.
		{name: "while reading the account", when: "GET /me"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			em := startAuthEmulator(t)
			// Every request takes a while, so that the interrupt lands
			// while the request that triggered it is in flight.
			em.Latency = 300 * time.Millisecond
			dir := t.TempDir()
			file := clitest.WriteFile(t, dir, "modelslab.yaml", authEphemeralSpec)
			// Ctrl-C cancels the run's context (cli.InterruptContext; the
			// signal itself is e2e's TestSecondInterruptQuits's).
			ctx, interrupt := context.WithCancel(context.Background())
			defer interrupt()
			go func() {
				deadline := time.Now().Add(30 * time.Second)
				for !em.hasArrived(tc.when) && time.Now().Before(deadline) {
					time.Sleep(5 * time.Millisecond)
				}
				interrupt()
			}()
			res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", file}, Context: ctx,
				Env: map[string]string{cmdutil.EnvBaseURL: em.URL, cmdutil.EnvEmail: em.Demo.Email, cmdutil.EnvPassword: em.Demo.Password}})
			if !em.hasArrived(tc.when) {
				t.Fatalf("plan never sent %s", tc.when)
			}
			if res.Code == 0 {
				t.Errorf("plan exited 0 after an interrupt; stdout: %s", res.Stdout)
			}
			em.checkNoSecrets(t, []string{"plan", "(interrupted)"}, res)
			stderr := res.Stderr
			if tc.stderr != "" {
				if diff := cmp.Diff(strings.ReplaceAll(tc.stderr, "EMAIL", em.Demo.Email), stderr); diff != "" {
					t.Errorf("stderr (-want +got):\n%s", diff)
				}
			}
			if diff := cmp.Diff([]string{"demo", "old-laptop"}, em.tokenNames(t)); diff != "" {
				t.Errorf("tokens after an interrupted plan (-want +got):\n%s\nstderr: %s", diff, stderr)
			}
			if n := len(em.callsTo("POST", "/auth/logout")); n != 1 {
				t.Errorf("%d logouts, want 1", n)
			}
		})
	}
}

func TestEphemeralTokenSwitchesAccount(t *testing.T) {
	t.Parallel()
	em := startAuthEmulator(t)
	authAddTeam(em, "acme-team")
	em.AddAPIKey("acme-team", emulator.Key{Name: "team-key"})
	dir := t.TempDir()
	file := clitest.WriteFile(t, dir, "modelslab.yaml", "version: 1\naccount: acme-team\napi_keys:\n  - name: team-key\n")
	res := em.run(t, clitest.Invocation{Args: []string{"plan", "-f", file}, Env: em.env(cmdutil.EnvEmail, em.Demo.Email, cmdutil.EnvPassword, em.Demo.Password)})
	authRequireOK(t, res)
	logins := em.callsTo("POST", "/auth/login")
	switches := em.callsTo("POST", "/auth/switch-account")
	if len(logins) != 1 || len(switches) != 1 {
		t.Fatalf("%d logins and %d switches, want 1 and 1", len(logins), len(switches))
	}
	if diff := cmp.Diff([]any{"api-keys:read", "profile:read", "tokens:write"}, logins[0].Request["scopes"]); diff != "" {
		t.Errorf("login scopes (-want +got):\n%s", diff)
	}
	// The switched token is named and bounded like the login: the run's
	// device name, the shortest documented expiry.
	if diff := cmp.Diff(map[string]any{"account_username": "acme-team", "scopes": []any{"api-keys:read", "profile:read"},
		"device_name": "mlabctl-plan", "token_expiry": "1_week"}, switches[0].Request); diff != "" {
		t.Errorf("switch request (-want +got):\n%s", diff)
	}
	// Both the login and the switched token were logged out.
	if n := len(em.callsTo("POST", "/auth/logout")); n != 2 {
		t.Errorf("%d logouts, want 2 (the switched token, then the login)", n)
	}
	if diff := cmp.Diff([]string{"demo", "old-laptop"}, em.tokenNames(t)); diff != "" {
		t.Errorf("tokens after the run (-want +got):\n%s", diff)
	}
	if !strings.Contains(res.Stdout, "acme-team") {
		t.Errorf("the plan does not name the team account:\n%s", res.Stdout)
	}
}

// TestHeadlessBootstrap is the recipe of docs/auth.md: sign up, read the
// code from the outbox, verify with --token-file, apply the account's API
// keys with MODELSLAB_TOKEN from that file, and plan again to no changes.
func TestHeadlessBootstrap(t *testing.T) {
	t.Parallel()
	em := startAuthEmulator(t)
	dir := t.TempDir()
	const email, password = "bot@newco.example", "bootstrap-passphrase-42"
	em.secrets[password] = true

	res := em.run(t, clitest.Invocation{Args: []string{"auth", "signup", "--email", email, "--name", "NewCo Bot", "--password-stdin", "-o", "json"}, Env: em.env(), Stdin: password + "\n"})
	authRequireOK(t, res)
	var signup struct {
		Account string `json:"account"`
	}
	if err := json.Unmarshal([]byte(res.Stdout), &signup); err != nil || signup.Account == "" {
		t.Fatalf("signup -o json: %v\n%s", err, res.Stdout)
	}

	// The outbox, as a shell script would read it.
	resp, err := http.Get(em.URL + "/_emulator/outbox")
	if err != nil {
		t.Fatal(err)
	}
	var mails []emulator.Mail
	err = json.NewDecoder(resp.Body).Decode(&mails)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	var code string
	for _, m := range mails {
		if m.To == email && m.Kind == "verification" {
			code = m.Code
		}
	}
	if code == "" {
		t.Fatalf("no verification mail to %s in %+v", email, mails)
	}

	tokenPath, secretsPath := filepath.Join(dir, "token"), filepath.Join(dir, "secrets.json")
	authRequireOK(t, em.run(t, clitest.Invocation{Args: []string{"auth", "verify-email", "--token-file", tokenPath, "--secrets-out", secretsPath, code}, Env: em.env()}))
	token := authReadTokenFile(t, tokenPath)

	file := clitest.WriteFile(t, dir, "modelslab.yaml", `version: 1
profile:
  about_me: NewCo's automation account.
api_keys:
  - name: default
    notes: Created at sign-up
  - name: production
    notes: Used by the production backend
  - name: ci
    notes: Used by GitHub Actions
`)
	env := em.env(cmdutil.EnvToken, token)
	authRequireOK(t, em.run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "--secrets-out", secretsPath, "-f", file}, Env: env}))

	snap, _ := em.Snapshot(signup.Account)
	live := map[string]string{}
	for _, k := range snap.APIKeys {
		live[k.Name] = k.Key
	}
	if diff := cmp.Diff(live, clitest.ReadSecretsFile(t, secretsPath)); diff != "" {
		t.Errorf("secrets file vs the live keys (-want +got):\n%s", diff)
	}
	if snap.AboutMe != "NewCo's automation account." {
		t.Errorf("about_me = %q", snap.AboutMe)
	}
	res = em.run(t, clitest.Invocation{Args: []string{"plan", "--detailed-exitcode", "-f", file}, Env: env})
	if res.Code != 0 {
		t.Errorf("plan after the bootstrap: exit %d, want 0 (no changes)\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
}

// TestAuthJSONEverywhere runs every auth subcommand with -o json (and
// --debug, whose log goes to stderr): stdout must be one JSON value, and
// neither stream may hold a secret.
func TestAuthJSONEverywhere(t *testing.T) {
	t.Parallel()
	em := startAuthEmulator(t)
	authAddTeam(em, "acme-team")
	dir := t.TempDir()
	const email, password, newPassword = "json@acme.example", "json-passphrase-1", "json-passphrase-2"
	em.secrets[password], em.secrets[newPassword] = true, true
	invite := em.AddMember("acme-team", emulator.Member{Email: email, Role: "member", Status: "pending"})
	login := em.env(cmdutil.EnvEmail, email, cmdutil.EnvPassword, password)
	tokenFile := filepath.Join(dir, "token")
	fromFile := func() map[string]string { return em.env(cmdutil.EnvToken, authReadTokenFile(t, tokenFile)) }
	noToken := func() map[string]string { return em.env() }
	victim := em.IssueToken(em.Demo.Username, "victim", []string{"*"}, time.Hour)
	em.secrets[victim] = true
	snap, _ := em.Snapshot(em.Demo.Username)
	var victimID string
	for _, tok := range snap.Tokens {
		if tok.Name == "victim" {
			victimID = strconv.FormatInt(tok.ID, 10)
		}
	}
	steps := []struct {
		args  []string
		env   func() map[string]string
		stdin string
	}{
		{args: []string{"auth", "signup", "--email", email, "--name", "Jay", "--password-stdin"}, env: noToken, stdin: password + "\n"},
		{args: []string{"auth", "resend-verification", "--email", email}, env: noToken},
		{args: []string{"auth", "verify-email", "--token-file", tokenFile, "CODE"}, env: noToken},
		{args: []string{"auth", "login", "--email", email, "--password-stdin", "--token-file", tokenFile}, env: noToken, stdin: password + "\n"},
		{args: []string{"auth", "refresh", "--expiry", "1_month", "--token-file", tokenFile}, env: fromFile},
		{args: []string{"auth", "tokens", "list"}, env: fromFile},
		{args: []string{"auth", "accept-invite", invite.InviteID}, env: func() map[string]string { return login }},
		{args: []string{"auth", "tokens", "revoke", victimID}, env: func() map[string]string { return em.env(cmdutil.EnvToken, em.Demo.Token) }},
		{args: []string{"auth", "switch-account", "--scopes", "profile:read", "acme-team"}, env: func() map[string]string { return em.env(cmdutil.EnvToken, em.Demo.Token) }},
		{args: []string{"auth", "tokens", "revoke-others"}, env: fromFile},
		{args: []string{"auth", "logout"}, env: fromFile},
		{args: []string{"auth", "forgot-password", "--email", email}, env: noToken},
		{args: []string{"auth", "reset-password", "--email", email, "--code", "RESET", "--password-stdin"}, env: noToken, stdin: newPassword + "\n"},
		{args: []string{"auth", "logout-all"}, env: func() map[string]string { return em.env(cmdutil.EnvEmail, email, cmdutil.EnvPassword, newPassword) }},
	}
	for _, st := range steps {
		name := strings.Join(st.args[:2], " ")
		if st.args[1] == "tokens" {
			name += " " + st.args[2]
		}
		t.Run(name, func(t *testing.T) {
			args := slices.Clone(st.args)
			for i, a := range args {
				switch a {
				case "CODE":
					args[i] = authLatestCode(t, em, email, "verification")
				case "RESET":
					args[i] = authLatestCode(t, em, email, "password_reset")
					em.secrets[args[i]] = true
				}
			}
			// -o json and --debug go before the arguments.
			at := 2
			if args[1] == "tokens" {
				at = 3
			}
			args = slices.Insert(args, at, "-o", "json", "--debug")
			res := em.run(t, clitest.Invocation{Args: args, Env: st.env(), Stdin: st.stdin})
			authRequireOK(t, res)
			var v any
			if err := json.Unmarshal([]byte(res.Stdout), &v); err != nil {
				t.Errorf("stdout is not one JSON value: %v\n%s", err, res.Stdout)
			}
			if !strings.Contains(res.Stderr, "/auth/") {
				t.Errorf("--debug logged no request to stderr:\n%s", res.Stderr)
			}
		})
	}
}

// TestAuthPrintTokenMaskedOnGitHub: under GitHub Actions, a token printed
// on request (--print-token, in text or JSON) is first masked with
// ::add-mask:: on stderr, so the runner hides it in every later log line,
// while stdout stays the token alone for $(...) capture.
func TestAuthPrintTokenMaskedOnGitHub(t *testing.T) {
	t.Parallel()
	em := startAuthEmulator(t)
	authAddTeam(em, "acme-team")
	tests := []struct {
		name  string
		args  []string
		env   func() map[string]string
		stdin string
		// route is the call whose response holds the printed token.
		route string
		json  bool
	}{
		{name: "login", args: []string{"auth", "login", "--email", em.Demo.Email, "--password-stdin", "--print-token"},
			env: func() map[string]string { return em.env() }, stdin: em.Demo.Password + "\n", route: "/auth/login"},
		{name: "login -o json", args: []string{"auth", "login", "--email", em.Demo.Email, "--password-stdin", "--print-token", "-o", "json"},
			env: func() map[string]string { return em.env() }, stdin: em.Demo.Password + "\n", route: "/auth/login", json: true},
		{name: "switch-account", args: []string{"auth", "switch-account", "--scopes", "profile:read", "--print-token", "acme-team"},
			env: func() map[string]string { return em.env(cmdutil.EnvToken, em.Demo.Token) }, route: "/auth/switch-account"},
		{name: "refresh", args: []string{"auth", "refresh", "--expiry", "1_week", "--print-token"},
			env: func() map[string]string {
				return em.env(cmdutil.EnvToken, em.IssueToken(em.Demo.Username, "to-refresh", []string{"*"}, time.Hour))
			}, route: "/auth/refresh"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := tt.env()
			env["GITHUB_ACTIONS"] = "true"
			res := clitest.Run(t, clitest.Invocation{Args: tt.args, Env: env, Stdin: tt.stdin})
			authRequireOK(t, res)
			tok, _ := em.lastResponse(t, "POST", tt.route)["access_token"].(string)
			if tok == "" {
				t.Fatalf("no access_token in the response of POST %s", tt.route)
			}
			em.checkNoSecrets(t, tt.args, res, tok)
			if !strings.HasPrefix(res.Stderr, "::add-mask::"+tok+"\n") {
				t.Errorf("stderr does not begin by masking the token:\n%s", res.Stderr)
			}
			if strings.Count(res.Stderr, tok) != 1 {
				t.Errorf("stderr holds the token %d times, want once (in ::add-mask::)", strings.Count(res.Stderr, tok))
			}
			if tt.json {
				var got struct {
					Token struct {
						Value string `json:"value"`
					} `json:"token"`
				}
				if err := json.Unmarshal([]byte(res.Stdout), &got); err != nil || got.Token.Value != tok {
					t.Errorf("stdout is not the JSON report with the token (%v):\n%s", err, res.Stdout)
				}
			} else if diff := cmp.Diff(tok+"\n", res.Stdout); diff != "" {
				t.Errorf("stdout is not the token alone (-want +got):\n%s", diff)
			}
		})
	}
}
