package emulator

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"sort"
	"strings"
	"time"
)

// state is everything the emulator knows. It is serialized whole to the
// state file; the unexported fields are indexes rebuilt by reindex.
type state struct {
	Version      int                    `json:"version"`
	NextUserID   int64                  `json:"next_user_id"`
	NextKeyID    int64                  `json:"next_key_id"`
	NextMemberID int64                  `json:"next_member_id"`
	NextTokenID  int64                  `json:"next_token_id"`
	Accounts     []*account             `json:"accounts"`
	Tokens       []*token               `json:"tokens"`
	Outbox       []Mail                 `json:"outbox"`
	Idempotency  map[string]*idemRecord `json:"idempotency"`

	byUsername map[string]*account // lower-case username
	byEmail    map[string]*account // lower-case email
	byID       map[int64]*account
	bySecret   map[string]*token
	invites    map[string]*account // invite id → account whose team has it

	// sanctum issues tokens as "<id>|<secret>" (Variants.SanctumTokens,
	// copied here by the server before it handles or seeds).
	sanctum bool
}

// stateVersion is the format version of the state file.
const stateVersion = 1

func newState() *state {
	st := &state{Version: stateVersion, NextUserID: 1, NextKeyID: 101, NextMemberID: 1, NextTokenID: 1,
		Idempotency: map[string]*idemRecord{}}
	st.reindex()
	return st
}

// reindex rebuilds the lookup maps from the serialized fields.
func (st *state) reindex() {
	st.byUsername = map[string]*account{}
	st.byEmail = map[string]*account{}
	st.byID = map[int64]*account{}
	st.bySecret = map[string]*token{}
	st.invites = map[string]*account{}
	if st.Idempotency == nil {
		st.Idempotency = map[string]*idemRecord{}
	}
	for _, a := range st.Accounts {
		st.index(a)
	}
	for _, t := range st.Tokens {
		st.bySecret[t.Secret] = t
	}
}

// index adds an account (and its keys, members and invites) to the maps.
func (st *state) index(a *account) {
	st.byUsername[strings.ToLower(a.Username)] = a
	st.byEmail[strings.ToLower(a.Email)] = a
	st.byID[a.ID] = a
	a.keyByID = make(map[int64]*apiKey, len(a.Keys))
	for _, k := range a.Keys {
		a.keyByID[k.ID] = k
	}
	a.memberByID = make(map[int64]*member, len(a.Members))
	for _, m := range a.Members {
		a.memberByID[m.ID] = m
		if m.InviteID != "" {
			st.invites[m.InviteID] = a
		}
	}
	if a.Socials == nil {
		a.Socials = emptySocials()
	}
	for _, n := range socialNames {
		if _, ok := a.Socials[n]; !ok {
			a.Socials[n] = "" // a state file of an older emulator
		}
	}
}

// account is a user, or a team account users can switch into.
type account struct {
	ID            int64             `json:"id"`
	Email         string            `json:"email"`
	PasswordHash  string            `json:"password_sha256"`
	Name          string            `json:"name"`
	Username      string            `json:"username"`
	AboutMe       string            `json:"about_me"`
	Verified      bool              `json:"verified"`
	Team          bool              `json:"team"`
	WalletBalance float64           `json:"wallet_balance"`
	Socials       map[string]string `json:"socials"`
	Prefs         Preferences       `json:"preferences"`
	// Keys and Members are kept in id order (ids only grow), so a page is a
	// slice of them.
	Keys       []*apiKey `json:"api_keys"`
	Members    []*member `json:"team_members"`
	VerifyCode string    `json:"verify_code,omitempty"`
	ResetCode  string    `json:"reset_code,omitempty"`

	keyByID    map[int64]*apiKey
	memberByID map[int64]*member
}

// socialNames are the social links of a profile: the five the public docs
// list, then website, which they do not (Variants.Socials drops it).
var socialNames = []string{"facebook", "github", "twitter", "instagram", "discord", "website"}

func emptySocials() map[string]string {
	m := make(map[string]string, len(socialNames))
	for _, n := range socialNames {
		m[n] = ""
	}
	return m
}

// apiKey is a stored API key.
type apiKey struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Notes      string     `json:"notes"`
	Secret     string     `json:"key"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// member is a stored team member or pending invite.
type member struct {
	ID          int64     `json:"id"`
	Email       string    `json:"email"`
	Name        string    `json:"name"`
	Role        string    `json:"role"`
	Permissions []string  `json:"permissions"`
	Status      string    `json:"status"`
	InviteID    string    `json:"invite_id,omitempty"`
	InvitedAt   time.Time `json:"invited_at"`
}

// token is a stored access token. UserID owns it; AccountID is the account
// it acts in (different after switch-account).
type token struct {
	ID         int64      `json:"id"`
	Secret     string     `json:"secret"`
	UserID     int64      `json:"user_id"`
	AccountID  int64      `json:"account_id"`
	Name       string     `json:"name"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
}

// live reports whether the token is usable at now.
func (t *token) live(now time.Time) bool {
	return t.ExpiresAt == nil || now.Before(*t.ExpiresAt)
}

// hashPassword is how passwords are stored: never in the clear, even in an
// emulator's state file.
func hashPassword(p string) string {
	sum := sha256.Sum256([]byte("mlabctl-emulator:" + p))
	return hex.EncodeToString(sum[:])
}

// userTokens returns the live tokens owned by the user, in id order.
func (st *state) userTokens(userID int64, now time.Time) []*token {
	var out []*token
	for _, t := range st.Tokens {
		if t.UserID == userID && t.live(now) {
			out = append(out, t)
		}
	}
	return out
}

// revoke removes tokens for which drop is true and returns how many.
func (st *state) revoke(drop func(*token) bool) int {
	kept := st.Tokens[:0]
	n := 0
	for _, t := range st.Tokens {
		if drop(t) {
			delete(st.bySecret, t.Secret)
			n++
			continue
		}
		kept = append(kept, t)
	}
	for i := len(kept); i < len(st.Tokens); i++ {
		st.Tokens[i] = nil
	}
	st.Tokens = kept
	return n
}

// identified is what an account keeps in id order: API keys and team
// members.
type identified interface{ id() int64 }

func (k *apiKey) id() int64 { return k.ID }
func (m *member) id() int64 { return m.ID }

// assignID gives *id the next free id when it is zero, and keeps *next
// above every id in use (seeding may choose ids).
func assignID(id, next *int64) {
	if *id == 0 {
		*id = *next
	}
	if *id >= *next {
		*next = *id + 1
	}
}

// insertByID inserts v into list, which is in id order, keeping the order.
func insertByID[T identified](list []T, v T) []T {
	i := sort.Search(len(list), func(i int) bool { return list[i].id() >= v.id() })
	return slices.Insert(list, i, v)
}

// removeByID removes the entry with that id, if any, from list, which is
// in id order.
func removeByID[T identified](list []T, id int64) []T {
	i := sort.Search(len(list), func(i int) bool { return list[i].id() >= id })
	if i < len(list) && list[i].id() == id {
		return slices.Delete(list, i, i+1)
	}
	return list
}

// deleteKey removes a key.
func (a *account) deleteKey(id int64) {
	a.Keys = removeByID(a.Keys, id)
	delete(a.keyByID, id)
}

// deleteMember removes a member or invite.
func (st *state) deleteMember(a *account, id int64) {
	m := a.memberByID[id]
	if m == nil {
		return
	}
	a.Members = removeByID(a.Members, id)
	delete(a.memberByID, id)
	if m.InviteID != "" {
		delete(st.invites, m.InviteID)
	}
}

// memberByEmail returns the team entry with that email (case-insensitive).
func (a *account) memberByEmail(email string) *member {
	for _, m := range a.Members {
		if strings.EqualFold(m.Email, email) {
			return m
		}
	}
	return nil
}
