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

// wireSocials are the social links; null values mean "not set", absent
// ones are not reported (see Socials.Unreported).
type wireSocials struct {
	Facebook  json.RawMessage `json:"facebook"`
	GitHub    json.RawMessage `json:"github"`
	Twitter   json.RawMessage `json:"twitter"`
	Instagram json.RawMessage `json:"instagram"`
	Discord   json.RawMessage `json:"discord"`
	Website   json.RawMessage `json:"website"`
}

// raw returns the member of the link called name.
func (w *wireSocials) raw(name string) json.RawMessage {
	switch name {
	case "facebook":
		return w.Facebook
	case "github":
		return w.GitHub
	case "twitter":
		return w.Twitter
	case "instagram":
		return w.Instagram
	case "discord":
		return w.Discord
	case "website":
		return w.Website
	}
	return nil
}

// applyTo sets the links w holds and marks them reported; it returns an
// error for a link that is not a string or null.
func (w *wireSocials) applyTo(s *Socials, reported map[string]bool) error {
	for _, name := range SocialNames {
		raw := w.raw(name)
		if raw == nil {
			continue
		}
		reported[name] = true
		if isNull(raw) {
			continue
		}
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("socials: field %q is %s, want a string", name, oneLine(raw, 40))
		}
		*s.field(name) = v
	}
	return nil
}

// setUnreported records the links not in reported.
func (s *Socials) setUnreported(reported map[string]bool) {
	s.Unreported = nil
	for _, name := range SocialNames {
		if !reported[name] {
			s.Unreported = append(s.Unreported, name)
		}
	}
}

// UnmarshalJSON accepts null values as "not set" and records the links
// the object does not hold in Unreported.
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
	reported := map[string]bool{}
	if err := w.applyTo(s, reported); err != nil {
		return err
	}
	s.setUnreported(reported)
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
	// A link is reported when it is at the top level or in the nested
	// object (which wins when both are sent).
	reported := map[string]bool{}
	if err := w.wireSocials.applyTo(&out.Socials, reported); err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	w.wirePreferences.applyTo(&out.Preferences)
	if !isNull(w.Socials) {
		if err := wantObject("socials", w.Socials); err != nil {
			return fmt.Errorf("profile: %w", err)
		}
		var nested wireSocials
		if err := json.Unmarshal(w.Socials, &nested); err != nil {
			return fmt.Errorf("profile: socials: %w", err)
		}
		if err := nested.applyTo(&out.Socials, reported); err != nil {
			return fmt.Errorf("profile: %w", err)
		}
	}
	out.Socials.setUnreported(reported)
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
		APIKey    json.RawMessage `json:"api_key"`
		ExpiresAt flexTime        `json:"expires_at"`
		Scopes    flexStrings     `json:"scopes"`
		Abilities flexStrings     `json:"abilities"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("auth result: %w", err)
	}
	*r = AuthResult(w.plain)
	r.ExpiresAt = w.ExpiresAt.ptr()
	r.Scopes = firstStrings(w.Scopes, w.Abilities)
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

// UnmarshalJSON decodes a team member, normalising what API.md's last
// section leaves open: the status as "active", "accepted" or "pending",
// in "status" or "invite_status" (a member whose status is anything else,
// or missing, or contradicts itself, is StatusUnknown: kept, so that one
// odd member does not fail the whole list, but marked, so that nothing
// that depends on its status is decided), permissions as a list, a string
// or an object, a role as a string or an object with a name, and
// timestamps in either format.
func (m *TeamMember) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		// A null member (in a list) has no status anyone could rely on.
		*m = TeamMember{Status: StatusUnknown, RawStatus: "none"}
		return nil
	}
	type plain TeamMember
	var w struct {
		plain
		Role         flexName        `json:"role"`
		Permissions  flexStrings     `json:"permissions"`
		Status       json.RawMessage `json:"status"`
		InviteStatus json.RawMessage `json:"invite_status"`
		InviteID     flexName        `json:"invite_id"`
		InvitedAt    flexTime        `json:"invited_at"`
		RawStatus    json.RawMessage `json:"raw_status"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	out := TeamMember(w.plain)
	out.Role = string(w.Role)
	out.Permissions = w.Permissions.list
	out.InviteID = string(w.InviteID)
	out.InvitedAt = w.InvitedAt.t
	out.Status, out.RawStatus = memberStatus(w.Status, w.InviteStatus)
	*m = out
	return nil
}

// memberStatus normalises a member's status and invite_status into one of
// the Status* constants, with the raw text of an unknown one.
func memberStatus(status, inviteStatus json.RawMessage) (string, string) {
	s, sRaw := statusWord(status)
	is, isRaw := statusWord(inviteStatus)
	switch {
	case s != "" && is != "" && s != is, s != "" && isRaw != "", is != "" && sRaw != "":
		return StatusUnknown, fmt.Sprintf("status %s but invite_status %s", oneLine(status, 40), oneLine(inviteStatus, 40))
	case s != "":
		return s, ""
	case is != "":
		return is, ""
	case sRaw != "":
		return StatusUnknown, sRaw
	case isRaw != "":
		return StatusUnknown, "invite_status " + isRaw
	}
	return StatusUnknown, "none"
}

// statusWord reads one status member: the normalised status when it is
// one the client knows, else "" and the member's text for messages ("" when
// absent or empty).
func statusWord(raw json.RawMessage) (status, text string) {
	if isNull(raw) {
		return "", ""
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", oneLine(raw, 40)
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "active", "accepted":
		return StatusActive, ""
	case "pending":
		return StatusPending, ""
	case "":
		return "", ""
	}
	return "", strconv.Quote(oneLine([]byte(v), 40))
}

// UnmarshalJSON decodes an API key with timestamps in either format.
func (k *APIKey) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		return nil
	}
	type plain APIKey
	var w struct {
		plain
		CreatedAt  flexTime `json:"created_at"`
		LastUsedAt flexTime `json:"last_used_at"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*k = APIKey(w.plain)
	k.CreatedAt = w.CreatedAt.t
	k.LastUsedAt = w.LastUsedAt.ptr()
	return nil
}

// UnmarshalJSON decodes an access token: "abilities" for "scopes" (as
// Sanctum names them), "device_name" for "name", a current flag that may
// be absent (then CurrentKnown is false) and timestamps in either format.
func (t *AccessToken) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		return nil
	}
	var w struct {
		ID         ID              `json:"id"`
		Name       *string         `json:"name"`
		DeviceName *string         `json:"device_name"`
		Scopes     flexStrings     `json:"scopes"`
		Abilities  flexStrings     `json:"abilities"`
		Current    json.RawMessage `json:"current"`
		IsCurrent  json.RawMessage `json:"is_current"`
		CreatedAt  flexTime        `json:"created_at"`
		LastUsedAt flexTime        `json:"last_used_at"`
		ExpiresAt  flexTime        `json:"expires_at"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	out := AccessToken{ID: w.ID, Scopes: firstStrings(w.Scopes, w.Abilities),
		CreatedAt: w.CreatedAt.ptr(), LastUsedAt: w.LastUsedAt.ptr(), ExpiresAt: w.ExpiresAt.ptr()}
	switch {
	case w.Name != nil:
		out.Name = *w.Name
	case w.DeviceName != nil:
		out.Name = *w.DeviceName
	}
	for _, raw := range []json.RawMessage{w.Current, w.IsCurrent} {
		if isNull(raw) {
			continue
		}
		var cur flexBool
		if err := json.Unmarshal(raw, &cur); err != nil {
			return &decodeError{msg: fmt.Sprintf("access token %s: field %q is %s, want a boolean", w.ID, "current", oneLine(raw, 40)), err: err}
		}
		out.Current, out.CurrentKnown = bool(cur), true
		break
	}
	*t = out
	return nil
}

// UnmarshalJSON decodes the switch-account answer with its expiry in
// either timestamp format.
func (r *SwitchResult) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		return nil
	}
	type plain SwitchResult
	var w struct {
		plain
		ExpiresAt flexTime    `json:"expires_at"`
		Scopes    flexStrings `json:"scopes"`
		Abilities flexStrings `json:"abilities"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("switch-account result: %w", err)
	}
	*r = SwitchResult(w.plain)
	r.ExpiresAt = w.ExpiresAt.ptr()
	r.Scopes = firstStrings(w.Scopes, w.Abilities)
	return nil
}

// UnmarshalJSON accepts a scope as an object naming it under "scope" or
// "name" (with an optional description), or as a bare string.
func (s *ScopeInfo) UnmarshalJSON(b []byte) error {
	t := bytes.TrimSpace(b)
	if len(t) > 0 && t[0] == '"' {
		var v string
		if err := json.Unmarshal(t, &v); err != nil {
			return err
		}
		*s = ScopeInfo{Scope: v}
		return nil
	}
	var w struct {
		Scope       *string `json:"scope"`
		Name        *string `json:"name"`
		ID          *string `json:"id"`
		Description string  `json:"description"`
	}
	if err := json.Unmarshal(t, &w); err != nil {
		return err
	}
	*s = ScopeInfo{Description: w.Description}
	for _, v := range []*string{w.Scope, w.Name, w.ID} {
		if v != nil {
			s.Scope = *v
			break
		}
	}
	return nil
}
