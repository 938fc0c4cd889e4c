package plan

import (
	"fmt"
	"strings"
	"time"
)

// FormatVersion is the version of the JSON plan format and of plan files.
const FormatVersion = "1"

// Action is what a change does to one address. Its Mark is the plan's margin sign.
type Action string

// The actions of CONTRACT.md.
const (
	Create  Action = "create"
	Update  Action = "update"
	Delete  Action = "delete"
	Replace Action = "replace" // create the new, then delete the old
	Resend  Action = "resend"  // resend a pending invite older than resend_invites_after
)

// Mark returns the sign printed before a change: + ~ - -/+ and ↻ for resend.
func (a Action) Mark() string {
	switch a {
	case Create:
		return "+"
	case Update:
		return "~"
	case Delete:
		return "-"
	case Replace:
		return "-/+"
	case Resend:
		return "↻"
	}
	return "?"
}

// Kind is the type of a managed object.
type Kind string

// The kinds of managed objects, in the order of their addresses' prefixes.
const (
	KindProfile     Kind = "profile"
	KindSocials     Kind = "socials"
	KindPreferences Kind = "preferences"
	KindAPIKey      Kind = "api_key"
	KindTeamMember  Kind = "team_member"
	KindAccessToken Kind = "access_token"
)

// Address names one managed object: "profile", "socials", "preferences",
// "api_key.<name>", "team_member.<email>", "access_token.<name>#<id>".
type Address struct {
	Kind Kind
	// Name is the key name, the member's email (lower-cased) or the token name;
	// empty for profile, socials and preferences.
	Name string
	// ID is the token id of an access_token address; empty otherwise.
	ID string
}

// String renders the address as CONTRACT.md writes it.
func (a Address) String() string {
	switch a.Kind {
	case KindProfile, KindSocials, KindPreferences:
		return string(a.Kind)
	case KindAccessToken:
		return fmt.Sprintf("%s.%s#%s", a.Kind, a.Name, a.ID)
	}
	return string(a.Kind) + "." + a.Name
}

// Compare orders addresses by their string form, so that printed and applied
// orders are deterministic.
func (a Address) Compare(b Address) int { return strings.Compare(a.String(), b.String()) }

// MarshalText renders the address as text (for JSON and plan files).
func (a Address) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText parses an address written by String.
func (a *Address) UnmarshalText(b []byte) error {
	p, err := ParseAddress(string(b))
	if err != nil {
		return err
	}
	*a = p
	return nil
}

// ParseAddress parses "api_key.ci", "team_member.a@b.c", "access_token.x#5", ...
func ParseAddress(s string) (Address, error) {
	switch Kind(s) {
	case KindProfile, KindSocials, KindPreferences:
		return Address{Kind: Kind(s)}, nil
	}
	kind, rest, ok := strings.Cut(s, ".")
	if !ok || rest == "" {
		return Address{}, fmt.Errorf("invalid address %q: want profile, socials, preferences, api_key.NAME, team_member.EMAIL or access_token.NAME#ID", s)
	}
	switch Kind(kind) {
	case KindAPIKey:
		return Address{Kind: KindAPIKey, Name: rest}, nil
	case KindTeamMember:
		return Address{Kind: KindTeamMember, Name: strings.ToLower(rest)}, nil
	case KindAccessToken:
		i := strings.LastIndex(rest, "#")
		if i < 0 || i == len(rest)-1 {
			return Address{}, fmt.Errorf("invalid address %q: an access token address is access_token.NAME#ID", s)
		}
		return Address{Kind: KindAccessToken, Name: rest[:i], ID: rest[i+1:]}, nil
	}
	return Address{}, fmt.Errorf("invalid address %q: unknown kind %q", s, kind)
}

// Change is one planned change of one address.
type Change struct {
	Address Address `json:"address"`
	Action  Action  `json:"action"`
	// Before and After hold only managed fields, keyed by their API names
	// (name, notes, email, role, permissions, nsfw_content, ...). Before is
	// nil for a create, After nil for a delete. They never hold a secret.
	Before map[string]any `json:"before"`
	After  map[string]any `json:"after"`
	// LiveID is the id of the live object the change acts on (update, delete,
	// replace, resend); empty for a create.
	LiveID string `json:"live_id,omitempty"`
	// Reason says why, for the reviewer: "not in modelslab.yaml",
	// "older than rotate_after 90d", "invite pending since 2026-11-01", ...
	Reason string `json:"reason,omitempty"`
	// Note is extra context shown after the address (id, creation date, role).
	Note string `json:"note,omitempty"`
	// Resend marks a team_member update of a pending invite that is also
	// older than resend_invites_after: apply updates the invite, then
	// resends it (POST /teams/{id}/resend-invite), both in the update
	// phase. A resend without field changes is Action Resend instead.
	Resend bool `json:"resend,omitempty"`
	// LastUsedAt is when the live key of an API key delete or replace was
	// last used (the API's last_used_at); nil when it never was, or the
	// API does not say. The plan shows it on every key delete and replace.
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	// RotateOverlap, on an API key replace, is rotate_overlap as written
	// ("7d"): apply marks the old key "retire after now+overlap" in its
	// notes, then creates the new one, and does not delete the old key; a
	// later plan deletes it once the overlap has passed. Empty: the old key
	// is deleted in this apply, after the new one exists.
	RotateOverlap string `json:"rotate_overlap,omitempty"`
}

// Warning is something a reviewer must see that does not fail the plan.
type Warning struct {
	// Kind is WarningServer for an answer of the API its documentation
	// does not describe; empty (WarningPlan) otherwise.
	Kind    string `json:"kind,omitempty"`
	Message string `json:"message"`
}

// MassDeletion records a section whose planned deletions exceed
// policy.max_delete_percent (and are at least 4). Apply refuses it unless
// --allow-mass-delete, or every address in it is approved by --allow-delete.
type MassDeletion struct {
	Section   string    `json:"section"` // "api_keys", "team" or "access_tokens"
	Addresses []Address `json:"addresses"`
	Live      int       `json:"live"`    // live managed items of the section
	Percent   int       `json:"percent"` // max_delete_percent in force
	// Total is how many the whole plan deletes, when the plan is partial
	// (--target) and Addresses are only those it kept; 0 otherwise.
	Total int `json:"total,omitempty"`
}

// MassDeletionAddresses returns the unique addresses (UniqueAddresses) of
// the deletions md counts: the plan's deletes whose address md lists, so
// that two deleted keys of one name are named apart.
func (p *Plan) MassDeletionAddresses(md MassDeletion) []string {
	in := make(map[string]bool, len(md.Addresses))
	for _, a := range md.Addresses {
		in[a.String()] = true
	}
	refs := p.UniqueAddresses()
	var out []string
	for i, c := range p.Changes {
		if c.Action == Delete && in[c.Address.String()] {
			out = append(out, refs[i])
		}
	}
	return out
}

// Retirement is the predecessor of a rotated key, marked to retire after
// a time (rotate_overlap) and still valid: a later plan deletes it once
// After has passed and its successor exists. It is not a change, but the
// plan shows it: "api_key.ci: predecessor id 101 retires after …".
type Retirement struct {
	// Address is the address of the key it is the predecessor of.
	Address Address `json:"address"`
	// LiveID is the predecessor's id.
	LiveID string `json:"live_id"`
	// After is when it may be deleted (from its notes' record).
	After time.Time `json:"retires_after"`
	// SuccessorID is the live key that replaces it; empty while the
	// successor does not exist yet (the plan creates it).
	SuccessorID string `json:"successor_id,omitempty"`
}

// RecentUse is an API key delete or replace whose live key was used within
// policy.protect_used_within: apply refuses it unless --allow-delete
// approves its address.
type RecentUse struct {
	// Address is the change's unique address (UniqueAddresses).
	Address string `json:"address"`
	LiveID  string `json:"live_id"`
	// LastUsedAt is the key's last_used_at.
	LastUsedAt time.Time `json:"last_used_at"`
	// Within is protect_used_within as written ("24h").
	Within string `json:"within"`
}

// Plan is the complete, ordered set of changes, and everything a reviewer and
// apply need to know about them. It is plain data.
type Plan struct {
	FormatVersion string `json:"format_version"`
	// ComputedAt is the time the plan was computed for (Compute's now):
	// renderers say "last used 2 hours ago" relative to it. Zero in a plan
	// built by hand: they give dates instead.
	ComputedAt time.Time `json:"computed_at,omitzero"`
	// Account is the username of the account the plan is for; SwitchTo is the
	// team account to switch into first (`account:`), empty if none.
	Account  string `json:"account"`
	SwitchTo string `json:"switch_to,omitempty"`
	BaseURL  string `json:"base_url"`
	// Changes are sorted by phase, then by address.
	Changes []Change `json:"changes"`
	// Unmanaged are the live items left alone because `ignore` matched them.
	Unmanaged     []Address      `json:"unmanaged,omitempty"`
	Warnings      []Warning      `json:"warnings,omitempty"`
	MassDeletions []MassDeletion `json:"mass_deletions,omitempty"`
	// Retiring are the predecessors of rotated keys still in their overlap.
	Retiring []Retirement `json:"retiring,omitempty"`
	// RecentlyUsed are the key deletes and replaces that
	// policy.protect_used_within holds back unless approved.
	RecentlyUsed []RecentUse `json:"recently_used,omitempty"`
	// Targets are the --target addresses and sections the plan is limited
	// to; empty for a whole plan. Omitted counts the changes of the whole
	// plan that the targets leave out.
	Targets []string `json:"targets,omitempty"`
	Omitted int      `json:"omitted,omitempty"`
	// Replace are the --replace addresses the plan was computed with.
	Replace []string `json:"replace,omitempty"`
}

// Partial reports whether the plan is limited by --target.
func (p *Plan) Partial() bool { return len(p.Targets) > 0 }

// Summary counts changes for the closing line and the JSON summary. A resend
// has its own count: it changes no field of the invite.
type Summary struct {
	Create  int `json:"create"`
	Update  int `json:"update"`
	Delete  int `json:"delete"`
	Replace int `json:"replace"`
	Resend  int `json:"resend"`
}

// Summary counts the plan's changes by action.
func (p *Plan) Summary() Summary {
	var s Summary
	for _, c := range p.Changes {
		switch c.Action {
		case Create:
			s.Create++
		case Update:
			s.Update++
		case Resend:
			s.Resend++
		case Delete:
			s.Delete++
		case Replace:
			s.Replace++
		}
	}
	return s
}

// Empty reports whether the plan changes nothing.
func (p *Plan) Empty() bool { return len(p.Changes) == 0 }

// Phase is a step of apply; phases run in order, the calls within one phase
// up to --parallelism at a time.
type Phase int

// The phases of CONTRACT.md, in order. The account switch happens before
// PhaseAccount's changes and is not a change itself.
const (
	PhaseAccount     Phase = iota + 1 // profile, socials, preferences
	PhaseKeyCreate                    // API key creates and replacement creates
	PhaseKeyUpdate                    // API key updates
	PhaseKeyDelete                    // API key deletes and replaced-key deletes
	PhaseTeamInvite                   // team invites (and resends)
	PhaseTeamUpdate                   // team updates
	PhaseTeamRemove                   // team removals
	PhaseTokenRevoke                  // token revocations
)

// Phases returns the phases a change runs in: one for most, two for a
// replace (its create, then its delete).
func Phases(c Change) []Phase {
	switch c.Address.Kind {
	case KindProfile, KindSocials, KindPreferences:
		return []Phase{PhaseAccount}
	case KindAPIKey:
		switch c.Action {
		case Create:
			return []Phase{PhaseKeyCreate}
		case Update:
			return []Phase{PhaseKeyUpdate}
		case Delete:
			return []Phase{PhaseKeyDelete}
		case Replace:
			if c.RotateOverlap != "" {
				// The old key is only marked to retire, before the new
				// one is created; a later plan deletes it.
				return []Phase{PhaseKeyCreate}
			}
			return []Phase{PhaseKeyCreate, PhaseKeyDelete}
		}
	case KindTeamMember:
		switch c.Action {
		case Create, Resend:
			return []Phase{PhaseTeamInvite}
		case Update:
			return []Phase{PhaseTeamUpdate}
		case Delete:
			return []Phase{PhaseTeamRemove}
		}
	case KindAccessToken:
		return []Phase{PhaseTokenRevoke}
	}
	return nil
}
