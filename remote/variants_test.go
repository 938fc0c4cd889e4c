package remote

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// These tests serve the variants of API.md ("Variants the client must also
// accept") and other shapes the emulator never produces, from small
// handlers, and check what the typed methods make of them.

func TestProfileVariants(t *testing.T) {
	full := Profile{
		ID: "1", Name: "Acme Bot", Username: "acme-bot", Email: "bot@acme.example",
		AboutMe: "hello", Verified: true, WalletBalance: 12.5,
		// The bodies carry API.md's four links, not facebook and instagram.
		Socials:     Socials{GitHub: "acme", Twitter: "acmetw", Discord: "acme#1", Website: "https://acme.example", Unreported: []string{"facebook", "instagram"}},
		Preferences: Preferences{NSFWContent: true, WalletNotificationEnabled: true, WalletNotificationThreshold: 10},
	}
	tests := []struct {
		name string
		body string
		want Profile
	}{
		{
			name: "canonical nested",
			body: `{"data":{"id":1,"name":"Acme Bot","username":"acme-bot","email":"bot@acme.example","about_me":"hello","verified":true,"wallet_balance":12.5,
				"socials":{"github":"acme","twitter":"acmetw","discord":"acme#1","website":"https://acme.example"},
				"preferences":{"nsfw_content":true,"wallet_notification_enabled":true,"wallet_notification_threshold":10}},"error":null,"meta":{"request_id":"r"}}`,
			want: full,
		},
		{
			name: "socials and preferences at the top level",
			body: `{"data":{"id":1,"name":"Acme Bot","username":"acme-bot","email":"bot@acme.example","about_me":"hello","verified":true,"wallet_balance":12.5,
				"github":"acme","twitter":"acmetw","discord":"acme#1","website":"https://acme.example",
				"nsfw_content":true,"wallet_notification_enabled":true,"wallet_notification_threshold":10},"error":null,"meta":{}}`,
			want: full,
		},
		{
			name: "official CLI names",
			body: `{"data":{"id":"1","name":"Acme Bot","username":"acme-bot","email":"bot@acme.example","about":"hello","verified":true,"wallet_balance":12.5,
				"socials":{"github":"acme","twitter":"acmetw","discord":"acme#1","website":"https://acme.example"},
				"preferences":{"nsfw_enabled":true,"notifications_enabled":true,"wallet_notification_threshold":10}}}`,
			want: full,
		},
		{
			name: "official CLI names at the top level",
			body: `{"data":{"id":"1","name":"Acme Bot","username":"acme-bot","email":"bot@acme.example","about":"hello","verified":true,"wallet_balance":12.5,
				"github":"acme","twitter":"acmetw","discord":"acme#1","website":"https://acme.example",
				"nsfw_enabled":true,"notifications_enabled":true,"wallet_notification_threshold":10}}`,
			want: full,
		},
		{
			name: "numbers and booleans as strings, nulls",
			body: `{"data":{"id":"1","name":"Acme Bot","username":"acme-bot","email":"bot@acme.example","about_me":"hello","verified":1,"wallet_balance":"12.50",
				"socials":{"github":"acme","twitter":"acmetw","discord":"acme#1","website":"https://acme.example"},
				"preferences":{"nsfw_content":"true","wallet_notification_enabled":1,"wallet_notification_threshold":"10"}}}`,
			want: full,
		},
		{
			name: "nested wins over top level",
			body: `{"data":{"id":1,"about_me":"nested","about":"alias","github":"top","socials":{"github":"nested"},"nsfw_enabled":false,"preferences":{"nsfw_content":true}}}`,
			want: Profile{ID: "1", AboutMe: "nested", Socials: Socials{GitHub: "nested", Unreported: []string{"facebook", "twitter", "instagram", "discord", "website"}}, Preferences: Preferences{NSFWContent: true}},
		},
		{
			name: "unset socials as null",
			body: `{"data":{"id":1,"socials":{"github":null,"twitter":null,"discord":null,"website":null},"preferences":null}}`,
			want: Profile{ID: "1", Socials: Socials{Unreported: []string{"facebook", "instagram"}}},
		},
		{
			name: "bare object without envelope",
			body: `{"id":7,"name":"Bare","username":"bare"}`,
			want: Profile{ID: "7", Name: "Bare", Username: "bare", Socials: Socials{Unreported: SocialNames}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ts := serveCanned(t, answer{body: tt.body, header: map[string]string{"Content-Type": "application/json"}})
			got, err := fastClient(t, ts.URL, nil).Me(context.Background())
			if err != nil {
				t.Fatalf("Me: %v", err)
			}
			if diff := cmp.Diff(tt.want, *got); diff != "" {
				t.Errorf("profile (-want +got):\n%s", diff)
			}
		})
	}
}

func TestListVariants(t *testing.T) {
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		body string
		want []APIKey
	}{
		{
			name: "envelope without pagination is complete",
			body: `{"data":[{"id":101,"name":"production","notes":"n","key":"ml-…9f2c","created_at":"2026-01-02T03:04:05Z","last_used_at":null}],"error":null,"meta":{"request_id":"r"}}`,
			want: []APIKey{{ID: "101", Name: "production", Notes: "n", Key: "ml-…9f2c", CreatedAt: created}},
		},
		{
			name: "bare array",
			body: `[{"id":"k-1","name":"a"},{"id":2,"name":"b","notes":null}]`,
			want: []APIKey{{ID: "k-1", Name: "a"}, {ID: "2", Name: "b"}},
		},
		{
			name: "empty bare array is an empty list, not nil",
			body: `[]`,
			want: []APIKey{},
		},
		{
			name: "null data is an empty list",
			body: `{"data":null,"error":null}`,
			want: []APIKey{},
		},
		{
			name: "single page with pagination",
			body: `{"data":[{"id":1,"name":"a"}],"meta":{"pagination":{"page":1,"per_page":100,"total":1,"last_page":1}}}`,
			want: []APIKey{{ID: "1", Name: "a"}},
		},
		{
			name: "pagination numbers as strings",
			body: `{"data":[{"id":1,"name":"a"}],"meta":{"pagination":{"page":"1","per_page":"100","total":"1","last_page":"1"}}}`,
			want: []APIKey{{ID: "1", Name: "a"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, ts := serveCanned(t, answer{body: tt.body})
			got, err := fastClient(t, ts.URL, nil).ListAPIKeys(context.Background())
			if err != nil {
				t.Fatalf("ListAPIKeys: %v", err)
			}
			if got == nil {
				t.Fatal("ListAPIKeys returned nil; want a non-nil (possibly empty) list")
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
			if n := h.n.Load(); n != 1 {
				t.Errorf("requests = %d, want 1", n)
			}
		})
	}
}

func TestErrorVariants(t *testing.T) {
	tests := []struct {
		name      string
		ans       answer
		want      APIError // Method and Path are always "GET", "/me"
		wantText  string   // exact Error()
		wantCheck func(error) bool
	}{
		{
			name:      "canonical not found",
			ans:       answer{status: 404, body: `{"data":null,"error":{"code":"not_found","message":"No such key"},"meta":{"request_id":"req-1"}}`},
			want:      APIError{Status: 404, Code: "not_found", Message: "No such key", RequestID: "req-1"},
			wantText:  "GET /me: 404 not_found: No such key [request_id req-1]",
			wantCheck: IsNotFound,
		},
		{
			name:      "error as a plain string",
			ans:       answer{status: 401, body: `{"data":null,"error":"Unauthenticated.","meta":{"request_id":"req-2"}}`},
			want:      APIError{Status: 401, Code: "unauthenticated", Message: "Unauthenticated.", RequestID: "req-2"},
			wantText:  "GET /me: 401 unauthenticated: Unauthenticated. [request_id req-2]",
			wantCheck: IsUnauthenticated,
		},
		{
			name: "validation with field details",
			ans:  answer{status: 422, body: `{"data":null,"error":{"code":"validation_error","message":"The given data was invalid.","details":{"name":["has already been taken","is too long"],"email":["is not an email"]}},"meta":{"request_id":"req-3"}}`},
			want: APIError{Status: 422, Code: "validation_error", Message: "The given data was invalid.", RequestID: "req-3",
				Details: map[string]any{"name": []any{"has already been taken", "is too long"}, "email": []any{"is not an email"}}},
			wantText:  "GET /me: 422 validation_error: The given data was invalid. (email: is not an email; name: has already been taken, is too long) [request_id req-3]",
			wantCheck: IsValidation,
		},
		{
			name: "insufficient scope from details",
			ans: answer{status: 403, body: `{"data":null,"error":{"code":"insufficient_scope","message":"Missing scope","details":{"required_scope":"profile:read"}},"meta":{"request_id":"req-4"}}`,
				header: map[string]string{"WWW-Authenticate": `Bearer realm="modelslab", error="insufficient_scope", scope="profile:read"`}},
			want: APIError{Status: 403, Code: "insufficient_scope", Message: "Missing scope", RequestID: "req-4",
				Details: map[string]any{"required_scope": "profile:read"}, RequiredScope: "profile:read"},
			wantText: `GET /me: 403 insufficient_scope: Missing scope (required scope "profile:read") [request_id req-4]`,
			wantCheck: func(err error) bool {
				s, ok := InsufficientScope(err)
				return ok && s == "profile:read"
			},
		},
		{
			name: "insufficient scope from the header only",
			ans: answer{status: 403, body: `{"error":"Forbidden"}`,
				header: map[string]string{"WWW-Authenticate": `Bearer realm="modelslab", error="insufficient_scope", scope="teams:read"`}},
			want:     APIError{Status: 403, Code: "insufficient_scope", Message: "Forbidden", RequiredScope: "teams:read"},
			wantText: `GET /me: 403 insufficient_scope: Forbidden (required scope "teams:read")`,
			wantCheck: func(err error) bool {
				s, ok := InsufficientScope(err)
				return ok && s == "teams:read"
			},
		},
		{
			name:      "conflict",
			ans:       answer{status: 409, body: `{"data":null,"error":{"code":"conflict","message":"Member is already active"},"meta":{"request_id":"req-5"}}`},
			want:      APIError{Status: 409, Code: "conflict", Message: "Member is already active", RequestID: "req-5"},
			wantText:  "GET /me: 409 conflict: Member is already active [request_id req-5]",
			wantCheck: IsConflict,
		},
		{
			name:      "framework-style message and errors",
			ans:       answer{status: 422, body: `{"message":"The name field is required.","errors":{"name":["The name field is required."]}}`},
			want:      APIError{Status: 422, Code: "validation_error", Message: "The name field is required.", Details: map[string]any{"name": []any{"The name field is required."}}},
			wantText:  "GET /me: 422 validation_error: The name field is required.",
			wantCheck: IsValidation,
		},
		{
			name:      "field messages not in the message are kept, repeated ones dropped",
			ans:       answer{status: 422, body: `{"data":null,"error":{"code":"validation_error","message":"the request is invalid: scopes has an unknown scope \"x\"","details":{"scopes":["has an unknown scope \"x\"","is too long"],"name":["is required"]}}}`},
			want:      APIError{Status: 422, Code: "validation_error", Message: `the request is invalid: scopes has an unknown scope "x"`, Details: map[string]any{"scopes": []any{`has an unknown scope "x"`, "is too long"}, "name": []any{"is required"}}},
			wantText:  `GET /me: 422 validation_error: the request is invalid: scopes has an unknown scope "x" (name: is required; scopes: is too long)`,
			wantCheck: IsValidation,
		},
		{
			name:      "empty body",
			ans:       answer{status: 404, header: map[string]string{"X-Request-Id": "hdr-1"}},
			want:      APIError{Status: 404, Code: "not_found", RequestID: "hdr-1"},
			wantText:  "GET /me: 404 not_found: Not Found [request_id hdr-1]",
			wantCheck: IsNotFound,
		},
		{
			name:      "error member in a 200",
			ans:       answer{status: 200, body: `{"data":null,"error":{"code":"quota","message":"Over quota"}}`},
			want:      APIError{Status: 200, Code: "quota", Message: "Over quota"},
			wantText:  "GET /me: 200 quota: Over quota",
			wantCheck: func(err error) bool { e, ok := asAPIError(err); return ok && e.Code == "quota" },
		},
		{
			name:      "details that are a list",
			ans:       answer{status: 400, body: `{"error":{"code":"bad_request","message":"Bad","details":["x","y"]}}`},
			want:      APIError{Status: 400, Code: "bad_request", Message: "Bad", Details: map[string]any{"detail": []any{"x", "y"}}},
			wantText:  "GET /me: 400 bad_request: Bad (detail: x, y)",
			wantCheck: func(err error) bool { return !IsNotFound(err) && !IsValidation(err) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ts := serveCanned(t, tt.ans)
			_, err := fastClient(t, ts.URL, nil).Me(context.Background())
			var got *APIError
			if !errors.As(err, &got) {
				t.Fatalf("Me error = %v (%T), want an *APIError", err, err)
			}
			want := tt.want
			want.Method, want.Path = "GET", "/me"
			if diff := cmp.Diff(want, *got); diff != "" {
				t.Errorf("APIError (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantText, err.Error()); diff != "" {
				t.Errorf("Error() (-want +got):\n%s", diff)
			}
			if !tt.wantCheck(err) {
				t.Errorf("helper check failed for %v", err)
			}
		})
	}
}

func TestNonJSONBody(t *testing.T) {
	page := "<html>\n<head><title>502 Bad Gateway</title></head>\n<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center>" + strings.Repeat(" pad", 100) + "</body></html>"
	tests := []struct {
		name     string
		ans      answer
		wantN    int64
		wantText string
	}{
		{
			name:     "HTML 502 is retried, then reported with the status",
			ans:      answer{status: 502, body: page, header: map[string]string{"Content-Type": "text/html; charset=utf-8"}},
			wantN:    4,
			wantText: `GET /me: 502 server_error: the response is not JSON (text/html, 538 bytes: "<html> <head><title>502 Bad Gateway</title></head> <body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</cen…") (after 4 attempts)`,
		},
		{
			name:     "HTML 200 (a captive portal) is an error, not retried",
			ans:      answer{status: 200, body: "<html>Please log in to the Wi-Fi</html>", header: map[string]string{"Content-Type": "text/html"}},
			wantN:    1,
			wantText: `GET /me: 200 OK: the response is not JSON (text/html, 39 bytes: "<html>Please log in to the Wi-Fi</html>")`,
		},
		{
			name:     "JSON that is not an object",
			ans:      answer{status: 200, body: `"ok"`},
			wantN:    1,
			wantText: `GET /me: 200 OK: the response is a JSON string, not an object`,
		},
		{
			name:     "truncated JSON",
			ans:      answer{status: 200, body: `{"data":{"id":1,`},
			wantN:    1,
			wantText: `GET /me: 200 OK: the response is invalid or truncated JSON (text/plain, 16 bytes: "{\"data\":{\"id\":1,")`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, ts := serveCanned(t, tt.ans)
			_, err := fastClient(t, ts.URL, nil).Me(context.Background())
			if err == nil {
				t.Fatal("Me succeeded, want an error")
			}
			if diff := cmp.Diff(tt.wantText, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if n := h.n.Load(); n != tt.wantN {
				t.Errorf("requests = %d, want %d", n, tt.wantN)
			}
		})
	}
}

func TestBodyCap(t *testing.T) {
	big := `{"data":{"name":"` + strings.Repeat("x", MaxBodyBytes) + `"}}`
	h, ts := serveCanned(t, answer{body: big})
	_, err := fastClient(t, ts.URL, nil).Me(context.Background())
	if err == nil || !strings.Contains(err.Error(), "larger than the 8 MiB cap") {
		t.Fatalf("error = %v, want one naming the 8 MiB cap", err)
	}
	if n := h.n.Load(); n != 1 {
		t.Errorf("requests = %d, want 1 (an oversized body is not retried)", n)
	}

	// Just under the cap is fine.
	under := `{"data":{"name":"` + strings.Repeat("x", MaxBodyBytes-30) + `"}}`
	_, ts2 := serveCanned(t, answer{body: under})
	p, err := fastClient(t, ts2.URL, nil).Me(context.Background())
	if err != nil {
		t.Fatalf("body of %d bytes: %v", len(under), err)
	}
	if len(p.Name) != MaxBodyBytes-30 {
		t.Errorf("name has %d bytes, want %d", len(p.Name), MaxBodyBytes-30)
	}
}

func TestRedirectIsAnError(t *testing.T) {
	h, ts := serveCanned(t, answer{status: http.StatusMovedPermanently, header: map[string]string{"Location": "https://www.modelslab.com/api/agents/v1/me?x=secret"}})
	_, err := fastClient(t, ts.URL, nil).Me(context.Background())
	want := "GET /me: 301 Moved Permanently: the server redirects to https://www.modelslab.com; set the base URL (--base-url or MODELSLAB_BASE_URL) to the site it redirects to"
	if err == nil {
		t.Fatal("Me followed a redirect")
	}
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
	if n := h.n.Load(); n != 1 {
		t.Errorf("requests = %d, want 1", n)
	}
}
