package remote

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/emulator"
)

func TestEmulatorErrorStatuses(t *testing.T) {
	empty := ""
	tests := []struct {
		name       string
		setup      func(*testing.T, *emu) *Client // nil = the demo client
		call       func(*Client) error
		wantStatus int
		wantCode   string
		check      func(error) bool
	}{
		{
			name:       "401 unknown token",
			setup:      func(t *testing.T, e *emu) *Client { return e.client(t, "not-a-real-token", nil) },
			call:       func(c *Client) error { _, err := c.Me(context.Background()); return err },
			wantStatus: 401, wantCode: CodeUnauthenticated, check: IsUnauthenticated,
		},
		{
			name:       "401 missing token",
			setup:      func(t *testing.T, e *emu) *Client { return e.client(t, "", nil) },
			call:       func(c *Client) error { _, err := c.ListAPIKeys(context.Background()); return err },
			wantStatus: 401, wantCode: CodeUnauthenticated, check: IsUnauthenticated,
		},
		{
			name:  "403 insufficient scope names the scope",
			setup: func(t *testing.T, e *emu) *Client { return e.client(t, e.token("ro", "profile:read"), nil) },
			call: func(c *Client) error {
				_, err := c.CreateAPIKey(context.Background(), APIKeyCreate{Name: "x"})
				return err
			},
			wantStatus: 403, wantCode: CodeInsufficientScope,
			check: func(err error) bool { s, ok := InsufficientScope(err); return ok && s == "api-keys:write" },
		},
		{
			name:       "404 unknown key",
			call:       func(c *Client) error { _, err := c.GetAPIKey(context.Background(), "999999"); return err },
			wantStatus: 404, wantCode: CodeNotFound, check: IsNotFound,
		},
		{
			name:       "404 non-numeric id",
			call:       func(c *Client) error { return c.RemoveMember(context.Background(), "a/b") },
			wantStatus: 404, wantCode: CodeNotFound, check: IsNotFound,
		},
		{
			name: "409 invite of an existing member",
			call: func(c *Client) error {
				_, err := c.InviteMember(context.Background(), InviteRequest{Email: "alice@example.com"})
				return err
			},
			wantStatus: 409, wantCode: CodeConflict, check: IsConflict,
		},
		{
			name: "409 idempotency conflict",
			call: func(c *Client) error {
				ctx := WithIdempotencyKey(context.Background(), "same-key")
				if _, err := c.CreateAPIKey(ctx, APIKeyCreate{Name: "one"}); err != nil {
					return fmt.Errorf("first create: %w", err)
				}
				_, err := c.CreateAPIKey(ctx, APIKeyCreate{Name: "two"})
				return err
			},
			wantStatus: 409, wantCode: CodeIdempotencyConflict, check: IsIdempotencyConflict,
		},
		{
			name: "422 empty name",
			call: func(c *Client) error {
				_, err := c.CreateAPIKey(context.Background(), APIKeyCreate{Name: empty})
				return err
			},
			wantStatus: 422, wantCode: CodeValidation,
			check: func(err error) bool {
				e, _ := asAPIError(err)
				return IsValidation(err) && len(e.FieldErrors()["name"]) > 0
			},
		},
		{
			name:  "422 unknown login scope",
			setup: func(t *testing.T, e *emu) *Client { return e.client(t, "", nil) },
			call: func(c *Client) error {
				_, err := c.Login(context.Background(), LoginRequest{Email: "demo@mlabctl.example", Password: "correct-horse-battery-staple", DeviceName: "x", Scopes: []string{"api-keys:bogus"}})
				return err
			},
			wantStatus: 422, wantCode: CodeValidation, check: IsValidation,
		},
		{
			name: "429 rate limited after the attempts",
			setup: func(t *testing.T, e *emu) *Client {
				e.srv.Faults = &emulator.Faults{FailFirst: 100, Statuses: []int{429}}
				return e.client(t, e.demo.Token, func(o *Options) { o.MaxAttempts = 1 })
			},
			call:       func(c *Client) error { _, err := c.Me(context.Background()); return err },
			wantStatus: 429, wantCode: CodeRateLimited,
			check: func(err error) bool { e, _ := asAPIError(err); return IsRateLimited(err) && e.RetryAfter > 0 },
		},
		{
			name: "500 server error after the attempts",
			setup: func(t *testing.T, e *emu) *Client {
				e.srv.Faults = &emulator.Faults{FailFirst: 100, Statuses: []int{500}}
				return e.client(t, e.demo.Token, nil)
			},
			call:       func(c *Client) error { _, err := c.Me(context.Background()); return err },
			wantStatus: 500, wantCode: CodeServerError,
			check: func(err error) bool { return errors.Is(err, ErrServer) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := startEmu(t)
			c := e.c
			if tt.setup != nil {
				c = tt.setup(t, e)
			}
			err := tt.call(c)
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("error = %v (%T), want an *APIError", err, err)
			}
			got := struct {
				Status int
				Code   string
			}{ae.Status, ae.Code}
			want := struct {
				Status int
				Code   string
			}{tt.wantStatus, tt.wantCode}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("status and code (-want +got):\n%s", diff)
			}
			if ae.RequestID == "" || ae.Message == "" {
				t.Errorf("error %q lacks a request id or message", err)
			}
			if !tt.check(err) {
				t.Errorf("helper check failed for %v", err)
			}
		})
	}
}

// TestEmulatorRetriesUnderFaults injects failures and counts what reached
// the server.
func TestEmulatorRetriesUnderFaults(t *testing.T) {
	tests := []struct {
		name      string
		faults    emulator.Faults
		call      func(*Client) error
		wantRoute []string // "METHOD /path status replayed"
		wantErr   bool
	}{
		{
			name:      "GET through two 503s",
			faults:    emulator.Faults{FailFirst: 2, Statuses: []int{503}},
			call:      func(c *Client) error { _, err := c.Me(context.Background()); return err },
			wantRoute: []string{"GET /me 503 false", "GET /me 503 false", "GET /me 200 false"},
		},
		{
			name:      "GET through a 429 and a 502",
			faults:    emulator.Faults{FailFirst: 2, Statuses: []int{429, 502}},
			call:      func(c *Client) error { _, err := c.Me(context.Background()); return err },
			wantRoute: []string{"GET /me 429 false", "GET /me 502 false", "GET /me 200 false"},
		},
		{
			// A create may have been made before a 5xx: never repeated.
			name:   "POST create is not retried after a 503",
			faults: emulator.Faults{FailFirst: 2, Statuses: []int{503}, Routes: []string{"POST /api-keys"}},
			call: func(c *Client) error {
				_, err := c.CreateAPIKey(context.Background(), APIKeyCreate{Name: "retried"})
				return err
			},
			wantRoute: []string{"POST /api-keys 503 false"},
			wantErr:   true,
		},
		{
			name:   "POST invite is not retried after a 502",
			faults: emulator.Faults{FailFirst: 2, Statuses: []int{502}, Routes: []string{"POST /teams"}},
			call: func(c *Client) error {
				_, err := c.InviteMember(context.Background(), InviteRequest{Email: "once@example.com", Role: "member"})
				return err
			},
			wantRoute: []string{"POST /teams 502 false"},
			wantErr:   true,
		},
		{
			// A 429 is a refusal: nothing was made, so it is waited out.
			name:   "POST create is retried after a 429",
			faults: emulator.Faults{FailFirst: 1, Statuses: []int{429}, Routes: []string{"POST /api-keys"}},
			call: func(c *Client) error {
				_, err := c.CreateAPIKey(context.Background(), APIKeyCreate{Name: "limited"})
				return err
			},
			wantRoute: []string{"POST /api-keys 429 false", "POST /api-keys 201 false"},
		},
		{
			// An update is idempotent by nature: retried under one key.
			name:   "PATCH through two 503s updates once",
			faults: emulator.Faults{FailFirst: 2, Statuses: []int{503}, Routes: []string{"PATCH /me"}},
			call: func(c *Client) error {
				about := "retried"
				_, err := c.UpdateProfile(context.Background(), ProfileUpdate{AboutMe: &about})
				return err
			},
			wantRoute: []string{"PATCH /me 503 false", "PATCH /me 503 false", "PATCH /me 200 false"},
		},
		{
			name:      "403 is never retried",
			faults:    emulator.Faults{FailFirst: 5, Statuses: []int{403}},
			call:      func(c *Client) error { _, err := c.Me(context.Background()); return err },
			wantRoute: []string{"GET /me 403 false"},
			wantErr:   true,
		},
		{
			name:      "attempts run out",
			faults:    emulator.Faults{FailFirst: 10, Statuses: []int{503}},
			call:      func(c *Client) error { _, err := c.Me(context.Background()); return err },
			wantRoute: []string{"GET /me 503 false", "GET /me 503 false", "GET /me 503 false", "GET /me 503 false"},
			wantErr:   true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := startEmu(t)
			f := tt.faults
			e.srv.Faults = &f
			err := tt.call(e.c)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, want error: %v", err, tt.wantErr)
			}
			var got []string
			keys := map[string]bool{}
			for _, r := range e.srv.Requests() {
				got = append(got, fmt.Sprintf("%s %s %d %v", r.Method, r.Path, r.Status, r.Replayed))
				if r.Method != http.MethodGet {
					keys[r.IdempotencyKey] = true
				}
			}
			if diff := cmp.Diff(tt.wantRoute, got); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			if len(keys) > 1 {
				t.Errorf("retries of one call used %d idempotency keys, want 1", len(keys))
			}
		})
	}
}

// TestEmulatorReplayAfterDrop commits a create and drops its response: the
// client does not repeat it (the error may have committed), and the
// caller's own repeat under the same Idempotency-Key replays it: one key
// exists, and the caller gets its whole secret.
func TestEmulatorReplayAfterDrop(t *testing.T) {
	e := startEmu(t)
	before := len(e.snapshot(t).APIKeys)
	e.srv.Faults = &emulator.Faults{DropFirst: 1, Routes: []string{"POST /api-keys"}}

	ctx := WithIdempotencyKey(context.Background(), "test-drop-once")
	_, err := e.c.CreateAPIKey(ctx, APIKeyCreate{Name: "dropped-once"})
	if err == nil || !MayHaveCommitted(err) {
		t.Fatalf("CreateAPIKey after a dropped answer: %v, want an error that may have committed", err)
	}
	if n := len(e.srv.Requests()); n != 1 {
		t.Fatalf("requests = %d after the drop, want 1 (never retried)", n)
	}
	k, err := e.c.CreateAPIKey(ctx, APIKeyCreate{Name: "dropped-once"})
	if err != nil {
		t.Fatalf("CreateAPIKey again: %v", err)
	}
	snap := e.snapshot(t)
	var matching []emulator.Key
	for _, sk := range snap.APIKeys {
		if sk.Name == "dropped-once" {
			matching = append(matching, sk)
		}
	}
	if len(snap.APIKeys) != before+1 || len(matching) != 1 {
		t.Fatalf("keys: %d before, %d after, %d named dropped-once; want exactly one new key", before, len(snap.APIKeys), len(matching))
	}
	if k.Key.Reveal() != matching[0].Key {
		t.Errorf("the replayed answer's key is not the whole stored secret")
	}
	reqs := e.srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("requests = %d, want 2", len(reqs))
	}
	if !reqs[0].Dropped || !reqs[1].Replayed || reqs[0].IdempotencyKey != reqs[1].IdempotencyKey {
		t.Errorf("requests = %+v, want a dropped one and a replay with the same key", reqs)
	}
}

// TestEmulatorApplyKeyNoDuplicate repeats a create with the caller's key,
// as a re-run apply would: the second call replays and creates nothing.
func TestEmulatorApplyKeyNoDuplicate(t *testing.T) {
	e := startEmu(t)
	ctx := WithIdempotencyKey(context.Background(), "plan-123/api_key.ci2/create")
	a, err := e.c.CreateAPIKey(ctx, APIKeyCreate{Name: "ci2"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.c.CreateAPIKey(ctx, APIKeyCreate{Name: "ci2"})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != b.ID {
		t.Errorf("the repeat created key %s besides %s", b.ID, a.ID)
	}
	n := 0
	for _, k := range e.snapshot(t).APIKeys {
		if k.Name == "ci2" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d keys named ci2, want 1", n)
	}
}

// TestEmulatorRateLimit runs a burst through the emulator's rate limiter:
// the 429s are waited out (Retry-After) and every call succeeds. The
// emulator sends no X-RateLimit-* header, so that the client cannot pace
// itself and does draw the 429s (with the headers it avoids them: see
// TestPacing*).
func TestEmulatorRateLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for Retry-After")
	}
	e := startEmu(t)
	e.srv.RateLimit = 5
	e.srv.OmitRateLimitHeaders = true
	c := e.client(t, e.demo.Token, func(o *Options) { o.MaxAttempts = 10 })
	for i := range 8 {
		if _, err := c.Me(context.Background()); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	limited := 0
	for _, r := range e.srv.Requests() {
		if r.Status == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited == 0 {
		t.Errorf("no request was rate limited; the test did not exercise Retry-After")
	}
}
