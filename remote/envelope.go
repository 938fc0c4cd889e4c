package remote

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// envelope is a decoded response: the data and the meta the client uses.
type envelope struct {
	// Data is the raw "data" member, or the whole body when the server
	// answered a bare array or object without an envelope. Nil when absent.
	Data json.RawMessage
	// RequestID is meta.request_id, else the X-Request-Id header.
	RequestID string
	// Meta and Links are the raw "meta" and "links" members (nil when
	// absent), which list answers read their pagination from (see
	// list_page.go).
	Meta, Links json.RawMessage
	// Object is the whole body when it is a JSON object: a paginator may
	// put its page numbers beside data at the top level.
	Object json.RawMessage
	// Header is the response's header (a Link header may page a list).
	Header http.Header
	// Replayed reports a replay flagged in the body (idempotency_replay:
	// true at the top level, in meta or in data), as the public docs
	// describe for billing; the header form is read in recordResponse.
	Replayed bool
}

// wireEnvelope is the envelope as sent. Error is raw because it may be an
// object or a plain string; Message and Errors catch framework-style error
// bodies ({"message": "...", "errors": {...}}).
type wireEnvelope struct {
	Data    json.RawMessage `json:"data"`
	Error   json.RawMessage `json:"error"`
	Meta    json.RawMessage `json:"meta"`
	Links   json.RawMessage `json:"links"`
	Message *string         `json:"message"`
	Errors  json.RawMessage `json:"errors"`
	Replay  json.RawMessage `json:"idempotency_replay"`
}

// wireMeta is what the client reads of meta in every answer.
type wireMeta struct {
	RequestID string          `json:"request_id"`
	Replay    json.RawMessage `json:"idempotency_replay"`
}

type wireError struct {
	Code    string          `json:"code"`
	Message string          `json:"message"`
	Details json.RawMessage `json:"details"`
}

// nonJSONSnippet bounds how much of a non-JSON body an error quotes.
const nonJSONSnippet = 120

// decodeEnvelope decodes a response body of any variant API.md lists. It
// returns an *APIError for an error answer (a non-2xx status, or an "error"
// member that is not null) and a plain error for a success answer that
// cannot be read. now reads Retry-After dates.
func decodeEnvelope(status int, h http.Header, body []byte, now time.Time) (*envelope, error) {
	ok := status >= 200 && status < 300
	trimmed := bytes.TrimSpace(body)
	env := &envelope{RequestID: h.Get("X-Request-Id"), Header: h}

	if len(trimmed) == 0 {
		if ok {
			return env, nil
		}
		return nil, newStatusError(status, h, env.RequestID, "", now)
	}
	switch trimmed[0] {
	case '{':
		// Decoded below; a syntax error there means "not JSON".
	case '[':
		if !json.Valid(trimmed) {
			return nil, notJSON(status, h, body, env.RequestID, now)
		}
		// A bare array: the complete list, without meta.
		if ok {
			env.Data = trimmed
			return env, nil
		}
		return nil, newStatusError(status, h, env.RequestID, "", now)
	default:
		if !json.Valid(trimmed) {
			return nil, notJSON(status, h, body, env.RequestID, now)
		}
		if ok {
			return nil, fmt.Errorf("%d %s: the response is a JSON %s, not an object", status, http.StatusText(status), jsonKind(trimmed[0]))
		}
		return nil, newStatusError(status, h, env.RequestID, "", now)
	}

	// One pass over the object. Members that are absent stay nil; members
	// that are null decode to the raw "null", so the two can be told apart.
	var w wireEnvelope
	if err := json.Unmarshal(trimmed, &w); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, notJSON(status, h, body, env.RequestID, now)
		}
		return nil, fmt.Errorf("%d %s: decoding the response envelope: %w", status, http.StatusText(status), err)
	}
	if w.Data == nil && w.Error == nil && isNull(w.Meta) && ok {
		// A bare object without an envelope.
		env.Data = trimmed
		env.Replayed = truthy(w.Replay)
		return env, nil
	}
	if !isNull(w.Meta) {
		env.Meta = w.Meta
		var m wireMeta
		// A meta that is not an object (or holds odd types) carries
		// nothing the client needs; list answers look at it again.
		if json.Unmarshal(w.Meta, &m) == nil {
			if m.RequestID != "" {
				env.RequestID = m.RequestID
			}
			env.Replayed = truthy(m.Replay)
		}
	}
	if errorPresent(w.Error) || !ok {
		return nil, buildAPIError(status, h, env.RequestID, &w, now)
	}
	if !isNull(w.Links) {
		env.Links = w.Links
	}
	env.Object = trimmed
	if truthy(w.Replay) {
		env.Replayed = true
	}
	if !isNull(w.Data) {
		env.Data = w.Data
		if !env.Replayed {
			env.Replayed = dataReplayFlag(w.Data)
		}
	}
	return env, nil
}

// dataReplayFlag reads idempotency_replay: true inside an object data.
func dataReplayFlag(data json.RawMessage) bool {
	if t := bytes.TrimSpace(data); len(t) == 0 || t[0] != '{' || !bytes.Contains(t, []byte(`"idempotency_replay"`)) {
		return false
	}
	var d struct {
		Replay json.RawMessage `json:"idempotency_replay"`
	}
	return json.Unmarshal(data, &d) == nil && truthy(d.Replay)
}

// truthy reads a flag sent as true, 1 or their string forms; anything
// else (absent, false, a value of another type) is false.
func truthy(raw json.RawMessage) bool {
	if isNull(raw) {
		return false
	}
	var b flexBool
	return json.Unmarshal(raw, &b) == nil && bool(b)
}

// notJSON reports a body that is not (valid) JSON: a plain error for a
// success status, an *APIError carrying the status otherwise.
func notJSON(status int, h http.Header, body []byte, requestID string, now time.Time) error {
	trimmed := bytes.TrimSpace(body)
	what := "the response is not JSON"
	if trimmed[0] == '{' || trimmed[0] == '[' {
		what = "the response is invalid or truncated JSON"
	}
	what += " (" + describeNonJSON(h, body) + ")"
	if status >= 200 && status < 300 {
		return fmt.Errorf("%d %s: %s", status, http.StatusText(status), what)
	}
	return newStatusError(status, h, requestID, what, now)
}

// buildAPIError reads an error member that is an object, a plain string or
// absent (then the framework-style message and errors, then the status).
func buildAPIError(status int, h http.Header, requestID string, w *wireEnvelope, now time.Time) *APIError {
	e := newStatusError(status, h, requestID, "", now)
	switch {
	case !errorPresent(w.Error):
		if w.Message != nil {
			e.Message = *w.Message
		}
		e.Details = decodeDetails(w.Errors)
	case bytes.HasPrefix(bytes.TrimSpace(w.Error), []byte(`"`)):
		var s string
		_ = json.Unmarshal(w.Error, &s)
		e.Message = s
	default:
		var we wireError
		if err := json.Unmarshal(w.Error, &we); err != nil {
			e.Message = "the error member is neither an object nor a string"
			break
		}
		if we.Code != "" {
			e.Code = we.Code
		}
		e.Message = we.Message
		e.Details = decodeDetails(we.Details)
	}
	if e.Status == 0 || (e.Status >= 200 && e.Status < 300) {
		// An error member in a success answer: keep the status, it is the
		// truth about the transport; the code says what went wrong.
		if e.Code == "" {
			e.Code = "error"
		}
	}
	if s, ok := e.Details["required_scope"].(string); ok && s != "" {
		e.RequiredScope = s
	}
	if e.Code == "" && e.RequiredScope != "" {
		e.Code = CodeInsufficientScope
	}
	return e
}

// newStatusError builds an APIError from what the status line and headers
// say, with msg as the message when non-empty.
func newStatusError(status int, h http.Header, requestID, msg string, now time.Time) *APIError {
	e := &APIError{
		Status:     status,
		Code:       codeForStatus(status),
		Message:    msg,
		RequestID:  requestID,
		RetryAfter: parseRetryAfter(h.Get("Retry-After"), now),
	}
	if scope, ok := wwwAuthenticateScope(h.Get("WWW-Authenticate")); ok {
		e.RequiredScope = scope
		e.Code = CodeInsufficientScope
	}
	return e
}

// decodeDetails accepts details as an object; anything else (a list, a
// string) is kept under the key "detail".
func decodeDetails(raw json.RawMessage) map[string]any {
	if isNull(raw) {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err == nil {
		return m
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil
	}
	return map[string]any{"detail": v}
}

// wwwAuthenticateScope reads scope="…" from a Bearer challenge whose error
// is insufficient_scope.
func wwwAuthenticateScope(v string) (string, bool) {
	if v == "" || !strings.Contains(v, "insufficient_scope") {
		return "", false
	}
	i := strings.Index(v, `scope="`)
	if i < 0 {
		return "", true
	}
	rest := v[i+len(`scope="`):]
	j := strings.IndexByte(rest, '"')
	if j < 0 {
		return "", true
	}
	return rest[:j], true
}

// parseRetryAfter reads Retry-After as seconds or as an HTTP date; zero
// when absent, unreadable or in the past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs <= 0 || secs != secs {
			return 0
		}
		// Clamp before converting: a huge value must not overflow.
		if secs > 24*3600 {
			secs = 24 * 3600
		}
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// describeNonJSON says what a non-JSON body looks like, without quoting
// more than a short, single-line snippet of it.
func describeNonJSON(h http.Header, body []byte) string {
	ct := h.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		ct = mt
	}
	if ct == "" {
		ct = "no Content-Type"
	}
	snippet := oneLine(body, nonJSONSnippet)
	if snippet == "" {
		return fmt.Sprintf("%s, %d bytes", ct, len(body))
	}
	return fmt.Sprintf("%s, %d bytes: %q", ct, len(body), snippet)
}

// oneLine collapses white space and cuts b to at most n runes of valid UTF-8.
func oneLine(b []byte, n int) string {
	var out strings.Builder
	space := false
	count := 0
	for len(b) > 0 && count < n {
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		if r == utf8.RuneError && size <= 1 {
			r = '?'
		}
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			space = out.Len() > 0
			continue
		}
		if space {
			out.WriteByte(' ')
			count++
			space = false
		}
		out.WriteRune(r)
		count++
	}
	s := out.String()
	if len(b) > 0 {
		s += "…"
	}
	return s
}

func jsonKind(c byte) string {
	switch c {
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// errorPresent reports whether an "error" member says there is an error:
// null, false and "" (seen in older responses) say there is none.
func errorPresent(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return !isNull(t) && !bytes.Equal(t, []byte("false")) && !bytes.Equal(t, []byte(`""`))
}

// isNull reports whether a raw member is absent or JSON null.
func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null"))
}
