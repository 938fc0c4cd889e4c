package remote

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// recorded is what a recording server saw of one request.
type recorded struct {
	Method, RawPath, Query string
	UserAgent, Auth        string
	IdempotencyKey         string
	ContentType            string
	Body                   map[string]any
}

// recorder answers every request with answer and records it.
type recorder struct {
	mu     sync.Mutex
	seen   []recorded
	answer answer
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var body map[string]any
	if len(b) > 0 {
		_ = json.Unmarshal(b, &body)
	}
	rc.mu.Lock()
	status := rc.answer.status
	n := len(rc.seen)
	rc.seen = append(rc.seen, recorded{
		Method: r.Method, RawPath: r.URL.EscapedPath(), Query: r.URL.RawQuery,
		UserAgent: r.Header.Get("User-Agent"), Auth: r.Header.Get("Authorization"),
		IdempotencyKey: r.Header.Get("Idempotency-Key"), ContentType: r.Header.Get("Content-Type"),
		Body: body,
	})
	rc.mu.Unlock()
	if status == 503 && n > 0 {
		status = 200 // fail only the first attempt
	}
	if status == 0 {
		status = 200
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(rc.answer.body))
}

func (rc *recorder) requests() []recorded {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]recorded(nil), rc.seen...)
}

func serveRecorder(t *testing.T, a answer) (*recorder, *httptest.Server) {
	rc := &recorder{answer: a}
	ts := httptest.NewServer(rc)
	t.Cleanup(ts.Close)
	return rc, ts
}

func TestRequestsOnTheWire(t *testing.T) {
	str := func(s string) *string { return &s }
	perms := []string{}
	tests := []struct {
		name string
		call func(*Client) error
		want recorded
	}{
		{
			name: "GET with escaped id, user agent and token",
			call: func(c *Client) error { _, err := c.GetAPIKey(context.Background(), "a/b c?d"); return err },
			want: recorded{Method: "GET", RawPath: "/api/agents/v1/api-keys/a%2Fb%20c%3Fd", UserAgent: "mlabctl/1.2.3", Auth: "Bearer tok-test-secret-123456"},
		},
		{
			name: "login sends the password in clear and the scopes",
			call: func(c *Client) error {
				_, err := c.Login(context.Background(), LoginRequest{Email: "a@b.c", Password: "pw-clear-1", DeviceName: "ci", TokenExpiry: "1_week", Scopes: []string{"api-keys:read"}})
				return err
			},
			want: recorded{Method: "POST", RawPath: "/api/agents/v1/auth/login", UserAgent: "mlabctl/1.2.3", Auth: "Bearer tok-test-secret-123456", ContentType: "application/json",
				Body: map[string]any{"email": "a@b.c", "password": "pw-clear-1", "device_name": "ci", "token_expiry": "1_week", "scopes": []any{"api-keys:read"}}},
		},
		{
			name: "signup",
			call: func(c *Client) error {
				_, err := c.Signup(context.Background(), SignupRequest{Email: "a@b.c", Password: "pw-clear-2", Name: "A"})
				return err
			},
			want: recorded{Method: "POST", RawPath: "/api/agents/v1/auth/signup", UserAgent: "mlabctl/1.2.3", Auth: "Bearer tok-test-secret-123456", ContentType: "application/json",
				Body: map[string]any{"email": "a@b.c", "password": "pw-clear-2", "name": "A"}},
		},
		{
			name: "reset password confirms the password",
			call: func(c *Client) error {
				return c.ResetPassword(context.Background(), ResetPasswordRequest{Email: "a@b.c", Token: "reset-tok", Password: "pw-new-3"})
			},
			want: recorded{Method: "POST", RawPath: "/api/agents/v1/auth/reset-password", UserAgent: "mlabctl/1.2.3", Auth: "Bearer tok-test-secret-123456", ContentType: "application/json",
				Body: map[string]any{"email": "a@b.c", "token": "reset-tok", "password": "pw-new-3", "password_confirmation": "pw-new-3"}},
		},
		{
			name: "update password",
			call: func(c *Client) error { return c.UpdatePassword(context.Background(), "old-pw-4", "new-pw-5") },
			want: recorded{Method: "PATCH", RawPath: "/api/agents/v1/me/password", UserAgent: "mlabctl/1.2.3", Auth: "Bearer tok-test-secret-123456", ContentType: "application/json",
				Body: map[string]any{"current_password": "old-pw-4", "password": "new-pw-5", "password_confirmation": "new-pw-5"}},
		},
		{
			name: "member update sends an empty permission list to clear it",
			call: func(c *Client) error {
				_, err := c.UpdateMember(context.Background(), "7", MemberUpdate{Role: str("viewer"), Permissions: &perms})
				return err
			},
			want: recorded{Method: "PUT", RawPath: "/api/agents/v1/teams/7", UserAgent: "mlabctl/1.2.3", Auth: "Bearer tok-test-secret-123456", ContentType: "application/json",
				Body: map[string]any{"role": "viewer", "permissions": []any{}}},
		},
		{
			name: "accept invite escapes the invite id",
			call: func(c *Client) error { _, err := c.AcceptInvite(context.Background(), "u/u"); return err },
			want: recorded{Method: "POST", RawPath: "/api/agents/v1/teams/invitations/u%2Fu/accept", UserAgent: "mlabctl/1.2.3", Auth: "Bearer tok-test-secret-123456"},
		},
		{
			name: "list pages ask for 100 items",
			call: func(c *Client) error { _, err := c.ListTokens(context.Background()); return err },
			want: recorded{Method: "GET", RawPath: "/api/agents/v1/auth/tokens", Query: "page=1&per_page=100", UserAgent: "mlabctl/1.2.3", Auth: "Bearer tok-test-secret-123456"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, ts := serveRecorder(t, answer{body: `{"data":[]}`})
			c := fastClient(t, ts.URL, func(o *Options) { o.UserAgent = "mlabctl/1.2.3" })
			_ = tt.call(c) // the canned answer does not fit every call; the request is what matters
			got := rc.requests()
			if len(got) != 1 {
				t.Fatalf("requests = %d, want 1", len(got))
			}
			g := got[0]
			if tt.want.Method != "GET" {
				if !strings.HasPrefix(g.IdempotencyKey, "mlabctl-") || len(g.IdempotencyKey) != len("mlabctl-")+32 {
					t.Errorf("Idempotency-Key = %q, want a generated mlabctl-<32 hex>", g.IdempotencyKey)
				}
			}
			g.IdempotencyKey = ""
			if diff := cmp.Diff(tt.want, g); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIdempotencyKeys(t *testing.T) {
	rc, ts := serveRecorder(t, answer{status: 503, body: `{"data":{"id":1,"name":"k","key":"ml-0123456789abcdef01234567"}}`})
	c := fastClient(t, ts.URL, nil)
	ctx := context.Background()

	// A generated key is reused by the retry of the same call (an update:
	// a create is never retried after a 503, see onceOnly).
	notes := "n"
	if _, err := c.UpdateAPIKey(ctx, "1", APIKeyUpdate{Notes: &notes}); err != nil {
		t.Fatalf("UpdateAPIKey: %v", err)
	}
	// A second call gets a new key.
	if _, err := c.UpdateAPIKey(ctx, "1", APIKeyUpdate{Notes: &notes}); err != nil {
		t.Fatalf("UpdateAPIKey: %v", err)
	}
	// A caller's key wins.
	if _, err := c.UpdateAPIKey(WithIdempotencyKey(ctx, "plan-abc-create-k"), "1", APIKeyUpdate{Notes: &notes}); err != nil {
		t.Fatalf("UpdateAPIKey: %v", err)
	}
	// GETs carry none.
	if _, err := c.GetAPIKey(ctx, "1"); err != nil {
		t.Fatalf("GetAPIKey: %v", err)
	}
	got := rc.requests()
	if len(got) != 5 {
		t.Fatalf("requests = %d, want 5 (one retry of the first update)", len(got))
	}
	if got[0].IdempotencyKey == "" || got[0].IdempotencyKey != got[1].IdempotencyKey {
		t.Errorf("retry key %q differs from first key %q", got[1].IdempotencyKey, got[0].IdempotencyKey)
	}
	if got[2].IdempotencyKey == got[0].IdempotencyKey {
		t.Errorf("two calls share the key %q", got[2].IdempotencyKey)
	}
	if got[3].IdempotencyKey != "plan-abc-create-k" {
		t.Errorf("key = %q, want the caller's", got[3].IdempotencyKey)
	}
	if got[4].IdempotencyKey != "" {
		t.Errorf("GET carried Idempotency-Key %q", got[4].IdempotencyKey)
	}
}

func TestNoTokenNoAuthorization(t *testing.T) {
	rc, ts := serveRecorder(t, answer{body: `{"data":[{"scope":"api-keys:read","description":"Read keys"}]}`})
	c := fastClient(t, ts.URL, func(o *Options) { o.Token = "" })
	got, err := c.Scopes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]ScopeInfo{{Scope: "api-keys:read", Description: "Read keys"}}, got); diff != "" {
		t.Errorf("scopes (-want +got):\n%s", diff)
	}
	if a := rc.requests()[0].Auth; a != "" {
		t.Errorf("Authorization = %q, want none", a)
	}
}

func TestBadIDsRefused(t *testing.T) {
	rc, ts := serveRecorder(t, answer{body: `{"data":{}}`})
	c := fastClient(t, ts.URL, nil)
	ctx := context.Background()
	for _, id := range []ID{"", ".", ".."} {
		if err := c.DeleteAPIKey(ctx, id); err == nil {
			t.Errorf("DeleteAPIKey(%q) succeeded", id)
		}
		if err := c.RemoveMember(ctx, id); err == nil {
			t.Errorf("RemoveMember(%q) succeeded", id)
		}
		if err := c.RevokeToken(ctx, id); err == nil {
			t.Errorf("RevokeToken(%q) succeeded", id)
		}
		if _, err := c.AcceptInvite(ctx, string(id)); err == nil {
			t.Errorf("AcceptInvite(%q) succeeded", id)
		}
	}
	if n := len(rc.requests()); n != 0 {
		t.Errorf("requests = %d, want none", n)
	}
}
