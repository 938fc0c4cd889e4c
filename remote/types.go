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

// Team member statuses.
const (
	StatusActive  = "active"
	StatusPending = "pending"
)

// TeamMember is a member of the account's team or a pending invite
// (Status == StatusPending, with an InviteID).
type TeamMember struct {
	ID          ID        `json:"id"`
	Email       string    `json:"email"`
	Name        string    `json:"name"`
	Role        string    `json:"role"`
	Permissions []string  `json:"permissions"`
	Status      string    `json:"status"`
	InviteID    string    `json:"invite_id"`
	InvitedAt   time.Time `json:"invited_at"`
}

// AccessToken is a personal access token of the user (not its secret value,
// which the API never lists). Name is the device_name given at login; Current
// marks the token that made the request.
type AccessToken struct {
	ID         ID         `json:"id"`
	Name       string     `json:"name"`
	Scopes     []string   `json:"scopes"`
	Current    bool       `json:"current"`
	CreatedAt  *time.Time `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
}

// Socials are the profile's social links. An empty string means "not set".
type Socials struct {
	GitHub  string `json:"github"`
	Twitter string `json:"twitter"`
	Discord string `json:"discord"`
	Website string `json:"website"`
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
// 1_week, 1_month, 3_months, 6_months, 1_year, never; Scopes nil asks for
// every scope the user has.
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

// SwitchResult is the data of POST /auth/switch-account.
type SwitchResult struct {
	AccessToken Secret  `json:"access_token"`
	Account     Profile `json:"account"`
}

// ProfileUpdate is the body of PATCH /me.
type ProfileUpdate struct {
	Name     *string `json:"name,omitempty"`
	Username *string `json:"username,omitempty"`
	AboutMe  *string `json:"about_me,omitempty"`
}

// SocialsUpdate is the body of PATCH /me/socials.
type SocialsUpdate struct {
	GitHub  *string `json:"github,omitempty"`
	Twitter *string `json:"twitter,omitempty"`
	Discord *string `json:"discord,omitempty"`
	Website *string `json:"website,omitempty"`
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
