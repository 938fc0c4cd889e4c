package applycmd_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/mlabctl/mlabctl/remote"
)

// The checklist: one command-level test per row of API.md's last table
// ("What the public documentation leaves open"), each failing when mlabctl
// does not handle its variant. TestCommandsOnEveryVariant runs the common
// commands on every reading besides.

// rewrite serves m's emulator through a proxy that edits the JSON answer
// of every GET of path (relative to the API root) with edit, and points
// m's runs at it: a server answering in a shape the emulator has no knob
// for.
func (m *matrixRun) rewrite(path string, edit func(body map[string]any)) {
	m.t.Helper()
	isGet := func(r *http.Request) bool { return r.Method == http.MethodGet && r.URL.Path == remote.APIPrefix+path }
	proxy := httptest.NewServer(emulatortest.RewriteAnswers(m.em, isGet, func(_ *http.Request, status int, body []byte) []byte {
		if status != http.StatusOK {
			return body
		}
		var v map[string]any
		if err := json.Unmarshal(body, &v); err != nil {
			m.t.Errorf("GET %s: %v", path, err)
		}
		edit(v)
		body, _ = json.Marshal(v)
		return body
	}))
	m.t.Cleanup(proxy.Close)
	m.env[cmdutil.EnvBaseURL] = proxy.URL
}

// count429 is how many answers of the emulator were 429s.
func (m *matrixRun) count429() int {
	n := 0
	for _, r := range m.em.Requests() {
		if r.Status == http.StatusTooManyRequests {
			n++
		}
	}
	return n
}

// Envelope: Laravel's {message, errors} and an error given as a string,
// without meta, are read: a rejected token is explained as one.
func TestRowEnvelope(t *testing.T) {
	t.Parallel()
	for _, v := range []emulator.Variants{{Errors: "laravel", OmitMeta: true}, {Errors: "string"}} {
		t.Run(v.Errors, func(t *testing.T) {
			t.Parallel()
			m := startMatrixRun(t, v)
			m.env[cmdutil.EnvToken] = "not-a-token-of-this-server"
			res := m.run(1, "plan", "-f", m.file("modelslab.yaml", "version: 1\nprofile:\n  name: x\n"))
			requireAll(t, "plan with a rejected token", res.Stderr, "the access token was rejected (401", "mlabctl auth login")
		})
	}
}

// Idempotency-Key: a replay flagged only in the body (idempotency_replay:
// true) is recognised: an identical plan applied again after the change
// was reverted by hand is made again, not believed.
func TestRowReplayInTheBody(t *testing.T) {
	t.Parallel()
	m := startMatrixRun(t, emulator.Variants{Replays: "body"})
	spec := m.file("modelslab.yaml", "version: 1\nprofile:\n  name: Acme Automation\n")
	m.run(0, "apply", "-f", spec, "--auto-approve")
	c, err := remote.New(remote.Options{BaseURL: m.em.URL, Token: remote.Secret(m.em.Demo.Token)})
	if err != nil {
		t.Fatal(err)
	}
	back := "Acme Bot"
	if _, err := c.UpdateProfile(context.Background(), remote.ProfileUpdate{Name: &back}); err != nil {
		t.Fatal(err)
	}
	res := m.run(0, "apply", "-f", spec, "--auto-approve")
	replayed := slices.ContainsFunc(m.em.Requests(), func(r emulator.Request) bool { return r.Replayed })
	if !replayed {
		t.Fatalf("the second apply was not replayed by the server; the test no longer tests anything:\n%s", res.Stdout)
	}
	requireAll(t, "plan after the replayed apply", m.run(0, "plan", "-f", spec, "--detailed-exitcode").Stdout, "No changes.")
}

// rateLimitSpec declares the demo's keys and n new ones: an apply of n
// creates.
func rateLimitSpec(n int) string {
	var b strings.Builder
	b.WriteString("version: 1\napi_keys:\n  - name: production\n  - name: ci\n  - name: dashboard-playground\n  - name: old-key\n")
	for i := range n {
		fmt.Fprintf(&b, "  - name: new-%02d\n", i)
	}
	return b.String()
}

// Rate limits: at 20 requests per 2 s, an apply of 60 changes finishes
// (exit 0), whether the server sends only X-RateLimit-Remaining/Reset
// (paced: no 429) or no rate-limit header at all (each 429 that says
// nothing waits a window); a --max-wait too short for it stops the apply
// cleanly (exit 4, the summary). The clock is simulated: the windows cost
// no time.
func TestRowRateLimits(t *testing.T) {
	t.Parallel()
	window := emulator.Variants{WindowLimit: 20, Window: 2 * time.Second, OmitRetryAfter: true, OmitRateLimitLimit: true}
	noHeaders := window
	noHeaders.OmitRateLimitHeaders = true
	for _, tc := range []struct {
		name     string
		variants emulator.Variants
		maxWait  string
		code     int
		stdout   []string
		stderr   []string
		max429   int
	}{
		{name: "Remaining and Reset only", variants: window, code: 0, max429: 0,
			stdout: []string{"Apply complete: 60 created", "Waited "}, stderr: []string{"rate limited by the API: waiting 2s for the window to reset"}},
		// Each window ends with a 429 for every call then in flight
		// (up to --parallelism 4).
		{name: "no rate-limit header", variants: noHeaders, code: 0, max429: 3 * 4,
			stdout: []string{"Apply complete: 60 created"}, stderr: []string{"rate limited by the API: waiting 1m0s after a 429 that said nothing"}},
		{name: "--max-wait runs out", variants: window, maxWait: "3s", code: 4,
			stdout: []string{"Apply stopped: the API's rate limit outlasted the wait budget (--max-wait)", "not started: the rate-limit wait budget (--max-wait) is spent", "Run the same command again"},
			stderr: []string{"rate limited by the API: waiting", "stopped for the rate limit (--max-wait)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := startMatrixRun(t, tc.variants)
			args := []string{"apply", "-f", m.file("modelslab.yaml", rateLimitSpec(60)), "--auto-approve", "--secrets-out", filepath.Join(m.dir, "secrets.json")}
			if tc.maxWait != "" {
				args = append(args, "--max-wait", tc.maxWait)
			}
			started := time.Now()
			res := m.run(tc.code, args...)
			requireAll(t, "apply", res.Stdout, tc.stdout...)
			requireAll(t, "apply's stderr", res.Stderr, tc.stderr...)
			if n := m.count429(); n > tc.max429 && tc.code == 0 {
				t.Errorf("%d answers of 429, want at most %d", n, tc.max429)
			}
			t.Logf("%s: %d requests, %d answers of 429, %v simulated (%v real)", tc.name, len(m.em.Requests()), m.count429(), m.clock.Slept(), time.Since(started).Round(time.Millisecond))
		})
	}
}

// Pagination: Laravel's meta, links.next alone, data {items, pagination}
// and no pagination at all are read whole: an account of two pages of
// keys does not plan to create the keys of page 2; a list hinting at more
// pages in a shape mlabctl does not understand (a cursor) fails the plan
// (exit 1), saying what it saw.
func TestRowPagination(t *testing.T) {
	t.Parallel()
	spec := func(m *matrixRun) string {
		var b strings.Builder
		b.WriteString("version: 1\napi_keys:\n  - name: production\n  - name: ci\n  - name: dashboard-playground\n  - name: old-key\n")
		for i := range bulkKeys {
			fmt.Fprintf(&b, "  - name: bulk-%03d\n    notes: n\n", i)
		}
		return m.file("modelslab.yaml", b.String())
	}
	for _, shape := range []string{"", "laravel", "links", "items", "none"} {
		t.Run("pagination="+shape, func(t *testing.T) {
			t.Parallel()
			m := startMatrixRun(t, emulator.Variants{Pagination: shape})
			m.seedBulk()
			if got := m.planChanges(spec(m)); len(got) != 0 {
				t.Errorf("plan of an account matching the file: %q, want no change", got)
			}
		})
	}
	t.Run("a cursor", func(t *testing.T) {
		t.Parallel()
		m := startMatrixRun(t, emulator.Variants{Pagination: "none"})
		m.seedBulk()
		m.rewrite("/api-keys", func(body map[string]any) {
			body["links"] = map[string]any{"next": m.em.URL + remote.APIPrefix + "/api-keys?cursor=eyJpZCI6MTAwfQ"}
		})
		res := m.run(1, "plan", "-f", spec(m))
		requireAll(t, "plan of a list with a cursor", res.Stderr, "reading the live account", "cursor")
	})
}

// Team member status: accepted and invite_status read as active/pending
// (the matrix); a status mlabctl does not know makes that member unknown,
// shown, and a plan removing it is refused (exit 3), the others planned
// as usual.
func TestRowUnknownMemberStatus(t *testing.T) {
	t.Parallel()
	m := startMatrixRun(t, emulator.Variants{})
	m.rewrite("/teams", func(body map[string]any) {
		for _, it := range body["data"].([]any) {
			if mem := it.(map[string]any); mem["email"] == "mallory@example.com" {
				mem["status"] = "suspended"
			}
		}
	})
	spec := m.file("modelslab.yaml", "version: 1\nteam:\n  - email: alice@example.com\n    role: admin\n    permissions: [api-keys, billing]\n  - email: bob@example.com\n    role: viewer\n  - email: carol@example.com\n    role: member\n")
	res := m.run(3, "plan", "-f", spec)
	requireAll(t, "plan removing a member of unknown status", res.Stdout+res.Stderr, "mallory@example.com", "suspended")
	m.run(3, "apply", "-f", spec, "--auto-approve")
	acct, _ := m.em.Snapshot(m.em.Demo.Username)
	if !slices.ContainsFunc(acct.Team, func(mem emulator.Member) bool { return mem.Email == "mallory@example.com" }) {
		t.Error("mallory, of unknown status, was removed")
	}
}

// Roles: a live role beyond admin, member and viewer is read with a
// warning, not an error; export leaves that member to ignore.team. An
// invite whose answer drops role and permissions is followed by an update
// in the same apply (the matrix's invite-ignores-role checks convergence).
func TestRowRoles(t *testing.T) {
	t.Parallel()
	t.Run("unknown role", func(t *testing.T) {
		t.Parallel()
		m := startMatrixRun(t, emulator.Variants{})
		m.em.AddMember(m.em.Demo.Username, emulator.Member{Email: "olga@example.com", Role: "billing-manager", Status: "active"})
		res := m.run(0, "plan", "-f", m.file("modelslab.yaml", matrixSpec(t)))
		requireAll(t, "plan with an unknown role", res.Stdout+res.Stderr, "olga@example.com", "billing-manager")
		exported := m.run(0, "export").Stdout
		requireAll(t, "export", exported, "olga@example.com")
	})
	t.Run("invite ignores role", func(t *testing.T) {
		t.Parallel()
		m := startMatrixRun(t, emulator.Variants{InviteIgnoresRole: true})
		spec := m.file("modelslab.yaml", "version: 1\nteam:\n  - email: alice@example.com\n    role: admin\n    permissions: [api-keys, billing]\n  - email: bob@example.com\n    role: viewer\n  - email: carol@example.com\n    role: member\n  - email: mallory@example.com\n    role: member\n  - email: zoe@example.com\n    role: admin\n    permissions: [billing]\n")
		res := m.run(0, "apply", "-f", spec, "--auto-approve")
		requireAll(t, "apply", res.Stdout, "+ team_member.zoe@example.com: invited", "role and permissions set by an update")
		acct, _ := m.em.Snapshot(m.em.Demo.Username)
		if !slices.ContainsFunc(acct.Team, func(mem emulator.Member) bool {
			return mem.Email == "zoe@example.com" && mem.Role == "admin" && slices.Equal(mem.Permissions, []string{"billing"})
		}) {
			t.Errorf("zoe is not an admin with billing after apply: %+v", acct.Team)
		}
	})
}

// Access tokens: a list that marks no token current (and a token that does
// not name its id) plans no revocation: access_tokens refuses (exit 3),
// plan and apply, naming the tokens; a Sanctum token <id>|<secret> proves
// which one is in use, and the others are revoked.
func TestRowTokensWithoutCurrent(t *testing.T) {
	t.Parallel()
	spec := "version: 1\naccess_tokens:\n  keep: [\"demo\"]\n"
	t.Run("no current, no proof", func(t *testing.T) {
		t.Parallel()
		m := startMatrixRun(t, emulator.Variants{OmitTokenCurrent: true, TokenAbilities: true})
		f := m.file("modelslab.yaml", spec)
		res := m.run(3, "plan", "-f", f)
		requireAll(t, "plan", res.Stderr, "does not say which token this run uses", "access_token.old-laptop#2")
		m.run(3, "apply", "-f", f, "--auto-approve")
		if names := m.em.TokenNames(t, m.em.Demo.Username); !slices.Equal(names, []string{"demo", "old-laptop"}) {
			t.Errorf("tokens %v after the refused apply, want both", names)
		}
	})
	t.Run("sanctum proves it", func(t *testing.T) {
		t.Parallel()
		m := startMatrixRun(t, emulator.Variants{OmitTokenCurrent: true, TokenAbilities: true, SanctumTokens: true})
		if !strings.Contains(m.em.Demo.Token, "|") {
			t.Fatalf("the demo token %q is not a Sanctum token", "…")
		}
		// A keep that matches nothing: only the token in use survives.
		f := m.file("modelslab.yaml", "version: 1\naccess_tokens:\n  keep: []\n")
		res := m.run(0, "apply", "-f", f, "--auto-approve")
		requireAll(t, "apply", res.Stdout, "access_token.old-laptop#", "revoked")
		if names := m.em.TokenNames(t, m.em.Demo.Username); !slices.Equal(names, []string{"demo"}) {
			t.Errorf("tokens %v, want the one in use only", names)
		}
	})
}

// Socials: the five documented links are managed; website, which a
// documented server neither reports nor stores, is left out with a
// warning, and not planned again after every apply.
func TestRowSocials(t *testing.T) {
	t.Parallel()
	m := startMatrixRun(t, emulator.Variants{Socials: "documented"})
	spec := m.file("modelslab.yaml", "version: 1\nsocials:\n  github: acme\n  facebook: acme.inc\n  instagram: acme\n  discord: acme#1\n  twitter: acme\n  website: https://acme.example\n")
	res := m.run(0, "apply", "-f", spec, "--auto-approve")
	requireAll(t, "apply", res.Stdout+res.Stderr, "website")
	res = m.run(0, "plan", "-f", spec, "--detailed-exitcode")
	requireAll(t, "plan after apply", res.Stdout, "No changes.")
	acct, _ := m.em.Snapshot(m.em.Demo.Username)
	if acct.Socials["facebook"] != "acme.inc" || acct.Socials["discord"] != "acme#1" {
		t.Errorf("socials after apply: %v", acct.Socials)
	}
}

// Token expiry and scope names: against a server that accepts only the
// documented token_expiry values, a plan with MODELSLAB_EMAIL/PASSWORD in a
// team account logs in and switches with 1_week and a device name and
// logs both tokens out; a server whose GET /auth/scopes does not list a
// scope the plan needs is refused before any login, naming it.
func TestRowEphemeralLogin(t *testing.T) {
	t.Parallel()
	login := func(m *matrixRun) {
		delete(m.env, cmdutil.EnvToken)
		m.env[cmdutil.EnvEmail], m.env[cmdutil.EnvPassword] = m.em.Demo.Email, m.em.Demo.Password
	}
	t.Run("documented expiries, a team account", func(t *testing.T) {
		t.Parallel()
		m := startMatrixRun(t, emulator.Variants{TokenExpiries: "documented"})
		m.em.AddUser(emulator.UserSeed{Username: "acme-team", Verified: true, Team: true})
		m.em.AddMember("acme-team", emulator.Member{Email: m.em.Demo.Email, Role: "admin", Status: "active"})
		login(m)
		before := m.em.TokenNames(t, m.em.Demo.Username)
		res := m.run(0, "plan", "-f", m.file("modelslab.yaml", "version: 1\naccount: acme-team\napi_keys: []\n"))
		requireAll(t, "plan in a team account", res.Stdout, "acme-team")
		if after := m.em.TokenNames(t, m.em.Demo.Username); !slices.Equal(after, before) {
			t.Errorf("tokens %v after the plan, want %v: the login and the switched token are logged out", after, before)
		}
		if n := m.em.Count("POST /auth/switch-account"); n != 1 {
			t.Errorf("%d switches, want 1", n)
		}
	})
	t.Run("a scope the server does not list", func(t *testing.T) {
		t.Parallel()
		m := startMatrixRun(t, emulator.Variants{})
		m.rewrite("/auth/scopes", func(body map[string]any) {
			var kept []any
			for _, s := range body["data"].([]any) {
				if s.(map[string]any)["scope"] != remote.ScopeTeamsRead {
					kept = append(kept, s)
				}
			}
			body["data"] = kept
		})
		login(m)
		res := m.run(1, "plan", "-f", m.file("modelslab.yaml", "version: 1\nteam: []\n"))
		requireAll(t, "plan", res.Stderr, `the API does not know the scope "teams:read"`, "GET /auth/scopes lists")
		if n := m.em.Count("POST /auth/login"); n != 0 {
			t.Errorf("%d logins, want none", n)
		}
	})
}

// Update answers: a PUT or PATCH answered with data null or {message}
// succeeded: apply says so (exit 0, not 4) and the next plan is empty.
func TestRowUpdateAnswers(t *testing.T) {
	t.Parallel()
	for _, answer := range []string{"null", "message"} {
		t.Run(answer, func(t *testing.T) {
			t.Parallel()
			m := startMatrixRun(t, emulator.Variants{UpdateAnswers: answer})
			spec := m.file("modelslab.yaml", "version: 1\nprofile:\n  name: Acme Automation\npreferences:\n  nsfw_content: false\napi_keys:\n  - name: production\n    notes: new notes\n  - name: ci\n  - name: dashboard-playground\n  - name: old-key\nteam:\n  - email: alice@example.com\n    role: admin\n  - email: bob@example.com\n    role: member\n  - email: carol@example.com\n    role: member\n  - email: mallory@example.com\n    role: member\n")
			res := m.run(0, "apply", "-f", spec, "--auto-approve")
			requireAll(t, "apply", res.Stdout, "~ profile: updated", "~ api_key.production: updated", "~ team_member.bob@example.com: updated", "Apply complete")
			requireAll(t, "plan after apply", m.run(0, "plan", "-f", spec, "--detailed-exitcode").Stdout, "No changes.")
		})
	}
}

// Timestamps: `Y-m-d H:i:s` is read like RFC 3339: the key older than
// rotate_after is replaced and every date in the plan is the same.
func TestRowTimestamps(t *testing.T) {
	t.Parallel()
	plans := map[string]string{}
	for _, format := range []string{"", "sql"} {
		m := startMatrixRun(t, emulator.Variants{Timestamps: format})
		res := m.run(0, "plan", "-f", m.file("modelslab.yaml", "version: 1\napi_keys:\n  - name: production\n  - name: ci\n    rotate_after: 90d\n  - name: dashboard-playground\n"))
		requireAll(t, "plan", res.Stdout, "-/+ api_key.ci", "older than rotate_after 90d (created ", "- api_key.old-key")
		plans[format] = strings.ReplaceAll(res.Stdout, m.em.URL, "URL")
	}
	if plans[""] != plans["sql"] {
		t.Errorf("the plan differs with Y-m-d H:i:s timestamps:\n%s\nvs RFC 3339:\n%s", plans["sql"], plans[""])
	}
}

// The progress line of an apply on a terminal shows a rate-limit wait,
// and the wait's line on stderr is printed clear of it.
func TestProgressLineShowsRateLimitWaits(t *testing.T) {
	t.Parallel()
	m := startMatrixRun(t, emulator.Variants{WindowLimit: 20, Window: 2 * time.Second, OmitRetryAfter: true, OmitRateLimitLimit: true})
	res := clitest.Run(t, clitest.Invocation{
		Args:      []string{"apply", "-f", m.file("modelslab.yaml", rateLimitSpec(30)), "--auto-approve", "--secrets-out", filepath.Join(m.dir, "s.json")},
		Env:       m.env,
		Clock:     m.clock,
		StdoutTTY: true,
	})
	if res.Code != 0 {
		t.Fatalf("exit %d\n%s\n%s", res.Code, res.Stdout, res.Stderr)
	}
	requireAll(t, "apply's terminal", res.Stdout, "for the API's rate limit: api_key.new-")
	requireAll(t, "apply's stderr", res.Stderr, "mlabctl: rate limited by the API: waiting ")
}

// --debug prints every request with its whole path, the API prefix
// included, so that a call can be repeated with curl.
func TestDebugShowsTheWholePath(t *testing.T) {
	t.Parallel()
	m := startMatrixRun(t, emulator.Variants{})
	res := m.run(0, "plan", "--debug", "-f", m.file("modelslab.yaml", "version: 1\napi_keys: []\n"))
	requireAll(t, "plan --debug", res.Stderr, "mlabctl: http GET /api/agents/v1/me 200 ", "mlabctl: http GET /api/agents/v1/api-keys?page=1&per_page=100 200 ")
}
