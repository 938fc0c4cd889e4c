package remote

import (
	"errors"
	"net/http"
	"regexp"
)

// The questions callers ask about a failed call. Every decision that
// depends on an HTTP status or on the server's error text is made here, so
// that apply and the commands never look at a status code themselves.

// MayHaveCommitted reports whether a mutation that failed with err may
// nevertheless have been carried out by the server: no answer arrived (a
// network error, a timeout, a cut connection, a cancelled context), or the
// answer was a server error (5xx), which says nothing about whether the
// change was made before the failure. Any other answer (4xx) is a refusal:
// the server did not make the change, and so is a call refused for the
// rate-limit wait budget before it was sent (unless an earlier attempt of
// it was ambiguous). A create-key answer without its secret
// (KeyWithoutSecret) did commit: true. A caller that gets true must settle
// the question by reading the live state, never by retrying blindly.
func MayHaveCommitted(err error) bool {
	if err == nil {
		return false
	}
	var wb *WaitBudgetError
	if errors.As(err, &wb) {
		// Not sent for the wait budget: only an earlier attempt of the
		// call can have made the change.
		return wb.EarlierMayHaveCommitted
	}
	if e, ok := asAPIError(err); ok {
		return e.Status >= http.StatusInternalServerError || e.Status == 0
	}
	return true
}

// IsForbidden reports whether err is a 403: the token is valid but may not
// do this, for lack of a scope (see RequiredScope) or of a right (not a
// member of the team it asks to switch into, say).
func IsForbidden(err error) bool {
	e, ok := asAPIError(err)
	return ok && e.Status == http.StatusForbidden
}

// RequiredScope reports whether err is a 403 insufficient_scope, and names
// the scope the token lacks: the one the server gave in
// details.required_scope or WWW-Authenticate, else the first scope-shaped
// word of its message ("this needs teams:write"), else "" (the server did
// not say).
func RequiredScope(err error) (scope string, ok bool) {
	if scope, ok = InsufficientScope(err); !ok || scope != "" {
		return scope, ok
	}
	e, _ := asAPIError(err)
	return scopeInMessage.FindString(e.Message), true
}

// scopeInMessage finds a scope named in an error message when the server
// named none in details.required_scope or WWW-Authenticate.
var scopeInMessage = regexp.MustCompile(`\b[a-z][a-z-]*:(read|write)\b`)

// KeyWithoutSecret reports whether err is a key create that succeeded
// without answering the key's whole secret (a *SecretNotReturnedError),
// and names the key the answer named (id "" when it named none). The key
// exists: a caller neither reports the create as done nor creates it again
// blindly; it settles it (delete the key nobody holds, or replace it).
func KeyWithoutSecret(err error) (ID, bool) {
	var e *SecretNotReturnedError
	if errors.As(err, &e) {
		return e.ID, true
	}
	return "", false
}
