package remote

import (
	"time"
)

// ID is an opaque object id. The API sends ids as numbers or strings; both
// decode into the same ID, and an ID is always path-escaped when it is put
// into a URL.
type ID string

// String returns the id as the API sent it.
func (id ID) String() string { return string(id) }

// APIKey is a generation API key. Key is its secret value: whole only in the
// response to a create, masked ("ml-…9f2c") everywhere else.
type APIKey struct {
	ID         ID         `json:"id"`
	Name       string     `json:"name"`
	Notes      string     `json:"notes"`
	Key        Secret     `json:"key"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// Team member statuses, as the client normalises them: the API may send
// "active" or "accepted" (StatusActive), "pending" (StatusPending), in
// "status" or in "invite_status" (API.md, last section). Any other value,
// or none, is StatusUnknown, with the server's text in RawStatus.
const (
	StatusActive  = "active"
	StatusPending = "pending"
	StatusUnknown = "unknown"
)

// Known team roles. The API documents none; these are API.md's reading,
// and the client accepts any other role as sent (see KnownRole).
const (
	RoleAdmin  = "admin"
	RoleMember = "member"
	RoleViewer = "viewer"
)

// KnownRole reports whether role is one of admin, member and viewer.
func KnownRole(role string) bool {
	return role == RoleAdmin || role == RoleMember || role == RoleViewer
}

// TeamMember is a member of the account's team or a pending invite
// (Status == StatusPending, with an InviteID). Status is always one of
// StatusActive, StatusPending and StatusUnknown: a member whose status the
// client cannot read is kept, marked unknown, rather than failing the
// list, and callers must not decide anything that depends on its status
// (counting it as an admin, removing it).
type TeamMember struct {
	ID    ID     `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
	// Role is as the server sent it, possibly not a KnownRole.
	Role string `json:"role"`
	// Permissions are sorted when the server sent them as a string or
	// an object, else in the server's order.
	Permissions []string  `json:"permissions"`
	Status      string    `json:"status"`
	InviteID    string    `json:"invite_id"`
	InvitedAt   time.Time `json:"invited_at"`
	// RawStatus is what the server sent for a StatusUnknown member
	// (`"suspended"`, `invite_status "revoked"`, or "none"), for messages.
	RawStatus string `json:"raw_status,omitempty"`
}

// AccessToken is a personal access token of the user (not its secret value,
// which the API never lists). Name is the device_name given at login; Current
// marks the token that made the request.
type AccessToken struct {
	ID ID `json:"id"`
	// Name is "name" or, without one, "device_name".
	Name string `json:"name"`
	// Scopes are "scopes" or, as Sanctum names them, "abilities".
	Scopes  []string `json:"scopes"`
	Current bool     `json:"current"`
	// CurrentKnown reports that Current is an answer, not a default: the
	// server sent a current flag for the token, or the client proved
	// which token is in use (WithInUseTokens, or the id a Sanctum token
	// names; see SanctumTokenID). When no token of a list is Current,
	// nothing tells which one the client runs with: see
	// CurrentTokenKnown.
	CurrentKnown bool       `json:"current_known"`
	CreatedAt    *time.Time `json:"created_at"`
	LastUsedAt   *time.Time `json:"last_used_at"`
	ExpiresAt    *time.Time `json:"expires_at"`
}

// CurrentTokenKnown reports whether a token list names the token in use:
// one of them is Current. A list in which none is (a server that sends no
// current flag, and a token whose id the client cannot prove) must not be
// used to revoke tokens, since any of them may be the one in use.
func CurrentTokenKnown(ts []AccessToken) bool {
	for _, t := range ts {
		if t.Current {
			return true
		}
	}
	return false
}

// SocialNames are the profile's social links: the five the public docs
// list (facebook, github, twitter, instagram, discord), then website,
// which they do not list but servers may have.
var SocialNames = []string{"facebook", "github", "twitter", "instagram", "discord", "website"}

// Socials are the profile's social links. An empty string means "not set".
type Socials struct {
	Facebook  string `json:"facebook"`
	GitHub    string `json:"github"`
	Twitter   string `json:"twitter"`
	Instagram string `json:"instagram"`
	Discord   string `json:"discord"`
	Website   string `json:"website"`
	// Unreported lists the links (of SocialNames, in that order) the
	// server's answer did not hold at all (not even as null): the server
	// does not manage them, so a plan must not try to set them, and their
	// value here means nothing. Nil means every link was reported, as it
	// is for Socials built in Go.
	Unreported []string `json:"-"`
}

// Get returns the link called name (one of SocialNames), "" for another.
func (s *Socials) Get(name string) string {
	if p := s.field(name); p != nil {
		return *p
	}
	return ""
}

// Reported reports whether the server's answer held the link called name.
func (s *Socials) Reported(name string) bool {
	for _, n := range s.Unreported {
		if n == name {
			return false
		}
	}
	return true
}

// field returns the field of the link called name, nil for another name.
func (s *Socials) field(name string) *string {
	switch name {
	case "facebook":
		return &s.Facebook
	case "github":
		return &s.GitHub
	case "twitter":
		return &s.Twitter
	case "instagram":
		return &s.Instagram
	case "discord":
		return &s.Discord
	case "website":
		return &s.Website
	}
	return nil
}

// Preferences are the account's preferences.
type Preferences struct {
	NSFWContent                 bool    `json:"nsfw_content"`
	WalletNotificationEnabled   bool    `json:"wallet_notification_enabled"`
	WalletNotificationThreshold float64 `json:"wallet_notification_threshold"`
}

// Profile is the authenticated account as GET /me returns it, normalised:
// socials and preferences are nested whichever variant the server sent.
type Profile struct {
	ID            ID          `json:"id"`
	Name          string      `json:"name"`
	Username      string      `json:"username"`
	Email         string      `json:"email"`
	AboutMe       string      `json:"about_me"`
	Verified      bool        `json:"verified"`
	WalletBalance float64     `json:"wallet_balance"`
	Socials       Socials     `json:"socials"`
	Preferences   Preferences `json:"preferences"`
}

// ScopeInfo is one entry of GET /auth/scopes.
type ScopeInfo struct {
	Scope       string `json:"scope"`
	Description string `json:"description"`
}

// State is the live account as a plan needs it. A nil slice means the section
// was not fetched (it is not managed by the file); an empty, non-nil slice
// means it was fetched and is empty.
type State struct {
	// BaseURL is the site root the state was read from.
	BaseURL string `json:"base_url"`
	// Profile is GET /me of the account in whose context the state was read.
	Profile Profile `json:"profile"`
	// APIKeys, Team and Tokens are complete lists (every page), or nil when
	// not fetched.
	APIKeys []APIKey      `json:"api_keys"`
	Team    []TeamMember  `json:"team"`
	Tokens  []AccessToken `json:"tokens"`
}

// FetchOptions says which list sections Fetch reads besides the profile.
type FetchOptions struct {
	APIKeys bool
	Team    bool
	Tokens  bool
}

// Request and response bodies of the endpoints. Optional fields are pointers
// (nil = not sent) so that an update sends only what changes.

// SignupRequest is the body of POST /auth/signup.
type SignupRequest struct {
	Email    string `json:"email"`
	Password Secret `json:"-"`
	Name     string `json:"name"`
}

// SignupResult is the data of POST /auth/signup.
type SignupResult struct {
	User    Profile `json:"user"`
	Message string  `json:"message"`
}

// LoginRequest is the body of POST /auth/login. TokenExpiry is one of
// TokenExpiries (see CheckTokenExpiry); Scopes nil asks for every scope the
// user has.
type LoginRequest struct {
	Email       string   `json:"email"`
	Password    Secret   `json:"-"`
	DeviceName  string   `json:"device_name"`
	TokenExpiry string   `json:"token_expiry"`
	Scopes      []string `json:"scopes,omitempty"`
}

// AuthResult is the data of login, verify-email and refresh. Fields a given
// endpoint does not return are zero.
type AuthResult struct {
	AccessToken Secret     `json:"access_token"`
	TokenType   string     `json:"token_type"`
	TokenExpiry string     `json:"token_expiry"`
	ExpiresAt   *time.Time `json:"expires_at"`
	Scopes      []string   `json:"scopes"`
	User        *Profile   `json:"user"`
	APIKey      Secret     `json:"api_key"`
}

// RefreshRequest is the body of POST /auth/refresh.
type RefreshRequest struct {
	TokenExpiry string `json:"token_expiry,omitempty"`
	DeviceName  string `json:"device_name,omitempty"`
}

// ResetPasswordRequest is the body of POST /auth/reset-password.
type ResetPasswordRequest struct {
	Email    string `json:"email"`
	Token    Secret `json:"-"`
	Password Secret `json:"-"`
}

// SwitchAccountRequest is the body of POST /auth/switch-account. Scopes
// nil asks for every scope the caller has; DeviceName names the new token
// (empty lets the server choose); TokenExpiry is one of TokenExpiries
// (empty lets the server choose, which may be a long life: callers should
// send ShortestTokenExpiry for a token they log out at the end).
type SwitchAccountRequest struct {
	AccountUsername string   `json:"account_username"`
	Scopes          []string `json:"scopes,omitempty"`
	DeviceName      string   `json:"device_name,omitempty"`
	TokenExpiry     string   `json:"token_expiry,omitempty"`
}

// SwitchResult is the data of POST /auth/switch-account. ExpiresAt and
// Scopes are zero when the server does not send them.
type SwitchResult struct {
	AccessToken Secret     `json:"access_token"`
	Account     Profile    `json:"account"`
	ExpiresAt   *time.Time `json:"expires_at"`
	Scopes      []string   `json:"scopes"`
}

// ProfileUpdate is the body of PATCH /me.
type ProfileUpdate struct {
	Name     *string `json:"name,omitempty"`
	Username *string `json:"username,omitempty"`
	AboutMe  *string `json:"about_me,omitempty"`
}

// SocialsUpdate is the body of PATCH /me/socials.
type SocialsUpdate struct {
	Facebook  *string `json:"facebook,omitempty"`
	GitHub    *string `json:"github,omitempty"`
	Twitter   *string `json:"twitter,omitempty"`
	Instagram *string `json:"instagram,omitempty"`
	Discord   *string `json:"discord,omitempty"`
	Website   *string `json:"website,omitempty"`
}

// PreferencesUpdate is the body of PATCH /me/preferences.
type PreferencesUpdate struct {
	NSFWContent                 *bool    `json:"nsfw_content,omitempty"`
	WalletNotificationEnabled   *bool    `json:"wallet_notification_enabled,omitempty"`
	WalletNotificationThreshold *float64 `json:"wallet_notification_threshold,omitempty"`
}

// APIKeyCreate is the body of POST /api-keys.
type APIKeyCreate struct {
	Name  string  `json:"name"`
	Notes *string `json:"notes,omitempty"`
}

// APIKeyUpdate is the body of PUT /api-keys/{id}.
type APIKeyUpdate struct {
	Name  *string `json:"name,omitempty"`
	Notes *string `json:"notes,omitempty"`
}

// InviteRequest is the body of POST /teams.
type InviteRequest struct {
	Email       string   `json:"email"`
	Role        string   `json:"role,omitempty"`
	Permissions []string `json:"permissions,omitempty"`
}

// MemberUpdate is the body of PUT /teams/{id}. A non-nil empty Permissions
// clears them.
type MemberUpdate struct {
	Role        *string   `json:"role,omitempty"`
	Permissions *[]string `json:"permissions,omitempty"`
}
