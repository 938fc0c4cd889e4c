package remote

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestErrorsIsAndHelpers(t *testing.T) {
	sentinels := []struct {
		name string
		err  error
	}{
		{"unauthenticated", ErrUnauthenticated}, {"insufficient_scope", ErrInsufficientScope},
		{"not_found", ErrNotFound}, {"conflict", ErrConflict}, {"validation", ErrValidation},
		{"rate_limited", ErrRateLimited}, {"server", ErrServer},
	}
	tests := []struct {
		name string
		err  *APIError
		want []string // the sentinels errors.Is matches
	}{
		{name: "401", err: &APIError{Status: 401, Code: CodeUnauthenticated}, want: []string{"unauthenticated"}},
		{name: "403 scope", err: &APIError{Status: 403, Code: CodeInsufficientScope, RequiredScope: "x"}, want: []string{"insufficient_scope"}},
		{name: "403 other", err: &APIError{Status: 403, Code: "forbidden"}, want: nil},
		{name: "404", err: &APIError{Status: 404}, want: []string{"not_found"}},
		{name: "409", err: &APIError{Status: 409, Code: CodeConflict}, want: []string{"conflict"}},
		{name: "409 idempotency", err: &APIError{Status: 409, Code: CodeIdempotencyConflict}, want: []string{"conflict"}},
		{name: "422", err: &APIError{Status: 422, Code: CodeValidation}, want: []string{"validation"}},
		{name: "429", err: &APIError{Status: 429}, want: []string{"rate_limited"}},
		{name: "503", err: &APIError{Status: 503}, want: []string{"server"}},
		{name: "code without status", err: &APIError{Code: CodeNotFound}, want: []string{"not_found"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wrapped := fmt.Errorf("outer: %w", fmt.Errorf("inner: %w", tt.err))
			var got []string
			for _, s := range sentinels {
				if errors.Is(wrapped, s.err) {
					got = append(got, s.name)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors.Is matches (-want +got):\n%s", diff)
			}
			var ae *APIError
			if !errors.As(wrapped, &ae) || ae != tt.err {
				t.Errorf("errors.As did not find the APIError")
			}
			helpers := map[string]bool{
				"unauthenticated": IsUnauthenticated(wrapped), "not_found": IsNotFound(wrapped),
				"conflict": IsConflict(wrapped), "validation": IsValidation(wrapped), "rate_limited": IsRateLimited(wrapped),
			}
			_, helpers["insufficient_scope"] = InsufficientScope(wrapped)
			for name, v := range helpers {
				if want := slices.Contains(tt.want, name); v != want {
					t.Errorf("helper %s = %v, want %v", name, v, want)
				}
			}
		})
	}
	if IsNotFound(nil) || IsNotFound(errors.New("404")) {
		t.Error("IsNotFound is true for an error that is not an APIError")
	}
	if _, ok := InsufficientScope(nil); ok {
		t.Error("InsufficientScope(nil) is true")
	}
}

// TestAPIErrorIsOneLine: whatever the server puts in its message, details,
// code or request id, the error is one line, with the server's line breaks
// shown escaped, so that no part of it can start a line of a CI log.
func TestAPIErrorIsOneLine(t *testing.T) {
	e := &APIError{
		Status:    422,
		Code:      "validation_error\n::warning::code",
		Message:   "bad\n::error file=modelslab.yaml,line=1::forged\r::stop-commands::tok",
		Details:   map[string]any{"name": []any{"taken\n##[add-mask]x"}},
		RequestID: "req-1\n::endgroup::",
		Method:    "POST", Path: "/api-keys",
	}
	got := e.Error()
	want := `POST /api-keys: 422 validation_error\n::warning::code: bad\n::error file=modelslab.yaml,line=1::forged\r::stop-commands::tok` +
		` (name: taken\n##\u005badd-mask]x) [request_id req-1\n::endgroup::]`
	if got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
	wrapped := fmt.Errorf("reading the live account: %w", e).Error()
	if strings.ContainsAny(wrapped, "\r\n") {
		t.Errorf("a wrapped APIError holds a line break: %q", wrapped)
	}
	if e.Message != "bad\n::error file=modelslab.yaml,line=1::forged\r::stop-commands::tok" {
		t.Errorf("Message was changed: %q", e.Message)
	}
}

// TestAPIErrorClipsAHugeMessage: megabytes of server message are not
// printed whole.
func TestAPIErrorClipsAHugeMessage(t *testing.T) {
	e := &APIError{Status: 503, Code: CodeServerError, Message: strings.Repeat("x", 3<<20), Details: map[string]any{"f": strings.Repeat("y", 5000)}}
	got := e.Error()
	if len(got) > 2*maxMessageChars+200 || !strings.Contains(got, "… (3,144,728 more characters)") || !strings.Contains(got, "(f: yyy") {
		t.Errorf("Error() holds %d bytes: %.300q…", len(got), got)
	}
	if len(e.Message) != 3<<20 {
		t.Error("Message was clipped")
	}
}
