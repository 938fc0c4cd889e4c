package main

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/mlabctl/mlabctl/remote"
)

// explainAPIError turns the API errors a user can act on into a message that
// says what to do, keeping the original error wrapped (errors.As still finds
// the *remote.APIError). Other errors, and nil, are returned unchanged. Every
// command that talks to the API wraps the error it returns with it:
//
//	return explainAPIError(err)
//
// The result exits 1 (CONTRACT.md: auth and API errors), unless err already
// carried another exit code.
func explainAPIError(err error) error {
	var apiErr *remote.APIError
	if err == nil || !errors.As(err, &apiErr) {
		return err
	}
	var explained *explainedError
	if errors.As(err, &explained) {
		return err // already explained further down
	}
	// Keep the context the caller added ("reading API keys: ...") in front of
	// the explanation, which replaces only the API's own message.
	prefix := strings.TrimSuffix(err.Error(), apiErr.Error())
	switch {
	case apiErr.Status == http.StatusForbidden && apiErr.Code == "insufficient_scope":
		scope := requiredScopeOf(apiErr)
		what := "the access token lacks a scope this command needs"
		if scope != "" {
			what = fmt.Sprintf("the access token lacks scope %q", scope)
		}
		return &explainedError{err: err, msg: prefix + what + ": " + scopeAdvice(scope)}
	case apiErr.Status == http.StatusUnauthorized:
		return &explainedError{err: err, msg: prefix + "the access token was rejected (unknown, expired or revoked): " +
			"log in again (mlabctl auth login --token-file FILE) and set " + envToken +
			", or unset it and set " + envEmail + " and " + envPassword}
	case apiErr.Status == http.StatusUnprocessableEntity && len(apiErr.Details) > 0:
		return &explainedError{err: err, msg: prefix + "the API rejected the request: " + validationDetails(apiErr.Details)}
	}
	return err
}

// scopeAdvice says how to get a token that has scope.
func scopeAdvice(scope string) string {
	with := "the scopes it needs"
	if scope != "" {
		with = scope
	}
	return fmt.Sprintf("create a token with it (mlabctl auth login --scopes %s --token-file FILE) "+
		"or unset %s and set %s and %s, so that mlabctl logs in with exactly the scopes it needs",
		with, envToken, envEmail, envPassword)
}

// scopeInMessage finds a scope named in an error message when the server
// sent no details.required_scope.
var scopeInMessage = regexp.MustCompile(`\b[a-z][a-z-]*:(read|write)\b`)

// requiredScopeOf returns the scope a 403 insufficient_scope names: in
// details.required_scope (API.md), else in the message, else "".
func requiredScopeOf(e *remote.APIError) string {
	if s, ok := e.Details["required_scope"].(string); ok && s != "" {
		return s
	}
	return scopeInMessage.FindString(e.Message)
}

// validationDetails renders a 422's details (field → list of messages) as
// "field: message; field: message", sorted by field.
func validationDetails(details map[string]any) string {
	fields := make([]string, 0, len(details))
	for f := range details {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	var parts []string
	for _, f := range fields {
		switch v := details[f].(type) {
		case []any:
			for _, m := range v {
				parts = append(parts, fmt.Sprintf("%s: %v", f, m))
			}
		case []string:
			for _, m := range v {
				parts = append(parts, f+": "+m)
			}
		default:
			parts = append(parts, fmt.Sprintf("%s: %v", f, v))
		}
	}
	return strings.Join(parts, "; ")
}

// explainedError is an API error with a message saying what to do. It exits
// 1 like any auth or API error.
type explainedError struct {
	err error
	msg string
}

func (e *explainedError) Error() string { return e.msg }
func (e *explainedError) Unwrap() error { return e.err }
