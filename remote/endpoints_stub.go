package remote

// SCAFFOLDING: the signatures below are the agreed surface of the client.
// The remote/ owner replaces this file with the real implementation
// (auth.go, tokens.go, profile.go, api_keys.go, teams.go, fetch.go, ...),
// keeping these signatures. Idempotency keys travel in the context: see
// WithIdempotencyKey.

import (
	"context"
	"errors"
	"net/http"
	"time"
)

var errNotImplemented = errors.New("remote: not implemented yet")

// Options configure a Client.
type Options struct {
	// BaseURL is the site root (e.g. https://modelslab.com); the client adds
	// /api/agents/v1. Non-https is refused unless the host is loopback.
	BaseURL string
	// Token is the bearer token; empty for the endpoints that need none.
	Token Secret
	// UserAgent defaults to "mlabctl/dev".
	UserAgent string
	// HTTPClient nil means a client with sane transport defaults.
	HTTPClient *http.Client
	// RequestTimeout bounds one HTTP attempt; 0 means 30s.
	RequestTimeout time.Duration
	// MaxAttempts bounds attempts of one call (first try included); 0 means 5.
	MaxAttempts int
	// MaxRetryWait bounds the total time spent waiting between attempts; 0 means 60s.
	MaxRetryWait time.Duration
	// PageConcurrency bounds concurrent page fetches of one list; 0 means 8.
	PageConcurrency int
	// Debug, when non-nil, receives one line per HTTP attempt (method, path,
	// status, duration, request id), never a secret.
	Debug interface{ Write([]byte) (int, error) }
}

// Client talks to the Agent Control Plane API. It is safe for concurrent use.
type Client struct{ opts Options }

// New validates opts and returns a client.
func New(opts Options) (*Client, error) { return &Client{opts: opts}, nil }

// WithToken returns a copy of the client that authenticates with tok.
func (c *Client) WithToken(tok Secret) *Client { cp := *c; cp.opts.Token = tok; return &cp }

// WithIdempotencyKey returns a context whose mutations carry key as their
// Idempotency-Key. Without one, the client generates a random key per call
// (so that its own retries are still safe).
func WithIdempotencyKey(ctx context.Context, key string) context.Context { return ctx }

func (c *Client) Signup(ctx context.Context, r SignupRequest) (*SignupResult, error) {
	return nil, errNotImplemented
}
func (c *Client) VerifyEmail(ctx context.Context, code string) (*AuthResult, error) {
	return nil, errNotImplemented
}
func (c *Client) ResendVerification(ctx context.Context, email string) (string, error) {
	return "", errNotImplemented
}
func (c *Client) Login(ctx context.Context, r LoginRequest) (*AuthResult, error) {
	return nil, errNotImplemented
}
func (c *Client) Refresh(ctx context.Context, r RefreshRequest) (*AuthResult, error) {
	return nil, errNotImplemented
}
func (c *Client) Logout(ctx context.Context) error                       { return errNotImplemented }
func (c *Client) LogoutAll(ctx context.Context) error                    { return errNotImplemented }
func (c *Client) ForgotPassword(ctx context.Context, email string) error { return errNotImplemented }
func (c *Client) ResetPassword(ctx context.Context, r ResetPasswordRequest) error {
	return errNotImplemented
}
func (c *Client) Scopes(ctx context.Context) ([]ScopeInfo, error) { return nil, errNotImplemented }
func (c *Client) ListTokens(ctx context.Context) ([]AccessToken, error) {
	return nil, errNotImplemented
}
func (c *Client) RevokeToken(ctx context.Context, id ID) error       { return errNotImplemented }
func (c *Client) RevokeOtherTokens(ctx context.Context) (int, error) { return 0, errNotImplemented }
func (c *Client) SwitchAccount(ctx context.Context, username string, scopes []string) (*SwitchResult, error) {
	return nil, errNotImplemented
}
func (c *Client) Me(ctx context.Context) (*Profile, error) { return nil, errNotImplemented }
func (c *Client) UpdateProfile(ctx context.Context, u ProfileUpdate) (*Profile, error) {
	return nil, errNotImplemented
}
func (c *Client) UpdatePassword(ctx context.Context, current, next Secret) error {
	return errNotImplemented
}
func (c *Client) UpdateSocials(ctx context.Context, u SocialsUpdate) (*Profile, error) {
	return nil, errNotImplemented
}
func (c *Client) UpdatePreferences(ctx context.Context, u PreferencesUpdate) (*Profile, error) {
	return nil, errNotImplemented
}
func (c *Client) ListAPIKeys(ctx context.Context) ([]APIKey, error) { return nil, errNotImplemented }
func (c *Client) CreateAPIKey(ctx context.Context, r APIKeyCreate) (*APIKey, error) {
	return nil, errNotImplemented
}
func (c *Client) GetAPIKey(ctx context.Context, id ID) (*APIKey, error) {
	return nil, errNotImplemented
}
func (c *Client) UpdateAPIKey(ctx context.Context, id ID, u APIKeyUpdate) (*APIKey, error) {
	return nil, errNotImplemented
}
func (c *Client) DeleteAPIKey(ctx context.Context, id ID) error      { return errNotImplemented }
func (c *Client) ListTeam(ctx context.Context) ([]TeamMember, error) { return nil, errNotImplemented }
func (c *Client) InviteMember(ctx context.Context, r InviteRequest) (*TeamMember, error) {
	return nil, errNotImplemented
}
func (c *Client) GetMember(ctx context.Context, id ID) (*TeamMember, error) {
	return nil, errNotImplemented
}
func (c *Client) UpdateMember(ctx context.Context, id ID, u MemberUpdate) (*TeamMember, error) {
	return nil, errNotImplemented
}
func (c *Client) RemoveMember(ctx context.Context, id ID) error { return errNotImplemented }
func (c *Client) ResendInvite(ctx context.Context, id ID) (*TeamMember, error) {
	return nil, errNotImplemented
}
func (c *Client) AcceptInvite(ctx context.Context, inviteID string) (*TeamMember, error) {
	return nil, errNotImplemented
}

// Fetch reads the live state a plan needs with the fewest requests: one GET
// /me, and the list pages of the sections opts asks for, in parallel.
func (c *Client) Fetch(ctx context.Context, opts FetchOptions) (*State, error) {
	return nil, errNotImplemented
}

// APIError is an error answer of the API.
type APIError struct {
	Status     int
	Code       string
	Message    string
	Details    map[string]any
	RequestID  string
	RetryAfter time.Duration
}

func (e *APIError) Error() string { return e.Message }
