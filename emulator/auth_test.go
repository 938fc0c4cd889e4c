package emulator

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestSignupVerifyFlow(t *testing.T) {
	e := newEnv(t, nil)
	r := e.must(201, "POST", "/auth/signup", "", map[string]any{"email": "new@example.com", "password": "s3cret-pass", "name": "New"})
	var su struct {
		User    wireProfile `json:"user"`
		Message string      `json:"message"`
	}
	r.data(t, &su)
	if su.User.Email != "new@example.com" || su.User.Verified || su.User.Username != "new" || su.Message == "" {
		t.Errorf("signup data %+v", su)
	}
	out := e.srv.Outbox()
	if len(out) != 1 || out[0].To != "new@example.com" || out[0].Kind != "verification" || len(out[0].Code) != 6 {
		t.Fatalf("outbox after signup: %+v", out)
	}
	// Not verified: no login yet.
	login := map[string]any{"email": "new@example.com", "password": "s3cret-pass", "device_name": "laptop"}
	e.must(403, "POST", "/auth/login", "", login)

	// A resend replaces the code; the old one no longer works.
	e.must(200, "POST", "/auth/resend-verification", "", map[string]any{"email": "new@example.com"})
	out = e.srv.Outbox()
	if len(out) != 2 || out[1].Code == "" {
		t.Fatalf("outbox after resend: %+v", out)
	}
	if out[0].Code != out[1].Code {
		e.must(422, "POST", "/auth/verify-email", "", map[string]any{"verification_code": out[0].Code})
	}
	var v authResult
	e.must(200, "POST", "/auth/verify-email", "", map[string]any{"verification_code": out[1].Code}).data(t, &v)
	if v.AccessToken == "" || v.TokenType != "Bearer" || v.APIKey == nil || !strings.HasPrefix(*v.APIKey, "ml-") || v.User == nil || !v.User.Verified {
		t.Fatalf("verify-email data %+v", v)
	}
	if want := ts(fixedNow.Add(30 * 24 * time.Hour)); v.ExpiresAt == nil || *v.ExpiresAt != want {
		t.Errorf("expires_at %v, want %s", v.ExpiresAt, want)
	}
	// The code is spent, the token works, and the default key is there whole.
	e.must(422, "POST", "/auth/verify-email", "", map[string]any{"verification_code": out[1].Code})
	var keys []wireKey
	e.must(200, "GET", "/api-keys", v.AccessToken, nil).data(t, &keys)
	if len(keys) != 1 || keys[0].Key != maskKey(*v.APIKey) {
		t.Errorf("keys after verify: %+v", keys)
	}
	e.must(200, "POST", "/auth/login", "", login)
	// Resending to a verified account sends nothing.
	e.must(200, "POST", "/auth/resend-verification", "", map[string]any{"email": "new@example.com"})
	if n := len(e.srv.Outbox()); n != 2 {
		t.Errorf("%d mails after resending to a verified account, want 2", n)
	}
}

func TestSignupValidation(t *testing.T) {
	e := newEnv(t, nil)
	for _, tc := range []struct {
		name   string
		body   map[string]any
		fields []string
	}{
		{"empty", map[string]any{}, []string{"email", "name", "password"}},
		{"taken email", map[string]any{"email": "DEMO@mlabctl.example", "password": "long-enough", "name": "x"}, []string{"email"}},
		{"short password", map[string]any{"email": "a@example.com", "password": "short", "name": "x"}, []string{"password"}},
		{"bad email", map[string]any{"email": "a@", "password": "long-enough", "name": "x"}, []string{"email"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.must(422, "POST", "/auth/signup", "", tc.body)
			var got []string
			for f := range r.Env.Error.Details {
				got = append(got, f)
			}
			if diff := cmp.Diff(tc.fields, got, sortStrings); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
	e.must(422, "POST", "/auth/verify-email", "", map[string]any{})
	e.must(422, "POST", "/auth/resend-verification", "", map[string]any{"email": "nope"})
}

func TestLogin(t *testing.T) {
	e := newEnv(t, nil)
	base := func(extra map[string]any) map[string]any {
		m := map[string]any{"email": "demo@mlabctl.example", "password": "correct-horse-battery-staple", "device_name": "ci"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	day := 24 * time.Hour
	for _, tc := range []struct {
		expiry string
		ttl    time.Duration
	}{
		{"", 30 * day}, {"1_week", 7 * day}, {"1_month", 30 * day}, {"3_months", 90 * day},
		{"6_months", 180 * day}, {"1_year", 365 * day}, {"never", 0},
	} {
		t.Run("expiry "+tc.expiry, func(t *testing.T) {
			body := base(nil)
			if tc.expiry != "" {
				body["token_expiry"] = tc.expiry
			}
			var d authResult
			e.must(200, "POST", "/auth/login", "", body).data(t, &d)
			var want *string
			if tc.ttl > 0 {
				s := ts(fixedNow.Add(tc.ttl))
				want = &s
			}
			if diff := cmp.Diff(want, d.ExpiresAt); diff != "" {
				t.Errorf("expires_at (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"*"}, d.Scopes); diff != "" {
				t.Errorf("scopes (-want +got):\n%s", diff)
			}
			if d.User == nil || d.User.Username != "acme-bot" || d.APIKey == nil {
				t.Errorf("login data lacks the user or the API key: %+v", d)
			}
		})
	}
	t.Run("scopes", func(t *testing.T) {
		var d authResult
		e.must(200, "POST", "/auth/login", "", base(map[string]any{"scopes": []string{"api-keys:read", "teams:read"}})).data(t, &d)
		e.must(200, "GET", "/api-keys", d.AccessToken, nil)
		e.must(403, "GET", "/me", d.AccessToken, nil)
	})
	t.Run("emails compare case-insensitively", func(t *testing.T) {
		e.must(200, "POST", "/auth/login", "", base(map[string]any{"email": "Demo@MLabCtl.example"}))
	})
	for _, tc := range []struct {
		name   string
		body   map[string]any
		status int
		field  string
	}{
		{"wrong password", base(map[string]any{"password": "wrong"}), 401, ""},
		{"unknown email", base(map[string]any{"email": "ghost@example.com"}), 401, ""},
		{"unknown scope", base(map[string]any{"scopes": []string{"api-keys:read", "everything"}}), 422, "scopes"},
		{"bad expiry", base(map[string]any{"token_expiry": "2_weeks"}), 422, "token_expiry"},
		{"no device name", base(map[string]any{"device_name": ""}), 422, "device_name"},
		{"no password", base(map[string]any{"password": ""}), 422, "password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.must(tc.status, "POST", "/auth/login", "", tc.body)
			if tc.field != "" {
				if _, ok := r.Env.Error.Details[tc.field]; !ok {
					t.Errorf("details %v lack %q", r.Env.Error.Details, tc.field)
				}
			}
		})
	}
}

func TestTokensRefreshLogout(t *testing.T) {
	e := newEnv(t, nil)
	a := e.srv.IssueToken(e.demo.Username, "a", []string{"tokens:read", "tokens:write"}, time.Hour)
	b := e.srv.IssueToken(e.demo.Username, "b", []string{"*"}, 0)
	other := e.srv.AddUser(UserSeed{Email: "other@example.com", Verified: true})
	otherTok := e.srv.IssueToken(other, "other", []string{"*"}, 0)

	var toks []wireToken
	e.must(200, "GET", "/auth/tokens", a, nil).data(t, &toks)
	var names []string
	var current []string
	for _, tk := range toks {
		names = append(names, tk.Name)
		if tk.Current {
			current = append(current, tk.Name)
		}
	}
	if diff := cmp.Diff([]string{"demo", "old-laptop", "a", "b"}, names); diff != "" {
		t.Errorf("tokens (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a"}, current); diff != "" {
		t.Errorf("current (-want +got):\n%s", diff)
	}

	// Refresh: a new token with the same scopes, the old one revoked.
	var d authResult
	e.must(200, "POST", "/auth/refresh", a, map[string]any{"token_expiry": "1_week", "device_name": "a2"}).data(t, &d)
	e.must(401, "GET", "/auth/tokens", a, nil)
	if diff := cmp.Diff([]string{"tokens:read", "tokens:write"}, d.Scopes); diff != "" {
		t.Errorf("refreshed scopes (-want +got):\n%s", diff)
	}
	if want := ts(fixedNow.Add(7 * 24 * time.Hour)); d.ExpiresAt == nil || *d.ExpiresAt != want {
		t.Errorf("refreshed expires_at %v, want %s", d.ExpiresAt, want)
	}
	a = d.AccessToken
	e.must(422, "POST", "/auth/refresh", a, map[string]any{"token_expiry": "forever"})

	// Revoking someone else's token is a 404; one's own works.
	otherID := e.tokenID(t, otherTok, "other")
	e.must(404, "DELETE", fmt.Sprintf("/auth/tokens/%d", otherID), a, nil)
	bID := e.tokenID(t, a, "b")
	e.must(200, "DELETE", fmt.Sprintf("/auth/tokens/%d", bID), a, nil)
	e.must(401, "GET", "/me", b, nil)
	e.must(404, "DELETE", fmt.Sprintf("/auth/tokens/%d", bID), a, nil)

	// revoke-others keeps only the caller's.
	var rv struct {
		Revoked int `json:"revoked"`
	}
	e.must(200, "POST", "/auth/tokens/revoke-others", a, nil).data(t, &rv)
	if rv.Revoked != 2 { // demo, old-laptop
		t.Errorf("revoked %d, want 2", rv.Revoked)
	}
	e.must(401, "GET", "/me", e.demo.Token, nil)
	e.must(200, "GET", "/me", otherTok, nil)

	// logout revokes the caller; logout-all every token of the user.
	c := e.srv.IssueToken(e.demo.Username, "c", []string{"*"}, 0)
	dTok := e.srv.IssueToken(e.demo.Username, "d", []string{"*"}, 0)
	e.must(200, "POST", "/auth/logout", c, nil)
	e.must(401, "POST", "/auth/logout", c, nil)
	e.must(200, "POST", "/auth/logout-all", dTok, nil)
	e.must(401, "GET", "/auth/tokens", a, nil)
	if n := len(e.snapshot().Tokens); n != 0 {
		t.Errorf("%d tokens after logout-all, want 0", n)
	}
	e.must(200, "GET", "/me", otherTok, nil)
}

// tokenID finds the id of the caller's token named name.
func (e *env) tokenID(t *testing.T, tok, name string) int64 {
	t.Helper()
	var toks []wireToken
	e.must(200, "GET", "/auth/tokens", tok, nil).data(t, &toks)
	for _, tk := range toks {
		if tk.Name == name {
			return tk.ID
		}
	}
	t.Fatalf("no token %q", name)
	return 0
}

func TestExpiredTokensAreNotListed(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.IssueToken(e.demo.Username, "short", []string{"*"}, time.Minute)
	e.clock.advance(2 * time.Minute)
	var toks []wireToken
	e.must(200, "GET", "/auth/tokens", e.demo.Token, nil).data(t, &toks)
	for _, tk := range toks {
		if tk.Name == "short" {
			t.Errorf("expired token listed: %+v", tk)
		}
	}
}

func TestPasswords(t *testing.T) {
	e := newEnv(t, nil)
	// forgot-password answers the same whether the account exists or not.
	known := e.must(200, "POST", "/auth/forgot-password", "", map[string]any{"email": "demo@mlabctl.example"})
	unknown := e.must(200, "POST", "/auth/forgot-password", "", map[string]any{"email": "ghost@example.com"})
	if string(known.Env.Data) != string(unknown.Env.Data) {
		t.Errorf("forgot-password tells accounts apart: %s vs %s", known.Env.Data, unknown.Env.Data)
	}
	out := e.srv.Outbox()
	if len(out) != 1 || out[0].Kind != "password_reset" || out[0].To != "demo@mlabctl.example" {
		t.Fatalf("outbox %+v", out)
	}
	reset := func(token, pw, confirm string) map[string]any {
		return map[string]any{"email": "demo@mlabctl.example", "token": token, "password": pw, "password_confirmation": confirm}
	}
	e.must(422, "POST", "/auth/reset-password", "", reset("000000x", "new-password-1", "new-password-1"))
	e.must(422, "POST", "/auth/reset-password", "", reset(out[0].Code, "new-password-1", "other"))
	e.must(422, "POST", "/auth/reset-password", "", reset(out[0].Code, "short", "short"))
	e.must(200, "POST", "/auth/reset-password", "", reset(out[0].Code, "new-password-1", "new-password-1"))
	e.must(422, "POST", "/auth/reset-password", "", reset(out[0].Code, "new-password-2", "new-password-2"))
	// Every session ended; the new password logs in, the old does not.
	e.must(401, "GET", "/me", e.demo.Token, nil)
	login := func(pw string) map[string]any {
		return map[string]any{"email": "demo@mlabctl.example", "password": pw, "device_name": "x"}
	}
	e.must(401, "POST", "/auth/login", "", login("correct-horse-battery-staple"))
	var d authResult
	e.must(200, "POST", "/auth/login", "", login("new-password-1")).data(t, &d)

	change := func(cur, pw, confirm string) map[string]any {
		return map[string]any{"current_password": cur, "password": pw, "password_confirmation": confirm}
	}
	r := e.must(422, "PATCH", "/me/password", d.AccessToken, change("wrong", "third-password", "third-password"))
	if _, ok := r.Env.Error.Details["current_password"]; !ok {
		t.Errorf("details %v lack current_password", r.Env.Error.Details)
	}
	e.must(200, "PATCH", "/me/password", d.AccessToken, change("new-password-1", "third-password", "third-password"))
	e.must(200, "POST", "/auth/login", "", login("third-password"))
	// Changing the password keeps the session.
	e.must(200, "GET", "/me", d.AccessToken, nil)
}

func TestProfileSocialsPreferences(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.demo.Token
	var p wireProfile
	e.must(200, "PATCH", "/me", tok, map[string]any{"about_me": "New about."}).data(t, &p)
	if p.AboutMe != "New about." || p.Name != "Acme Bot" || p.Username != "acme-bot" {
		t.Errorf("after PATCH about_me: %+v", p)
	}
	e.must(200, "PATCH", "/me", tok, map[string]any{"name": "Acme Automation", "username": "acme-automation"}).data(t, &p)
	if p.Name != "Acme Automation" || p.Username != "acme-automation" || p.AboutMe != "New about." {
		t.Errorf("after PATCH name and username: %+v", p)
	}
	if _, ok := e.srv.Snapshot("acme-automation"); !ok {
		t.Errorf("Snapshot does not find the renamed account")
	}
	e.srv.AddUser(UserSeed{Username: "taken-name"})
	for _, body := range []map[string]any{
		{"username": "taken-name"}, {"username": "a"}, {"username": "has space"}, {"name": ""}, {"about_me": strings.Repeat("x", 1001)}, {"email": "x@y.z"},
	} {
		e.must(422, "PATCH", "/me", tok, body)
	}

	e.must(200, "PATCH", "/me/socials", tok, map[string]any{"github": "acme", "website": "https://acme.example"}).data(t, &p)
	want := map[string]string{"facebook": "", "github": "acme", "twitter": "", "instagram": "", "discord": "", "website": "https://acme.example"}
	if diff := cmp.Diff(want, p.Socials); diff != "" {
		t.Errorf("socials (-want +got):\n%s", diff)
	}
	e.must(200, "PATCH", "/me/socials", tok, map[string]any{"github": ""}).data(t, &p)
	want["github"] = ""
	if diff := cmp.Diff(want, p.Socials); diff != "" {
		t.Errorf("socials after clearing github (-want +got):\n%s", diff)
	}
	e.must(422, "PATCH", "/me/socials", tok, map[string]any{"mastodon": "x"})

	e.must(200, "PATCH", "/me/preferences", tok, map[string]any{"wallet_notification_threshold": 10}).data(t, &p)
	if diff := cmp.Diff(wirePreferences{NSFWContent: true, WalletNotificationThreshold: 10}, p.Preferences); diff != "" {
		t.Errorf("preferences (-want +got):\n%s", diff)
	}
	e.must(200, "PATCH", "/me/preferences", tok, map[string]any{"nsfw_content": false, "wallet_notification_enabled": true}).data(t, &p)
	if diff := cmp.Diff(wirePreferences{WalletNotificationEnabled: true, WalletNotificationThreshold: 10}, p.Preferences); diff != "" {
		t.Errorf("preferences (-want +got):\n%s", diff)
	}
	e.must(422, "PATCH", "/me/preferences", tok, map[string]any{"wallet_notification_threshold": -1})
	e.must(422, "PATCH", "/me/preferences", tok, map[string]any{"nsfw_content": "yes"})
}

func TestScopesList(t *testing.T) {
	e := newEnv(t, nil)
	var got []scopeInfo
	e.must(200, "GET", "/auth/scopes", "", nil).data(t, &got)
	if len(got) != 17 {
		t.Errorf("%d scopes, want API.md's 17", len(got))
	}
	for _, s := range got {
		if s.Description == "" {
			t.Errorf("scope %q has no description", s.Scope)
		}
	}
}

// sortStrings compares string slices regardless of order.
var sortStrings = cmpopts.SortSlices(func(a, b string) bool { return a < b })
