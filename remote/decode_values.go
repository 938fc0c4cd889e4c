package remote

import (
	"bytes"
	"encoding/json"
	"math"
	"sort"
	"strings"
	"time"
)

// The value decoders of the shapes API.md's last section leaves open:
// timestamps in RFC 3339 or `Y-m-d H:i:s`, string lists sent as a list, a
// string or an object, and names sent as a string or an object.

// flexTime is a timestamp sent as RFC 3339 (with or without fractional
// seconds), as `Y-m-d H:i:s` or `Y-m-d\TH:i:s` without a zone (UTC, as
// Laravel sends it), as a date, or as unix seconds. null, "" and MySQL's
// zero date are "not set".
type flexTime struct {
	t   time.Time
	set bool
}

// timeLayouts are the layouts tried, in order, for a timestamp string.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05Z07:00",
	time.DateOnly,
}

func (f *flexTime) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*f = flexTime{}
	if isNull(b) {
		return nil
	}
	if b[0] != '"' {
		var secs float64
		if err := json.Unmarshal(b, &secs); err != nil || secs < 0 || secs > 1e13 {
			return typeError(b, "timestamp")
		}
		if secs > 1e11 { // milliseconds
			secs /= 1000
		}
		whole, frac := math.Modf(secs)
		*f = flexTime{t: time.Unix(int64(whole), int64(frac*1e9)).UTC(), set: true}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	s = strings.TrimSpace(s)
	if s == "" || strings.HasPrefix(s, "0000-00-00") {
		return nil
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			*f = flexTime{t: t, set: true}
			return nil
		}
	}
	return typeError(b, "timestamp (RFC 3339 or Y-m-d H:i:s)")
}

// ptr returns the time, or nil when not set.
func (f flexTime) ptr() *time.Time {
	if !f.set {
		return nil
	}
	t := f.t
	return &t
}

// flexStrings is a list of names sent as a list (of strings, or of
// objects naming one), as one string (comma- or space-separated), or as an
// object whose members that are not false, null, 0 or "" are the names
// (`{"api-keys": true, "billing": false}`), sorted.
type flexStrings struct {
	list []string
	set  bool
}

func (f *flexStrings) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*f = flexStrings{}
	if isNull(b) {
		return nil
	}
	f.set = true
	switch b[0] {
	case '[':
		var items []flexName
		if err := json.Unmarshal(b, &items); err != nil {
			return typeError(b, "list of strings")
		}
		f.list = make([]string, 0, len(items))
		for _, it := range items {
			if it != "" {
				f.list = append(f.list, string(it))
			}
		}
	case '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		f.list = strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })
		if f.list == nil {
			f.list = []string{}
		}
	case '{':
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(b, &obj); err != nil {
			return typeError(b, "list of strings")
		}
		f.list = []string{}
		for k, v := range obj {
			switch t := string(bytes.TrimSpace(v)); t {
			case "false", "null", "0", `""`, "[]", "{}", `"0"`, `"false"`:
				continue
			}
			f.list = append(f.list, k)
		}
		sort.Strings(f.list)
	default:
		return typeError(b, "list of strings")
	}
	return nil
}

// firstStrings returns the first list that was sent.
func firstStrings(fs ...flexStrings) []string {
	for _, f := range fs {
		if f.set {
			return f.list
		}
	}
	return nil
}

// flexName is a name sent as a string, a number, or an object naming it
// under "name", "slug", "key" or "value" (a role as `{"id": 2, "name":
// "admin"}`); null is "".
type flexName string

func (n *flexName) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case isNull(b):
		*n = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*n = flexName(s)
	case b[0] == '{':
		var w struct {
			Name, Slug, Key, Value *string
		}
		if err := json.Unmarshal(b, &w); err != nil {
			return typeError(b, "string")
		}
		for _, v := range []*string{w.Name, w.Slug, w.Key, w.Value} {
			if v != nil {
				*n = flexName(*v)
				return nil
			}
		}
		return typeError(b, "string")
	case b[0] == '-' || (b[0] >= '0' && b[0] <= '9'):
		*n = flexName(b)
	default:
		return typeError(b, "string")
	}
	return nil
}
