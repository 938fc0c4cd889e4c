package emulator

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Seeding and inspecting state from Go (tests, the demo, benchmarks). The
// seeding methods panic on a username that does not exist: they are test
// setup, where a typo must fail loudly. Seeding changes memory only and
// never saves to StatePath, so it has no I/O failure to report: a caller
// that keeps the state on disk calls Save after seeding.

// UserSeed describes an account to create. Zero fields get defaults.
type UserSeed struct {
	// Email defaults to <username>@example.com.
	Email string
	// Password defaults to "correct-horse-battery-staple".
	Password string
	// Name defaults to the username.
	Name string
	// Username defaults to the email's local part (made unique).
	Username string
	AboutMe  string
	// Verified users can log in with their password; unverified ones must
	// verify their email first. Tokens issued from Go work either way.
	Verified bool
	// Team marks a team account that users can switch into (switch-account)
	// when they are active members of its team. A team account cannot log
	// in itself.
	Team bool
}

// defaultPassword is the password of seeded users that give none.
const defaultPassword = "correct-horse-battery-staple"

// AddUser creates an account and returns its username (the given one, or a
// unique one derived from the email).
func (s *Server) AddUser(u UserSeed) string {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.st.addAccount(u, s.now())
	return a.Username
}

// usernameChars are the characters dropped when deriving a username from
// an email address.
var usernameChars = regexp.MustCompile(`[^a-z0-9_.-]+`)

// addAccount creates an account from a seed.
func (st *state) addAccount(u UserSeed, now time.Time) *account {
	username := u.Username
	if username == "" {
		local, _, _ := strings.Cut(strings.ToLower(u.Email), "@")
		base := strings.Trim(usernameChars.ReplaceAllString(local, "-"), "-.")
		if len(base) < 3 {
			base = "user" + base
		}
		username = base
		for i := 2; st.byUsername[strings.ToLower(username)] != nil; i++ {
			username = base + "-" + strconv.Itoa(i)
		}
	}
	if st.byUsername[strings.ToLower(username)] != nil {
		panic(fmt.Sprintf("emulator: username %q already exists", username))
	}
	email := u.Email
	if email == "" {
		email = username + "@example.com"
	}
	password := u.Password
	if password == "" {
		password = defaultPassword
	}
	name := u.Name
	if name == "" {
		name = username
	}
	a := &account{
		ID: st.NextUserID, Email: email, PasswordHash: hashPassword(password), Name: name,
		Username: username, AboutMe: u.AboutMe, Verified: u.Verified, Team: u.Team,
		Socials: emptySocials(),
	}
	st.NextUserID++
	st.Accounts = append(st.Accounts, a)
	st.index(a)
	return a
}

// seed runs change on the named account under the lock (in memory only;
// see Save): the frame of the seeding methods that change one existing
// account. It panics, before change runs, if there is no such account.
func (s *Server) seed(username string, change func(a *account)) {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.sanctum = s.SanctumTokens
	change(s.mustAccount(username))
}

// mustAccount returns the account or panics; s.mu is held.
func (s *Server) mustAccount(username string) *account {
	a := s.st.byUsername[strings.ToLower(username)]
	if a == nil {
		panic(fmt.Sprintf("emulator: no account %q", username))
	}
	return a
}

// IssueToken creates an access token for the account with the given device
// name, scopes ("*" = all) and lifetime (0 = never expires), and returns its
// secret.
func (s *Server) IssueToken(username, name string, scopes []string, ttl time.Duration) (secret string) {
	s.seed(username, func(a *account) {
		secret = s.st.issueToken(a, a, name, scopes, s.now(), ttl).Secret
	})
	return secret
}

// Key is an API key as stored (Key is the whole secret).
type Key struct {
	ID        int64
	Name      string
	Notes     string
	Key       string
	CreatedAt time.Time
	// LastUsedAt is when the key was last used for generation; nil means
	// never. The emulator serves no generation, so only seeding sets it.
	LastUsedAt *time.Time
}

// AddAPIKey stores a key in the account; ID, Key and CreatedAt are filled
// when zero. It returns the stored key.
func (s *Server) AddAPIKey(username string, k Key) (out Key) {
	s.seed(username, func(a *account) {
		if k.ID != 0 && a.keyByID[k.ID] != nil {
			panic(fmt.Sprintf("emulator: account %q already has API key %d", username, k.ID))
		}
		if k.CreatedAt.IsZero() {
			k.CreatedAt = s.now()
		}
		stored := &apiKey{ID: k.ID, Name: k.Name, Notes: k.Notes, Secret: k.Key, CreatedAt: k.CreatedAt.UTC()}
		if k.LastUsedAt != nil {
			used := k.LastUsedAt.UTC()
			stored.LastUsedAt = &used
		}
		s.st.addKey(a, stored)
		out = keyOut(stored)
	})
	return out
}

func keyOut(k *apiKey) Key {
	out := Key{ID: k.ID, Name: k.Name, Notes: k.Notes, Key: k.Secret, CreatedAt: k.CreatedAt}
	if k.LastUsedAt != nil {
		used := *k.LastUsedAt
		out.LastUsedAt = &used
	}
	return out
}

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
// (for pending), InvitedAt, Status ("active") and Role ("member") are
// filled when zero. It returns the stored member.
func (s *Server) AddMember(username string, m Member) (out Member) {
	s.seed(username, func(a *account) {
		if m.ID != 0 && a.memberByID[m.ID] != nil {
			panic(fmt.Sprintf("emulator: account %q already has team member %d", username, m.ID))
		}
		if m.InvitedAt.IsZero() {
			m.InvitedAt = s.now()
		}
		if m.Role == "" {
			m.Role = "member"
		}
		stored := &member{ID: m.ID, Email: m.Email, Name: m.Name, Role: m.Role, Permissions: slices.Clone(m.Permissions),
			Status: m.Status, InviteID: m.InviteID, InvitedAt: m.InvitedAt.UTC()}
		s.st.addMember(a, stored)
		out = memberOut(stored)
	})
	return out
}

func memberOut(m *member) Member {
	return Member{ID: m.ID, Email: m.Email, Name: m.Name, Role: m.Role, Permissions: slices.Clone(m.Permissions),
		Status: m.Status, InviteID: m.InviteID, InvitedAt: m.InvitedAt}
}

// Token is an access token as stored (without its secret).
type Token struct {
	ID        int64
	Name      string
	Scopes    []string
	CreatedAt time.Time
	ExpiresAt *time.Time
	// Revoked is always false in a Snapshot, which lists live tokens only;
	// revoked tokens are forgotten.
	Revoked bool
	// Account is the username of the account the token acts in (the
	// owner's own, or a team account after switch-account).
	Account string
}

// Account is a snapshot of one account's state.
type Account struct {
	ID            int64
	Email         string
	Name          string
	Username      string
	AboutMe       string
	Verified      bool
	WalletBalance float64
	Socials       map[string]string // facebook, github, twitter, instagram, discord, website
	Preferences   Preferences
	APIKeys       []Key
	Team          []Member
	Tokens        []Token // live (not revoked, not expired) tokens owned by the user
}

// Preferences of an account.
type Preferences struct {
	NSFWContent                 bool    `json:"nsfw_content"`
	WalletNotificationEnabled   bool    `json:"wallet_notification_enabled"`
	WalletNotificationThreshold float64 `json:"wallet_notification_threshold"`
}

// Snapshot returns a deep copy of the account's state (ok=false if unknown).
func (s *Server) Snapshot(username string) (Account, bool) {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.st.byUsername[strings.ToLower(username)]
	if a == nil {
		return Account{}, false
	}
	out := Account{
		ID: a.ID, Email: a.Email, Name: a.Name, Username: a.Username, AboutMe: a.AboutMe,
		Verified: a.Verified, WalletBalance: a.WalletBalance, Socials: map[string]string{},
		Preferences: a.Prefs, APIKeys: []Key{}, Team: []Member{}, Tokens: []Token{},
	}
	for k, v := range a.Socials {
		out.Socials[k] = v
	}
	for _, k := range a.Keys {
		out.APIKeys = append(out.APIKeys, keyOut(k))
	}
	for _, m := range a.Members {
		out.Team = append(out.Team, memberOut(m))
	}
	for _, t := range s.st.userTokens(a.ID, s.now()) {
		tok := Token{ID: t.ID, Name: t.Name, Scopes: slices.Clone(t.Scopes), CreatedAt: t.CreatedAt}
		if t.ExpiresAt != nil {
			e := *t.ExpiresAt
			tok.ExpiresAt = &e
		}
		if acct := s.st.byID[t.AccountID]; acct != nil {
			tok.Account = acct.Username
		}
		out.Tokens = append(out.Tokens, tok)
	}
	return out, true
}

// Demo is a ready account: a verified user with a full-scope access token.
type Demo struct {
	Email    string
	Password string
	Username string
	// Token is a full-scope ("*") access token named "demo" that never
	// expires.
	Token string
}

// The demo account of ../shared/DEMO.md.
const (
	demoEmail    = "demo@mlabctl.example"
	demoPassword = "correct-horse-battery-staple"
	demoUsername = "acme-bot"
)

// SeedDemo creates (once) the demo account demo@mlabctl.example with a
// profile, a few API keys, team members and access tokens, all dated
// relative to Now, and returns its credentials. Called again (or on a
// loaded state that has it), it returns the existing account's credentials,
// issuing a new "demo" token only if the old one was revoked.
func (s *Server) SeedDemo() Demo {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	demo := Demo{Email: demoEmail, Password: demoPassword, Username: demoUsername}
	s.st.sanctum = s.SanctumTokens
	now := s.now()
	day := 24 * time.Hour
	if a := s.st.byEmail[demoEmail]; a != nil {
		demo.Username = a.Username
		for _, t := range s.st.userTokens(a.ID, now) {
			if t.Name == "demo" && t.AccountID == a.ID && slices.Equal(t.Scopes, []string{"*"}) {
				demo.Token = t.Secret
				return demo
			}
		}
		demo.Token = s.st.issueToken(a, a, "demo", []string{"*"}, now, 0).Secret
		return demo
	}
	a := s.st.addAccount(UserSeed{Email: demoEmail, Password: demoPassword, Username: demoUsername,
		Name: "Acme Bot", AboutMe: "Automation account.", Verified: true}, now)
	a.WalletBalance = 12.5
	a.Socials["github"] = "acme-old"
	a.Prefs = Preferences{NSFWContent: true, WalletNotificationEnabled: false, WalletNotificationThreshold: 5}
	for _, k := range []struct {
		name, notes string
		age         int
	}{
		{"production", "Used by prod", 300},
		{"ci", "Used by GitHub Actions", 120},
		{"dashboard-playground", "Made in the dashboard", 10},
		{"old-key", "", 200},
	} {
		s.st.addKey(a, &apiKey{Name: k.name, Notes: k.notes, CreatedAt: now.Add(-time.Duration(k.age) * day)})
	}
	for _, m := range []*member{
		{Email: "alice@example.com", Name: "Alice", Role: "admin", Permissions: []string{"api-keys", "billing"}, Status: "active", InvitedAt: now.Add(-200 * day)},
		{Email: "bob@example.com", Name: "Bob", Role: "viewer", Status: "active", InvitedAt: now.Add(-150 * day)},
		{Email: "carol@example.com", Role: "member", Status: "pending", InvitedAt: now.Add(-30 * day)},
		{Email: "mallory@example.com", Name: "Mallory", Role: "member", Status: "active", InvitedAt: now.Add(-90 * day)},
	} {
		s.st.addMember(a, m)
	}
	demo.Token = s.st.issueToken(a, a, "demo", []string{"*"}, now, 0).Secret
	s.st.issueToken(a, a, "old-laptop", []string{"*"}, now.Add(-400*day), 0)
	return demo
}
