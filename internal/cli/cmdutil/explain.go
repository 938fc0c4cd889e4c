package cmdutil

import (
	"errors"
	"fmt"

	"github.com/mlabctl/mlabctl/remote"
)

// ExplainAPIError turns the API errors a user can act on (a missing scope,
// a rejected token, a rate limit that outlasts --max-wait) into a message that says what to do, keeping the
// original error wrapped (errors.As still finds the *remote.APIError).
// Other errors, nil, and errors explained already are returned unchanged.
//
// Explain the error as the call returned it, then add what the command was
// doing, so that the explanation replaces the API's own text:
//
//	return fmt.Errorf("reading the live account: %w", cmdutil.ExplainAPIError(err))
//
// An API error that arrives already wrapped (apply's step errors) keeps its
// text, and the explanation follows it. The result exits 1 (CONTRACT.md:
// auth and API errors), unless err already carried another exit code.
func ExplainAPIError(err error) error {
	var explained *explainedError
	if err == nil || errors.As(err, &explained) {
		return err // nothing to explain, or explained already further down
	}
	if e := explainWaitBudget(err); e != nil {
		return e
	}
	var apiErr *remote.APIError
	if !errors.As(err, &apiErr) {
		return err
	}
	var what string
	switch scope, ok := remote.RequiredScope(err); {
	case ok && scope != "":
		what = fmt.Sprintf("the access token lacks scope %q: %s", scope, scopeAdvice(scope))
	case ok:
		what = "the access token lacks a scope this command needs: " + scopeAdvice("")
	case remote.IsUnauthenticated(err):
		what = "the access token was rejected (401: unknown, expired or revoked): " +
			"log in again (mlabctl auth login --token-file FILE) and set " + EnvToken +
			", or unset it and set " + EnvEmail + " and " + EnvPassword
	default:
		return err
	}
	return explain(err, apiErr, what)
}

// ExplainLoginError says what to do about a failed login with email and
// password (a 401 there is a wrong password, not a bad token).
func ExplainLoginError(err error) error {
	var apiErr *remote.APIError
	if errors.As(err, &apiErr) && remote.IsUnauthenticated(err) {
		return explain(err, apiErr, "the email or password is wrong")
	}
	return ExplainAPIError(err)
}

// ExplainSwitchError says what to do about a failed switch-account.
func ExplainSwitchError(account string, err error) error {
	if _, scope := remote.RequiredScope(err); !scope && (remote.IsNotFound(err) || remote.IsForbidden(err)) {
		return &explainedError{err: err, msg: fmt.Sprintf("switching to account %q: %s; only active members of a team account may switch into it (check `account:` in modelslab.yaml or --account)", account, err.Error())}
	}
	return fmt.Errorf("switching to account %q: %w", account, ExplainAPIError(err))
}

// Interrupted is the error of a step cut short by Ctrl-C (or SIGTERM): it
// says so in words rather than "context canceled", and still wraps cause
// for errors.Is.
func Interrupted(doing string, cause error) error {
	return &explainedError{err: cause, msg: "interrupted while " + doing}
}

// explain is err explained by what. When err is the API error itself,
// what replaces its text, followed by the request id for support; when err
// wraps it in words of its own (which hold the request id), what follows
// them.
func explain(err error, apiErr *remote.APIError, what string) error {
	if error(apiErr) != err {
		return &explainedError{err: err, msg: err.Error() + ": " + what}
	}
	return &explainedError{err: err, msg: what + requestID(apiErr)}
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
		with, EnvToken, EnvEmail, EnvPassword)
}

// explainedError is an error with a message saying what to do. It exits
// 1 like any auth or API error, unless what it wraps carries another code.
type explainedError struct {
	err error
	msg string
}

func (e *explainedError) Error() string { return e.msg }
func (e *explainedError) Unwrap() error { return e.err }
