package cmdutil

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mlabctl/mlabctl/remote"
)

func TestExplainAPIError(t *testing.T) {
	t.Parallel()
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
		// Explained as the call returned it, then wrapped with what the
		// command was doing: the explanation replaces the API's text.
		{name: "scope from the details", err: fmt.Errorf("creating api_key.ci: %w", ExplainAPIError(scopeErr)),
			want: []string{`creating api_key.ci: the access token lacks scope "api-keys:write"`,
				"mlabctl auth login --scopes api-keys:write", EnvEmail, EnvPassword, "[request_id req-9]"}},
		{name: "scope from the message", err: scopeInMsg, want: []string{`lacks scope "teams:write"`, "--scopes teams:write"}},
		{name: "scope unnamed", err: scopeUnnamed, want: []string{"lacks a scope this command needs", "--scopes SCOPES"}},
		{name: "unauthenticated", err: fmt.Errorf("listing: %w", ExplainAPIError(unauth)),
			want: []string{"listing: the access token was rejected (401", "mlabctl auth login", "[request_id req-1]"}},
		// Wrapped in words of its own before it is explained (apply's step
		// errors): the words and the API's text stay, the advice follows.
		{name: "wrapped first", err: fmt.Errorf("updated, but resending the invite failed: %w", scopeErr),
			want: []string{"updated, but resending the invite failed: POST /api-keys: 403 insufficient_scope", "[request_id req-9]: the access token lacks scope \"api-keys:write\""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := ExplainAPIError(tc.err)
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
			if code := ExitCode(got); code != ExitError {
				t.Errorf("exit code %d, want %d", code, ExitError)
			}
			if again := ExplainAPIError(got); again != got {
				t.Errorf("explaining twice changed the error to %q", again)
			}
		})
	}
}

func TestExplainAPIErrorKeepsExitCode(t *testing.T) {
	t.Parallel()
	inner := WithCode(ExitPartial, &remote.APIError{Status: 401, Code: "unauthenticated"})
	if code := ExitCode(ExplainAPIError(inner)); code != ExitPartial {
		t.Errorf("exit code %d, want %d (the wrapped error's)", code, ExitPartial)
	}
}

func TestExplainLoginError(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("logging in as %q: %w", "a@b.c", ExplainLoginError(&remote.APIError{Status: 401, Code: "unauthenticated", Message: "invalid email or password"}))
	if want := `logging in as "a@b.c": the email or password is wrong`; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("%q does not start with %q", err, want)
	}
	unverified := &remote.APIError{Status: 403, Code: "forbidden", Message: "the email address is not verified yet"}
	if err := ExplainLoginError(unverified); err != error(unverified) {
		t.Errorf("a 403 at login was rewritten to %q; its message says what to do", err)
	}
}
