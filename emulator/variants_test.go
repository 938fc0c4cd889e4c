package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// rawAnswer is an answer decoded without assuming the envelope.
type rawAnswer struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// raw sends a request and decodes the body as any JSON object.
func (e *env) raw(method, path, tok string, body any, opts ...opt) rawAnswer {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.url+Prefix+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for _, o := range opts {
		o(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := rawAnswer{status: resp.StatusCode, header: resp.Header, raw: string(b)}
	if err := json.Unmarshal(b, &a.body); err != nil {
		e.t.Fatalf("%s %s: body is not a JSON object: %v\n%s", method, path, err, b)
	}
	return a
}

// at walks a decoded body: at(b, "data", 0, "status").
func at(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// has reports whether the object at path has member k.
func has(v any, k string, path ...any) bool {
	m, ok := at(v, path...).(map[string]any)
	if !ok {
		return false
	}
	_, ok = m[k]
	return ok
}

// TestVariants checks every knob of Variants on the wire: each case sets
// one and looks at the raw answer a client gets.
func TestVariants(t *testing.T) {
	sqlTS := regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`)
	tests := []struct {
		name  string
		v     Variants
		check func(t *testing.T, e *env)
	}{
		{"pagination laravel", Variants{Pagination: "laravel"}, func(t *testing.T, e *env) {
			a := e.raw("GET", "/api-keys?page=1&per_page=3", e.demo.Token, nil)
			if at(a.body, "meta", "pagination") != nil || at(a.body, "meta", "current_page") != 1.0 || at(a.body, "meta", "last_page") != 2.0 ||
				at(a.body, "meta", "total") != 4.0 || at(a.body, "meta", "per_page") != 3.0 || !strings.Contains(at(a.body, "links", "next").(string), "page=2") {
				t.Errorf("page 1: %s", a.raw)
			}
			if a := e.raw("GET", "/api-keys?page=2&per_page=3", e.demo.Token, nil); at(a.body, "links", "next") != nil || at(a.body, "meta", "from") != 4.0 {
				t.Errorf("page 2: %s", a.raw)
			}
		}},
		{"pagination links", Variants{Pagination: "links"}, func(t *testing.T, e *env) {
			a := e.raw("GET", "/api-keys?page=1&per_page=3", e.demo.Token, nil)
			if at(a.body, "meta", "pagination") != nil || !strings.HasSuffix(at(a.body, "links", "next").(string), Prefix+"/api-keys?page=2&per_page=3") {
				t.Errorf("page 1: %s", a.raw)
			}
			if a := e.raw("GET", "/api-keys?page=2&per_page=3", e.demo.Token, nil); !has(a.body, "next", "links") || at(a.body, "links", "next") != nil {
				t.Errorf("page 2: %s", a.raw)
			}
		}},
		{"pagination items", Variants{Pagination: "items"}, func(t *testing.T, e *env) {
			a := e.raw("GET", "/api-keys?page=1&per_page=3", e.demo.Token, nil)
			if len(at(a.body, "data", "items").([]any)) != 3 || at(a.body, "data", "pagination", "last_page") != 2.0 || at(a.body, "meta", "pagination") != nil {
				t.Errorf("%s", a.raw)
			}
		}},
		{"pagination none", Variants{Pagination: "none"}, func(t *testing.T, e *env) {
			a := e.raw("GET", "/api-keys?page=3&per_page=1", e.demo.Token, nil)
			if len(at(a.body, "data").([]any)) != 4 || has(a.body, "pagination", "meta") {
				t.Errorf("%s", a.raw)
			}
		}},
		{"member status accepted", Variants{MemberStatus: "accepted"}, func(t *testing.T, e *env) {
			a := e.raw("GET", "/teams", e.demo.Token, nil)
			var got []any
			for _, m := range at(a.body, "data").([]any) {
				got = append(got, at(m, "status"))
			}
			if diff := cmp.Diff([]any{"accepted", "accepted", "pending", "accepted"}, got); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
		}},
		{"member status invite_status", Variants{MemberStatus: "invite_status"}, func(t *testing.T, e *env) {
			a := e.raw("GET", "/teams", e.demo.Token, nil)
			var got []any
			for i, m := range at(a.body, "data").([]any) {
				if has(m, "status") {
					t.Errorf("member %d has a status: %v", i, m)
				}
				got = append(got, at(m, "invite_status"))
			}
			if diff := cmp.Diff([]any{"accepted", "accepted", "pending", "accepted"}, got); diff != "" {
				t.Errorf("invite statuses (-want +got):\n%s", diff)
			}
			// A single member (an invite's answer) too.
			if a := e.raw("POST", "/teams", e.demo.Token, map[string]any{"email": "new@example.com"}); at(a.body, "data", "invite_status") != "pending" || has(a.body, "status", "data") {
				t.Errorf("invite: %s", a.raw)
			}
		}},
		{"permissions as a string", Variants{Permissions: "string"}, func(t *testing.T, e *env) {
			if a := e.raw("GET", "/teams", e.demo.Token, nil); at(a.body, "data", 0, "permissions") != "api-keys,billing" || at(a.body, "data", 1, "permissions") != "" {
				t.Errorf("%s", a.raw)
			}
		}},
		{"permissions as an object", Variants{Permissions: "object"}, func(t *testing.T, e *env) {
			a := e.raw("GET", "/teams", e.demo.Token, nil)
			if diff := cmp.Diff(map[string]any{"api-keys": true, "billing": true}, at(a.body, "data", 0, "permissions")); diff != "" {
				t.Errorf("permissions (-want +got):\n%s", diff)
			}
		}},
		{"tokens without current, with abilities, in Sanctum's form", Variants{OmitTokenCurrent: true, TokenAbilities: true, SanctumTokens: true}, func(t *testing.T, e *env) {
			if !regexp.MustCompile(`^\d+\|[0-9a-f]{40}$`).MatchString(e.demo.Token) {
				t.Errorf("demo token is not <id>|<secret>")
			}
			a := e.raw("GET", "/auth/tokens", e.demo.Token, nil)
			for i, tk := range at(a.body, "data").([]any) {
				if has(tk, "current") || has(tk, "scopes") || at(tk, "abilities") == nil {
					t.Errorf("token %d: %v", i, tk)
				}
			}
			id, _, _ := strings.Cut(e.demo.Token, "|")
			found := false
			for _, tk := range at(a.body, "data").([]any) {
				found = found || at(tk, "name") == "demo" && fmt.Sprint(at(tk, "id")) == id
			}
			if !found {
				t.Errorf("no token named demo with the id %s the token names: %s", id, a.raw)
			}
		}},
		{"update answers null", Variants{UpdateAnswers: "null"}, func(t *testing.T, e *env) {
			a := e.raw("PATCH", "/me", e.demo.Token, map[string]any{"name": "Renamed"})
			if a.status != 200 || !has(a.body, "data") || at(a.body, "data") != nil {
				t.Errorf("%s", a.raw)
			}
			if e.snapshot().Name != "Renamed" {
				t.Errorf("the update was not made")
			}
			// A create still answers the object.
			if a := e.raw("POST", "/api-keys", e.demo.Token, map[string]any{"name": "k"}); at(a.body, "data", "key") == nil {
				t.Errorf("create: %s", a.raw)
			}
		}},
		{"update answers message", Variants{UpdateAnswers: "message"}, func(t *testing.T, e *env) {
			if a := e.raw("PUT", "/api-keys/101", e.demo.Token, map[string]any{"notes": "n"}); at(a.body, "data", "message") != "updated" || has(a.body, "id", "data") {
				t.Errorf("%s", a.raw)
			}
		}},
		{"Laravel errors", Variants{Errors: "laravel"}, func(t *testing.T, e *env) {
			a := e.raw("GET", "/api-keys/999", e.demo.Token, nil)
			if a.status != 404 || has(a.body, "error") || has(a.body, "data") || at(a.body, "message") == nil {
				t.Errorf("404: %s", a.raw)
			}
			a = e.raw("POST", "/api-keys", e.demo.Token, map[string]any{})
			if a.status != 422 || at(a.body, "errors", "name", 0) != "is required" {
				t.Errorf("422: %s", a.raw)
			}
			if a := e.raw("GET", "/me", "nope", nil); a.status != 401 || at(a.body, "message") == nil || has(a.body, "errors") {
				t.Errorf("401: %s", a.raw)
			}
		}},
		{"error as a string", Variants{Errors: "string"}, func(t *testing.T, e *env) {
			if a := e.raw("GET", "/api-keys/999", e.demo.Token, nil); a.status != 404 || !strings.Contains(at(a.body, "error").(string), "not found") {
				t.Errorf("%s", a.raw)
			}
		}},
		{"no meta", Variants{OmitMeta: true}, func(t *testing.T, e *env) {
			if a := e.raw("GET", "/me", e.demo.Token, nil); has(a.body, "meta") {
				t.Errorf("%s", a.raw)
			}
			if a := e.raw("GET", "/api-keys", e.demo.Token, nil); has(a.body, "request_id", "meta") || !has(a.body, "pagination", "meta") {
				t.Errorf("list: %s", a.raw)
			}
		}},
		{"Y-m-d H:i:s timestamps", Variants{Timestamps: "sql"}, func(t *testing.T, e *env) {
			a := e.raw("GET", "/api-keys", e.demo.Token, nil)
			if s, _ := at(a.body, "data", 0, "created_at").(string); !sqlTS.MatchString(s) {
				t.Errorf("created_at %q", s)
			}
			a = e.raw("GET", "/teams", e.demo.Token, nil)
			if s, _ := at(a.body, "data", 0, "invited_at").(string); !sqlTS.MatchString(s) {
				t.Errorf("invited_at %q", s)
			}
		}},
		{"replays flagged in the body", Variants{Replays: "body"}, func(t *testing.T, e *env) {
			e.raw("POST", "/api-keys", e.demo.Token, map[string]any{"name": "k"}, idem("key-1"))
			a := e.raw("POST", "/api-keys", e.demo.Token, map[string]any{"name": "k"}, idem("key-1"))
			if at(a.body, "idempotency_replay") != true || a.header.Get("Idempotent-Replayed") != "" {
				t.Errorf("replay: header %q, body %s", a.header.Get("Idempotent-Replayed"), a.raw)
			}
		}},
		{"the documented socials", Variants{Socials: "documented"}, func(t *testing.T, e *env) {
			a := e.raw("PATCH", "/me/socials", e.demo.Token, map[string]any{"website": "https://x.example", "facebook": "acme"})
			if a.status != 200 || has(a.body, "website", "data", "socials") || at(a.body, "data", "socials", "facebook") != "acme" {
				t.Errorf("%s", a.raw)
			}
			if got := e.snapshot().Socials["website"]; got != "" {
				t.Errorf("website stored as %q", got)
			}
		}},
		{"invite ignores role", Variants{InviteIgnoresRole: true}, func(t *testing.T, e *env) {
			a := e.raw("POST", "/teams", e.demo.Token, map[string]any{"email": "new@example.com", "role": "admin", "permissions": []string{"billing"}})
			if at(a.body, "data", "role") != "member" || len(at(a.body, "data", "permissions").([]any)) != 0 {
				t.Errorf("%s", a.raw)
			}
		}},
		{"documented token expiries", Variants{TokenExpiries: "documented"}, func(t *testing.T, e *env) {
			for _, exp := range []string{"6_months", "1_year"} {
				if a := e.raw("POST", "/auth/login", "", map[string]any{"email": e.demo.Email, "password": e.demo.Password, "device_name": "x", "token_expiry": exp}); a.status != 422 {
					t.Errorf("%s: %s", exp, a.raw)
				}
			}
			if a := e.raw("POST", "/auth/login", "", map[string]any{"email": e.demo.Email, "password": e.demo.Password, "device_name": "x", "token_expiry": "1_week"}); a.status != 200 {
				t.Errorf("1_week: %s", a.raw)
			}
		}},
		{"a variant that does not exist", Variants{Pagination: "cursor"}, func(t *testing.T, e *env) {
			a := e.raw("GET", "/me", e.demo.Token, nil)
			if a.status != 500 || !strings.Contains(a.raw, `Pagination \"cursor\" is not a variant`) {
				t.Errorf("%s", a.raw)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(s *Server) { s.Variants = tt.v })
			tt.check(t, e)
		})
	}
}

// TestFixedWindowRateLimit: WindowLimit requests per Window, then 429
// until the window ends; the headers are those the knobs leave.
func TestFixedWindowRateLimit(t *testing.T) {
	tests := []struct {
		name            string
		v               Variants
		wantLimit       bool
		wantRetryAfter  bool
		wantRateHeaders bool
	}{
		{"every header", Variants{WindowLimit: 3}, true, true, true},
		{"without Retry-After and X-RateLimit-Limit", Variants{WindowLimit: 3, OmitRetryAfter: true, OmitRateLimitLimit: true}, false, false, true},
		{"without any X-RateLimit header", Variants{WindowLimit: 3, OmitRateLimitHeaders: true}, false, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(s *Server) { s.Variants = tt.v })
			var remaining []string
			for range 3 {
				a := e.raw("GET", "/me", e.demo.Token, nil)
				if a.status != 200 {
					t.Fatalf("%s", a.raw)
				}
				remaining = append(remaining, a.header.Get("X-RateLimit-Remaining"))
			}
			a := e.raw("GET", "/me", e.demo.Token, nil)
			if a.status != 429 {
				t.Fatalf("4th request: %d %s", a.status, a.raw)
			}
			wantRemaining := []string{"2", "1", "0"}
			if !tt.wantRateHeaders {
				wantRemaining = []string{"", "", ""}
			}
			if diff := cmp.Diff(wantRemaining, remaining); diff != "" {
				t.Errorf("X-RateLimit-Remaining (-want +got):\n%s", diff)
			}
			if got := a.header.Get("X-RateLimit-Limit") != ""; got != tt.wantLimit {
				t.Errorf("X-RateLimit-Limit sent = %v, want %v", got, tt.wantLimit)
			}
			if got := a.header.Get("Retry-After"); (got == "60") != tt.wantRetryAfter || (got != "" && got != "60") {
				t.Errorf("Retry-After %q, want %v", got, tt.wantRetryAfter)
			}
			if tt.wantRateHeaders {
				if want := fixedNow.Add(time.Minute).Unix(); a.header.Get("X-RateLimit-Reset") != jsonInt(want) {
					t.Errorf("X-RateLimit-Reset %q, want %d", a.header.Get("X-RateLimit-Reset"), want)
				}
			}
			if got, want := a.header.Get("Date"), fixedNow.Format(http.TimeFormat); got != want {
				t.Errorf("Date %q, want the emulator's clock %q", got, want)
			}
			e.clock.advance(time.Minute)
			if a := e.raw("GET", "/me", e.demo.Token, nil); a.status != 200 {
				t.Errorf("after the window: %d", a.status)
			}
		})
	}
}

// TestAuthWindowApart: the auth endpoints count in their own window.
func TestAuthWindowApart(t *testing.T) {
	e := newEnv(t, func(s *Server) { s.WindowLimit, s.AuthWindowLimit = 5, 1 })
	login := map[string]any{"email": e.demo.Email, "password": e.demo.Password, "device_name": "x"}
	if a := e.raw("POST", "/auth/login", "", login); a.status != 200 {
		t.Fatalf("login: %s", a.raw)
	}
	if a := e.raw("POST", "/auth/login", "", login); a.status != 429 {
		t.Errorf("second login: %d, want 429", a.status)
	}
	if a := e.raw("GET", "/me", e.demo.Token, nil); a.status != 200 || a.header.Get("X-RateLimit-Remaining") != "4" {
		t.Errorf("GET /me: %d remaining %q", a.status, a.header.Get("X-RateLimit-Remaining"))
	}
}

// TestSwitchAccountDeviceAndExpiry: switch-account names the new token
// with device_name and bounds its life with token_expiry.
func TestSwitchAccountDeviceAndExpiry(t *testing.T) {
	e := newEnv(t, nil)
	team := e.srv.AddUser(UserSeed{Username: "acme-team", Team: true})
	e.srv.AddMember(team, Member{Email: e.demo.Email, Role: "admin", Status: "active"})
	a := e.raw("POST", "/auth/switch-account", e.demo.Token, map[string]any{"account_username": team, "device_name": "mlabctl-ci", "token_expiry": "1_week"})
	if a.status != 200 {
		t.Fatalf("%s", a.raw)
	}
	want := fixedNow.Add(7 * 24 * time.Hour).Format(time.RFC3339)
	if at(a.body, "data", "expires_at") != want {
		t.Errorf("expires_at %v, want %s", at(a.body, "data", "expires_at"), want)
	}
	toks := e.raw("GET", "/auth/tokens", e.demo.Token, nil)
	found := false
	for _, tk := range at(toks.body, "data").([]any) {
		found = found || at(tk, "name") == "mlabctl-ci"
	}
	if !found {
		t.Errorf("no token named mlabctl-ci: %s", toks.raw)
	}
	if a := e.raw("POST", "/auth/switch-account", e.demo.Token, map[string]any{"account_username": team, "token_expiry": "forever"}); a.status != 422 {
		t.Errorf("bad expiry: %d", a.status)
	}
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }
