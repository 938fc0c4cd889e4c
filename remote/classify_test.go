package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
)

func TestMayHaveCommitted(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"network error", &net.OpError{Op: "read", Err: io.ErrUnexpectedEOF}, true},
		{"timeout", context.DeadlineExceeded, true},
		{"cancelled", fmt.Errorf("creating: %w", context.Canceled), true},
		{"500", &APIError{Status: 500}, true},
		{"503 wrapped", fmt.Errorf("creating: %w", &APIError{Status: 503, Code: CodeServerError}), true},
		{"API error without status", &APIError{Code: "weird"}, true},
		{"400", &APIError{Status: 400}, false},
		{"403", &APIError{Status: 403, Code: CodeInsufficientScope}, false},
		{"404", &APIError{Status: 404}, false},
		{"409", &APIError{Status: 409, Code: CodeIdempotencyConflict}, false},
		{"422", &APIError{Status: 422, Code: CodeValidation}, false},
		{"429", &APIError{Status: 429}, false},
		{"not sent for the wait budget", &WaitBudgetError{Method: "POST", Path: "/api-keys"}, false},
		{"not sent after a 429", fmt.Errorf("creating: %w", &WaitBudgetError{Err: &APIError{Status: 429}}), false},
		{"not sent after a 503 and a 429", &WaitBudgetError{Err: &APIError{Status: 429}, EarlierMayHaveCommitted: true}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := MayHaveCommitted(tc.err); got != tc.want {
				t.Errorf("MayHaveCommitted(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

func TestIsForbidden(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"403", fmt.Errorf("switching: %w", &APIError{Status: 403, Code: "forbidden"}), true},
		{"403 scope", &APIError{Status: 403, Code: CodeInsufficientScope}, true},
		{"401", &APIError{Status: 401}, false},
		{"404", &APIError{Status: 404}, false},
		{"not an API error", errors.New("forbidden"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsForbidden(tc.err); got != tc.want {
				t.Errorf("IsForbidden(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

func TestRequiredScope(t *testing.T) {
	for _, tc := range []struct {
		name      string
		err       error
		wantScope string
		wantOK    bool
	}{
		{"from the details", &APIError{Status: 403, Code: CodeInsufficientScope, RequiredScope: ScopeAPIKeysWrite, Message: "needs teams:write"}, ScopeAPIKeysWrite, true},
		{"from the message", fmt.Errorf("listing: %w", &APIError{Status: 403, Code: CodeInsufficientScope, Message: "this needs teams:write"}), ScopeTeamsWrite, true},
		{"unnamed", &APIError{Status: 403, Code: CodeInsufficientScope, Message: "forbidden"}, "", true},
		{"a 403 that is not about scopes", &APIError{Status: 403, Code: "forbidden", Message: "needs teams:write"}, "", false},
		{"401", &APIError{Status: 401, Message: "needs teams:write"}, "", false},
		{"not an API error", errors.New("needs teams:write"), "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scope, ok := RequiredScope(tc.err)
			if scope != tc.wantScope || ok != tc.wantOK {
				t.Errorf("RequiredScope = %q, %v; want %q, %v", scope, ok, tc.wantScope, tc.wantOK)
			}
		})
	}
}

func TestSameBaseURL(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"https://modelslab.com", "https://modelslab.com", true},
		{"https://modelslab.com/", "https://modelslab.com", true},
		{"https://modelslab.com/api/agents/v1", "https://modelslab.com", true},
		{"HTTPS://ModelsLab.com", "https://modelslab.com", true},
		{"http://127.0.0.1:8765", "http://127.0.0.1:8765/", true},
		{"http://127.0.0.1:8765", "http://127.0.0.1:8766", false},
		{"https://modelslab.com", "https://staging.modelslab.com", false},
		{"", "https://modelslab.com", false},
		{"", "", false},
		{"http://example.com", "http://example.com", false}, // refused by New: not https, not loopback
		{"not a url", "not a url", false},
	} {
		if got := SameBaseURL(tc.a, tc.b); got != tc.want {
			t.Errorf("SameBaseURL(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestRetryBackoffOption(t *testing.T) {
	if _, err := New(Options{RetryBackoff: -1}); err == nil {
		t.Error("a negative RetryBackoff was accepted")
	}
	c, err := New(Options{RetryBackoff: 2})
	if err != nil {
		t.Fatal(err)
	}
	if c.retryBase != 2 || c.retryCap != 64 {
		t.Errorf("backoff %v up to %v, want 2ns up to 64ns", c.retryBase, c.retryCap)
	}
	for n := 1; n < 10; n++ {
		if d := c.backoff(n, 0); d > 64 {
			t.Errorf("backoff(%d) = %v, more than the cap", n, d)
		}
	}
	d, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.retryBase != defaultRetryBase || d.retryCap != defaultRetryCap {
		t.Errorf("default backoff %v up to %v", d.retryBase, d.retryCap)
	}
}
