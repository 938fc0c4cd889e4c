package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Variants choose how the emulator answers where the public ModelsLab
// documentation leaves the API open (API.md, "What the public
// documentation leaves open"). Every field's zero value is API.md's main
// reading, which is what the emulator plays by default; set fields (or use
// Profile) to play another reading, so that tests can run mlabctl against
// each. The handlers answer in the default shape and reshape.go rewrites
// the answer into the chosen one, so that every variant is one small rule.
type Variants struct {
	// Pagination is the shape of a list page: "" meta.pagination {page,
	// per_page, total, last_page}; "laravel" Laravel's resource collection
	// (meta.{current_page, from, last_page, links, path, per_page, to,
	// total} and links.{first, last, prev, next}); "links" only
	// links.next (a URL, null on the last page); "items" data: {items,
	// pagination}; "none" the whole list without any pagination, whatever
	// page is asked for.
	Pagination string
	// MemberStatus is how a team member's status is sent: "" status
	// "active" or "pending"; "accepted" status "accepted" for members;
	// "invite_status" no status, invite_status "accepted" or "pending".
	MemberStatus string
	// Permissions is how a member's permissions are sent: "" a list;
	// "string" one comma-separated string; "object" an object of
	// permission → true.
	Permissions string
	// OmitTokenCurrent leaves the current flag out of GET /auth/tokens,
	// so that nothing says which token made the request.
	OmitTokenCurrent bool
	// TokenAbilities names a token's scopes "abilities", as Laravel
	// Sanctum does.
	TokenAbilities bool
	// SanctumTokens issues access tokens of the form "<id>|<secret>" (as
	// Sanctum does), whose id can be read from the token itself. Set it
	// before seeding: tokens issued before keep their form.
	SanctumTokens bool
	// UpdateAnswers is what PUT and PATCH answer on success: "" the
	// changed object; "null" data null; "message" data {message}.
	UpdateAnswers string
	// Errors is the shape of error answers: "" the envelope's error
	// object {code, message, details}; "laravel" Laravel's {message,
	// errors} without an envelope; "string" the envelope with error as a
	// plain string.
	Errors string
	// OmitMeta leaves meta.request_id out of every answer (meta is sent
	// only when it carries pagination).
	OmitMeta bool
	// Timestamps is the format of every *_at member: "" RFC 3339; "sql"
	// `Y-m-d H:i:s` in UTC, as Laravel sends it.
	Timestamps string
	// Replays is how an idempotent replay is flagged: "" the header
	// Idempotent-Replayed: true; "body" idempotency_replay: true in the
	// body (as the public docs describe for billing), without the header.
	Replays string
	// Socials is which social links the profile has: "" facebook, github,
	// twitter, instagram, discord and website; "documented" the five the
	// public docs list: website is neither reported nor stored (a PATCH
	// setting it is answered 200 and changes nothing).
	Socials string
	// WindowLimit is a fixed-window rate limit: the requests one token (or
	// client address, without a token) may make per Window; 0 means none
	// (RateLimit, the token bucket, still applies). AuthWindowLimit is the
	// same for the auth endpoints (login, signup, refresh, switch-account,
	// … but not the token list), counted apart; 0 means they count in
	// WindowLimit. Window 0 means one minute. Past the limit the answer is
	// 429 with Retry-After.
	WindowLimit, AuthWindowLimit int
	Window                       time.Duration
	// OmitRetryAfter leaves Retry-After out of 429 answers;
	// OmitRateLimitLimit leaves out X-RateLimit-Limit (the public docs
	// name only Remaining and Reset); OmitRateLimitHeaders leaves out
	// every X-RateLimit-* header (a server that only answers 429).
	OmitRetryAfter, OmitRateLimitLimit, OmitRateLimitHeaders bool
	// InviteIgnoresRole makes POST /teams ignore role and permissions (the
	// MCP invite takes only an email): every invite is a member without
	// permissions until updated.
	InviteIgnoresRole bool
	// TokenExpiries is which token_expiry values are accepted: "" the
	// six of API.md; "documented" only 1_week, 1_month, 3_months and
	// never (6_months and 1_year are a 422).
	TokenExpiries string
	// WholeKeysInLists makes GET /api-keys, GET /api-keys/{id} and the
	// answer to PUT /api-keys/{id} show each key's whole secret instead of
	// the masked form (API.md's last section: a list may return whole
	// keys, and they are secrets wherever they appear).
	WholeKeysInLists bool
}

// Profile names of Variants (the `mlabctl emulator --api-profile` values).
const (
	// ProfileDefault is API.md's main reading: the zero Variants.
	ProfileDefault = "default"
	// ProfileDocumented is the strictest reading of the public docs (see
	// Documented).
	ProfileDocumented = "documented"
)

// Documented returns the strictest reading of the public documentation at
// once: Laravel pagination and error bodies, invite_status, tokens without
// a current flag, with abilities, in Sanctum's form, update answers of
// data null, `Y-m-d H:i:s` timestamps, replays flagged in the body, the
// five documented socials, 120 requests a minute (20 for auth) with only
// X-RateLimit-Remaining and X-RateLimit-Reset, invites that ignore role
// and permissions, and only the documented token expiries.
func Documented() Variants {
	return Variants{
		Pagination:         "laravel",
		MemberStatus:       "invite_status",
		OmitTokenCurrent:   true,
		TokenAbilities:     true,
		SanctumTokens:      true,
		UpdateAnswers:      "null",
		Errors:             "laravel",
		OmitMeta:           true,
		Timestamps:         "sql",
		Replays:            "body",
		Socials:            "documented",
		WindowLimit:        120,
		AuthWindowLimit:    20,
		OmitRetryAfter:     true,
		OmitRateLimitLimit: true,
		InviteIgnoresRole:  true,
		TokenExpiries:      "documented",
	}
}

// ProfileVariants returns the Variants of a profile name.
func ProfileVariants(name string) (Variants, error) {
	switch name {
	case "", ProfileDefault:
		return Variants{}, nil
	case ProfileDocumented:
		return Documented(), nil
	}
	return Variants{}, fmt.Errorf("unknown API profile %q; the profiles are %s and %s", name, ProfileDefault, ProfileDocumented)
}

// NamedVariants is one axis point of a test matrix.
type NamedVariants struct {
	Name     string
	Variants Variants
}

// Matrix returns the variants a test matrix runs against: the default,
// each open reading alone, and the documented profile with its rate limit
// scaled to the second (120 a second: present in every header, waited for
// only by a burst), so that tests do not wait through minutes.
func Matrix() []NamedVariants {
	doc := Documented()
	doc.Window = time.Second
	return []NamedVariants{
		{"default", Variants{}},
		{"pagination=laravel", Variants{Pagination: "laravel"}},
		{"pagination=links", Variants{Pagination: "links"}},
		{"pagination=items", Variants{Pagination: "items"}},
		{"pagination=none", Variants{Pagination: "none"}},
		{"member-status=accepted", Variants{MemberStatus: "accepted"}},
		{"member-status=invite_status", Variants{MemberStatus: "invite_status"}},
		{"permissions=string", Variants{Permissions: "string"}},
		{"permissions=object", Variants{Permissions: "object"}},
		{"tokens=abilities,no-current,sanctum", Variants{OmitTokenCurrent: true, TokenAbilities: true, SanctumTokens: true}},
		{"update-answers=null", Variants{UpdateAnswers: "null"}},
		{"update-answers=message", Variants{UpdateAnswers: "message"}},
		{"errors=laravel", Variants{Errors: "laravel", OmitMeta: true}},
		{"errors=string", Variants{Errors: "string"}},
		{"timestamps=sql", Variants{Timestamps: "sql"}},
		{"replays=body", Variants{Replays: "body"}},
		{"socials=documented", Variants{Socials: "documented"}},
		{"invite-ignores-role", Variants{InviteIgnoresRole: true}},
		{"whole-keys-in-lists", Variants{WholeKeysInLists: true}},
		{"documented", doc},
	}
}

// zero reports whether v is the default reading (nothing to reshape).
func (v *Variants) zero() bool { return *v == Variants{} }

// sqlTime is Laravel's timestamp format.
const sqlTime = "2006-01-02 15:04:05"

// reshape rewrites a default-shaped answer into the variants' shape. It
// runs on every answer, replays included, and is a pure function of the
// default answer, so that replays of a stored answer are shaped alike.
func (s *Server) reshape(c *call, resp *response) *response {
	v := &s.Variants
	if v.zero() || len(resp.body) == 0 {
		return resp
	}
	var env map[string]any
	dec := json.NewDecoder(bytes.NewReader(resp.body))
	dec.UseNumber()
	if dec.Decode(&env) != nil {
		return resp
	}
	out := *resp
	out.header = resp.header.Clone()
	if out.header == nil {
		out.header = http.Header{}
	}
	if resp.replayed && v.Replays == "body" {
		out.header.Del("Idempotent-Replayed")
		env["idempotency_replay"] = true
	}
	if e, ok := env["error"].(map[string]any); ok {
		env = v.errorShape(env, e)
	} else {
		v.successShape(c, env)
	}
	if meta, ok := env["meta"].(map[string]any); ok && v.OmitMeta {
		delete(meta, "request_id")
		if len(meta) == 0 {
			delete(env, "meta")
		}
	}
	body, err := json.Marshal(env)
	if err != nil {
		return resp
	}
	out.body = body
	return &out
}

// errorShape rewrites an error answer.
func (v *Variants) errorShape(env, e map[string]any) map[string]any {
	switch v.Errors {
	case "laravel":
		out := map[string]any{"message": e["message"]}
		if details, ok := e["details"].(map[string]any); ok && e["code"] == "validation_error" {
			out["errors"] = details
		}
		if r, ok := env["idempotency_replay"]; ok {
			out["idempotency_replay"] = r
		}
		return out
	case "string":
		env["error"] = e["message"]
	}
	return env
}

// successShape rewrites the data of a success answer in place.
func (v *Variants) successShape(c *call, env map[string]any) {
	method, path := c.r.Method, c.rel
	if (method == http.MethodPut || method == http.MethodPatch) && v.UpdateAnswers != "" {
		switch v.UpdateAnswers {
		case "null":
			env["data"] = nil
		case "message":
			env["data"] = map[string]any{"message": "updated"}
		}
		return
	}
	kind := ""
	switch {
	case method == http.MethodGet && path == "/auth/tokens":
		kind = "token"
	case strings.HasPrefix(path, "/teams"):
		kind = "member"
	}
	data := env["data"]
	switch d := data.(type) {
	case []any:
		for _, it := range d {
			if m, ok := it.(map[string]any); ok {
				v.object(kind, m)
			}
		}
	case map[string]any:
		v.object(kind, d)
	}
	if meta, ok := env["meta"].(map[string]any); ok {
		if p, ok := meta["pagination"].(map[string]any); ok {
			v.pagination(c, env, meta, p)
		}
	}
}

// object rewrites one object of the data (and the objects inside it).
func (v *Variants) object(kind string, m map[string]any) {
	for k, val := range m {
		switch x := val.(type) {
		case string:
			if v.Timestamps == "sql" && strings.HasSuffix(k, "_at") {
				if t, err := time.Parse(time.RFC3339, x); err == nil {
					m[k] = t.UTC().Format(sqlTime)
				}
			}
		case map[string]any:
			if k == "socials" && v.Socials == "documented" {
				delete(x, "website")
			}
			v.object("", x)
		}
	}
	switch kind {
	case "token":
		if v.OmitTokenCurrent {
			delete(m, "current")
		}
		if v.TokenAbilities {
			m["abilities"] = m["scopes"]
			delete(m, "scopes")
		}
	case "member":
		status, _ := m["status"].(string)
		switch v.MemberStatus {
		case "accepted":
			if status == "active" {
				m["status"] = "accepted"
			}
		case "invite_status":
			delete(m, "status")
			if status == "active" {
				status = "accepted"
			}
			m["invite_status"] = status
		}
		if perms, ok := m["permissions"].([]any); ok {
			switch v.Permissions {
			case "string":
				names := make([]string, 0, len(perms))
				for _, p := range perms {
					names = append(names, fmt.Sprint(p))
				}
				m["permissions"] = strings.Join(names, ",")
			case "object":
				obj := map[string]any{}
				for _, p := range perms {
					obj[fmt.Sprint(p)] = true
				}
				m["permissions"] = obj
			}
		}
	}
}

// pagination rewrites meta.pagination into the chosen shape.
func (v *Variants) pagination(c *call, env, meta, p map[string]any) {
	page, _ := toInt(p["page"])
	perPage, _ := toInt(p["per_page"])
	total, _ := toInt(p["total"])
	last, _ := toInt(p["last_page"])
	pageURL := func(n int) any {
		if n < 1 || n > last {
			return nil
		}
		u := url.URL{Scheme: "http", Host: c.r.Host, Path: Prefix + c.rel}
		if c.r.TLS != nil {
			u.Scheme = "https"
		}
		q := url.Values{"page": {strconv.Itoa(n)}, "per_page": {strconv.Itoa(perPage)}}
		u.RawQuery = q.Encode()
		return u.String()
	}
	switch v.Pagination {
	case "laravel":
		delete(meta, "pagination")
		from, to := any(nil), any(nil)
		if items, ok := env["data"].([]any); ok && len(items) > 0 {
			from, to = (page-1)*perPage+1, (page-1)*perPage+len(items)
		}
		meta["current_page"], meta["last_page"], meta["per_page"], meta["total"] = page, last, perPage, total
		meta["from"], meta["to"] = from, to
		meta["path"] = pageURL(1)
		meta["links"] = []any{}
		env["links"] = map[string]any{"first": pageURL(1), "last": pageURL(last), "prev": pageURL(page - 1), "next": pageURL(page + 1)}
	case "links":
		delete(meta, "pagination")
		env["links"] = map[string]any{"next": pageURL(page + 1)}
	case "items":
		delete(meta, "pagination")
		env["data"] = map[string]any{"items": env["data"], "pagination": p}
	}
}

// toInt reads a decoded JSON number.
func toInt(v any) (int, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(n.String())
	return i, err == nil
}

// stringKnobs are the string fields of Variants and the values each takes,
// "" (API.md's reading) first.
var stringKnobs = []struct {
	name   string
	values []string
	value  func(*Variants) string
}{
	{"Pagination", []string{"", "laravel", "links", "items", "none"}, func(v *Variants) string { return v.Pagination }},
	{"MemberStatus", []string{"", "accepted", "invite_status"}, func(v *Variants) string { return v.MemberStatus }},
	{"Permissions", []string{"", "string", "object"}, func(v *Variants) string { return v.Permissions }},
	{"UpdateAnswers", []string{"", "null", "message"}, func(v *Variants) string { return v.UpdateAnswers }},
	{"Errors", []string{"", "laravel", "string"}, func(v *Variants) string { return v.Errors }},
	{"Timestamps", []string{"", "sql"}, func(v *Variants) string { return v.Timestamps }},
	{"Replays", []string{"", "body"}, func(v *Variants) string { return v.Replays }},
	{"Socials", []string{"", "documented"}, func(v *Variants) string { return v.Socials }},
	{"TokenExpiries", []string{"", "documented"}, func(v *Variants) string { return v.TokenExpiries }},
}

// VariantValues returns the values the string field of Variants named
// field takes besides "" (API.md's reading), in the order the field's doc
// lists them; nil when field is not a string field of Variants.
func VariantValues(field string) []string {
	for _, k := range stringKnobs {
		if k.name == field {
			return slices.Clone(k.values[1:])
		}
	}
	return nil
}

// Check refuses values of the string knobs that name no variant, so that
// a typo in a flag or a test fails loudly instead of playing the default.
// The server answers every request with a 500 naming the knob while it is
// wrong.
func (v *Variants) Check() error {
	for _, k := range stringKnobs {
		if value := k.value(v); !slices.Contains(k.values, value) {
			quoted := make([]string, 0, len(k.values))
			for _, a := range k.values[1:] {
				quoted = append(quoted, strconv.Quote(a))
			}
			sort.Strings(quoted)
			return fmt.Errorf("emulator: %s %q is not a variant; use \"\" (API.md's reading) or one of %s", k.name, value, strings.Join(quoted, ", "))
		}
	}
	if v.WindowLimit < 0 || v.AuthWindowLimit < 0 || v.Window < 0 {
		return fmt.Errorf("emulator: WindowLimit, AuthWindowLimit and Window must not be negative")
	}
	return nil
}

// ProfileNames are the names ProfileVariants knows.
func ProfileNames() []string { return []string{ProfileDefault, ProfileDocumented} }
