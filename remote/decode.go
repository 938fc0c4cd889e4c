package remote

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// This file holds the tolerant decoding API.md's "Variants" ask for: ids as
// numbers or strings, numbers and booleans sent as strings, and the /me
// profile with socials and preferences nested or at the top level under
// either name.

// UnmarshalJSON accepts an id as a JSON string or number (kept as sent, so
// 101 and "101" are the same ID) and null as the empty ID.
func (id *ID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case isNull(b):
		*id = ""
	case len(b) > 1 && b[0] == '"':
		if bytes.IndexByte(b, '\\') < 0 {
			// The common case, without escapes: the bytes between the
			// quotes (the decoder has already validated the literal).
			*id = ID(b[1 : len(b)-1])
			return nil
		}
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*id = ID(s)
	case len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')):
		// A number literal, validated by the decoder, kept as sent.
		*id = ID(b)
	default:
		return typeError(b, "string or number")
	}
	return nil
}

// typeError reports a value of the wrong type as json does, so that the
// decoder adds the field's name (see explainDecodeError).
func typeError(b []byte, want string) error {
	return &json.UnmarshalTypeError{Value: oneLine(b, 40), Type: wantType{name: want}}
}

// wantType names the expected type of a typeError in words.
type wantType struct {
	reflect.Type
	name string
}

// String names the wanted type, for json's own error text.
func (w wantType) String() string { return w.name }

// explainDecodeError turns a json type error into a sentence that names
// the field, the value and the type wanted.
func explainDecodeError(err error) error {
	var ute *json.UnmarshalTypeError
	if !errors.As(err, &ute) || ute.Field == "" {
		// Without a field name the wrapped text (which says where, e.g.
		// "profile: socials: ...") is the better message.
		return err
	}
	want := ""
	if w, ok := ute.Type.(wantType); ok {
		want = w.name
	} else if ute.Type != nil {
		want = ute.Type.Kind().String()
	}
	return &decodeError{msg: fmt.Sprintf("field %q is %s, want a %s", ute.Field, ute.Value, want), err: err}
}

// decodeError is a readable decoding error that still unwraps to json's.
type decodeError struct {
	msg string
	err error
}

func (e *decodeError) Error() string { return e.msg }
func (e *decodeError) Unwrap() error { return e.err }

// flexInt is an integer sent as a number or a numeric string.
type flexInt int

func (n *flexInt) UnmarshalJSON(b []byte) error {
	var f flexFloat
	if err := f.UnmarshalJSON(b); err != nil {
		return err
	}
	if float64(f) > 1<<53 || float64(f) < -(1<<53) {
		return typeError(b, "integer")
	}
	*n = flexInt(f)
	return nil
}

// flexFloat is a number sent as a number or a numeric string ("12.50", as
// frameworks send decimals); null and "" are zero.
type flexFloat float64

func (f *flexFloat) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if isNull(b) {
		*f = 0
		return nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		if s == "" {
			*f = 0
			return nil
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return typeError(b, "number")
		}
		*f = flexFloat(v)
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return typeError(b, "number")
	}
	*f = flexFloat(v)
	return nil
}

// flexBool is a boolean sent as true/false, 1/0 or their string forms.
type flexBool bool

func (v *flexBool) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1":
		*v = true
	case "false", "0", "", "null":
		*v = false
	default:
		return typeError(b, "boolean")
	}
	return nil
}

// wirePreferences are the preference fields under both names API.md lists.
type wirePreferences struct {
	NSFWContent                 *flexBool  `json:"nsfw_content"`
	NSFWEnabled                 *flexBool  `json:"nsfw_enabled"`
	WalletNotificationEnabled   *flexBool  `json:"wallet_notification_enabled"`
	NotificationsEnabled        *flexBool  `json:"notifications_enabled"`
	WalletNotificationThreshold *flexFloat `json:"wallet_notification_threshold"`
}

// applyTo sets the fields present in w, the canonical name winning over the
// alias.
func (w *wirePreferences) applyTo(p *Preferences) {
	if v := firstBool(w.NSFWContent, w.NSFWEnabled); v != nil {
		p.NSFWContent = bool(*v)
	}
	if v := firstBool(w.WalletNotificationEnabled, w.NotificationsEnabled); v != nil {
		p.WalletNotificationEnabled = bool(*v)
	}
	if w.WalletNotificationThreshold != nil {
		p.WalletNotificationThreshold = float64(*w.WalletNotificationThreshold)
	}
}

func firstBool(vs ...*flexBool) *flexBool {
	for _, v := range vs {
		if v != nil {
			return v
		}
	}
	return nil
}

// UnmarshalJSON accepts the canonical names and the aliases nsfw_enabled
// and notifications_enabled.
func (p *Preferences) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		return nil
	}
	if err := wantObject("preferences", b); err != nil {
		return err
	}
	var w wirePreferences
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("preferences: %w", err)
	}
	w.applyTo(p)
	return nil
}

// wireSocials are the social links; null values mean "not set".
type wireSocials struct {
	GitHub  *string `json:"github"`
	Twitter *string `json:"twitter"`
	Discord *string `json:"discord"`
	Website *string `json:"website"`
}

func (w *wireSocials) applyTo(s *Socials) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&s.GitHub, w.GitHub)
	set(&s.Twitter, w.Twitter)
	set(&s.Discord, w.Discord)
	set(&s.Website, w.Website)
}

// UnmarshalJSON accepts null values as "not set".
func (s *Socials) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		return nil
	}
	if err := wantObject("socials", b); err != nil {
		return err
	}
	var w wireSocials
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("socials: %w", err)
	}
	w.applyTo(s)
	return nil
}

// UnmarshalJSON normalises the /me variants: socials and preferences nested
// or at the top level (nested wins when both are sent), about for about_me,
// and numbers or booleans sent as strings.
func (p *Profile) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		return nil
	}
	var w struct {
		ID            ID              `json:"id"`
		Name          *string         `json:"name"`
		Username      *string         `json:"username"`
		Email         *string         `json:"email"`
		AboutMe       *string         `json:"about_me"`
		About         *string         `json:"about"`
		Verified      flexBool        `json:"verified"`
		WalletBalance flexFloat       `json:"wallet_balance"`
		Socials       json.RawMessage `json:"socials"`
		Preferences   json.RawMessage `json:"preferences"`
		wireSocials
		wirePreferences
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	out := Profile{
		ID:            w.ID,
		Verified:      bool(w.Verified),
		WalletBalance: float64(w.WalletBalance),
	}
	str := func(vs ...*string) string {
		for _, v := range vs {
			if v != nil {
				return *v
			}
		}
		return ""
	}
	out.Name = str(w.Name)
	out.Username = str(w.Username)
	out.Email = str(w.Email)
	out.AboutMe = str(w.AboutMe, w.About)
	w.wireSocials.applyTo(&out.Socials)
	w.wirePreferences.applyTo(&out.Preferences)
	if err := out.Socials.UnmarshalJSON(orNull(w.Socials)); err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	if err := out.Preferences.UnmarshalJSON(orNull(w.Preferences)); err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	*p = out
	return nil
}

// wantObject refuses a member that should be an object and is not.
func wantObject(what string, b []byte) error {
	if t := bytes.TrimSpace(b); len(t) == 0 || t[0] != '{' {
		return fmt.Errorf("%s is %s, want an object", what, oneLine(t, 40))
	}
	return nil
}

func orNull(raw json.RawMessage) []byte {
	if len(raw) == 0 {
		return []byte("null")
	}
	return raw
}

// UnmarshalJSON accepts api_key as a string or as an API key object (whose
// key member is the secret), and the other members as declared.
func (r *AuthResult) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		return nil
	}
	type plain AuthResult
	var w struct {
		plain
		APIKey json.RawMessage `json:"api_key"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("auth result: %w", err)
	}
	*r = AuthResult(w.plain)
	r.APIKey = ""
	raw := bytes.TrimSpace(w.APIKey)
	switch {
	case isNull(raw):
	case raw[0] == '"':
		if err := json.Unmarshal(raw, &r.APIKey); err != nil {
			return fmt.Errorf("auth result: api_key: %w", err)
		}
	case raw[0] == '{':
		var k struct {
			Key Secret `json:"key"`
		}
		if err := json.Unmarshal(raw, &k); err != nil {
			return fmt.Errorf("auth result: api_key: %w", err)
		}
		r.APIKey = k.Key
	default:
		return fmt.Errorf("auth result: api_key must be a string or an object")
	}
	return nil
}

// UnmarshalJSON decodes a team member and checks its status, which API.md
// defines as active or pending (compared case-insensitively). Anything
// else is refused rather than kept: callers treat every member that is not
// StatusPending as StatusActive (an admin toward min_admins, say), so an
// unknown status such as "suspended" must not pass as active.
func (m *TeamMember) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		return nil
	}
	type plain TeamMember
	var w plain
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	switch {
	case strings.EqualFold(w.Status, StatusActive):
		w.Status = StatusActive
	case strings.EqualFold(w.Status, StatusPending):
		w.Status = StatusPending
	default:
		who := "team member"
		if w.ID != "" {
			who += " " + string(w.ID)
		}
		return &decodeError{msg: fmt.Sprintf("%s: field %q is %q, want %q or %q", who, "status", w.Status, StatusActive, StatusPending)}
	}
	*m = TeamMember(w)
	return nil
}
