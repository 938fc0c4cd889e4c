package remote

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/mlabctl/mlabctl/internal/safetext"
)

// Error codes of the API (API.md, "Envelope").
const (
	CodeUnauthenticated     = "unauthenticated"
	CodeInsufficientScope   = "insufficient_scope"
	CodeNotFound            = "not_found"
	CodeConflict            = "conflict"
	CodeIdempotencyConflict = "idempotency_conflict"
	CodeValidation          = "validation_error"
	CodeRateLimited         = "rate_limited"
	CodeServerError         = "server_error"
)

// Sentinels that errors.Is matches against an *APIError of the same kind,
// for callers that prefer errors.Is to the Is* helpers.
var (
	ErrUnauthenticated   = errors.New("remote: unauthenticated")
	ErrInsufficientScope = errors.New("remote: insufficient scope")
	ErrNotFound          = errors.New("remote: not found")
	ErrConflict          = errors.New("remote: conflict")
	ErrValidation        = errors.New("remote: validation error")
	ErrRateLimited       = errors.New("remote: rate limited")
	ErrServer            = errors.New("remote: server error")
)

// APIError is an error answer of the API. Its text never contains a secret:
// the client removes its token and the secrets of the request from the
// server's message and details before building it.
type APIError struct {
	// Status is the HTTP status code.
	Status int
	// Code is the API's error code (see the Code* constants); when the
	// server sent none, the client derives it from Status.
	Code string
	// Message is the server's human-readable message.
	Message string
	// Details are the error details; for a 422 they map a field name to a
	// list of messages (see FieldErrors).
	Details map[string]any
	// RequestID is meta.request_id (or the X-Request-Id header), for support.
	RequestID string
	// RetryAfter is the wait the server asked for (Retry-After) on a 429 or
	// 503; zero when it did not say.
	RetryAfter time.Duration

	// Method and Path name the call, the path relative to the API root
	// ("GET", "/api-keys/7"). Empty for errors built outside a call.
	Method, Path string
	// RequiredScope is the scope a 403 insufficient_scope answer names
	// (details.required_scope or the WWW-Authenticate header).
	RequiredScope string
}

// Error reads like
//
//	POST /api-keys: 422 validation_error: The given data was invalid (name: has already been taken) [request_id req-1]
//
// It is one line whatever the server sent: its message, details, code and
// request id are escaped with safetext.Line, so that a line break in them
// stays inside the message (shown as \n) and cannot start a line of its own
// in a terminal or a CI log (a `::error::` workflow command), and clipped
// to maxMessageChars.
func (e *APIError) Error() string {
	var b strings.Builder
	if e.Method != "" || e.Path != "" {
		fmt.Fprintf(&b, "%s %s: ", e.Method, e.Path)
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, "%d", e.Status)
	}
	if e.Code != "" {
		if e.Status != 0 {
			b.WriteByte(' ')
		}
		b.WriteString(e.Code)
	}
	msg := safetext.Clip(e.Message, maxMessageChars)
	if msg == "" && e.Status != 0 {
		msg = http.StatusText(e.Status)
	}
	if msg != "" {
		b.WriteString(": ")
		b.WriteString(msg)
	}
	var extra []string
	if fe := e.detailText(); fe != "" {
		extra = append(extra, safetext.Clip(fe, maxMessageChars))
	}
	if e.RequiredScope != "" {
		extra = append(extra, fmt.Sprintf("required scope %q", e.RequiredScope))
	}
	if e.RetryAfter > 0 {
		extra = append(extra, "retry after "+e.RetryAfter.String())
	}
	if len(extra) > 0 {
		b.WriteString(" (" + strings.Join(extra, "; ") + ")")
	}
	if e.RequestID != "" {
		b.WriteString(" [request_id " + safetext.Clip(e.RequestID, 100) + "]")
	}
	return safetext.Line(b.String())
}

// maxMessageChars bounds the server's message, and its field errors, in
// Error: a server can send megabytes, which would flood the terminal and
// the CI log and bury the point. Message keeps it all.
const maxMessageChars = 1000

// detailText renders the details worth a user's eye: field errors of a
// validation error, sorted by field. Other details (required_scope, which has
// its own field) are left to callers that want them.
func (e *APIError) detailText() string {
	fe := e.FieldErrors()
	if len(fe) == 0 {
		return ""
	}
	fields := make([]string, 0, len(fe))
	for f := range fe {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	parts := make([]string, 0, len(fields))
	for _, f := range fields {
		var msgs []string
		for _, m := range fe[f] {
			// Servers often repeat the field messages in the top-level
			// message ("the request is invalid: scopes has an unknown
			// scope ..."); saying it twice only hides the point.
			if !strings.Contains(e.Message, m) {
				msgs = append(msgs, m)
			}
		}
		if len(msgs) > 0 {
			parts = append(parts, f+": "+strings.Join(msgs, ", "))
		}
	}
	return strings.Join(parts, "; ")
}

// FieldErrors returns the field messages of a validation error: every
// detail whose value is a string or a list of strings. Nil when there are none.
func (e *APIError) FieldErrors() map[string][]string {
	if e == nil || len(e.Details) == 0 {
		return nil
	}
	var out map[string][]string
	add := func(k, v string) {
		if out == nil {
			out = map[string][]string{}
		}
		out[k] = append(out[k], v)
	}
	for k, v := range e.Details {
		if k == "required_scope" {
			continue
		}
		switch v := v.(type) {
		case string:
			add(k, v)
		case []any:
			for _, m := range v {
				if s, ok := m.(string); ok {
					add(k, s)
				}
			}
		}
	}
	return out
}

// Is makes errors.Is(err, ErrNotFound) (and the other sentinels) true for an
// APIError of that kind.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrUnauthenticated:
		return e.isUnauthenticated()
	case ErrInsufficientScope:
		return e.isInsufficientScope()
	case ErrNotFound:
		return e.Status == http.StatusNotFound || e.Code == CodeNotFound
	case ErrConflict:
		return e.Status == http.StatusConflict || e.Code == CodeConflict || e.Code == CodeIdempotencyConflict
	case ErrValidation:
		return e.Status == http.StatusUnprocessableEntity || e.Code == CodeValidation
	case ErrRateLimited:
		return e.Status == http.StatusTooManyRequests || e.Code == CodeRateLimited
	case ErrServer:
		return e.Status >= 500 || e.Code == CodeServerError
	}
	return false
}

func (e *APIError) isUnauthenticated() bool {
	return e.Status == http.StatusUnauthorized || e.Code == CodeUnauthenticated
}

func (e *APIError) isInsufficientScope() bool {
	return e.Code == CodeInsufficientScope || (e.Status == http.StatusForbidden && e.RequiredScope != "")
}

// asAPIError finds the *APIError in err's chain.
func asAPIError(err error) (*APIError, bool) {
	var e *APIError
	ok := errors.As(err, &e)
	return e, ok && e != nil
}

// IsNotFound reports whether err is a 404 (no such id in this account).
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// InsufficientScope reports whether err is a 403 insufficient_scope, and
// names the scope the token lacks (empty if the server did not say).
func InsufficientScope(err error) (scope string, ok bool) {
	e, ok := asAPIError(err)
	if !ok || !e.isInsufficientScope() {
		return "", false
	}
	return e.RequiredScope, true
}

// IsValidation reports whether err is a 422 validation error; see
// APIError.FieldErrors for the messages per field.
func IsValidation(err error) bool { return errors.Is(err, ErrValidation) }

// IsRateLimited reports whether err is a 429; the APIError's RetryAfter says
// how long the server asked to wait.
func IsRateLimited(err error) bool { return errors.Is(err, ErrRateLimited) }

// IsUnauthenticated reports whether err is a 401: the token is missing,
// unknown, expired or revoked.
func IsUnauthenticated(err error) bool { return errors.Is(err, ErrUnauthenticated) }

// IsConflict reports whether err is a 409, a state conflict or an
// idempotency-key conflict (see IsIdempotencyConflict).
func IsConflict(err error) bool { return errors.Is(err, ErrConflict) }

// IsIdempotencyConflict reports whether err is a 409 idempotency_conflict:
// the Idempotency-Key was used before with a different body.
func IsIdempotencyConflict(err error) bool {
	e, ok := asAPIError(err)
	return ok && e.Code == CodeIdempotencyConflict
}

// codeForStatus is the code the client assumes when the server sent none.
func codeForStatus(status int) string {
	switch {
	case status == http.StatusUnauthorized:
		return CodeUnauthenticated
	case status == http.StatusNotFound:
		return CodeNotFound
	case status == http.StatusConflict:
		return CodeConflict
	case status == http.StatusUnprocessableEntity:
		return CodeValidation
	case status == http.StatusTooManyRequests:
		return CodeRateLimited
	case status >= 500:
		return CodeServerError
	}
	return ""
}
