package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strconv"
	"strings"
)

// decode reads the JSON body into v strictly: unknown fields, wrong types
// and trailing data are 422s naming the field, so that a client bug shows
// instead of being ignored. An empty body is an empty object.
func (c *call) decode(v any) *apiError {
	body := bytes.TrimSpace(c.body)
	if len(body) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te) && te.Field != "":
			return validation(te.Field, fmt.Sprintf("must be a JSON %s, not %s", jsonKind(te.Type.Kind().String()), te.Value))
		case errors.As(err, &te):
			return validation("body", fmt.Sprintf("must be a JSON object, not %s", te.Value))
		case errors.As(err, &se):
			return validation("body", fmt.Sprintf("is not valid JSON (offset %d): %v", se.Offset, err))
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return validation(field, "is not a field of this request")
		default:
			return validation("body", "is not valid JSON: "+err.Error())
		}
	}
	if _, err := dec.Token(); err != io.EOF {
		return validation("body", "has data after the JSON object")
	}
	return nil
}

// jsonKind names a Go kind the way a JSON user would.
func jsonKind(k string) string {
	switch {
	case k == "string":
		return "string"
	case k == "bool":
		return "boolean"
	case strings.HasPrefix(k, "int"), strings.HasPrefix(k, "uint"), strings.HasPrefix(k, "float"):
		return "number"
	case k == "slice":
		return "array"
	}
	return "object"
}

// validEmail reports whether s is a plain address (no display name).
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s, "@")
}

// maxPerPage bounds per_page.
const maxPerPage = 100

// pageParams reads ?page and ?per_page; bad values are 422s.
func (c *call) pageParams() (page, perPage int, e *apiError) {
	q := c.r.URL.Query()
	fe := fieldErrors{}
	page, perPage = 1, c.s.DefaultPageSize
	if perPage <= 0 {
		perPage = 50
	}
	if v := q.Get("page"); q.Has("page") {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			fe.add("page", fmt.Sprintf("must be a whole number of at least 1, not %q", v))
		}
		page = n
	}
	if v := q.Get("per_page"); q.Has("per_page") {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPerPage {
			fe.add("per_page", fmt.Sprintf("must be a whole number from 1 to %d, not %q", maxPerPage, v))
		}
		perPage = n
	}
	return page, perPage, fe.err()
}

// paginate answers one page of a list of n items; item(i) renders the i-th.
// Only the page's items are rendered, so a page costs O(per_page).
func paginate[T any](c *call, n int, item func(i int) T) reply {
	page, perPage, e := c.pageParams()
	if e != nil {
		return fail(e)
	}
	last := (n + perPage - 1) / perPage
	if last < 1 {
		last = 1
	}
	out := []T{}
	if start := (page - 1) * perPage; start < n && page <= last {
		end := min(start+perPage, n)
		out = make([]T, 0, end-start)
		for i := start; i < end; i++ {
			out = append(out, item(i))
		}
	}
	r := ok(out)
	r.page = &pagination{Page: page, PerPage: perPage, Total: n, LastPage: last}
	return r
}
