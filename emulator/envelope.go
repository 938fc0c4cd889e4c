package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
)

// envelope is the shape of every /api answer.
type envelope struct {
	Data  any       `json:"data"`
	Error *apiError `json:"error"`
	Meta  meta      `json:"meta"`
}

// meta carries the request id and, on list pages, the pagination.
type meta struct {
	RequestID  string      `json:"request_id"`
	Pagination *pagination `json:"pagination,omitempty"`
}

// pagination is meta.pagination of a list page.
type pagination struct {
	Page     int `json:"page"`
	PerPage  int `json:"per_page"`
	Total    int `json:"total"`
	LastPage int `json:"last_page"`
}

// apiError is the error object of the envelope plus its HTTP status and
// headers.
type apiError struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details,omitempty"`

	status int
	header http.Header
}

// reply is what a handler returns: data (with optional pagination) or an
// error.
type reply struct {
	status int
	data   any
	page   *pagination
	err    *apiError
}

// ok answers 200 with data.
func ok(data any) reply { return reply{status: http.StatusOK, data: data} }

// created answers 201 with data.
func created(data any) reply { return reply{status: http.StatusCreated, data: data} }

// message answers 200 with {"message": msg}.
func message(msg string) reply { return ok(map[string]string{"message": msg}) }

// fail answers with an error.
func fail(e *apiError) reply { return reply{err: e} }

// response renders the reply in the envelope.
func (r reply) response(id string) *response {
	if r.err != nil {
		return errorResponse(id, r.err)
	}
	body, err := json.Marshal(envelope{Data: r.data, Meta: meta{RequestID: id, Pagination: r.page}})
	if err != nil {
		return errorResponse(id, &apiError{status: 500, Code: "server_error", Message: "encoding the response: " + err.Error()})
	}
	return &response{status: r.status, body: body}
}

// errorResponse renders an error in the envelope.
func errorResponse(id string, e *apiError) *response {
	body, err := json.Marshal(envelope{Error: e, Meta: meta{RequestID: id}})
	if err != nil {
		body = []byte(`{"data":null,"error":{"code":"server_error","message":"encoding an error failed"},"meta":{}}`)
	}
	h := http.Header{}
	for k, v := range e.header {
		h[k] = v
	}
	return &response{status: e.status, header: h, body: body}
}

// fieldErrors collects validation messages by field, in the order found.
type fieldErrors map[string][]string

// add records a message about a field.
func (f fieldErrors) add(field, msg string) { f[field] = append(f[field], msg) }

// err returns the 422 for the collected messages, or nil if there are none.
func (f fieldErrors) err() *apiError {
	if len(f) == 0 {
		return nil
	}
	fields := make([]string, 0, len(f))
	details := make(map[string]any, len(f))
	for k, v := range f {
		fields = append(fields, k)
		details[k] = v
	}
	sort.Strings(fields)
	first := fields[0]
	return &apiError{
		status:  http.StatusUnprocessableEntity,
		Code:    "validation_error",
		Message: fmt.Sprintf("the request is invalid: %s %s", first, f[first][0]),
		Details: details,
	}
}

// validation is a 422 about one field.
func validation(field, msg string) *apiError {
	return fieldErrors{field: {msg}}.err()
}

// errUnauthenticated is a 401 with the reason.
func errUnauthenticated(msg string) *apiError {
	return &apiError{
		status:  http.StatusUnauthorized,
		Code:    "unauthenticated",
		Message: msg,
		header:  http.Header{"Www-Authenticate": {`Bearer realm="modelslab"`}},
	}
}

// errScope is the 403 for a token lacking scope.
func errScope(scope string) *apiError {
	return &apiError{
		status:  http.StatusForbidden,
		Code:    "insufficient_scope",
		Message: fmt.Sprintf("this token lacks the %q scope", scope),
		Details: map[string]any{"required_scope": scope},
		header: http.Header{"Www-Authenticate": {
			fmt.Sprintf(`Bearer realm="modelslab", error="insufficient_scope", scope=%q`, scope)}},
	}
}

// errForbidden is a 403 that is not about scopes (acting on someone else's
// invite).
func errForbidden(msg string) *apiError {
	return &apiError{status: http.StatusForbidden, Code: "forbidden", Message: msg}
}

// errNotFound is a 404 naming what was not found.
func errNotFound(what string) *apiError {
	return &apiError{status: http.StatusNotFound, Code: "not_found", Message: what + " not found in this account"}
}

// errUnknownRoute is the 404 of a route the API does not have.
func errUnknownRoute(route string) *apiError {
	return &apiError{
		status:  http.StatusNotFound,
		Code:    "not_found",
		Message: fmt.Sprintf("the emulator has no route %q (see API.md for the endpoints under %s)", route, Prefix),
		Details: map[string]any{"route": route},
	}
}

// errConflict is a 409 conflict.
func errConflict(msg string) *apiError {
	return &apiError{status: http.StatusConflict, Code: "conflict", Message: msg}
}
