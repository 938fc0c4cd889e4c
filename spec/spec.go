package spec

import (
	"fmt"
	"time"
)

// Pos is a position in a modelslab.yaml file. Line and Col are 1-based; the
// zero Pos means "unknown".
type Pos struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
}

// String renders the position as FILE:LINE:COL.
func (p Pos) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col) }

// Spec is a loaded, valid modelslab.yaml. A nil pointer or nil slice with its
// Set flag false means the section is absent, hence not managed.
type Spec struct {
	// Path is the file the spec was loaded from.
	Path string
	// Hash is the hex SHA-256 of the file's bytes (recorded in plan files).
	Hash string
	// Source is the file's bytes exactly as read: a plan file embeds them,
	// so that `apply PLANFILE` re-derives the plan from the very file it
	// was made from. Never shown in the Spec's JSON (the corpus goldens).
	Source  []byte `json:"-"`
	Version int
	// Account, when non-empty, names the team account to switch into before
	// anything else (`account:`).
	Account    string
	AccountPos Pos

	Profile     *Profile
	Socials     *Socials
	Preferences *Preferences

	// APIKeysSet reports whether `api_keys:` is present (then authoritative,
	// even when empty).
	APIKeysSet bool
	APIKeys    []APIKey
	APIKeysPos Pos

	// TeamSet reports whether `team:` is present (then authoritative).
	TeamSet bool
	Team    []Member
	TeamPos Pos

	// AccessTokens is nil when `access_tokens:` is absent.
	AccessTokens *AccessTokens

	Ignore Ignore
	Policy Policy

	// Warnings are problems that do not make the file invalid (an ignore
	// glob that matches a declared name, which it can never affect),
	// sorted by position. Commands print them (Diagnostic.Warning) and go
	// on; validate still exits 0.
	Warnings Diagnostics
}

// Profile is `profile:`; a nil field is not managed (left as it is).
type Profile struct {
	Name     *string
	Username *string
	AboutMe  *string
	Pos      Pos
	// FieldPos maps a field name (name, username, about_me) to its value's position.
	FieldPos map[string]Pos
}

// Socials is `socials:`; a nil field is not managed. Facebook, GitHub,
// Twitter, Instagram and Discord are the links the public docs list;
// Website is one they do not, which servers may have.
type Socials struct {
	Facebook  *string
	GitHub    *string
	Twitter   *string
	Instagram *string
	Discord   *string
	Website   *string
	Pos       Pos
	FieldPos  map[string]Pos
}

// Field returns the field of the link called name (facebook, github,
// twitter, instagram, discord, website), nil for another name.
func (s *Socials) Field(name string) *string {
	switch name {
	case "facebook":
		return s.Facebook
	case "github":
		return s.GitHub
	case "twitter":
		return s.Twitter
	case "instagram":
		return s.Instagram
	case "discord":
		return s.Discord
	case "website":
		return s.Website
	}
	return nil
}

// Preferences is `preferences:`; a nil field is not managed.
type Preferences struct {
	NSFWContent                 *bool
	WalletNotificationEnabled   *bool
	WalletNotificationThreshold *float64
	Pos                         Pos
	FieldPos                    map[string]Pos
}

// APIKey is one entry of `api_keys:`.
type APIKey struct {
	// Name is the key's identity, unique in the file.
	Name string
	// Notes nil means the notes are not managed.
	Notes *string
	// Protect refuses any plan that deletes or replaces this key.
	Protect bool
	// RotateAfter, when non-zero, replaces the key once it is older.
	RotateAfter time.Duration
	// RotateAfterText is RotateAfter as written ("90d").
	RotateAfterText string
	// RotateOverlap, when non-zero, keeps the old key of a rotation valid
	// this long after its successor is created; a later apply deletes it.
	// The loader allows it only beside a longer RotateAfter.
	RotateOverlap time.Duration
	// RotateOverlapText is RotateOverlap as written ("7d").
	RotateOverlapText string
	// ID, when non-empty, pins the entry to one live key.
	ID string
	// Pos is the position of the entry; ProtectPos, RotateAfterPos,
	// RotateOverlapPos and IDPos of its `protect:`, `rotate_after:`,
	// `rotate_overlap:` and `id:` values (zero when absent), so that a
	// problem with one of them is reported where it is written.
	Pos              Pos
	ProtectPos       Pos
	RotateAfterPos   Pos
	RotateOverlapPos Pos
	IDPos            Pos
}

// Member is one entry of `team:`.
type Member struct {
	// Email is the member's identity, as written; compare with strings.EqualFold.
	Email string
	// Role is admin, member or viewer (default member).
	Role string
	// Permissions is the complete list of permissions (nil = none).
	Permissions []string
	Pos         Pos
}

// AccessTokens is `access_tokens:`.
type AccessTokens struct {
	// Keep holds globs on token names; tokens matching none are revoked.
	Keep []string
	Pos  Pos
}

// Ignore is `ignore:`: globs of undeclared live items never touched.
type Ignore struct {
	APIKeys []string
	Team    []string
}

// DefaultMaxDeletePercent is policy.max_delete_percent when absent.
const DefaultMaxDeletePercent = 25

// Policy is `policy:`, with defaults applied.
type Policy struct {
	// MinAdmins is the least number of active+pending admins a plan may leave;
	// 0 = no rail.
	MinAdmins    int
	MinAdminsPos Pos
	// MaxDeletePercent of a section's live managed items a plan may delete
	// (see CONTRACT.md Safety); DefaultMaxDeletePercent when absent.
	MaxDeletePercent int
	// MaxDeletePercentPos is the position of `max_delete_percent:`'s value;
	// zero when the default applies.
	MaxDeletePercentPos Pos
	// ResendInvitesAfter, when non-zero, resends pending invites older than it.
	ResendInvitesAfter     time.Duration
	ResendInvitesAfterText string
	// ResendInvitesAfterPos is the position of its value; zero when absent.
	ResendInvitesAfterPos Pos
	// ProtectUsedWithin, when non-zero, refuses deleting or replacing a key
	// whose last_used_at is within this window of the plan's time, unless
	// approved with --allow-delete.
	ProtectUsedWithin     time.Duration
	ProtectUsedWithinText string
	// ProtectUsedWithinPos is the position of its value; zero when absent.
	ProtectUsedWithinPos Pos
}
