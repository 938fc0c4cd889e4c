package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mlabctl/mlabctl/remote"
)

func TestExplainAPIError(t *testing.T) {
	scopeErr := &remote.APIError{Status: 403, Code: "insufficient_scope", Message: "missing scope", RequiredScope: "api-keys:write",
		Method: "POST", Path: "/api-keys", RequestID: "req-9"}
	scopeInMsg := &remote.APIError{Status: 403, Code: "insufficient_scope", Message: "this needs teams:write"}
	scopeUnnamed := &remote.APIError{Status: 403, Code: "insufficient_scope", Message: "forbidden"}
	unauth := &remote.APIError{Status: 401, Code: "unauthenticated", Message: "token revoked", RequestID: "req-1"}
	notFound := &remote.APIError{Status: 404, Code: "not_found", Message: "no such key"}
	plain := errors.New("dial tcp: connection refused")
	for _, tc := range []struct {
		name string
		err  error
		// want are substrings of the message; same means err comes back
		// unchanged.
		want []string
		same bool
	}{
		{name: "nil", err: nil, same: true},
		{name: "not an API error", err: plain, same: true},
		{name: "other API error", err: fmt.Errorf("reading: %w", notFound), same: true},
		{name: "scope from the details", err: fmt.Errorf("creating api_key.ci: %w", scopeErr),
			want: []string{`creating api_key.ci: the access token lacks scope "api-keys:write"`,
				"mlabctl auth login --scopes api-keys:write", envEmail, envPassword, "[request_id req-9]"}},
		{name: "scope from the message", err: scopeInMsg, want: []string{`lacks scope "teams:write"`, "--scopes teams:write"}},
		{name: "scope unnamed", err: scopeUnnamed, want: []string{"lacks a scope this command needs", "--scopes SCOPES"}},
		{name: "unauthenticated", err: fmt.Errorf("listing: %w", unauth),
			want: []string{"listing: the access token was rejected (401", "mlabctl auth login", "[request_id req-1]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := explainAPIError(tc.err)
			if tc.same {
				if got != tc.err {
					t.Fatalf("explainAPIError changed %v into %v", tc.err, got)
				}
				return
			}
			for _, w := range tc.want {
				if !strings.Contains(got.Error(), w) {
					t.Errorf("%q lacks %q", got, w)
				}
			}
			var apiErr *remote.APIError
			if !errors.As(got, &apiErr) {
				t.Error("the explained error no longer wraps the *remote.APIError")
			}
			if code := exitCode(got); code != exitError {
				t.Errorf("exit code %d, want %d", code, exitError)
			}
			if again := explainAPIError(got); again != got {
				t.Errorf("explaining twice changed the error to %q", again)
			}
		})
	}
}

func TestExplainAPIErrorKeepsExitCode(t *testing.T) {
	inner := withCode{code: exitPartial, err: &remote.APIError{Status: 401, Code: "unauthenticated"}}
	if code := exitCode(explainAPIError(inner)); code != exitPartial {
		t.Errorf("exit code %d, want %d (the wrapped error's)", code, exitPartial)
	}
}

func TestExplainLoginError(t *testing.T) {
	err := explainLoginError(fmt.Errorf("logging in as %q: %w", "a@b.c", &remote.APIError{Status: 401, Code: "unauthenticated", Message: "invalid email or password"}))
	if want := `logging in as "a@b.c": the email or password is wrong`; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("%q does not start with %q", err, want)
	}
	unverified := &remote.APIError{Status: 403, Code: "forbidden", Message: "the email address is not verified yet"}
	if err := explainLoginError(unverified); err != error(unverified) {
		t.Errorf("a 403 at login was rewritten to %q; its message says what to do", err)
	}
}
