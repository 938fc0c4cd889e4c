package main

import (
	"errors"
	"fmt"
	"regexp"
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
	if scope, ok := remote.InsufficientScope(err); ok {
		what := "the access token lacks a scope this command needs"
		if scope == "" {
			scope = scopeInMessage.FindString(apiErr.Message)
		}
		if scope != "" {
			what = fmt.Sprintf("the access token lacks scope %q", scope)
		}
		return &explainedError{err: err, msg: prefix + what + ": " + scopeAdvice(scope) + requestID(apiErr)}
	}
	if remote.IsUnauthenticated(err) {
		return &explainedError{err: err, msg: prefix + "the access token was rejected (401: unknown, expired or revoked): " +
			"log in again (mlabctl auth login --token-file FILE) and set " + envToken +
			", or unset it and set " + envEmail + " and " + envPassword + requestID(apiErr)}
	}
	return err
}

// requestID renders the request id of an API error for support, or "".
func requestID(e *remote.APIError) string {
	if e.RequestID == "" {
		return ""
	}
	return " [request_id " + e.RequestID + "]"
}

// scopeAdvice says how to get a token that has scope.
func scopeAdvice(scope string) string {
	with := "SCOPES"
	if scope != "" {
		with = scope
	}
	return fmt.Sprintf("create a token with it (mlabctl auth login --scopes %s,... --token-file FILE) "+
		"or unset %s and set %s and %s, so that mlabctl logs in with exactly the scopes it needs",
		with, envToken, envEmail, envPassword)
}

// scopeInMessage finds a scope named in an error message when the server
// named none in details.required_scope or WWW-Authenticate.
var scopeInMessage = regexp.MustCompile(`\b[a-z][a-z-]*:(read|write)\b`)

// explainedError is an API error with a message saying what to do. It exits
// 1 like any auth or API error.
type explainedError struct {
	err error
	msg string
}

func (e *explainedError) Error() string { return e.msg }
func (e *explainedError) Unwrap() error { return e.err }
