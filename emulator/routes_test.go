package emulator

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// endpoints is API.md's endpoint table, written out again (not derived from
// routes) so that the two check each other.
var endpoints = []struct {
	method, path, scope string
	auth                bool
}{
	{"POST", "/auth/signup", "", false},
	{"POST", "/auth/verify-email", "", false},
	{"POST", "/auth/resend-verification", "", false},
	{"POST", "/auth/login", "", false},
	{"POST", "/auth/refresh", "", true},
	{"POST", "/auth/logout", "", true},
	{"POST", "/auth/logout-all", "tokens:write", true},
	{"POST", "/auth/forgot-password", "", false},
	{"POST", "/auth/reset-password", "", false},
	{"GET", "/auth/scopes", "", false},
	{"GET", "/auth/tokens", "tokens:read", true},
	{"DELETE", "/auth/tokens/1", "tokens:write", true},
	{"POST", "/auth/tokens/revoke-others", "tokens:write", true},
	{"POST", "/auth/switch-account", "tokens:write", true},
	{"GET", "/me", "profile:read", true},
	{"PATCH", "/me", "profile:write", true},
	{"PATCH", "/me/password", "profile:write", true},
	{"PATCH", "/me/socials", "profile:write", true},
	{"PATCH", "/me/preferences", "profile:write", true},
	{"GET", "/api-keys", "api-keys:read", true},
	{"POST", "/api-keys", "api-keys:write", true},
	{"GET", "/api-keys/101", "api-keys:read", true},
	{"PUT", "/api-keys/101", "api-keys:write", true},
	{"DELETE", "/api-keys/101", "api-keys:write", true},
	{"GET", "/teams", "teams:read", true},
	{"POST", "/teams", "teams:write", true},
	{"GET", "/teams/1", "teams:read", true},
	{"PUT", "/teams/1", "teams:write", true},
	{"DELETE", "/teams/1", "teams:write", true},
	{"POST", "/teams/1/resend-invite", "teams:write", true},
	{"POST", "/teams/invitations/00000000-0000-4000-8000-000000000000/accept", "teams:write", true},
}

func TestEveryEndpointIsRouted(t *testing.T) {
	if len(endpoints) != len(routes) {
		t.Errorf("API.md has %d endpoints, the router %d", len(endpoints), len(routes))
	}
	for _, ep := range endpoints {
		rt, _ := matchRoute(ep.method, ep.path)
		if rt == nil {
			t.Errorf("%s %s: no route", ep.method, ep.path)
			continue
		}
		if rt.scope != ep.scope || (rt.auth == authToken) != ep.auth {
			t.Errorf("%s %s: scope %q auth %v, want scope %q auth %v", ep.method, ep.path, rt.scope, rt.auth == authToken, ep.scope, ep.auth)
		}
	}
}

func TestMissingOrBadTokenIs401(t *testing.T) {
	e := newEnv(t, nil)
	expiring := e.srv.IssueToken(e.demo.Username, "short", []string{"*"}, time.Hour)
	revoked := e.srv.IssueToken(e.demo.Username, "revoked", []string{"*"}, 0)
	e.must(200, "POST", "/auth/logout", revoked, nil)
	e.clock.advance(2 * time.Hour)
	tokens := map[string]string{
		"no token":      "",
		"unknown token": "mlt_nope",
		"expired token": expiring,
		"revoked token": revoked,
	}
	for _, ep := range endpoints {
		if !ep.auth {
			continue
		}
		for name, tok := range tokens {
			t.Run(fmt.Sprintf("%s %s %s", ep.method, ep.path, name), func(t *testing.T) {
				r := e.do(ep.method, ep.path, tok, nil)
				if r.Status != http.StatusUnauthorized || r.code() != "unauthenticated" {
					t.Fatalf("status %d code %q, want 401 unauthenticated; body %s", r.Status, r.code(), r.Raw)
				}
				if got := r.Header.Get("WWW-Authenticate"); got != `Bearer realm="modelslab"` {
					t.Errorf("WWW-Authenticate %q", got)
				}
			})
		}
	}
}

func TestMalformedAuthorizationIs401(t *testing.T) {
	e := newEnv(t, nil)
	for name, h := range map[string]string{
		"basic":       "Basic " + e.demo.Token,
		"bare token":  e.demo.Token,
		"empty token": "Bearer ",
	} {
		t.Run(name, func(t *testing.T) {
			r := e.do("GET", "/me", "", nil, func(r *http.Request) { r.Header.Set("Authorization", h) })
			if r.Status != 401 || r.Env.Error == nil {
				t.Fatalf("status %d, want 401; body %s", r.Status, r.Raw)
			}
		})
	}
}

func TestScopesAreEnforced(t *testing.T) {
	e := newEnv(t, nil)
	// A token with a scope mlabctl never needs, so that every gated
	// endpoint refuses it.
	tok := e.srv.IssueToken(e.demo.Username, "narrow", []string{"usage:read"}, 0)
	for _, ep := range endpoints {
		if ep.scope == "" {
			continue
		}
		t.Run(ep.method+" "+ep.path, func(t *testing.T) {
			before := e.snapshot()
			r := e.do(ep.method, ep.path, tok, nil)
			if r.Status != http.StatusForbidden || r.code() != "insufficient_scope" {
				t.Fatalf("status %d code %q, want 403 insufficient_scope; body %s", r.Status, r.code(), r.Raw)
			}
			if got := r.Env.Error.Details["required_scope"]; got != ep.scope {
				t.Errorf("details.required_scope %v, want %q", got, ep.scope)
			}
			want := fmt.Sprintf(`Bearer realm="modelslab", error="insufficient_scope", scope=%q`, ep.scope)
			if got := r.Header.Get("WWW-Authenticate"); got != want {
				t.Errorf("WWW-Authenticate %q, want %q", got, want)
			}
			if diff := cmp.Diff(before, e.snapshot()); diff != "" {
				t.Errorf("a refused request changed the account (-before +after):\n%s", diff)
			}
		})
	}
	t.Run("the exact scope is enough", func(t *testing.T) {
		tok := e.srv.IssueToken(e.demo.Username, "keys", []string{"api-keys:read"}, 0)
		e.must(200, "GET", "/api-keys", tok, nil)
		e.must(403, "GET", "/teams", tok, nil)
	})
	t.Run("logout is never scope-gated", func(t *testing.T) {
		tok := e.srv.IssueToken(e.demo.Username, "bye", []string{"usage:read"}, 0)
		e.must(200, "POST", "/auth/logout", tok, nil)
	})
}

func TestUnknownRoutesAre404AndRecorded(t *testing.T) {
	e := newEnv(t, nil)
	e.allowUnknown = true
	cases := []struct{ method, path, route string }{
		{"GET", "/nope", "GET /nope"},
		{"PATCH", "/api-keys", "PATCH /api-keys"},
		{"GET", "/api-keys/101/extra", "GET /api-keys/101/extra"},
		{"POST", "/me", "POST /me"},
	}
	var want []string
	for _, tc := range cases {
		r := e.do(tc.method, tc.path, e.demo.Token, nil)
		if r.Status != 404 || r.code() != "not_found" {
			t.Errorf("%s %s: status %d code %q, want 404 not_found", tc.method, tc.path, r.Status, r.code())
		}
		if got := r.Env.Error.Details["route"]; got != tc.route {
			t.Errorf("%s %s: details.route %v, want %q", tc.method, tc.path, got, tc.route)
		}
		want = append(want, tc.route)
	}
	// Outside the API prefix too.
	resp, err := http.Get(e.url + "/elsewhere")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("GET /elsewhere: status %d, want 404", resp.StatusCode)
	}
	want = append(want, "GET /elsewhere")
	if diff := cmp.Diff(want, e.srv.UnknownRoutes()); diff != "" {
		t.Errorf("UnknownRoutes (-want +got):\n%s", diff)
	}
}

func TestIDsMayBePathEscaped(t *testing.T) {
	e := newEnv(t, nil)
	for _, path := range []string{"/api-keys/101", "/api-keys/%31%30%31"} {
		r := e.must(200, "GET", path, e.demo.Token, nil)
		var k wireKey
		r.data(t, &k)
		if k.ID != 101 || k.Name != "production" {
			t.Errorf("GET %s: got key %d %q, want 101 production", path, k.ID, k.Name)
		}
	}
	for _, path := range []string{"/api-keys/abc", "/api-keys/999999", "/teams/%2F", "/auth/tokens/x"} {
		method := "GET"
		if path == "/auth/tokens/x" {
			method = "DELETE"
		}
		if r := e.do(method, path, e.demo.Token, nil); r.Status != 404 || r.code() != "not_found" {
			t.Errorf("%s %s: status %d code %q, want 404 not_found", method, path, r.Status, r.code())
		}
	}
}

func TestEveryAnswerIsTheEnvelope(t *testing.T) {
	e := newEnv(t, nil)
	seen := map[string]bool{}
	for _, ep := range endpoints {
		// A fresh token each time: logout and logout-all revoke theirs.
		tok := e.srv.IssueToken(e.demo.Username, "envelope", []string{"*"}, 0)
		r := e.do(ep.method, ep.path, tok, nil)
		if r.Env.Meta.RequestID == "" || seen[r.Env.Meta.RequestID] {
			t.Errorf("%s %s: request id %q is empty or repeated", ep.method, ep.path, r.Env.Meta.RequestID)
		}
		seen[r.Env.Meta.RequestID] = true
		if (r.Env.Error == nil) == (r.Status >= 400) {
			t.Errorf("%s %s: status %d with error %v", ep.method, ep.path, r.Status, r.Env.Error)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("%s %s: Content-Type %q", ep.method, ep.path, ct)
		}
	}
}
