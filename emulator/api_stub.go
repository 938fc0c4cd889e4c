package emulator

// SCAFFOLDING: the agreed Go surface of the emulator. The emulator/ owner
// replaces this file with the real implementation, keeping these names and
// signatures (adding more is fine).

import (
	"net/http"
	"time"
)

// Prefix is where the API lives on the server.
const Prefix = "/api/agents/v1"

// Server is the emulated control plane. Set the knobs before serving; the
// zero value of each knob means "off". Use New to create one.
type Server struct {
	// Latency is added to every /api request before it is handled.
	Latency time.Duration
	// Faults injects errors; nil means none.
	Faults *Faults
	// RateLimit is the requests per second allowed per token; 0 means no limit.
	// Past it the server answers 429 rate_limited with Retry-After.
	RateLimit float64
	// DefaultPageSize is per_page when a request gives none; 0 means 50.
	DefaultPageSize int
	// StatePath, when set, is where the state is saved atomically after every
	// mutation (see Load for reading it at start).
	StatePath string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Faults injects failures into /api requests.
type Faults struct {
	// Rate is the probability in [0,1] that a matching request fails with one
	// of Statuses (default 503) before it is handled.
	Rate float64
	// Statuses to fail with; 429 answers carry Retry-After.
	Statuses []int
	// Routes restricts faults to requests whose "METHOD /path" (path relative
	// to Prefix, e.g. "POST /api-keys") starts with one of these; empty = all.
	Routes []string
	// FailFirst makes the first N matching requests fail (deterministic).
	FailFirst int
	// DropRate is the probability that a matching mutation's response is
	// dropped (the connection is closed) after the change was committed.
	DropRate float64
	// DropFirst drops the responses of the first N matching mutations.
	DropFirst int
	// Seed seeds the random choices; 0 means a fixed default.
	Seed int64
}

// New returns an emulator with empty state.
func New() *Server { return &Server{} }

// ServeHTTP serves the API under Prefix and the outbox at /_emulator/outbox.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "emulator not implemented yet", http.StatusNotImplemented)
}

// Demo is a ready account: a verified user with a full-scope access token.
type Demo struct {
	Email    string
	Password string
	Username string
	// Token is a full-scope ("*") access token named "demo".
	Token string
}

// SeedDemo creates (once) the demo account demo@mlabctl.example with a
// profile, a few API keys and team members, and returns its credentials.
func (s *Server) SeedDemo() Demo { return Demo{} }

// UserSeed describes an account to create. Zero fields get defaults.
type UserSeed struct {
	Email    string
	Password string
	Name     string
	Username string
	AboutMe  string
	Verified bool
	// Team marks a team account that users can switch into (switch-account)
	// when they are active admins of its team.
	Team bool
}

// AddUser creates an account and returns its username.
func (s *Server) AddUser(u UserSeed) string { return "" }

// IssueToken creates an access token for the account with the given device
// name, scopes ("*" = all) and lifetime (0 = never expires), and returns its
// secret.
func (s *Server) IssueToken(username, name string, scopes []string, ttl time.Duration) string {
	return ""
}

// Key is an API key as stored (Key is the whole secret).
type Key struct {
	ID        int64
	Name      string
	Notes     string
	Key       string
	CreatedAt time.Time
}

// AddAPIKey stores a key in the account; ID, Key and CreatedAt are filled
// when zero. It returns the stored key.
func (s *Server) AddAPIKey(username string, k Key) Key { return k }

// Member is a team member or pending invite as stored.
type Member struct {
	ID          int64
	Email       string
	Name        string
	Role        string
	Permissions []string
	// Status is "active" or "pending"; pending members have an InviteID.
	Status    string
	InviteID  string
	InvitedAt time.Time
}

// AddMember stores a member or invite in the account's team; ID, InviteID
// (for pending) and InvitedAt are filled when zero.
func (s *Server) AddMember(username string, m Member) Member { return m }

// Token is an access token as stored (without its secret).
type Token struct {
	ID        int64
	Name      string
	Scopes    []string
	CreatedAt time.Time
	ExpiresAt *time.Time
	Revoked   bool
}

// Account is a snapshot of one account's state.
type Account struct {
	ID          int64
	Email       string
	Name        string
	Username    string
	AboutMe     string
	Verified    bool
	Socials     map[string]string // github, twitter, discord, website
	Preferences Preferences
	APIKeys     []Key
	Team        []Member
	Tokens      []Token // live (not revoked, not expired) tokens
}

// Preferences of an account.
type Preferences struct {
	NSFWContent                 bool
	WalletNotificationEnabled   bool
	WalletNotificationThreshold float64
}

// Snapshot returns a deep copy of the account's state (ok=false if unknown).
func (s *Server) Snapshot(username string) (Account, bool) { return Account{}, false }

// Request is one logged /api request.
type Request struct {
	Method         string
	Path           string // relative to Prefix, with the query, e.g. "/api-keys?page=2"
	Status         int
	IdempotencyKey string
	Replayed       bool
}

// Requests returns every /api request served so far, in order.
func (s *Server) Requests() []Request { return nil }

// ResetRequests clears the request log.
func (s *Server) ResetRequests() {}

// Mail is one message in the outbox.
type Mail struct {
	To   string `json:"to"`
	Kind string `json:"kind"` // verification, password_reset, invite
	Code string `json:"code"`
}

// Outbox returns what the emulator "emailed", in order.
func (s *Server) Outbox() []Mail { return nil }

// Load reads a state file written through StatePath into the server.
func (s *Server) Load(path string) error { return nil }
