package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/mail"
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
