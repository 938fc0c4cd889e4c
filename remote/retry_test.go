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

const okProfile = `{"data":{"id":1,"name":"A"},"error":null,"meta":{"request_id":"ok"}}`

func TestRetryPolicy(t *testing.T) {
	e503 := answer{status: 503, body: `{"data":null,"error":{"code":"server_error","message":"try later"}}`}
	e500 := answer{status: 500, body: `{"error":"boom"}`}
	e501 := answer{status: 501, body: `{"error":"no"}`}
	e429 := answer{status: 429, body: `{"error":{"code":"rate_limited","message":"slow down"}}`, header: map[string]string{"Retry-After": "0"}}
	e403 := answer{status: 403, body: `{"error":{"code":"insufficient_scope","message":"no","details":{"required_scope":"profile:read"}}}`}
	e404 := answer{status: 404, body: `{"error":{"code":"not_found","message":"no"}}`}
	e409 := answer{status: 409, body: `{"error":{"code":"idempotency_conflict","message":"key reused"}}`}
	e422 := answer{status: 422, body: `{"error":{"code":"validation_error","message":"bad"}}`}
	ok := answer{body: okProfile}

	tests := []struct {
		name    string
		method  string // GET (Me) or PATCH (UpdateProfile)
		answers []answer
		wantN   int64
		wantErr string // substring; "" = success
	}{
		{name: "GET 503 then ok", method: "GET", answers: []answer{e503, e503, ok}, wantN: 3},
		{name: "GET 500 then ok", method: "GET", answers: []answer{e500, ok}, wantN: 2},
		{name: "GET 429 then ok", method: "GET", answers: []answer{e429, ok}, wantN: 2},
		{name: "GET 503 until attempts run out", method: "GET", answers: []answer{e503}, wantN: 4, wantErr: "503 server_error: try later (after 4 attempts)"},
		{name: "GET 501 not retried", method: "GET", answers: []answer{e501, ok}, wantN: 1, wantErr: "501"},
		{name: "GET 403 never retried", method: "GET", answers: []answer{e403, ok}, wantN: 1, wantErr: "403 insufficient_scope"},
		{name: "GET 404 not retried", method: "GET", answers: []answer{e404, ok}, wantN: 1, wantErr: "404 not_found"},
		{name: "GET 422 not retried", method: "GET", answers: []answer{e422, ok}, wantN: 1, wantErr: "422 validation_error"},
		{name: "PATCH 503 then ok (it carries a key)", method: "PATCH", answers: []answer{e503, ok}, wantN: 2},
		{name: "PATCH 429 then ok", method: "PATCH", answers: []answer{e429, e429, ok}, wantN: 3},
		{name: "PATCH 409 idempotency conflict not retried", method: "PATCH", answers: []answer{e409, ok}, wantN: 1, wantErr: "409 idempotency_conflict"},
		{name: "PATCH 422 not retried", method: "PATCH", answers: []answer{e422, ok}, wantN: 1, wantErr: "422"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, ts := serveCanned(t, tt.answers...)
			c := fastClient(t, ts.URL, nil)
			var err error
			if tt.method == "GET" {
				_, err = c.Me(context.Background())
			} else {
				name := "x"
				_, err = c.UpdateProfile(context.Background(), ProfileUpdate{Name: &name})
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("error = %v, want success", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
			if n := h.n.Load(); n != tt.wantN {
				t.Errorf("requests = %d, want %d", n, tt.wantN)
			}
		})
	}
}

// TestRetryNetworkErrors closes the connection without an answer: a read
// and a mutation (which carries its key) are both retried.
func TestRetryNetworkErrors(t *testing.T) {
	n, ts := serveFlaky(t, func(n int64) bool { return n%2 == 1 }, func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	c := fastClient(t, ts.URL, nil)
	if _, err := c.Me(context.Background()); err != nil {
		t.Fatalf("Me: %v", err)
	}
	name := "x"
	if _, err := c.UpdateProfile(context.Background(), ProfileUpdate{Name: &name}); err != nil {
		t.Fatalf("UpdateProfile: %v", err)
	}
	if got := n.Load(); got != 4 {
		t.Errorf("requests = %d, want 4", got)
	}
}

// TestRetryAfterBeyondBudgetGivesUp: a 429 asking for more than the wait
// budget left is not waited for. Waits for the rate limit are bounded by
// MaxWait (the whole run's budget), not by MaxRetryWait, which bounds the
// backoff after failures: a long apply must be able to wait out many
// windows (API.md, last section).
func TestRetryAfterBeyondBudgetGivesUp(t *testing.T) {
	h, ts := serveCanned(t, answer{status: 429, body: `{"error":{"code":"rate_limited","message":"slow down"}}`, header: map[string]string{"Retry-After": "30"}}, answer{body: okProfile})
	c := fastClient(t, ts.URL, func(o *Options) { o.MaxWait = time.Second })
	_, err := c.Me(context.Background())
	if !IsRateLimited(err) {
		t.Fatalf("error = %v, want a rate limit", err)
	}
	var e *APIError
	if !errors.As(err, &e) || e.RetryAfter != 30*time.Second {
		t.Fatalf("RetryAfter = %v, want 30s", e.RetryAfter)
	}
	if !IsWaitBudget(err) {
		t.Errorf("error %v is not a WaitBudgetError", err)
	}
	for _, want := range []string{"retry after 30s", "more than the 1s left of MaxWait"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if n := h.n.Load(); n != 1 {
		t.Errorf("requests = %d, want 1", n)
	}
}

func TestContextCancelStopsRetries(t *testing.T) {
	h, ts := serveCanned(t, answer{status: 503, body: `{"error":"down"}`})
	c := fastClient(t, ts.URL, func(o *Options) { o.MaxAttempts = 100 })
	c.retryBase, c.retryCap = 50*time.Millisecond, 50*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for h.n.Load() < 2 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := c.Me(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	if !strings.HasPrefix(err.Error(), "GET /me: 503 server_error: down") || !strings.HasSuffix(err.Error(), "(gave up: context canceled)") {
		t.Errorf("error %q does not name the last attempt and the cancel", err)
	}
	if n := h.n.Load(); n >= 100 {
		t.Errorf("requests = %d: the cancel did not stop the retries", n)
	}
}

func TestRequestTimeoutPerAttempt(t *testing.T) {
	n, ts := serveFlaky(t, func(n int64) bool { return n == 1 }, func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	c := fastClient(t, ts.URL, func(o *Options) { o.RequestTimeout = 50 * time.Millisecond })
	if _, err := c.Me(context.Background()); err != nil {
		t.Fatalf("Me: %v (the second attempt should have succeeded)", err)
	}

	c1 := fastClient(t, ts.URL, func(o *Options) { o.RequestTimeout = 20 * time.Millisecond; o.MaxAttempts = 1 })
	n.Store(0)
	_, err := c1.Me(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no complete answer within 20ms (RequestTimeout)") {
		t.Fatalf("error = %v, want a RequestTimeout error", err)
	}
}

func TestBackoff(t *testing.T) {
	c := fastClient(t, "http://127.0.0.1:1", nil)
	c.retryBase, c.retryCap = 100*time.Millisecond, time.Second
	for n, max := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 30: time.Second} {
		for range 50 {
			if d := c.backoff(n, 0); d < 0 || d > max {
				t.Fatalf("backoff(%d) = %v, want within [0, %v]", n, d, max)
			}
		}
	}
	for range 50 {
		if d := c.backoff(1, 2*time.Second); d < 2*time.Second || d > 2200*time.Millisecond {
			t.Fatalf("backoff with Retry-After 2s = %v, want within [2s, 2.2s]", d)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   string
		want time.Duration
	}{
		{name: "absent", in: "", want: 0},
		{name: "seconds", in: "3", want: 3 * time.Second},
		{name: "fractional seconds", in: "1.5", want: 1500 * time.Millisecond},
		{name: "zero", in: "0", want: 0},
		{name: "negative", in: "-5", want: 0},
		{name: "huge is clamped", in: "999999999999", want: 24 * time.Hour},
		{name: "http date", in: "Wed, 25 Nov 2026 12:00:07 GMT", want: 7 * time.Second},
		{name: "http date in the past", in: "Wed, 25 Nov 2026 11:00:00 GMT", want: 0},
		{name: "garbage", in: "soon", want: 0},
		{name: "NaN", in: "NaN", want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, parseRetryAfter(tt.in, now)); diff != "" {
				t.Errorf("parseRetryAfter(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// TestRetryAfterDateHonoured serves a 429 whose Retry-After is an HTTP date
// and checks that the client's APIError carries it relative to its clock.
func TestRetryAfterDateHonoured(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	_, ts := serveCanned(t, answer{status: 429, body: `{"error":"slow"}`, header: map[string]string{"Retry-After": "Wed, 25 Nov 2026 12:01:00 GMT"}})
	c := fastClient(t, ts.URL, func(o *Options) { o.MaxRetryWait = 10 * time.Second })
	c.now = func() time.Time { return now }
	_, err := c.Me(context.Background())
	e, ok := asAPIError(err)
	if !ok || e.RetryAfter != time.Minute {
		t.Fatalf("error = %v, want a 429 with RetryAfter 1m", err)
	}
}
